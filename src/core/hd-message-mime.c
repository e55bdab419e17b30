/* hd-message-mime.c: walking HdMessage's MIME tree: the body text, the
 * attachments, decoded part content and the repair of broken multiparts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

/* The text a ticket step shows is for reading; more than this is cut (the
 * raw message is kept with the step, so nothing is lost). */
#define BODY_LIMIT (4 * 1024 * 1024)

/* MIME nesting deeper than this, and parts beyond the cap, are not walked. */
#define MAX_DEPTH HD_MESSAGE_DEPTH_MAX

/* GMime 3.2 ships no g_autoptr support; these are the types we clean up. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)

/* MIME types and dispositions -------------------------------------------- */

static gboolean
is_type (GMimeObject *object,
         const char  *type,
         const char  *subtype)
{
  GMimeContentType *content_type = g_mime_object_get_content_type (object);

  return content_type != NULL && g_mime_content_type_is_type (content_type, type, subtype);
}

static char *
dup_mime_type (GMimeObject *object)
{
  GMimeContentType *content_type = g_mime_object_get_content_type (object);
  g_autofree char *mime_type = NULL;

  if (content_type == NULL)
    return g_strdup ("application/octet-stream");

  mime_type = g_mime_content_type_get_mime_type (content_type);
  return g_ascii_strdown (mime_type, -1);
}

static gboolean
is_attachment_disposition (GMimeObject *object)
{
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (object);

  return disposition != NULL && g_mime_content_disposition_is_attachment (disposition);
}

static gboolean
is_inline_disposition (GMimeObject *object)
{
  GMimeContentDisposition *disposition = g_mime_object_get_content_disposition (object);
  const char *value;

  if (disposition == NULL)
    return FALSE;
  value = g_mime_content_disposition_get_disposition (disposition);
  return value != NULL && g_ascii_strcasecmp (value, GMIME_DISPOSITION_INLINE) == 0;
}

/* A part is body text when it is plain text or HTML that the sender did not
 * mark as a file: no attachment disposition and no file name. */
static gboolean
is_body_part (GMimeObject *object)
{
  if (!GMIME_IS_PART (object))
    return FALSE;
  if (!is_type (object, "text", "plain") && !is_type (object, "text", "html"))
    return FALSE;
  if (is_attachment_disposition (object))
    return FALSE;
  return g_mime_part_get_filename (GMIME_PART (object)) == NULL;
}

/* Decoded content -------------------------------------------------------- */

/* Reads like g_mime_stream_read(), but with 0 at the end: GMime's file
 * streams answer -1 rather than 0 once they reach the end of their bounds. */
ssize_t
hd_message_stream_read (GMimeStream *stream,
                        char        *buffer,
                        size_t       length)
{
  ssize_t n = g_mime_stream_read (stream, buffer, length);

  if (n < 0 && g_mime_stream_eos (stream))
    return 0;
  return n;
}

/* Opens the decoded content of a leaf part as a stream of its own, so that
 * reading it moves no position that GMime or another reader relies on. */
GMimeStream *
hd_message_open_decoded_stream (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeStream *source;
  GMimeStream *copy;
  GMimeContentEncoding encoding;

  if (content == NULL)
    return NULL;
  source = g_mime_data_wrapper_get_stream (content);
  if (source == NULL)
    return NULL;

  copy = g_mime_stream_substream (source, source->bound_start, source->bound_end);
  g_mime_stream_reset (copy);

  encoding = g_mime_data_wrapper_get_encoding (content);
  if (encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      /* GMime's decoder yields nothing without a "begin" line, which some
       * mailers leave out; ours reads both. */
      g_autoptr(GByteArray) raw = g_byte_array_new ();
      g_autoptr(GBytes) decoded = NULL;
      char buffer[HD_MESSAGE_CHUNK_SIZE];
      ssize_t n;

      while ((n = hd_message_stream_read (copy, buffer, sizeof buffer)) > 0)
        g_byte_array_append (raw, (guint8 *) buffer, n);
      g_object_unref (copy);
      decoded = hd_message_uudecode ((const char *) raw->data, raw->len);
      /* An empty result has no data pointer, which GMime refuses. */
      return g_mime_stream_mem_new_with_buffer (g_bytes_get_size (decoded) > 0
                                                ? g_bytes_get_data (decoded, NULL) : "",
                                                g_bytes_get_size (decoded));
    }
  if (encoding == GMIME_CONTENT_ENCODING_BASE64
      || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
    {
      GMimeStream *filtered = g_mime_stream_filter_new (copy);
      g_autoptr(GMimeFilter) decoder = g_mime_filter_basic_new (encoding, FALSE);

      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decoder);
      g_object_unref (copy);
      return filtered;
    }

  return copy;
}

