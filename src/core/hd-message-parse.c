/* hd-message-parse.c: parsing a raw message into HdMessage's header fields:
 * GMime set-up, parser warnings, addresses, threading; the MIME tree is
 * walked in hd-message-mime.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

/* GMime 3.2 ships no g_autoptr support; these are the types we clean up. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeReferences, g_mime_references_free)

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

/* Parser warnings -------------------------------------------------------- */

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

  hd_message_add_warning (self, text);
}

/* Header fields ---------------------------------------------------------- */

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

/* Parsing ---------------------------------------------------------------- */

static char *
synthetic_message_id (GMimeStream *stream)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GMimeStream) copy = NULL;
  char buffer[HD_MESSAGE_CHUNK_SIZE];
  ssize_t n;

  copy = g_mime_stream_substream (stream, stream->bound_start, stream->bound_end);
  g_mime_stream_reset (copy);
  while ((n = hd_message_stream_read (copy, buffer, sizeof buffer)) > 0)
    g_checksum_update (checksum, (const guchar *) buffer, n);

  /* .invalid (RFC 2606) can never collide with a real sender's domain. */
  return g_strdup_printf ("<%s@synthetic.helpdesk-mail.invalid>",
                          g_checksum_get_string (checksum));
}

/**
 * hd_message_add_charset:
 * @self: a #HdMessage being parsed
 * @charset: a charset label the mail declares or turned out to use
 *
 * Adds @charset to the hints for guessing, once.
 */
void
hd_message_add_charset (HdMessage  *self,
                        const char *charset)
{
  if (charset == NULL || *charset == '\0' || self->charsets->len > 16)
    return;
  for (guint i = 0; i + 1 < self->charsets->len; i++)
    if (g_ascii_strcasecmp (self->charsets->pdata[i], charset) == 0)
      return;
  g_ptr_array_insert (self->charsets, self->charsets->len - 1, g_strdup (charset));
}

static void
collect_part_charsets (HdMessage   *self,
                       GMimeObject *object,
                       guint        depth,
                       guint       *parts)
{
  if (depth > HD_MESSAGE_DEPTH_MAX || ++*parts > HD_MESSAGE_PARTS_MAX)
    return;
  if (GMIME_IS_MULTIPART (object))
    {
      int n = g_mime_multipart_get_count (GMIME_MULTIPART (object));

      for (int i = 0; i < n; i++)
        collect_part_charsets (self, g_mime_multipart_get_part (GMIME_MULTIPART (object), i),
                               depth + 1, parts);
    }
  else
    hd_message_add_charset (self, g_mime_object_get_content_type_parameter (object, "charset"));
}

/* Collects the charsets the mail declares anywhere (encoded words, parts),
 * the first candidates when the bytes of a part or header need a guess. */
static void
collect_charsets (HdMessage *self)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (self->message));
  int n = g_mime_header_list_get_count (headers);
  GMimeObject *root = g_mime_message_get_mime_part (self->message);
  guint parts = 0;

  for (int i = 0; i < n && i < 200; i++)
    {
      const char *raw = g_mime_header_get_raw_value (g_mime_header_list_get_header_at (headers, i));

      for (const char *p = raw; p != NULL && (p = strstr (p, "=?")) != NULL; p += 2)
        {
          const char *end = strchr (p + 2, '?');

          if (end != NULL && end - p < 40)
            {
              g_autofree char *charset = g_strndup (p + 2, end - p - 2);

              if (strchr (charset, '*') != NULL)
                *strchr (charset, '*') = '\0';
              hd_message_add_charset (self, charset);
            }
        }
    }
  if (root != NULL)
    collect_part_charsets (self, root, 0, &parts);
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
  parsed = hd_message_address_array_new ();
  collect_addresses (parsed, list, 0);
  if (parsed->len > 0 && *((HdMessageAddress *) parsed->pdata[0])->address != '\0')
    self->return_path = g_strdup (((HdMessageAddress *) parsed->pdata[0])->address);
  else
    self->return_path = hd_message_clean_header_text (inner);
}

/* All fields called @name, raw and joined with ", " (address headers), or
 * the first (others); NULL when there is none. */
