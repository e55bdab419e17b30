/* test-store.c: the SQLite store: migration from empty, reopen, constraints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "hd-store.h"
#include "hd-store-batch.h"
#include "hd-store-polls.h"
#include "hd-store-schema.h"

typedef struct
{
  char *dir;
  char *path;
  HdStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("hd-test-store-XXXXXX", &error);
  g_assert_no_error (error);
  /* A folder that does not exist yet: open must create it. */
  f->path = g_build_filename (f->dir, "sub", "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static HdAccount *
make_account (const char *name)
{
  return g_object_new (HD_TYPE_ACCOUNT, "name", name, "host", "mail.example.com", "port", 993,
                       "username", "support@example.com", NULL);
}

/* Counts rows with SQLite directly, so that the test does not trust the
 * store's own reading of itself. */
static int
count_rows (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_migrate_from_empty (Fixture       *f,
                         gconstpointer  data)
{
  static const char *const tables[] = {
    "settings", "customers", "users", "resources", "categories", "priorities",
    "oauth_connections", "accounts", "poll_runs", "tickets", "ticket_steps", "attachments",
    "message_receipts", "poll_events", "sent_messages",
  };
  g_auto (GStrv) priorities = NULL;
  g_autofree char *prefix = NULL;

  g_assert_cmpint (hd_store_get_schema_version (f->store), ==,
                   hd_store_get_latest_schema_version ());
  g_assert_cmpint (hd_store_get_latest_schema_version (), >=, 1);

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master"
                                              " WHERE type = 'table' AND name = '%s'", tables[i]);
      g_assert_cmpint (count_rows (f->path, sql), ==, 1);
    }

  priorities = hd_store_list_names (f->store, HD_ENTITY_PRIORITIES, NULL);
  g_assert_cmpstrv (priorities, ((const char *const[]) { "Low", "Normal", "High", "Urgent", NULL }));

  prefix = hd_store_dup_setting (f->store, "reference.prefix");
  g_assert_cmpstr (prefix, ==, "[");
}

static void
test_wal (Fixture       *f,
          gconstpointer  data)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_reopen (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (HdAccount) account = make_account ("Support");
  g_autoptr (HdAccount) back = NULL;
  g_autoptr (GError) error = NULL;

  g_object_set (account, "priority", "High", "protocol", HD_PROTOCOL_POP3, "port", 995, NULL);
  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_no_error (error);
  g_clear_object (&f->store);

  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hd_store_get_schema_version (f->store), ==,
                   hd_store_get_latest_schema_version ());
  back = hd_store_lookup_account (f->store, "Support", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_priority (back), ==, "High");
  g_assert_cmpint (hd_account_get_protocol (back), ==, HD_PROTOCOL_POP3);
  g_assert_cmpuint (hd_account_get_port (back), ==, 995);
  /* The seeded rows were not seeded twice. */
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM priorities"), ==, 4);
}

static void
test_too_new (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStore) again = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  again = hd_store_open (f->path, &error);
  g_assert_null (again);
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_TOO_NEW);
}

/* A database of schema 1, as the first release wrote it, is brought forward
 * through every later migration when opened, and keeps its rows. */
static void
test_migrate_forward (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr (HdAccount) back = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (hd_store_get_latest_schema_version (), >=, 2);
  g_clear_object (&f->store);
  g_remove (f->path);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, hd_store_migrations[0], NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO accounts (name, host, port, protocol, security,"
                                 " username) VALUES ('Support', 'mail.example.com', 993, 'imap',"
                                 " 'tls', 'support@example.com'); PRAGMA user_version = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM sqlite_master"
                                        " WHERE name = 'tickets_poll_run'"), ==, 0);

  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hd_store_get_schema_version (f->store), ==,
                   hd_store_get_latest_schema_version ());
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM sqlite_master"
                                        " WHERE name = 'tickets_poll_run'"), ==, 1);
  back = hd_store_lookup_account (f->store, "Support", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_host (back), ==, "mail.example.com");
}

static void
test_not_a_database (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hd-test-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "junk.sqlite3", NULL);
  g_autoptr (HdStore) store = NULL;

  g_assert_true (g_file_set_contents (path, "this is not a database, just text that is long enough"
                                      " to be read as a header of one\n", -1, NULL));
  store = hd_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  remove_tree (dir);
}

