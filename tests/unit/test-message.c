/* test-message.c: HdMessage against real and malformed mail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define LARGE_ATTACHMENT_SIZE (50 * 1024 * 1024)

static char *
fixture_path (const char *name)
{
  const char *fixtures = g_getenv ("HD_TEST_FIXTURES");

  g_assert_nonnull (fixtures);
  return g_build_filename (fixtures, "mail", name, NULL);
}

static HdMessage *
load_fixture (const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autoptr(GError) error = NULL;
  HdMessage *message;

  message = hd_message_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static HdMessage *
parse_string (const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  HdMessage *message;

  message = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static const HdMessageAddress *
address_at (GPtrArray *addresses,
            guint      index)
{
  g_assert_cmpuint (index, <, addresses->len);
  return g_ptr_array_index (addresses, index);
}

static const HdMessageAttachment *
attachment_at (HdMessage *message,
               guint      index)
{
  GPtrArray *attachments = hd_message_get_attachments (message);

  g_assert_cmpuint (index, <, attachments->len);
  return g_ptr_array_index (attachments, index);
}

static gboolean
has_warning (HdMessage  *message,
             const char *fragment)
{
  const char * const *warnings = hd_message_get_warnings (message);

  for (guint i = 0; warnings[i] != NULL; i++)
    if (strstr (warnings[i], fragment) != NULL)
      return TRUE;
  return FALSE;
}

static void
assert_attachment_bytes (HdMessage  *message,
                         guint       index,
                         const void *expected,
                         gsize       expected_length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = hd_message_dup_attachment_bytes (message, index, &error);
  gsize length = 0;
  const void *data;

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &length);
  g_assert_cmpmem (data, length, expected, expected_length);
  g_assert_cmpuint (attachment_at (message, index)->size, ==, expected_length);
}

/* Well-formed mail -------------------------------------------------------- */

static void
test_plain_ascii (void)
{
  g_autoptr(HdMessage) message = load_fixture ("plain-ascii.eml");
  const HdMessageAddress *from = hd_message_get_from (message);
  GPtrArray *to = hd_message_get_to (message);
  GPtrArray *cc = hd_message_get_cc (message);
  GPtrArray *reply_to = hd_message_get_reply_to (message);
  const char * const *references = hd_message_get_references (message);
  GDateTime *date = hd_message_get_date (message);
  g_autofree char *iso = NULL;
  g_autofree char *reason = NULL;

  g_assert_nonnull (from);
  g_assert_cmpstr (from->name, ==, "Alice Example");
  g_assert_cmpstr (from->address, ==, "alice@example.org");

  /* Groups are flattened; a quoted name with a comma stays one name. */
  g_assert_cmpuint (to->len, ==, 4);
  g_assert_cmpstr (address_at (to, 0)->name, ==, "Support");
  g_assert_cmpstr (address_at (to, 0)->address, ==, "support@example.com");
  g_assert_null (address_at (to, 1)->name);
  g_assert_cmpstr (address_at (to, 1)->address, ==, "bob@example.com");
  g_assert_cmpstr (address_at (to, 2)->address, ==, "carol@example.net");
  g_assert_cmpstr (address_at (to, 3)->name, ==, "Dave, D.");
  g_assert_cmpstr (address_at (to, 3)->address, ==, "dave@example.net");

  g_assert_cmpuint (cc->len, ==, 1);
  g_assert_cmpstr (address_at (cc, 0)->address, ==, "erin@example.org");
  g_assert_cmpuint (reply_to->len, ==, 1);
  g_assert_cmpstr (address_at (reply_to, 0)->name, ==, "Alice Replies");
  g_assert_cmpstr (address_at (reply_to, 0)->address, ==, "alice+replies@example.org");

  g_assert_cmpstr (hd_message_get_return_path (message), ==, "alice@example.org");
  g_assert_false (hd_message_has_empty_return_path (message));
  g_assert_cmpstr (hd_message_get_sender_address (message), ==, "alice@example.org");

  /* The folded subject is unfolded onto one line. */
  g_assert_cmpstr (hd_message_get_subject (message), ==, "Printer on the second floor is broken");
  g_assert_cmpstr (hd_message_get_message_id (message), ==,
                   "<20240304091500.1234@mail.example.org>");
  g_assert_false (hd_message_get_message_id_is_synthetic (message));
  g_assert_cmpstr (hd_message_get_in_reply_to (message), ==, "<prev-1@example.com>");

  /* References keep their order and lose the repeat. */
  g_assert_cmpuint (g_strv_length ((GStrv) references), ==, 2);
  g_assert_cmpstr (references[0], ==, "<root-0@example.com>");
  g_assert_cmpstr (references[1], ==, "<prev-1@example.com>");

  g_assert_nonnull (date);
  iso = g_date_time_format_iso8601 (date);
  g_assert_cmpstr (iso, ==, "2024-03-04T09:15:00+01");
  g_assert_cmpint (g_date_time_to_unix (date), ==, 1709540100);

  /* CRLF line ends become LF. */
  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "Hello,\n\nthe printer on the second floor prints only blank pages.\n\nAlice\n");
  g_assert_false (hd_message_get_body_is_from_html (message));
  g_assert_false (hd_message_get_body_truncated (message));
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 0);

  g_assert_false (hd_message_is_auto_generated (message, &reason));
  g_assert_null (reason);
  g_assert_null (hd_message_get_auto_submitted (message));
  g_assert_null (hd_message_get_precedence (message));
  g_assert_null (hd_message_get_list_id (message));
  g_assert_null (hd_message_get_x_auto_response_suppress (message));
  g_assert_cmpstr (hd_message_get_warnings (message)[0], ==, NULL);
}

typedef struct
{
  const char *fixture;
  const char *subject;
  const char *body;
} SubjectCase;

static void
test_subject_charset (gconstpointer data)
{
  const SubjectCase *c = data;
  g_autoptr(HdMessage) message = load_fixture (c->fixture);

  g_assert_cmpstr (hd_message_get_subject (message), ==, c->subject);
  if (c->body != NULL)
    g_assert_cmpstr (hd_message_get_body_text (message), ==, c->body);
}

