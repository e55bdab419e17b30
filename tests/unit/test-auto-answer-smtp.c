/* test-auto-answer-smtp.c: auto-answers sent to a real SMTP server on
 * loopback (Debian's python3-aiosmtpd, tests/fixtures/smtp_server.py),
 * asserted on what that server received.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hd-auto-answer.h"
#include "hd-secrets.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

#define SYSTEM_PYTHON "/usr/bin/python3"
#define SMTP_PASSWORD "Geheim-Pässwort-4711"
#define WRONG_PASSWORD "Falsch-Pässwort-0815"

static const char request_mail[] =
  "From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>\r\n"
  "To: Support <support@example.com>\r\n"
  "Subject: =?utf-8?q?Drucker_im_B=C3=BCro_kaputt?=\r\n"
  "Message-ID: <request-1@example.org>\r\n"
  "References: <root@example.org>\r\n"
  "Date: Thu, 26 Nov 2026 10:00:00 +0100\r\n"
  "\r\n"
  "Der Drucker druckt nicht.\r\n";

typedef struct
{
  char *dir;
  char *maildir;
  GSubprocess *server;
  guint port;
  HdStore *store;
  HdAccount *account;
  HdMessage *message;
  gint64 ticket_id;
  char *reference;
} Fixture;

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

static HdMessage *
parse_mail (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  HdMessage *message = hd_message_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return message;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  HdTicketSpec spec = { .subject = "Drucker im Büro kaputt", .from_address = "joerg@example.org" };

  g_setenv ("LANGUAGE", "en", TRUE);
  g_unsetenv ("HELPDESK_MAIL_TEMPLATE_DIR");
  g_unsetenv ("HELPDESK_MAIL_CA_FILE");
  f->dir = g_dir_make_tmp ("hd-test-smtp-XXXXXX", &error);
  g_assert_no_error (error);
  f->maildir = g_build_filename (f->dir, "mail", NULL);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  f->account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "h", "port", 993,
                             "username", "u", "sender-address", "support@example.com",
                             "sender-alias", "Büro-Support Zürich",
                             "auto-answer-template", "default", NULL);
  g_assert_true (hd_store_add_account (f->store, f->account, &error));
  spec.account_id = hd_store_get_account_id (f->store, "Support", &error);
  f->ticket_id = hd_store_create_ticket (f->store, &spec, &token, &error);
  g_assert_no_error (error);
  f->reference = hd_store_format_reference (f->store, f->ticket_id, token);
  f->message = parse_mail (request_mail);

  g_assert_true (hd_store_set_setting (f->store, "smtp.host", "127.0.0.1", &error));
  g_assert_true (hd_store_set_setting (f->store, "smtp.security", "none", &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->server != NULL)
    {
      /* The server ends when its stdin closes. */
      g_output_stream_close (g_subprocess_get_stdin_pipe (f->server), NULL, NULL);
      g_subprocess_wait (f->server, NULL, NULL);
      g_clear_object (&f->server);
    }
  hd_secrets_clear_owner_sync (hd_store_get_id (f->store), "smtp", NULL, NULL);
  g_clear_object (&f->message);
  g_clear_object (&f->account);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->maildir);
  g_free (f->reference);
  g_unsetenv ("HELPDESK_MAIL_CA_FILE");
}

/* Starts the fixture with extra arguments (NULL-terminated) and points the
 * store's SMTP settings at it. */
static void
start_server (Fixture    *f,
              const char *first_arg,
              ...)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log_path = g_build_filename (f->dir, "server.log", NULL);
  g_autofree char *port = NULL;
  const char *root = g_getenv ("HD_SOURCE_ROOT");
  va_list args;

  g_ptr_array_add (argv, g_strdup (SYSTEM_PYTHON));
  g_ptr_array_add (argv, g_build_filename (root ? root : SRCDIR, "tests", "fixtures",
                                           "smtp_server.py", NULL));
  g_ptr_array_add (argv, g_strdup (f->maildir));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  f->server = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->server));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (log_path, &log, NULL, NULL);
      g_error ("the SMTP fixture did not start: %s", log ? log : "");
    }
  f->port = (guint) g_ascii_strtoull (line, NULL, 10);
  g_assert_cmpuint (f->port, >, 0);
  port = g_strdup_printf ("%u", f->port);
  g_assert_true (hd_store_set_setting (f->store, "smtp.port", port, &error));
}

