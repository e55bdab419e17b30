/* hd-store-statements.c: the prepared statements of one store connection,
 * kept for the next call instead of being parsed again on every call.
 *
 * A statement is keyed by its SQL text. Whoever prepares one takes it out of
 * the cache; releasing it (automatically, through g_autoptr (HdStoreStmt))
 * resets it, clears its bindings and puts it back. A caller that asks for the
 * same SQL while the first statement is still out (a nested or recursive
 * call) gets a second statement of its own, which is kept as well, up to a
 * few per text. Statements still in the cache are finalized when the store
 * closes; one released after that is finalized on release.
 *
 * Releasing knows only the statement, so the caches are found through the
 * statement's connection in a table of all open caches.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-private.h"

/* Idle statements kept per SQL text: one for the usual call, more only for
 * the depth of nesting that really happens. */
#define MAX_IDLE_PER_SQL 4

struct _HdStoreStatements
{
  sqlite3 *db;
  GHashTable *idle;     /* SQL text (owned) → GPtrArray of idle statements */
  GHashTable *out;      /* statement a caller holds → its key in idle */
};

/* Every open cache by its connection; also guards the caches themselves, as
 * a statement may be released on another thread than the one that took it. */
static GHashTable *caches;
G_LOCK_DEFINE_STATIC (caches);

static void
finalize_all (gpointer data)
{
  GPtrArray *statements = data;

  for (guint i = 0; i < statements->len; i++)
    sqlite3_finalize (statements->pdata[i]);
  g_ptr_array_unref (statements);
}

/**
 * hd_store_statements_new:
 * @db: the connection, which must outlive the cache
 *
 * Returns: (transfer full): an empty cache, registered for its connection
 */
HdStoreStatements *
hd_store_statements_new (sqlite3 *db)
{
  HdStoreStatements *self = g_new0 (HdStoreStatements, 1);

  self->db = db;
  self->idle = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_all);
  self->out = g_hash_table_new (NULL, NULL);

  G_LOCK (caches);
  if (caches == NULL)
    caches = g_hash_table_new (NULL, NULL);
  g_hash_table_insert (caches, db, self);
  G_UNLOCK (caches);
  return self;
}

/**
 * hd_store_statements_free:
 *
 * Finalizes the idle statements and forgets the connection. Statements that
 * callers still hold are finalized when they release them (the connection,
 * closed with sqlite3_close_v2(), lives until then).
 */
void
hd_store_statements_free (HdStoreStatements *self)
{
  if (self == NULL)
    return;

  G_LOCK (caches);
  g_hash_table_remove (caches, self->db);
  g_clear_pointer (&self->idle, g_hash_table_unref);
  g_clear_pointer (&self->out, g_hash_table_unref);
  G_UNLOCK (caches);
  g_free (self);
}

/**
 * hd_store_statements_take:
 * @sql: one SQL statement with parameters, never with values pasted in
 * @out_rc: (out): SQLite's result code
 *
 * Returns: (transfer full) (nullable): an idle statement for @sql, or a newly
 *   prepared one; release it with hd_store_stmt_release()
 */
sqlite3_stmt *
hd_store_statements_take (HdStoreStatements *self,
                          const char        *sql,
                          int               *out_rc)
{
  sqlite3_stmt *stmt = NULL;
  GPtrArray *statements = NULL;
  char *key = NULL;

  G_LOCK (caches);
  if (g_hash_table_lookup_extended (self->idle, sql, (gpointer *) &key, (gpointer *) &statements)
      && statements->len > 0)
    {
      stmt = g_ptr_array_steal_index_fast (statements, statements->len - 1);
      g_hash_table_insert (self->out, stmt, key);
    }
  G_UNLOCK (caches);
  if (stmt != NULL)
    {
      *out_rc = SQLITE_OK;
      return stmt;
    }

  *out_rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (*out_rc != SQLITE_OK || stmt == NULL)
    return NULL;

  /* Keyed by the caller's text, not by sqlite3_sql(), which may differ from
   * it in what follows the statement. */
  G_LOCK (caches);
  if (!g_hash_table_lookup_extended (self->idle, sql, (gpointer *) &key, NULL))
    {
      key = g_strdup (sql);
      g_hash_table_insert (self->idle, key, g_ptr_array_new ());
    }
  g_hash_table_insert (self->out, stmt, key);
  G_UNLOCK (caches);
  return stmt;
}

/**
 * hd_store_stmt_release:
 * @stmt: (transfer full) (nullable): a statement from hd_store_prepare()
 *   or hd_store_prepare_uncached()
 *
 * Gives a statement back: a cached one is reset, its bindings cleared, and
 * kept for the next caller of the same SQL; any other one is finalized.
 */
void
hd_store_stmt_release (HdStoreStmt *stmt)
{
  HdStoreStatements *self;
  gpointer key = NULL;
  gboolean keep = FALSE;

  if (stmt == NULL)
    return;

  /* Reset outside the lock: it may finish a pending step of the statement. */
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);

  G_LOCK (caches);
  self = caches ? g_hash_table_lookup (caches, sqlite3_db_handle (stmt)) : NULL;
  if (self != NULL && g_hash_table_steal_extended (self->out, stmt, NULL, &key))
    {
      GPtrArray *statements = g_hash_table_lookup (self->idle, key);

      if (statements->len < MAX_IDLE_PER_SQL)
        {
          g_ptr_array_add (statements, stmt);
          keep = TRUE;
        }
    }
  G_UNLOCK (caches);

  if (!keep)
    sqlite3_finalize (stmt);
}

/**
 * hd_store_statements_count_idle:
 *
 * Returns: how many statements for @sql wait in the cache (for tests)
 */
guint
hd_store_statements_count_idle (HdStoreStatements *self,
                                const char        *sql)
{
  GPtrArray *statements;
  guint n;

  G_LOCK (caches);
  statements = g_hash_table_lookup (self->idle, sql);
  n = statements ? statements->len : 0;
  G_UNLOCK (caches);
  return n;
}
