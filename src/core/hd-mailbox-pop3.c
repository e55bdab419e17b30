/* hd-mailbox-pop3.c: HdMailboxPop3, the POP3 subclass of HdMailbox: what
 * the server's lines tell, and STAT, UIDL, RETR and DELE on the maildrop,
 * message numbers used only on the connection that listed them, and the
 * deletions committed by one QUIT. A server that announces PIPELINING
 * gets its mail fetched in batches (hd-mailbox-pop3-batch.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-pop3-private.h"

#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  guint32 number;
  guint32 size;
} NumberSize;

G_DEFINE_FINAL_TYPE (HdMailboxPop3, hd_mailbox_pop3, HD_TYPE_MAILBOX)

static void
forget_numbers (HdMailboxPop3 *self)
{
  g_clear_pointer (&self->uidl_handles, hd_handles_unref);
  g_clear_pointer (&self->uidl_numbers, g_array_unref);
}

static int
compare_numbers (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = ((const NumberSize *) a)->number;
  guint32 y = ((const NumberSize *) b)->number;

  return x < y ? -1 : x > y;
}

/* Which connection the session is on (see hd_curl_session_get_generation()). */
static guint
connection (HdMailboxPop3 *self)
{
  return hd_mailbox_get_generation (HD_MAILBOX (self));
}

static gboolean
is_open (HdMailboxPop3 *self)
{
  return hd_mailbox_is_open (HD_MAILBOX (self));
}

static void
abort_connection (HdMailboxPop3 *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));

  if (!is_open (self))
    return;
  /* No QUIT: the server never reaches the UPDATE state, so the DELEs sent
   * on this connection are forgotten (RFC 1939 §6). */
  hd_curl_session_abort (priv->session);
  forget_numbers (self);
  /* The DELEs sent so far are void now; QUIT must not report them done. */
  if (self->n_deles > 0)
    self->dele_generation = G_MAXUINT;
}

static void
hd_mailbox_pop3_server_line (HdMailbox  *mailbox,
                             const char *line)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);
  HdMailboxPrivate *priv = hd_mailbox_get_private (mailbox);

  if (self->in_capa)
    {
      if (g_str_equal (line, "."))
        self->in_capa = FALSE;
      else if (g_ascii_strncasecmp (line, "SASL ", 5) == 0)
        {
          g_free (priv->mechanisms);
          priv->mechanisms = g_strdup (line + 5);
        }
      else if (g_ascii_strcasecmp (line, "PIPELINING") == 0)
        self->pipelining = TRUE;
      return;
    }

  hd_mailbox_note_sasl_challenge (mailbox, line);
  if (!g_str_has_prefix (line, "+OK") && !g_str_has_prefix (line, "-ERR"))
    return;

  if (self->capa_pending)
    {
      self->capa_pending = FALSE;
      self->in_capa = line[0] == '+';
    }
  hd_mailbox_note_status (mailbox, line, line[0] == '+');
}

static void
hd_mailbox_pop3_client_line (HdMailbox  *mailbox,
                             const char *line)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);
  HdMailboxPrivate *priv = hd_mailbox_get_private (mailbox);

  if (g_ascii_strcasecmp (line, "CAPA") == 0)
    self->capa_pending = TRUE;
  else if (g_ascii_strncasecmp (line, "AUTH ", 5) == 0
           || g_ascii_strncasecmp (line, "APOP ", 5) == 0
           || g_ascii_strncasecmp (line, "PASS ", 5) == 0)
    priv->authenticating = TRUE;
}

static void
hd_mailbox_pop3_connection_reset (HdMailbox *mailbox)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);

  self->capa_pending = FALSE;
  self->in_capa = FALSE;
  self->pipelining = FALSE;
  /* Message numbers are valid for one POP3 session only. */
  forget_numbers (self);
  g_clear_pointer (&self->uidl_sizes, g_array_unref);
}