static char *
received_path (Fixture    *f,
               guint       number,
               const char *extension)
{
  g_autofree char *name = g_strdup_printf ("%04u.%s", number, extension);

  return g_build_filename (f->maildir, name, NULL);
}

static char *
read_received (Fixture *f,
               guint    number)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = received_path (f, number, "eml");
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static JsonObject *
read_envelope (Fixture *f,
               guint    number)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = received_path (f, number, "json");
  g_autoptr (JsonParser) parser = json_parser_new ();

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
assert_nothing_received (Fixture *f,
                         guint    number)
{
  g_autofree char *path = received_path (f, number, "eml");

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Runs a send with this process's stdout and stderr, and every debug message
 * (GLib writes those to stdout), going to a file, and returns what was
 * written there. */
typedef struct
{
  int saved_out;
  int saved_err;
  char *path;
} Capture;

static void
capture_begin (Capture *capture)
{
  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("hd-test-output-XXXXXX", &capture->path, &error);

  g_assert_no_error (error);
  fflush (stdout);
  fflush (stderr);
  capture->saved_out = dup (1);
  capture->saved_err = dup (2);
  g_assert_cmpint (dup2 (fd, 1), ==, 1);
  g_assert_cmpint (dup2 (fd, 2), ==, 2);
  close (fd);
  g_log_set_debug_enabled (TRUE);
}

static char *
capture_end (Capture *capture)
{
  char *text = NULL;

  g_log_set_debug_enabled (FALSE);
  fflush (stdout);
  fflush (stderr);
  g_assert_cmpint (dup2 (capture->saved_out, 1), ==, 1);
  g_assert_cmpint (dup2 (capture->saved_err, 2), ==, 2);
  close (capture->saved_out);
  close (capture->saved_err);
  g_file_get_contents (capture->path, &text, NULL, NULL);
  g_remove (capture->path);
  g_free (capture->path);
  return text;
}

static void
test_answer (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autofree char *raw = NULL;
  g_autofree char *expected_subject = g_strdup_printf ("Re: Drucker im Büro kaputt %s",
                                                       f->reference);
  g_autofree char *ticket_text = g_strdup_printf ("ticket\n%" G_GINT64_FORMAT " for it",
                                                  f->ticket_id);
  g_autoptr (HdMessage) answer = NULL;
  g_autoptr (JsonObject) envelope = NULL;
  const HdMessageAddress *from;
  const char *const *references;
  const char *body;

  start_server (f, NULL);
  g_assert_true (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_no_error (error);

  envelope = read_envelope (f, 1);
  g_assert_cmpstr (json_object_get_string_member (envelope, "mail_from"), ==,
                   "support@example.com");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (envelope,
                                                                                "rcpt_tos"), 0),
                   ==, "joerg@example.org");
  assert_nothing_received (f, 2);

  raw = read_received (f, 1);
  /* RFC 2047 on the wire, decoded right by a reader. */
  g_assert_nonnull (strstr (raw, "=?UTF-8?"));
  g_assert_null (strstr (raw, "Büro"));
  g_assert_nonnull (strstr (raw, "\nAuto-Submitted: auto-replied\r\n"));
  g_assert_nonnull (strstr (raw, "\nX-Auto-Response-Suppress: All\r\n"));
  g_assert_nonnull (strstr (raw, "\nPrecedence: auto_reply\r\n"));
  g_assert_nonnull (strstr (raw, "Content-Type: text/plain; charset=utf-8"));

  answer = parse_mail (raw);
  from = hd_message_get_from (answer);
  g_assert_cmpstr (from->name, ==, "Büro-Support Zürich");
  g_assert_cmpstr (from->address, ==, "support@example.com");
  g_assert_cmpstr (hd_message_get_subject (answer), ==, expected_subject);
  g_assert_cmpstr (hd_message_get_auto_submitted (answer), ==, "auto-replied");
  g_assert_cmpstr (hd_message_get_in_reply_to (answer), ==, "<request-1@example.org>");
  references = hd_message_get_references (answer);
  g_assert_cmpuint (g_strv_length ((GStrv) references), ==, 2);
  g_assert_cmpstr (references[0], ==, "<root@example.org>");
  g_assert_cmpstr (references[1], ==, "<request-1@example.org>");
  body = hd_message_get_body_text (answer);
  g_assert_true (g_str_has_prefix (body, "Hello Jörg Müller,"));
  g_assert_nonnull (strstr (body, ticket_text));
  g_assert_nonnull (strstr (body, f->reference));
  g_assert_nonnull (strstr (body, "Büro-Support Zürich"));
  g_assert_null (strchr (body, '{'));

  /* Recorded: the daily cap counts it, and a reply to it finds the ticket. */
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "joerg@example.org"), ==, 1);
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "JOERG@example.org"), ==, 1);
  g_assert_cmpint (hd_store_find_ticket_by_message_id (f->store,
                                                       hd_message_get_message_id (answer)),
                   ==, f->ticket_id);
}

