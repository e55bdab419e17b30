/* hd-mailbox-imap-batch.c: the batched fetch of HdMailboxImap. libcurl
 * fetches one literal per transfer, so a poll of 2,000 mails would wait for
 * 2,000 round trips; here a second connection in raw mode (HdCurlSession:
 * libcurl still connects, does TLS and logs in) SELECTs the folder, checks
 * that its UIDVALIDITY is still the listed one, and asks for a whole batch
 * with one `UID FETCH a,b,c (UID RFC822.SIZE BODY.PEEK[])`. A reader thread
 * (hd-mailbox-imap-reader.c) receives each literal into memory (a large one
 * into a temporary file) and queues it once it arrived whole; the caller's
 * thread hands the queued mails over while the next ones arrive. BODY.PEEK
 * leaves \Seen alone, so nothing needs restoring.
 *
 * Once a batch used it, the UID commands of the rest of the session
 * (STORE, EXPUNGE, SEARCH, restoring \Seen) go over the same connection:
 * a connection that dropped is opened again and its SELECT checks the
 * UIDVALIDITY anew before any command acts on a UID.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-imap-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* Follows the raw connection's dialogue, libcurl's login included: the
 * capabilities (UIDPLUS decides how to expunge) and the server's refusal,
 * which is then the error's message. */
static void
raw_line_cb (gpointer        user_data,
             HdRedactSource  source,
             const char     *line)
{
  HdMailboxImap *self = user_data;
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  const char *caps = NULL;
  const char *status;

  if (source != HD_REDACT_SERVER)
    return;
  if (g_ascii_strncasecmp (line, "* CAPABILITY ", 13) == 0)
    caps = line + 13;
  else if (g_ascii_strncasecmp (line, "* OK [CAPABILITY ", 17) == 0)
    caps = line + 17;
  if (caps != NULL)
    {
      g_free (self->capabilities);
      self->capabilities = g_strndup (caps, strcspn (caps, "]"));
      return;
    }

  if (g_ascii_strncasecmp (line, "* BYE", 5) == 0)
    {
      if (hd_curl_session_get_failure_reply (priv->raw_session) == NULL)
        hd_curl_session_set_failure_reply (priv->raw_session, line + 2);
      return;
    }
  status = hd_mailbox_imap_tagged_status (line);
  if (status != NULL && !g_str_has_prefix (status, "OK"))
    hd_curl_session_set_failure_reply (priv->raw_session, status);
}

/**
 * hd_mailbox_imap_quote_folder:
 * @folder: a folder name as the account names it
 *
 * Returns: (transfer full): @folder in modified UTF-7 as an IMAP quoted
 *   string, for a command written on a raw connection
 */
char *
hd_mailbox_imap_quote_folder (const char *folder)
{
  g_autofree char *encoded = hd_mailbox_imap_encode_folder (folder);
  GString *out = g_string_new ("\"");

  for (const char *p = encoded; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* The raw session's failure in the mailbox's terms; FALSE. */
gboolean
hd_mailbox_imap_session_failed (HdMailboxImap  *self,
                GError         *local_error,
                GError        **error)
{
  hd_mailbox_propagate_session_error (HD_MAILBOX (self), local_error, error);
  return FALSE;
}

/* Whether @line ends in a literal's announcement "{N}"; its length then. */
gboolean
hd_mailbox_imap_literal_size (const char *line,
              goffset    *out_size)
{
  gsize length = strlen (line);
  const char *open;
  char *end;
  guint64 size;

  if (length < 3 || line[length - 1] != '}' || (open = strrchr (line, '{')) == NULL)
    return FALSE;
  size = g_ascii_strtoull (open + 1, &end, 10);
  if (end == open + 1 || *end != '}' || size > G_MAXINT64)
    return FALSE;
  *out_size = (goffset) size;
  return TRUE;
}

/* Reads the reply to the command tagged @tag: untagged lines go to @reply
 * (when given), literals of untagged data are read past, and a tagged
 * refusal is the error, in the server's words. */
static gboolean
read_tagged_reply (HdMailboxImap  *self,
                   const char     *tag,
                   GString        *reply,
                   GCancellable   *cancellable,
                   GError        **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  gsize tag_length = strlen (tag);

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *line = hd_curl_session_raw_read_line (priv->raw_session, 0, cancellable,
                                                             &local_error);
      goffset size;

      if (line == NULL)
        return hd_mailbox_imap_session_failed (self, g_steal_pointer (&local_error), error);
      if (strncmp (line, tag, tag_length) == 0 && line[tag_length] == ' ')
        {
          const char *status = line + tag_length + 1;

          if (g_str_has_prefix (status, "OK"))
            return TRUE;
          g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED, status);
          return FALSE;
        }
      if (reply != NULL)
        g_string_append_printf (reply, "%s\n", line);
      if (hd_mailbox_imap_literal_size (line, &size)
          && !hd_curl_session_raw_read_literal (priv->raw_session, size, NULL, cancellable,
                                                &local_error))
        return hd_mailbox_imap_session_failed (self, g_steal_pointer (&local_error), error);
    }
}

