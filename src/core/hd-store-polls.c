/* hd-store-polls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-polls.h"

#include <glib/gi18n-lib.h>

#include "hd-json.h"
#include "hd-store-batch.h"
#include "hd-store-private.h"

/* The actions after which a mail's Message-ID counts as imported. */
#define IMPORT_ACTIONS "('new-ticket', 'add-step', 'bundle')"

gint64
hd_store_begin_poll_run (HdStore *self,
                         gint64   account_id,
                         GError **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  stmt = hd_store_prepare (self, "INSERT INTO poll_runs (account_id, started) VALUES (?1, ?2)",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, now);
  if (!hd_store_step_done (self, stmt, error))
    return 0;
  return sqlite3_last_insert_rowid (hd_store_get_db (self));
}

/**
 * hd_store_interrupt_poll_runs:
 * @account_id: the account whose poll lock the caller holds
 *
 * Closes as "interrupted" every run of the account still marked running: a
 * poll that was killed or crashed never finished it, and none can be
 * running while the caller holds the account's lock.
 */
gboolean
hd_store_interrupt_poll_runs (HdStore *self,
                              gint64   account_id,
                              GError **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  stmt = hd_store_prepare (self,
                           "UPDATE poll_runs SET status = 'interrupted',"
                           " finished = coalesce(finished, started)"
                           " WHERE account_id = ?1 AND status = 'running'",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  return hd_store_step_done (self, stmt, error);
}

gboolean
hd_store_finish_poll_run (HdStore            *self,
                          gint64              run_id,
                          const char         *status,
                          const HdPollCounts *counts,
                          gint64              duration_ms,
                          const char         *error_text,
                          GError            **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (status != NULL && counts != NULL, FALSE);

  stmt = hd_store_prepare (self,
                           "UPDATE poll_runs SET finished = ?2, status = ?3, listed = ?4,"
                           " imported = ?5, skipped = ?6, failed = ?7, deleted = ?8,"
                           " duration_ms = ?9, error = ?10 WHERE id = ?1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  hd_store_bind_text (stmt, 2, now);
  hd_store_bind_text (stmt, 3, status);
  sqlite3_bind_int (stmt, 4, counts->listed);
  sqlite3_bind_int (stmt, 5, counts->imported);
  sqlite3_bind_int (stmt, 6, counts->skipped);
  sqlite3_bind_int (stmt, 7, counts->failed);
  sqlite3_bind_int (stmt, 8, counts->deleted);
  sqlite3_bind_int64 (stmt, 9, duration_ms);
  hd_store_bind_text (stmt, 10, error_text);
  return hd_store_step_done (self, stmt, error);
}

gboolean
hd_store_add_poll_event (HdStore           *self,
                         gint64             run_id,
                         const HdPollEvent *event,
                         GError           **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();
  gint64 raw_id = 0;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (event != NULL && event->action != NULL && event->reason != NULL, FALSE);

  /* A raw copy goes into a row of its own, streamed (see hd_store_add_step()). */
  if (event->raw != NULL)
    {
      g_autoptr (GInputStream) in = g_memory_input_stream_new_from_bytes (event->raw);

      raw_id = hd_store_add_raw_copy (self, in, g_bytes_get_size (event->raw), error);
    }
  else if (event->raw_stream != NULL)
    raw_id = hd_store_add_raw_copy (self, event->raw_stream, event->raw_size, error);
  if ((event->raw != NULL || event->raw_stream != NULL) && raw_id == 0)
    return FALSE;

  stmt = hd_store_prepare (self,
                           "INSERT INTO poll_events (run_id, server_key, message_id, subject,"
                           " from_address, action, reason, ticket_id, raw_id, created)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  hd_store_bind_text (stmt, 2, event->server_key);
  hd_store_bind_text (stmt, 3, event->message_id);
  hd_store_bind_text (stmt, 4, event->subject);
  hd_store_bind_text (stmt, 5, event->from_address);
  hd_store_bind_text (stmt, 6, event->action);
  hd_store_bind_text (stmt, 7, event->reason);
  hd_store_bind_id (stmt, 8, event->ticket_id);
  hd_store_bind_id (stmt, 9, raw_id);
  hd_store_bind_text (stmt, 10, now);
  return hd_store_step_done (self, stmt, error);
}

/**
 * hd_store_has_poll_event:
 *
 * Whether the log already says @action for this mail of this account, so that
 * a mail left on the server is recorded once, not on every poll.
 */
gboolean
hd_store_has_poll_event (HdStore    *self,
                         gint64      account_id,
                         const char *server_key,
                         const char *action)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  stmt = hd_store_prepare (self,
                           "SELECT 1 FROM poll_events e JOIN poll_runs r ON r.id = e.run_id"
                           " WHERE r.account_id = ?1 AND e.server_key = ?2 AND e.action = ?3"
                           " LIMIT 1",
                           NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, server_key);
  hd_store_bind_text (stmt, 3, action);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

HdReceiptState
hd_store_lookup_receipt (HdStore    *self,
                         gint64      account_id,
                         const char *server_key)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), HD_RECEIPT_NONE);

  stmt = hd_store_prepare (self,
                           "SELECT delete_pending, deleted FROM message_receipts"
                           " WHERE account_id = ?1 AND server_key = ?2",
                           NULL);
  if (stmt == NULL)
    return HD_RECEIPT_NONE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, server_key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return HD_RECEIPT_NONE;
  if (sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    return HD_RECEIPT_DELETED;
  return sqlite3_column_int (stmt, 0) ? HD_RECEIPT_DELETE_PENDING : HD_RECEIPT_KEPT;
}

/**
 * hd_store_add_receipt:
 * @server_key: "UIDVALIDITY/UID" for IMAP, the UIDL for POP3
 * @delete_pending: whether the mail is to be deleted from the server once
 *   the transaction that writes this receipt has committed
 *
 * Must be called inside the transaction that stores what the mail became.
 */
gboolean
hd_store_add_receipt (HdStore    *self,
                      gint64      account_id,
                      const char *server_key,
                      const char *message_id,
                      const char *action,
                      gint64      ticket_id,
                      gint64      step_id,
                      gboolean    delete_pending,
                      GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (server_key != NULL && action != NULL, FALSE);

  stmt = hd_store_prepare (self,
                           "INSERT INTO message_receipts (account_id, server_key, message_id,"
                           " action, ticket_id, step_id, delete_pending, created)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, server_key);
  hd_store_bind_text (stmt, 3, message_id);
  hd_store_bind_text (stmt, 4, action);
  hd_store_bind_id (stmt, 5, ticket_id);
  hd_store_bind_id (stmt, 6, step_id);
  sqlite3_bind_int (stmt, 7, delete_pending);
  hd_store_bind_text (stmt, 8, now);
  return hd_store_step_done (self, stmt, error);
}

/**
 * hd_store_mark_deleted_in:
 * @batch: the open batch the receipts are marked in
 * @server_keys: (array zero-terminated=1): keys whose mail the server has
 *   confirmed deleted
 *
 * Marks the receipts of @server_keys deleted as part of @batch: all of them
 * when it commits, none when it rolls back.
 */
gboolean
hd_store_mark_deleted_in (HdStoreBatch      *batch,
                          gint64             account_id,
                          const char *const *server_keys,
                          GError           **error)
{
  HdStore *self;
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE_BATCH (batch), FALSE);
  g_return_val_if_fail (hd_store_batch_is_open (batch), FALSE);

  self = hd_store_batch_get_store (batch);
  stmt = hd_store_prepare (self,
                           "UPDATE message_receipts SET delete_pending = 0, deleted = ?3"
                           " WHERE account_id = ?1 AND server_key = ?2",
                           error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; server_keys != NULL && server_keys[i] != NULL; i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, account_id);
      hd_store_bind_text (stmt, 2, server_keys[i]);
      hd_store_bind_text (stmt, 3, now);
      if (!hd_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_store_mark_deleted:
 * @server_keys: (array zero-terminated=1): keys whose mail the server has
 *   confirmed deleted
 *
 * Marks the receipts of @server_keys deleted in one transaction of their own
 * (one durable commit for the whole delete batch, not one per mail): either
 * all of them are marked, or, on error, none.
 */
gboolean
hd_store_mark_deleted (HdStore           *self,
                       gint64             account_id,
                       const char *const *server_keys,
                       GError           **error)
{
  g_autoptr (HdStoreBatch) batch = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  if (server_keys == NULL || server_keys[0] == NULL)
    return TRUE;
  batch = hd_store_batch_begin (self, error);
  if (batch == NULL)
    return FALSE;
  /* A batch dropped while open rolls back. */
  return hd_store_mark_deleted_in (batch, account_id, server_keys, error)
         && hd_store_batch_commit (batch, error);
}

GStrv
hd_store_list_pending_deletes (HdStore *self,
                               gint64   account_id,
                               GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self,
                           "SELECT server_key FROM message_receipts"
                           " WHERE account_id = ?1 AND delete_pending = 1 ORDER BY id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, hd_store_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

gboolean
hd_store_message_id_imported (HdStore    *self,
                              const char *message_id)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  if (message_id == NULL)
    return FALSE;
  stmt = hd_store_prepare (self,
                           "SELECT 1 FROM message_receipts WHERE message_id = ?1"
                           " AND action IN " IMPORT_ACTIONS " LIMIT 1",
                           NULL);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, message_id);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
hd_store_record_sent (HdStore    *self,
                      gint64      ticket_id,
                      gint64      account_id,
                      const char *message_id,
                      const char *recipient,
                      const char *kind,
                      GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  stmt = hd_store_prepare (self,
                           "INSERT INTO sent_messages (ticket_id, account_id, message_id,"
                           " recipient, kind, sent) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_id (stmt, 1, ticket_id);
  hd_store_bind_id (stmt, 2, account_id);
  hd_store_bind_text (stmt, 3, message_id);
  hd_store_bind_text (stmt, 4, recipient);
  hd_store_bind_text (stmt, 5, kind);
  hd_store_bind_text (stmt, 6, now);
  return hd_store_step_done (self, stmt, error);
}

/**
 * hd_store_count_sent_today:
 *
 * The automatic mails sent to @recipient since midnight UTC: the daily cap
 * that stops an auto-reply loop.
 */
guint
hd_store_count_sent_today (HdStore    *self,
                           const char *recipient)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  stmt = hd_store_prepare (self,
                           "SELECT count(*) FROM sent_messages WHERE recipient = ?1"
                           " AND sent >= strftime('%Y-%m-%dT00:00:00Z', 'now')",
                           NULL);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, recipient);
  return sqlite3_step (stmt) == SQLITE_ROW ? (guint) sqlite3_column_int (stmt, 0) : 0;
}

static void
add_string (JsonBuilder  *builder,
            const char   *name,
            sqlite3_stmt *stmt,
            int           column)
{
  hd_json_add_string (builder, name, hd_store_column_text (stmt, column));
}

static void
add_int (JsonBuilder  *builder,
         const char   *name,
         sqlite3_stmt *stmt,
         int           column)
{
  json_builder_set_member_name (builder, name);
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, column));
}