static gboolean
hd_mailbox_pop3_check (HdMailbox     *mailbox,
                       guint         *count,
                       char         **out_text,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (mailbox);

  if (!hd_mailbox_perform (mailbox, "/", "STAT", TRUE, NULL, NULL, cancellable, error))
    return FALSE;
  if (priv->last_status == NULL || !g_str_has_prefix (priv->last_status, "+OK "))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                   _("Unexpected reply to STAT: %s"),
                   priv->last_status != NULL ? priv->last_status : "");
      return FALSE;
    }
  *count = (guint) g_ascii_strtoull (priv->last_status + 4, NULL, 10);
  *out_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message", "%u messages",
                                            *count), *count);
  return TRUE;
}

static gboolean identity_changed (HdMailboxPop3  *self,
                                  const char     *uid,
                                  GError        **error);

/* The sizes that LIST gives, by message number, for this connection. */
static gboolean
pop3_sizes (HdMailboxPop3 *self,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  GArray *sizes;

  if (!hd_mailbox_perform (HD_MAILBOX (self), "/", "LIST", FALSE, NULL, body, cancellable,
                           error))
    return FALSE;
  sizes = g_array_new (FALSE, FALSE, sizeof (NumberSize));
  lines = g_strsplit (body->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (g_strstrip (lines[i]), " ", 3);
      NumberSize one;

      if (fields[0] == NULL || fields[1] == NULL || !hd_mailbox_is_digits (fields[0])
          || !hd_mailbox_is_digits (fields[1]))
        continue;
      one.number = (guint32) MIN (g_ascii_strtoull (fields[0], NULL, 10), G_MAXUINT32);
      one.size = (guint32) MIN (g_ascii_strtoull (fields[1], NULL, 10), G_MAXUINT32);
      g_array_append_val (sizes, one);
    }
  g_array_sort (sizes, compare_numbers);
  g_clear_pointer (&self->uidl_sizes, g_array_unref);
  self->uidl_sizes = sizes;
  return TRUE;
}

/* Reads a UIDL listing into the table of this connection's numbers.
 * With @out_handles, it also hands out the list's handles: the UIDL itself, or
 * for a UIDL that the server lists more than once, "UIDL<TAB>number", valid
 * on this connection only. */
static gboolean
pop3_uidl (HdMailboxPop3 *self,
           HdHandles    **out_handles,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(HdHandles) uids = hd_handles_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_auto(GStrv) lines = NULL;
  GArray *numbers;
  guint generation;

  if (!hd_mailbox_perform (HD_MAILBOX (self), "/", "UIDL", FALSE, NULL, body, cancellable, error))
    return FALSE;
  generation = connection (self);
  if (!pop3_sizes (self, cancellable, error))
    return FALSE;
  if (connection (self) != generation)
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
   * with the connection (hd_mailbox_pop3_connection_reset()). A UIDL listed twice
   * names no mail on its own: only its "UIDL<TAB>number" handles are listed. */
  numbers = g_array_sized_new (FALSE, FALSE, sizeof (guint32), entries->len);
  for (guint i = 0; i < entries->len; i++)
    {
      char **fields = entries->pdata[i];
      guint32 number = (guint32) MIN (g_ascii_strtoull (fields[0], NULL, 10), G_MAXUINT32);

      g_array_append_val (numbers, number);
      if (GPOINTER_TO_UINT (g_hash_table_lookup (counts, fields[1])) > 1)
        {
          g_autofree char *handle = g_strdup_printf ("%s\t%u", fields[1], number);

          hd_handles_add (uids, handle);
          continue;
        }
      hd_handles_add (uids, fields[1]);
    }
  /* Sealed here, as the mailbox and the caller share it. */
  hd_handles_get_length (uids);
  forget_numbers (self);
  self->uidl_handles = hd_handles_ref (uids);
  self->uidl_numbers = numbers;

  if (out_handles != NULL)
    *out_handles = g_steal_pointer (&uids);
  return TRUE;
}

static gboolean
hd_mailbox_pop3_list (HdMailbox     *mailbox,
                      guint32       *out_uidvalidity,
                      HdHandles    **out_handles,
                      GCancellable  *cancellable,
                      GError       **error)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);

  if (!pop3_uidl (self, out_handles, cancellable, error))
    return FALSE;
  self->listed_generation = connection (self);
  return TRUE;
}

