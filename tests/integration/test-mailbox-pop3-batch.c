/* test-mailbox-pop3-batch.c: the POP3 batched fetch (pipelined RETRs on a
 * raw connection) against a real Dovecot (tests/fixtures/dovecot-fixture.py),
 * whose POP3 announces PIPELINING before and after the login: a batch
 * arrives whole, byte for byte what was delivered and what a RETR through
 * libcurl gives; dot-stuffed lines come back as they were; a mail deleted by
 * another client meanwhile is left out; a cancellation ends the batch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "hd-account.h"
#include "hd-mailbox.h"

#include "dovecot-test-util.h"

static void
doveadm (const char *input,
         ...)
{
  g_autofree char *conf = g_build_filename (info_string ("dir"), "dovecot.conf", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GBytes) stdin_bytes = g_bytes_new (input, input != NULL ? strlen (input) : 0);
  g_autoptr (GError) error = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "doveadm");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, conf);
  va_start (args, input);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, stdin_bytes, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (process));
}

/* A user of its own for each case: the fixture's passwd-file is read again
 * when it changes, at most once a second. */
static void
add_user (const char *user)
{
  g_autofree char *path = g_build_filename (info_string ("dir"), "users.passwd", NULL);
  g_autofree char *line = g_strdup_printf ("%s:{PLAIN}pw-%s::::::\n", user, user);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = g_file_append_to (file, G_FILE_CREATE_NONE, NULL, NULL);

  g_assert_nonnull (out);
  g_assert_true (g_output_stream_write_all (G_OUTPUT_STREAM (out), line, strlen (line), NULL,
                                            NULL, NULL));
  g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (out), NULL, NULL));
  g_usleep (1200 * 1000);
}

/* Mail @n: its lines that start with a dot (a lone ".", "..", ".." at the
 * very end) come stuffed over POP3; every few mails one is large enough to
 * span many reads. */
static char *
make_mail (const char *user,
           guint       n)
{
  GString *mail = g_string_new (NULL);
  guint filler = n % 7 == 3 ? 4000 : 20 + n;

  g_string_append_printf (mail,
                          "From: Customer %u <customer%u@example.org>\r\n"
                          "To: %s@example.com\r\n"
                          "Subject: Batch mail %u\r\n"
                          "Message-ID: <batch.%u@example.org>\r\n"
                          "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
                          "\r\n"
                          "Dear helpdesk,\r\n"
                          ".\r\n"
                          "..\r\n"
                          ".hidden line %u\r\n"
                          "...three dots\r\n",
                          n, n, user, n, n, n);
  for (guint i = 0; i < filler; i++)
    g_string_append_printf (mail, "%sline %u of mail %u, long enough to be a line\r\n",
                            i % 5 == 0 ? "." : "", i, n);
  g_string_append (mail, "..\r\n");
  return g_string_free (mail, FALSE);
}

static HdMailbox *
user_mailbox (const char *user)
{
  g_autoptr (HdAccount) account = hd_account_new ();
  g_autofree char *password = g_strdup_printf ("pw-%s", user);

  g_object_set (account, "name", "Test", "host", info_string ("host"),
                "port", info_port ("pop3s"), "protocol", HD_PROTOCOL_POP3,
                "security", HD_SECURITY_TLS, "username", user, NULL);
  return hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, password);
}

typedef struct {
  GHashTable *received; /* handle → the mail's bytes (GBytes) */
  GCancellable *cancel_after_first;
} Batch;

static gboolean
fetched_cb (HdMailbox   *mailbox,
            const char  *uid,
            GBytes      *bytes,
            GFile       *file,
            gpointer     user_data,
            GError     **error)
{
  Batch *batch = user_data;
  char *contents = NULL;
  gsize length = 0;

  g_assert_false (g_hash_table_contains (batch->received, uid));
  if (bytes != NULL)
    {
      g_hash_table_insert (batch->received, g_strdup (uid), g_bytes_ref (bytes));
    }
  else
    {
      g_assert_true (g_file_get_contents (g_file_peek_path (file), &contents, &length, NULL));
      g_hash_table_insert (batch->received, g_strdup (uid), g_bytes_new_take (contents, length));
    }
  if (batch->cancel_after_first != NULL)
    g_cancellable_cancel (batch->cancel_after_first);
  return TRUE;
}

static GHashTable *
new_received (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) g_bytes_unref);
}

static guint
count_lines_starting (const char *text,
                      const char *prefix)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], prefix))
        count++;
    }
  return count;
}

/* 30 mails in one batch: each arrives whole, byte for byte as delivered and
 * as libcurl's own RETR gives it, over a second connection on which the
 * RETRs went out before the first reply was read; the transcript holds the
 * commands, not the mail, and never the password. */
