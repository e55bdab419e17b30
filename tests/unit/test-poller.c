/* test-poller.c: HdPoller's scheduling over a fake mailbox: intervals,
 * backoff, parallel accounts, never two polls of one account, pause,
 * reload, stop and run-once. Intervals are short (a "second" lasts a few
 * milliseconds) and the assertions are about order and counts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "hd-accounts.h"
#include "hd-mailbox.h"
#include "hd-poller.h"
#include "hd-store-health.h"

/* What the fake server does, shared with the worker threads. */
static GMutex fake_lock;
static GHashTable *fake_polls;     /* account name → polls begun */
static GHashTable *fake_active;    /* account name → polls running now */
static guint fake_max_active;      /* the most polls of one account at once */
static gboolean fake_bad_fails = TRUE;
static gboolean fake_slow_released;

/* A mailbox with no mail. "Bad…" accounts refuse the login while
 * fake_bad_fails; "Slow…" accounts hang in LIST until released or cancelled. */
typedef struct {
  HdMailbox parent_instance;
} FakeMailbox;

typedef struct {
  HdMailboxClass parent_class;
} FakeMailboxClass;

static GType fake_mailbox_get_type (void);
G_DEFINE_TYPE (FakeMailbox, fake_mailbox, HD_TYPE_MAILBOX)

static const char *
fake_name (HdMailbox *mailbox)
{
  return hd_account_get_name (hd_mailbox_get_account (mailbox));
}

static guint
count_of (GHashTable *table,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (table, name));
}

static guint
polls_of (const char *name)
{
  guint n;

  g_mutex_lock (&fake_lock);
  n = count_of (fake_polls, name);
  g_mutex_unlock (&fake_lock);
  return n;
}

static gboolean
fake_list (HdMailbox     *mailbox,
           guint32       *out_uidvalidity,
           HdHandles    **out_handles,
           GCancellable  *cancellable,
           GError       **error)
{
  const char *name = fake_name (mailbox);
  gboolean ok = TRUE;
  guint active;

  g_mutex_lock (&fake_lock);
  g_hash_table_insert (fake_polls, g_strdup (name),
                       GUINT_TO_POINTER (count_of (fake_polls, name) + 1));
  active = count_of (fake_active, name) + 1;
  g_hash_table_insert (fake_active, g_strdup (name), GUINT_TO_POINTER (active));
  fake_max_active = MAX (fake_max_active, active);
  g_mutex_unlock (&fake_lock);

  if (g_str_has_prefix (name, "Slow"))
    {
      while (!g_atomic_int_get (&fake_slow_released) && !g_cancellable_is_cancelled (cancellable))
        g_usleep (1000);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  else if (g_str_has_prefix (name, "Bad") && g_atomic_int_get (&fake_bad_fails))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED,
                   "NO [AUTHENTICATIONFAILED] Authentication failed.");
      ok = FALSE;
    }

  g_mutex_lock (&fake_lock);
  g_hash_table_insert (fake_active, g_strdup (name),
                       GUINT_TO_POINTER (count_of (fake_active, name) - 1));
  g_mutex_unlock (&fake_lock);

  if (ok)
    {
      *out_uidvalidity = 1;
      *out_handles = hd_handles_new ();
    }
  return ok;
}

static void
fake_mailbox_class_init (FakeMailboxClass *klass)
{
  HD_MAILBOX_CLASS (klass)->list = fake_list;
}

static void
fake_mailbox_init (FakeMailbox *self)
{
}

static HdMailbox *
fake_factory (HdAccount           *account,
              const HdCredentials *credentials,
              gpointer             user_data)
{
  return g_object_new (fake_mailbox_get_type (), "account", account, NULL);
}

typedef struct {
  char *dir;
  HdStore *store;
  HdAccounts *accounts;
  HdPoller *poller;
  GPtrArray *finished;   /* account names, in the order their runs ended */
  GPtrArray *changes;    /* "name: old → new" */
} Fixture;

static void
add_account (Fixture    *f,
             const char *name,
             guint       interval)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_strdup_printf ("%s@helpdesk.test", name);
  g_autoptr (HdAccount) account = g_object_new (HD_TYPE_ACCOUNT, "name", name,
                                                "host", "127.0.0.1", "port", 993,
                                                "username", address, "account-address", address,
                                                "sender-address", address,
                                                "poll-interval", interval, NULL);

  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_no_error (error);
  g_assert_true (hd_accounts_set_password_sync (f->accounts, name, "secret", NULL, &error));
  g_assert_no_error (error);
}

