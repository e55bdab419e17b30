/* test-accounts.c: HdAccounts' async calls, each in a worker thread on a store
 * connection of its own, against the real gnome-keyring of tests/session.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hd-accounts.h"
#include "hd-secrets.h"
#include "hd-store-batch.h"

typedef struct {
  char *dir;
  char *path;
  HdStore *store;      /* the test thread's own connection */
  HdAccounts *accounts; /* from the path alone: async calls only */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("hd-test-accounts-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  f->accounts = hd_accounts_new_for_path (f->path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
  GWeakRef accounts;
  GObject *alive;

  /* A worker thread lets go of its task, and the task of its source
   * object, just after the callback ran here. */
  g_weak_ref_init (&accounts, f->accounts);
  g_clear_object (&f->accounts);
  for (guint i = 0; i < 5000 && (alive = g_weak_ref_get (&accounts)) != NULL; i++)
    {
      g_object_unref (alive);
      g_usleep (1000);
    }
  alive = g_weak_ref_get (&accounts);
  g_assert_null (alive);
  g_weak_ref_clear (&accounts);
  g_assert_finalize_object (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (path);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

static HdAccount *
account_new (const char *name)
{
  return g_object_new (HD_TYPE_ACCOUNT, "name", name, "host", "imap.example.com", "port", 993,
                       "username", "helpdesk@example.com", NULL);
}

static char *
password_of (Fixture    *f,
             const char *owner)
{
  g_autoptr (GError) error = NULL;
  char *password = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, hd_store_get_id (f->store),
                                           owner, NULL, &error);

  g_assert_no_error (error);
  return password;
}

static gboolean
has_account (Fixture    *f,
             const char *name)
{
  g_autoptr (HdAccount) account = hd_store_lookup_account (f->store, name, NULL);

  return account != NULL;
}

/* One finished call: its result, and on which thread the callback ran. */
typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
  GThread *callback_thread;
} Result;

static void
result_clear (Result *r)
{
  g_clear_error (&r->error);
  memset (r, 0, sizeof *r);
}

#define DONE_CB(name, finish)                                              \
  static void                                                              \
  name (GObject      *object,                                              \
        GAsyncResult *result,                                              \
        gpointer      user_data)                                           \
  {                                                                        \
    Result *r = user_data;                                                 \
                                                                           \
    r->ok = finish (HD_ACCOUNTS (object), result, &r->error);              \
    r->callback_thread = g_thread_self ();                                 \
    r->done = TRUE;                                                        \
  }

DONE_CB (added_cb, hd_accounts_add_finish)
DONE_CB (updated_cb, hd_accounts_update_finish)
DONE_CB (duplicated_cb, hd_accounts_duplicate_finish)
DONE_CB (removed_cb, hd_accounts_remove_finish)
DONE_CB (password_set_cb, hd_accounts_set_password_finish)

static void
wait_for (Result *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
add (Fixture    *f,
     const char *name,
     const char *password,
     Result     *r)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (one, account_new (name));
  hd_accounts_add_async (f->accounts, one, password, NULL, added_cb, r);
}

/* Every change, from the test's thread, lands in the database and the
 * keyring as the _sync call would make it. */
