/* hd-message.c: one RFC 5322 message, parsed by GMime into plain fields.
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
#include <string.h>
#include <unistd.h>

/* Mail up to this size is read into memory; larger mail is spooled to an
 * unlinked temporary file so that a 50 MB attachment costs disk, not RAM. */
#define SPOOL_THRESHOLD (1024 * 1024)

/* The text a ticket step shows is for reading; more than this is cut (the
 * raw message is kept with the step, so nothing is lost). */
#define BODY_LIMIT (4 * 1024 * 1024)

/* GMime refuses deeper nesting itself; this only guards our own recursion. */
#define MAX_DEPTH 64

#define CHUNK_SIZE (64 * 1024)

/* GMime 3.2 ships no g_autoptr support; these are the types we clean up. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeReferences, g_mime_references_free)

struct _HdMessage
{
  GObject parent_instance;

  /* What the parsed message reads from: the caller's bytes (borrowed through
   * a GByteArray that does not own them) or a file descriptor. */
  GBytes             *bytes;
  GByteArray         *borrowed;
  GMimeStream        *stream;
  GMimeParserOptions *options;
  GMimeMessage       *message;

  HdMessageAddress   *from;
  GPtrArray          *to;
  GPtrArray          *cc;
  GPtrArray          *reply_to;
  char               *return_path;
  gboolean            empty_return_path;
  char               *sender_address;

  char               *subject;
  char               *message_id;
  gboolean            message_id_is_synthetic;
  char               *in_reply_to;
  GStrv               references;
  GDateTime          *date;

  char               *auto_submitted;
  char               *precedence;
  char               *list_id;
  char               *x_auto_response_suppress;

  char               *body_text;
  gboolean            body_is_from_html;
  gboolean            body_truncated;

  GPtrArray          *attachments;       /* HdMessageAttachment */
  GPtrArray          *attachment_parts;  /* GMimeObject, same order */

  GPtrArray          *warnings;          /* char *, NULL-terminated */
};

G_DEFINE_FINAL_TYPE (HdMessage, hd_message, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-message-error-quark, hd_message_error)

G_DEFINE_BOXED_TYPE (HdMessageAddress, hd_message_address,
                     hd_message_address_copy, hd_message_address_free)

G_DEFINE_BOXED_TYPE (HdMessageAttachment, hd_message_attachment,
                     hd_message_attachment_copy, hd_message_attachment_free)

static GMimeParserOptions *base_options;

/**
 * hd_message_ensure_gmime:
 *
 * Initializes GMime once per process, from whichever thread comes first;
 * GMime keeps global tables (charsets, content types). Other core modules
 * that use GMime call this instead of g_mime_init().
 */
void
hd_message_ensure_gmime (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* UTF-8 first: raw 8-bit headers that are valid UTF-8 are almost
       * always UTF-8; everything else is read as windows-1252, the superset
       * of latin-1 that mailers actually send. */
      static const char *fallback_charsets[] = { "UTF-8", "windows-1252", NULL };

      g_mime_init ();
      base_options = g_mime_parser_options_new ();
      g_mime_parser_options_set_fallback_charsets (base_options, fallback_charsets);
      g_mime_parser_options_set_address_compliance_mode (base_options,
                                                         GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_parameter_compliance_mode (base_options,
                                                           GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_rfc2047_compliance_mode (base_options,
                                                         GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_allow_addresses_without_domain (base_options, TRUE);
      g_once_init_leave (&initialized, 1);
    }
}

/* Helpers ---------------------------------------------------------------- */

static void
add_warning (HdMessage  *self,
             const char *text)
{
  /* The array ends in NULL so that it can be handed out as a strv. */
  for (guint i = 0; i + 1 < self->warnings->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->warnings, i), text) == 0)
      return;

  g_ptr_array_insert (self->warnings, self->warnings->len - 1, g_strdup (text));
}

static const char *
describe_parser_warning (GMimeParserWarning code)
{
  switch ((int) code)
    {
    case GMIME_WARN_DUPLICATED_HEADER:
      return _("A header field appears more than once");
    case GMIME_WARN_DUPLICATED_PARAMETER:
      return _("A header parameter appears more than once");
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
      return _("A header contains unencoded 8-bit text");
    case GMIME_WARN_INVALID_CONTENT_TYPE:
      return _("A Content-Type header is invalid");
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
      return _("A header contains a broken encoded word");
    case GMIME_WARN_MALFORMED_MULTIPART:
      return _("A multipart body is malformed");
    case GMIME_WARN_TRUNCATED_MESSAGE:
      return _("The message is truncated");
    case GMIME_WARN_MALFORMED_MESSAGE:
      return _("The message is malformed");
    case GMIME_CRIT_INVALID_HEADER_NAME:
      return _("A header field has an invalid name");
    case GMIME_CRIT_CONFLICTING_HEADER:
      return _("Header fields contradict each other");
    case GMIME_CRIT_CONFLICTING_PARAMETER:
      return _("Header parameters contradict each other");
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
      return _("A multipart body has no boundary");
    case GMIME_WARN_INVALID_PARAMETER:
      return _("A header parameter is invalid");
    case GMIME_WARN_INVALID_ADDRESS_LIST:
      return _("An address header is invalid");
    case GMIME_CRIT_NESTING_OVERFLOW:
      return _("MIME parts are nested too deeply");
    case GMIME_WARN_PART_WITHOUT_CONTENT:
      return _("A MIME part has no content");
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
      return _("A MIME part has neither headers nor content");
    default:
      return _("The message is not well-formed");
    }
}