static void
run_finished_cb (HdPoller     *poller,
                 const char   *name,
                 HdPollResult *result,
                 const char   *error,
                 Fixture      *f)
{
  g_ptr_array_add (f->finished, g_strdup (name));
}

static void
health_changed_cb (HdPoller   *poller,
                   const char *name,
                   const char *old_state,
                   const char *new_state,
                   const char *message,
                   Fixture    *f)
{
  g_ptr_array_add (f->changes, g_strdup_printf ("%s: %s → %s", name, old_state, new_state));
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("hd-test-poller-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  f->accounts = hd_accounts_new (f->store);
  f->poller = hd_poller_new (f->store);
  hd_poller_set_mailbox_factory (f->poller, fake_factory, NULL);
  hd_poller_set_second_ms (f->poller, 2);
  f->finished = g_ptr_array_new_with_free_func (g_free);
  f->changes = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (f->poller, "run-finished", G_CALLBACK (run_finished_cb), f);
  g_signal_connect (f->poller, "health-changed", G_CALLBACK (health_changed_cb), f);

  g_mutex_lock (&fake_lock);
  g_hash_table_remove_all (fake_polls);
  g_hash_table_remove_all (fake_active);
  fake_max_active = 0;
  fake_bad_fails = TRUE;
  fake_slow_released = FALSE;
  g_mutex_unlock (&fake_lock);
}

static void
wait_idle (Fixture *f)
{
  while (hd_poller_get_running (f->poller) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr (GPtrArray) accounts = hd_store_list_accounts (f->store, NULL);

  g_atomic_int_set (&fake_slow_released, TRUE);
  hd_poller_stop (f->poller);
  wait_idle (f);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    hd_accounts_remove_sync (f->accounts, hd_account_get_name (accounts->pdata[i]), NULL, NULL);
  g_assert_finalize_object (f->poller);
  g_clear_object (&f->accounts);
  g_clear_object (&f->store);
  g_ptr_array_unref (f->finished);
  g_ptr_array_unref (f->changes);
  /* The database, its journal and the lock files. */
  {
    g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
    const char *entry;

    while ((entry = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (f->dir, entry, NULL);
        g_unlink (file);
      }
  }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static guint
finished_of (Fixture    *f,
             const char *name)
{
  guint n = 0;

  for (guint i = 0; i < f->finished->len; i++)
    n += g_str_equal (f->finished->pdata[i], name);
  return n;
}

static void
run_until_finished (Fixture    *f,
                    const char *name,
                    guint       runs)
{
  while (finished_of (f, name) < runs)
    g_main_context_iteration (NULL, TRUE);
}

/* Good runs that ended between BadBox's run @from and run @from + 1. */
static guint
good_between (Fixture *f,
              guint    from)
{
  guint bad = 0, good = 0;

  for (guint i = 0; i < f->finished->len; i++)
    {
      const char *name = f->finished->pdata[i];

      if (g_str_equal (name, "BadBox"))
        bad++;
      else if (bad == from)
        good++;
    }
  return good;
}

/* A failing account backs off (2, 4, 8, 8… intervals) while a healthy one
 * keeps its interval; the failing one is never in the healthy one's way. */
static void
test_backoff (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  guint interval_ms = 10 * 10;
  const char *names[] = { "BadBox", NULL };
  guint delays[] = { 2, 4, 8, 8 };

  hd_poller_set_second_ms (f->poller, 10);
  add_account (f, "Good", 10);
  add_account (f, "BadBox", 10);
  g_assert_true (hd_poller_start (f->poller, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      run_until_finished (f, "BadBox", i + 1);
      g_assert_cmpuint (hd_poller_get_delay (f->poller, "BadBox"), ==, interval_ms * delays[i]);
      g_assert_cmpuint (hd_poller_get_delay (f->poller, "Good"), ==, interval_ms);
    }
  /* Good kept polling all along, more often the longer BadBox waited. */
  g_assert_cmpuint (good_between (f, 1), >=, 1);
  g_assert_cmpuint (good_between (f, 3), >, good_between (f, 1));
  g_assert_cmpuint (hd_poller_count_failing (f->poller), ==, 1);
  g_assert_cmpint (hd_poller_get_state (f->poller), !=, HD_POLLER_STATE_IDLE);

  /* Health changed once for each account, not once per poll. */
  g_assert_cmpuint (f->changes->len, ==, 2);
  g_assert_true (g_ptr_array_find_with_equal_func (f->changes, "BadBox: never-polled → failing",
                                                   g_str_equal, NULL));

  /* It recovers: the backoff is reset and the change is told once. */
  g_atomic_int_set (&fake_bad_fails, FALSE);
  {
    guint before = finished_of (f, "BadBox");

    g_assert_true (hd_poller_poll_now (f->poller, names, &error));
    g_assert_no_error (error);
    run_until_finished (f, "BadBox", before + 2);
  }
  g_assert_cmpuint (hd_poller_get_delay (f->poller, "BadBox"), ==, interval_ms);
  g_assert_cmpuint (f->changes->len, ==, 3);
  g_assert_cmpstr (f->changes->pdata[2], ==, "BadBox: failing → ok");
  g_assert_cmpuint (hd_poller_count_failing (f->poller), ==, 0);
}

/* One account hanging on its server keeps its one poll; more requests for it
 * wait (and become one more poll), and the other accounts go on. */
static void
test_parallel_never_twice (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  const char *slow[] = { "SlowBox", NULL };

  add_account (f, "Good", 10);
  add_account (f, "SlowBox", 10);
  g_assert_true (hd_poller_start (f->poller, &error));

  /* The worker thread does not wake the main context: look now and then. */
  while (polls_of ("SlowBox") < 1)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  for (int i = 0; i < 3; i++)
    g_assert_true (hd_poller_poll_now (f->poller, slow, &error));

  run_until_finished (f, "Good", 10);
  g_assert_cmpuint (polls_of ("SlowBox"), ==, 1);
  g_assert_cmpuint (finished_of (f, "SlowBox"), ==, 0);

  g_atomic_int_set (&fake_slow_released, TRUE);
  run_until_finished (f, "SlowBox", 2);
  g_assert_cmpuint (fake_max_active, ==, 1);
  /* Three requests during the run make one more poll, not three. */
  run_until_finished (f, "Good", finished_of (f, "Good") + 1);
  g_assert_cmpuint (polls_of ("SlowBox"), <=, 3);

  /* An unknown or disabled account is refused as a whole. */
  {
    const char *unknown[] = { "Good", "Nobody", NULL };

    g_assert_false (hd_poller_poll_now (f->poller, unknown, &error));
    g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
  }
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_pause (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gboolean waited = FALSE;
  guint paused_at;

  add_account (f, "Good", 10);
  g_assert_true (hd_poller_start (f->poller, &error));
  run_until_finished (f, "Good", 2);

  hd_poller_pause (f->poller, TRUE);
  wait_idle (f);
  g_assert_cmpint (hd_poller_get_state (f->poller), ==, HD_POLLER_STATE_PAUSED);
  paused_at = finished_of (f, "Good");
  /* Ten intervals go by without a poll. */
  g_timeout_add (10 * 10 * 2, set_flag_cb, &waited);
  while (!waited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (finished_of (f, "Good"), ==, paused_at);
  {
    g_autoptr (GPtrArray) list = hd_poller_list_accounts (f->poller);
    HdPollerAccount *account = list->pdata[0];

    g_assert_null (account->next_poll);
  }

  hd_poller_pause (f->poller, FALSE);
  g_assert_cmpint (hd_poller_get_state (f->poller), !=, HD_POLLER_STATE_PAUSED);
  run_until_finished (f, "Good", paused_at + 2);
}

static void
test_reload (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) changed = NULL;
  g_autoptr (GPtrArray) list = NULL;
  guint before;

  add_account (f, "Good", 10);
  g_assert_true (hd_poller_start (f->poller, &error));
  run_until_finished (f, "Good", 1);

  /* A new account is polled at once. */
  add_account (f, "Second", 10);
  g_assert_true (hd_poller_reload (f->poller, &error));
  run_until_finished (f, "Second", 1);
  list = hd_poller_list_accounts (f->poller);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* A changed interval takes effect. */
  changed = hd_store_lookup_account (f->store, "Second", &error);
  g_object_set (changed, "poll-interval", 30, NULL);
  g_assert_true (hd_store_update_account (f->store, "Second", changed, &error));
  g_assert_true (hd_poller_reload (f->poller, &error));
  g_assert_cmpuint (hd_poller_get_delay (f->poller, "Second"), ==, 30 * 2);

  /* A disabled account stops, a removed one too. */
  g_object_set (changed, "enabled", FALSE, NULL);
  g_assert_true (hd_store_update_account (f->store, "Second", changed, &error));
  g_assert_true (hd_accounts_remove_sync (f->accounts, "Good", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hd_poller_reload (f->poller, &error));
  wait_idle (f);
  list = hd_poller_list_accounts (f->poller);
  g_assert_cmpuint (list->len, ==, 0);
  before = f->finished->len;
  add_account (f, "Third", 10);
  g_assert_true (hd_poller_reload (f->poller, &error));
  run_until_finished (f, "Third", 3);
  /* Only Third ran since: the others are gone from the schedule. */
  for (guint i = before; i < f->finished->len; i++)
    g_assert_cmpstr (f->finished->pdata[i], ==, "Third");
}

static void
test_stop (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  add_account (f, "SlowBox", 10);
  g_assert_true (hd_poller_start (f->poller, &error));
  /* The worker thread does not wake the main context: look now and then. */
  while (polls_of ("SlowBox") < 1)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (hd_poller_get_running (f->poller), ==, 1);

  /* Stopping cancels the hanging poll; it reports back and nothing follows. */
  hd_poller_stop (f->poller);
  wait_idle (f);
  g_assert_cmpuint (finished_of (f, "SlowBox"), ==, 1);
  g_assert_cmpuint (polls_of ("SlowBox"), ==, 1);
}

static void
test_run_once (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) outcomes = NULL;
  g_autoptr (HdAccount) off = NULL;
  HdPollerOutcome *outcome;

  add_account (f, "One", 10);
  add_account (f, "BadBox", 10);
  add_account (f, "Off", 10);
  off = hd_store_lookup_account (f->store, "Off", &error);
  g_object_set (off, "enabled", FALSE, NULL);
  g_assert_true (hd_store_update_account (f->store, "Off", off, &error));

  outcomes = hd_poller_run_once_sync (f->poller, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outcomes->len, ==, 2);
  /* In the store's order (by name). */
  outcome = outcomes->pdata[1];
  g_assert_cmpstr (outcome->name, ==, "One");
  g_assert_true (hd_poll_result_get_ok (outcome->result));
  outcome = outcomes->pdata[0];
  g_assert_cmpstr (outcome->name, ==, "BadBox");
  g_assert_false (hd_poll_result_get_ok (outcome->result));
  g_assert_cmpstr (hd_poll_result_get_failure (outcome->result), ==,
                   "NO [AUTHENTICATIONFAILED] Authentication failed.");
  g_assert_cmpuint (f->finished->len, ==, 2);
  g_clear_pointer (&outcomes, g_ptr_array_unref);

  /* Named accounts are polled even when disabled, in the order named. */
  {
    const char *names[] = { "Off", "One", NULL };
    const char *missing[] = { "One", "Nobody", NULL };

    outcomes = hd_poller_run_once_sync (f->poller, names, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (outcomes->len, ==, 2);
    g_assert_cmpstr (((HdPollerOutcome *) outcomes->pdata[0])->name, ==, "Off");
    g_assert_cmpuint (polls_of ("Off"), ==, 1);
    g_clear_pointer (&outcomes, g_ptr_array_unref);

    g_assert_null (hd_poller_run_once_sync (f->poller, missing, NULL, &error));
    g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
    g_assert_cmpuint (polls_of ("One"), ==, 2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  fake_polls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake_active = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_test_add ("/poller/backoff", Fixture, NULL, setup, test_backoff, teardown);
  g_test_add ("/poller/parallel-never-twice", Fixture, NULL, setup, test_parallel_never_twice,
              teardown);
  g_test_add ("/poller/pause", Fixture, NULL, setup, test_pause, teardown);
  g_test_add ("/poller/reload", Fixture, NULL, setup, test_reload, teardown);
  g_test_add ("/poller/stop", Fixture, NULL, setup, test_stop, teardown);
  g_test_add ("/poller/run-once", Fixture, NULL, setup, test_run_once, teardown);
  return g_test_run ();
}
