/* test-message-realworld.c: HdMessage against the bug classes of real-world
 * mail (issue 11) and the limits on what one mail may cost (issue 13).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

static HdMessage *
load_fixture (const char *name)
{
  const char *fixtures = g_getenv ("HD_TEST_FIXTURES");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  HdMessage *message;

  g_assert_nonnull (fixtures);
  path = g_build_filename (fixtures, "mail", name, NULL);
  message = hd_message_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static HdMessage *
parse_bytes (const char *data,
             gsize       length)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);
  g_autoptr(GError) error = NULL;
  HdMessage *message = hd_message_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
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

/* 1. Adjacent encoded words ------------------------------------------------ */

static void
test_encoded_words_split (void)
{
  g_autoptr(HdMessage) message = load_fixture ("encoded-words-split.eml");

  /* Three B words, padded, with "€" split across the last two. */
  g_assert_cmpstr (hd_message_get_subject (message), ==,
                   "Bestellung Nr. 4711 – Lieferung verzögert €");
  g_assert_cmpstr (hd_message_get_from (message)->name, ==, "Zoë Saldaña");
  g_assert_cmpstr (hd_message_get_from (message)->address, ==, "zoe@example.com");
  g_assert_cmpstr (address_at (hd_message_get_to (message), 0)->name, ==, "Ünal Çelik");
  g_assert_cmpstr (address_at (hd_message_get_to (message), 1)->address, ==,
                   "support@example.com");
  g_assert_cmpstr (address_at (hd_message_get_cc (message), 0)->name, ==, "José Núñez");
}

static void
test_encoded_words_padding_inline (void)
{
  const char *mail = "From: a@example.com\nSubject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=\n"
                     "Message-ID: <p@example.com>\n\nx\n";
  g_autoptr(HdMessage) message = parse_bytes (mail, strlen (mail));

  g_assert_cmpstr (hd_message_get_subject (message), ==, "Hello world");
}

/* 2. A comma inside an encoded word ---------------------------------------- */

static void
test_encoded_word_comma (void)
{
  g_autoptr(HdMessage) message = load_fixture ("encoded-word-comma.eml");
  GPtrArray *to = hd_message_get_to (message);

  g_assert_cmpstr (hd_message_get_from (message)->name, ==, "Bürling, Andreas");
  g_assert_cmpstr (hd_message_get_from (message)->address, ==, "smith@example.com");
  g_assert_cmpuint (to->len, ==, 2);
  g_assert_cmpstr (address_at (to, 0)->name, ==, "Müller, Jan");
  g_assert_cmpstr (address_at (to, 0)->address, ==, "jan@example.com");
  g_assert_cmpstr (address_at (to, 1)->name, ==, "Support, Team");
  g_assert_cmpstr (address_at (to, 1)->address, ==, "support@example.com");
}

/* 3. A From that cannot be parsed ------------------------------------------ */

static void
test_from_unparseable (void)
{
  g_autoptr(HdMessage) message = load_fixture ("from-unparseable.eml");
  const HdMessageAddress *from = hd_message_get_from (message);

  g_assert_nonnull (from);
  g_assert_cmpstr (from->name, ==, "我");
  g_assert_cmpstr (from->address, ==, "");
  /* Reply-To comes before Sender. */
  g_assert_cmpstr (hd_message_get_sender_address (message), ==, "helper@example.cn");
  g_assert_cmpstr (hd_message_get_sender_source (message), ==, "Reply-To");
  g_assert_cmpstr (hd_message_get_subject (message), ==, "我的问题");
  g_assert_true (has_warning (message, "no usable address"));
}

static void
test_from_salvaged (void)
{
  const char *mail = "From: Broken <broken@example.com\nSubject: x\n"
                     "Message-ID: <s@example.com>\n\nx\n";
  g_autoptr(HdMessage) message = parse_bytes (mail, strlen (mail));

  g_assert_cmpstr (hd_message_get_from (message)->address, ==, "broken@example.com");
  g_assert_cmpstr (hd_message_get_sender_source (message), ==, "From");
}

/* 4. An empty plain alternative -------------------------------------------- */

