/* test-poll-job.c: the poll job without a server, against a fake mailbox:
 * a failure injected at every step (list, fetch, parse, store, commit,
 * delete, restore-seen, finish, auto-answer) and a cancellation at every
 * step lose no mail and double none; two polls of two accounts at once on
 * two threads of one process import each Message-ID once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "hd-errors.h"
#include "hd-fake-mailbox.h"
#include "hd-poll-job.h"
#include "hd-secrets.h"
#include "hd-store-health.h"

#define N_MAILS 12

typedef struct
{
  char *dir;
  char *path;
  HdStore *store;
  HdAccount *account;
  FakeServer *server;
  GPtrArray *message_ids;
} Fixture;

static char *
make_mail (guint n)
{
  return g_strdup_printf ("From: Customer %u <c%u@example.org>\r\n"
                          "To: someone@example.com\r\n"
                          "Subject: Request %u\r\n"
                          "Message-ID: <m-%u@test>\r\n"
                          "Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n"
                          "\r\nBody %u.\r\n", n, n, n, n, n);
}

static HdAccount *
add_account (Fixture    *f,
             const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_strdup_printf ("%s@helpdesk.test", name);
  HdAccount *account = g_object_new (HD_TYPE_ACCOUNT, "name", name, "host", "127.0.0.1",
                                     "port", 993, "username", address, "account-address", address,
                                     "sender-address", address, NULL);

  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_no_error (error);
  g_assert_true (hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, hd_store_get_id (f->store),
                                        name, "pw", NULL, &error));
  g_assert_no_error (error);
  return account;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("hd-test-poll-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  f->account = add_account (f, "Support");
  f->server = fake_server_new ();
  f->message_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 1; i <= N_MAILS; i++)
    {
      g_autofree char *raw = make_mail (i);
      g_autofree char *uid = fake_server_add (f->server, raw);

      g_ptr_array_add (f->message_ids, g_strdup_printf ("<m-%u@test>", i));
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  hd_secrets_clear_owner_sync (hd_store_get_id (f->store), "Support", NULL, NULL);
  hd_secrets_clear_owner_sync (hd_store_get_id (f->store), "Other", NULL, NULL);
  g_clear_object (&f->account);
  g_clear_object (&f->store);
  fake_server_free (f->server);
  g_ptr_array_unref (f->message_ids);
  {
    g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (f->dir, name, NULL);
        g_unlink (file);
      }
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static HdMailbox *
factory (HdAccount           *account,
         const HdCredentials *credentials,
         gpointer             user_data)
{
  g_assert_cmpstr (credentials->secret, ==, "pw");
  return fake_mailbox_new (account, user_data);
}

static HdPollResult *
poll_with (Fixture      *f,
           HdAccount    *account,
           FakeServer   *server,
           GCancellable *cancellable)
{
  g_autoptr (HdPollJob) job = hd_poll_job_new (f->store, account);
  g_autoptr (GError) error = NULL;
  HdPollResult *result;

  hd_poll_job_set_batch_size (job, 4);
  hd_poll_job_set_mailbox_factory (job, factory, server);
  result = hd_poll_job_run_sync (job, cancellable, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static HdPollResult *
poll (Fixture *f)
{
  return poll_with (f, f->account, f->server, NULL);
}

/* Runs SQL on the database behind the store's back, as another process would. */
static void
exec_sql (Fixture    *f,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* How often each Message-ID is a ticket step, and whether the log keeps a
 * raw copy of it. */
static guint
count_rows (Fixture    *f,
            const char *sql,
            const char *message_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, message_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static guint
steps_of (Fixture    *f,
          const char *message_id)
{
  return count_rows (f, "SELECT count(*) FROM ticket_steps WHERE message_id = ?1", message_id);
}

/* Nothing lost, nothing doubled: each mail is in at most one step, and one
 * that is in none is still on the server. */
static void
assert_nothing_lost (Fixture    *f,
                     FakeServer *server)
{
  for (guint i = 0; i < f->message_ids->len; i++)
    {
      const char *id = f->message_ids->pdata[i];
      guint steps = steps_of (f, id);

      g_assert_cmpuint (steps, <=, 1);
      if (steps == 0 && !fake_server_has (server, id))
        g_error ("%s left the server but is in no ticket", id);
    }
}

/* After a clean poll: every mail in exactly one step, the server empty. */
static void
assert_exactly_once (Fixture *f)
{
  for (guint i = 0; i < f->message_ids->len; i++)
    g_assert_cmpuint (steps_of (f, f->message_ids->pdata[i]), ==, 1);
  g_assert_cmpuint (fake_server_count (f->server), ==, 0);
}

static void
test_clean (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr (HdPollResult) result = poll (f);
  g_autoptr (HdAccountHealth) health = NULL;
  const HdPollCounts *counts = hd_poll_result_get_counts (result);

  g_assert_true (hd_poll_result_get_ok (result));
  g_assert_cmpuint (counts->listed, ==, N_MAILS);
  g_assert_cmpuint (counts->imported, ==, N_MAILS);
  g_assert_cmpuint (counts->deleted, ==, N_MAILS);
  g_assert_cmpuint (f->server->fetches, ==, N_MAILS);
  assert_exactly_once (f);

  health = hd_store_get_health (f->store, hd_store_get_account_id (f->store, "Support", NULL),
                                NULL);
  g_assert_cmpstr (health->state, ==, HD_HEALTH_OK);
  g_assert_nonnull (health->last_poll);
}

/* A failure at @step: the poll reports it, loses nothing, and the next
 * poll finishes the job exactly once. */
static void
fault (Fixture  *f,
       FakeStep  step,
       guint     n)
{
  g_autoptr (HdPollResult) first = NULL;
  g_autoptr (HdPollResult) second = NULL;

  f->server->fail_at = step;
  f->server->step_n = n;
  first = poll (f);
  /* With its deletes already final, a session that fails to end harms nothing. */
  if (step != FAKE_STEP_FINISH)
    g_assert_cmpuint (g_strv_length ((GStrv) hd_poll_result_get_errors (first)), >, 0);
  assert_nothing_lost (f, f->server);

  f->server->fail_at = FAKE_STEP_NONE;
  second = poll (f);
  g_assert_true (hd_poll_result_get_ok (second));
  assert_exactly_once (f);
}

static void
test_fault_list (Fixture *f, gconstpointer data)
{
  g_autoptr (HdAccountHealth) health = NULL;

  f->server->fail_at = FAKE_STEP_LIST;
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_false (hd_poll_result_get_ok (result));
    g_assert_nonnull (strstr (hd_poll_result_get_failure (result), "injected"));
  }
  health = hd_store_get_health (f->store, hd_store_get_account_id (f->store, "Support", NULL),
                                NULL);
  g_assert_cmpstr (health->state, ==, HD_HEALTH_FAILING);
  g_assert_nonnull (strstr (health->message, "injected"));
  g_assert_cmpuint (fake_server_count (f->server), ==, N_MAILS);
  f->server->fail_at = FAKE_STEP_NONE;
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_true (hd_poll_result_get_ok (result));
  }
  assert_exactly_once (f);
}

