/* hd-poller.h: the scheduling engine: every enabled account on its own
 * interval, accounts in parallel on worker threads, backoff, pause, reload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-poll-job.h"
#include "hd-store.h"

G_BEGIN_DECLS

typedef enum {
  HD_POLLER_STATE_IDLE,
  HD_POLLER_STATE_POLLING,
  HD_POLLER_STATE_PAUSED,
  HD_POLLER_STATE_ERROR,   /* at least one account is failing or must sign in */
} HdPollerState;

/* What the poller knows of one account, copied out for the caller. */
typedef struct {
  char        *name;
  char        *state;      /* an HD_HEALTH_… string */
  char        *since;      /* ISO 8601 or NULL */
  char        *message;    /* the last error, or NULL */
  char        *last_poll;  /* ISO 8601 or NULL */
  char        *next_poll;  /* ISO 8601 or NULL when none is planned (paused, stopped) */
  gboolean     polling;
  guint        progress_done;  /* while polling: the mail being read, from 1 */
  guint        progress_total; /* while polling: how many mails were listed */
  gboolean     push;       /* an IMAP IDLE connection watches the account */
  guint        failures;   /* failed runs in a row */
  HdPollCounts last_counts;
} HdPollerAccount;

/* One account's run in hd_poller_run_once_async(). */
typedef struct {
  char         *name;
  HdPollResult *result;    /* or NULL, and @error says why it could not run */
  GError       *error;
} HdPollerOutcome;

#define HD_TYPE_POLLER (hd_poller_get_type ())

G_DECLARE_FINAL_TYPE (HdPoller, hd_poller, HD, POLLER, GObject)

const char      *hd_poller_state_to_string (HdPollerState state);

HdPoller        *hd_poller_new (HdStore *store);
void             hd_poller_set_mailbox_factory (HdPoller             *self,
                                                HdPollMailboxFactory  factory,
                                                gpointer              user_data);
void             hd_poller_set_second_ms (HdPoller *self,
                                          guint     ms);
guint            hd_poller_get_delay (HdPoller   *self,
                                      const char *name);
void             hd_poller_set_idle_renew_ms (HdPoller *self,
                                              guint     renew_ms);
guint            hd_poller_get_watching (HdPoller *self);

gboolean         hd_poller_start (HdPoller  *self,
                                  GError   **error);
gboolean         hd_poller_reload (HdPoller  *self,
                                   GError   **error);
gboolean         hd_poller_poll_now (HdPoller           *self,
                                     const char * const *names,
                                     GError            **error);
void             hd_poller_pause (HdPoller *self,
                                  gboolean  paused);
void             hd_poller_stop (HdPoller *self);

HdPollerState    hd_poller_get_state (HdPoller *self);
gboolean         hd_poller_get_paused (HdPoller *self);
guint            hd_poller_get_running (HdPoller *self);
guint            hd_poller_count_failing (HdPoller *self);
GPtrArray       *hd_poller_list_accounts (HdPoller *self);
void             hd_poller_account_free (HdPollerAccount *account);

void             hd_poller_run_once_async (HdPoller            *self,
                                           const char * const  *names,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray       *hd_poller_run_once_finish (HdPoller      *self,
                                            GAsyncResult  *result,
                                            GError       **error);
GPtrArray       *hd_poller_run_once_sync (HdPoller            *self,
                                          const char * const  *names,
                                          GCancellable        *cancellable,
                                          GError             **error);
void             hd_poller_outcome_free (HdPollerOutcome *outcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdPollerAccount, hd_poller_account_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdPollerOutcome, hd_poller_outcome_free)

G_END_DECLS