static void
test_duplicate_account (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (HdAccount) a = make_account ("Support");
  g_autoptr (HdAccount) b = make_account ("Support");
  g_autoptr (GError) error = NULL;

  g_assert_true (hd_store_add_account (f->store, a, &error));
  g_assert_false (hd_store_add_account (f->store, b, &error));
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "name: "));
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM accounts"), ==, 1);
}

static void
test_unknown_references (Fixture       *f,
                         gconstpointer  data)
{
  static const struct
  {
    const char *property;
    const char *field;
  } refs[] = {
    { "priority", "tickets.priority" },
    { "resource", "tickets.resource" },
    { "category", "tickets.category" },
    { "fallback-user", "tickets.fallback_user" },
    { "oauth-connection", "oauth_connection" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
    {
      g_autoptr (HdAccount) account = make_account ("Support");
      g_autoptr (GError) error = NULL;
      g_autofree char *field = NULL;

      g_object_set (account, refs[i].property, "Nonexistent", NULL);
      g_assert_false (hd_store_add_account (f->store, account, &error));
      g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
      field = hd_account_error_dup_field (error);
      g_assert_cmpstr (field, ==, refs[i].field);
      g_assert_nonnull (strstr (error->message, "Nonexistent"));
    }
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM accounts"), ==, 0);
}

static void
test_known_references (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr (HdAccount) account = make_account ("Support");
  g_autoptr (HdAccount) back = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (hd_store_add_user (f->store, "carol", "carol@example.org", &error), >, 0);
  g_assert_cmpint (hd_store_add_name (f->store, HD_ENTITY_RESOURCES, "Printers", &error), >, 0);
  g_assert_cmpint (hd_store_add_name (f->store, HD_ENTITY_CATEGORIES, "Hardware", &error), >, 0);
  g_assert_no_error (error);

  g_object_set (account, "create-unknown-users", FALSE, "fallback-user", "carol", "resource",
                "Printers", "category", "Hardware", "priority", "Urgent", NULL);
  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_no_error (error);

  back = hd_store_lookup_account (f->store, "Support", &error);
  g_assert_cmpstr (hd_account_get_fallback_user (back), ==, "carol");
  g_assert_cmpstr (hd_account_get_resource (back), ==, "Printers");
  g_assert_cmpstr (hd_account_get_category (back), ==, "Hardware");
  g_assert_cmpstr (hd_account_get_priority (back), ==, "Urgent");
  g_assert_false (hd_account_get_create_unknown_users (back));
}

static void
test_entity_constraints (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) users = NULL;

  g_assert_cmpint (hd_store_add_user (f->store, "carol", "carol@example.org", &error), >, 0);
  g_assert_cmpint (hd_store_add_user (f->store, "carol", "other@example.org", &error), ==, 0);
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  /* Addresses are unique without regard to case. */
  g_assert_cmpint (hd_store_add_user (f->store, "carol2", "CAROL@example.org", &error), ==, 0);
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, "email: "));
  g_clear_error (&error);
  g_assert_cmpint (hd_store_add_user (f->store, "dave", "not-an-address", &error), ==, 0);
  g_assert_true (g_str_has_prefix (error->message, "email: "));
  g_clear_error (&error);
  g_assert_cmpint (hd_store_add_name (f->store, HD_ENTITY_RESOURCES, "", &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);

  users = hd_store_list_names (f->store, HD_ENTITY_USERS, &error);
  g_assert_cmpstrv (users, ((const char *const[]) { "carol", NULL }));
}

static void
test_transaction_rollback (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr (HdAccount) account = make_account ("Support");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (HdStoreBatch) batch = hd_store_batch_begin (f->store, &error);

  g_assert_nonnull (batch);
  g_assert_true (hd_store_add_account (f->store, account, &error));
  hd_store_batch_rollback (batch);
  g_assert_false (hd_store_batch_is_open (batch));

  accounts = hd_store_list_accounts (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);
}