static char *
dup_raw_header (HdMessage  *self,
                const char *name,
                gboolean    join)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (self->message));
  int n = g_mime_header_list_get_count (headers);
  GString *value = NULL;

  for (int i = 0; i < n; i++)
    {
      GMimeHeader *header = g_mime_header_list_get_header_at (headers, i);
      const char *raw;

      if (g_ascii_strcasecmp (g_mime_header_get_name (header), name) != 0)
        continue;
      raw = g_mime_header_get_raw_value (header);
      if (raw == NULL)
        continue;
      if (value == NULL)
        value = g_string_new (raw);
      else
        {
          g_string_append (value, ", ");
          g_string_append (value, raw);
        }
      if (!join)
        break;
    }

  return value != NULL ? g_strstrip (g_string_free (value, FALSE)) : NULL;
}

/* Parses an address header with encoded words decoded by us, not GMime. */
static void
parse_address_header (HdMessage  *self,
                      const char *name,
                      GPtrArray  *out)
{
  g_autofree char *raw = dup_raw_header (self, name, TRUE);
  g_autofree char *prepared = NULL;
  g_autoptr(InternetAddressList) list = NULL;

  if (raw == NULL)
    return;
  prepared = hd_message_prepare_address_header (self, raw);
  list = internet_address_list_parse (self->options, prepared);
  collect_addresses (out, list, 0);
}

/* Takes what can be taken from a From header that GMime could not parse:
 * an address in angle brackets or a word with an "@", and the text before
 * it as the name. */
static HdMessageAddress *
salvage_address (HdMessage  *self,
                 const char *raw)
{
  g_autofree char *text = hd_message_decode_header (self, raw);
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  const char *open = strchr (text, '<');
  const char *close = open != NULL ? strchr (open, '>') : NULL;

  if (open != NULL)
    {
      name = g_strndup (text, open - text);
      if (close != NULL)
        address = g_strndup (open + 1, close - open - 1);
    }
  else
    {
      g_auto(GStrv) words = g_strsplit_set (text, " \t,;", -1);
      GString *rest = g_string_new (NULL);

      for (guint i = 0; words[i] != NULL; i++)
        {
          if (address == NULL && strchr (words[i], '@') != NULL)
            address = g_strdup (words[i]);
          else
            {
              if (rest->len > 0)
                g_string_append_c (rest, ' ');
              g_string_append (rest, words[i]);
            }
        }
      name = g_string_free (rest, FALSE);
    }

  if (address != NULL)
    {
      g_strstrip (g_strdelimit (address, "<>\"'", ' '));
      if (strchr (address, '@') == NULL || strchr (address, ' ') != NULL)
        g_clear_pointer (&address, g_free);
    }
  if (name != NULL)
    g_strstrip (g_strdelimit (name, "\"<>", ' '));

  return address_new (name, address);
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
  g_autoptr(GPtrArray) from = hd_message_address_array_new ();
  g_autoptr(GPtrArray) sender = hd_message_address_array_new ();
  g_autofree char *raw_from = dup_raw_header (self, "From", FALSE);

  parse_address_header (self, "From", from);
  parse_address_header (self, "To", self->to);
  parse_address_header (self, "Cc", self->cc);
  parse_address_header (self, "Reply-To", self->reply_to);
  parse_address_header (self, "Sender", sender);

  if (first_address (from) != NULL)
    {
      for (guint i = 0; i < from->len; i++)
        if (*((HdMessageAddress *) from->pdata[i])->address != '\0')
          {
            self->from = hd_message_address_copy (from->pdata[i]);
            break;
          }
    }
  else if (raw_from != NULL && *raw_from != '\0')
    {
      /* A From without a parsable address still names someone. */
      self->from = salvage_address (self, raw_from);
      if (self->from->name == NULL && *self->from->address == '\0')
        g_clear_pointer (&self->from, hd_message_address_free);
      else if (*self->from->address == '\0')
        hd_message_add_warning (self, _("The From header has no usable address"));
    }

  extract_return_path (self);

  /* Reply-To names a person more often than Sender, which is often a list
   * or a sending service. */
  if (self->from != NULL && *self->from->address != '\0')
    {
      self->sender_address = g_strdup (self->from->address);
      self->sender_source = "From";
    }
  else if (first_address (self->reply_to) != NULL)
    {
      self->sender_address = g_strdup (first_address (self->reply_to));
      self->sender_source = "Reply-To";
    }
  else if (first_address (sender) != NULL)
    {
      self->sender_address = g_strdup (first_address (sender));
      self->sender_source = "Sender";
    }
  else if (self->return_path != NULL && *self->return_path != '\0')
    {
      self->sender_address = g_strdup (self->return_path);
      self->sender_source = "Return-Path";
    }

  if (self->from == NULL)
    hd_message_add_warning (self, _("The message has no From address"));
}