/* A RETR has no length that libcurl checks: when the server hangs up in the
 * middle of the message, libcurl ends the transfer as if it were complete.
 * A message shorter than LIST said is therefore only taken when the same
 * connection still answers (some servers' LIST sizes are estimates). */
static gboolean
retr_complete (HdMailboxPop3 *self,
               guint          number,
               GCancellable  *cancellable)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  NumberSize key = { number, 0 };
  const NumberSize *listed = NULL;
  guint generation = connection (self);

  if (self->uidl_sizes != NULL)
    listed = bsearch (&key, self->uidl_sizes->data, self->uidl_sizes->len, sizeof (NumberSize),
                      compare_numbers);
  if (listed != NULL
      && hd_curl_session_get_bytes_received (priv->session) >= (goffset) listed->size)
    return TRUE;
  return hd_mailbox_perform (HD_MAILBOX (self), "/", "NOOP", TRUE, NULL, NULL, cancellable, NULL)
         && connection (self) == generation;
}

static gboolean
identity_changed (HdMailboxPop3  *self,
                  const char     *uid,
                  GError        **error)
{
  g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_IDENTITY_CHANGED,
               _("The POP3 connection was opened anew, and message numbers may have changed "
                 "with it; mail %s was neither fetched nor deleted and is read again next poll"),
               uid);
  return FALSE;
}

/* DELEs sent on a connection that ended without QUIT were never made final
 * (RFC 1939 §6): the mail is still there. */
static gboolean
deletions_lost (GError **error)
{
  g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                       _("The connection that carried the deletions ended before QUIT; "
                         "the server keeps that mail, and the next poll deletes it"));
  return FALSE;
}

/* The number that names @uid on the current connection: a plain UIDL is
 * looked up in this connection's listing (listed again after a reconnect);
 * a "UIDL<TAB>number" handle holds only on the connection that listed it. */
static gboolean
pop3_number (HdMailboxPop3 *self,
             const char    *uid,
             guint         *number,
             GCancellable  *cancellable,
             GError       **error)
{
  const char *tab = strchr (uid, '\t');
  guint index;

  if (tab != NULL)
    {
      if (!is_open (self) || connection (self) != self->listed_generation)
        return identity_changed (self, uid, error);
      *number = (guint) g_ascii_strtoull (tab + 1, NULL, 10);
      return TRUE;
    }
  if (self->uidl_numbers == NULL && !pop3_uidl (self, NULL, cancellable, error))
    return FALSE;
  if (!hd_handles_find (self->uidl_handles, uid, &index))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND,
                   _("No message with UIDL %s on the server"), uid);
      return FALSE;
    }
  *number = g_array_index (self->uidl_numbers, guint32, index);
  return TRUE;
}

static gboolean
hd_mailbox_pop3_fetch (HdMailbox     *mailbox,
                       const char    *uid,
                       GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);
  g_autofree char *number_path = NULL;
  guint generation;
  guint number;

  if (!pop3_number (self, uid, &number, cancellable, error))
    return FALSE;
  generation = connection (self);
  number_path = g_strdup_printf ("/%u", number);
  if (!hd_mailbox_perform (mailbox, number_path, NULL, FALSE, stream, NULL, cancellable, error))
    return FALSE;
  /* libcurl opened a new connection for the RETR: the number came from the
   * old one and may have named another mail there. */
  if (connection (self) != generation)
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

static gboolean
hd_mailbox_pop3_delete (HdMailbox          *mailbox,
                        const char * const *uids,
                        GCancellable       *cancellable,
                        GError            **error)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);

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
      if (self->n_deles > 0 && self->dele_generation != connection (self))
        return deletions_lost (error);
      generation = connection (self);
      dele = g_strdup_printf ("DELE %u", number);
      if (!hd_mailbox_perform (mailbox, "/", dele, TRUE, NULL, NULL, cancellable, error))
        return FALSE;
      if (connection (self) != generation)
        {
          /* The DELE went out on a new connection with an old number: end
           * that connection without QUIT, so that the server forgets it. */
          abort_connection (self);
          return identity_changed (self, uids[i], error);
        }
      self->dele_generation = generation;
      self->n_deles++;
    }
  return TRUE;
}

