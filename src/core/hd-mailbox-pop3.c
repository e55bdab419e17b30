/* hd-mailbox-pop3.c: the POP3 half of HdMailbox: what the server's lines
 * tell, and STAT, UIDL, RETR and DELE on the maildrop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

void
hd_mailbox_pop3_server_line (HdMailbox  *self,
                             const char *line)
{
  if (self->pop3_in_capa)
    {
      if (g_str_equal (line, "."))
        self->pop3_in_capa = FALSE;
      else if (g_ascii_strncasecmp (line, "SASL ", 5) == 0)
        {
          g_free (self->mechanisms);
          self->mechanisms = g_strdup (line + 5);
        }
      return;
    }

  hd_mailbox_note_sasl_challenge (self, line);
  if (!g_str_has_prefix (line, "+OK") && !g_str_has_prefix (line, "-ERR"))
    return;

  g_free (self->last_status);
  self->last_status = g_strdup (line);
  if (line[0] == '-')
    {
      g_free (self->failure_reply);
      self->failure_reply = g_strdup (line);
    }
  if (self->pop3_capa_pending)
    {
      self->pop3_capa_pending = FALSE;
      self->pop3_in_capa = line[0] == '+';
    }
  if (self->authenticating)
    {
      self->authenticating = FALSE;
      self->authenticated = line[0] == '+';
    }
}

gboolean
hd_mailbox_pop3_stat (HdMailbox     *self,
                      guint         *count,
                      GCancellable  *cancellable,
                      GError       **error)
{
  if (!hd_mailbox_perform (self, "/", "STAT", TRUE, NULL, NULL, cancellable, error))
    return FALSE;
  if (self->last_status == NULL || !g_str_has_prefix (self->last_status, "+OK "))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                   _("Unexpected reply to STAT: %s"),
                   self->last_status != NULL ? self->last_status : "");
      return FALSE;
    }
  *count = (guint) g_ascii_strtoull (self->last_status + 4, NULL, 10);
  return TRUE;
}

static gboolean identity_changed (HdMailbox   *self,
                                  const char  *uid,
                                  GError     **error);

/* The sizes that LIST gives, by message number, for this connection. */
static gboolean
pop3_sizes (HdMailbox     *self,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  GHashTable *sizes;

  if (!hd_mailbox_perform (self, "/", "LIST", FALSE, NULL, body, cancellable, error))
    return FALSE;
  sizes = g_hash_table_new (NULL, NULL);
  lines = g_strsplit (body->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (g_strstrip (lines[i]), " ", 3);

      if (fields[0] == NULL || fields[1] == NULL || !hd_mailbox_is_digits (fields[0])
          || !hd_mailbox_is_digits (fields[1]))
        continue;
      g_hash_table_insert (sizes, GUINT_TO_POINTER ((guint) g_ascii_strtoull (fields[0], NULL, 10)),
                           GUINT_TO_POINTER ((guint) MIN (g_ascii_strtoull (fields[1], NULL, 10),
                                                          G_MAXUINT)));
    }
  g_clear_pointer (&self->uidl_sizes, g_hash_table_unref);
  self->uidl_sizes = sizes;
  return TRUE;
}

/* Reads a UIDL listing into the table of this connection's numbers.
 * With @out_uids, it also hands out the list's handles: the UIDL itself, or
 * for a UIDL that the server lists more than once, "UIDL<TAB>number", valid
 * on this connection only. */
static gboolean
pop3_uidl (HdMailbox     *self,
           GStrv         *out_uids,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GStrvBuilder) uids = g_strv_builder_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto(GStrv) lines = NULL;
  GHashTable *numbers;
  guint generation;

  if (!hd_mailbox_perform (self, "/", "UIDL", FALSE, NULL, body, cancellable, error))
    return FALSE;
  generation = self->generation;
  if (!pop3_sizes (self, cancellable, error))
    return FALSE;
  if (self->generation != generation)
    return identity_changed (self, "UIDL", error);

  lines = g_strsplit (body->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char **fields = g_strsplit (g_strstrip (lines[i]), " ", 2);

      if (fields[0] == NULL || fields[1] == NULL || !hd_mailbox_is_digits (fields[0])
          || fields[1][0] == '\0' || strchr (fields[1], '\t') != NULL)
        {
          g_strfreev (fields);
          continue;
        }
      g_ptr_array_add (entries, fields);
      g_hash_table_insert (counts, fields[1],
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts,
                                                                                    fields[1]))
                                             + 1));
    }

  /* Message numbers are valid for this POP3 session only: the table goes
   * with the connection (reset_connection_state()). A UIDL listed twice
   * names no mail on its own and stays out of it. */
  numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < entries->len; i++)
    {
      char **fields = entries->pdata[i];
      guint number = (guint) g_ascii_strtoull (fields[0], NULL, 10);

      if (GPOINTER_TO_UINT (g_hash_table_lookup (counts, fields[1])) > 1)
        {
          g_autofree char *handle = g_strdup_printf ("%s\t%u", fields[1], number);

          g_strv_builder_add (uids, handle);
          continue;
        }
      g_hash_table_replace (numbers, g_strdup (fields[1]), GUINT_TO_POINTER (number));
      g_strv_builder_add (uids, fields[1]);
    }
  g_clear_pointer (&self->uidl_numbers, g_hash_table_unref);
  self->uidl_numbers = numbers;

  if (out_uids != NULL)
    *out_uids = g_strv_builder_end (uids);
  return TRUE;
}