static void
parser_warning_cb (gint64              offset,
                   GMimeParserWarning  errcode,
                   const char         *item,
                   gpointer            user_data)
{
  HdMessage *self = user_data;
  g_autofree char *clean_item = NULL;
  g_autofree char *text = NULL;

  clean_item = hd_message_clean_header_text (item);
  if (clean_item != NULL && *clean_item != '\0' && g_utf8_strlen (clean_item, -1) <= 80)
    text = g_strdup_printf ("%s: %s", describe_parser_warning (errcode), clean_item);
  else
    text = g_strdup (describe_parser_warning (errcode));

  add_warning (self, text);
}

static HdMessageAddress *
address_new (const char *name,
             const char *address)
{
  HdMessageAddress *result = g_new0 (HdMessageAddress, 1);
  char *clean_name = hd_message_clean_header_text (name);

  if (clean_name != NULL && *clean_name == '\0')
    g_clear_pointer (&clean_name, g_free);
  result->name = clean_name;
  result->address = address != NULL ? hd_message_clean_header_text (address) : g_strdup ("");
  return result;
}

static void
collect_addresses (GPtrArray           *out,
                   InternetAddressList *list,
                   guint                depth)
{
  int n;

  if (list == NULL || depth > 4)
    return;

  n = internet_address_list_length (list);
  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_GROUP (ia))
        collect_addresses (out,
                           internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)),
                           depth + 1);
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        g_ptr_array_add (out,
                         address_new (internet_address_get_name (ia),
                                      internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia))));
    }
}

static GPtrArray *
address_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) hd_message_address_free);
}

/* Normalizes a message id to "<id>": whitespace and stray angle brackets go,
 * since a reply must find the id exactly as we stored it. */
static char *
normalize_message_id (const char *id)
{
  GString *out;

  if (id == NULL)
    return NULL;

  out = g_string_new ("<");
  for (const char *p = id; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p) || *p == '<' || *p == '>' || g_ascii_iscntrl (*p))
        continue;
      g_string_append_c (out, *p);
    }
  if (out->len == 1)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  g_string_append_c (out, '>');

  if (!g_utf8_validate (out->str, -1, NULL))
    {
      char *valid = g_utf8_make_valid (out->str, -1);

      g_string_free (out, TRUE);
      return valid;
    }

  return g_string_free (out, FALSE);
}

static char *
dup_header (HdMessage  *self,
            const char *name)
{
  const char *value = g_mime_object_get_header (GMIME_OBJECT (self->message), name);

  /* A header that is present but empty is kept as "", unlike an absent one:
   * an empty List-Id still says the mail came from a list. */
  if (value == NULL)
    return NULL;
  return hd_message_clean_header_text (value);
}

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

/* Reads like g_mime_stream_read(), but with 0 at the end: GMime's file
 * streams answer -1 rather than 0 once they reach the end of their bounds. */