static void
test_thirty_whole (void)
{
  const char *user = "batch30";
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (GHashTable) received = new_received ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) uids = NULL;
  g_autofree char *transcript = NULL;
  const char *raw_part;
  const char *first_reply;
  g_autofree char *before_reply = NULL;
  Batch batch = { received, NULL };

  add_user (user);
  for (guint n = 1; n <= 30; n++)
    {
      g_autofree char *mail = make_mail (user, n);

      doveadm (mail, "save", "-u", user, "-m", "INBOX", NULL);
    }
  mailbox = user_mailbox (user);

  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (uids), ==, 30);
  g_assert_true (hd_mailbox_fetch_batch_sync (mailbox, (const char * const *) uids, fetched_cb,
                                              &batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (received), ==, 30);
  g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 2);

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *expected = make_mail (user, i + 1);
      GBytes *got = g_hash_table_lookup (received, uids[i]);
      g_autoptr (GFileIOStream) io = NULL;
      g_autoptr (GFile) file = g_file_new_tmp ("pop3-batch-XXXXXX", &io, &error);
      g_autofree char *one = NULL;
      gsize one_length = 0;

      g_assert_nonnull (got);
      /* Listed in delivery order: handle i is mail i + 1, dots and all. */
      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), expected,
                       strlen (expected));
      /* The same bytes as one RETR through libcurl on the listing connection. */
      g_io_stream_close (G_IO_STREAM (io), NULL, NULL);
      g_assert_true (hd_mailbox_fetch_to_file_sync (mailbox, uids[i], file, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (g_file_peek_path (file), &one, &one_length, NULL));
      g_file_delete (file, NULL, NULL);
      g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), one, one_length);
    }

  transcript = hd_mailbox_dup_transcript (mailbox);
  raw_part = strstr (transcript, "C: UIDL\n");
  g_assert_nonnull (raw_part);
  raw_part = strstr (raw_part + 1, "C: UIDL\n");
  g_assert_nonnull (raw_part); /* the raw connection's own listing */
  g_assert_cmpuint (count_lines_starting (raw_part, "C: RETR "), ==, 30);
  /* Pipelined: the RETRs of the window went out before the first reply. */
  first_reply = strstr (strstr (raw_part, "C: RETR 1\n"), "S: +OK ");
  before_reply = g_strndup (raw_part, first_reply - raw_part);
  g_assert_cmpuint (count_lines_starting (before_reply, "C: RETR "), ==, 30);
  g_assert_null (strstr (transcript, "Batch mail 7"));
  g_assert_null (strstr (transcript, "pw-batch30"));
  g_assert_null (strstr (transcript, "AGJhdGNoMzAAcHctYmF0Y2gzMA==")); /* its AUTH PLAIN */

  hd_mailbox_close (mailbox);
}

/* A mail that another client deletes after the list is left out of the
 * batch; the others arrive, and their deletes on the listing connection
 * empty the maildrop at QUIT. */
static void
test_deleted_meanwhile (void)
{
  const char *user = "batchgone";
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (HdMailbox) after = NULL;
  g_autoptr (GHashTable) received = new_received ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) uids = NULL;
  g_auto (GStrv) left = NULL;
  g_autoptr (GPtrArray) fetched = g_ptr_array_new ();
  Batch batch = { received, NULL };

  add_user (user);
  for (guint n = 1; n <= 5; n++)
    {
      g_autofree char *mail = make_mail (user, n);

      doveadm (mail, "save", "-u", user, "-m", "INBOX", NULL);
    }
  mailbox = user_mailbox (user);
  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (uids), ==, 5);

  doveadm (NULL, "expunge", "-u", user, "mailbox", "INBOX", "header", "Message-ID",
           "<batch.2@example.org>", NULL);

  g_assert_true (hd_mailbox_fetch_batch_sync (mailbox, (const char * const *) uids, fetched_cb,
                                              &batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (received), ==, 4);
  g_assert_false (g_hash_table_contains (received, uids[1]));
  for (guint i = 0; i < 5; i++)
    {
      if (i != 1)
        g_ptr_array_add (fetched, uids[i]);
    }
  g_ptr_array_add (fetched, NULL);

  g_assert_true (hd_mailbox_delete_sync (mailbox, (const char * const *) fetched->pdata, NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (hd_mailbox_finish_sync (mailbox, NULL, &error));
  g_assert_no_error (error);

  after = user_mailbox (user);
  g_assert_true (hd_mailbox_list_sync (after, NULL, &left, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (left), ==, 0);
}

/* A cancellation while the batch is arriving ends it after the mail in
 * hand: nothing more is handed over, and the error says cancelled. */
static void
test_cancelled (void)
{
  const char *user = "batchcancel";
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (GHashTable) received = new_received ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) uids = NULL;
  Batch batch = { received, cancellable };

  add_user (user);
  for (guint n = 1; n <= 4; n++)
    {
      g_autofree char *mail = make_mail (user, n);

      doveadm (mail, "save", "-u", user, "-m", "INBOX", NULL);
    }
  mailbox = user_mailbox (user);
  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (hd_mailbox_fetch_batch_sync (mailbox, (const char * const *) uids, fetched_cb,
                                               &batch, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (g_hash_table_size (received), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  start_fixture ();
  g_setenv ("HELPDESK_MAIL_CA_FILE", info_string ("ca_file"), TRUE);

  g_test_add_func ("/mailbox-batch/pop3/thirty-whole", test_thirty_whole);
  g_test_add_func ("/mailbox-batch/pop3/deleted-meanwhile", test_deleted_meanwhile);
  g_test_add_func ("/mailbox-batch/pop3/cancelled", test_cancelled);

  status = g_test_run ();
  stop_fixture ();
  return status;
}