static gboolean
add_events (HdStore     *self,
            JsonBuilder *builder,
            gint64       run_id,
            GError     **error)
{
  static const char *const names[] = { "server_key", "message_id", "subject", "from", "action",
                                       "reason" };
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  stmt = hd_store_prepare (self,
                           "SELECT server_key, message_id, subject, from_address, action, reason,"
                           " ticket_id, coalesce (length (raw), (SELECT length (data) FROM raw_copies"
                           "   WHERE raw_copies.id = raw_id)), made_ticket_id FROM poll_events"
                           " WHERE run_id = ?1 ORDER BY id",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);

  json_builder_set_member_name (builder, "events");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        add_string (builder, names[i], stmt, i);
      add_int (builder, "ticket", stmt, 6);
      /* The size of the raw copy the log keeps of a mail no ticket holds. */
      add_int (builder, "raw_size", stmt, 7);
      /* The ticket made from that copy afterwards, from the poll log. */
      add_int (builder, "made_ticket", stmt, 8);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return rc == SQLITE_DONE || hd_store_set_error (self, rc, error);
}

/**
 * hd_store_poll_log_to_json:
 * @account_name: (nullable): one account, or %NULL for all
 *
 * Returns: (transfer full): the poll runs, newest first, each with its events
 */
JsonNode *
hd_store_poll_log_to_json (HdStore    *self,
                           const char *account_name,
                           GError    **error)
{
  return hd_store_poll_log_page_to_json (self, account_name, 0, 0, error);
}

