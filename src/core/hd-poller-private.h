/* hd-poller-private.h: what the hd-poller*.c files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-poller.h"

G_BEGIN_DECLS

typedef struct _Entry Entry;
typedef struct _HdIdleWatcher HdIdleWatcher;

struct _Entry
{
  HdPoller *poller;        /* not a reference: the poller owns the entry */
  HdAccount *account;
  char *name;
  gint64 account_id;
  guint timeout_id;
  GCancellable *cancellable; /* set while a poll runs */
  gboolean again;          /* asked for while running: poll once more at the end */
  gboolean removed;        /* dropped while running: forget it at the end */
  guint failures;
  HdPollCounts last_counts;
  gint64 due;              /* monotonic time of the next poll, or 0 */
  HdPollJob *job;          /* the running poll's job, not a reference; compared only */
  guint progress_done;     /* the running poll's mail, counted from 1 */
  guint progress_total;    /* how many mails it listed */
  gint64 progress_told;    /* monotonic time the progress was last told */

  /* Push (hd-poller-idle.c). */
  HdIdleWatcher *watcher;  /* while an IDLE connection is wanted and not failed */
  GCancellable *watch_cancellable;
  gboolean push_up;        /* IDLE is established */
  guint push_failures;     /* connections lost in a row: the reconnect backoff */
  guint push_retry_id;
  guint push_poll_id;      /* one poll for a burst of new mail */
};

struct _HdPoller
{
  GObject parent_instance;

  HdStore *store;
  GHashTable *entries;     /* name → Entry */
  GMainContext *context;
  HdPollMailboxFactory factory;
  gpointer factory_data;
  guint second_ms;
  guint idle_renew_ms;     /* 0: the watcher's default */
  guint running;
  guint watching;          /* IDLE watchers that have not reported back */
  gboolean started;
  gboolean paused;
  HdPollerState state;
};

char      *hd_poller_health_state (HdPoller *self,
                                   gint64    account_id);
gboolean   hd_poller_is_failing (const char *state);

HdStore   *hd_poller_get_store (HdPoller *self);
HdPollJob *hd_poller_new_job (HdPoller  *self,
                              HdAccount *account);
void       hd_poller_track_progress (Entry     *entry,
                                     HdPollJob *job);
void       hd_poller_emit_run_finished (HdPoller     *self,
                                        const char   *name,
                                        HdPollResult *result,
                                        const GError *error);
void       hd_poller_emit_account_changed (HdPoller   *self,
                                           const char *name);
void       hd_poller_poll_for_push (Entry *entry);

/* hd-poller-idle.c */
void       hd_poller_idle_update (Entry    *entry,
                                  gboolean  restart);
void       hd_poller_idle_stop (Entry *entry);

G_END_DECLS