static ssize_t
stream_read (GMimeStream *stream,
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
static GMimeStream *
open_decoded_stream (GMimePart *part)
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
  if (encoding == GMIME_CONTENT_ENCODING_BASE64
      || encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
      || encoding == GMIME_CONTENT_ENCODING_UUENCODE)
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
  g_autoptr(GMimeStream) stream = open_decoded_stream (part);
  GByteArray *data = g_byte_array_new ();
  char buffer[CHUNK_SIZE];
  ssize_t n;

  *truncated = FALSE;
  if (stream == NULL)
    return data;

  while ((n = stream_read (stream, buffer, sizeof buffer)) > 0)
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
  GString  *text;
  gboolean  from_html;
  gboolean  truncated;
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
part_text (GMimePart *part,
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

  utf8 = hd_message_text_to_utf8 ((const char *) data->data, data->len, charset);
  if (html)
    return hd_message_html_to_text (utf8, -1);

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

/* Picks the alternative the ticket shows: plain text when there is one, as
 * it is what the sender wrote for text readers; else the last (richest)
 * alternative that holds HTML. */
static GMimeObject *
choose_alternative (GMimeMultipart *multipart,
                    guint           depth)
{
  int n = g_mime_multipart_get_count (multipart);

  for (int i = 0; i < n; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (is_body_part (child) && is_type (child, "text", "plain"))
        return child;
    }
  for (int i = 0; i < n; i++)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (GMIME_IS_MULTIPART (child) && contains_type (child, "plain", depth + 1))
        return child;
    }
  for (int i = n - 1; i >= 0; i--)
    {
      GMimeObject *child = g_mime_multipart_get_part (multipart, i);

      if (contains_type (child, "html", depth + 1))
        return child;
    }

  return NULL;
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
    return;

  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int n = g_mime_multipart_get_count (multipart);

      if (n == 0)
        {
          /* Boundaries that never matched leave the whole body in the
           * prologue; showing it raw beats showing nothing. */
          const char *prologue = g_mime_multipart_get_prologue (multipart);
          const char *epilogue = g_mime_multipart_get_epilogue (multipart);

          if (prologue != NULL)
            {
              g_autofree char *text = hd_message_text_to_utf8 (prologue, strlen (prologue), NULL);

              append_body (body, text);
            }
          if (epilogue != NULL)
            {
              g_autofree char *text = hd_message_text_to_utf8 (epilogue, strlen (epilogue), NULL);

              append_body (body, text);
            }
        }
      else if (is_type (object, "multipart", "alternative"))
        {
          GMimeObject *chosen = choose_alternative (multipart, depth);

          if (chosen != NULL)
            collect_body (body, chosen, depth + 1);
        }
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
      g_autofree char *text = part_text (GMIME_PART (object), &truncated);

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
  char buffer[CHUNK_SIZE];

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
      g_autoptr(GMimeStream) stream = open_decoded_stream (GMIME_PART (object));
      ssize_t n;

      if (stream == NULL)
        return TRUE;
      while ((n = stream_read (stream, buffer, sizeof buffer)) > 0)
        *size += (guint64) n;
      return n == 0;
    }
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
    add_warning (self, _("An attachment could not be decoded completely"));

  attachment->is_inline = is_inline_disposition (object) || in_related;

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

/* Repairing broken multiparts --------------------------------------------- */

static gboolean
is_boundary_text (const char *text,
                  gsize       length)
{
  if (length == 0 || length > 200)
    return FALSE;

  /* RFC 2046 bchars; anything else would not survive quoting either. */
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && strchr ("'()+_,-./:=? ", text[i]) == NULL)
      return FALSE;

  return TRUE;
}

/* Finds the boundary that a multipart's body really uses, when it differs
 * from the declared one (or none was declared): a "--x" line that occurs
 * again later (as "--x" or "--x--"), or a lone one followed by a
 * Content- header. */
static char *
guess_boundary (const char *body)
{
  g_auto(GStrv) lines = g_strsplit (body, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *candidate = NULL;
      gsize length;

      g_strchomp (lines[i]);
      if (!g_str_has_prefix (lines[i], "--"))
        continue;

      candidate = g_strdup (lines[i] + 2);
      length = strlen (candidate);
      if (length > 2 && g_str_has_suffix (candidate, "--"))
        candidate[length - 2] = '\0';
      if (!is_boundary_text (candidate, strlen (candidate)))
        continue;

      for (guint k = i + 1; lines[k] != NULL; k++)
        {
          g_autofree char *start = g_strconcat ("--", candidate, NULL);
          g_autofree char *end = g_strconcat ("--", candidate, "--", NULL);
          g_autofree char *line = g_strchomp (g_strdup (lines[k]));

          if (strcmp (line, start) == 0 || strcmp (line, end) == 0)
            return g_steal_pointer (&candidate);
        }

      if (lines[i + 1] != NULL && g_ascii_strncasecmp (lines[i + 1], "Content-", 8) == 0)
        return g_steal_pointer (&candidate);
    }

  return NULL;
}

static void
repair_multipart (HdMessage      *self,
                  GMimeMultipart *multipart)
{
  const char *prologue = g_mime_multipart_get_prologue (multipart);
  g_autofree char *boundary = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeObject) reparsed = NULL;
  const char *subtype;
  int n;

  if (prologue == NULL || (boundary = guess_boundary (prologue)) == NULL)
    return;

  subtype = g_mime_content_type_get_media_subtype (
    g_mime_object_get_content_type (GMIME_OBJECT (multipart)));
  header = g_strdup_printf ("Content-Type: multipart/%s; boundary=\"%s\"\n\n",
                            subtype != NULL ? subtype : "mixed", boundary);

  stream = g_mime_stream_mem_new ();
  g_mime_stream_write_string (stream, header);
  g_mime_stream_write_string (stream, prologue);
  g_mime_stream_reset (stream);

  parser = g_mime_parser_new_with_stream (stream);
  reparsed = g_mime_parser_construct_part (parser, self->options);
  if (reparsed == NULL || !GMIME_IS_MULTIPART (reparsed))
    return;

  n = g_mime_multipart_get_count (GMIME_MULTIPART (reparsed));
  if (n == 0)
    return;

  for (int i = 0; i < n; i++)
    g_mime_multipart_add (multipart, g_mime_multipart_get_part (GMIME_MULTIPART (reparsed), i));
  g_mime_multipart_set_prologue (multipart, NULL);
  add_warning (self, _("A multipart boundary did not match its declaration; the parts were recovered"));
}

static void
repair_tree (HdMessage   *self,
             GMimeObject *object,
             guint        depth)
{
  GMimeMultipart *multipart;
  int n;

  if (depth > MAX_DEPTH || !GMIME_IS_MULTIPART (object))
    return;

  multipart = GMIME_MULTIPART (object);
  n = g_mime_multipart_get_count (multipart);
  if (n == 0)
    {
      repair_multipart (self, multipart);
      return;
    }
  for (int i = 0; i < n; i++)
    repair_tree (self, g_mime_multipart_get_part (multipart, i), depth + 1);
}

