/* hd-mailbox-fetch.c: HdMailbox's fetches: one mail into a stream or a
 * file, and a batch of mails handed over one by one as each arrives whole
 * (the subclass's fetch_batch, or one fetch after the other).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

/* One fetch after the other, each into a temporary file of its own. */
gboolean
hd_mailbox_real_fetch_batch (HdMailbox            *self,
                             const char * const   *uids,
                             HdMailboxFetchedFunc  func,
                             gpointer              user_data,
                             GCancellable         *cancellable,
                             GError              **error)
{
  for (guint i = 0; uids[i] != NULL; i++)
    {
      g_autoptr (GFileIOStream) io = NULL;
      g_autoptr (GFile) file = g_file_new_tmp ("helpdesk-mail-XXXXXX.eml", &io, error);
      g_autoptr (GError) local_error = NULL;
      gboolean ok;

      if (file == NULL)
        return FALSE;
      /* Into the fresh temporary file as it is: no replace-and-rename, whose
       * fsync per mail would cost more than the whole parse. */
      if (!hd_mailbox_fetch_sync (self, uids[i], g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                  cancellable, &local_error)
          || !g_io_stream_close (G_IO_STREAM (io), cancellable, &local_error))
        {
          g_file_delete (file, NULL, NULL);
          if (g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND))
            continue; /* deleted by someone else meanwhile */
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      ok = func (self, uids[i], NULL, file, user_data, error);
      g_file_delete (file, NULL, NULL);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_mailbox_fetch_sync:
 * @self: a #HdMailbox
 * @uid: IMAP: the UID (decimal); POP3: the UIDL
 * @stream: where the raw RFC 5322 message goes, as it arrives
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Streams one message.  On IMAP, a message that was unseen stays unseen:
 * libcurl's fetch sets \Seen, so it is taken off again afterwards.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_fetch_sync (HdMailbox     *self,
                       const char    *uid,
                       GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (uid != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return HD_MAILBOX_GET_CLASS (self)->fetch (self, uid, stream, cancellable, error);
}

/**
 * hd_mailbox_fetch_to_file_sync:
 * @self: a #HdMailbox
 * @uid: IMAP: the UID (decimal); POP3: the UIDL
 * @file: the file to write; replaced, and removed again on failure
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like hd_mailbox_fetch_sync(), into a file.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_fetch_to_file_sync (HdMailbox     *self,
                               const char    *uid,
                               GFile         *file,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GFileOutputStream) stream = NULL;

  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, error);
  if (stream == NULL)
    return FALSE;
  if (!hd_mailbox_fetch_sync (self, uid, G_OUTPUT_STREAM (stream), cancellable, error))
    {
      (void) g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, NULL);
      (void) g_file_delete (file, NULL, NULL);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, error);
}

/**
 * hd_mailbox_fetch_batch_sync:
 * @self: a #HdMailbox
 * @uids: handles from hd_mailbox_list_sync()
 * @func: (scope call): called for each mail once it has arrived whole
 * @user_data: for @func
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Fetches the mails of @uids and hands each to @func, in memory or in a
 * temporary file, as soon as it is complete; a mail cut short is never
 * handed over. IMAP asks for all of them with one UID FETCH on a connection
 * of its own, read by a thread of its own a few mails ahead (bounded in
 * count and bytes), so that the next mails arrive while @func parses and
 * stores one; other mailboxes fetch one after the other. A mail that is no
 * longer on the server is left out, as hd_mailbox_fetch_sync() would fail
 * for it with %HD_MAILBOX_ERROR_NOT_FOUND. IMAP: a mail that was unseen
 * stays unseen.
 *
 * Returns: %TRUE when every mail still on the server was handed over
 */
gboolean
hd_mailbox_fetch_batch_sync (HdMailbox            *self,
                             const char * const   *uids,
                             HdMailboxFetchedFunc  func,
                             gpointer              user_data,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (uids != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (uids[0] == NULL)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return HD_MAILBOX_GET_CLASS (self)->fetch_batch (self, uids, func, user_data, cancellable,
                                                   error);
}