/* Reads at most @limit decoded bytes of a part. */
static GByteArray *
read_decoded (GMimePart *part,
              gsize      limit,
              gboolean  *truncated)
{
  g_autoptr(GMimeStream) stream = hd_message_open_decoded_stream (part);
  GByteArray *data = g_byte_array_new ();
  char buffer[HD_MESSAGE_CHUNK_SIZE];
  ssize_t n;

  *truncated = FALSE;
  if (stream == NULL)
    return data;

  while ((n = hd_message_stream_read (stream, buffer, sizeof buffer)) > 0)
    {
      gsize room = limit - data->len;

      if ((gsize) n > room)
        {
          g_byte_array_append (data, (guint8 *) buffer, room);
          *truncated = TRUE;
          break;
        }
      g_byte_array_append (data, (guint8 *) buffer, n);
    }

  return data;
}

/* Body text -------------------------------------------------------------- */

typedef struct
{
  HdMessage *self;
  GString   *text;
  gboolean   from_html;
  gboolean   truncated;
  GPtrArray *uu_files;  /* HdUuFile found in plain text */
} BodyState;

static void
append_body (BodyState  *body,
             const char *text)
{
  gsize room;

  if (text == NULL || *text == '\0')
    return;

  if (body->text->len > 0)
    g_string_append (body->text, "\n\n");

  room = body->text->len < BODY_LIMIT ? BODY_LIMIT - body->text->len : 0;
  if (strlen (text) > room)
    {
      const char *end = text + room;

      /* Cut at a character boundary so the text stays valid UTF-8. */
      while (end > text && (*end & 0xC0) == 0x80)
        end--;
      g_string_append_len (body->text, text, end - text);
      body->truncated = TRUE;
    }
  else
    g_string_append (body->text, text);
}

static char *
part_text (HdMessage *self,
           GMimePart *part,
           GPtrArray *uu_files,
           gboolean  *truncated)
{
  g_autoptr(GByteArray) data = read_decoded (part, BODY_LIMIT, truncated);
  const char *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  g_autofree char *sniffed = NULL;
  g_autofree char *utf8 = NULL;
  gboolean html = is_type (GMIME_OBJECT (part), "text", "html");
  const char *format;

  if (html && charset == NULL)
    charset = sniffed = hd_message_sniff_html_charset ((const char *) data->data, data->len);

  utf8 = hd_message_decode_text_noting (self, (const char *) data->data, data->len, charset);
  if (html)
    return hd_message_html_to_text (utf8, -1);

  if (strstr (utf8, "begin ") != NULL)
    {
      char *rest = hd_message_extract_uuencoded (utf8, uu_files);

      g_free (utf8);
      utf8 = rest;
    }

  format = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "format");
  if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0)
    {
      const char *delsp = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "delsp");

      return hd_message_unflow_text (utf8, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);
    }

  return g_steal_pointer (&utf8);
}

static gboolean
contains_type (GMimeObject *object,
               const char  *subtype,
               guint        depth)
{
  if (depth > MAX_DEPTH)
    return FALSE;

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      for (int i = 0; i < n; i++)
        if (contains_type (g_mime_multipart_get_part (multipart, i), subtype, depth + 1))
          return TRUE;
      return FALSE;
    }

  return is_body_part (object) && is_type (object, "text", subtype);
}