/* Parsing ---------------------------------------------------------------- */

static char *
synthetic_message_id (GMimeStream *stream)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GMimeStream) copy = NULL;
  char buffer[CHUNK_SIZE];
  ssize_t n;

  copy = g_mime_stream_substream (stream, stream->bound_start, stream->bound_end);
  g_mime_stream_reset (copy);
  while ((n = stream_read (copy, buffer, sizeof buffer)) > 0)
    g_checksum_update (checksum, (const guchar *) buffer, n);

  /* .invalid (RFC 2606) can never collide with a real sender's domain. */
  return g_strdup_printf ("<%s@synthetic.helpdesk-mail.invalid>",
                          g_checksum_get_string (checksum));
}

/* Counts the white space before the first header, which some servers and
 * mbox tools leave behind and which would otherwise hide every header. */
static gboolean
find_content_start (GMimeStream *stream,
                    gint64      *start)
{
  char buffer[4096];
  gint64 offset = 0;
  ssize_t n;

  g_mime_stream_reset (stream);
  while ((n = stream_read (stream, buffer, sizeof buffer)) > 0)
    {
      for (ssize_t i = 0; i < n; i++)
        {
          if (buffer[i] != '\r' && buffer[i] != '\n' && buffer[i] != ' ' && buffer[i] != '\t')
            {
              *start = offset + i;
              g_mime_stream_reset (stream);
              return TRUE;
            }
        }
      offset += n;
    }

  g_mime_stream_reset (stream);
  return FALSE;
}

static void
extract_return_path (HdMessage *self)
{
  const char *raw = g_mime_object_get_header (GMIME_OBJECT (self->message), "Return-Path");
  g_autofree char *value = NULL;
  g_autofree char *inner = NULL;
  g_autoptr(InternetAddressList) list = NULL;
  g_autoptr(GPtrArray) parsed = NULL;

  if (raw == NULL)
    return;

  value = g_strdup (raw);
  g_strstrip (value);
  inner = g_strstrip (g_strdelimit (g_strdup (value), "<>", ' '));
  if (*inner == '\0')
    {
      self->empty_return_path = TRUE;
      self->return_path = g_strdup ("");
      return;
    }

  list = internet_address_list_parse (self->options, value);
  parsed = address_array_new ();
  collect_addresses (parsed, list, 0);
  if (parsed->len > 0 && *((HdMessageAddress *) parsed->pdata[0])->address != '\0')
    self->return_path = g_strdup (((HdMessageAddress *) parsed->pdata[0])->address);
  else
    self->return_path = hd_message_clean_header_text (inner);
}

static const char *
first_address (GPtrArray *addresses)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      HdMessageAddress *address = g_ptr_array_index (addresses, i);

      if (*address->address != '\0')
        return address->address;
    }
  return NULL;
}

static void
extract_addresses (HdMessage *self)
{
  g_autoptr(GPtrArray) from = address_array_new ();
  g_autoptr(GPtrArray) sender = address_array_new ();
  const char *raw_from;

  collect_addresses (from, g_mime_message_get_from (self->message), 0);
  collect_addresses (self->to, g_mime_message_get_to (self->message), 0);
  collect_addresses (self->cc, g_mime_message_get_cc (self->message), 0);
  collect_addresses (self->reply_to, g_mime_message_get_reply_to (self->message), 0);
  collect_addresses (sender, g_mime_message_get_sender (self->message), 0);

  raw_from = g_mime_object_get_header (GMIME_OBJECT (self->message), "From");
  if (from->len > 0)
    self->from = hd_message_address_copy (g_ptr_array_index (from, 0));
  else if (raw_from != NULL)
    {
      g_autofree char *clean = hd_message_clean_header_text (raw_from);

      /* A From without a parsable address still names someone. */
      if (clean != NULL && *clean != '\0')
        self->from = address_new (clean, NULL);
    }

  extract_return_path (self);

  if (self->from != NULL && *self->from->address != '\0')
    self->sender_address = g_strdup (self->from->address);
  else if (first_address (sender) != NULL)
    self->sender_address = g_strdup (first_address (sender));
  else if (first_address (self->reply_to) != NULL)
    self->sender_address = g_strdup (first_address (self->reply_to));
  else if (self->return_path != NULL && *self->return_path != '\0')
    self->sender_address = g_strdup (self->return_path);

  if (self->from == NULL)
    add_warning (self, _("The message has no From address"));
}

