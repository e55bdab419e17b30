/* hd-store-attachments.c: attachments kept as references into their step's
 * raw mail, and read back decoded.
 *
 * An imported mail is stored once, raw (raw_copies, through
 * ticket_steps.raw_id). An attachment row names where its body lies in it,
 * still transfer-encoded, and the encoding; reading it decodes that range
 * with GMime's decoder, the one HdMessage used when it counted the size.
 * Rows written before migration 9, and attachments that have no exact range
 * in the raw mail (see hd-message-mime.c), keep a decoded copy in `data`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-attachments.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>

#include "hd-store-private.h"

/* The raw mail is read and decoded in pieces of this size, so that reading a
 * large attachment holds its decoded bytes and one piece, never the mail. */
#define READ_CHUNK (1024 * 1024)

static gboolean
fail_corrupt (gint64   attachment_id,
              GError **error)
{
  g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED,
               _("Attachment %" PRId64 " does not match the mail it is stored in"),
               attachment_id);
  return FALSE;
}

/* Decodes @length bytes at @offset of the raw mail in row @raw_id of
 * raw_copies into @out. */
static gboolean
decode_range (HdStore              *self,
              gint64                attachment_id,
              gint64                raw_id,
              gint64                offset,
              gint64                length,
              GMimeContentEncoding  encoding,
              GByteArray           *out,
              GCancellable         *cancellable,
              GError              **error)
{
  sqlite3_blob *blob = NULL;
  g_autofree char *chunk = NULL;
  gboolean decode = encoding == GMIME_CONTENT_ENCODING_BASE64
                    || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  GMimeEncoding state = { 0 };
  gint64 done = 0;
  int rc;

  if (length == 0)
    return TRUE;
  rc = sqlite3_blob_open (hd_store_get_db (self), "main", "raw_copies", "data", raw_id, 0, &blob);
  if (rc != SQLITE_OK)
    {
      sqlite3_blob_close (blob);
      return rc == SQLITE_ERROR ? fail_corrupt (attachment_id, error)
                                : hd_store_set_error (self, rc, error);
    }
  if (offset + length > sqlite3_blob_bytes (blob))
    {
      sqlite3_blob_close (blob);
      return fail_corrupt (attachment_id, error);
    }

  if (decode)
    g_mime_encoding_init_decode (&state, encoding);
  chunk = g_malloc (MIN (length, READ_CHUNK));
  while (done < length)
    {
      int n = (int) MIN (length - done, READ_CHUNK);
      guint start = out->len;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          sqlite3_blob_close (blob);
          return FALSE;
        }
      rc = sqlite3_blob_read (blob, chunk, n, (int) (offset + done));
      if (rc != SQLITE_OK)
        {
          sqlite3_blob_close (blob);
          return hd_store_set_error (self, rc, error);
        }
      done += n;
      if (!decode)
        {
          g_byte_array_append (out, (guint8 *) chunk, n);
          continue;
        }
      g_byte_array_set_size (out, start + g_mime_encoding_outlen (&state, n));
      if (done < length)
        g_byte_array_set_size (out, start + g_mime_encoding_step (&state, chunk, n,
                                                                  (char *) out->data + start));
      else
        g_byte_array_set_size (out, start + g_mime_encoding_flush (&state, chunk, n,
                                                                   (char *) out->data + start));
    }
  sqlite3_blob_close (blob);
  return TRUE;
}

/**
 * hd_store_add_attachment_ref:
 * @step_id: the step whose raw mail holds the attachment
 * @ref: where in it
 *
 * Records an attachment of a step as a range of the step's raw mail; no
 * content is written.
 *
 * Returns: the attachment's id, or 0 with @error set
 */