static void
test_subject_utf8_display_name (void)
{
  g_autoptr(HdMessage) message = load_fixture ("subject-utf8.eml");
  GPtrArray *cc = hd_message_get_cc (message);

  g_assert_cmpuint (cc->len, ==, 1);
  g_assert_cmpstr (address_at (cc, 0)->name, ==, "Jörg Müller");
  g_assert_cmpstr (address_at (cc, 0)->address, ==, "joerg@example.de");
}

static void
test_subject_broken_encoded_word (void)
{
  g_autoptr(HdMessage) message = load_fixture ("subject-broken-encoded-word.eml");
  const char *subject = hd_message_get_subject (message);

  /* The good word is decoded, the unterminated one is kept as written, and
   * whatever the broken one becomes is valid UTF-8 on one line. */
  g_assert_true (g_utf8_validate (subject, -1, NULL));
  g_assert_true (g_str_has_prefix (subject, "Café"));
  g_assert_true (g_str_has_suffix (subject, "=?UTF-8?Q?unterminated_word"));
  g_assert_null (strchr (subject, '\n'));
  for (const char *p = subject; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Body.\n");
}

static void
test_unknown_charset (void)
{
  g_autoptr(HdMessage) message = load_fixture ("unknown-charset.eml");

  /* Neither the header nor the body charset is known to iconv. */
  g_assert_cmpstr (hd_message_get_subject (message), ==, "Hallo Welt");
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Café crème\n");
}

static void
test_wrong_charset (void)
{
  g_autoptr(HdMessage) message = load_fixture ("wrong-charset.eml");

  /* Declared UTF-8 but sent as latin-1: no byte is dropped. */
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Grüße aus Köln\n");
}

static void
test_8bit_headers_latin1 (void)
{
  g_autoptr(HdMessage) message = load_fixture ("headers-8bit-latin1.eml");
  const HdMessageAddress *from = hd_message_get_from (message);

  g_assert_cmpstr (hd_message_get_subject (message), ==, "Grüße aus Köln – schöne Woche");
  g_assert_nonnull (from);
  g_assert_cmpstr (from->name, ==, "Jörg Müller");
  g_assert_cmpstr (from->address, ==, "joerg@example.de");
  g_assert_true (has_warning (message, "8-bit"));
}

static void
test_8bit_headers_utf8 (void)
{
  g_autoptr(HdMessage) message = load_fixture ("headers-8bit-utf8.eml");
  const HdMessageAddress *from = hd_message_get_from (message);

  g_assert_cmpstr (hd_message_get_subject (message), ==, "Ångström — naïve café");
  g_assert_nonnull (from);
  g_assert_cmpstr (from->name, ==, "Zoë Åström");
}

static void
test_alternative_prefers_plain (void)
{
  g_autoptr(HdMessage) message = load_fixture ("alternative.eml");

  /* Quoted-printable latin-1, decoded; the HTML alternative is not added. */
  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "Hallo,\nder Drucker druckt nur leere Seiten. Grüße\n");
  g_assert_false (hd_message_get_body_is_from_html (message));
  g_assert_null (strstr (hd_message_get_body_text (message), "HTML version"));
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 0);
}

static void
test_html_only (void)
{
  g_autoptr(HdMessage) message = load_fixture ("html-only.eml");

  g_assert_true (hd_message_get_body_is_from_html (message));
  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "Order confirmation\n"
                   "\n"
                   "Dear customer, your order & invoice:\n"
                   "\n"
                   "- One <item>\n"
                   "- Two € ☺ €\n"
                   "\n"
                   "Line one\n"
                   "Line two\n"
                   "Café – done\n"
                   "\n"
                   "Click here <https://example.com/track?a=1&b=2>");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 0);
}

static void
test_nested_attachments (void)
{
  g_autoptr(HdMessage) message = load_fixture ("nested-attachments.eml");
  GPtrArray *attachments = hd_message_get_attachments (message);
  const HdMessageAttachment *a;
  guint8 all_bytes[256];
  g_autoptr(GBytes) forwarded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) output = NULL;
  gsize length = 0;
  const char *text;

  /* The plain alternative wins over multipart/related HTML. */
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "See the attached files.");
  g_assert_cmpuint (attachments->len, ==, 7);

  a = attachment_at (message, 0);
  g_assert_cmpuint (a->index, ==, 0);
  g_assert_cmpstr (a->filename, ==, "attachment-1.png");
  g_assert_cmpstr (a->content_type, ==, "image/png");
  g_assert_true (a->is_inline);
  g_assert_cmpstr (a->content_id, ==, "logo@x");
  g_assert_cmpuint (a->size, ==, 70);

  a = attachment_at (message, 1);
  g_assert_cmpstr (a->filename, ==, "passwd");
  g_assert_cmpstr (a->content_type, ==, "text/plain");
  g_assert_false (a->is_inline);
  g_assert_null (a->content_id);
  assert_attachment_bytes (message, 1, "root:x:0:0", 10);

  /* RFC 2231 name in UTF-8, percent-encoded. */
  a = attachment_at (message, 2);
  g_assert_cmpstr (a->filename, ==, "€ Rechnung März.pdf");
  g_assert_cmpstr (a->content_type, ==, "application/pdf");
  assert_attachment_bytes (message, 2, "%PDF-1.4 fake\n", 14);

  /* BEL, ESC and LF were encoded into the name; none survives. */
  a = attachment_at (message, 3);
  g_assert_cmpstr (a->filename, ==, "evilname.txt");

  /* A Windows path with a hidden file: no directories, no leading dot. */
  a = attachment_at (message, 4);
  g_assert_cmpstr (a->filename, ==, "hidden.exe");

  a = attachment_at (message, 5);
  g_assert_cmpstr (a->filename, ==, "attachment-6.bin");
  g_assert_cmpstr (a->content_type, ==, "application/octet-stream");
  for (guint i = 0; i < 256; i++)
    all_bytes[i] = (guint8) i;
  assert_attachment_bytes (message, 5, all_bytes, sizeof all_bytes);

  /* A forwarded mail is named after its subject and written as a message. */
  a = attachment_at (message, 6);
  g_assert_cmpstr (a->filename, ==, "Original problem.eml");
  g_assert_cmpstr (a->content_type, ==, "message/rfc822");
  forwarded = hd_message_dup_attachment_bytes (message, 6, &error);
  g_assert_no_error (error);
  text = g_bytes_get_data (forwarded, &length);
  g_assert_cmpuint (length, ==, a->size);
  g_assert_nonnull (g_strstr_len (text, length, "Subject: Original problem"));
  g_assert_nonnull (g_strstr_len (text, length, "The forwarded text."));

  /* Writing to a stream gives the same bytes as the in-memory copy. */
  output = g_memory_output_stream_new_resizable ();
  g_assert_true (hd_message_write_attachment (message, 0, output, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (output, NULL, &error));
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)), ==, 70);
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)), 8,
                   "\x89PNG\r\n\x1a\n", 8);
}

