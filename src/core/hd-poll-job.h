/* hd-poll-job.h: one poll of one account: list, fetch, parse, ingest
 * (commit), delete, auto-answer, and the record of the run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-store-polls.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_POLL_ERROR (hd_poll_error_quark ())

typedef enum {
  HD_POLL_ERROR_BUSY,      /* another poll of the account is running */
  HD_POLL_ERROR_NO_SECRET, /* no password or token in the keyring */
} HdPollError;

#define HD_TYPE_POLL_JOB (hd_poll_job_get_type ())

G_DECLARE_FINAL_TYPE (HdPollJob, hd_poll_job, HD, POLL_JOB, GObject)

GQuark              hd_poll_error_quark (void);

HdPollJob          *hd_poll_job_new (HdStore   *store,
                                     HdAccount *account);
void                hd_poll_job_set_batch_size (HdPollJob *self,
                                                guint      batch_size);
gboolean            hd_poll_job_run_sync (HdPollJob    *self,
                                          GCancellable *cancellable,
                                          GError      **error);
const HdPollCounts *hd_poll_job_get_counts (HdPollJob *self);
gint64              hd_poll_job_get_run_id (HdPollJob *self);

G_END_DECLS
