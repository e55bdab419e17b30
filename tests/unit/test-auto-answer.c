/* test-auto-answer.c: templates, rendering and the headers of the answer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hd-auto-answer-private.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

/* German in the display name and subject, so that RFC 2047 has work to do. */
static const char request_mail[] =
  "From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>\r\n"
  "To: Support <support@example.com>\r\n"
  "Subject: =?utf-8?q?Drucker_im_B=C3=BCro_kaputt?=\r\n"
  "Message-ID: <request-1@example.org>\r\n"
  "References: <root@example.org> <middle@example.org>\r\n"
  "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
  "\r\n"
  "Der Drucker druckt nicht.\r\n";

typedef struct
{
  char *dir;
  HdStore *store;
  HdAccount *account;
  HdMessage *message;
  gint64 ticket_id;
  char *reference;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static (request_mail, strlen (request_mail));
  HdTicketSpec spec = { .subject = "Drucker im Büro kaputt", .from_address = "joerg@example.org" };

  g_setenv ("LANGUAGE", "en", TRUE);
  g_unsetenv ("HELPDESK_MAIL_TEMPLATE_DIR");
  f->dir = g_dir_make_tmp ("hd-test-answer-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  f->account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "h", "port", 993,
                             "username", "u", "sender-address", "support@example.com",
                             "sender-alias", "Büro-Support Zürich",
                             "auto-answer-template", "default", NULL);
  g_assert_true (hd_store_add_account (f->store, f->account, &error));
  g_assert_no_error (error);
  spec.account_id = hd_store_get_account_id (f->store, "Support", &error);
  f->ticket_id = hd_store_create_ticket (f->store, &spec, &token, &error);
  g_assert_no_error (error);
  f->reference = hd_store_format_reference (f->store, f->ticket_id, token);
  f->message = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->message);
  g_clear_object (&f->account);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->reference);
  g_unsetenv ("HELPDESK_MAIL_TEMPLATE_DIR");
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static char *
template_dir (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->dir, "templates", NULL);

  g_setenv ("HELPDESK_MAIL_TEMPLATE_DIR", dir, TRUE);
  return g_steal_pointer (&dir);
}

static void
test_list_templates (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *dir = NULL;
  g_autofree char *user_dir = g_build_filename (g_get_user_config_dir (), "helpdesk-mail",
                                                "templates", NULL);
  g_auto (GStrv) builtin = hd_auto_answer_list_templates ();
  g_auto (GStrv) names = NULL;
  const char *expected[] = { "custom", "default", "mine", "other", NULL };

  g_assert_true (g_strv_contains ((const char *const *) builtin, "default"));

  dir = template_dir (f);
  write_file (dir, "custom.txt", "Subject: x\n\nbody\n");
  write_file (dir, "custom.de.txt", "Subject: x\n\nbody\n");
  write_file (dir, "other.fr.txt", "Subject: x\n\nbody\n");
  write_file (dir, "default.txt", "Subject: x\n\nbody\n");
  write_file (dir, "not a name.txt", "Subject: x\n\nbody\n");
  write_file (dir, "notes.md", "not a template");
  write_file (user_dir, "mine.txt", "Subject: x\n\nbody\n");

  names = hd_auto_answer_list_templates ();
  g_assert_cmpstrv (names, expected);
}