static void
test_format_flowed (void)
{
  g_autoptr(HdMessage) message = load_fixture ("format-flowed.eml");
  g_autoptr(HdMessage) delsp = parse_string ("From: a@example.org\n"
                                             "Content-Type: text/plain; format=flowed; delsp=yes\n\n"
                                             "Donaudampf \nschiff \nfahrt\n");
  g_autoptr(HdMessage) fixed = parse_string ("From: a@example.org\n"
                                             "Content-Type: text/plain\n\n"
                                             "kept \nas is\n");

  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "This is a long paragraph that the mailer wrapped at the margin.\n"
                   "> quoted text that was wrapped too.\n"
                   "From stuffed line.\n"
                   "Not joined with quote.\n"
                   "\n"
                   "-- \n"
                   "Sig\n");
  g_assert_cmpstr (hd_message_get_body_text (delsp), ==, "Donaudampfschifffahrt\n");
  g_assert_cmpstr (hd_message_get_body_text (fixed), ==, "kept \nas is\n");
}

/* Malformed mail ---------------------------------------------------------- */

static void
test_broken_boundary (void)
{
  g_autoptr(HdMessage) message = load_fixture ("broken-boundary.eml");
  const HdMessageAttachment *a;

  /* The boundary in the body differs from the declared one; the parts are
   * recovered instead of ending up as one blob. */
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "The real text.");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 1);
  a = attachment_at (message, 0);
  g_assert_cmpstr (a->filename, ==, "report.pdf");
  g_assert_cmpstr (a->content_type, ==, "application/pdf");
  assert_attachment_bytes (message, 0, "%PDF-1.4", 8);
  g_assert_true (has_warning (message, "boundary"));
}

static void
test_no_boundary_at_all (void)
{
  g_autoptr(HdMessage) message = load_fixture ("no-boundary-at-all.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "Just text, the sender's mailer forgot the parts.\n");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 0);
}

static void
test_no_end_boundary (void)
{
  g_autoptr(HdMessage) message = load_fixture ("no-end-boundary.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==, "First part.");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 1);
  g_assert_cmpstr (attachment_at (message, 0)->filename, ==, "data.bin");
  assert_attachment_bytes (message, 0, "0123456789", 10);
  g_assert_true (has_warning (message, "truncated"));
}

static void
test_empty_body (void)
{
  g_autoptr(HdMessage) empty = load_fixture ("empty-body.eml");
  g_autoptr(HdMessage) headers_only = load_fixture ("headers-only.eml");

  g_assert_cmpstr (hd_message_get_subject (empty), ==, "empty");
  g_assert_cmpstr (hd_message_get_body_text (empty), ==, "");
  g_assert_cmpuint (hd_message_get_attachments (empty)->len, ==, 0);

  g_assert_cmpstr (hd_message_get_subject (headers_only), ==, "only headers");
  g_assert_cmpstr (hd_message_get_message_id (headers_only), ==, "<ho@example.org>");
  g_assert_cmpstr (hd_message_get_body_text (headers_only), ==, "");
}

static void
test_no_from (void)
{
  g_autoptr(HdMessage) message = load_fixture ("no-from.eml");
  g_autoptr(HdMessage) reply_to_only = NULL;

  g_assert_null (hd_message_get_from (message));
  g_assert_null (hd_message_get_sender_address (message));
  g_assert_cmpstr (hd_message_get_subject (message), ==, "who am I");
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Anonymous text.\n");
  g_assert_true (has_warning (message, "From"));

  /* Without From, the sender is taken from the next header that names one. */
  reply_to_only = parse_string ("Reply-To: Helper <helper@example.org>\n"
                                "Subject: s\n\nx\n");
  g_assert_null (hd_message_get_from (reply_to_only));
  g_assert_cmpstr (hd_message_get_sender_address (reply_to_only), ==, "helper@example.org");
}

static void
test_no_message_id (void)
{
  g_autoptr(HdMessage) message = load_fixture ("no-message-id.eml");
  g_autofree char *path = fixture_path ("no-message-id.eml");
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(HdMessage) again = NULL;
  g_autoptr(HdMessage) changed = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = hd_message_get_message_id (message);

  g_assert_true (hd_message_get_message_id_is_synthetic (message));
  g_assert_true (g_str_has_prefix (id, "<"));
  g_assert_true (g_str_has_suffix (id, "@synthetic.helpdesk-mail.invalid>"));
  g_assert_cmpuint (strlen (id), ==, 1 + 64 + strlen ("@synthetic.helpdesk-mail.invalid>"));

  /* Stable: the same bytes, read another way, give the same id. */
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  bytes = g_bytes_new (contents, length);
  again = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_message_get_message_id (again), ==, id);

  /* Different bytes, different id. */
  contents[length - 2] = '!';
  changed = parse_string (contents);
  g_assert_true (hd_message_get_message_id_is_synthetic (changed));
  g_assert_cmpstr (hd_message_get_message_id (changed), !=, id);

  /* The unparseable Date is absent, not invented. */
  g_assert_null (hd_message_get_date (message));
  g_assert_true (has_warning (message, "Date"));
}

static void
test_message_id_normalized (void)
{
  g_autoptr(HdMessage) bare = parse_string ("From: a@example.org\nMessage-ID: abc@example.org\n\nx\n");
  g_autoptr(HdMessage) spaced = parse_string ("From: a@example.org\nMessage-Id:   <def@example.org>  (c)\n"
                                              "In-Reply-To: junk without brackets\n\nx\n");

  g_assert_cmpstr (hd_message_get_message_id (bare), ==, "<abc@example.org>");
  g_assert_false (hd_message_get_message_id_is_synthetic (bare));
  g_assert_cmpstr (hd_message_get_message_id (spaced), ==, "<def@example.org>");
  g_assert_cmpuint (g_strv_length ((GStrv) hd_message_get_references (spaced)), ==, 0);
}

static void
test_leading_blank_lines (void)
{
  g_autoptr(HdMessage) message = load_fixture ("leading-blank-lines.eml");

  g_assert_cmpstr (hd_message_get_subject (message), ==, "after blank lines");
  g_assert_cmpstr (hd_message_get_sender_address (message), ==, "h@example.org");
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Text.\n");
}

static void
test_not_a_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) blank = g_bytes_new_static ("\r\n \n\t\n", 6);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("\x01\x02garbage\xff\xfe", 11);
  g_autoptr(GInputStream) empty_stream = g_memory_input_stream_new ();
  HdMessage *message;

  message = hd_message_new_from_bytes (empty, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY);
  g_assert_cmpstr (error->message, ==, "The message is empty");
  g_clear_error (&error);

  message = hd_message_new_from_bytes (blank, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY);
  g_clear_error (&error);

  message = hd_message_new_from_stream (empty_stream, NULL, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY);
  g_clear_error (&error);

  message = hd_message_new_from_bytes (garbage, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_MESSAGE);
  g_assert_nonnull (strstr (error->message, "not an e-mail message"));
  g_clear_error (&error);

  message = hd_message_new_from_file ("/nonexistent/dir/mail.eml", &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/mail.eml"));
}

