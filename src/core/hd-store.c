/* hd-store.c: opening, migrating and the transactions of the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-private.h"
#include "hd-store-schema.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

struct _HdStore
{
  GObject parent_instance;

  char *path;
  char *id;
  sqlite3 *db;
  HdStoreStatements *statements;
};

G_DEFINE_FINAL_TYPE (HdStore, hd_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-store-error-quark, hd_store_error)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static int
busy_handler (void *data,
              int   count)
{
  /* Another process (the poller and the command line share the file) holds
   * the write lock: wait up to 30 s in small steps instead of failing. */
  if (count >= 3000)
    return 0;
  g_usleep (10 * 1000);
  return 1;
}

/* Runs a script of statements without parameters, one prepared statement at a time. */
static gboolean
run_script (HdStore    *self,
            const char *sql,
            GError    **error)
{
  const char *tail = sql;

  while (tail != NULL && *tail != '\0')
    {
      sqlite3_stmt *stmt = NULL;
      const char *next = NULL;
      int rc = sqlite3_prepare_v2 (self->db, tail, -1, &stmt, &next);

      if (rc != SQLITE_OK)
        return hd_store_set_error (self, rc, error);
      tail = next;
      if (stmt == NULL)
        continue;
      do
        rc = sqlite3_step (stmt);
      while (rc == SQLITE_ROW);
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        return hd_store_set_error (self, rc, error);
    }

  return TRUE;
}

static int
read_user_version (HdStore *self)
{
  g_autoptr (HdStoreStmt) stmt = hd_store_prepare (self, "PRAGMA user_version", NULL);

  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    return sqlite3_column_int (stmt, 0);
  return -1;
}

static gboolean
migrate (HdStore *self,
         GError **error)
{
  int version = read_user_version (self);
  int latest = G_N_ELEMENTS (hd_store_migrations);

  if (version > latest)
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_TOO_NEW,
                   _("%s was written by a newer HelpDesk Mail (schema %d, this one knows %d)"),
                   self->path, version, latest);
      return FALSE;
    }

  for (; version < latest; version++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", version + 1);

      /* Each step is one transaction: a crash leaves the previous version. */
      if (!run_script (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!run_script (self, hd_store_migrations[version], error)
          || !run_script (self, bump, error)
          || !run_script (self, "COMMIT", error))
        {
          if (!sqlite3_get_autocommit (self->db))
            run_script (self, "ROLLBACK", NULL);
          g_prefix_error (error, _("Could not upgrade the database to schema %d: "), version + 1);
          return FALSE;
        }
    }

  return TRUE;
}

static void
hd_store_finalize (GObject *object)
{
  HdStore *self = HD_STORE (object);

  g_clear_pointer (&self->statements, hd_store_statements_free);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->id, g_free);

  G_OBJECT_CLASS (hd_store_parent_class)->finalize (object);
}

static void
hd_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  HdStore *self = HD_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_store_class_init (HdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hd_store_finalize;
  object_class->get_property = hd_store_get_property;

  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hd_store_init (HdStore *self)
{
}

/**
 * hd_store_default_path:
 *
 * Returns: (transfer full): `$HELPDESK_MAIL_DB`, or the database in the
 *   user's data directory.
 */
char *
hd_store_default_path (void)
{
  const char *env = g_getenv ("HELPDESK_MAIL_DB");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "helpdesk-mail", "helpdesk.sqlite3", NULL);
}

/**
 * hd_store_open:
 * @path: the database file; created with its folder when missing
 *
 * Opens the database and brings its schema up to date.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 */
