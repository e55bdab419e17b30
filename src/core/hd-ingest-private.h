/* hd-ingest-private.h: what the hd-ingest*.c files share: the snapshot
 * that one HdIngest takes once per poll, and the rules and writes over it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-ingest.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 account_id;
  GPtrArray *accounts;        /* HdAccount: every account, for "whose mail is it" */
  gboolean auto_answers_on;   /* auto_emails.new_request */
  guint daily_cap;            /* auto_emails.max_per_sender_per_day */
} HdIngestSnapshot;

gboolean          hd_ingest_snapshot_init (HdIngestSnapshot  *snapshot,
                                           HdStore           *store,
                                           HdAccount         *account,
                                           GError           **error);
void              hd_ingest_snapshot_clear (HdIngestSnapshot *snapshot);

HdIngestDecision *hd_ingest_decide_with (HdStore                *store,
                                         HdAccount              *account,
                                         const HdIngestSnapshot *snapshot,
                                         gint64                  run_id,
                                         HdMessage              *message,
                                         HdIngestForce           force,
                                         GError                **error);
gboolean          hd_ingest_apply_with (HdStore                *store,
                                        HdAccount              *account,
                                        gint64                  account_id,
                                        gint64                  run_id,
                                        HdMessage              *message,
                                        const char             *server_key,
                                        GInputStream           *raw,
                                        goffset                 raw_size,
                                        const HdIngestDecision *decision,
                                        gint64                 *out_ticket_id,
                                        GError                **error);

/* Writes the ticket (when the decision makes one) and the step of an
 * importing decision, without a receipt (hd-ingest-apply.c). */
gint64            hd_ingest_apply_ticket (HdStore                *store,
                                          HdAccount              *account,
                                          gint64                  account_id,
                                          gint64                  run_id,
                                          HdMessage              *message,
                                          GInputStream           *raw,
                                          goffset                 raw_size,
                                          const HdIngestDecision *decision,
                                          gint64                 *out_step_id,
                                          GError                **error);

G_END_DECLS
