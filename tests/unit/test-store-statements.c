/* test-store-statements.c: the per-connection statement cache of the store,
 * and receipts marked deleted in one transaction per delete batch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "hd-store-batch.h"
#include "hd-store-polls.h"
#include "hd-store-private.h"

#define SELECT_FROM "SELECT n FROM numbers WHERE n >= ?1 ORDER BY n"

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

  f->dir = g_dir_make_tmp ("hd-test-statements-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (hd_store_exec (f->store,
                                "CREATE TEMP TABLE numbers (n INTEGER);"
                                "INSERT INTO numbers VALUES (1), (2), (3), (4), (5);",
                                &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Reads the numbers from @from on with the cached statement, and at @depth
 * greater than 0 asks for the same SQL again (recursively) after the first
 * row, while its own statement is still stepping. */
static char *
read_numbers (HdStore *store,
              int      from,
              guint    depth)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  gboolean first = TRUE;

  stmt = hd_store_prepare (store, SELECT_FROM, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stmt);
  sqlite3_bind_int (stmt, 1, from);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_string_append_printf (seen, "%d", sqlite3_column_int (stmt, 0));
      if (first && depth > 0)
        {
          g_autofree char *inner = read_numbers (store, from + 2, depth - 1);

          g_string_append_printf (seen, "(%s)", inner);
        }
      first = FALSE;
    }
  return g_strdup (seen->str);
}

static void
test_nested (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *flat = NULL;
  g_autofree char *nested = NULL;

  g_assert_cmpuint (hd_store_count_cached (f->store, SELECT_FROM), ==, 0);

  /* One level: the statement goes back into the cache and is used again. */
  flat = read_numbers (f->store, 2, 0);
  g_assert_cmpstr (flat, ==, "2345");
  g_assert_cmpuint (hd_store_count_cached (f->store, SELECT_FROM), ==, 1);
  g_clear_pointer (&flat, g_free);
  flat = read_numbers (f->store, 1, 0);
  g_assert_cmpstr (flat, ==, "12345");
  g_assert_cmpuint (hd_store_count_cached (f->store, SELECT_FROM), ==, 1);

  /* Three levels of the same SQL at once: each one steps its own statement
   * with its own binding, and the outer ones go on where they were. */
  nested = read_numbers (f->store, 1, 2);
  g_assert_cmpstr (nested, ==, "1(3(5)45)2345");
  g_assert_cmpuint (hd_store_count_cached (f->store, SELECT_FROM), ==, 3);
}

static void
test_released_clean (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  sqlite3_stmt *first = NULL;

  /* Left in the middle of its rows, with a binding. */
  {
    g_autoptr (HdStoreStmt) stmt = hd_store_prepare (f->store, SELECT_FROM, &error);

    g_assert_no_error (error);
    sqlite3_bind_int (stmt, 1, 4);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_true (sqlite3_stmt_busy (stmt));
    first = stmt;
  }

  /* Given back reset (no read transaction left open) and unbound: ?1 is
   * NULL, which no row is >= to. */
  {
    g_autoptr (HdStoreStmt) stmt = hd_store_prepare (f->store, SELECT_FROM, &error);

    g_assert_true (stmt == first);
    g_assert_false (sqlite3_stmt_busy (stmt));
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  }

}

static void
test_transaction_control_cached (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (HdStoreBatch) batch = hd_store_batch_begin (f->store, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (hd_store_batch_savepoint (batch, &error), ==, 1);
      g_assert_true (hd_store_batch_release (batch, 1, &error));
      g_assert_true (hd_store_batch_commit (batch, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (hd_store_count_cached (f->store, "BEGIN IMMEDIATE"), ==, 1);
  g_assert_cmpuint (hd_store_count_cached (f->store, "SAVEPOINT hd_1"), ==, 1);
  g_assert_cmpuint (hd_store_count_cached (f->store, "COMMIT"), ==, 1);
  g_assert_false (hd_store_in_transaction (f->store));
}

static void
test_outlives_store (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  HdStoreStmt *stmt = hd_store_prepare (f->store, SELECT_FROM, &error);

  g_assert_no_error (error);
  sqlite3_bind_int (stmt, 1, 5);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);

  /* The store closes while the statement is out; releasing it afterwards
   * finalizes it, and with it the connection (the sanitizer build checks
   * that nothing is used after it is freed or leaked). */
  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 5);
  hd_store_stmt_release (stmt);
}

static int
count_commit_cb (void *data)
{
  (*(guint *) data)++;
  return 0;
}

static void
add_pending (Fixture    *f,
             gint64      account_id,
             const char *key)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id = g_strdup_printf ("<%s@example.org>", key);

  g_assert_true (hd_store_add_receipt (f->store, account_id, key, message_id, "new-ticket", 0, 0,
                                       TRUE, &error));
  g_assert_no_error (error);
}