/* Every fixture, fed in every way, parses without a warning or a crash. */
static void
test_all_fixtures_every_way (void)
{
  g_autofree char *dir_path = fixture_path ("");
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint count = 0;

  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GInputStream) input = NULL;
      g_autoptr(HdMessage) from_file = NULL;
      g_autoptr(HdMessage) from_bytes = NULL;
      g_autoptr(HdMessage) from_stream = NULL;
      g_autoptr(GOutputStream) raw = NULL;

      if (!g_str_has_suffix (name, ".eml"))
        continue;

      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      bytes = g_bytes_new (contents, length);
      input = g_memory_input_stream_new_from_bytes (bytes);

      from_file = hd_message_new_from_file (path, &error);
      g_assert_no_error (error);
      from_bytes = hd_message_new_from_bytes (bytes, &error);
      g_assert_no_error (error);
      from_stream = hd_message_new_from_stream (input, NULL, &error);
      g_assert_no_error (error);

      g_assert_cmpstr (hd_message_get_subject (from_file), ==, hd_message_get_subject (from_bytes));
      g_assert_cmpstr (hd_message_get_subject (from_file), ==, hd_message_get_subject (from_stream));
      g_assert_cmpstr (hd_message_get_message_id (from_file), ==,
                       hd_message_get_message_id (from_stream));
      g_assert_cmpstr (hd_message_get_body_text (from_file), ==,
                       hd_message_get_body_text (from_bytes));
      g_assert_true (g_utf8_validate (hd_message_get_body_text (from_file), -1, NULL));
      g_assert_true (g_utf8_validate (hd_message_get_subject (from_file), -1, NULL));
      g_assert_cmpuint (hd_message_get_attachments (from_file)->len, ==,
                        hd_message_get_attachments (from_stream)->len);

      /* The raw message comes back byte for byte, to be kept with the step. */
      g_assert_cmpuint (hd_message_get_raw_size (from_file), ==, length);
      raw = g_memory_output_stream_new_resizable ();
      g_assert_true (hd_message_write_raw (from_bytes, raw, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_output_stream_close (raw, NULL, NULL));
      g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (raw)),
                       g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (raw)),
                       contents, length);
      count++;
    }

  g_assert_cmpuint (count, >=, 20);
}

/* Parses @data and checks what every parse must give: an error of the
 * right kind, or a message whose text is valid UTF-8 and whose attachments
 * can be read back at their stated size. */
static void
check_parse_is_sane (const char *data,
                     gsize       length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(HdMessage) message = hd_message_new_from_bytes (bytes, &error);
  GPtrArray *attachments;

  if (message == NULL)
    {
      g_assert_true (g_error_matches (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY)
                     || g_error_matches (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_MESSAGE));
      return;
    }

  g_assert_true (g_utf8_validate (hd_message_get_subject (message), -1, NULL));
  g_assert_true (g_utf8_validate (hd_message_get_body_text (message), -1, NULL));
  g_assert_true (g_str_has_prefix (hd_message_get_message_id (message), "<"));
  attachments = hd_message_get_attachments (message);
  for (guint i = 0; i < attachments->len; i++)
    {
      const HdMessageAttachment *a = g_ptr_array_index (attachments, i);
      g_autoptr(GBytes) content = hd_message_dup_attachment_bytes (message, i, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (content), ==, a->size);
      g_assert_cmpstr (a->filename, !=, "");
      g_assert_null (strchr (a->filename, '/'));
      g_assert_null (strchr (a->filename, '\\'));
      g_assert_true (a->filename[0] != '.');
    }
}

