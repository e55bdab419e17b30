/* hd-ingest-run.c: HdIngest, the ticket-creation rules of one poll.
 *
 * One object per poll takes one snapshot of what every decision needs (the
 * account and its id, every account, the auto-answer settings), then turns
 * each mail into its ticket or step, its receipt and its poll-log event, in
 * one savepoint of the batch it is handed: the mail is stored whole or not
 * at all, and what became of it is said in the log in the same breath.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-store-polls.h"

struct _HdIngest
{
  GObject parent_instance;

  HdStore *store;
  HdAccount *account;
  gint64 run_id;
  HdIngestSnapshot snapshot;
};

G_DEFINE_FINAL_TYPE (HdIngest, hd_ingest, G_TYPE_OBJECT)

void
hd_ingest_outcome_clear (HdIngestOutcome *outcome)
{
  g_clear_pointer (&outcome->auto_answer, hd_auto_answer_request_free);
  memset (outcome, 0, sizeof *outcome);
}

/* The reason the log gives, with what the parser had to repair. */
static char *
reason_with_warnings (const char *reason,
                      HdMessage  *message)
{
  const char *const *warnings = hd_message_get_warnings (message);
  g_autofree char *joined = NULL;

  if (warnings == NULL || warnings[0] == NULL)
    return g_strdup (reason);
  joined = g_strjoinv ("; ", (GStrv) warnings);
  /* TRANSLATORS: the first %s is why the mail became what it became, the
   * second what was wrong with the mail and was repaired. */
  return g_strdup_printf (_("%s (the mail had flaws: %s)"), reason, joined);
}

/* The mail as received, to read once more (into its raw copy); at most one
 * of @raw_bytes and @raw_file is set. NULL without @error when there is
 * none. */
static GInputStream *
open_raw (GBytes   *raw_bytes,
          GFile    *raw_file,
          goffset  *out_size,
          GError  **error)
{
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GFileInfo) info = NULL;

  if (raw_bytes != NULL)
    {
      *out_size = (goffset) g_bytes_get_size (raw_bytes);
      return g_memory_input_stream_new_from_bytes (raw_bytes);
    }
  if (raw_file == NULL)
    return NULL;
  stream = g_file_read (raw_file, NULL, error);
  if (stream == NULL)
    return NULL;
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
  if (info == NULL)
    return NULL;
  *out_size = g_file_info_get_size (info);
  return G_INPUT_STREAM (g_steal_pointer (&stream));
}

static void
hd_ingest_finalize (GObject *object)
{
  HdIngest *self = HD_INGEST (object);

  hd_ingest_snapshot_clear (&self->snapshot);
  g_clear_object (&self->store);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (hd_ingest_parent_class)->finalize (object);
}

static void
hd_ingest_class_init (HdIngestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hd_ingest_finalize;
}

static void
hd_ingest_init (HdIngest *self)
{
}

/**
 * hd_ingest_new:
 * @store: the store connection of the calling thread
 * @account: the account the mail comes from; it is copied
 * @run_id: the poll run, or %G_MAXINT64 for a preview ("the next run")
 *
 * Returns: (transfer full) (nullable): the rules over one snapshot of the
 *   accounts and settings, or %NULL when the account is not in the store
 */