static void
extract_threading (HdMessage *self)
{
  GMimeObject *object = GMIME_OBJECT (self->message);
  const char *in_reply_to = g_mime_object_get_header (object, "In-Reply-To");
  const char *references = g_mime_object_get_header (object, "References");

  self->message_id = normalize_message_id (g_mime_message_get_message_id (self->message));
  if (self->message_id == NULL)
    {
      self->message_id = synthetic_message_id (self->stream);
      self->message_id_is_synthetic = TRUE;
      add_warning (self, _("The message has no Message-ID; one was derived from its content"));
    }

  if (in_reply_to != NULL)
    {
      g_autoptr(GMimeReferences) refs = g_mime_references_parse (self->options, in_reply_to);

      if (refs != NULL && g_mime_references_length (refs) > 0)
        self->in_reply_to = normalize_message_id (g_mime_references_get_message_id (refs, 0));
      else
        {
          g_autofree char *decoded = g_mime_utils_decode_message_id (in_reply_to);

          self->in_reply_to = normalize_message_id (decoded);
        }
    }

  {
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

    if (references != NULL)
      {
        g_autoptr(GMimeReferences) refs = g_mime_references_parse (self->options, references);
        int n = refs != NULL ? g_mime_references_length (refs) : 0;

        for (int i = 0; i < n; i++)
          {
            char *id = normalize_message_id (g_mime_references_get_message_id (refs, i));

            if (id == NULL || g_ptr_array_find_with_equal_func (list, id, g_str_equal, NULL))
              g_free (id);
            else
              g_ptr_array_add (list, id);
          }
      }
    g_ptr_array_add (list, NULL);
    self->references = (GStrv) g_ptr_array_free (g_steal_pointer (&list), FALSE);
  }
}

static void
extract_fields (HdMessage *self)
{
  GDateTime *date;
  g_autofree char *subject = NULL;

  extract_addresses (self);

  subject = hd_message_clean_header_text (g_mime_message_get_subject (self->message));
  self->subject = subject != NULL ? g_steal_pointer (&subject) : g_strdup ("");

  extract_threading (self);

  date = g_mime_message_get_date (self->message);
  if (date != NULL)
    self->date = g_date_time_ref (date);
  else if (g_mime_object_get_header (GMIME_OBJECT (self->message), "Date") != NULL)
    add_warning (self, _("The Date header could not be understood"));

  self->auto_submitted = dup_header (self, "Auto-Submitted");
  self->precedence = dup_header (self, "Precedence");
  self->list_id = dup_header (self, "List-Id");
  self->x_auto_response_suppress = dup_header (self, "X-Auto-Response-Suppress");
}

static void
extract_content (HdMessage *self)
{
  GMimeObject *root = g_mime_message_get_mime_part (self->message);
  BodyState body = { 0 };

  body.text = g_string_new (NULL);

  if (root != NULL)
    {
      repair_tree (self, root, 0);
      collect_body (&body, root, 0);
      collect_attachments (self, root, FALSE, 0);
    }

  self->body_text = g_string_free (body.text, FALSE);
  self->body_is_from_html = body.from_html;
  self->body_truncated = body.truncated;
}

/* Takes ownership of @stream, which holds the whole raw message. */
static HdMessage *
parse_stream (GMimeStream *stream,
              GBytes      *bytes,
              GByteArray  *borrowed,
              GError     **error)
{
  g_autoptr(HdMessage) self = g_object_new (HD_TYPE_MESSAGE, NULL);
  g_autoptr(GMimeStream) content = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  gint64 start = 0;

  self->stream = stream;
  self->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  self->borrowed = borrowed;

  self->options = g_mime_parser_options_clone (base_options);
  g_mime_parser_options_set_warning_callback (self->options, parser_warning_cb, self);

  if (!find_content_start (stream, &start))
    {
      g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY,
                           _("The message is empty"));
      return NULL;
    }

  if (start > 0)
    content = g_mime_stream_substream (stream, stream->bound_start + start, stream->bound_end);
  else
    content = g_object_ref (stream);
  g_mime_stream_reset (content);

  /* A persistent parser leaves part contents in the stream and only records
   * where they are, so a large attachment is never copied into memory. */
  parser = g_mime_parser_new_with_stream (content);
  g_mime_parser_set_persist_stream (parser, TRUE);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  g_mime_parser_set_respect_content_length (parser, FALSE);

  self->message = g_mime_parser_construct_message (parser, self->options);
  if (self->message == NULL)
    {
      g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_MESSAGE,
                           _("The data is not an e-mail message: no header fields were found"));
      return NULL;
    }

  extract_fields (self);
  extract_content (self);

  return g_steal_pointer (&self);
}

/* Object ----------------------------------------------------------------- */

static void
hd_message_dispose (GObject *object)
{
  HdMessage *self = HD_MESSAGE (object);

  /* The parts read from the stream, the stream reads from the borrowed
   * array, and the array's memory belongs to the bytes: release in order. */
  g_clear_pointer (&self->attachment_parts, g_ptr_array_unref);
  g_clear_object (&self->message);
  g_clear_object (&self->stream);
  if (self->borrowed != NULL)
    {
      /* Stealing detaches the data without freeing it: it is the GBytes'. */
      guint8 *data = g_byte_array_steal (self->borrowed, NULL);

      g_assert (data == NULL || self->bytes != NULL);
      g_clear_pointer (&self->borrowed, g_byte_array_unref);
    }
  g_clear_pointer (&self->bytes, g_bytes_unref);

  G_OBJECT_CLASS (hd_message_parent_class)->dispose (object);
}