static void
test_alternative_empty_plain (void)
{
  g_autoptr(HdMessage) message = load_fixture ("alternative-empty-plain.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==, "The printer on floor 3 is broken.");
  g_assert_true (hd_message_get_body_is_from_html (message));
}

/* 5. Characters that do not convert ---------------------------------------- */

static void
test_iso2022jp_nec_extension (void)
{
  g_autoptr(HdMessage) message = load_fixture ("iso2022jp-nec-extension.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==, "会議室① is booked.\n");
  g_assert_cmpstr (hd_message_get_subject (message), ==, "予約");
}

static void
test_substitution (void)
{
  /* 0x81 is one of the five holes of windows-1252: everything else converts. */
  const char mail[] = "From: a@example.com\nSubject: x\nMessage-ID: <sub@example.com>\n"
                      "Content-Type: text/plain; charset=iso-8859-1\n\n"
                      "Caf\xe9 \x81 cr\xe8me\n";
  g_autoptr(HdMessage) message = parse_bytes (mail, sizeof mail - 1);

  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Café \xEF\xBF\xBD crème\n");
  g_assert_true (has_warning (message, "did not convert"));
}

/* 6. Charsets that lie, and one fixture per charset family ----------------- */

static void
test_charset_lies (void)
{
  g_autoptr(HdMessage) message = load_fixture ("charset-lies-sjis.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "お問い合わせありがとうございます。プリンターが動きません。\n");
  g_assert_true (has_warning (message, "was read as CP932"));
}

typedef struct
{
  const char *fixture;
  const char *subject;
  const char *body;
  const char *warning;
} CharsetCase;

static const CharsetCase charset_cases[] = {
  { "charset-undeclared-gb2312.eml", "打印机坏了",
    "您好，我们办公室的打印机坏了，请尽快派人来修理。谢谢！\n", "was read as GB2312" },
  { "charset-undeclared-koi8r.eml", "Printer",
    "Здравствуйте, принтер не работает уже второй день.\n", "was read as KOI8-R" },
  { "charset-undeclared-euckr.eml", "Printer",
    "안녕하세요, 프린터가 작동하지 않습니다. 확인 부탁드립니다.\n", "was read as CP949" },
  { "charset-gbk-superset.eml", "镕基的报告", "朱镕基的报告已经收到。\n", NULL },
  { "charset-big5-hkscs.eml", "Big5", "請到\xE5\xB1\x8B邨維修打印機。\n", NULL },
  { "charset-latin1-is-cp1252.eml", "Facture € 100", "Le coût est de 100 € – merci.\n", NULL },
};

static void
test_charset_family (gconstpointer data)
{
  const CharsetCase *c = data;
  g_autoptr(HdMessage) message = load_fixture (c->fixture);

  g_assert_cmpstr (hd_message_get_subject (message), ==, c->subject);
  g_assert_cmpstr (hd_message_get_body_text (message), ==, c->body);
  if (c->warning != NULL)
    g_assert_true (has_warning (message, c->warning));
}

/* 7. HTML 5 entities ------------------------------------------------------- */

static void
test_html_entities (void)
{
  g_autoptr(HdMessage) message = load_fixture ("html-entities.eml");
  g_autofree char *text = NULL;

  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "x ∋ S, Ψ μ ◊ ≂̸ ¾ & © 2024 😀 €");

  /* Legacy names without ";" take the longest match; unknown names stay. */
  text = hd_message_html_to_text ("&notit; &unknownentity; &ltx", -1);
  g_assert_cmpstr (text, ==, "¬it; &unknownentity; <x");
}

/* 8. A boundary that never appears ----------------------------------------- */

static void
test_boundary_never_appears (void)
{
  g_autoptr(HdMessage) message = load_fixture ("boundary-never-appears.eml");

  g_assert_cmpstr (hd_message_get_body_text (message), ==,
                   "Grüße aus Köln, der Drucker im zweiten Stock druckt nur noch leere Seiten.\n");
}

/* 9. A banner before the headers ------------------------------------------- */

static void
test_banner_first_line (void)
{
  g_autoptr(HdMessage) message = load_fixture ("banner-first-line.eml");

  g_assert_cmpstr (hd_message_get_from (message)->address, ==, "pasted@example.com");
  g_assert_cmpstr (hd_message_get_subject (message), ==,
                   "A subject that a mail client wrapped without indenting");
  g_assert_cmpstr (hd_message_get_message_id (message), ==, "<banner@example.com>");
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "The body.\n");
  g_assert_true (has_warning (message, "before the first header"));
}

static void
test_body_without_blank_line (void)
{
  /* A line that is not a header and not followed by one is the body. */
  const char *mail = "From: a@example.com\nSubject: x\nMessage-ID: <nb@example.com>\n"
                     "Hello there\nsecond line\n";
  g_autoptr(HdMessage) message = parse_bytes (mail, strlen (mail));

  g_assert_cmpstr (hd_message_get_subject (message), ==, "x");
}

static void
test_header_cut_off (void)
{
  /* A mail cut off in its last header, before the colon. */
  const char *mail = "From: a@example.com\nSubject: cut\nMessage-ID: <c@example.com>\nContent-Ty";
  g_autoptr(HdMessage) message = parse_bytes (mail, strlen (mail));

  g_assert_cmpstr (hd_message_get_subject (message), ==, "cut");
  g_assert_cmpstr (hd_message_get_from (message)->address, ==, "a@example.com");
}

/* 10. uuencode ------------------------------------------------------------- */

#define UU_TEXT "Hello from a uuencoded file.\n"

static void
test_x_uuencode_without_begin (void)
{
  g_autoptr(HdMessage) message = load_fixture ("x-uuencode-no-begin.eml");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 1);
  g_assert_cmpstr (attachment_at (message, 0)->filename, ==, "hello.txt");
  bytes = hd_message_dup_attachment_bytes (message, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   UU_TEXT UU_TEXT UU_TEXT UU_TEXT, strlen (UU_TEXT) * 4);
}