/**
 * hd_store_poll_log_page_to_json:
 * @account_name: (nullable): one account, or %NULL for all
 * @before_run: only runs older than this run id; 0 for the newest
 * @limit: at most this many runs; 0 for all
 *
 * One page of the poll log, newest first, so that a view can show the
 * newest runs at once and load older ones on demand.
 *
 * Returns: (transfer full): the poll runs, each with its events
 */
JsonNode *
hd_store_poll_log_page_to_json (HdStore    *self,
                                const char *account_name,
                                gint64      before_run,
                                guint       limit,
                                GError    **error)
{
  static const char *const names[] = { "account", "started", "finished", "status" };
  static const char *const counts[] = { "listed", "imported", "skipped", "failed", "deleted",
                                        "duration_ms" };
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self,
                           "SELECT a.name, r.started, r.finished, r.status, r.listed, r.imported,"
                           " r.skipped, r.failed, r.deleted, r.duration_ms, r.error, r.id"
                           " FROM poll_runs r JOIN accounts a ON a.id = r.account_id"
                           " WHERE (?1 IS NULL OR a.name = ?1) AND (?2 = 0 OR r.id < ?2)"
                           " ORDER BY r.id DESC LIMIT ?3",
                           error);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, account_name);
  sqlite3_bind_int64 (stmt, 2, before_run);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (sqlite3_int64) limit : -1);

  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_int (builder, "id", stmt, 11);
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        add_string (builder, names[i], stmt, i);
      for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
        add_int (builder, counts[i], stmt, 4 + i);
      add_string (builder, "error", stmt, 10);
      if (!add_events (self, builder, sqlite3_column_int64 (stmt, 11), error))
        return NULL;
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  return json_builder_get_root (builder);
}

/**
 * hd_store_get_last_poll:
 * @account_name: the account whose newest poll run is wanted
 * @status: (out) (transfer full) (nullable): "ok" or "failed", %NULL when
 *   the account was never polled
 * @started: (out) (transfer full) (nullable): when that run started, ISO 8601
 *
 * Reads the newest poll run of one account alone, without its events, for
 * the result at a glance that the account list shows.
 *
 * Returns: %FALSE with @error when the database could not be read
 */
gboolean
hd_store_get_last_poll (HdStore     *self,
                        const char  *account_name,
                        char       **status,
                        char       **started,
                        GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (account_name != NULL, FALSE);
  g_return_val_if_fail (status != NULL && started != NULL, FALSE);

  *status = NULL;
  *started = NULL;
  stmt = hd_store_prepare (self,
                           "SELECT r.status, r.started"
                           " FROM poll_runs r JOIN accounts a ON a.id = r.account_id"
                           " WHERE a.name = ?1 ORDER BY r.id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, account_name);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *status = g_strdup (hd_store_column_text (stmt, 0));
      *started = g_strdup (hd_store_column_text (stmt, 1));
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}