static void
test_every_change (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr (HdAccount) renamed = account_new ("Helpdesk");
  g_autoptr (HdAccount) copy = account_new ("Helpdesk (Copy)");
  g_autofree char *password = NULL;
  Result r = { 0 };

  add (f, "Support", "s3cret ünïcode", &r);
  wait_for (&r);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (r.callback_thread == g_thread_self ());
  g_assert_true (has_account (f, "Support"));
  password = password_of (f, "Support");
  g_assert_cmpstr (password, ==, "s3cret ünïcode");
  g_clear_pointer (&password, g_free);
  result_clear (&r);

  g_object_set (renamed, "sender-alias", "Example Helpdesk", NULL);
  hd_accounts_update_async (f->accounts, "Support", renamed, "new-Secret", NULL, updated_cb, &r);
  wait_for (&r);
  g_assert_no_error (r.error);
  g_assert_false (has_account (f, "Support"));
  g_assert_true (has_account (f, "Helpdesk"));
  password = password_of (f, "Helpdesk");
  g_assert_cmpstr (password, ==, "new-Secret");
  g_clear_pointer (&password, g_free);
  password = password_of (f, "Support");
  g_assert_null (password);
  result_clear (&r);

  hd_accounts_duplicate_async (f->accounts, "Helpdesk", copy, NULL, duplicated_cb, &r);
  wait_for (&r);
  g_assert_no_error (r.error);
  password = password_of (f, "Helpdesk (Copy)");
  g_assert_cmpstr (password, ==, "new-Secret");
  g_clear_pointer (&password, g_free);
  result_clear (&r);

  hd_accounts_set_password_async (f->accounts, "Helpdesk (Copy)", "other", NULL, password_set_cb,
                                  &r);
  wait_for (&r);
  g_assert_no_error (r.error);
  password = password_of (f, "Helpdesk (Copy)");
  g_assert_cmpstr (password, ==, "other");
  g_clear_pointer (&password, g_free);
  result_clear (&r);

  /* An unknown account has no password to set. */
  hd_accounts_set_password_async (f->accounts, "Nobody", "x", NULL, password_set_cb, &r);
  wait_for (&r);
  g_assert_error (r.error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
  result_clear (&r);

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "Helpdesk" : "Helpdesk (Copy)";

      hd_accounts_remove_async (f->accounts, name, NULL, removed_cb, &r);
      wait_for (&r);
      g_assert_no_error (r.error);
      g_assert_false (has_account (f, name));
      password = password_of (f, name);
      g_assert_null (password);
      result_clear (&r);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Two adds at once, each in its own worker with its own connection: while
 * the test's connection holds the write lock, both wait in SQLite's busy
 * handler and the test's main loop goes on; once the lock goes, both land. */
static void
test_two_threads (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (HdStoreBatch) lock = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  Result a = { 0 }, b = { 0 };
  gboolean ticked = FALSE;

  lock = hd_store_batch_begin (f->store, &error);
  g_assert_no_error (error);

  add (f, "First", "pw-first", &a);
  add (f, "Second", "pw-second", &b);

  g_timeout_add (1500, tick_cb, &ticked);
  while (!ticked)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (a.done);
  g_assert_false (b.done);

  hd_store_batch_rollback (lock);
  wait_for (&a);
  wait_for (&b);
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  g_assert_true (has_account (f, "First"));
  g_assert_true (has_account (f, "Second"));
  first = password_of (f, "First");
  second = password_of (f, "Second");
  g_assert_cmpstr (first, ==, "pw-first");
  g_assert_cmpstr (second, ==, "pw-second");
  result_clear (&a);
  result_clear (&b);

  hd_accounts_remove_async (f->accounts, "First", NULL, removed_cb, &a);
  hd_accounts_remove_async (f->accounts, "Second", NULL, removed_cb, &b);
  wait_for (&a);
  wait_for (&b);
  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  result_clear (&a);
  result_clear (&b);
}

/* A cancelled change stops at the keyring, and the database write before
 * it is rolled back. */
static void
test_cancelled_undoes (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);
  Result r = { 0 };

  g_ptr_array_add (one, account_new ("Support"));
  g_cancellable_cancel (cancellable);
  hd_accounts_add_async (f->accounts, one, "pw", cancellable, added_cb, &r);
  wait_for (&r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (has_account (f, "Support"));
  result_clear (&r);
}

/* With no Secret Service on the bus, the keyring step fails: the add and
 * the rename leave the database as it was. Runs in a child process, whose
 * D-Bus connection has not been made yet when the bus address is changed. */
static void
test_keyring_failure_undoes (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr (HdAccount) renamed = account_new ("Helpdesk");
  g_autoptr (GError) error = NULL;
  Result r = { 0 };

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/helpdesk-test-bus", TRUE);

  add (f, "Support", "pw", &r);
  wait_for (&r);
  g_assert_false (r.ok);
  g_assert_nonnull (r.error);
  g_test_message ("the keyring said: %s", r.error->message);
  g_assert_false (has_account (f, "Support"));
  result_clear (&r);

  /* Without a password the keyring is not asked, and the add lands. */
  add (f, "Support", NULL, &r);
  wait_for (&r);
  g_assert_no_error (r.error);
  g_assert_true (has_account (f, "Support"));
  result_clear (&r);

  /* A rename moves the secrets: that fails, and the old name stays. */
  hd_accounts_update_async (f->accounts, "Support", renamed, NULL, NULL, updated_cb, &r);
  wait_for (&r);
  g_assert_false (r.ok);
  g_assert_true (has_account (f, "Support"));
  g_assert_false (has_account (f, "Helpdesk"));
  result_clear (&r);

  /* A removal clears the secrets inside the batch: the account stays, so
   * that no secret is left behind without it. */
  hd_accounts_remove_async (f->accounts, "Support", NULL, removed_cb, &r);
  wait_for (&r);
  g_assert_false (r.ok);
  g_assert_true (has_account (f, "Support"));
  result_clear (&r);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/accounts/async/every-change", test_every_change);
  ADD ("/accounts/async/two-threads", test_two_threads);
  ADD ("/accounts/async/cancelled-undoes", test_cancelled_undoes);
  ADD ("/accounts/async/keyring-failure-undoes", test_keyring_failure_undoes);

  return g_test_run ();
}
