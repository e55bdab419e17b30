/* hd-mailbox-pop3.c: the POP3 half of HdMailbox: what the server's lines
 * tell, and STAT, UIDL, RETR and DELE on the maildrop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <glib/gi18n-lib.h>

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

gboolean
hd_mailbox_pop3_list (HdMailbox     *self,
                      GStrv         *out_uids,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GStrvBuilder) uids = g_strv_builder_new ();
  g_auto(GStrv) lines = NULL;
  GHashTable *numbers;

  if (!hd_mailbox_perform (self, "/", "UIDL", FALSE, NULL, body, cancellable, error))
    return FALSE;

  /* Message numbers are valid for this POP3 session only: the table goes
   * with the connection (reset_connection_state()). */
  numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (body->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (g_strstrip (lines[i]), " ", 2);
      guint64 number;

      if (fields[0] == NULL || fields[1] == NULL || !hd_mailbox_is_digits (fields[0]))
        continue;
      number = g_ascii_strtoull (fields[0], NULL, 10);
      g_hash_table_replace (numbers, g_strdup (fields[1]), GUINT_TO_POINTER ((guint) number));
      g_strv_builder_add (uids, fields[1]);
    }
  g_clear_pointer (&self->uidl_numbers, g_hash_table_unref);
  self->uidl_numbers = numbers;

  if (out_uids != NULL)
    *out_uids = g_strv_builder_end (uids);
  return TRUE;
}

static gboolean
pop3_number (HdMailbox     *self,
             const char    *uidl,
             guint         *number,
             GCancellable  *cancellable,
             GError       **error)
{
  gpointer value;

  if (self->uidl_numbers == NULL && !hd_mailbox_pop3_list (self, NULL, cancellable, error))
    return FALSE;
  if (!g_hash_table_lookup_extended (self->uidl_numbers, uidl, NULL, &value))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND,
                   _("No message with UIDL %s on the server"), uidl);
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
  guint number;

  if (!pop3_number (self, uid, &number, cancellable, error))
    return FALSE;
  number_path = g_strdup_printf ("/%u", number);
  return hd_mailbox_perform (self, number_path, NULL, FALSE, stream, NULL, cancellable, error);
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
      guint number;

      if (!pop3_number (self, uids[i], &number, cancellable, &local_error))
        {
          if (g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      dele = g_strdup_printf ("DELE %u", number);
      if (!hd_mailbox_perform (self, "/", dele, TRUE, NULL, NULL, cancellable, error))
        return FALSE;
    }

  /* Only QUIT commits the deletions (RFC 1939 UPDATE state). */
  if (!hd_mailbox_perform (self, "/", "QUIT", TRUE, NULL, NULL, cancellable, error))
    return FALSE;
  hd_mailbox_close (self);
  return TRUE;
}