static void
hd_message_finalize (GObject *object)
{
  HdMessage *self = HD_MESSAGE (object);

  g_clear_pointer (&self->options, g_mime_parser_options_free);
  g_clear_pointer (&self->from, hd_message_address_free);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_clear_pointer (&self->return_path, g_free);
  g_clear_pointer (&self->sender_address, g_free);
  g_clear_pointer (&self->subject, g_free);
  g_clear_pointer (&self->message_id, g_free);
  g_clear_pointer (&self->in_reply_to, g_free);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->auto_submitted, g_free);
  g_clear_pointer (&self->precedence, g_free);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->x_auto_response_suppress, g_free);
  g_clear_pointer (&self->body_text, g_free);
  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);

  G_OBJECT_CLASS (hd_message_parent_class)->finalize (object);
}

static void
hd_message_class_init (HdMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hd_message_dispose;
  object_class->finalize = hd_message_finalize;

  hd_message_ensure_gmime ();
}

static void
hd_message_init (HdMessage *self)
{
  self->to = address_array_new ();
  self->cc = address_array_new ();
  self->reply_to = address_array_new ();
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_message_attachment_free);
  self->attachment_parts = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
}

/* Public API ------------------------------------------------------------- */

/**
 * hd_message_address_copy:
 * @address: an address
 *
 * Returns: (transfer full): a copy of @address
 */
HdMessageAddress *
hd_message_address_copy (const HdMessageAddress *address)
{
  HdMessageAddress *copy;

  g_return_val_if_fail (address != NULL, NULL);

  copy = g_new0 (HdMessageAddress, 1);
  copy->name = g_strdup (address->name);
  copy->address = g_strdup (address->address);
  return copy;
}

/**
 * hd_message_address_free:
 * @address: (nullable): an address
 */
void
hd_message_address_free (HdMessageAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->name);
  g_free (address->address);
  g_free (address);
}

/**
 * hd_message_attachment_copy:
 * @attachment: an attachment description
 *
 * Returns: (transfer full): a copy of @attachment
 */
HdMessageAttachment *
hd_message_attachment_copy (const HdMessageAttachment *attachment)
{
  HdMessageAttachment *copy;

  g_return_val_if_fail (attachment != NULL, NULL);

  copy = g_new0 (HdMessageAttachment, 1);
  *copy = *attachment;
  copy->filename = g_strdup (attachment->filename);
  copy->content_type = g_strdup (attachment->content_type);
  copy->content_id = g_strdup (attachment->content_id);
  return copy;
}

/**
 * hd_message_attachment_free:
 * @attachment: (nullable): an attachment description
 */
void
hd_message_attachment_free (HdMessageAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_free (attachment->content_id);
  g_free (attachment);
}

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

  return parse_stream (stream, bytes, borrowed, error);
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
  int fd;
  int saved_errno;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hd_message_ensure_gmime ();

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  saved_errno = errno;
  if (fd < 0)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                   _("Could not open “%s”: %s"), display, g_strerror (saved_errno));
      return NULL;
    }

  return parse_stream (g_mime_stream_fs_new (fd), NULL, NULL, error);
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
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  g_autofree char *tmp_path = NULL;
  g_autoptr(GError) local_error = NULL;
  gssize n;
  int fd;

  g_return_val_if_fail (G_IS_INPUT_STREAM (stream), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hd_message_ensure_gmime ();

  while ((n = g_input_stream_read (stream, buffer, CHUNK_SIZE, cancellable, &local_error)) > 0)
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
  while ((n = g_input_stream_read (stream, buffer, CHUNK_SIZE, cancellable, &local_error)) > 0)
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

  return parse_stream (g_mime_stream_fs_new (fd), NULL, NULL, error);
}

/**
 * hd_message_get_from:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (nullable): the first From mailbox, or %NULL when
 *   the message has no From header. A From with a name but no parsable
 *   address gives an empty @address.
 */
const HdMessageAddress *
hd_message_get_from (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->from;
}

/**
 * hd_message_get_to:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the To
 *   mailboxes in header order, groups flattened; possibly empty
 */
GPtrArray *
hd_message_get_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->to;
}

/**
 * hd_message_get_cc:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the Cc mailboxes
 */
GPtrArray *
hd_message_get_cc (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->cc;
}

/**
 * hd_message_get_reply_to:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAddress): the Reply-To
 *   mailboxes
 */
GPtrArray *
hd_message_get_reply_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->reply_to;
}

/**
 * hd_message_get_return_path:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Return-Path address, "" for the null sender
 *   `<>`, %NULL when there is no Return-Path header
 */
const char *
hd_message_get_return_path (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->return_path;
}

/**
 * hd_message_has_empty_return_path:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the Return-Path is the null sender `<>`, as on
 *   bounces and other automatic mail
 */
gboolean
hd_message_has_empty_return_path (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->empty_return_path;
}

/**
 * hd_message_get_sender_address:
 * @self: a #HdMessage
 *
 * Returns: (nullable): who sent the mail: the From address, else Sender,
 *   else the first Reply-To, else the Return-Path; %NULL if none is known
 */
const char *
hd_message_get_sender_address (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->sender_address;
}

