/* hd-message-filename.c: safe file names and extensions for HdMessage's attachments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <string.h>

/* Limits how much of a file name survives; file systems allow 255 bytes and
 * the store and the UI add their own prefixes. */
#define MAX_FILENAME_BYTES 200
#define MAX_EXTENSION_BYTES 16

/* File names ------------------------------------------------------------- */

typedef struct
{
  const char *content_type;
  const char *extension;
} TypeExtension;

static const TypeExtension type_extensions[] = {
  { "text/plain", ".txt" },
  { "text/html", ".html" },
  { "text/calendar", ".ics" },
  { "text/csv", ".csv" },
  { "text/xml", ".xml" },
  { "text/rtf", ".rtf" },
  { "text/enriched", ".txt" },
  { "image/png", ".png" },
  { "image/jpeg", ".jpg" },
  { "image/jpg", ".jpg" },
  { "image/pjpeg", ".jpg" },
  { "image/gif", ".gif" },
  { "image/webp", ".webp" },
  { "image/bmp", ".bmp" },
  { "image/tiff", ".tif" },
  { "image/svg+xml", ".svg" },
  { "audio/mpeg", ".mp3" },
  { "audio/wav", ".wav" },
  { "video/mp4", ".mp4" },
  { "application/pdf", ".pdf" },
  { "application/zip", ".zip" },
  { "application/gzip", ".gz" },
  { "application/x-gzip", ".gz" },
  { "application/json", ".json" },
  { "application/xml", ".xml" },
  { "application/rtf", ".rtf" },
  { "application/ics", ".ics" },
  { "application/msword", ".doc" },
  { "application/vnd.ms-excel", ".xls" },
  { "application/vnd.ms-powerpoint", ".ppt" },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx" },
  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx" },
  { "application/vnd.oasis.opendocument.text", ".odt" },
  { "application/vnd.oasis.opendocument.spreadsheet", ".ods" },
  { "application/pgp-signature", ".asc" },
  { "application/pgp-encrypted", ".asc" },
  { "application/pgp-keys", ".asc" },
  { "application/pkcs7-signature", ".p7s" },
  { "application/x-pkcs7-signature", ".p7s" },
  { "application/pkcs7-mime", ".p7m" },
  { "application/ms-tnef", ".dat" },
  { "message/rfc822", ".eml" },
  { "message/global", ".eml" },
  { "message/delivery-status", ".txt" },
  { "message/disposition-notification", ".txt" },
};

/**
 * hd_message_extension_for_type:
 * @content_type: (nullable): a lower-case `type/subtype`
 *
 * Returns: the file name extension, with its dot, for a content type;
 *   ".bin" when the type is not known
 */
const char *
hd_message_extension_for_type (const char *content_type)
{
  if (content_type != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (type_extensions); i++)
        if (g_ascii_strcasecmp (content_type, type_extensions[i].content_type) == 0)
          return type_extensions[i].extension;
    }

  return ".bin";
}

/* Characters that must never reach a file name: controls (C0, DEL, C1),
 * the separators and wildcards that Windows forbids, and the invisible
 * direction overrides that make "gpj.exe" look like "exe.jpg". */
static gboolean
is_forbidden_char (gunichar c)
{
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)
         || (c >= 0x200E && c <= 0x200F) || (c >= 0x202A && c <= 0x202E)
         || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029
         || c == 0xFEFF;
}

static gboolean
is_replaced_char (gunichar c)
{
  return c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|';
}

/* Cuts @name to at most MAX_FILENAME_BYTES at a character boundary, keeping a
 * short extension so that the file still opens with the right program. */
static void
limit_length (GString *name)
{
  const char *dot;
  g_autofree char *extension = NULL;
  gsize keep;
  const char *cut;

  if (name->len <= MAX_FILENAME_BYTES)
    return;

  dot = strrchr (name->str, '.');
  if (dot != NULL && dot != name->str && strlen (dot) <= MAX_EXTENSION_BYTES)
    extension = g_strdup (dot);

  keep = MAX_FILENAME_BYTES - (extension != NULL ? strlen (extension) : 0);
  cut = g_utf8_find_prev_char (name->str, name->str + keep + 1);
  while (cut != NULL && (gsize) (cut - name->str) > keep)
    cut = g_utf8_find_prev_char (name->str, cut);
  g_string_truncate (name, cut != NULL ? (gsize) (cut - name->str) : 0);
  if (extension != NULL)
    g_string_append (name, extension);
}

static void
strip_ends (GString *name)
{
  gsize start = 0;

  while (start < name->len && (name->str[start] == '.' || name->str[start] == ' '))
    start++;
  g_string_erase (name, 0, start);

  /* Windows drops trailing dots and spaces, which would change the name. */
  while (name->len > 0 && (name->str[name->len - 1] == '.' || name->str[name->len - 1] == ' '))
    g_string_truncate (name, name->len - 1);
}

/**
 * hd_message_sanitize_filename:
 * @filename: (nullable): the decoded file name the sender proposed
 * @content_type: (nullable): the part's content type, for the extension of
 *   a fallback name
 * @number: the 1-based number of the attachment, for a fallback name
 *
 * Makes a file name safe to store and to offer for saving: only the last
 * path component is kept, control and direction-override characters are
 * dropped, characters that Windows forbids become "_", leading dots and
 * trailing dots and spaces are removed, and the result is cut to 200 bytes.
 * When nothing usable is left the name is "attachment-N" with an extension
 * from the content type.
 *
 * Returns: (transfer full): a non-empty file name in UTF-8
 */
char *
hd_message_sanitize_filename (const char *filename,
                              const char *content_type,
                              guint       number)
{
  g_autofree char *valid = NULL;
  g_auto(GStrv) components = NULL;
  const char *last = NULL;
  GString *name;

  if (filename != NULL)
    {
      valid = g_utf8_make_valid (filename, -1);
      g_strdelimit (valid, "\\", '/');
      components = g_strsplit (valid, "/", -1);
      for (guint i = 0; components[i] != NULL; i++)
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (components[i]));

          if (*trimmed != '\0' && strcmp (trimmed, ".") != 0 && strcmp (trimmed, "..") != 0)
            last = components[i];
        }
    }

  name = g_string_new (NULL);
  if (last != NULL)
    {
      for (const char *p = last; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (is_forbidden_char (c))
            continue;
          if (is_replaced_char (c))
            g_string_append_c (name, '_');
          else
            g_string_append_unichar (name, c);
        }
      g_strstrip (name->str);
      g_string_set_size (name, strlen (name->str));
      strip_ends (name);
      limit_length (name);
      strip_ends (name);
    }

  if (name->len == 0)
    g_string_printf (name, "attachment-%u%s", number,
                     hd_message_extension_for_type (content_type));

  return g_string_free (name, FALSE);
}
