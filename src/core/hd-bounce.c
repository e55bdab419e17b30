/* hd-bounce.c: recognising bounces and automatic replies.
 *
 * A bounce comes in two families: the standard report (RFC 3464,
 * multipart/report; report-type=delivery-status, as Postfix, Exchange and
 * Gmail send it) and the older shapes in which MAILER-DAEMON or postmaster
 * writes a text and attaches or quotes the mail that failed (Exim, qmail,
 * many appliances). Both name the mail that bounced, which is how the bounce
 * finds its ticket. The parser (hd-message) keeps only what a ticket shows,
 * so this file reads the message again with GMime.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-bounce.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

#include "hd-message-private.h"

typedef struct {
  HdBounce *bounce;
  gboolean is_report;
  GString *text;          /* the text parts of the bounce itself */
} Walk;

void
hd_bounce_free (HdBounce *bounce)
{
  if (bounce == NULL)
    return;
  g_free (bounce->shape);
  g_free (bounce->failed_recipient);
  g_free (bounce->status);
  g_free (bounce->diagnostic);
  g_free (bounce->original_message_id);
  g_free (bounce->original_subject);
  g_free (bounce);
}

static gboolean
is_daemon_address (const char *address)
{
  const char *at;
  g_autofree char *local = NULL;

  if (address == NULL)
    return FALSE;
  at = strchr (address, '@');
  local = g_ascii_strdown (address, at != NULL ? at - address : -1);
  return g_str_equal (local, "mailer-daemon") || g_str_equal (local, "postmaster");
}

static GMimeMessage *
parse_bytes (const char *data,
             gsize       length)
{
  /* GMime refuses a NULL buffer, which an empty part gives. */
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer (data != NULL ? data : "", length);
  GMimeParser *parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message = g_mime_parser_construct_message (parser, NULL);

  g_object_unref (parser);
  g_object_unref (stream);
  return message;
}

static char *
part_text (GMimeObject *object)
{
  GMimeDataWrapper *content;
  GMimeStream *memory;
  GByteArray *bytes;
  char *text;

  if (!GMIME_IS_PART (object))
    return NULL;
  content = g_mime_part_get_content (GMIME_PART (object));
  if (content == NULL)
    return NULL;
  memory = g_mime_stream_mem_new ();
  g_mime_data_wrapper_write_to_stream (content, memory);
  bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (memory));
  /* An empty part leaves the array without any data pointer. */
  text = bytes->len > 0 ? g_utf8_make_valid ((const char *) bytes->data, bytes->len)
                        : g_strdup ("");
  g_object_unref (memory);
  return text;
}

static char *
bracketed (const char *message_id)
{
  g_autofree char *bare = NULL;

  if (message_id == NULL || *message_id == '\0')
    return NULL;
  bare = g_strdup (message_id);
  g_strstrip (g_strdelimit (bare, "<>", ' '));
  return *bare != '\0' ? g_strdup_printf ("<%s>", bare) : NULL;
}

static void
take_original (HdBounce     *bounce,
               GMimeMessage *original)
{
  const char *subject;

  if (original == NULL || bounce->original_message_id != NULL)
    return;
  bounce->original_message_id = bracketed (g_mime_message_get_message_id (original));
  subject = g_mime_message_get_subject (original);
  if (subject != NULL && bounce->original_subject == NULL)
    bounce->original_subject = g_strdup (subject);
}

/* One block of a message/delivery-status part, as field → value (names in
 * lower case, folded lines joined). */
static GHashTable *
read_block (const char *block)
{
  GHashTable *fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = g_strsplit (block != NULL ? block : "", "\n", -1);
  g_autofree char *name = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);
      char *colon = strchr (line, ':');

      if ((*line == ' ' || *line == '\t') && name != NULL)
        {
          const char *before = g_hash_table_lookup (fields, name);

          g_hash_table_insert (fields, g_strdup (name),
                               g_strconcat (before ?: "", " ", g_strstrip (line), NULL));
          continue;
        }
      if (colon == NULL)
        continue;
      g_free (name);
      name = g_ascii_strdown (line, colon - line);
      g_strstrip (name);
      g_hash_table_insert (fields, g_strdup (name), g_strdup (g_strstrip (colon + 1)));
    }
  return fields;
}