static void
test_german (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autofree char *raw = NULL;
  g_autoptr (HdMessage) answer = NULL;
  const char *body;

  start_server (f, NULL);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_assert_true (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_no_error (error);

  raw = read_received (f, 1);
  answer = parse_mail (raw);
  body = hd_message_get_body_text (answer);
  g_assert_true (g_str_has_prefix (body, "Hallo Jörg Müller,"));
  g_assert_nonnull (strstr (body, "vielen Dank für Ihre Nachricht"));
  g_assert_nonnull (strstr (body, f->reference));
  g_assert_nonnull (strstr (hd_message_get_subject (answer), f->reference));
}

static void
test_notice (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) wrong = parse_mail ("From: Carol <carol@example.org>\r\n"
                                            "Subject: Re: [TicketID 999ZZZZZ] Drucker\r\n"
                                            "Message-ID: <wrong@example.org>\r\n"
                                            "\r\n"
                                            "Noch eine Frage.\r\n");
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (wrong, 0, TRUE);
  g_autofree char *raw = NULL;
  g_autoptr (HdMessage) answer = NULL;

  start_server (f, NULL);
  g_assert_true (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_no_error (error);

  raw = read_received (f, 1);
  answer = parse_mail (raw);
  g_assert_cmpstr (hd_message_get_subject (answer), ==,
                   "Not added to any ticket: Re: [TicketID 999ZZZZZ] Drucker");
  g_assert_cmpstr (hd_message_get_auto_submitted (answer), ==, "auto-replied");
  g_assert_cmpstr (hd_message_get_in_reply_to (answer), ==, "<wrong@example.org>");
  g_assert_nonnull (strstr (hd_message_get_body_text (answer), "not added to any ticket"));
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "carol@example.org"), ==, 1);
  /* A notice belongs to no ticket, so a reply to it joins none. */
  g_assert_cmpint (hd_store_find_ticket_by_message_id (f->store,
                                                       hd_message_get_message_id (answer)),
                   ==, 0);
}

static void
test_refused_recipient (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdMessage) refused = parse_mail ("From: Refuse Me <refuse-me@example.org>\r\n"
                                              "Subject: Hallo\r\n"
                                              "Message-ID: <refused@example.org>\r\n"
                                              "\r\n"
                                              "Text.\r\n");
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (refused, f->ticket_id,
                                                                        FALSE);

  start_server (f, NULL);
  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_SMTP);
  g_assert_cmpstr (error->message, ==,
                   "550 5.1.1 <refuse-me@example.org>: Recipient address rejected: "
                   "User unknown in local recipient table");
  assert_nothing_received (f, 1);
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "refuse-me@example.org"), ==, 0);
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autoptr (JsonObject) envelope = NULL;
  g_autofree char *output = NULL;
  Capture capture;
  gboolean sent;

  start_server (f, "--auth", "helpdesk:" SMTP_PASSWORD, NULL);
  g_assert_true (hd_store_set_setting (f->store, "smtp.username", "helpdesk", &error));

  /* smtp.username without a password in the keyring says so. */
  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED);
  g_clear_error (&error);
  assert_nothing_received (f, 1);

  g_assert_true (hd_secrets_store_sync (HD_SECRET_SMTP_PASSWORD, hd_store_get_id (f->store),
                                        "smtp", SMTP_PASSWORD, NULL, &error));
  g_assert_no_error (error);
  capture_begin (&capture);
  sent = hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error);
  output = capture_end (&capture);
  g_assert_no_error (error);
  g_assert_true (sent);
  g_assert_null (strstr (output, SMTP_PASSWORD));

  envelope = read_envelope (f, 1);
  g_assert_cmpstr (json_object_get_string_member (envelope, "login"), ==, "helpdesk");
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "joerg@example.org"), ==, 1);
}

