/* hd-message-uu.c: uuencoded files in HdMessage: x-uuencode parts (with or
 * without their "begin" line) and uuencoded blocks inside plain text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <string.h>

static gboolean
is_begin_line (const char *line,
               char      **filename)
{
  const char *p = line;
  guint digits = 0;

  if (strncmp (p, "begin ", 6) != 0)
    return FALSE;
  p += 6;
  while (*p >= '0' && *p <= '7')
    {
      p++;
      digits++;
    }
  if (digits < 3 || digits > 4 || *p != ' ' || p[1] == '\0')
    return FALSE;
  if (filename != NULL)
    *filename = g_strstrip (g_strdup (p + 1));
  return TRUE;
}

static gboolean
is_end_line (const char *line)
{
  return strncmp (line, "end", 3) == 0 && (line[3] == '\0' || g_ascii_isspace (line[3]));
}

/* Decodes one uuencoded line into @out; FALSE when it is not one. */
static gboolean
decode_line (const char *line,
             GByteArray *out)
{
  gsize length = strlen (line);
  guint count;
  gsize needed;

  while (length > 0 && (line[length - 1] == '\r' || line[length - 1] == ' '))
    length--;
  if (length == 0 || line[0] < ' ' || line[0] > '`')
    return FALSE;

  count = (guint) (line[0] - ' ') & 63;
  needed = (count + 2) / 3 * 4;
  if (length - 1 < needed)
    {
      /* Some encoders drop trailing spaces, which stand for zero bits. */
      if (length - 1 + 2 < needed)
        return FALSE;
    }
  for (gsize i = 1; i < length; i++)
    if (line[i] < ' ' || line[i] > '`')
      return FALSE;

  for (gsize i = 0; count > 0; i += 4)
    {
      guint8 c[4];
      guint8 bytes[3];

      for (guint k = 0; k < 4; k++)
        c[k] = 1 + i + k < length ? (guint8) ((line[1 + i + k] - ' ') & 63) : 0;
      bytes[0] = (guint8) (c[0] << 2 | c[1] >> 4);
      bytes[1] = (guint8) (c[1] << 4 | c[2] >> 2);
      bytes[2] = (guint8) (c[2] << 6 | c[3]);
      g_byte_array_append (out, bytes, MIN (count, 3));
      count -= MIN (count, 3);
    }
  return TRUE;
}

/**
 * hd_message_uudecode:
 * @data: the raw content of an x-uuencode part
 * @length: its length
 *
 * Decodes uuencoded data, from its "begin" line to its "end" line when it
 * has them, or every line that decodes when the "begin" line is missing.
 *
 * Returns: (transfer full): the decoded bytes, possibly empty
 */
GBytes *
hd_message_uudecode (const char *data,
                     gsize       length)
{
  /* An empty part has no data pointer at all. */
  g_autofree char *text = g_strndup (data != NULL ? data : "", length);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GByteArray *out = g_byte_array_new ();
  gboolean has_begin = FALSE;
  gboolean started = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    if (is_begin_line (lines[i], NULL))
      has_begin = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (!started)
        {
          if (has_begin ? is_begin_line (lines[i], NULL) : decode_line (lines[i], out))
            started = TRUE;
          continue;
        }
      if (is_end_line (lines[i]))
        break;
      if (lines[i][0] != '\0')
        decode_line (lines[i], out);
    }

  return g_byte_array_free_to_bytes (out);
}

static GMimeObject *
file_part (const char *filename,
           GByteArray *data)
{
  g_autofree char *guessed = g_content_type_guess (filename, data->data, data->len, NULL);
  g_autofree char *mime_type = g_content_type_get_mime_type (guessed);
  g_auto(GStrv) type = g_strsplit (mime_type != NULL ? mime_type : "application/octet-stream",
                                   "/", 2);
  GMimePart *part;
  GMimeStream *stream;
  GMimeDataWrapper *wrapper;

  part = g_mime_part_new_with_type (type[0], type[1] != NULL ? type[1] : "octet-stream");
  g_mime_part_set_filename (part, filename);
  stream = g_mime_stream_mem_new_with_buffer (data->len > 0 ? (const char *) data->data : "",
                                              data->len);
  wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (part, wrapper);
  g_object_unref (wrapper);
  g_object_unref (stream);
  return GMIME_OBJECT (part);
}

/**
 * hd_message_extract_uuencoded:
 * @text: a plain-text body in UTF-8
 * @files: (element-type GMimeObject): where each file found goes, as a part
 *
 * Takes the uuencoded blocks ("begin 644 name" … "end") out of a text body;
 * a block that does not decode stays in the text.
 *
 * Returns: (transfer full): the text without those blocks
 */
char *
hd_message_extract_uuencoded (const char *text,
                              GPtrArray  *files)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GString *out = g_string_sized_new (text != NULL ? strlen (text) : 0);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *filename = NULL;
      g_autoptr(GByteArray) data = NULL;
      guint end = i + 1;
      gboolean valid = TRUE;

      if (is_begin_line (lines[i], &filename))
        {
          data = g_byte_array_new ();
          for (; lines[end] != NULL && !is_end_line (lines[end]); end++)
            if (lines[end][0] != '\0' && !decode_line (lines[end], data))
              valid = FALSE;
        }
      if (data != NULL && lines[end] != NULL && valid && data->len > 0 && files->len < 100)
        {
          g_ptr_array_add (files, file_part (filename, data));
          i = end;
          /* Where the block stood in a paragraph of its own, one empty line
           * is enough. */
          if (lines[i + 1] != NULL && lines[i + 1][0] == '\0'
              && (out->len == 0 || g_str_has_suffix (out->str, "\n\n")))
            i++;
          continue;
        }

      g_string_append (out, lines[i]);
      if (lines[i + 1] != NULL)
        g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}
