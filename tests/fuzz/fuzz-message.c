/* fuzz-message.c: HdMessage parsing of any bytes, and every getter of what
 * it parsed, with the promises hd-message.h makes checked.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"

#include <gmime/gmime.h>
#include <string.h>

#include "hd-message.h"

static void
check_text (const char *text)
{
  if (text != NULL)
    g_assert (g_utf8_validate (text, -1, NULL));
}

static void
check_addresses (GPtrArray *addresses)
{
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    {
      const HdMessageAddress *address = addresses->pdata[i];

      g_assert (address->address != NULL);
      check_text (address->name);
    }
}

/* Decodes a range of the raw mail as the store does when it reads an
 * attachment kept as a reference (hd-store-attachments.c). */
static GBytes *
decode_range (const guint8 *data,
              gsize         length,
              const char   *encoding_name)
{
  GMimeContentEncoding encoding = encoding_name != NULL
                                    ? g_mime_content_encoding_from_string (encoding_name)
                                    : GMIME_CONTENT_ENCODING_DEFAULT;
  GMimeEncoding state;
  char *out;
  gsize n;

  if (encoding != GMIME_CONTENT_ENCODING_BASE64
      && encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
    return g_bytes_new (data, length);
  g_mime_encoding_init_decode (&state, encoding);
  out = g_malloc (g_mime_encoding_outlen (&state, length) + 1);
  n = g_mime_encoding_flush (&state, (const char *) data, length, out);
  return g_bytes_new_take (out, n);
}

static void
check_attachment (HdMessage                 *message,
                  GBytes                    *raw,
                  guint                      index,
                  const HdMessageAttachment *attachment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_assert (attachment->index == index);
  /* "a safe file name: no path separators, no control characters, no
   * leading dots, never empty" */
  g_assert (attachment->filename != NULL && attachment->filename[0] != '\0');
  g_assert (attachment->filename[0] != '.');
  g_assert (strchr (attachment->filename, '/') == NULL);
  g_assert (g_utf8_validate (attachment->filename, -1, NULL));
  for (const char *p = attachment->filename; *p; p = g_utf8_next_char (p))
    g_assert (!g_unichar_iscntrl (g_utf8_get_char (p)));
  g_assert (attachment->content_type != NULL);
  for (const char *p = attachment->content_type; *p; p++)
    g_assert (!g_ascii_isupper (*p));

  bytes = hd_message_dup_attachment_bytes (message, index, &error);
  g_assert ((bytes == NULL) == (error != NULL));

  /* "-1 when it is not there as one exact piece": where it is, the range
   * lies in the raw mail and decodes to the attachment's content, which the
   * store keeps instead of a copy. */
  if (attachment->raw_offset < 0)
    g_assert (attachment->raw_length == 0);
  else
    {
      gsize raw_size = g_bytes_get_size (raw);
      g_autoptr (GBytes) decoded = NULL;

      g_assert ((guint64) attachment->raw_offset <= raw_size);
      g_assert (attachment->raw_length <= raw_size - (guint64) attachment->raw_offset);
      decoded = decode_range ((const guint8 *) g_bytes_get_data (raw, NULL)
                                + attachment->raw_offset,
                              attachment->raw_length, attachment->raw_encoding);
      g_assert (bytes != NULL);
      g_assert (g_bytes_equal (decoded, bytes));
      g_assert (g_bytes_get_size (decoded) == attachment->size);
    }
}

static void
check_message (HdMessage *message,
               GBytes    *input)
{
  const HdMessageAddress *from = hd_message_get_from (message);
  GPtrArray *attachments = hd_message_get_attachments (message);
  const char *const *references = hd_message_get_references (message);
  const char *const *warnings = hd_message_get_warnings (message);
  g_autoptr (GOutputStream) raw = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  GDateTime *date = hd_message_get_date (message);

  if (from != NULL)
    {
      g_assert (from->address != NULL);
      check_text (from->name);
    }
  check_addresses (hd_message_get_to (message));
  check_addresses (hd_message_get_cc (message));
  check_addresses (hd_message_get_reply_to (message));
  check_text (hd_message_get_subject (message));
  check_text (hd_message_get_body_text (message));
  /* Every message has an id to de-duplicate on, made up if it had none. */
  g_assert (hd_message_get_message_id (message) != NULL);
  (void) hd_message_get_message_id_is_synthetic (message);
  (void) hd_message_get_in_reply_to (message);
  for (guint i = 0; references != NULL && references[i] != NULL; i++)
    g_assert (references[i][0] != '\0');
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    check_text (warnings[i]);
  (void) hd_message_get_return_path (message);
  (void) hd_message_has_empty_return_path (message);
  (void) hd_message_get_sender_address (message);
  (void) hd_message_get_auto_submitted (message);
  (void) hd_message_get_precedence (message);
  (void) hd_message_get_list_id (message);
  (void) hd_message_get_x_auto_response_suppress (message);
  (void) hd_message_get_body_is_from_html (message);
  (void) hd_message_get_body_truncated (message);
  if (hd_message_is_auto_generated (message, &reason))
    g_assert (reason != NULL);
  if (date != NULL)
    g_free (g_date_time_format_iso8601 (date));

  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    check_attachment (message, input, i, attachments->pdata[i]);

  g_assert (hd_message_write_raw (message, raw, NULL, &error));
  g_assert (g_output_stream_close (raw, NULL, NULL));
  g_assert (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (raw))
            == hd_message_get_raw_size (message));
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) message = hd_message_new_from_bytes (bytes, &error);
  g_autofree char *text = hd_message_html_to_text ((const char *) data, size);

  check_text (text);
  if (message == NULL)
    {
      g_assert (error != NULL && error->domain == HD_MESSAGE_ERROR);
      return 0;
    }
  g_assert (error == NULL);
  check_message (message, bytes);
  return 0;
}