/* Reads the body of a multipart whose boundary never appears as a single
 * text part, with the transfer encoding and charset the multipart declares. */
static void
collect_unsplit_body (BodyState   *body,
                      GMimeObject *object,
                      const char  *raw)
{
  const char *cte = g_mime_object_get_header (object, "Content-Transfer-Encoding");
  const char *charset = g_mime_object_get_content_type_parameter (object, "charset");
  GMimeContentEncoding encoding = cte != NULL ? g_mime_content_encoding_from_string (cte)
                                              : GMIME_CONTENT_ENCODING_DEFAULT;
  g_autofree char *decoded = NULL;
  g_autofree char *text = NULL;
  gsize length;

  if (raw == NULL || *raw == '\0')
    return;
  length = strlen (raw);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64
      || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
    {
      GMimeEncoding state;

      g_mime_encoding_init_decode (&state, encoding);
      decoded = g_malloc (g_mime_encoding_outlen (&state, length) + 1);
      length = g_mime_encoding_flush (&state, raw, length, decoded);
      decoded[length] = '\0';
      raw = decoded;
    }

  text = hd_message_decode_text_noting (body->self, raw, length, charset);
  if (g_strstr_len (text, MIN (strlen (text), 2048), "<html") != NULL
      || g_strstr_len (text, MIN (strlen (text), 2048), "<HTML") != NULL)
    {
      char *plain = hd_message_html_to_text (text, -1);

      g_free (text);
      text = plain;
      body->from_html = TRUE;
    }
  append_body (body, text);
}

static void collect_body (BodyState   *body,
                          GMimeObject *object,
                          guint        depth);

static gboolean
has_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return TRUE;
  return FALSE;
}

/* Shows the alternative the ticket should: plain text when there is some,
 * as it is what the sender wrote for text readers; else the last (richest)
 * alternative that holds HTML. An alternative that comes out empty (an empty
 * text/plain beside a full text/html) is passed over. */
static void
collect_alternative (BodyState      *body,
                     GMimeMultipart *multipart,
                     guint           depth)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  int n = g_mime_multipart_get_count (multipart);

  for (int i = 0; i < n; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (is_body_part (child) && is_type (child, "text", "plain"))
        g_ptr_array_add (candidates, child);
    }
  for (int i = 0; i < n; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (GMIME_IS_MULTIPART (child) && contains_type (child, "plain", depth + 1))
        g_ptr_array_add (candidates, child);
    }
  for (int i = n - 1; i >= 0; i--)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (contains_type (child, "html", depth + 1)
          && !g_ptr_array_find (candidates, child, NULL))
        g_ptr_array_add (candidates, child);
    }

  for (guint i = 0; i < candidates->len; i++)
    {
      BodyState tried = { body->self, g_string_new (NULL), FALSE, FALSE, body->uu_files };

      collect_body (&tried, candidates->pdata[i], depth + 1);
      if (has_text (tried.text->str) || i + 1 == candidates->len)
        {
          if (tried.from_html)
            body->from_html = TRUE;
          if (tried.truncated)
            body->truncated = TRUE;
          append_body (body, tried.text->str);
          g_string_free (tried.text, TRUE);
          return;
        }
      g_string_free (tried.text, TRUE);
    }
}

static GMimeObject *
related_root (GMimeMultipart *multipart)
{
  const char *start = g_mime_object_get_content_type_parameter (GMIME_OBJECT (multipart), "start");

  if (g_mime_multipart_get_count (multipart) == 0)
    return NULL;

  if (start != NULL)
    {
      g_autofree char *wanted = g_strdup (start);
      int n = g_mime_multipart_get_count (multipart);

      g_strstrip (g_strdelimit (wanted, "<>", ' '));
      for (int i = 0; i < n; i++)
        {
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          if (g_strcmp0 (g_mime_object_get_content_id (child), wanted) == 0)
            return child;
        }
    }

  return g_mime_multipart_get_part (multipart, 0);
}