static char *
send_command (HdMailboxImap  *self,
              const char     *command,
              GCancellable   *cancellable,
              GError        **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  g_autofree char *tag = g_strdup_printf ("B%03u", ++self->raw_tag);
  g_autofree char *line = g_strdup_printf ("%s %s", tag, command);
  g_autoptr (GError) local_error = NULL;

  hd_curl_session_set_failure_reply (priv->raw_session, NULL);
  if (!hd_curl_session_raw_send_line (priv->raw_session, line, cancellable, &local_error))
    {
      hd_mailbox_imap_session_failed (self, g_steal_pointer (&local_error), error);
      return NULL;
    }
  return g_steal_pointer (&tag);
}

/* Ends the raw connection, if one is open, with LOGOUT. */
static void
logout (HdMailboxImap *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));
  g_autofree char *tag = NULL;

  self->raw_selected = FALSE;
  if (priv->raw_session == NULL || !hd_curl_session_is_raw (priv->raw_session))
    return;
  /* A goodbye that fails loses nothing: the connection goes either way. */
  if ((tag = send_command (self, "LOGOUT", NULL, NULL)) != NULL)
    read_tagged_reply (self, tag, NULL, NULL, NULL);
  hd_curl_session_close (priv->raw_session);
}

/* A failure in the middle of a reply: the rest of it would be read as the
 * next reply, so the connection goes without a word. */
gboolean
hd_mailbox_imap_abandon (HdMailboxImap *self)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self));

  if (priv->raw_session != NULL)
    hd_curl_session_abort (priv->raw_session);
  self->raw_selected = FALSE;
  return FALSE;
}

/* The raw connection, logged in, with the folder selected under the listed
 * UIDVALIDITY: opened (again) when it is not. A folder renumbered meanwhile
 * fails with IDENTITY_CHANGED before any command acts on a UID. */
static gboolean
ensure_selected (HdMailboxImap  *self,
                 GCancellable   *cancellable,
                 GError        **error)
{
  HdCurlSession *raw = hd_mailbox_ensure_raw_session (HD_MAILBOX (self));
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GString) selected = g_string_new (NULL);
  g_autofree char *folder = hd_mailbox_imap_quote_folder (hd_mailbox_imap_folder_name (self));
  g_autofree char *select = g_strdup_printf ("SELECT %s", folder);
  g_autofree char *caps_tag = NULL;
  g_autofree char *select_tag = NULL;
  const char *code;
  guint32 uidvalidity = 0;

  if (self->raw_selected && hd_curl_session_is_raw (raw))
    return TRUE;
  self->raw_selected = FALSE;

  hd_curl_session_set_hooks (raw, NULL, raw_line_cb, self);
  if (!hd_curl_session_open_raw (raw, cancellable, &local_error))
    {
      /* A refused login is told in the server's words, as on the main
       * connection. */
      if (g_error_matches (local_error, HD_CURL_ERROR, HD_CURL_ERROR_LOGIN_DENIED)
          && hd_curl_session_get_failure_reply (raw) != NULL)
        {
          g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED,
                               hd_curl_session_get_failure_reply (raw));
          return FALSE;
        }
      return hd_mailbox_imap_session_failed (self, g_steal_pointer (&local_error), error);
    }

  /* The capabilities after login decide between UID EXPUNGE and EXPUNGE;
   * both commands go out at once. */
  if ((caps_tag = send_command (self, "CAPABILITY", cancellable, error)) == NULL
      || (select_tag = send_command (self, select, cancellable, error)) == NULL
      || !read_tagged_reply (self, caps_tag, NULL, cancellable, error)
      || !read_tagged_reply (self, select_tag, selected, cancellable, error))
    return FALSE;

  code = strstr (selected->str, "[UIDVALIDITY ");
  if (code != NULL)
    uidvalidity = (guint32) g_ascii_strtoull (code + 13, NULL, 10);
  if (self->listed_uidvalidity != 0 && uidvalidity != self->listed_uidvalidity)
    {
      /* The UID commands of this session stay on the raw connection, so
       * that each one meets this check again and none acts on a UID. */
      logout (self);
      hd_mailbox_imap_set_identity_changed (self, uidvalidity, error);
      return FALSE;
    }
  self->raw_selected = TRUE;
  return TRUE;
}