static void
test_builtin_languages (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *de_subject = NULL;
  g_autofree char *de_body = NULL;
  g_autofree char *de_origin = NULL;

  g_assert_true (hd_auto_answer_load_template ("default", &subject, &body, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "Re: {subject} {ticket_reference}");
  g_assert_true (g_str_has_prefix (body, "Hello {sender_name},\n"));
  g_assert_cmpstr (origin, ==, "resource://" HD_AUTO_ANSWER_TEMPLATE_RESOURCE "/default.txt");

  g_setenv ("LANGUAGE", "de_AT:de", TRUE);
  g_assert_true (hd_auto_answer_load_template ("default", &de_subject, &de_body, &de_origin,
                                               &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (de_body, "Hallo {sender_name},\n"));
  g_assert_nonnull (strstr (de_body, "vielen Dank für Ihre Nachricht"));
  g_assert_cmpstr (de_origin, ==, "resource://" HD_AUTO_ANSWER_TEMPLATE_RESOURCE "/default.de.txt");
}

static void
test_user_and_test_dirs (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user_dir = g_build_filename (g_get_user_config_dir (), "helpdesk-mail",
                                                "templates", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *origin = NULL;

  /* The user's default replaces the built-in one in every language. */
  write_file (user_dir, "default.txt", "Subject: Mine\r\n\r\nMy body\r\nline two\r\n");
  g_setenv ("LANGUAGE", "de", TRUE);
  g_assert_true (hd_auto_answer_load_template ("default", &subject, &body, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "Mine");
  g_assert_cmpstr (body, ==, "My body\nline two\n");
  g_clear_pointer (&subject, g_free);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&origin, g_free);

  /* The test directory comes first, and the language variant there wins. */
  dir = template_dir (f);
  write_file (dir, "default.txt", "Subject: Test\n\nTest body\n");
  write_file (dir, "default.de.txt", "\xEF\xBB\xBFSubject: Test DE\n\nTest-Text\n");
  g_assert_true (hd_auto_answer_load_template ("default", &subject, &body, &origin, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "Test DE");
  g_assert_cmpstr (body, ==, "Test-Text\n");
  g_assert_true (g_str_has_suffix (origin, "/default.de.txt"));
  g_clear_pointer (&subject, g_free);
  g_clear_pointer (&body, g_free);

  g_setenv ("LANGUAGE", "fr", TRUE);
  g_assert_true (hd_auto_answer_load_template ("default", &subject, &body, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "Test");
}

static void
test_bad_templates (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *dir = template_dir (f);
  const struct
  {
    const char *name;
    const char *contents;
    int code;
  } cases[] = {
    { "nosubject", "Hello\n\nbody\n", HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE },
    { "noblank", "Subject: x\nbody\n", HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE },
    { "latin1", "Subject: B\xfcro\n\nbody\n", HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE },
    { "missing", NULL, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE },
    { "../templates/x", NULL, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE },
    { "", NULL, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *subject = NULL;
      g_autofree char *body = NULL;

      if (cases[i].contents != NULL)
        {
          g_autofree char *filename = g_strconcat (cases[i].name, ".txt", NULL);

          write_file (dir, filename, cases[i].contents);
        }
      g_assert_false (hd_auto_answer_load_template (cases[i].name, &subject, &body, NULL,
                                                    &error));
      g_assert_error (error, HD_AUTO_ANSWER_ERROR, cases[i].code);
      g_assert_null (subject);
    }

  /* A subject line and nothing else is a template with an empty body. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *subject = NULL;
    g_autofree char *body = NULL;

    write_file (dir, "short.txt", "Subject: only");
    g_assert_true (hd_auto_answer_load_template ("short", &subject, &body, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (subject, ==, "only");
    g_assert_cmpstr (body, ==, "");
  }
}

static void
test_expand (void)
{
  g_autoptr (GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  const struct
  {
    const char *text;
    const char *expected;
  } cases[] = {
    { "Ticket {ticket_id}.", "Ticket 42." },
    { "{ticket_id}{ticket_id}", "4242" },
    { "{unknown} and {Subject} stay", "{unknown} and {Subject} stay" },
    { "{{subject}}", "{Hi {ticket_id}}" },
    { "{subject", "{subject" },
    { "{}", "{}" },
    { "", "" },
    { "no placeholders", "no placeholders" },
  };

  g_hash_table_insert (values, "ticket_id", "42");
  /* A value is not expanded again: a sender cannot inject placeholders. */
  g_hash_table_insert (values, "subject", "Hi {ticket_id}");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = hd_auto_answer_expand (cases[i].text, values);

      g_assert_cmpstr (out, ==, cases[i].expected);
    }
}

static void
test_request (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, 7, FALSE);
  g_autoptr (GString) mail = g_string_new ("From: a@example.org\r\nReferences:");
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (HdMessage) long_thread = NULL;
  g_autoptr (HdAutoAnswerRequest) long_request = NULL;
  g_autoptr (HdMessage) no_id = NULL;
  g_autoptr (HdAutoAnswerRequest) no_id_request = NULL;
  g_auto (GStrv) ids = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (request->to_name, ==, "Jörg Müller");
  g_assert_cmpstr (request->to_address, ==, "joerg@example.org");
  g_assert_cmpstr (request->subject, ==, "Drucker im Büro kaputt");
  g_assert_cmpstr (request->message_id, ==, "<request-1@example.org>");
  g_assert_cmpstr (request->references, ==,
                   "<root@example.org> <middle@example.org> <request-1@example.org>");
  g_assert_cmpint (request->ticket_id, ==, 7);
  g_assert_false (request->notice);

  /* A long thread keeps its root and its newest ids. */
  for (guint i = 0; i < 30; i++)
    g_string_append_printf (mail, " <ref-%u@example.org>", i);
  g_string_append (mail, "\r\nMessage-ID: <last@example.org>\r\nSubject: s\r\n\r\nbody\r\n");
  bytes = g_bytes_new (mail->str, mail->len);
  long_thread = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  long_request = hd_auto_answer_request_new (long_thread, 1, FALSE);
  ids = g_strsplit (long_request->references, " ", -1);
  g_assert_cmpuint (g_strv_length (ids), ==, 20);
  g_assert_cmpstr (ids[0], ==, "<ref-0@example.org>");
  g_assert_cmpstr (ids[1], ==, "<ref-12@example.org>");
  g_assert_cmpstr (ids[18], ==, "<ref-29@example.org>");
  g_assert_cmpstr (ids[19], ==, "<last@example.org>");

  /* A Message-ID made up by the parser means nothing to the sender. */
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = g_bytes_new_static ("From: b@example.org\r\nSubject: x\r\n\r\nbody\r\n", 41);
  no_id = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  no_id_request = hd_auto_answer_request_new (no_id, 1, TRUE);
  g_assert_null (no_id_request->message_id);
  g_assert_null (no_id_request->references);
  g_assert_null (no_id_request->to_name);
  g_assert_true (no_id_request->notice);
}

static void
test_render_default (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected_subject = g_strdup_printf ("Re: Drucker im Büro kaputt %s",
                                                       f->reference);
  g_autofree char *ticket_line = g_strdup_printf ("\n%" G_GINT64_FORMAT " for it", f->ticket_id);

  g_assert_true (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, expected_subject);
  g_assert_true (g_str_has_prefix (body, "Hello Jörg Müller,\n"));
  g_assert_nonnull (strstr (body, ticket_line));
  g_assert_nonnull (strstr (body, f->reference));
  g_assert_true (g_str_has_suffix (body, "\n-- \nBüro-Support Zürich\n"));
  g_assert_null (strchr (body, '{'));
}

static void
test_render_placeholders (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *dir = template_dir (f);
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected_subject = NULL;
  g_autofree char *expected_body = NULL;

  write_file (dir, "all.txt",
              "Subject: Ticket {ticket_id}:  {subject}\n"
              "\n"
              "{ticket_id}|{ticket_reference}|{subject}|{sender_name}|{sender_address}|"
              "{account_alias}|{nope}\n");
  g_object_set (f->account, "auto-answer-template", "all", NULL);
  g_assert_true (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_no_error (error);
  /* The reference is added when the template's subject lacks it. */
  expected_subject = g_strdup_printf ("Ticket %" G_GINT64_FORMAT ": Drucker im Büro kaputt %s",
                                      f->ticket_id, f->reference);
  g_assert_cmpstr (subject, ==, expected_subject);
  expected_body = g_strdup_printf ("%" G_GINT64_FORMAT "|%s|Drucker im Büro kaputt|Jörg Müller|"
                                   "joerg@example.org|Büro-Support Zürich|{nope}\n",
                                   f->ticket_id, f->reference);
  g_assert_cmpstr (body, ==, expected_body);

  /* No display name: the address greets; no alias: the account's name signs. */
  g_clear_pointer (&request->to_name, g_free);
  g_object_set (f->account, "sender-alias", NULL, NULL);
  g_clear_pointer (&subject, g_free);
  g_clear_pointer (&body, g_free);
  g_assert_true (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_nonnull (strstr (body, "|joerg@example.org|joerg@example.org|Support|"));
}

static void
test_render_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  g_object_set (f->account, "auto-answer-template", NULL, NULL);
  g_assert_false (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE);
  g_clear_error (&error);

  g_object_set (f->account, "auto-answer-template", "nonexistent", NULL);
  g_assert_false (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NO_TEMPLATE);
  g_assert_nonnull (strstr (error->message, "nonexistent"));
  g_clear_error (&error);

  g_object_set (f->account, "auto-answer-template", "default", NULL);
  request->ticket_id = f->ticket_id + 100;
  g_assert_false (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
  g_assert_null (subject);
}

static void
test_render_notice (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, 0, TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  /* A notice needs no template and no ticket. */
  g_object_set (f->account, "auto-answer-template", NULL, NULL);
  g_free (request->subject);
  request->subject = g_strdup ("Re: [TicketID 999ZZZZZ] Drucker");
  g_assert_true (hd_auto_answer_render (f->store, f->account, request, &subject, &body, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (subject, ==, "Not added to any ticket: Re: [TicketID 999ZZZZZ] Drucker");
  g_assert_true (g_str_has_prefix (body, "Hello Jörg Müller,\n"));
  g_assert_nonnull (strstr (body, "“Re: [TicketID 999ZZZZZ] Drucker”"));
  g_assert_nonnull (strstr (body, "was not added to any ticket"));
  g_assert_true (g_str_has_suffix (body, "\n-- \nBüro-Support Zürich\n"));
}

static void
test_build_mail (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *expected_subject = g_strdup_printf ("Re: Drucker im Büro kaputt %s",
                                                       f->reference);
  g_autoptr (GBytes) mail = NULL;
  g_autoptr (HdMessage) answer = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *text = NULL;
  const HdMessageAddress *from;
  GPtrArray *to;
  const char *const *references;
  gsize length;
  const char *data_bytes;

  mail = hd_auto_answer_build_mail (f->store, f->account, request, &message_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mail);
  g_assert_true (g_str_has_prefix (message_id, "<"));
  g_assert_true (g_str_has_suffix (message_id, "@example.com>"));
  g_assert_cmpuint (strlen (message_id), ==, 1 + 32 + strlen ("@example.com>"));

  /* On the wire: 7-bit, CRLF, short lines, UTF-8 named and encoded. */
  data_bytes = g_bytes_get_data (mail, &length);
  text = g_strndup (data_bytes, length);
  for (gsize i = 0; i < length; i++)
    {
      g_assert_cmpint ((guchar) text[i], <, 0x80);
      if (text[i] == '\n')
        g_assert_cmpint (text[i - 1], ==, '\r');
    }
  lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_cmpuint (strlen (lines[i]), <=, 998);
  g_assert_nonnull (strstr (text, "\r\nAuto-Submitted: auto-replied\r\n"));
  g_assert_nonnull (strstr (text, "\r\nX-Auto-Response-Suppress: All\r\n"));
  g_assert_nonnull (strstr (text, "\r\nPrecedence: auto_reply\r\n"));
  g_assert_nonnull (strstr (text, "\r\nIn-Reply-To: <request-1@example.org>\r\n"));
  g_assert_nonnull (strstr (text, "charset=utf-8"));
  g_assert_nonnull (strstr (text, "text/plain"));
  g_assert_true (strstr (text, "Content-Transfer-Encoding: quoted-printable") != NULL
                 || strstr (text, "Content-Transfer-Encoding: base64") != NULL);
  g_assert_true (strstr (text, "=?UTF-8?") != NULL || strstr (text, "=?utf-8?") != NULL);
  g_assert_true (g_str_has_prefix (text, "Date: "));
  g_assert_nonnull (strstr (text, "\r\nMIME-Version: 1.0\r\n"));

  /* Read back as a mail client would. */
  answer = hd_message_new_from_bytes (mail, &error);
  g_assert_no_error (error);
  from = hd_message_get_from (answer);
  g_assert_cmpstr (from->name, ==, "Büro-Support Zürich");
  g_assert_cmpstr (from->address, ==, "support@example.com");
  to = hd_message_get_to (answer);
  g_assert_cmpuint (to->len, ==, 1);
  g_assert_cmpstr (((HdMessageAddress *) to->pdata[0])->name, ==, "Jörg Müller");
  g_assert_cmpstr (((HdMessageAddress *) to->pdata[0])->address, ==, "joerg@example.org");
  g_assert_cmpstr (hd_message_get_subject (answer), ==, expected_subject);
  g_assert_cmpstr (hd_message_get_message_id (answer), ==, message_id);
  g_assert_cmpstr (hd_message_get_in_reply_to (answer), ==, "<request-1@example.org>");
  references = hd_message_get_references (answer);
  g_assert_cmpuint (g_strv_length ((GStrv) references), ==, 3);
  g_assert_cmpstr (references[0], ==, "<root@example.org>");
  g_assert_cmpstr (references[2], ==, "<request-1@example.org>");
  g_assert_cmpstr (hd_message_get_auto_submitted (answer), ==, "auto-replied");
  g_assert_cmpstr (hd_message_get_precedence (answer), ==, "auto_reply");
  g_assert_true (hd_message_is_auto_generated (answer, NULL));
  g_assert_true (g_str_has_prefix (hd_message_get_body_text (answer), "Hello Jörg Müller,"));
  g_assert_nonnull (strstr (hd_message_get_body_text (answer), "Büro-Support Zürich"));
}

static void
test_build_mail_fresh_ids (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (GBytes) a = hd_auto_answer_build_mail (f->store, f->account, request, &first, NULL);
  g_autoptr (GBytes) b = hd_auto_answer_build_mail (f->store, f->account, request, &second, NULL);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (first, !=, second);
}

static void
test_not_configured (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) mail = NULL;

  /* The default settings name no SMTP server. */
  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED);
  g_assert_nonnull (strstr (error->message, "smtp.host"));
  g_clear_error (&error);

  g_object_set (f->account, "sender-address", NULL, NULL);
  mail = hd_auto_answer_build_mail (f->store, f->account, request, NULL, &error);
  g_assert_null (mail);
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED);
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "joerg@example.org"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/auto-answer/templates/list", test_list_templates);
  ADD ("/auto-answer/templates/builtin-languages", test_builtin_languages);
  ADD ("/auto-answer/templates/user-and-test-dirs", test_user_and_test_dirs);
  ADD ("/auto-answer/templates/bad", test_bad_templates);
  g_test_add_func ("/auto-answer/expand", test_expand);
  ADD ("/auto-answer/request", test_request);
  ADD ("/auto-answer/render/default", test_render_default);
  ADD ("/auto-answer/render/placeholders", test_render_placeholders);
  ADD ("/auto-answer/render/errors", test_render_errors);
  ADD ("/auto-answer/render/notice", test_render_notice);
  ADD ("/auto-answer/mail/headers", test_build_mail);
  ADD ("/auto-answer/mail/fresh-ids", test_build_mail_fresh_ids);
  ADD ("/auto-answer/not-configured", test_not_configured);

#undef ADD

  return g_test_run ();
}