HdIngest *
hd_ingest_new (HdStore    *store,
               HdAccount  *account,
               gint64      run_id,
               GError    **error)
{
  g_autoptr (HdIngest) self = NULL;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  self = g_object_new (HD_TYPE_INGEST, NULL);
  self->store = g_object_ref (store);
  self->account = hd_account_copy (account);
  self->run_id = run_id;
  if (!hd_ingest_snapshot_init (&self->snapshot, store, self->account, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * hd_ingest_preview:
 *
 * What @message would become; writes nothing.
 *
 * Returns: (transfer full): the decision
 */
HdIngestDecision *
hd_ingest_preview (HdIngest   *self,
                   HdMessage  *message,
                   GError    **error)
{
  g_return_val_if_fail (HD_IS_INGEST (self), NULL);
  g_return_val_if_fail (HD_IS_MESSAGE (message), NULL);

  return hd_ingest_decide_with (self->store, self->account, &self->snapshot, self->run_id,
                                message, HD_INGEST_RULES_ALL, error);
}

/**
 * hd_ingest_record_failure:
 * @batch: (nullable): the open batch, or %NULL to write on its own
 * @raw_bytes: (nullable): the mail as received, when it is in memory
 * @raw_file: (nullable): the mail as received, when it is in a file; at most
 *   one of the two is set, and the one that is is kept with the event
 * @reason: why the mail could not be read or stored
 *
 * A mail that could not be read or stored stays on the server; the log
 * keeps its raw copy and the reason, once, not on every poll.
 */
gboolean
hd_ingest_record_failure (HdIngest      *self,
                          HdStoreBatch  *batch,
                          const char    *server_key,
                          GBytes        *raw_bytes,
                          GFile         *raw_file,
                          const char    *reason,
                          GError       **error)
{
  g_autoptr (GInputStream) raw = NULL;
  HdPollEvent event = { .server_key = server_key, .action = "error", .reason = reason };

  g_return_val_if_fail (HD_IS_INGEST (self), FALSE);
  g_return_val_if_fail (batch == NULL || hd_store_batch_get_store (batch) == self->store, FALSE);

  if (hd_store_has_poll_event (self->store, self->snapshot.account_id, server_key, "error"))
    return TRUE;
  raw = open_raw (raw_bytes, raw_file, &event.raw_size, NULL);
  event.raw_stream = raw;
  return hd_store_add_poll_event (self->store, self->run_id, &event, error);
}

/**
 * hd_ingest_process:
 * @batch: the open batch the mail is written in
 * @message: the parsed mail
 * @server_key: the receipt's key ("UIDVALIDITY/UID", the UIDL, …)
 * @raw_bytes: (nullable): the mail as received, when it is in memory
 * @raw_file: (nullable): the mail as received, when it is in a file; the
 *   one that is set is kept with its step or log event
 * @outcome: (out caller-allocates): what became of the mail
 *
 * Decides and writes one mail, its receipt and its poll-log event, in one
 * savepoint of @batch. A mail that cannot be stored is rolled back to that
 * savepoint and logged as an error (counted as failed; it stays on the
 * server); that is no error of this call.
 *
 * Returns: %FALSE only when the batch itself failed: the poll stops there
 */
gboolean
hd_ingest_process (HdIngest         *self,
                   HdStoreBatch     *batch,
                   HdMessage        *message,
                   const char       *server_key,
                   GBytes           *raw_bytes,
                   GFile            *raw_file,
                   HdIngestOutcome  *outcome,
                   GError          **error)
{
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GInputStream) raw_for_log = NULL;
  g_autoptr (GInputStream) raw = NULL;
  goffset raw_size = 0;
  g_autofree char *reason = NULL;
  HdPollEvent event = { 0 };
  gint64 ticket_id = 0;
  guint savepoint;

  g_return_val_if_fail (HD_IS_INGEST (self), FALSE);
  g_return_val_if_fail (HD_IS_STORE_BATCH (batch), FALSE);
  g_return_val_if_fail (hd_store_batch_get_store (batch) == self->store, FALSE);
  g_return_val_if_fail (HD_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (server_key != NULL && outcome != NULL, FALSE);

  memset (outcome, 0, sizeof *outcome);
  savepoint = hd_store_batch_savepoint (batch, error);
  if (savepoint == 0)
    return FALSE;

  /* Decided inside the batch's transaction: another poll that holds the same
   * Message-ID has committed before, or waits until this batch has. */
  decision = hd_ingest_decide_with (self->store, self->account, &self->snapshot, self->run_id,
                                    message, HD_INGEST_RULES_ALL, &local_error);
  if (decision == NULL)
    goto failed;

  outcome->action = decision->action;
  if (decision->action == HD_INGEST_SKIP_NO_NEW_TICKETS
      && hd_store_has_poll_event (self->store, self->snapshot.account_id, server_key,
                                  "skip-no-new-tickets"))
    {
      /* Logged once, when it was first seen; it stays on the server. */
      outcome->counted = HD_INGEST_COUNTED_SKIPPED;
      return hd_store_batch_release (batch, savepoint, error);
    }

  /* Mail that no ticket holds but that leaves the server keeps its raw copy
   * in the log: an invalid reference, and also a "duplicate" or another
   * account's mail, as a careless mailer may reuse a Message-ID for a
   * different mail, which must not be lost either. */
  if (hd_ingest_action_deletes (decision->action) && !hd_ingest_action_imports (decision->action))
    {
      raw_for_log = open_raw (raw_bytes, raw_file, &event.raw_size, NULL);
      event.raw_stream = raw_for_log;
    }

  reason = reason_with_warnings (decision->reason, message);
  event.server_key = server_key;
  event.message_id = hd_message_get_message_id (message);
  event.subject = hd_message_get_subject (message);
  event.from_address = hd_message_get_from (message) ? hd_message_get_from (message)->address
                                                      : NULL;
  event.action = hd_ingest_action_to_string (decision->action);
  event.reason = reason;

  if (hd_ingest_action_imports (decision->action) && (raw_bytes != NULL || raw_file != NULL)
      && (raw = open_raw (raw_bytes, raw_file, &raw_size, &local_error)) == NULL)
    goto failed;
  if (!hd_ingest_apply_with (self->store, self->account, self->snapshot.account_id, self->run_id,
                             message, server_key, raw, raw_size, decision, &ticket_id,
                             &local_error))
    goto failed;
  event.ticket_id = ticket_id;
  if (!hd_store_add_poll_event (self->store, self->run_id, &event, &local_error)
      || !hd_store_batch_release (batch, savepoint, &local_error))
    goto failed;

  outcome->counted = hd_ingest_action_imports (decision->action) ? HD_INGEST_COUNTED_IMPORTED
                                                                 : HD_INGEST_COUNTED_SKIPPED;
  outcome->delete = hd_ingest_action_deletes (decision->action);
  outcome->ticket_id = ticket_id;
  if (decision->auto_answer)
    outcome->auto_answer = hd_auto_answer_request_new (message, ticket_id,
                                                       decision->action
                                                       == HD_INGEST_REJECT_INVALID_REFERENCE);
  return TRUE;

failed:
  {
    g_autofree char *why = g_strdup_printf (_("could not store the mail: %s"),
                                            local_error->message);

    hd_store_batch_rollback_to (batch, savepoint);
    memset (outcome, 0, sizeof *outcome);
    outcome->counted = HD_INGEST_COUNTED_FAILED;
    return hd_ingest_record_failure (self, batch, server_key, raw_bytes, raw_file, why, error);
  }
}

/**
 * hd_ingest_may_send_now:
 *
 * Whether the auto-answer may still go out: a batch may hold several mails
 * of one sender, so the daily cap is asked again right before each send.
 */
gboolean
hd_ingest_may_send_now (HdIngest                  *self,
                        const HdAutoAnswerRequest *request)
{
  g_return_val_if_fail (HD_IS_INGEST (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  return hd_store_count_sent_today (self->store, request->to_address) < self->snapshot.daily_cap;
}