/* The value after "type;" in "rfc822; carol@example.org". */
static char *
typed_value (const char *value)
{
  const char *semicolon = value != NULL ? strchr (value, ';') : NULL;
  char *bare;

  if (value == NULL)
    return NULL;
  bare = g_strdup (semicolon != NULL ? semicolon + 1 : value);
  return g_strstrip (g_strdelimit (bare, "<>", ' '));
}

/* The first recipient block whose action is "failed" (else the first one)
 * gives the recipient and the status. */
static void
read_delivery_status (HdBounce   *bounce,
                      const char *text)
{
  g_autofree char *unix_text = g_strdelimit (g_strdup (text), "\r", ' ');
  g_auto (GStrv) blocks = NULL;
  gboolean have_failed = FALSE;
  GRegex *blank = g_regex_new ("\n[ \t]*\n", 0, 0, NULL);

  blocks = g_regex_split (blank, unix_text, 0);
  g_regex_unref (blank);
  for (guint i = 0; blocks[i] != NULL && !have_failed; i++)
    {
      g_autoptr (GHashTable) fields = read_block (blocks[i]);
      const char *recipient = g_hash_table_lookup (fields, "final-recipient");
      const char *action = g_hash_table_lookup (fields, "action");

      if (recipient == NULL)
        recipient = g_hash_table_lookup (fields, "original-recipient");
      if (recipient == NULL)
        continue;
      have_failed = action != NULL && g_ascii_strncasecmp (action, "failed", 6) == 0;
      if (bounce->failed_recipient != NULL && !have_failed)
        continue;
      g_free (bounce->failed_recipient);
      g_free (bounce->status);
      g_free (bounce->diagnostic);
      bounce->failed_recipient = typed_value (recipient);
      bounce->status = g_strdup (g_hash_table_lookup (fields, "status"));
      bounce->diagnostic = g_strdup (g_hash_table_lookup (fields, "diagnostic-code"));
    }
}

static void
walk_cb (GMimeObject *parent,
         GMimeObject *part,
         gpointer     user_data)
{
  Walk *walk = user_data;
  GMimeContentType *type = g_mime_object_get_content_type (part);

  /* Only the parts of the bounce itself: the attached original is read
   * whole, not walked into. */
  if (parent != NULL && GMIME_IS_MESSAGE_PART (parent))
    return;

  if (GMIME_IS_MESSAGE_PART (part))
    {
      take_original (walk->bounce, g_mime_message_part_get_message (GMIME_MESSAGE_PART (part)));
      return;
    }
  if (g_mime_content_type_is_type (type, "message", "delivery-status")
      || g_mime_content_type_is_type (type, "message", "global-delivery-status"))
    {
      g_autofree char *text = part_text (part);

      if (text != NULL)
        read_delivery_status (walk->bounce, text);
      return;
    }
  if (g_mime_content_type_is_type (type, "text", "rfc822-headers"))
    {
      g_autofree char *text = part_text (part);
      GMimeMessage *headers = text != NULL ? parse_bytes (text, strlen (text)) : NULL;

      take_original (walk->bounce, headers);
      g_clear_object (&headers);
      return;
    }
  if (g_mime_content_type_is_type (type, "text", "plain") && walk->text->len < 256 * 1024)
    {
      g_autofree char *text = part_text (part);

      if (text != NULL)
        g_string_append_printf (walk->text, "%s\n", text);
    }
}

static char *
first_match (const char *pattern,
             const char *text,
             int         group)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_assert (regex != NULL);
  if (!g_regex_match (regex, text, 0, &match))
    return NULL;
  return g_match_info_fetch (match, group);
}