/* Truncated and corrupted copies of every fixture: none may crash. */
static void
test_mutations (void)
{
  static const char * const names[] = {
    "nested-attachments.eml", "alternative.eml", "html-only.eml", "broken-boundary.eml",
    "plain-ascii.eml", "subject-iso2022jp.eml", "no-end-boundary.eml", NULL
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240304);

  for (guint n = 0; names[n] != NULL; n++)
    {
      g_autofree char *path = fixture_path (names[n]);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));

      for (gsize cut = 0; cut <= length; cut += 5)
        check_parse_is_sane (contents, cut);

      for (guint round = 0; round < 150; round++)
        {
          g_autofree char *copy = g_memdup2 (contents, length);
          guint flips = g_rand_int_range (rand, 1, 12);

          for (guint f = 0; f < flips; f++)
            {
              static const char specials[] = "\r\n-:;=\"<>\\?\x00\xff";
              gsize at = g_rand_int_range (rand, 0, length);

              copy[at] = g_rand_boolean (rand)
                         ? specials[g_rand_int_range (rand, 0, sizeof specials - 1)]
                         : (char) g_rand_int_range (rand, 0, 256);
            }
          check_parse_is_sane (copy, length);
        }
    }
}

/* Auto-generated mail (RFC 3834) ------------------------------------------ */

typedef struct
{
  const char *headers;
  gboolean    automatic;
  const char *reason_fragment;
} AutoCase;

static const AutoCase auto_cases[] = {
  { "From: a@example.org\n", FALSE, NULL },
  { "From: a@example.org\nAuto-Submitted: no\n", FALSE, NULL },
  { "From: a@example.org\nAuto-Submitted: auto-replied\n", TRUE, "Auto-Submitted" },
  { "From: a@example.org\nAuto-Submitted: auto-generated; owner=x\n", TRUE, "auto-generated" },
  { "From: a@example.org\nAuto-Submitted: No (comment)\n", FALSE, NULL },
  { "From: a@example.org\nPrecedence: bulk\n", TRUE, "Precedence" },
  { "From: a@example.org\nPrecedence: junk\n", TRUE, "junk" },
  { "From: a@example.org\nPrecedence: LIST\n", TRUE, "LIST" },
  { "From: a@example.org\nPrecedence: first-class\n", FALSE, NULL },
  { "From: a@example.org\nList-Id: Users <users.lists.example.org>\n", TRUE, "users.lists.example.org" },
  { "From: a@example.org\nX-Auto-Response-Suppress: OOF, AutoReply\n", TRUE, "X-Auto-Response-Suppress" },
  { "From: a@example.org\nX-Auto-Response-Suppress: All\n", TRUE, "All" },
  { "From: a@example.org\nX-Auto-Response-Suppress: OOF\n", FALSE, NULL },
  { "From: a@example.org\nX-Auto-Response-Suppress: DR, RN\n", FALSE, NULL },
  { "From: a@example.org\nReturn-Path: <>\n", TRUE, "Return-Path" },
  { "From: a@example.org\nReturn-Path: < >\n", TRUE, "Return-Path" },
  { "From: a@example.org\nReturn-Path: <bounce@example.org>\n", FALSE, NULL },
  { "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n", TRUE, "MAILER-DAEMON" },
  { "From: postmaster@example.org\n", TRUE, "postmaster" },
  { "From: Shop <no-reply@shop.example>\n", TRUE, "no-reply" },
  { "From: noreply@example.org\n", TRUE, "noreply" },
  { "From: NoReply+bounce-42@example.org\n", TRUE, "NoReply" },
  { "From: do-not-reply@example.org\n", TRUE, "do-not-reply" },
  { "From: reply@example.org\n", FALSE, NULL },
  { "From: noreplying@example.org\n", FALSE, NULL },
  { "Sender: mailer-daemon@example.org\n", TRUE, "mailer-daemon" },
};

static void
test_auto_generated (gconstpointer data)
{
  const AutoCase *c = data;
  g_autofree char *text = g_strconcat (c->headers, "Subject: s\nMessage-ID: <a@b>\n\nBody\n", NULL);
  g_autoptr(HdMessage) message = parse_string (text);
  g_autofree char *reason = NULL;
  gboolean automatic;

  automatic = hd_message_is_auto_generated (message, &reason);
  g_assert_cmpint (automatic, ==, c->automatic);
  if (c->automatic)
    {
      g_assert_nonnull (reason);
      g_assert_nonnull (strstr (reason, c->reason_fragment));
    }
  else
    g_assert_null (reason);

  /* The reason is optional. */
  g_assert_cmpint (hd_message_is_auto_generated (message, NULL), ==, c->automatic);
}

static void
test_auto_header_getters (void)
{
  g_autoptr(HdMessage) message = parse_string ("From: a@example.org\n"
                                               "Auto-Submitted: auto-replied\n"
                                               "Precedence: bulk\n"
                                               "List-Id:\n"
                                               "X-Auto-Response-Suppress: All\n"
                                               "Return-Path: <>\n\nx\n");

  g_assert_cmpstr (hd_message_get_auto_submitted (message), ==, "auto-replied");
  g_assert_cmpstr (hd_message_get_precedence (message), ==, "bulk");
  g_assert_cmpstr (hd_message_get_list_id (message), ==, "");
  g_assert_cmpstr (hd_message_get_x_auto_response_suppress (message), ==, "All");
  g_assert_cmpstr (hd_message_get_return_path (message), ==, "");
  g_assert_true (hd_message_has_empty_return_path (message));
}

/* Input paths ------------------------------------------------------------- */

/* Builds a message with one binary attachment of @size bytes whose content
 * is a simple function of the offset, in memory. */
static GBytes *
build_message_with_attachment (gsize size)
{
  GString *text = g_string_new ("From: big@example.org\r\n"
                                "Subject: big\r\n"
                                "Message-ID: <big@example.org>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=\"BIG\"\r\n\r\n"
                                "--BIG\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
                                "--BIG\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Disposition: attachment; filename=big.bin\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n");
  g_autofree guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) ((i * 7) ^ (i >> 8));
  for (gsize i = 0; i < size; i += 57)
    {
      g_autofree char *line = g_base64_encode (data + i, MIN (57, size - i));

      g_string_append (text, line);
      g_string_append (text, "\r\n");
    }
  g_string_append (text, "--BIG--\r\n");

  return g_string_free_to_bytes (text);
}