static void
collect_body (BodyState   *body,
              GMimeObject *object,
              guint        depth)
{
  if (depth > MAX_DEPTH)
    {
      hd_message_add_warning (body->self,
                              _("MIME parts are nested too deeply; the deepest were skipped"));
      return;
    }

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      if (n == 0)
        {
          /* A boundary that never appears leaves the whole body in the
           * prologue: it is read as one text part. */
          collect_unsplit_body (body, object, g_mime_multipart_get_prologue (multipart));
          collect_unsplit_body (body, object, g_mime_multipart_get_epilogue (multipart));
        }
      else if (is_type (object, "multipart", "alternative"))
        collect_alternative (body, multipart, depth);
      else if (is_type (object, "multipart", "related"))
        {
          GMimeObject *root = related_root (multipart);

          if (root != NULL)
            collect_body (body, root, depth + 1);
        }
      else
        {
          for (int i = 0; i < n; i++)
            collect_body (body, g_mime_multipart_get_part (multipart, i), depth + 1);
        }
    }
  else if (is_body_part (object))
    {
      gboolean truncated = FALSE;
      g_autofree char *text = part_text (body->self, GMIME_PART (object), body->uu_files,
                                         &truncated);

      if (is_type (object, "text", "html"))
        body->from_html = TRUE;
      if (truncated)
        body->truncated = TRUE;
      append_body (body, text);
    }
}

/* Attachments ------------------------------------------------------------ */

static gboolean
count_decoded_size (GMimeObject *object,
                    guint64     *size)
{
  char buffer[HD_MESSAGE_CHUNK_SIZE];

  *size = 0;

  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autoptr(GMimeStream) null = NULL;

      if (inner == NULL)
        return TRUE;
      null = g_mime_stream_null_new ();
      if (g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, null) < 0)
        return FALSE;
      *size = GMIME_STREAM_NULL (null)->written;
      return TRUE;
    }
  else
    {
      g_autoptr(GMimeStream) stream = hd_message_open_decoded_stream (GMIME_PART (object));
      ssize_t n;

      if (stream == NULL)
        return TRUE;
      while ((n = hd_message_stream_read (stream, buffer, sizeof buffer)) > 0)
        *size += (guint64) n;
      return n == 0;
    }
}

/* Whether two GMime streams read the same bytes: a memory stream's
 * substreams share its buffer, a file stream's its descriptor, and their
 * bounds are positions in that buffer or file. */
static gboolean
same_backing (GMimeStream *a,
              GMimeStream *b)
{
  if (GMIME_IS_STREAM_MEM (a) && GMIME_IS_STREAM_MEM (b))
    return GMIME_STREAM_MEM (a)->buffer == GMIME_STREAM_MEM (b)->buffer;
  if (GMIME_IS_STREAM_FS (a) && GMIME_IS_STREAM_FS (b))
    return GMIME_STREAM_FS (a)->fd == GMIME_STREAM_FS (b)->fd;
  return FALSE;
}

/* Names where a leaf part's encoded body lies in the raw message, so that the
 * store can keep a reference instead of a decoded copy. The persistent parser
 * leaves a part's body in the stream the message was read from and records
 * its bounds; those are exact. Everything else keeps -1 and is copied,
 * decoded, by the ingest, since no exact range exists: a part recovered from
 * a repaired multipart (it was parsed again from a copy of the prologue), a
 * uuencoded file found inside text (decoded from text), a forwarded message
 * (written anew by GMime), and a uuencoded part (our own decoder reads it,
 * which a reader of the range would have to repeat). */