gboolean
hd_mailbox_pop3_list (HdMailbox     *self,
                      GStrv         *out_uids,
                      GCancellable  *cancellable,
                      GError       **error)
{
  if (!pop3_uidl (self, out_uids, cancellable, error))
    return FALSE;
  self->listed_generation = self->generation;
  return TRUE;
}

/* A RETR has no length that libcurl checks: when the server hangs up in the
 * middle of the message, libcurl ends the transfer as if it were complete.
 * A message shorter than LIST said is therefore only taken when the same
 * connection still answers (some servers' LIST sizes are estimates). */
static gboolean
retr_complete (HdMailbox    *self,
               guint         number,
               GCancellable *cancellable)
{
  gpointer size = NULL;
  guint generation = self->generation;

  if (self->uidl_sizes != NULL
      && g_hash_table_lookup_extended (self->uidl_sizes, GUINT_TO_POINTER (number), NULL, &size)
      && self->sink_bytes >= (goffset) GPOINTER_TO_UINT (size))
    return TRUE;
  return hd_mailbox_perform (self, "/", "NOOP", TRUE, NULL, NULL, cancellable, NULL)
         && self->generation == generation;
}

static gboolean
identity_changed (HdMailbox   *self,
                  const char  *uid,
                  GError     **error)
{
  g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_IDENTITY_CHANGED,
               _("The POP3 connection was opened anew, and message numbers may have changed "
                 "with it; mail %s was neither fetched nor deleted and is read again next poll"),
               uid);
  return FALSE;
}

/* The number that names @uid on the current connection: a plain UIDL is
 * looked up in this connection's listing (listed again after a reconnect);
 * a "UIDL<TAB>number" handle holds only on the connection that listed it. */
static gboolean
pop3_number (HdMailbox     *self,
             const char    *uid,
             guint         *number,
             GCancellable  *cancellable,
             GError       **error)
{
  const char *tab = strchr (uid, '\t');
  gpointer value;

  if (tab != NULL)
    {
      if (self->curl == NULL || self->generation != self->listed_generation)
        return identity_changed (self, uid, error);
      *number = (guint) g_ascii_strtoull (tab + 1, NULL, 10);
      return TRUE;
    }
  if (self->uidl_numbers == NULL && !pop3_uidl (self, NULL, cancellable, error))
    return FALSE;
  if (!g_hash_table_lookup_extended (self->uidl_numbers, uid, NULL, &value))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND,
                   _("No message with UIDL %s on the server"), uid);
      return FALSE;
    }
  *number = GPOINTER_TO_UINT (value);
  return TRUE;
}

gboolean
hd_mailbox_pop3_fetch (HdMailbox     *self,
                       const char    *uid,
                       GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *number_path = NULL;
  guint generation;
  guint number;

  if (!pop3_number (self, uid, &number, cancellable, error))
    return FALSE;
  generation = self->generation;
  number_path = g_strdup_printf ("/%u", number);
  if (!hd_mailbox_perform (self, number_path, NULL, FALSE, stream, NULL, cancellable, error))
    return FALSE;
  /* libcurl opened a new connection for the RETR: the number came from the
   * old one and may have named another mail there. */
  if (self->generation != generation)
    return identity_changed (self, uid, error);
  if (!retr_complete (self, number, cancellable))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                   _("The server closed the connection before mail %s was read to its end; "
                     "it stays on the server"), uid);
      return FALSE;
    }
  return TRUE;
}

gboolean
hd_mailbox_pop3_delete (HdMailbox          *self,
                        const char * const *uids,
                        GCancellable       *cancellable,
                        GError            **error)
{
  for (guint i = 0; uids[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *dele = NULL;
      guint generation;
      guint number;

      if (!pop3_number (self, uids[i], &number, cancellable, &local_error))
        {
          if (g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* DELEs of an earlier connection died with it: one QUIT must never
       * stand for two connections' deletions. */
      if (self->n_deles > 0 && self->dele_generation != self->generation)
        {
          g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                               _("The connection that carried the deletions ended before QUIT; "
                                 "the server keeps that mail, and the next poll deletes it"));
          return FALSE;
        }
      generation = self->generation;
      dele = g_strdup_printf ("DELE %u", number);
      if (!hd_mailbox_perform (self, "/", dele, TRUE, NULL, NULL, cancellable, error))
        return FALSE;
      if (self->generation != generation)
        {
          /* The DELE went out on a new connection with an old number: end
           * that connection without QUIT, so that the server forgets it. */
          hd_mailbox_abort_connection (self);
          return identity_changed (self, uids[i], error);
        }
      self->dele_generation = generation;
      self->n_deles++;
    }
  return TRUE;
}

/* Only QUIT commits the deletions (RFC 1939 UPDATE state), and only those
 * sent on the connection it ends. */
gboolean
hd_mailbox_pop3_quit (HdMailbox     *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  guint generation = self->generation;
  gboolean had_deles = self->n_deles > 0;

  if (had_deles && (self->curl == NULL || self->dele_generation != generation))
    {
      hd_mailbox_close (self);
      g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                           _("The connection that carried the deletions ended before QUIT; "
                             "the server keeps that mail, and the next poll deletes it"));
      return FALSE;
    }
  if (self->curl == NULL)
    return TRUE;
  if (!hd_mailbox_perform (self, "/", "QUIT", TRUE, NULL, NULL, cancellable, error))
    {
      hd_mailbox_abort_connection (self);
      return FALSE;
    }
  if (had_deles && self->generation != generation)
    {
      hd_mailbox_abort_connection (self);
      g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                           _("The connection that carried the deletions ended before QUIT; "
                             "the server keeps that mail, and the next poll deletes it"));
      return FALSE;
    }
  self->n_deles = 0;
  hd_mailbox_close (self);
  return TRUE;
}