/* Keeps the ids of References in order and without repeats; of very many,
 * only the first and the last few dozen: the root and the parent are what
 * threading needs, and every id costs a lookup. */
static void
extract_references (HdMessage  *self,
                    const char *references)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GMimeReferences) refs = NULL;
  int n;

  if (references != NULL)
    refs = g_mime_references_parse (self->options, references);
  n = refs != NULL ? g_mime_references_length (refs) : 0;

  for (int i = 0; i < n; i++)
    {
      char *id = normalize_message_id (g_mime_references_get_message_id (refs, i));

      if (id == NULL || g_hash_table_contains (seen, id))
        g_free (id);
      else
        {
          g_hash_table_add (seen, id);
          g_ptr_array_add (list, id);
        }
    }

  if (list->len > HD_MESSAGE_REFERENCES_HEAD + HD_MESSAGE_REFERENCES_TAIL)
    {
      g_ptr_array_remove_range (list, HD_MESSAGE_REFERENCES_HEAD,
                                list->len - HD_MESSAGE_REFERENCES_HEAD
                                - HD_MESSAGE_REFERENCES_TAIL);
      hd_message_add_warning (self, _("References names very many messages; only the first "
                                      "and the last ones were kept"));
    }

  g_ptr_array_add (list, NULL);
  self->references = (GStrv) g_ptr_array_free (g_steal_pointer (&list), FALSE);
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
      hd_message_add_warning (self,
                              _("The message has no Message-ID; one was derived from its content"));
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

  extract_references (self, references);
}

static void
extract_fields (HdMessage *self)
{
  GDateTime *date;
  g_autofree char *subject = NULL;

  extract_addresses (self);

  {
    g_autofree char *raw = dup_raw_header (self, "Subject", FALSE);
    g_autofree char *decoded = hd_message_decode_header (self, raw);

    subject = hd_message_clean_header_text (decoded);
  }
  if (subject != NULL && g_utf8_strlen (subject, -1) > HD_MESSAGE_SUBJECT_MAX)
    {
      *g_utf8_offset_to_pointer (subject, HD_MESSAGE_SUBJECT_MAX) = '\0';
      hd_message_add_warning (self, _("The subject was too long and was cut"));
    }
  self->subject = subject != NULL ? g_steal_pointer (&subject) : g_strdup ("");

  extract_threading (self);

  date = g_mime_message_get_date (self->message);
  if (date != NULL)
    self->date = g_date_time_ref (date);
  else if (g_mime_object_get_header (GMIME_OBJECT (self->message), "Date") != NULL)
    hd_message_add_warning (self, _("The Date header could not be understood"));

  self->auto_submitted = dup_header (self, "Auto-Submitted");
  self->precedence = dup_header (self, "Precedence");
  self->list_id = dup_header (self, "List-Id");
  self->x_auto_response_suppress = dup_header (self, "X-Auto-Response-Suppress");
  self->x_autoreply = dup_header (self, "X-Autoreply");
}

/**
 * hd_message_parse_stream:
 * @stream: (transfer full): the whole raw message
 * @bytes: (nullable): the bytes that @borrowed points into, kept alive with
 *   the message
 * @borrowed: (nullable) (transfer full): the array that @stream reads from
 *   without owning its data
 * @error: return location for an error
 *
 * Parses the message in @stream into a new #HdMessage; the constructors in
 * hd-message.c only prepare the stream.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL with @error set
 */
HdMessage *
hd_message_parse_stream (GMimeStream *stream,
                         GBytes      *bytes,
                         GByteArray  *borrowed,
                         GError     **error)
{
  g_autoptr(HdMessage) self = g_object_new (HD_TYPE_MESSAGE, NULL);
  g_autoptr(GMimeStream) content = NULL;
  g_autoptr(GMimeParser) parser = NULL;

  self->stream = stream;
  self->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  self->borrowed = borrowed;

  self->options = g_mime_parser_options_clone (base_options);
  g_mime_parser_options_set_warning_callback (self->options, parser_warning_cb, self);

  if (!hd_message_prepare_headers (self, stream, &content, error))
    return NULL;

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

  /* The body first: a charset it turns out to use is the best guess for
   * 8-bit headers. */
  collect_charsets (self);
  hd_message_extract_content (self);
  extract_fields (self);

  return g_steal_pointer (&self);
}