static void
test_fault_fetch (Fixture *f, gconstpointer data)
{
  fault (f, FAKE_STEP_FETCH, 7);
}

static void
test_fault_delete (Fixture *f, gconstpointer data)
{
  fault (f, FAKE_STEP_DELETE, 0);
}

static void
test_fault_restore_seen (Fixture *f, gconstpointer data)
{
  fault (f, FAKE_STEP_RESTORE_SEEN, 0);
}

static void
test_fault_finish (Fixture *f, gconstpointer data)
{
  fault (f, FAKE_STEP_FINISH, 0);
}

/* A mail that cannot be parsed stays on the server, logged once with its
 * raw copy; the others are imported. */
static void
test_fault_parse (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *uid = fake_server_add (f->server, "");
  g_autoptr (HdPollResult) first = poll (f);
  g_autoptr (HdPollResult) second = poll (f);
  guint logged = count_rows (f, "SELECT count(*) FROM poll_events WHERE action = 'error'"
                                " AND raw_id IS NOT NULL AND ?1 IS NOT NULL", "x");

  g_assert_cmpuint (hd_poll_result_get_counts (first)->failed, ==, 1);
  g_assert_cmpuint (logged, ==, 1);
  g_assert_cmpuint (fake_server_count (f->server), ==, 1);
  for (guint i = 0; i < f->message_ids->len; i++)
    g_assert_cmpuint (steps_of (f, f->message_ids->pdata[i]), ==, 1);
}

/* The database refuses one mail (a trigger aborts its step): that mail is
 * rolled back alone, logged, and stays on the server. */
static void
test_fault_store (Fixture       *f,
                  gconstpointer  data)
{
  exec_sql (f, "CREATE TRIGGER refuse BEFORE INSERT ON ticket_steps"
               " WHEN NEW.message_id = '<m-3@test>' BEGIN SELECT RAISE (ABORT, 'injected'); END;");
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_cmpuint (hd_poll_result_get_counts (result)->failed, ==, 1);
    g_assert_cmpuint (hd_poll_result_get_counts (result)->imported, ==, N_MAILS - 1);
  }
  assert_nothing_lost (f, f->server);
  g_assert_true (fake_server_has (f->server, "<m-3@test>"));
  g_assert_cmpuint (fake_server_count (f->server), ==, 1);
  exec_sql (f, "DROP TRIGGER refuse");
  g_clear_pointer (&f->server->deleted, g_ptr_array_unref);
  f->server->deleted = g_ptr_array_new_with_free_func (g_free);
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_true (hd_poll_result_get_ok (result));
  }
  assert_exactly_once (f);
}