/* What the older shapes say in prose, and the copy of the mail they quote. */
static void
read_text (HdBounce   *bounce,
           const char *text)
{
  if (bounce->failed_recipient == NULL)
    {
      bounce->failed_recipient = first_match ("RCPT TO:\\s*<([^>@\\s]+@[^>\\s]+)>", text, 1);
      /* Exim: "The following address(es) failed:", a blank line, the address. */
      if (bounce->failed_recipient == NULL)
        bounce->failed_recipient = first_match ("failed:\\s*\\n(?:\\s*\\n)?"
                                                "\\s*<?([^\\s<>@]+@[^\\s<>:]+)>?:?\\s*$",
                                                text, 1);
      if (bounce->failed_recipient == NULL)
        bounce->failed_recipient = first_match ("^<([^>@\\s]+@[^>\\s]+)>:", text, 1);
    }
  if (bounce->status == NULL)
    {
      bounce->status = first_match ("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b", text, 1);
      if (bounce->status == NULL)
        bounce->status = first_match ("^\\s*([45]\\d\\d)[ -]", text, 1);
    }
  if (bounce->diagnostic == NULL && bounce->status != NULL)
    {
      g_autofree char *escaped = g_regex_escape_string (bounce->status, -1);
      g_autofree char *pattern = g_strdup_printf ("^\\s*(.*%s.*)$", escaped);

      bounce->diagnostic = first_match (pattern, text, 1);
      if (bounce->diagnostic != NULL)
        g_strstrip (bounce->diagnostic);
    }
  if (bounce->original_message_id == NULL)
    {
      g_autofree char *id = first_match ("^Message-ID:\\s*(<[^>\\s]+>)", text, 1);
      g_autofree char *subject = first_match ("^Subject:[ \\t]*(.*)$", text, 1);

      bounce->original_message_id = bracketed (id);
      if (subject != NULL && bounce->original_subject == NULL)
        bounce->original_subject = g_mime_utils_header_decode_text (NULL, g_strstrip (subject));
    }
}

static gboolean
is_auto_reply (HdMessage    *message,
               GMimeMessage *mime,
               char        **shape)
{
  const char *auto_submitted = hd_message_get_auto_submitted (message);
  const char *precedence = hd_message_get_precedence (message);
  const char *x_autoreply = g_mime_object_get_header (GMIME_OBJECT (mime), "X-Autoreply");
  const char *x_autorespond = g_mime_object_get_header (GMIME_OBJECT (mime), "X-Autorespond");

  if (auto_submitted != NULL && g_ascii_strncasecmp (auto_submitted, "auto-replied", 12) == 0)
    *shape = g_strdup_printf (_("Auto-Submitted is “%s”"), auto_submitted);
  else if (x_autoreply != NULL && g_ascii_strncasecmp (x_autoreply, "no", 2) != 0)
    *shape = g_strdup_printf (_("X-Autoreply is “%s”"), x_autoreply);
  else if (x_autorespond != NULL)
    *shape = g_strdup_printf (_("X-Autorespond is “%s”"), x_autorespond);
  else if (precedence != NULL && g_ascii_strncasecmp (precedence, "auto_reply", 10) == 0)
    *shape = g_strdup_printf (_("Precedence is “%s”"), precedence);
  return *shape != NULL;
}

/* The header section of the message, at most its first HEAD_SIZE bytes,
 * unfolded enough for the checks below: enough to tell whether the whole
 * message must be read again. */
#define HEAD_SIZE (64 * 1024)

