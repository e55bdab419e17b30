/* hd-mailbox-pop3-batch.c: the batched fetch of HdMailboxPop3. libcurl
 * sends one RETR per transfer and waits for its whole reply, so a poll of
 * 2,000 mails would wait for 2,000 round trips. When the server announces
 * PIPELINING (RFC 2449 §6.6), a second connection in raw mode (HdCurlSession:
 * libcurl still connects, does TLS or STLS and logs in) maps the listed
 * UIDLs to its own message numbers with UIDL, and keeps a window of RETRs
 * in flight: the replies come in order, each mail is read to its
 * terminating line, dot-unstuffed, into a temporary file of its own, and is
 * handed to the caller while the next ones wait in the socket buffer.
 *
 * The raw connection only reads: it never sends DELE, so whatever becomes
 * of it, it deletes nothing. The deletes stay on the listing connection
 * (DELE by its numbers, made final by its one QUIT), as without pipelining.
 * A server that refuses the second session (a maildrop locked for one
 * session at a time) gets its mail one RETR after the other on the listing
 * connection, as does a server without PIPELINING.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-pop3-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* How many RETRs may wait for their replies at once: enough that the server
 * never waits for the next command, few enough that a batch that fails
 * leaves little unread in flight. */
#define RETR_WINDOW 32

/* The largest write of a mail into its temporary file. */
#define RECEIVE_BUFFER (1024 * 1024)

/* The raw connection's refusals (a login, a command) are the error's
 * message, in the server's words. */
static void
raw_line_cb (gpointer        user_data,
             HdRedactSource  source,
             const char     *line)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (user_data));

  if (source == HD_REDACT_SERVER && g_str_has_prefix (line, "-ERR"))
    hd_curl_session_set_failure_reply (priv->raw_session, line);
}

/**
 * hd_mailbox_pop3_forget_raw:
 *
 * Forgets what the raw connection told (its message numbers); called when
 * it ends.
 */
void
hd_mailbox_pop3_forget_raw (HdMailboxPop3 *self)
{
  g_clear_pointer (&self->raw_numbers, g_hash_table_unref);
  self->raw_pipelining = FALSE;
  self->raw_refused = FALSE;
}

/* A failure in the middle of the replies: the rest of them would be read
 * as the next ones, so the connection goes without a word. */
static gboolean
abandon (HdMailboxPop3 *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));

  if (priv->raw_session != NULL)
    hd_curl_session_abort (priv->raw_session);
  g_clear_pointer (&self->raw_numbers, g_hash_table_unref);
  return FALSE;
}

/* The raw session's failure in the mailbox's terms; the connection is gone
 * (the raw calls drop it on every failure). */
static gboolean
session_failed (HdMailboxPop3  *self,
                GError         *local_error,
                GError        **error)
{
  abandon (self);
  hd_mailbox_propagate_session_error (HD_MAILBOX (self), local_error, error);
  return FALSE;
}

/* One command whose reply, when "+OK", is a multi-line one, read into
 * @body. A "-ERR" is the error, in the server's words, and leaves the
 * connection as it is. */
static gboolean
multiline_command (HdMailboxPop3  *self,
                   const char     *command,
                   GOutputStream  *body,
                   GCancellable   *cancellable,
                   GError        **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  g_autoptr (GError) local_error = NULL;
  g_autofree char *status = NULL;

  if (!hd_curl_session_raw_send_line (priv->raw_session, command, cancellable, &local_error)
      || (status = hd_curl_session_raw_read_line (priv->raw_session, 0, cancellable,
                                                  &local_error)) == NULL)
    return session_failed (self, g_steal_pointer (&local_error), error);
  if (g_str_has_prefix (status, "-ERR"))
    {
      g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED, status);
      return FALSE;
    }
  if (!g_str_has_prefix (status, "+OK"))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                   _("Unexpected reply to %s: %s"), command, status);
      return abandon (self);
    }
  if (!hd_curl_session_raw_read_dot_body (priv->raw_session, body, cancellable, &local_error))
    return session_failed (self, g_steal_pointer (&local_error), error);
  return TRUE;
}

/* The lines of a multi-line reply read into memory. */
static GStrv
body_lines (GOutputStream *body)
{
  GMemoryOutputStream *memory = G_MEMORY_OUTPUT_STREAM (body);
  g_autofree char *text = g_strndup (g_memory_output_stream_get_data (memory),
                                     g_memory_output_stream_get_data_size (memory));

  return g_strsplit (text, "\n", -1);
}

/* The raw connection's UIDL listing: UIDL → message number on this
 * connection. A UIDL listed twice names no single mail and stays out. */