static void
test_auth_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autofree char *output = NULL;
  Capture capture;
  gboolean sent;

  start_server (f, "--auth", "helpdesk:" SMTP_PASSWORD, NULL);
  g_assert_true (hd_store_set_setting (f->store, "smtp.username", "helpdesk", &error));
  g_assert_true (hd_secrets_store_sync (HD_SECRET_SMTP_PASSWORD, hd_store_get_id (f->store),
                                        "smtp", WRONG_PASSWORD, NULL, &error));
  g_assert_no_error (error);

  capture_begin (&capture);
  sent = hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error);
  output = capture_end (&capture);
  g_assert_false (sent);
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_SMTP);
  /* aiosmtpd's own words for a failed AUTH. */
  g_assert_cmpstr (error->message, ==, "535 5.7.8 Authentication credentials invalid");
  g_assert_null (strstr (error->message, WRONG_PASSWORD));
  g_assert_null (strstr (output, WRONG_PASSWORD));
  g_assert_null (strstr (output, SMTP_PASSWORD));
  assert_nothing_received (f, 1);
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "joerg@example.org"), ==, 0);
}

static void
test_starttls_required (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);

  /* A server without STARTTLS gets nothing when the settings ask for it. */
  start_server (f, NULL);
  g_assert_true (hd_store_set_setting (f->store, "smtp.security", "starttls", &error));
  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_SMTP);
  assert_nothing_received (f, 1);
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);

  /* The fixture's port, once the fixture has gone. */
  start_server (f, NULL);
  g_output_stream_close (g_subprocess_get_stdin_pipe (f->server), NULL, NULL);
  g_subprocess_wait (f->server, NULL, NULL);
  g_clear_object (&f->server);

  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_SMTP);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "joerg@example.org"), ==, 0);
}

static gboolean
make_certificate (Fixture *f,
                  char   **out_cert,
                  char   **out_key)
{
  g_autofree char *cert = g_build_filename (f->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->dir, "key.pem", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr (GError) error = NULL;
  int status = -1;
  const char *argv[] = {
    openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", key, "-out", cert, NULL,
  };

  if (openssl == NULL)
    return FALSE;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  *out_cert = g_steal_pointer (&cert);
  *out_key = g_steal_pointer (&key);
  return TRUE;
}

static void
test_tls (Fixture       *f,
          gconstpointer  data)
{
  const char *mode = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAutoAnswerRequest) request = hd_auto_answer_request_new (f->message, f->ticket_id,
                                                                        FALSE);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *raw = NULL;

  if (!make_certificate (f, &cert, &key))
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  start_server (f, "--tls-cert", cert, "--tls-key", key, "--tls-mode", mode, NULL);
  g_assert_true (hd_store_set_setting (f->store, "smtp.security", mode, &error));

  /* Certificates are verified: a self-signed one fails... */
  g_assert_false (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_error (error, HD_AUTO_ANSWER_ERROR, HD_AUTO_ANSWER_ERROR_SMTP);
  g_clear_error (&error);
  assert_nothing_received (f, 1);

  /* ...until HELPDESK_MAIL_CA_FILE adds it to the trusted CAs. */
  g_setenv ("HELPDESK_MAIL_CA_FILE", cert, TRUE);
  g_assert_true (hd_auto_answer_send_sync (f->store, f->account, request, NULL, &error));
  g_assert_no_error (error);
  raw = read_received (f, 1);
  g_assert_nonnull (strstr (raw, "\nAuto-Submitted: auto-replied\r\n"));
}

static void
skip_without_python (void)
{
  g_test_skip ("the SMTP fixture needs " SYSTEM_PYTHON " with python3-aiosmtpd");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (!g_file_test (SYSTEM_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_add_func ("/auto-answer/smtp/skipped", skip_without_python);
      return g_test_run ();
    }

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("/auto-answer/smtp/answer", NULL, test_answer);
  ADD ("/auto-answer/smtp/german", NULL, test_german);
  ADD ("/auto-answer/smtp/notice", NULL, test_notice);
  ADD ("/auto-answer/smtp/refused-recipient", NULL, test_refused_recipient);
  ADD ("/auto-answer/smtp/auth", NULL, test_auth);
  ADD ("/auto-answer/smtp/auth-refused", NULL, test_auth_refused);
  ADD ("/auto-answer/smtp/starttls-required", NULL, test_starttls_required);
  ADD ("/auto-answer/smtp/unreachable", NULL, test_unreachable);
  ADD ("/auto-answer/smtp/tls", "tls", test_tls);
  ADD ("/auto-answer/smtp/starttls", "starttls", test_tls);

#undef ADD

  return g_test_run ();
}