static void
test_stream_spooled (void)
{
  gsize size = 3 * 1024 * 1024;
  g_autoptr(GBytes) raw = build_message_with_attachment (size);
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_bytes (raw);
  g_autoptr(GError) error = NULL;
  g_autoptr(HdMessage) message = NULL;
  g_autoptr(GBytes) content = NULL;
  const guint8 *data;
  gsize length = 0;

  /* Larger than the in-memory threshold: read through a temporary file. */
  message = hd_message_new_from_stream (input, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "see attachment");
  g_assert_cmpuint (hd_message_get_raw_size (message), ==, g_bytes_get_size (raw));
  g_assert_cmpuint (attachment_at (message, 0)->size, ==, size);

  content = hd_message_dup_attachment_bytes (message, 0, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (content, &length);
  g_assert_cmpuint (length, ==, size);
  for (gsize i = 0; i < size; i += 4099)
    g_assert_cmpuint (data[i], ==, (guint8) ((i * 7) ^ (i >> 8)));
}

static gpointer
parse_thread (gpointer data)
{
  static const char * const names[] = {
    "plain-ascii.eml", "nested-attachments.eml", "subject-iso2022jp.eml",
    "broken-boundary.eml", "html-only.eml", NULL
  };

  for (guint round = 0; round < 20; round++)
    for (guint i = 0; names[i] != NULL; i++)
      {
        g_autoptr(HdMessage) message = load_fixture (names[i]);

        g_assert_true (g_utf8_validate (hd_message_get_body_text (message), -1, NULL));
      }

  return NULL;
}

static void
test_threads (void)
{
  GThread *threads[4];

  /* GMime is initialized once, by whichever thread comes first. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("parse", parse_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

/* A 50 MB attachment ------------------------------------------------------ */

static gint64
read_status_kib (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, field);
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen (field), NULL, 10);
}

/* Resets the peak RSS so that the next reading measures only what follows;
 * where the kernel refuses, the current RSS is the best baseline. */
static gint64
reset_peak_rss_kib (void)
{
  int fd = g_open ("/proc/self/clear_refs", O_WRONLY, 0);
  gboolean reset = fd >= 0 && write (fd, "5", 1) == 1;

  if (fd >= 0)
    close (fd);
  if (!reset)
    return MAX (read_status_kib ("VmHWM:"), read_status_kib ("VmRSS:"));
  return read_status_kib ("VmRSS:");
}

/* Writes a message with a LARGE_ATTACHMENT_SIZE attachment to @path a line
 * at a time, so the test itself never holds it; returns the SHA-256 of the
 * attachment's decoded content. */
static char *
write_large_message (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) file_output = NULL;
  g_autoptr(GOutputStream) output = NULL;
  guint8 chunk[57 * 1024];
  char line[80];
  gsize offset = 0;
  static const char header[] =
    "From: Big Sender <big@example.org>\r\n"
    "To: support@example.com\r\n"
    "Subject: =?UTF-8?Q?Gro=C3=9Fe_Datei?=\r\n"
    "Message-ID: <large@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"LARGE\"\r\n\r\n"
    "--LARGE\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe disk image.\r\n"
    "--LARGE\r\nContent-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"disk.img\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n";

  file_output = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  output = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (file_output), 256 * 1024);
  g_assert_true (g_output_stream_write_all (output, header, strlen (header), NULL, NULL, &error));

  while (offset < LARGE_ATTACHMENT_SIZE)
    {
      gsize n = MIN (sizeof chunk, LARGE_ATTACHMENT_SIZE - offset);

      for (gsize i = 0; i < n; i++)
        chunk[i] = (guint8) (((offset + i) * 2654435761u) >> 13);
      g_checksum_update (checksum, chunk, n);

      for (gsize i = 0; i < n; i += 57)
        {
          gint state = 0;
          gint save = 0;
          gsize length = g_base64_encode_step (chunk + i, MIN (57, n - i), FALSE, line, &state, &save);

          length += g_base64_encode_close (FALSE, line + length, &state, &save);
          line[length++] = '\r';
          line[length++] = '\n';
          g_assert_true (g_output_stream_write_all (output, line, length, NULL, NULL, &error));
        }
      offset += n;
    }

  g_assert_true (g_output_stream_write_all (output, "--LARGE--\r\n", 11, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (output, NULL, &error));
  g_assert_no_error (error);

  return g_strdup (g_checksum_get_string (checksum));
}

static char *
checksum_file (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) input = g_file_read (file, NULL, &error);
  guint8 buffer[64 * 1024];
  gssize n;

  g_assert_no_error (error);
  while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer, NULL, &error)) > 0)
    g_checksum_update (checksum, buffer, n);
  g_assert_no_error (error);

  return g_strdup (g_checksum_get_string (checksum));
}