static GHashTable *
parse_uidl (GOutputStream *body)
{
  g_auto (GStrv) lines = body_lines (body);
  GHashTable *numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) twice = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (g_strstrip (lines[i]), " ", 2);
      guint number;

      if (fields[0] == NULL || fields[1] == NULL || !hd_mailbox_is_digits (fields[0])
          || fields[1][0] == '\0')
        continue;
      number = (guint) MIN (g_ascii_strtoull (fields[0], NULL, 10), G_MAXUINT);
      if (g_hash_table_contains (twice, fields[1]))
        continue;
      if (g_hash_table_remove (numbers, fields[1]))
        {
          g_hash_table_add (twice, g_strdup (fields[1]));
          continue;
        }
      g_hash_table_insert (numbers, g_strdup (fields[1]), GUINT_TO_POINTER (number));
    }
  return numbers;
}

/* Whether the CAPA reply lists PIPELINING. */
static gboolean
lists_pipelining (GOutputStream *body)
{
  g_auto (GStrv) lines = body_lines (body);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (g_strstrip (lines[i]), "PIPELINING") == 0)
        return TRUE;
    }
  return FALSE;
}

/* The raw connection, logged in, with its message numbers: opened (again)
 * when it is not. A server that refuses the login of this second session
 * sets raw_refused and is not asked again during this session. */
static gboolean
ensure_raw (HdMailboxPop3  *self,
            GCancellable   *cancellable,
            GError        **error)
{
  HdCurlSession *raw = hd_mailbox_ensure_raw_session (HD_MAILBOX (self));
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GOutputStream) capa = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) listing = g_memory_output_stream_new_resizable ();

  if (self->raw_numbers != NULL && hd_curl_session_is_raw (raw))
    return TRUE;
  g_clear_pointer (&self->raw_numbers, g_hash_table_unref);

  hd_curl_session_set_hooks (raw, NULL, raw_line_cb, self);
  hd_curl_session_set_failure_reply (raw, NULL);
  if (!hd_curl_session_open_raw (raw, cancellable, &local_error))
    {
      /* The listing connection logged in with the same credentials: a
       * refusal now is the server's rule of one session per maildrop
       * (RFC 1939 §8's exclusive lock, [IN-USE], [LOGIN-DELAY]). */
      if (g_error_matches (local_error, HD_CURL_ERROR, HD_CURL_ERROR_LOGIN_DENIED))
        {
          g_debug ("The POP3 server refused a second session: one mail at a time");
          self->raw_refused = TRUE;
          return TRUE;
        }
      return session_failed (self, g_steal_pointer (&local_error), error);
    }

  /* What the server allows after the login (RFC 2449 §5); a server that
   * knows no CAPA gets one RETR at a time. */
  if (!multiline_command (self, "CAPA", capa, cancellable, &local_error))
    {
      if (!g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);
    }
  else
    self->raw_pipelining = lists_pipelining (capa);

  if (!multiline_command (self, "UIDL", listing, cancellable, error))
    return abandon (self);
  self->raw_numbers = parse_uidl (listing);
  return TRUE;
}

/* The size that a "+OK 1234 octets" announces, as a hint for the buffer;
 * 0 when it says none. */
static goffset
announced_size (const char *status)
{
  const char *p = status + 3;

  while (*p == ' ')
    p++;
  return g_ascii_isdigit (*p) ? (goffset) MIN (g_ascii_strtoull (p, NULL, 10), G_MAXINT32) : 0;
}

/* Reads one RETR reply's mail into a fresh temporary file. On failure the
 * file is gone again; a mail cut short is never handed over. */
static GFile *
receive_mail (HdMailboxPop3  *self,
              goffset         size_hint,
              GCancellable   *cancellable,
              GError        **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GOutputStream) buffered = NULL;
  g_autoptr (GError) local_error = NULL;

  if ((file = g_file_new_tmp ("helpdesk-mail-XXXXXX.eml", &io, error)) == NULL)
    {
      abandon (self);
      return NULL;
    }
  /* Into the file in large writes, not one per TLS record. */
  buffered = g_buffered_output_stream_new_sized (g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                                 (gsize) CLAMP (size_hint, 64 * 1024,
                                                                RECEIVE_BUFFER));
  if (!hd_curl_session_raw_read_dot_body (priv->raw_session, buffered, cancellable,
                                          &local_error)
      || !g_output_stream_close (buffered, cancellable, &local_error))
    {
      g_io_stream_close (G_IO_STREAM (io), NULL, NULL);
      g_file_delete (file, NULL, NULL);
      if (local_error->domain == HD_CURL_ERROR)
        session_failed (self, g_steal_pointer (&local_error), error);
      else
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          abandon (self);
        }
      return NULL;
    }
  if (!g_io_stream_close (G_IO_STREAM (io), cancellable, error))
    {
      g_file_delete (file, NULL, NULL);
      abandon (self);
      return NULL;
    }
  return g_steal_pointer (&file);
}