HdStore *
hd_store_open (const char *path,
               GError    **error)
{
  g_autoptr (HdStore) self = NULL;
  g_autofree char *dir = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (HD_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      hd_store_set_error (self, rc, error);
      g_prefix_error (error, _("Could not open %s: "), path);
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  self->statements = hd_store_statements_new (self->db);
  sqlite3_busy_handler (self->db, busy_handler, self);

  /* WAL lets the window read while the poller writes; synchronous=FULL makes
   * a COMMIT durable before we delete a mail from its server. Raw mails are
   * large blobs: bigger pages (for a new database) and an 8 MiB cache keep a
   * batch from spilling to disk twice; measured with bench/ingest, 4, 32 and
   * 64 KiB pages, 2, 16, 32 and 64 MiB of cache and other WAL checkpoint
   * intervals were no faster. The journal of the savepoint around each mail
   * stays in memory (temp_store): in temporary files it cost about 40
   * writes per mail. */
  if (!run_script (self,
                   "PRAGMA page_size = 16384;"
                   "PRAGMA cache_size = -8192;"
                   "PRAGMA journal_mode = WAL;"
                   "PRAGMA synchronous = FULL;"
                   "PRAGMA temp_store = MEMORY;"
                   "PRAGMA foreign_keys = ON;"
                   "PRAGMA secure_delete = ON;",
                   error)
      || !migrate (self, error))
    {
      g_prefix_error (error, _("Could not open %s: "), path);
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
hd_store_get_path (HdStore *self)
{
  g_return_val_if_fail (HD_IS_STORE (self), NULL);
  return self->path;
}

/**
 * hd_store_get_id:
 *
 * Returns: the random identifier of this database, made when it was created;
 *   the keyring items of its accounts carry it.
 */
const char *
hd_store_get_id (HdStore *self)
{
  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  if (self->id == NULL)
    self->id = hd_store_dup_setting (self, "store.id");
  return self->id;
}

int
hd_store_get_schema_version (HdStore *self)
{
  g_return_val_if_fail (HD_IS_STORE (self), -1);
  return read_user_version (self);
}

int
hd_store_get_latest_schema_version (void)
{
  return G_N_ELEMENTS (hd_store_migrations);
}

gboolean
hd_store_in_transaction (HdStore *self)
{
  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  return !sqlite3_get_autocommit (self->db);
}

/* Private API for the hd-store-*.c files */

/* A script of statements without parameters (transaction control). One
 * statement alone (BEGIN, SAVEPOINT, RELEASE, COMMIT) is kept prepared. */
gboolean
hd_store_exec (HdStore    *self,
               const char *sql,
               GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  if (strchr (sql, ';') != NULL)
    return run_script (self, sql, error);

  stmt = hd_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  do
    rc = sqlite3_step (stmt);
  while (rc == SQLITE_ROW);
  if (rc != SQLITE_DONE)
    return hd_store_set_error (self, rc, error);
  return TRUE;
}

sqlite3 *
hd_store_get_db (HdStore *self)
{
  return self->db;
}

gboolean
hd_store_set_error (HdStore *self,
                    int      rc,
                    GError **error)
{
  int code = HD_STORE_ERROR_FAILED;
  const char *message = self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    code = HD_STORE_ERROR_EXISTS;
  g_set_error_literal (error, HD_STORE_ERROR, code, message);
  return FALSE;
}

/**
 * hd_store_prepare:
 *
 * Every statement of the store goes through here: values are always bound,
 * never pasted into the SQL text. The statement is prepared once per
 * connection and kept: hold it in a g_autoptr (HdStoreStmt), which gives it
 * back reset when it goes out of scope.
 */
HdStoreStmt *
hd_store_prepare (HdStore    *self,
                  const char *sql,
                  GError    **error)
{
  int rc = SQLITE_OK;
  sqlite3_stmt *stmt = hd_store_statements_take (self->statements, sql, &rc);

  if (stmt == NULL)
    {
      hd_store_set_error (self, rc != SQLITE_OK ? rc : SQLITE_MISUSE, error);
      return NULL;
    }
  return stmt;
}

/**
 * hd_store_prepare_uncached:
 *
 * Like hd_store_prepare(), for SQL put together at run time: the statement
 * is finalized on release rather than kept.
 */
HdStoreStmt *
hd_store_prepare_uncached (HdStore    *self,
                           const char *sql,
                           GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  return stmt;
}

/* How many statements for @sql the cache keeps idle (for the tests). */
guint
hd_store_count_cached (HdStore    *self,
                       const char *sql)
{
  return hd_store_statements_count_idle (self->statements, sql);
}

gboolean
hd_store_step_done (HdStore      *self,
                    sqlite3_stmt *stmt,
                    GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return hd_store_set_error (self, rc, error);
  return TRUE;
}

void
hd_store_bind_text (sqlite3_stmt *stmt,
                    int           index,
                    const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

const char *
hd_store_column_text (sqlite3_stmt *stmt,
                      int           index)
{
  return (const char *) sqlite3_column_text (stmt, index);
}

/* Row ids of 0 stand for "none" in the store's API and are NULL in SQL. */
void
hd_store_bind_id (sqlite3_stmt *stmt,
                  int           index,
                  gint64        id)
{
  if (id == 0)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_int64 (stmt, index, id);
}

/* The time stamps of the store: UTC, ISO 8601, to the second. */
char *
hd_store_now (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

/* Settings */

char *
hd_store_dup_setting (HdStore    *self,
                      const char *key)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  stmt = hd_store_prepare (self, "SELECT value FROM settings WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup (hd_store_column_text (stmt, 0));
}

gboolean
hd_store_set_setting (HdStore    *self,
                      const char *key,
                      const char *value,
                      GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  stmt = hd_store_prepare (self,
                           "INSERT INTO settings (key, value) VALUES (?1, ?2)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, key);
  hd_store_bind_text (stmt, 2, value);
  return hd_store_step_done (self, stmt, error);
}