static void
test_uuencode_in_text (void)
{
  g_autoptr(HdMessage) message = load_fixture ("uuencode-in-text.eml");
  g_autoptr(GBytes) bytes = NULL;

  g_assert_cmpstr (hd_message_get_body_text (message), ==, "Here is the log:\n\nThanks.\n");
  g_assert_cmpuint (hd_message_get_attachments (message)->len, ==, 1);
  g_assert_cmpstr (attachment_at (message, 0)->filename, ==, "log.txt");
  g_assert_cmpuint (attachment_at (message, 0)->size, ==, strlen (UU_TEXT) * 4);
  bytes = hd_message_dup_attachment_bytes (message, 0, NULL);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   UU_TEXT UU_TEXT UU_TEXT UU_TEXT, strlen (UU_TEXT) * 4);
}

/* Issue 13 item 10: more automatic mail ------------------------------------ */

static void
test_auto_reply_headers (gconstpointer data)
{
  g_autoptr(HdMessage) message = load_fixture (data);
  g_autofree char *reason = NULL;

  g_assert_true (hd_message_is_auto_generated (message, &reason));
  g_assert_nonnull (reason);
}

/* Limits (issue 13) --------------------------------------------------------- */

static void
test_limit_subject (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <l@example.com>\n"
                                          "Subject: ");
  g_autoptr(HdMessage) message = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append (mail, "word ");
  g_string_append (mail, "\n\nbody\n");
  message = parse_bytes (mail->str, mail->len);

  g_assert_cmpuint (g_utf8_strlen (hd_message_get_subject (message), -1), <=, 1000);
  g_assert_true (g_str_has_prefix (hd_message_get_subject (message), "word word"));
  g_assert_true (has_warning (message, "subject was too long"));
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "body\n");
}

static void
test_limit_header (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <h@example.com>\n"
                                          "X-Junk: ");
  g_autoptr(HdMessage) message = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append (mail, "junk ");
  g_string_append (mail, "\nSubject: after the junk\n\nbody\n");
  message = parse_bytes (mail->str, mail->len);

  g_assert_cmpstr (hd_message_get_subject (message), ==, "after the junk");
  g_assert_true (has_warning (message, "header field was too long"));
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "body\n");
}

static void
test_limit_header_count (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <n@example.com>\n");
  g_autoptr(HdMessage) message = NULL;

  for (guint i = 0; i < 3000; i++)
    g_string_append_printf (mail, "X-Junk-%u: junk\n", i);
  /* Junk before them does not hide the fields a ticket is made of. */
  g_string_append (mail, "Subject: after the junk\nReply-To: r@example.com\n\nbody\n");
  message = parse_bytes (mail->str, mail->len);

  g_assert_cmpstr (hd_message_get_subject (message), ==, "after the junk");
  g_assert_cmpstr (address_at (hd_message_get_reply_to (message), 0)->address, ==,
                   "r@example.com");
  g_assert_true (has_warning (message, "too many header fields"));
  g_assert_cmpstr (hd_message_get_body_text (message), ==, "body\n");
}

static void
test_limit_references (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <r@example.com>\n"
                                          "Subject: refs\nReferences:");
  g_autoptr(HdMessage) message = NULL;
  const char * const *references;
  guint n;

  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (mail, "\n <id-%u@example.com>", i);
  g_string_append (mail, "\n\nbody\n");
  message = parse_bytes (mail->str, mail->len);
  references = hd_message_get_references (message);
  n = g_strv_length ((char **) references);

  g_assert_cmpuint (n, >=, 20);
  g_assert_cmpuint (n, <=, 60);
  g_assert_cmpstr (references[0], ==, "<id-0@example.com>");
  g_assert_cmpstr (references[n - 1], ==, "<id-199999@example.com>");
  g_assert_true (has_warning (message, "References"));
}