static void
test_update_and_remove (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr (HdAccount) account = make_account ("Support");
  g_autoptr (HdAccount) other = make_account ("Sales");
  g_autoptr (HdAccount) back = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_true (hd_store_add_account (f->store, other, &error));

  g_object_set (account, "name", "Helpdesk", "host", "imap.example.com", NULL);
  g_assert_true (hd_store_update_account (f->store, "Support", account, &error));
  g_assert_no_error (error);
  back = hd_store_lookup_account (f->store, "Helpdesk", &error);
  g_assert_cmpstr (hd_account_get_host (back), ==, "imap.example.com");

  /* Renaming onto another account's name fails and changes nothing. */
  g_object_set (account, "name", "Sales", NULL);
  g_assert_false (hd_store_update_account (f->store, "Helpdesk", account, &error));
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (hd_store_remove_account (f->store, "Helpdesk", &error));
  g_assert_false (hd_store_remove_account (f->store, "Helpdesk", &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (count_rows (f->path, "SELECT count(*) FROM accounts"), ==, 1);
}

static void
test_settings (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_true (hd_store_set_setting (f->store, "smtp.host", "127.0.0.1", &error));
  g_assert_true (hd_store_set_setting (f->store, "smtp.host", "smtp.example.com", &error));
  value = hd_store_dup_setting (f->store, "smtp.host");
  g_assert_cmpstr (value, ==, "smtp.example.com");
  g_assert_null (hd_store_dup_setting (f->store, "no.such.key"));
}

static void
test_last_poll (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (HdAccount) account = make_account ("Support");
  g_autoptr (HdAccount) other = make_account ("Sales");
  g_autoptr (GError) error = NULL;
  HdPollCounts counts = { 0 };
  char *status = NULL;
  char *started = NULL;
  gint64 id;
  gint64 run;

  g_assert_true (hd_store_add_account (f->store, account, &error));
  g_assert_true (hd_store_add_account (f->store, other, &error));

  /* Never polled: no status, and no error. */
  g_assert_true (hd_store_get_last_poll (f->store, "Support", &status, &started, &error));
  g_assert_no_error (error);
  g_assert_null (status);
  g_assert_null (started);

  id = hd_store_get_account_id (f->store, "Support", NULL);
  run = hd_store_begin_poll_run (f->store, id, &error);
  g_assert_true (hd_store_finish_poll_run (f->store, run, "failed", &counts, 5, "refused", &error));
  run = hd_store_begin_poll_run (f->store, id, &error);
  g_assert_true (hd_store_finish_poll_run (f->store, run, "ok", &counts, 5, NULL, &error));
  run = hd_store_begin_poll_run (f->store, hd_store_get_account_id (f->store, "Sales", NULL),
                                 &error);
  g_assert_true (hd_store_finish_poll_run (f->store, run, "failed", &counts, 5, "refused",
                                           &error));
  g_assert_no_error (error);

  /* The newest run of that account, not of another. */
  g_assert_true (hd_store_get_last_poll (f->store, "Support", &status, &started, &error));
  g_assert_cmpstr (status, ==, "ok");
  g_assert_nonnull (started);
  g_clear_pointer (&status, g_free);
  g_clear_pointer (&started, g_free);
  g_assert_true (hd_store_get_last_poll (f->store, "Sales", &status, &started, &error));
  g_assert_cmpstr (status, ==, "failed");
  g_clear_pointer (&status, g_free);
  g_clear_pointer (&started, g_free);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/store/migrate-from-empty", test_migrate_from_empty);
  ADD ("/store/wal", test_wal);
  ADD ("/store/reopen", test_reopen);
  ADD ("/store/migrate-forward", test_migrate_forward);
  ADD ("/store/too-new", test_too_new);
  g_test_add_func ("/store/not-a-database", test_not_a_database);
  ADD ("/store/duplicate-account", test_duplicate_account);
  ADD ("/store/unknown-references", test_unknown_references);
  ADD ("/store/known-references", test_known_references);
  ADD ("/store/entity-constraints", test_entity_constraints);
  ADD ("/store/last-poll", test_last_poll);
  ADD ("/store/transaction-rollback", test_transaction_rollback);
  ADD ("/store/update-and-remove", test_update_and_remove);
  ADD ("/store/settings", test_settings);

  return g_test_run ();
}