/**
 * hd_message_get_subject:
 * @self: a #HdMessage
 *
 * Returns: the decoded subject on one line, "" when there is none
 */
const char *
hd_message_get_subject (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->subject;
}

/**
 * hd_message_get_message_id:
 * @self: a #HdMessage
 *
 * Returns: the Message-ID in angle brackets; when the message has none, a
 *   stable one derived from the SHA-256 of the raw message
 */
const char *
hd_message_get_message_id (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->message_id;
}

/**
 * hd_message_get_message_id_is_synthetic:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the Message-ID was derived from the content
 */
gboolean
hd_message_get_message_id_is_synthetic (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->message_id_is_synthetic;
}

/**
 * hd_message_get_in_reply_to:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the first id of In-Reply-To in angle brackets
 */
const char *
hd_message_get_in_reply_to (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->in_reply_to;
}

/**
 * hd_message_get_references:
 * @self: a #HdMessage
 *
 * Returns: (transfer none): the ids of References in order, each in angle
 *   brackets, without repeats; an empty array when there are none
 */
const char * const *
hd_message_get_references (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return (const char * const *) self->references;
}

/**
 * hd_message_get_date:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (nullable): the Date, in the sender's offset, or
 *   %NULL when it is missing or cannot be understood
 */
GDateTime *
hd_message_get_date (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->date;
}

/**
 * hd_message_get_auto_submitted:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Auto-Submitted header, %NULL when absent
 */
const char *
hd_message_get_auto_submitted (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->auto_submitted;
}

/**
 * hd_message_get_precedence:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the Precedence header, %NULL when absent
 */
const char *
hd_message_get_precedence (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->precedence;
}

/**
 * hd_message_get_list_id:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the List-Id header ("" if present but empty), %NULL
 *   when absent
 */
const char *
hd_message_get_list_id (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->list_id;
}

/**
 * hd_message_get_x_auto_response_suppress:
 * @self: a #HdMessage
 *
 * Returns: (nullable): the X-Auto-Response-Suppress header (Microsoft),
 *   %NULL when absent
 */
const char *
hd_message_get_x_auto_response_suppress (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->x_auto_response_suppress;
}

/* Returns the first token of a header value such as "auto-replied; x=y". */
static char *
first_token (const char *value)
{
  gsize length = strcspn (value, " \t;(,");

  return g_ascii_strdown (value, length);
}