static void
test_limit_mime_depth (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <d@example.com>\n"
                                          "Subject: deep\nMIME-Version: 1.0\n");
  g_autoptr(HdMessage) message = NULL;

  for (guint i = 0; i < 60; i++)
    g_string_append_printf (mail, "Content-Type: multipart/mixed; boundary=\"b%u\"\n\n--b%u\n",
                            i, i);
  g_string_append (mail, "Content-Type: text/plain\n\ndeep text\n");
  for (guint i = 60; i > 0; i--)
    g_string_append_printf (mail, "--b%u--\n", i - 1);
  message = parse_bytes (mail->str, mail->len);

  g_assert_true (has_warning (message, "nested too deeply"));
}

static void
test_limit_mime_parts (void)
{
  g_autoptr(GString) mail = g_string_new ("From: a@example.com\nMessage-ID: <p@example.com>\n"
                                          "Subject: parts\nMIME-Version: 1.0\n"
                                          "Content-Type: multipart/mixed; boundary=\"b\"\n\n");
  g_autoptr(HdMessage) message = NULL;

  for (guint i = 0; i < 1500; i++)
    g_string_append_printf (mail, "--b\nContent-Type: application/octet-stream; "
                                  "name=\"f%u.bin\"\n\nx\n", i);
  g_string_append (mail, "--b--\n");
  message = parse_bytes (mail->str, mail->len);

  g_assert_cmpuint (hd_message_get_attachments (message)->len, <, 1000);
  g_assert_true (has_warning (message, "too many MIME parts"));
}

/* Issue 13 item 9: a folder or FIFO is not a message ----------------------- */

static void
test_not_a_regular_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hd-message-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.eml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HdMessage) message = NULL;

  message = hd_message_new_from_file (dir, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_FILE);
  g_clear_error (&error);

  /* No writer ever opens the FIFO: the call must not wait for one. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  message = hd_message_new_from_file (fifo, &error);
  g_assert_null (message);
  g_assert_error (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_FILE);

  g_unlink (fifo);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message/real/encoded-words-split", test_encoded_words_split);
  g_test_add_func ("/message/real/encoded-words-padding", test_encoded_words_padding_inline);
  g_test_add_func ("/message/real/encoded-word-comma", test_encoded_word_comma);
  g_test_add_func ("/message/real/from-unparseable", test_from_unparseable);
  g_test_add_func ("/message/real/from-salvaged", test_from_salvaged);
  g_test_add_func ("/message/real/alternative-empty-plain", test_alternative_empty_plain);
  g_test_add_func ("/message/real/charset/iso2022jp-nec", test_iso2022jp_nec_extension);
  g_test_add_func ("/message/real/charset/substitution", test_substitution);
  g_test_add_func ("/message/real/charset/lies", test_charset_lies);
  for (guint i = 0; i < G_N_ELEMENTS (charset_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/message/real/charset/family/%s",
                                               charset_cases[i].fixture);

      g_test_add_data_func (name, &charset_cases[i], test_charset_family);
    }
  g_test_add_func ("/message/real/html-entities", test_html_entities);
  g_test_add_func ("/message/real/boundary-never-appears", test_boundary_never_appears);
  g_test_add_func ("/message/real/banner-first-line", test_banner_first_line);
  g_test_add_func ("/message/real/body-without-blank-line", test_body_without_blank_line);
  g_test_add_func ("/message/real/header-cut-off", test_header_cut_off);
  g_test_add_func ("/message/real/x-uuencode-without-begin", test_x_uuencode_without_begin);
  g_test_add_func ("/message/real/uuencode-in-text", test_uuencode_in_text);
  g_test_add_data_func ("/message/real/auto/x-autoreply", "x-autoreply.eml",
                        test_auto_reply_headers);
  g_test_add_data_func ("/message/real/auto/precedence-auto-reply", "precedence-auto-reply.eml",
                        test_auto_reply_headers);
  g_test_add_func ("/message/limits/subject", test_limit_subject);
  g_test_add_func ("/message/limits/header", test_limit_header);
  g_test_add_func ("/message/limits/header-count", test_limit_header_count);
  g_test_add_func ("/message/limits/references", test_limit_references);
  g_test_add_func ("/message/limits/mime-depth", test_limit_mime_depth);
  g_test_add_func ("/message/limits/mime-parts", test_limit_mime_parts);
  g_test_add_func ("/message/input/not-a-regular-file", test_not_a_regular_file);

  return g_test_run ();
}