/* The COMMIT of one batch fails (a deferred constraint): nothing of that
 * batch is stored and nothing of it is deleted. */
static void
test_fault_commit (Fixture       *f,
                   gconstpointer  data)
{
  exec_sql (f, "CREATE TABLE commit_fault (x INTEGER REFERENCES tickets (id)"
               " DEFERRABLE INITIALLY DEFERRED);"
               "CREATE TRIGGER fail_commit AFTER INSERT ON ticket_steps"
               " WHEN NEW.message_id = '<m-6@test>'"
               " BEGIN INSERT INTO commit_fault VALUES (-1); END;");
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_false (hd_poll_result_get_ok (result));
  }
  assert_nothing_lost (f, f->server);
  /* The batch of four that held mail 6 (mails 5 to 8) is all still there. */
  for (guint i = 5; i <= 8; i++)
    {
      g_autofree char *id = g_strdup_printf ("<m-%u@test>", i);

      g_assert_cmpuint (steps_of (f, id), ==, 0);
      g_assert_true (fake_server_has (f->server, id));
    }
  exec_sql (f, "DROP TRIGGER fail_commit");
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_true (hd_poll_result_get_ok (result));
  }
  assert_exactly_once (f);
}

/* Auto-answers to an SMTP server that is not there: the failure is said,
 * and the mail is stored and deleted all the same. */
static void
test_fault_auto_answer (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdPollResult) result = NULL;

  g_object_set (f->account, "auto-answer-template", "default", NULL);
  g_assert_true (hd_store_update_account (f->store, "Support", f->account, &error));
  g_assert_true (hd_store_set_setting (f->store, "auto_emails.new_request", "true", &error));
  g_assert_true (hd_store_set_setting (f->store, "smtp.host", "127.0.0.1", &error));
  g_assert_true (hd_store_set_setting (f->store, "smtp.port", "9", &error));
  g_assert_true (hd_store_set_setting (f->store, "smtp.security", "none", &error));
  g_assert_no_error (error);
  result = poll (f);
  g_assert_true (hd_poll_result_get_ok (result));
  g_assert_cmpuint (g_strv_length ((GStrv) hd_poll_result_get_errors (result)), >, 0);
  assert_exactly_once (f);
}

/* Cancelled at @step: what was stored stays, its deletes wait, nothing is
 * lost; the next poll finishes the job. */
static void
cancel_at (Fixture  *f,
           FakeStep  step,
           guint     n)
{
  f->server->cancel_at = step;
  f->server->step_n = n;
  {
    g_autoptr (HdPollResult) result = poll_with (f, f->account, f->server,
                                                 f->server->cancellable);

    g_assert_false (hd_poll_result_get_ok (result) && step != FAKE_STEP_FINISH);
  }
  assert_nothing_lost (f, f->server);
  f->server->cancel_at = FAKE_STEP_NONE;
  {
    g_autoptr (HdPollResult) result = poll (f);

    g_assert_true (hd_poll_result_get_ok (result));
  }
  assert_exactly_once (f);
}

static void
test_cancel_list (Fixture *f, gconstpointer data)
{
  cancel_at (f, FAKE_STEP_LIST, 0);
}

static void
test_cancel_fetch (Fixture *f, gconstpointer data)
{
  cancel_at (f, FAKE_STEP_FETCH, 6);
}

static void
test_cancel_delete (Fixture *f, gconstpointer data)
{
  cancel_at (f, FAKE_STEP_DELETE, 0);
}

static void
test_cancel_finish (Fixture *f, gconstpointer data)
{
  cancel_at (f, FAKE_STEP_FINISH, 0);
}

typedef struct {
  guint pending;
  GMainLoop *loop;
  HdPollResult *results[2];
  guint progress[2];
} TwoPolls;

static void
progress_cb (HdPollJob *job,
             guint      done,
             guint      total,
             gpointer   user_data)
{
  guint *seen = user_data;

  g_assert_cmpuint (done, <=, total);
  (*seen)++;
}

static void
two_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  TwoPolls *two = user_data;
  g_autoptr (GError) error = NULL;
  HdPollResult *result = hd_poll_job_run_finish (HD_POLL_JOB (source), res, &error);

  g_assert_no_error (error);
  two->results[two->results[0] == NULL ? 0 : 1] = result;
  if (--two->pending == 0)
    g_main_loop_quit (two->loop);
}

/* Two accounts whose mailboxes hold the same mail, polled at once on two
 * worker threads of this process: each Message-ID becomes one step. */