/* Only QUIT commits the deletions (RFC 1939 UPDATE state), and only those
 * sent on the connection it ends. */
static gboolean
hd_mailbox_pop3_finish (HdMailbox     *mailbox,
                        GCancellable  *cancellable,
                        GError       **error)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);
  guint generation = connection (self);
  gboolean had_deles = self->n_deles > 0;

  if (had_deles && (!is_open (self) || self->dele_generation != generation))
    {
      hd_mailbox_close (mailbox);
      return deletions_lost (error);
    }
  if (!is_open (self))
    return TRUE;
  if (!hd_mailbox_perform (mailbox, "/", "QUIT", TRUE, NULL, NULL, cancellable, error))
    {
      abort_connection (self);
      return FALSE;
    }
  if (had_deles && connection (self) != generation)
    {
      abort_connection (self);
      return deletions_lost (error);
    }
  self->n_deles = 0;
  hd_mailbox_close (mailbox);
  return TRUE;
}

/* A UIDL listed twice gets the handle "UIDL<TAB>number" (see pop3_uidl()):
 * no key of its own, so the mail is keyed by its UIDL and content. */
static gboolean
hd_mailbox_pop3_handle_needs_content_key (HdMailbox   *mailbox,
                                          const char  *handle,
                                          char       **out_base)
{
  const char *tab = strchr (handle, '\t');

  if (tab == NULL)
    return FALSE;
  if (out_base != NULL)
    *out_base = g_strndup (handle, tab - handle);
  return TRUE;
}

static void
hd_mailbox_pop3_close (HdMailbox *mailbox)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);

  HD_MAILBOX_CLASS (hd_mailbox_pop3_parent_class)->close (mailbox);
  forget_numbers (self);
  hd_mailbox_pop3_forget_raw (self);
  self->n_deles = 0;
}

static void
hd_mailbox_pop3_finalize (GObject *object)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (object);

  forget_numbers (self);
  g_clear_pointer (&self->uidl_sizes, g_array_unref);
  g_clear_pointer (&self->raw_numbers, g_hash_table_unref);

  G_OBJECT_CLASS (hd_mailbox_pop3_parent_class)->finalize (object);
}

static void
hd_mailbox_pop3_class_init (HdMailboxPop3Class *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  HdMailboxClass *mailbox_class = HD_MAILBOX_CLASS (klass);

  object_class->finalize = hd_mailbox_pop3_finalize;

  mailbox_class->url_scheme = "pop3";
  mailbox_class->url_scheme_tls = "pop3s";
  mailbox_class->curl_protocols = "pop3,pop3s";
  mailbox_class->probe_command = "NOOP";
  mailbox_class->probe_nobody = TRUE;
  mailbox_class->deletes_wait_for_finish = TRUE;
  mailbox_class->keys_may_be_reused = TRUE;

  mailbox_class->connection_reset = hd_mailbox_pop3_connection_reset;
  mailbox_class->server_line = hd_mailbox_pop3_server_line;
  mailbox_class->client_line = hd_mailbox_pop3_client_line;
  mailbox_class->check = hd_mailbox_pop3_check;
  mailbox_class->list = hd_mailbox_pop3_list;
  mailbox_class->fetch = hd_mailbox_pop3_fetch;
  mailbox_class->fetch_batch = hd_mailbox_pop3_fetch_batch;
  mailbox_class->delete_mail = hd_mailbox_pop3_delete;
  mailbox_class->finish = hd_mailbox_pop3_finish;
  mailbox_class->close = hd_mailbox_pop3_close;
  mailbox_class->handle_needs_content_key = hd_mailbox_pop3_handle_needs_content_key;
}

static void
hd_mailbox_pop3_init (HdMailboxPop3 *self)
{
}