static char *
dup_head (HdMessage *message)
{
  g_autofree char *buffer = g_malloc0 (HEAD_SIZE + 1);
  g_autoptr (GOutputStream) head = g_memory_output_stream_new (buffer, HEAD_SIZE, NULL, NULL);
  gsize length;
  char *end;

  /* A fixed-size stream takes what fits and then refuses the rest, which
   * is all that is wanted here. */
  hd_message_write_raw (message, head, NULL, NULL);
  length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (head));
  buffer[length] = '\0';
  end = strstr (buffer, "\r\n\r\n");
  if (end == NULL)
    end = strstr (buffer, "\n\n");
  if (end != NULL)
    *end = '\0';
  return g_steal_pointer (&buffer);
}

static gboolean
head_has (const char *head,
          const char *pattern)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_CASELESS | G_REGEX_MULTILINE, 0, NULL);

  return g_regex_match (regex, head, 0, NULL);
}

/**
 * hd_bounce_detect:
 *
 * Returns: (transfer full) (nullable): what @message says about a mail that
 *   failed or was answered automatically, or %NULL for ordinary mail
 */
HdBounce *
hd_bounce_detect (HdMessage *message)
{
  g_autoptr (GOutputStream) raw = g_memory_output_stream_new_resizable ();
  g_autoptr (HdBounce) bounce = g_new0 (HdBounce, 1);
  const HdMessageAddress *from;
  GMimeMessage *mime;
  GMimeContentType *type;
  Walk walk = { bounce, FALSE, NULL };
  gboolean from_daemon;

  g_return_val_if_fail (HD_IS_MESSAGE (message), NULL);

  /* Most mail is neither: its head says so, and it is not read again. */
  from = hd_message_get_from (message);
  from_daemon = from != NULL && is_daemon_address (from->address);
  {
    g_autofree char *head = dup_head (message);

    if (!from_daemon
        && !head_has (head, "^Content-Type:[ \\t]*multipart/report")
        && !head_has (head, "^(X-Autoreply|X-Autorespond):")
        && !(hd_message_get_auto_submitted (message) != NULL
             && g_ascii_strncasecmp (hd_message_get_auto_submitted (message), "auto-replied",
                                     12) == 0)
        && !(hd_message_get_precedence (message) != NULL
             && g_ascii_strncasecmp (hd_message_get_precedence (message), "auto_reply", 10) == 0))
      return NULL;
  }

  if (!hd_message_write_raw (message, raw, NULL, NULL) || !g_output_stream_close (raw, NULL, NULL))
    return NULL;
  hd_message_ensure_gmime ();
  mime = parse_bytes (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (raw)),
                      g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (raw)));
  if (mime == NULL)
    return NULL;

  type = g_mime_object_get_content_type (g_mime_message_get_mime_part (mime) != NULL
                                           ? g_mime_message_get_mime_part (mime)
                                           : GMIME_OBJECT (mime));
  walk.is_report = g_mime_content_type_is_type (type, "multipart", "report")
                   && g_ascii_strcasecmp (g_mime_content_type_get_parameter (type, "report-type")
                                            ?: "", "delivery-status") == 0;

  if (walk.is_report || from_daemon)
    {
      walk.text = g_string_new (NULL);
      g_mime_message_foreach (mime, walk_cb, &walk);
      read_text (bounce, walk.text->str);
      g_string_free (walk.text, TRUE);

      /* A postmaster may also write as a person; without a recipient, a
       * status or the mail that failed, it is no bounce. */
      if (walk.is_report || bounce->original_message_id != NULL
          || bounce->failed_recipient != NULL)
        {
          bounce->kind = HD_BOUNCE_DELIVERY_FAILURE;
          bounce->shape = walk.is_report
                            ? g_strdup (_("a delivery-status report"))
                            : g_strdup_printf (_("a failure notice from %s"), from->address);
        }
    }

  if (bounce->kind == HD_BOUNCE_NONE && is_auto_reply (message, mime, &bounce->shape))
    bounce->kind = HD_BOUNCE_AUTO_REPLY;

  g_object_unref (mime);
  if (bounce->kind == HD_BOUNCE_NONE)
    return NULL;
  return g_steal_pointer (&bounce);
}