gint64
hd_store_add_attachment_ref (HdStore               *self,
                             gint64                 step_id,
                             const HdAttachmentRef *ref,
                             GError               **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (ref != NULL && ref->raw_offset >= 0, 0);

  stmt = hd_store_prepare (self,
                           "INSERT INTO attachments (step_id, filename, content_type, size, inline,"
                           " raw_offset, raw_length, raw_encoding)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, step_id);
  hd_store_bind_text (stmt, 2, ref->filename);
  hd_store_bind_text (stmt, 3, ref->content_type ? ref->content_type : "application/octet-stream");
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) ref->size);
  sqlite3_bind_int (stmt, 5, ref->is_inline);
  sqlite3_bind_int64 (stmt, 6, ref->raw_offset);
  sqlite3_bind_int64 (stmt, 7, (sqlite3_int64) ref->raw_length);
  hd_store_bind_text (stmt, 8, ref->raw_encoding);
  if (!hd_store_step_done (self, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (hd_store_get_db (self));
}

/**
 * hd_store_read_attachment_sync:
 * @attachment_id: an attachment's id, as `tickets show --json` names it
 * @cancellable: (nullable): a #GCancellable
 *
 * Reads an attachment's content, decoded: from its range of the step's raw
 * mail, or from the copy that older rows keep.
 *
 * Returns: (transfer full): the content, or %NULL with @error set
 *   (%HD_STORE_ERROR_NOT_FOUND for an unknown id)
 */
GBytes *
hd_store_read_attachment_sync (HdStore       *self,
                               gint64         attachment_id,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autoptr (GByteArray) out = NULL;
  GMimeContentEncoding encoding;
  gint64 offset, length, size;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self,
                           "SELECT a.raw_offset, a.raw_length, a.raw_encoding, s.raw_id, a.size,"
                           " a.data FROM attachments a JOIN ticket_steps s ON s.id = a.step_id"
                           " WHERE a.id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, attachment_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                     _("There is no attachment %" PRId64), attachment_id);
      else
        hd_store_set_error (self, rc, error);
      return NULL;
    }

  if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    {
      /* A decoded copy. */
      const void *data = sqlite3_column_blob (stmt, 5);
      int bytes = sqlite3_column_bytes (stmt, 5);

      if (sqlite3_column_type (stmt, 5) == SQLITE_NULL)
        {
          fail_corrupt (attachment_id, error);
          return NULL;
        }
      return g_bytes_new (bytes > 0 ? data : NULL, bytes);
    }

  offset = sqlite3_column_int64 (stmt, 0);
  length = sqlite3_column_int64 (stmt, 1);
  size = sqlite3_column_int64 (stmt, 4);
  encoding = sqlite3_column_type (stmt, 2) == SQLITE_NULL
               ? GMIME_CONTENT_ENCODING_DEFAULT
               : g_mime_content_encoding_from_string (hd_store_column_text (stmt, 2));
  if (offset < 0 || length < 0 || size < 0 || sqlite3_column_type (stmt, 3) == SQLITE_NULL
      || encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      fail_corrupt (attachment_id, error);
      return NULL;
    }

  out = g_byte_array_sized_new (MIN (size, G_MAXUINT - 1) + 1);
  if (!decode_range (self, attachment_id, sqlite3_column_int64 (stmt, 3), offset, length,
                     encoding, out, cancellable, error))
    return NULL;
  /* The size was counted by the same decoder when the mail was parsed: a
   * difference means the range is not where the attachment is. */
  if ((gint64) out->len != size)
    {
      fail_corrupt (attachment_id, error);
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  gint64 attachment_id = *(gint64 *) task_data;
  g_autoptr (HdStore) store = NULL;
  GError *error = NULL;
  GBytes *bytes;

  /* An HdStore belongs to one thread: the worker opens its own connection. */
  store = hd_store_open (hd_store_get_path (HD_STORE (source_object)), &error);
  bytes = store != NULL ? hd_store_read_attachment_sync (store, attachment_id, cancellable,
                                                         &error)
                        : NULL;
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/**
 * hd_store_read_attachment_async:
 *
 * Runs hd_store_read_attachment_sync() in a worker thread, on a connection
 * of its own to the same database file.
 */
void
hd_store_read_attachment_async (HdStore             *self,
                                gint64               attachment_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (HD_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_store_read_attachment_async);
  g_task_set_task_data (task, g_memdup2 (&attachment_id, sizeof attachment_id), g_free);
  g_task_run_in_thread (task, read_thread);
}

/**
 * hd_store_read_attachment_finish:
 *
 * Returns: (transfer full): the decoded content, or %NULL with @error set
 */
GBytes *
hd_store_read_attachment_finish (HdStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, hd_store_read_attachment_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
