/* hd-message-input.c: HdMessage's constructors: a message from bytes, from
 * a file (a regular one only) or from a stream, which is spooled to a
 * temporary file when it is large.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"
#include "hd-message-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mail up to this size is read into memory; larger mail is spooled to an
 * unlinked temporary file so that a 50 MB attachment costs disk, not RAM. */
#define SPOOL_THRESHOLD (1024 * 1024)

/**
 * hd_message_new_from_bytes:
 * @bytes: the raw message
 * @error: return location for an error
 *
 * Parses a message held in memory. The message keeps a reference to @bytes
 * and reads parts from it without copying.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 *   when @bytes is empty or holds no header fields
 */
HdMessage *
hd_message_new_from_bytes (GBytes  *bytes,
                           GError **error)
{
  gsize size = 0;
  const guint8 *data;
  GByteArray *borrowed;
  GMimeStream *stream;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hd_message_ensure_gmime ();

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY,
                           _("The message is empty"));
      return NULL;
    }

  /* GMime's memory stream wants a GByteArray; this one points at the bytes'
   * data without owning it, and the stream is told not to free it. GMime
   * only ever reads from the stream a parser reads. */
  borrowed = g_byte_array_new_take ((guint8 *) data, size);
  stream = g_mime_stream_mem_new ();
  g_mime_stream_mem_set_byte_array (GMIME_STREAM_MEM (stream), borrowed);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);

  return hd_message_parse_stream (stream, bytes, borrowed, error);
}

/* Reads a file of @size bytes whole; NULL when it is not that size (it is
 * being written to, or a read failed), for the caller to stream it instead. */
static GBytes *
read_small_file (int   fd,
                 gsize size)
{
  g_autofree guint8 *data = g_malloc (size + 1);
  gsize length = 0;

  for (;;)
    {
      ssize_t n = read (fd, data + length, size + 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      length += (gsize) n;
      if (length > size)
        return NULL;
    }
  if (length != size)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), length);
}

/**
 * hd_message_new_from_file:
 * @path: a file holding one raw message
 * @error: return location for an error
 *
 * Parses a message from a file. Part contents stay in the file and are read
 * when asked for, so the file must not change while the message lives.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HdMessage *
hd_message_new_from_file (const char *path,
                          GError    **error)
{
  struct stat info = { 0 };
  int fd;
  int saved_errno;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hd_message_ensure_gmime ();

  /* Non-blocking, so that opening a FIFO does not wait for a writer; the
   * flag is cleared again for the reads. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  saved_errno = errno;
  if (fd < 0)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not open “%s”: %s"), display, g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    {
      g_autofree char *display = g_filename_display_name (path);

      close (fd);
      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_FILE,
                   S_ISDIR (info.st_mode) ? _("“%s” is a folder, not a message file")
                                          : _("“%s” is not a regular file"),
                   display);
      return NULL;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);

  /* Most mail is small: read it with one call and parse it in memory, rather
   * than let GMime seek and read the file in small pieces for the headers,
   * the body and again for every attachment. */
  if (info.st_size > 0 && info.st_size <= SPOOL_THRESHOLD)
    {
      g_autoptr(GBytes) bytes = read_small_file (fd, info.st_size);

      if (bytes != NULL)
        {
          close (fd);
          return hd_message_new_from_bytes (bytes, error);
        }
      if (lseek (fd, 0, SEEK_SET) != 0)
        {
          saved_errno = errno;
          close (fd);
          g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                       _("Could not read the message: %s"), g_strerror (saved_errno));
          return NULL;
        }
    }

  return hd_message_parse_stream (g_mime_stream_fs_new (fd), NULL, NULL, error);
}

static gboolean
write_all_fd (int          fd,
              const guint8 *data,
              gsize         length,
              GError      **error)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                       _("Could not write the message to a temporary file: %s"),
                       g_strerror (saved_errno));
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/**
 * hd_message_new_from_stream:
 * @stream: a stream that yields one raw message
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Reads @stream to its end and parses the message. Up to 1 MiB is kept in
 * memory; a larger message is spooled to an unlinked temporary file.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HdMessage *
hd_message_new_from_stream (GInputStream *stream,
                            GCancellable *cancellable,
                            GError      **error)
{
  g_autoptr(GByteArray) head = g_byte_array_sized_new (64 * 1024);
  g_autofree guint8 *buffer = g_malloc (HD_MESSAGE_CHUNK_SIZE);
  g_autofree char *tmp_path = NULL;
  g_autoptr(GError) local_error = NULL;
  gssize n;
  int fd;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hd_message_ensure_gmime ();

  while ((n = g_input_stream_read (stream, buffer, HD_MESSAGE_CHUNK_SIZE,
                                   cancellable, &local_error)) > 0)
    {
      g_byte_array_append (head, buffer, n);
      if (head->len >= SPOOL_THRESHOLD)
        break;
    }
  if (n < 0)
    {
      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not read the message: %s"), local_error->message);
      return NULL;
    }
  if (n == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&head));

      return hd_message_new_from_bytes (bytes, error);
    }

  fd = g_file_open_tmp ("helpdesk-mail-XXXXXX.eml", &tmp_path, &local_error);
  if (fd < 0)
    {
      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not create a temporary file for a large message: %s"),
                   local_error->message);
      return NULL;
    }
  /* Unlinked at once: the file lives exactly as long as the descriptor,
   * whatever happens to this process. */
  g_unlink (tmp_path);

  if (!write_all_fd (fd, head->data, head->len, error))
    {
      close (fd);
      return NULL;
    }
  while ((n = g_input_stream_read (stream, buffer, HD_MESSAGE_CHUNK_SIZE,
                                   cancellable, &local_error)) > 0)
    {
      if (!write_all_fd (fd, buffer, n, error))
        {
          close (fd);
          return NULL;
        }
    }
  if (n < 0)
    {
      close (fd);
      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not read the message: %s"), local_error->message);
      return NULL;
    }

  /* A file stream starts where the descriptor stands. */
  if (lseek (fd, 0, SEEK_SET) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not read back the temporary file: %s"), g_strerror (saved_errno));
      return NULL;
    }

  return hd_message_parse_stream (g_mime_stream_fs_new (fd), NULL, NULL, error);
}