/**
 * hd_mailbox_imap_raw_command:
 * @command: an IMAP command without its tag
 * @reply: (nullable): where the untagged lines of the reply go, one a line
 *
 * One command on the raw connection, with the folder selected under the
 * listed UIDVALIDITY.
 */
gboolean
hd_mailbox_imap_raw_command (HdMailboxImap  *self,
                             const char     *command,
                             GString        *reply,
                             GCancellable   *cancellable,
                             GError        **error)
{
  g_autofree char *tag = NULL;

  if (!ensure_selected (self, cancellable, error))
    return FALSE;
  if ((tag = send_command (self, command, cancellable, error)) == NULL)
    return FALSE;
  return read_tagged_reply (self, tag, reply, cancellable, error);
}

/**
 * hd_mailbox_imap_raw_logout:
 *
 * Ends the raw connection, if one is open, with LOGOUT; from here on the
 * UID commands go through libcurl again.
 */
void
hd_mailbox_imap_raw_logout (HdMailboxImap *self)
{
  self->raw_used = FALSE;
  logout (self);
}

gboolean
hd_mailbox_imap_fetch_batch (HdMailbox            *mailbox,
                             const char * const   *uids,
                             HdMailboxFetchedFunc  func,
                             gpointer              user_data,
                             GCancellable         *cancellable,
                             GError              **error)
{
  HdMailboxImap *self = HD_MAILBOX_IMAP (mailbox);
  g_autoptr (GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *set = NULL;
  g_autofree char *command = NULL;
  g_autofree char *tag = NULL;
  g_autoptr (GError) local_error = NULL;
  HdMailboxImapReader *reader;

  for (guint i = 0; uids[i] != NULL; i++)
    {
      if (!hd_mailbox_is_digits (uids[i]))
        {
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_INVALID,
                       _("“%s” is not an IMAP UID"), uids[i]);
          return FALSE;
        }
      g_hash_table_add (wanted, g_strdup (uids[i]));
    }

  self->raw_used = TRUE;
  if (!ensure_selected (self, cancellable, error))
    return FALSE;

  set = g_strjoinv (",", (GStrv) uids);
  command = g_strdup_printf ("UID FETCH %s (UID RFC822.SIZE BODY.PEEK[])", set);
  if ((tag = send_command (self, command, cancellable, error)) == NULL)
    return FALSE;

  /* The reader receives the next mails while @func works on this one. */
  reader = hd_mailbox_imap_reader_start (self, tag, cancellable);
  for (;;)
    {
      g_autofree char *uid = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GFile) file = NULL;
      gboolean ok = TRUE;

      if (!hd_mailbox_imap_reader_next (reader, &uid, &bytes, &file, &local_error))
        break;
      /* A cancelled fetch hands over nothing more, whatever has arrived. */
      if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        ok = FALSE;
      else if (g_hash_table_remove (wanted, uid))
        ok = func (mailbox, uid, bytes, file, user_data, &local_error);
      if (file != NULL)
        g_file_delete (file, NULL, NULL);
      if (!ok)
        break;
    }
  /* A reply that is not over yet ends with its connection. */
  hd_mailbox_imap_reader_free (reader);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}