static void
locate_raw_body (HdMessage           *self,
                 GMimeObject         *object,
                 HdMessageAttachment *attachment)
{
  GMimeDataWrapper *content;
  GMimeStream *source;
  GMimeContentEncoding encoding;
  gint64 raw_size = g_mime_stream_length (self->stream);
  gint64 start, end;

  attachment->raw_offset = -1;
  attachment->raw_length = 0;
  attachment->raw_encoding = NULL;

  if (!GMIME_IS_PART (object) || raw_size < 0)
    return;
  content = g_mime_part_get_content (GMIME_PART (object));
  source = content != NULL ? g_mime_data_wrapper_get_stream (content) : NULL;
  if (source == NULL || !same_backing (self->stream, source))
    return;
  encoding = g_mime_data_wrapper_get_encoding (content);
  if (encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    return;

  start = source->bound_start - self->stream->bound_start;
  end = (source->bound_end >= 0 ? source->bound_end : self->stream->bound_start + raw_size)
        - self->stream->bound_start;
  if (start < 0 || end < start || end > raw_size)
    return;

  attachment->raw_offset = start;
  attachment->raw_length = (guint64) (end - start);
  attachment->raw_encoding = encoding == GMIME_CONTENT_ENCODING_DEFAULT
                               ? NULL : g_mime_content_encoding_to_string (encoding);
}

static void
add_attachment (HdMessage   *self,
                GMimeObject *object,
                gboolean     in_related)
{
  HdMessageAttachment *attachment = g_new0 (HdMessageAttachment, 1);
  g_autofree char *proposed = NULL;
  const char *content_id;

  attachment->index = self->attachments->len;
  attachment->content_type = dup_mime_type (object);

  if (GMIME_IS_PART (object))
    proposed = g_strdup (g_mime_part_get_filename (GMIME_PART (object)));
  if (proposed == NULL && GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      const char *subject = inner != NULL ? g_mime_message_get_subject (inner) : NULL;

      /* A forwarded mail is best named after its subject. */
      if (subject != NULL && *subject != '\0')
        proposed = g_strconcat (subject, ".eml", NULL);
    }
  attachment->filename = hd_message_sanitize_filename (proposed, attachment->content_type,
                                                       attachment->index + 1);

  if (!count_decoded_size (object, &attachment->size))
    hd_message_add_warning (self, _("An attachment could not be decoded completely"));

  attachment->is_inline = is_inline_disposition (object) || in_related;
  locate_raw_body (self, object, attachment);

  content_id = g_mime_object_get_content_id (object);
  if (content_id != NULL && *content_id != '\0')
    attachment->content_id = hd_message_clean_header_text (content_id);

  g_ptr_array_add (self->attachments, attachment);
  g_ptr_array_add (self->attachment_parts, g_object_ref (object));
}

static void
collect_attachments (HdMessage   *self,
                     GMimeObject *object,
                     gboolean     in_related,
                     guint        depth)
{
  if (depth > MAX_DEPTH)
    return;
  if (++self->parts_seen > HD_MESSAGE_PARTS_MAX)
    {
      hd_message_add_warning (self,
                              _("The message has too many MIME parts; the rest were skipped"));
      return;
    }

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);
      gboolean related = is_type (object, "multipart", "related");
      GMimeObject *root = related ? related_root (multipart) : NULL;

      for (int i = 0; i < n; i++)
        {
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          collect_attachments (self, child, related && child != root, depth + 1);
        }
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    add_attachment (self, object, in_related);
  else if (GMIME_IS_PART (object) && !is_body_part (object))
    add_attachment (self, object, in_related);
}

/* Content ---------------------------------------------------------------- */

/**
 * hd_message_extract_content:
 * @self: a #HdMessage whose message was just parsed
 *
 * Repairs broken multiparts, then fills in the body text and the
 * attachments from the MIME tree.
 */
void
hd_message_extract_content (HdMessage *self)
{
  GMimeObject *root = g_mime_message_get_mime_part (self->message);
  BodyState body = { self, NULL, FALSE, FALSE, NULL };

  body.text = g_string_new (NULL);
  body.uu_files = g_ptr_array_new_with_free_func (g_object_unref);

  if (root != NULL)
    {
      hd_message_repair_tree (self, root, 0);
      collect_body (&body, root, 0);
      collect_attachments (self, root, FALSE, 0);
    }
  for (guint i = 0; i < body.uu_files->len; i++)
    add_attachment (self, body.uu_files->pdata[i], FALSE);
  g_ptr_array_unref (body.uu_files);

  self->body_text = g_string_free (body.text, FALSE);
  self->body_is_from_html = body.from_html;
  self->body_truncated = body.truncated;
}