static void
test_large_attachment (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hd-message-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "large.eml", NULL);
  g_autofree char *out_path = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *written = NULL;
  g_autoptr(HdMessage) message = NULL;
  g_autoptr(GFile) out_file = NULL;
  g_autoptr(GFileOutputStream) output = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(HdMessage) from_bytes = NULL;
  const HdMessageAttachment *a;
  gint64 base_kib;
  gint64 growth_kib;
  guint64 raw_size;

  g_assert_no_error (error);
  expected = write_large_message (path);

  /* From a file: the parser leaves the attachment in the file. */
  base_kib = reset_peak_rss_kib ();
  message = hd_message_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_message_get_subject (message), ==, "Große Datei");
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "The disk image.");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 1);
  a = attachment_at (message, 0);
  g_assert_cmpstr (a->filename, ==, "disk.img");
  g_assert_cmpuint (a->size, ==, LARGE_ATTACHMENT_SIZE);

  out_file = g_file_new_for_path (out_path);
  output = g_file_replace (out_file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (hd_message_write_attachment (message, 0, G_OUTPUT_STREAM (output), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (output), NULL, &error));

  growth_kib = read_status_kib ("VmHWM:") - base_kib;
  g_test_message ("peak RSS growth parsing and writing 50 MiB from a file: %" G_GINT64_FORMAT " KiB",
                  growth_kib);
  /* Far below the attachment's size: nothing held it whole. */
  g_assert_cmpint (growth_kib, <, LARGE_ATTACHMENT_SIZE / 1024 / 4);

  written = checksum_file (out_path);
  g_assert_cmpstr (written, ==, expected);
  raw_size = hd_message_get_raw_size (message);
  g_clear_object (&message);

  /* From bytes already in memory: parts are read in place, not copied. */
  mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  bytes = g_mapped_file_get_bytes (mapped);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, raw_size);
  base_kib = reset_peak_rss_kib ();
  from_bytes = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachment_at (from_bytes, 0)->size, ==, LARGE_ATTACHMENT_SIZE);
  growth_kib = read_status_kib ("VmHWM:") - base_kib;
  g_test_message ("peak RSS growth parsing 50 MiB from mapped bytes: %" G_GINT64_FORMAT " KiB",
                  growth_kib);
  /* The mapped message itself becomes resident (about 68 MiB); a second
   * copy would take that past twice the raw size. */
  g_assert_cmpint (growth_kib, <, (gint64) (raw_size / 1024) * 3 / 2);
  g_clear_object (&from_bytes);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_unlink (out_path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Helpers ------------------------------------------------------------------ */

typedef struct
{
  const char *html;
  const char *text;
} HtmlCase;

static const HtmlCase html_cases[] = {
  { "", "" },
  { "plain words", "plain words" },
  { "<p>a</p><p>b</p>", "a\n\nb" },
  { "a<br>b<BR/>c<br />d", "a\nb\nc\nd" },
  { "<div>one</div><div>two</div>", "one\ntwo" },
  { "x  \n\t y", "x y" },
  { "<script type=\"text/javascript\">if (a < b) { x(); }</script>shown", "shown" },
  { "<STYLE>p{}</STYLE><title>T</title>body", "body" },
  { "<!-- hidden <p>not</p> -->visible", "visible" },
  { "<!--[if mso]><p>outlook</p><![endif]-->all", "all" },
  { "&lt;&gt;&amp;&quot;&apos;", "<>&\"'" },
  { "&#65;&#x42;&#X43;&#150;&#0;", "ABC–\xEF\xBF\xBD" },
  { "&unknown; & alone &", "&unknown; & alone &" },
  { "caf&eacute; &euro;5 &hellip;", "café €5 …" },
  { "a&nbsp;&nbsp;b", "a  b" },
  { "<ul><li>one<li>two</ul>", "- one\n- two" },
  { "<ol><li><p>para</p></li></ol>", "- para" },
  { "<pre>  keep\n    this</pre>after", "  keep\n    this\n\nafter" },
  { "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc" },
  { "a < b and c > d", "a < b and c > d" },
  { "<a href=\"http://x.example/\">http://x.example/</a>", "http://x.example/" },
  { "<a href='https://e.example/p'>here</a>.", "here <https://e.example/p>." },
  { "<a href=\"mailto:a@b\">mail</a>", "mail" },
  { "<a href=\"https://img.example/\"><img src=x></a>", "https://img.example/" },
  { "<p>unclosed <b attr=\"x>y\">bold", "unclosed bold" },
  { "<p>tag at end <", "tag at end <" },
  { "<html><head><meta charset=utf-8></head><body>Grüße</body></html>", "Grüße" },
  { "<h1>Head</h1>text<hr>more", "Head\n\ntext\n\nmore" },
};

static void
test_html_to_text (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (html_cases); i++)
    {
      g_autofree char *text = hd_message_html_to_text (html_cases[i].html, -1);

      g_test_message ("html: %s", html_cases[i].html);
      g_assert_cmpstr (text, ==, html_cases[i].text);
    }
}

static void
test_html_to_text_length (void)
{
  g_autofree char *text = hd_message_html_to_text ("<p>first</p>second", 12);
  g_autofree char *invalid = hd_message_html_to_text ("ok \xff\xfe bytes", -1);

  g_assert_cmpstr (text, ==, "first");
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
  g_assert_true (g_str_has_prefix (invalid, "ok "));
}

typedef struct
{
  const char *name;
  const char *content_type;
  const char *expected;
} FilenameCase;

static const FilenameCase filename_cases[] = {
  { "report.pdf", "application/pdf", "report.pdf" },
  { "../../etc/passwd", "text/plain", "passwd" },
  { "/etc/shadow", NULL, "shadow" },
  { "..\\..\\Windows\\system32\\cmd.exe", NULL, "cmd.exe" },
  { "dir/", NULL, "dir" },
  { "..", "image/png", "attachment-3.png" },
  { "../", "application/pdf", "attachment-3.pdf" },
  { ".bashrc", NULL, "bashrc" },
  { "...", NULL, "attachment-3.bin" },
  { "", "text/calendar", "attachment-3.ics" },
  { NULL, "message/rfc822", "attachment-3.eml" },
  { NULL, "application/x-unheard-of", "attachment-3.bin" },
  { "a\x01" "b\x1b" "c\x7f" "d\r\n.txt", NULL, "abcd.txt" },
  { "what?:*<>|\".txt", NULL, "what_______.txt" },
  { "invoice\xE2\x80\xAE" "fdp.exe", NULL, "invoicefdp.exe" },
  { "trailing dots. . .", NULL, "trailing dots" },
  { "  spaced.txt  ", NULL, "spaced.txt" },
  { "Grüße.txt", NULL, "Grüße.txt" },
  { "bad\xff" "byte.txt", NULL, "bad\xEF\xBF\xBD" "byte.txt" },
};