/* RETRs for @handles (message numbers @numbers on the raw connection), a
 * window of them in flight; each mail is handed over once it arrived whole.
 * A "-ERR" for one (the mail went meanwhile) leaves that mail out. */
static gboolean
retr_pipelined (HdMailboxPop3         *self,
                GPtrArray             *handles,
                GArray                *numbers,
                HdMailboxFetchedFunc   func,
                gpointer               user_data,
                GCancellable          *cancellable,
                GError               **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  guint window = self->raw_pipelining ? RETR_WINDOW : 1;
  guint sent = 0;

  for (guint i = 0; i < handles->len; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *status = NULL;
      g_autoptr (GFile) file = NULL;
      gboolean ok;

      for (; sent < handles->len && sent < i + window; sent++)
        {
          g_autofree char *retr = g_strdup_printf ("RETR %u", g_array_index (numbers, guint,
                                                                             sent));

          if (!hd_curl_session_raw_send_line (priv->raw_session, retr, cancellable,
                                              &local_error))
            return session_failed (self, g_steal_pointer (&local_error), error);
        }

      status = hd_curl_session_raw_read_line (priv->raw_session, 0, cancellable, &local_error);
      if (status == NULL)
        return session_failed (self, g_steal_pointer (&local_error), error);
      if (g_str_has_prefix (status, "-ERR"))
        continue; /* deleted by someone else meanwhile: it is not handed over */
      if (!g_str_has_prefix (status, "+OK"))
        {
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                       _("Unexpected reply to %s: %s"), "RETR", status);
          return abandon (self);
        }

      if ((file = receive_mail (self, announced_size (status), cancellable, error)) == NULL)
        return FALSE;
      ok = func (HD_MAILBOX (self), handles->pdata[i], NULL, file, user_data, error);
      g_file_delete (file, NULL, NULL);
      /* The caller's failure ends the connection, whose replies are still
       * streaming. */
      if (!ok)
        return abandon (self);
    }
  return TRUE;
}

/* The base class's fetch: one RETR after the other on the listing
 * connection. */
static gboolean
fetch_one_by_one (HdMailboxPop3         *self,
                  const char * const    *uids,
                  HdMailboxFetchedFunc   func,
                  gpointer               user_data,
                  GCancellable          *cancellable,
                  GError               **error)
{
  HdMailboxClass *parent = g_type_class_peek_parent (HD_MAILBOX_GET_CLASS (self));

  return parent->fetch_batch (HD_MAILBOX (self), uids, func, user_data, cancellable, error);
}

gboolean
hd_mailbox_pop3_fetch_batch (HdMailbox            *mailbox,
                             const char * const   *uids,
                             HdMailboxFetchedFunc  func,
                             gpointer              user_data,
                             GCancellable         *cancellable,
                             GError              **error)
{
  HdMailboxPop3 *self = HD_MAILBOX_POP3 (mailbox);
  g_autoptr (GPtrArray) handles = g_ptr_array_new ();
  g_autoptr (GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GPtrArray) one_by_one = g_ptr_array_new ();
  g_autoptr (GHashTable) asked = g_hash_table_new (g_str_hash, g_str_equal);

  if (!self->pipelining || self->raw_refused)
    return fetch_one_by_one (self, uids, func, user_data, cancellable, error);
  if (!ensure_raw (self, cancellable, error))
    return FALSE;
  if (self->raw_refused)
    return fetch_one_by_one (self, uids, func, user_data, cancellable, error);

  for (guint i = 0; uids[i] != NULL; i++)
    {
      gpointer number;

      if (!g_hash_table_add (asked, (gpointer) uids[i]))
        continue;
      /* "UIDL<TAB>number" names a mail by the listing connection's number:
       * only that connection can fetch it. */
      if (strchr (uids[i], '\t') != NULL)
        g_ptr_array_add (one_by_one, (gpointer) uids[i]);
      /* A UIDL that this connection does not list went meanwhile. */
      else if (g_hash_table_lookup_extended (self->raw_numbers, uids[i], NULL, &number))
        {
          guint n = GPOINTER_TO_UINT (number);

          g_ptr_array_add (handles, (gpointer) uids[i]);
          g_array_append_val (numbers, n);
        }
    }

  if (!retr_pipelined (self, handles, numbers, func, user_data, cancellable, error))
    return FALSE;
  if (one_by_one->len == 0)
    return TRUE;
  g_ptr_array_add (one_by_one, NULL);
  return fetch_one_by_one (self, (const char * const *) one_by_one->pdata, func, user_data,
                           cancellable, error);
}