static void
test_mark_deleted_one_transaction (Fixture       *f,
                                   gconstpointer  data)
{
  const char *const keys[] = { "7/1", "7/2", "7/3", NULL };
  g_autoptr (HdAccount) account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "h",
                                                "port", 993, "username", "u", NULL);
  g_autoptr (GError) error = NULL;
  guint commits = 0;
  gint64 id;

  g_assert_true (hd_store_add_account (f->store, account, &error));
  id = hd_store_get_account_id (f->store, "Support", &error);
  for (guint i = 0; keys[i] != NULL; i++)
    add_pending (f, id, keys[i]);

  /* The second of three refuses: none is marked, all stay pending. */
  g_assert_true (hd_store_exec (f->store,
                                "CREATE TEMP TRIGGER refuse BEFORE UPDATE ON message_receipts"
                                " WHEN new.server_key = '7/2'"
                                " BEGIN SELECT RAISE (ABORT, 'refused by the test'); END",
                                &error));
  g_assert_no_error (error);
  g_assert_false (hd_store_mark_deleted (f->store, id, keys, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "refused by the test"));
  g_clear_error (&error);
  g_assert_false (hd_store_in_transaction (f->store));
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_cmpint (hd_store_lookup_receipt (f->store, id, keys[i]), ==,
                     HD_RECEIPT_DELETE_PENDING);

  /* Without the refusal, all three in one COMMIT (one WAL sync). */
  g_assert_true (hd_store_exec (f->store, "DROP TRIGGER refuse", &error));
  sqlite3_commit_hook (hd_store_get_db (f->store), count_commit_cb, &commits);
  g_assert_true (hd_store_mark_deleted (f->store, id, keys, &error));
  g_assert_no_error (error);
  sqlite3_commit_hook (hd_store_get_db (f->store), NULL, NULL);
  g_assert_cmpuint (commits, ==, 1);
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_cmpint (hd_store_lookup_receipt (f->store, id, keys[i]), ==, HD_RECEIPT_DELETED);
}

static void
test_mark_deleted_in_batch (Fixture       *f,
                            gconstpointer  data)
{
  const char *const keys[] = { "9/1", "9/2", NULL };
  g_autoptr (HdAccount) account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "h",
                                                "port", 993, "username", "u", NULL);
  g_autoptr (GError) error = NULL;
  gint64 id;

  g_assert_true (hd_store_add_account (f->store, account, &error));
  id = hd_store_get_account_id (f->store, "Support", &error);
  add_pending (f, id, keys[0]);
  add_pending (f, id, keys[1]);

  /* Marked in a batch that rolls back: nothing is marked. */
  {
    g_autoptr (HdStoreBatch) batch = hd_store_batch_begin (f->store, &error);

    g_assert_true (hd_store_mark_deleted_in (batch, id, keys, &error));
    g_assert_cmpint (hd_store_lookup_receipt (f->store, id, "9/1"), ==, HD_RECEIPT_DELETED);
    hd_store_batch_rollback (batch);
  }
  g_assert_cmpint (hd_store_lookup_receipt (f->store, id, "9/1"), ==, HD_RECEIPT_DELETE_PENDING);
  g_assert_cmpint (hd_store_lookup_receipt (f->store, id, "9/2"), ==, HD_RECEIPT_DELETE_PENDING);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/store/statements/nested", test_nested);
  ADD ("/store/statements/released-clean", test_released_clean);
  ADD ("/store/statements/transaction-control", test_transaction_control_cached);
  ADD ("/store/statements/outlives-store", test_outlives_store);
  ADD ("/store/polls/mark-deleted-one-transaction", test_mark_deleted_one_transaction);
  ADD ("/store/polls/mark-deleted-in-batch", test_mark_deleted_in_batch);

  return g_test_run ();
}