static gboolean
has_list_token (const char *value,
                const char *token)
{
  g_auto(GStrv) items = g_strsplit_set (value, ",; \t", -1);

  for (guint i = 0; items[i] != NULL; i++)
    if (g_ascii_strcasecmp (items[i], token) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_robot_local_part (const char *address)
{
  static const char * const robots[] = {
    "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply",
    "donotreply", "do-not-reply", "do_not_reply", NULL
  };
  const char *at = strrchr (address, '@');
  g_autofree char *local = g_ascii_strdown (address, at != NULL ? at - address : -1);
  char *plus = strchr (local, '+');

  /* "noreply+bounce-123@…" is still noreply. */
  if (plus != NULL)
    *plus = '\0';
  return g_strv_contains (robots, local);
}

/**
 * hd_message_is_auto_generated:
 * @self: a #HdMessage
 * @reason: (out) (optional) (transfer full): why, in words, when it is
 *
 * Decides whether the mail was sent by a program, so that it must never be
 * answered automatically (RFC 3834 and the conventions around it):
 * Auto-Submitted other than "no"; Precedence bulk, junk or list; a List-Id;
 * X-Auto-Response-Suppress with AutoReply or All; the null Return-Path
 * `<>`; a sender whose local part is mailer-daemon, postmaster or a no-reply
 * variant.
 *
 * Returns: %TRUE when the mail is automatic
 */
gboolean
hd_message_is_auto_generated (HdMessage *self,
                              char     **reason)
{
  char *why = NULL;
  gboolean result;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);

  if (self->auto_submitted != NULL && *self->auto_submitted != '\0')
    {
      g_autofree char *token = first_token (self->auto_submitted);

      if (strcmp (token, "no") != 0)
        why = g_strdup_printf (_("Auto-Submitted is “%s”"), self->auto_submitted);
    }

  if (why == NULL && self->precedence != NULL)
    {
      g_autofree char *token = first_token (self->precedence);

      if (strcmp (token, "bulk") == 0 || strcmp (token, "junk") == 0
          || strcmp (token, "list") == 0)
        why = g_strdup_printf (_("Precedence is “%s”"), self->precedence);
    }

  if (why == NULL && self->list_id != NULL)
    why = g_strdup_printf (_("it came from a mailing list (List-Id “%s”)"), self->list_id);

  if (why == NULL && self->x_auto_response_suppress != NULL
      && (has_list_token (self->x_auto_response_suppress, "AutoReply")
          || has_list_token (self->x_auto_response_suppress, "All")))
    why = g_strdup_printf (_("X-Auto-Response-Suppress is “%s”"),
                           self->x_auto_response_suppress);

  if (why == NULL && self->empty_return_path)
    why = g_strdup (_("the Return-Path is empty (<>), as on bounces"));

  if (why == NULL && self->sender_address != NULL && is_robot_local_part (self->sender_address))
    why = g_strdup_printf (_("the sender %s is an automatic address"), self->sender_address);

  result = why != NULL;
  if (reason != NULL)
    *reason = why;
  else
    g_free (why);

  return result;
}

/**
 * hd_message_get_body_text:
 * @self: a #HdMessage
 *
 * Returns: the text a ticket step shows, in UTF-8 with LF line ends: the
 *   plain-text alternative when there is one, else the HTML as text; ""
 *   when the message has no text
 */
const char *
hd_message_get_body_text (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->body_text;
}

/**
 * hd_message_get_body_is_from_html:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when (some of) the body text was converted from HTML
 */
gboolean
hd_message_get_body_is_from_html (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->body_is_from_html;
}

/**
 * hd_message_get_body_truncated:
 * @self: a #HdMessage
 *
 * Returns: %TRUE when the body text was cut at 4 MiB
 */
gboolean
hd_message_get_body_truncated (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  return self->body_truncated;
}

/**
 * hd_message_get_attachments:
 * @self: a #HdMessage
 *
 * Returns: (transfer none) (element-type HdMessageAttachment): attachments
 *   and inline parts in MIME order; possibly empty
 */
GPtrArray *
hd_message_get_attachments (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return self->attachments;
}

static gboolean
write_gmime_stream (GMimeStream   *source,
                    GOutputStream *output,
                    GCancellable  *cancellable,
                    GError       **error)
{
  char buffer[CHUNK_SIZE];
  ssize_t n;

  while ((n = stream_read (source, buffer, sizeof buffer)) > 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (!g_output_stream_write_all (output, buffer, n, NULL, cancellable, &local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (n < 0)
    {
      g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                           _("Could not read the message content"));
      return FALSE;
    }

  return TRUE;
}

/**
 * hd_message_write_attachment:
 * @self: a #HdMessage
 * @index: the attachment's index
 * @output: where the decoded content goes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes the decoded content of an attachment, streaming it from the raw
 * message. A forwarded message (message/rfc822) is written as a message.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_message_write_attachment (HdMessage     *self,
                             guint          index,
                             GOutputStream *output,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GMimeObject *object;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (index < self->attachment_parts->len, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  object = g_ptr_array_index (self->attachment_parts, index);

  if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autoptr(GMimeStream) memory = g_mime_stream_mem_new ();

      /* GMime writes messages only to its own streams; a forwarded mail is
       * serialized in memory first. */
      if (inner != NULL && g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, memory) < 0)
        {
          g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO,
                               _("Could not serialize the attached message"));
          return FALSE;
        }
      g_mime_stream_reset (memory);
      return write_gmime_stream (memory, output, cancellable, error);
    }
  else
    {
      g_autoptr(GMimeStream) decoded = open_decoded_stream (GMIME_PART (object));

      if (decoded == NULL)
        return TRUE;
      return write_gmime_stream (decoded, output, cancellable, error);
    }
}

/**
 * hd_message_dup_attachment_bytes:
 * @self: a #HdMessage
 * @index: the attachment's index
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the decoded content of an attachment
 *   in memory; prefer hd_message_write_attachment() for large ones
 */
GBytes *
hd_message_dup_attachment_bytes (HdMessage *self,
                                 guint      index,
                                 GError   **error)
{
  g_autoptr(GOutputStream) output = NULL;

  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  g_return_val_if_fail (index < self->attachment_parts->len, NULL);

  output = g_memory_output_stream_new_resizable ();
  if (!hd_message_write_attachment (self, index, output, NULL, error))
    return NULL;
  if (!g_output_stream_close (output, NULL, error))
    return NULL;

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (output));
}

/**
 * hd_message_get_raw_size:
 * @self: a #HdMessage
 *
 * Returns: the size of the raw message in bytes
 */
guint64
hd_message_get_raw_size (HdMessage *self)
{
  gint64 length;

  g_return_val_if_fail (HD_IS_MESSAGE (self), 0);

  length = g_mime_stream_length (self->stream);
  return length > 0 ? (guint64) length : 0;
}

/**
 * hd_message_write_raw:
 * @self: a #HdMessage
 * @output: where the raw message goes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * Writes the raw message exactly as it was read, to keep it with the step.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_message_write_raw (HdMessage     *self,
                      GOutputStream *output,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GMimeStream) copy = NULL;

  g_return_val_if_fail (HD_IS_MESSAGE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_mime_stream_substream (self->stream, self->stream->bound_start,
                                  self->stream->bound_end);
  g_mime_stream_reset (copy);
  return write_gmime_stream (copy, output, cancellable, error);
}

/**
 * hd_message_get_warnings:
 * @self: a #HdMessage
 *
 * Returns: (transfer none): what was wrong with the message and repaired or
 *   worked around, one translated sentence each, for the poll log; an empty
 *   array for a well-formed message
 */
const char * const *
hd_message_get_warnings (HdMessage *self)
{
  g_return_val_if_fail (HD_IS_MESSAGE (self), NULL);
  return (const char * const *) self->warnings->pdata;
}
