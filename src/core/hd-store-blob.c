/* hd-store-blob.c: streaming into a blob that was inserted zero-filled at
 * its final size, so that a big mail or attachment is never held in memory
 * as a whole on its way into the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>

#include "hd-store-private.h"

#define HD_TYPE_STORE_BLOB_WRITER (hd_store_blob_writer_get_type ())

G_DECLARE_FINAL_TYPE (HdStoreBlobWriter, hd_store_blob_writer, HD, STORE_BLOB_WRITER,
                      GOutputStream)

struct _HdStoreBlobWriter
{
  GOutputStream parent_instance;

  HdStore *store;
  sqlite3_blob *blob;
  goffset offset;
  goffset size;
};

G_DEFINE_FINAL_TYPE (HdStoreBlobWriter, hd_store_blob_writer, G_TYPE_OUTPUT_STREAM)

static gssize
write_fn (GOutputStream  *stream,
          const void     *buffer,
          gsize           count,
          GCancellable   *cancellable,
          GError        **error)
{
  HdStoreBlobWriter *self = HD_STORE_BLOB_WRITER (stream);
  int rc;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if ((goffset) count > self->size - self->offset)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   _("More data than the %" PRId64 " bytes announced"), (gint64) self->size);
      return -1;
    }
  rc = sqlite3_blob_write (self->blob, buffer, (int) count, (int) self->offset);
  if (rc != SQLITE_OK)
    {
      hd_store_set_error (self->store, rc, error);
      return -1;
    }
  self->offset += count;
  return count;
}

static gboolean
close_fn (GOutputStream  *stream,
          GCancellable   *cancellable,
          GError        **error)
{
  HdStoreBlobWriter *self = HD_STORE_BLOB_WRITER (stream);

  g_clear_pointer (&self->blob, sqlite3_blob_close);
  if (self->offset != self->size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   _("The data ended after %" PRId64 " of %" PRId64 " bytes"),
                   (gint64) self->offset, (gint64) self->size);
      return FALSE;
    }
  return TRUE;
}

static void
hd_store_blob_writer_finalize (GObject *object)
{
  HdStoreBlobWriter *self = HD_STORE_BLOB_WRITER (object);

  g_clear_pointer (&self->blob, sqlite3_blob_close);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hd_store_blob_writer_parent_class)->finalize (object);
}

static void
hd_store_blob_writer_class_init (HdStoreBlobWriterClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = hd_store_blob_writer_finalize;
  stream_class->write_fn = write_fn;
  stream_class->close_fn = close_fn;
}

static void
hd_store_blob_writer_init (HdStoreBlobWriter *self)
{
}

/**
 * hd_store_open_blob_writer:
 * @table: (not nullable): a table of the schema, never input
 * @column: (not nullable): its blob column
 * @rowid: the row, inserted with a zeroblob of @size bytes
 *
 * Returns: (transfer full) (nullable): a stream that fills the blob; closing
 *   it fails unless exactly @size bytes were written
 */
GOutputStream *
hd_store_open_blob_writer (HdStore     *store,
                           const char  *table,
                           const char  *column,
                           gint64       rowid,
                           goffset      size,
                           GError     **error)
{
  g_autoptr (HdStoreBlobWriter) self = g_object_new (HD_TYPE_STORE_BLOB_WRITER, NULL);
  int rc;

  self->store = g_object_ref (store);
  self->size = size;
  if (size == 0)
    return G_OUTPUT_STREAM (g_steal_pointer (&self));
  rc = sqlite3_blob_open (hd_store_get_db (store), "main", table, column, rowid, 1, &self->blob);
  if (rc != SQLITE_OK)
    {
      hd_store_set_error (store, rc, error);
      return NULL;
    }
  return G_OUTPUT_STREAM (g_steal_pointer (&self));
}

/* A mail up to this size goes into its row with the INSERT, from one read;
 * a larger one is streamed into a zero-filled blob in pieces of this size. */
#define WHOLE_BLOB_LIMIT (1024 * 1024)
#define BLOB_CHUNK_SIZE  (1024 * 1024)

/* Reads exactly @length bytes of @input, the piece after @done bytes of
 * @size announced; the last piece also checks that nothing follows. */
static gboolean
read_piece (GInputStream  *input,
            guint8        *buffer,
            gsize          length,
            goffset        done,
            goffset        size,
            GError       **error)
{
  gsize got = 0;

  if (!g_input_stream_read_all (input, buffer, length, &got, NULL, error))
    return FALSE;
  if (got < length)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                   _("The data ended after %" PRId64 " of %" PRId64 " bytes"),
                   (gint64) (done + got), (gint64) size);
      return FALSE;
    }
  if (done + (goffset) length == size)
    {
      guint8 extra;
      gssize more = g_input_stream_read (input, &extra, 1, NULL, error);

      if (more < 0)
        return FALSE;
      if (more > 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                       _("More data than the %" PRId64 " bytes announced"), (gint64) size);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * hd_store_fill_blob:
 *
 * Copies exactly @size bytes of @input into the zero-filled blob, in large
 * pieces: each write of a blob walks its overflow pages from the start.
 */
gboolean
hd_store_fill_blob (HdStore       *store,
                    const char    *table,
                    const char    *column,
                    gint64         rowid,
                    GInputStream  *input,
                    goffset        size,
                    GError       **error)
{
  g_autoptr (GOutputStream) writer = hd_store_open_blob_writer (store, table, column, rowid, size,
                                                                error);
  g_autofree guint8 *buffer = NULL;
  goffset done = 0;

  if (writer == NULL)
    return FALSE;
  buffer = g_malloc (MIN (size, BLOB_CHUNK_SIZE) + 1);
  while (done < size)
    {
      gsize length = MIN (size - done, BLOB_CHUNK_SIZE);

      if (!read_piece (input, buffer, length, done, size, error)
          || !g_output_stream_write_all (writer, buffer, length, NULL, NULL, error))
        return FALSE;
      done += length;
    }
  return g_output_stream_close (writer, NULL, error);
}

/**
 * hd_store_add_raw_copy:
 * @input: the raw mail, @size bytes of it
 *
 * Keeps a raw mail in a row of its own (the blob the last column, so that
 * SQLite never expands a large one in memory). A mail of up to 1 MiB is read
 * with one call and inserted whole; a larger one is streamed in.
 *
 * Returns: the row's id, or 0 on error
 */
gint64
hd_store_add_raw_copy (HdStore       *store,
                       GInputStream  *input,
                       goffset        size,
                       GError       **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree guint8 *whole = NULL;
  gint64 id;

  if (size <= WHOLE_BLOB_LIMIT)
    {
      whole = g_malloc (size + 1);
      if (!read_piece (input, whole, size, 0, size, error))
        return 0;
      stmt = hd_store_prepare (store, "INSERT INTO raw_copies (data) VALUES (?1)", error);
      if (stmt == NULL)
        return 0;
      /* A blob, even an empty one, never NULL. */
      sqlite3_bind_blob64 (stmt, 1, whole, size, SQLITE_STATIC);
      if (!hd_store_step_done (store, stmt, error))
        return 0;
      return sqlite3_last_insert_rowid (hd_store_get_db (store));
    }

  stmt = hd_store_prepare (store, "INSERT INTO raw_copies (data) VALUES (zeroblob (?1))", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, size);
  if (!hd_store_step_done (store, stmt, error))
    return 0;
  id = sqlite3_last_insert_rowid (hd_store_get_db (store));
  if (!hd_store_fill_blob (store, "raw_copies", "data", id, input, size, error))
    return 0;
  return id;
}
