/* hd-poll-job.h: one poll of one account: list, fetch, parse, ingest
 * (commit), delete, auto-answer, and the record of the run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-accounts.h"
#include "hd-account.h"
#include "hd-mailbox.h"
#include "hd-store-polls.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_POLL_ERROR (hd_poll_error_quark ())

typedef enum {
  HD_POLL_ERROR_BUSY,      /* another poll of the account is running */
  HD_POLL_ERROR_NO_SECRET, /* no password or token in the keyring */
} HdPollError;

/* What one poll did: its counts, every error in words, and its log entry. */
typedef struct _HdPollResult HdPollResult;

#define HD_TYPE_POLL_RESULT (hd_poll_result_get_type ())

GType               hd_poll_result_get_type (void) G_GNUC_CONST;
HdPollResult       *hd_poll_result_ref (HdPollResult *result);
void                hd_poll_result_unref (HdPollResult *result);
gboolean            hd_poll_result_get_ok (HdPollResult *result);
const HdPollCounts *hd_poll_result_get_counts (HdPollResult *result);
const char * const *hd_poll_result_get_errors (HdPollResult *result);
guint               hd_poll_result_get_n_errors (HdPollResult *result);
const char         *hd_poll_result_get_failure (HdPollResult *result);
gint64              hd_poll_result_get_run_id (HdPollResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdPollResult, hd_poll_result_unref)

/* Makes the mailbox a poll reads; tests give a test double of HdMailbox. */
typedef HdMailbox *(*HdPollMailboxFactory) (HdAccount           *account,
                                            const HdCredentials *credentials,
                                            gpointer             user_data);

#define HD_TYPE_POLL_JOB (hd_poll_job_get_type ())

G_DECLARE_FINAL_TYPE (HdPollJob, hd_poll_job, HD, POLL_JOB, GObject)

GQuark              hd_poll_error_quark (void);

HdPollJob          *hd_poll_job_new (HdStore   *store,
                                     HdAccount *account);
void                hd_poll_job_set_batch_size (HdPollJob *self,
                                                guint      batch_size);
void                hd_poll_job_set_mailbox_factory (HdPollJob            *self,
                                                     HdPollMailboxFactory  factory,
                                                     gpointer              user_data);
HdPollResult       *hd_poll_job_run_sync (HdPollJob     *self,
                                          GCancellable  *cancellable,
                                          GError       **error);
void                hd_poll_job_run_async (HdPollJob           *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
HdPollResult       *hd_poll_job_run_finish (HdPollJob     *self,
                                            GAsyncResult  *result,
                                            GError       **error);

G_END_DECLS