static void
test_sanitize_filename (void)
{
  g_autofree char *xs = g_strnfill (500, 'x');
  g_autofree char *long_name = g_strconcat (xs, ".docx", NULL);
  g_autofree char *long_result = NULL;
  GString *umlauts = g_string_new (NULL);
  g_autofree char *umlaut_result = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (filename_cases); i++)
    {
      g_autofree char *result = hd_message_sanitize_filename (filename_cases[i].name,
                                                              filename_cases[i].content_type, 3);

      g_test_message ("filename case %u", i);
      g_assert_cmpstr (result, ==, filename_cases[i].expected);
    }

  /* Long names are cut, but keep their extension. */
  long_result = hd_message_sanitize_filename (long_name, NULL, 1);
  g_assert_cmpuint (strlen (long_result), ==, 200);
  g_assert_true (g_str_has_suffix (long_result, "x.docx"));

  /* ... and never in the middle of a character. */
  for (guint i = 0; i < 150; i++)
    g_string_append (umlauts, "ü");
  g_string_append (umlauts, ".pdf");
  umlaut_result = hd_message_sanitize_filename (umlauts->str, NULL, 1);
  g_string_free (umlauts, TRUE);
  g_assert_true (g_utf8_validate (umlaut_result, -1, NULL));
  g_assert_cmpuint (strlen (umlaut_result), <=, 200);
  g_assert_true (g_str_has_suffix (umlaut_result, "ü.pdf"));
}

static void
test_boxed_copies (void)
{
  HdMessageAddress address = { (char *) "Name", (char *) "a@example.org" };
  HdMessageAttachment attachment = { 2, (char *) "f.txt", (char *) "text/plain", 42, TRUE, NULL };
  g_autoptr(HdMessageAddress) address_copy = hd_message_address_copy (&address);
  g_autoptr(HdMessageAttachment) attachment_copy = hd_message_attachment_copy (&attachment);

  g_assert_true (G_TYPE_IS_BOXED (HD_TYPE_MESSAGE_ADDRESS));
  g_assert_true (G_TYPE_IS_BOXED (HD_TYPE_MESSAGE_ATTACHMENT));
  g_assert_cmpstr (address_copy->name, ==, "Name");
  g_assert_true (address_copy->name != address.name);
  g_assert_cmpstr (address_copy->address, ==, "a@example.org");
  g_assert_cmpuint (attachment_copy->index, ==, 2);
  g_assert_cmpstr (attachment_copy->filename, ==, "f.txt");
  g_assert_cmpuint (attachment_copy->size, ==, 42);
  g_assert_true (attachment_copy->is_inline);
  g_assert_null (attachment_copy->content_id);
}

static const SubjectCase subject_cases[] = {
  { "subject-utf8.eml", "Grüße – Ümlaut ✓", "Body.\n" },
  { "subject-latin1.eml", "Grüße aus Köln", NULL },
  { "subject-cp1252.eml", "€ 100 “Angebot” – bitte prüfen", NULL },
  { "subject-iso2022jp.eml", "テスト", "本文です。\n" },
  { "subject-koi8r.eml", "Привет мир", "Принтер не работает.\n" },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message/plain-ascii", test_plain_ascii);
  for (guint i = 0; i < G_N_ELEMENTS (subject_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/message/charset/%s", subject_cases[i].fixture);

      g_test_add_data_func (name, &subject_cases[i], test_subject_charset);
    }
  g_test_add_func ("/message/charset/display-name", test_subject_utf8_display_name);
  g_test_add_func ("/message/charset/broken-encoded-word", test_subject_broken_encoded_word);
  g_test_add_func ("/message/charset/unknown", test_unknown_charset);
  g_test_add_func ("/message/charset/wrong", test_wrong_charset);
  g_test_add_func ("/message/charset/8bit-latin1-headers", test_8bit_headers_latin1);
  g_test_add_func ("/message/charset/8bit-utf8-headers", test_8bit_headers_utf8);
  g_test_add_func ("/message/body/alternative", test_alternative_prefers_plain);
  g_test_add_func ("/message/body/html-only", test_html_only);
  g_test_add_func ("/message/body/format-flowed", test_format_flowed);
  g_test_add_func ("/message/attachments/nested", test_nested_attachments);
  g_test_add_func ("/message/malformed/broken-boundary", test_broken_boundary);
  g_test_add_func ("/message/malformed/no-boundary-at-all", test_no_boundary_at_all);
  g_test_add_func ("/message/malformed/no-end-boundary", test_no_end_boundary);
  g_test_add_func ("/message/malformed/empty-body", test_empty_body);
  g_test_add_func ("/message/malformed/no-from", test_no_from);
  g_test_add_func ("/message/malformed/no-message-id", test_no_message_id);
  g_test_add_func ("/message/malformed/message-id-normalized", test_message_id_normalized);
  g_test_add_func ("/message/malformed/leading-blank-lines", test_leading_blank_lines);
  g_test_add_func ("/message/malformed/not-a-message", test_not_a_message);
  g_test_add_func ("/message/fixtures-every-way", test_all_fixtures_every_way);
  g_test_add_func ("/message/malformed/mutations", test_mutations);
  for (guint i = 0; i < G_N_ELEMENTS (auto_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/message/auto-generated/%u", i);

      g_test_add_data_func (name, &auto_cases[i], test_auto_generated);
    }
  g_test_add_func ("/message/auto-generated/getters", test_auto_header_getters);
  g_test_add_func ("/message/input/stream-spooled", test_stream_spooled);
  g_test_add_func ("/message/input/threads", test_threads);
  g_test_add_func ("/message/input/large-attachment", test_large_attachment);
  g_test_add_func ("/message/html-to-text", test_html_to_text);
  g_test_add_func ("/message/html-to-text/length", test_html_to_text_length);
  g_test_add_func ("/message/sanitize-filename", test_sanitize_filename);
  g_test_add_func ("/message/boxed", test_boxed_copies);

  return g_test_run ();
}
