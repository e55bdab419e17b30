/* hd-poller-progress.c: how far each running poll has got ("mail 3 of 40"),
 * from the poll job's ::progress signal, for the window's rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller.h"
#include "hd-poller-private.h"

/* Progress is told at most this often, and always for the first and the last
 * mail, so that a mailbox of thousands does not flood the bus. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 5)

typedef struct {
  HdPoller *poller;
  char *name;
} Watch;

static void
watch_free (gpointer data,
            GClosure *closure)
{
  Watch *watch = data;

  g_object_unref (watch->poller);
  g_free (watch->name);
  g_free (watch);
}

static void
progress_cb (HdPollJob *job,
             guint      done,
             guint      total,
             Watch     *watch)
{
  Entry *entry;
  gint64 now = g_get_monotonic_time ();

  /* The account may have been dropped, or polled anew, since this job
   * started: only the entry's own running poll counts. */
  entry = g_hash_table_lookup (watch->poller->entries, watch->name);
  if (entry == NULL || entry->cancellable == NULL || entry->job != job)
    return;
  entry->progress_done = done;
  entry->progress_total = total;
  if (done > 1 && done < total && now - entry->progress_told < PROGRESS_INTERVAL_US)
    return;
  entry->progress_told = now;
  g_signal_emit_by_name (watch->poller, "account-changed", entry->name);
}

/**
 * hd_poller_track_progress:
 *
 * Follows the progress of @job, which starts polling @entry now.
 */
void
hd_poller_track_progress (Entry     *entry,
                          HdPollJob *job)
{
  Watch *watch = g_new0 (Watch, 1);

  entry->job = job;
  entry->progress_done = 0;
  entry->progress_total = 0;
  entry->progress_told = 0;
  watch->poller = g_object_ref (entry->poller);
  watch->name = g_strdup (entry->name);
  g_signal_connect_data (job, "progress", G_CALLBACK (progress_cb), watch, watch_free, 0);
}
