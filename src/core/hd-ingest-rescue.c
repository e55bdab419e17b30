/* hd-ingest-rescue.c: a mail that left the server without a ticket, made
 * into one from the raw copy the poll log kept.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest.h"
#include "hd-ingest-private.h"
#include "hd-store-batch.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>

#include "hd-store-private.h"

typedef struct {
  gint64 event_id;
  gint64 account_id;
  char *account;
  GBytes *raw;
  gint64 made_ticket;   /* the ticket made before, or 0 */
  gboolean made;
} LogEntry;

static void
log_entry_clear (LogEntry *entry)
{
  g_free (entry->account);
  g_clear_pointer (&entry->raw, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LogEntry, log_entry_clear)

static gboolean
find_entry (HdStore    *store,
            gint64      run_id,
            const char *server_key,
            LogEntry   *entry,
            GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  stmt = hd_store_prepare (store,
                           "SELECT e.id, r.account_id, a.name, coalesce (e.raw, c.data),"
                           " e.made_ticket_id, e.made_ticket IS NOT NULL"
                           " FROM poll_events e JOIN poll_runs r ON r.id = e.run_id"
                           " JOIN accounts a ON a.id = r.account_id"
                           " LEFT JOIN raw_copies c ON c.id = e.raw_id"
                           " WHERE e.run_id = ?1 AND e.server_key = ?2"
                           " AND (e.raw IS NOT NULL OR e.raw_id IS NOT NULL)"
                           " ORDER BY e.id DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run_id);
  hd_store_bind_text (stmt, 2, server_key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                   _("The poll run %" PRId64 " kept no copy of the mail “%s”"), run_id,
                   server_key);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return hd_store_set_error (store, rc, error);

  entry->event_id = sqlite3_column_int64 (stmt, 0);
  entry->account_id = sqlite3_column_int64 (stmt, 1);
  entry->account = g_strdup (hd_store_column_text (stmt, 2));
  entry->raw = g_bytes_new (sqlite3_column_blob (stmt, 3), sqlite3_column_bytes (stmt, 3));
  entry->made_ticket = sqlite3_column_int64 (stmt, 4);
  entry->made = sqlite3_column_int (stmt, 5) != 0;
  return TRUE;
}

static gboolean
link_entry (HdStore  *store,
            gint64    event_id,
            gint64    ticket_id,
            GError  **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();
  int rc;

  stmt = hd_store_prepare (store,
                           "UPDATE poll_events SET made_ticket_id = ?1, made_ticket = ?2"
                           " WHERE id = ?3 AND made_ticket IS NULL",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ticket_id);
  hd_store_bind_text (stmt, 2, now);
  sqlite3_bind_int64 (stmt, 3, event_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    return hd_store_set_error (store, rc, error);
  if (sqlite3_changes (hd_store_get_db (store)) != 1)
    {
      g_set_error_literal (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS,
                           _("The mail was made into a ticket meanwhile"));
      return FALSE;
    }
  return TRUE;
}

static gint64
make_ticket (HdStore    *store,
             LogEntry   *entry,
             gint64      run_id,
             char      **out_reason,
             GError    **error)
{
  g_autoptr (HdMessage) message = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (GInputStream) raw = NULL;
  gint64 ticket_id, step_id = 0;

  message = hd_message_new_from_bytes (entry->raw, error);
  account = message ? hd_store_lookup_account (store, entry->account, error) : NULL;
  if (account == NULL)
    return 0;
  /* The admin has judged this mail: whose it is and whether it is a copy
   * no longer stand in the way, and it becomes a ticket at least. */
  decision = hd_ingest_decide_forced (store, account, run_id, message,
                                      HD_INGEST_FORCE_NOT_OTHER_ACCOUNT
                                      | HD_INGEST_FORCE_NOT_DUPLICATE | HD_INGEST_FORCE_TICKET,
                                      error);
  if (decision == NULL)
    return 0;
  g_assert (hd_ingest_action_imports (decision->action));

  raw = g_memory_input_stream_new_from_bytes (entry->raw);
  ticket_id = hd_ingest_apply_ticket (store, account, entry->account_id, run_id, message, raw,
                                      g_bytes_get_size (entry->raw), decision, &step_id, error);
  if (ticket_id == 0 || !link_entry (store, entry->event_id, ticket_id, error))
    return 0;
  if (out_reason != NULL)
    *out_reason = g_strdup (decision->reason);
  return ticket_id;
}

/**
 * hd_ingest_make_ticket_from_log:
 * @run_id: the poll run of the log entry
 * @server_key: the entry's key on the server ("UIDVALIDITY/UID" or UIDL)
 * @out_reason: (out) (optional): what the rules made of the mail, in words
 *
 * Runs the raw copy that the poll log kept of a mail deleted without a
 * ticket through the rules of a new mail, with "another account's" and
 * "a duplicate" set aside, and links the ticket from the entry. An entry is
 * made into a ticket once: a second time is %HD_STORE_ERROR_EXISTS.
 *
 * Returns: the ticket (new, or the one the mail joined), or 0 with @error
 */
gint64
hd_ingest_make_ticket_from_log (HdStore     *store,
                                gint64       run_id,
                                const char  *server_key,
                                char       **out_reason,
                                GError     **error)
{
  g_auto (LogEntry) entry = { 0 };
  g_autoptr (HdStoreBatch) batch = NULL;
  gint64 ticket_id;

  g_return_val_if_fail (HD_IS_STORE (store), 0);
  g_return_val_if_fail (server_key != NULL, 0);

  if (!find_entry (store, run_id, server_key, &entry, error))
    return 0;
  if (entry.made)
    {
      if (entry.made_ticket != 0)
        g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS,
                     _("This mail was made into ticket %" PRId64 " already"), entry.made_ticket);
      else
        g_set_error_literal (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS,
                             _("This mail was made into a ticket already"));
      return 0;
    }

  batch = hd_store_batch_begin (store, error);
  if (batch == NULL)
    return 0;
  ticket_id = make_ticket (store, &entry, run_id, out_reason, error);
  if (ticket_id == 0 || !hd_store_batch_commit (batch, error))
    return 0;
  return ticket_id;
}
