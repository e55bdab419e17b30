/* hd-ingest.h: the ticket-creation rules. What one message becomes is a
 * pure decision (preview prints it); applying it writes the ticket, the
 * step and the receipt inside the caller's transaction (poll commits it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hd-account.h"
#include "hd-auto-answer.h"
#include "hd-message.h"
#include "hd-store-batch.h"
#include "hd-store.h"

G_BEGIN_DECLS

typedef enum {
  HD_INGEST_NEW_TICKET,
  HD_INGEST_ADD_STEP,
  HD_INGEST_BUNDLE,
  HD_INGEST_SKIP_NO_NEW_TICKETS,
  HD_INGEST_SKIP_OTHER_ACCOUNT,
  HD_INGEST_SKIP_DUPLICATE,
  HD_INGEST_REJECT_INVALID_REFERENCE,
  HD_INGEST_BOUNCE,            /* a delivery failure: a step marked undeliverable */
} HdIngestAction;

typedef struct
{
  HdIngestAction action;
  char *reason;              /* why, in words */
  gint64 ticket_id;          /* the ticket a step goes to */

  /* For a new ticket: who it belongs to, and what it is filed under. */
  char *user;                /* the user's name (new or existing), or NULL */
  char *new_user_email;      /* set when the user is to be created */
  char *customer;            /* the customer's name, or NULL */
  gboolean auto_answer;      /* whether an auto-answer goes out */
  char *auto_answer_reason;  /* why it does or does not */

  /* For a bounce: whom the mail did not reach, and the status. */
  char *failed_recipient;
  char *delivery_status;
} HdIngestDecision;

/* Rules a caller may set aside: making a ticket from the poll log does, as
 * the admin has judged that mail already. */
typedef enum {
  HD_INGEST_RULES_ALL = 0,
  HD_INGEST_FORCE_NOT_OTHER_ACCOUNT = 1 << 0,
  HD_INGEST_FORCE_NOT_DUPLICATE = 1 << 1,
  HD_INGEST_FORCE_TICKET = 1 << 2,   /* no "skip" or "reject": a ticket at least */
} HdIngestForce;

const char       *hd_ingest_action_to_string (HdIngestAction action);
gboolean          hd_ingest_action_imports (HdIngestAction action);
gboolean          hd_ingest_action_deletes (HdIngestAction action);

HdIngestDecision *hd_ingest_decide (HdStore    *store,
                                    HdAccount  *account,
                                    gint64      run_id,
                                    HdMessage  *message,
                                    GError    **error);
HdIngestDecision *hd_ingest_decide_forced (HdStore       *store,
                                           HdAccount     *account,
                                           gint64         run_id,
                                           HdMessage     *message,
                                           HdIngestForce  force,
                                           GError       **error);
gboolean          hd_ingest_apply (HdStore                *store,
                                   HdAccount              *account,
                                   gint64                  run_id,
                                   HdMessage              *message,
                                   const char             *server_key,
                                   GFile                  *raw_file,
                                   const HdIngestDecision *decision,
                                   gint64                 *out_ticket_id,
                                   GError                **error);
JsonNode         *hd_ingest_preview_to_json (const char             *file,
                                             HdMessage              *message,
                                             HdAccount              *account,
                                             const HdIngestDecision *decision);
gint64            hd_ingest_find_reference (HdStore    *store,
                                            const char *subject,
                                            gboolean   *out_has_keyword);
gboolean          hd_ingest_under_daily_cap (HdStore    *store,
                                             const char *recipient,
                                             guint      *out_cap);
gint64            hd_ingest_make_ticket_from_log (HdStore     *store,
                                                  gint64       run_id,
                                                  const char  *server_key,
                                                  char       **out_reason,
                                                  GError     **error);
void              hd_ingest_decision_free (HdIngestDecision *decision);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdIngestDecision, hd_ingest_decision_free)

/* How a mail counts in the poll's summary. */
typedef enum {
  HD_INGEST_COUNTED_IMPORTED,
  HD_INGEST_COUNTED_SKIPPED,
  HD_INGEST_COUNTED_FAILED,
} HdIngestCounted;

/* What became of one mail, for the poll to act on once its batch commits. */
typedef struct
{
  HdIngestAction action;
  HdIngestCounted counted;
  gboolean delete;                   /* its receipt asks that it leave the server */
  gint64 ticket_id;
  HdAutoAnswerRequest *auto_answer;  /* an answer to send after the commit, or NULL */
} HdIngestOutcome;

void              hd_ingest_outcome_clear (HdIngestOutcome *outcome);

#define HD_TYPE_INGEST (hd_ingest_get_type ())

G_DECLARE_FINAL_TYPE (HdIngest, hd_ingest, HD, INGEST, GObject)

HdIngest         *hd_ingest_new (HdStore    *store,
                                 HdAccount  *account,
                                 gint64      run_id,
                                 GError    **error);
gboolean          hd_ingest_process (HdIngest         *self,
                                     HdStoreBatch     *batch,
                                     HdMessage        *message,
                                     const char       *server_key,
                                     GBytes           *raw_bytes,
                                     GFile            *raw_file,
                                     HdIngestOutcome  *outcome,
                                     GError          **error);
gboolean          hd_ingest_record_failure (HdIngest         *self,
                                            HdStoreBatch     *batch,
                                            const char       *server_key,
                                            GBytes           *raw_bytes,
                                            GFile            *raw_file,
                                            const char       *reason,
                                            GError          **error);
HdIngestDecision *hd_ingest_preview (HdIngest   *self,
                                     HdMessage  *message,
                                     GError    **error);
gboolean          hd_ingest_may_send_now (HdIngest                  *self,
                                          const HdAutoAnswerRequest *request);

G_END_DECLS