static void
test_two_accounts_two_threads (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr (HdAccount) other = add_account (f, "Other");
  FakeServer *other_server = fake_server_new ();
  g_autoptr (HdPollJob) job1 = hd_poll_job_new (f->store, f->account);
  g_autoptr (HdPollJob) job2 = hd_poll_job_new (f->store, other);
  TwoPolls two = { 2, g_main_loop_new (NULL, FALSE) };

  for (guint i = 1; i <= N_MAILS; i++)
    {
      g_autofree char *raw = make_mail (i);
      g_autofree char *uid = fake_server_add (other_server, raw);
    }
  hd_poll_job_set_batch_size (job1, 2);
  hd_poll_job_set_batch_size (job2, 2);
  hd_poll_job_set_mailbox_factory (job1, factory, f->server);
  hd_poll_job_set_mailbox_factory (job2, factory, other_server);
  g_signal_connect (job1, "progress", G_CALLBACK (progress_cb), &two.progress[0]);
  g_signal_connect (job2, "progress", G_CALLBACK (progress_cb), &two.progress[1]);
  hd_poll_job_run_async (job1, NULL, two_done_cb, &two);
  hd_poll_job_run_async (job2, NULL, two_done_cb, &two);
  g_main_loop_run (two.loop);

  g_assert_true (hd_poll_result_get_ok (two.results[0]));
  g_assert_true (hd_poll_result_get_ok (two.results[1]));
  g_assert_cmpuint (hd_poll_result_get_counts (two.results[0])->imported
                    + hd_poll_result_get_counts (two.results[1])->imported, ==, N_MAILS);
  g_assert_cmpuint (two.progress[0], ==, N_MAILS);
  g_assert_cmpuint (two.progress[1], ==, N_MAILS);
  assert_exactly_once (f);
  /* The other's copies are duplicates: deleted, each with its raw copy logged. */
  g_assert_cmpuint (fake_server_count (other_server), ==, 0);

  hd_poll_result_unref (two.results[0]);
  hd_poll_result_unref (two.results[1]);
  g_main_loop_unref (two.loop);
  fake_server_free (other_server);
}

/* A second poll of one account while the first runs is refused, not run. */
static void
test_busy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr (HdPollJob) job = hd_poll_job_new (f->store, f->account);
  g_autoptr (GError) error = NULL;
  g_autofree char *lock = g_strdup_printf ("%s.poll-%" G_GINT64_FORMAT ".lock", f->path,
                                           hd_store_get_account_id (f->store, "Support", NULL));
  int fd = g_open (lock, O_RDWR | O_CREAT, 0600);
  HdPollResult *result;

  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  hd_poll_job_set_mailbox_factory (job, factory, f->server);
  result = hd_poll_job_run_sync (job, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, HD_POLL_ERROR, HD_POLL_ERROR_BUSY);
  g_assert_cmpuint (f->server->fetches, ==, 0);
  close (fd);
}

/* The core's errors cross D-Bus with their domain and code. */
static void
test_dbus_errors (void)
{
  g_autoptr (GError) error = g_error_new_literal (HD_POLL_ERROR, HD_POLL_ERROR_BUSY, "busy");
  g_autoptr (GError) back = NULL;
  g_autofree char *name = NULL;

  hd_errors_register_dbus ();
  name = g_dbus_error_encode_gerror (error);
  g_assert_cmpstr (name, ==, "io.github.helpdeskmail.HelpDeskMail.Error.Poll.Busy");
  back = g_dbus_error_new_for_dbus_error (name, "busy");
  g_assert_error (back, HD_POLL_ERROR, HD_POLL_ERROR_BUSY);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/poll-job/clean", test_clean);
  ADD ("/poll-job/fault/list", test_fault_list);
  ADD ("/poll-job/fault/fetch", test_fault_fetch);
  ADD ("/poll-job/fault/parse", test_fault_parse);
  ADD ("/poll-job/fault/store", test_fault_store);
  ADD ("/poll-job/fault/commit", test_fault_commit);
  ADD ("/poll-job/fault/delete", test_fault_delete);
  ADD ("/poll-job/fault/restore-seen", test_fault_restore_seen);
  ADD ("/poll-job/fault/finish", test_fault_finish);
  ADD ("/poll-job/fault/auto-answer", test_fault_auto_answer);
  ADD ("/poll-job/cancel/list", test_cancel_list);
  ADD ("/poll-job/cancel/fetch", test_cancel_fetch);
  ADD ("/poll-job/cancel/delete", test_cancel_delete);
  ADD ("/poll-job/cancel/finish", test_cancel_finish);
  ADD ("/poll-job/two-accounts-two-threads", test_two_accounts_two_threads);
  ADD ("/poll-job/busy", test_busy);
#undef ADD
  g_test_add_func ("/poll-job/dbus-errors", test_dbus_errors);

  return g_test_run ();
}
