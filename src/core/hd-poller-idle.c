/* hd-poller-idle.c: push for the poller. An enabled IMAP account that wants
 * push gets an HdIdleWatcher on a thread of its own; new mail it reports
 * starts a poll of the account within a fraction of a second (a burst makes
 * one poll, and the poller never polls one account twice at once). The
 * interval timer keeps running beside it as the fallback: a dropped IDLE
 * connection leaves the account on its interval while the watcher
 * reconnects with exponential backoff, and once it is back a poll catches up
 * on what arrived meanwhile. A server that does not announce IDLE, POP3 and
 * an account with push off stay on their interval alone.
 *
 * Everything here runs on the poller's main context, as in hd-poller.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-private.h"

#include "hd-idle-watcher.h"

/* New mail often comes in bursts (several EXISTS in a row): wait this long
 * after the first before polling, so that one poll takes them all. */
#define COALESCE_MS 150
/* The longest wait between two reconnects, in poller seconds. */
#define MAX_RETRY_SECONDS 300

static void start_watcher (Entry *entry);

static gboolean
wants_push (Entry *entry)
{
  HdPoller *self = entry->poller;

  /* A mailbox factory stands in for the server (tests): there is no server
   * to hold an IDLE connection to. */
  return self->started && self->factory == NULL
         && hd_account_get_protocol (entry->account) == HD_PROTOCOL_IMAP
         && hd_account_get_push (entry->account);
}

static void
set_push_up (Entry    *entry,
             gboolean  up)
{
  if (entry->push_up == up)
    return;
  entry->push_up = up;
  hd_poller_emit_account_changed (entry->poller, entry->name);
}

static gboolean
push_poll_cb (gpointer data)
{
  Entry *entry = data;

  entry->push_poll_id = 0;
  hd_poller_poll_for_push (entry);
  return G_SOURCE_REMOVE;
}

static void
poll_soon (Entry *entry)
{
  GSource *source;

  if (entry->push_poll_id != 0)
    return;
  source = g_timeout_source_new (COALESCE_MS);
  g_source_set_callback (source, push_poll_cb, entry, NULL);
  g_source_set_static_name (source, "[hd-poller] push poll");
  entry->push_poll_id = g_source_attach (source, entry->poller->context);
  g_source_unref (source);
}

static void
watching_cb (HdIdleWatcher *watcher,
             gboolean       has_mail,
             Entry         *entry)
{
  entry->push_failures = 0;
  set_push_up (entry, TRUE);
  /* Mail that came before the folder was examined (while the connection
   * was down, or between the last poll's list and the EXAMINE) raises no
   * EXISTS: one poll takes it. An empty folder needs none. */
  if (has_mail)
    poll_soon (entry);
}

static void
new_mail_cb (HdIdleWatcher *watcher,
             Entry         *entry)
{
  poll_soon (entry);
}

static gboolean
retry_cb (gpointer data)
{
  Entry *entry = data;

  entry->push_retry_id = 0;
  start_watcher (entry);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (Entry *entry)
{
  HdPoller *self = entry->poller;
  guint64 seconds = 1;
  GSource *source;

  for (guint i = 1; i < entry->push_failures && seconds < MAX_RETRY_SECONDS; i++)
    seconds *= 2;
  seconds = MIN (seconds, MAX_RETRY_SECONDS);
  source = g_timeout_source_new ((guint) MIN (seconds * self->second_ms, G_MAXUINT));
  g_source_set_callback (source, retry_cb, entry, NULL);
  g_source_set_static_name (source, "[hd-poller] push reconnect");
  entry->push_retry_id = g_source_attach (source, self->context);
  g_source_unref (source);
}

/* The watcher ended. The entry it was started for may be gone by now (the
 * account was removed, the poller stopped): it is looked up by name and
 * counts only if it still holds this very watcher. */
static void
watcher_done_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  HdIdleWatcher *watcher = HD_IDLE_WATCHER (source_object);
  g_autoptr (HdPoller) self = user_data; /* the reference start_watcher() took */
  g_autoptr (GError) error = NULL;
  const char *name = g_object_get_data (G_OBJECT (watcher), "hd-account-name");
  Entry *entry = self->entries != NULL ? g_hash_table_lookup (self->entries, name) : NULL;

  hd_idle_watcher_run_finish (watcher, result, &error);
  self->watching--;
  if (entry == NULL || entry->watcher != watcher)
    return;

  g_signal_handlers_disconnect_by_data (watcher, entry);
  g_clear_object (&entry->watcher);
  g_clear_object (&entry->watch_cancellable);
  set_push_up (entry, FALSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, HD_IDLE_WATCHER_ERROR, HD_IDLE_WATCHER_ERROR_UNSUPPORTED))
    {
      /* Asked again only when the account changes (reload). */
      g_debug ("%s: no push: %s", entry->name, error->message);
      return;
    }
  entry->push_failures++;
  g_debug ("%s: the IDLE connection ended (%s); polling on the interval until it is back",
           entry->name, error != NULL ? error->message : "no error");
  schedule_retry (entry);
}

static void
start_watcher (Entry *entry)
{
  HdPoller *self = entry->poller;

  g_assert (entry->watcher == NULL);
  entry->watcher = hd_idle_watcher_new (self->store, entry->account);
  g_object_set_data_full (G_OBJECT (entry->watcher), "hd-account-name", g_strdup (entry->name),
                          g_free);
  if (self->idle_renew_ms != 0)
    hd_idle_watcher_set_renew_ms (entry->watcher, self->idle_renew_ms);
  g_signal_connect (entry->watcher, "watching", G_CALLBACK (watching_cb), entry);
  g_signal_connect (entry->watcher, "new-mail", G_CALLBACK (new_mail_cb), entry);
  entry->watch_cancellable = g_cancellable_new ();
  self->watching++;
  hd_idle_watcher_run_async (entry->watcher, entry->watch_cancellable, watcher_done_cb,
                             g_object_ref (self));
}

/**
 * hd_poller_idle_stop:
 *
 * Ends the account's IDLE connection (cancelled; its thread reports back on
 * the main context) and forgets any planned reconnect or push poll.
 */
void
hd_poller_idle_stop (Entry *entry)
{
  g_clear_handle_id (&entry->push_retry_id, g_source_remove);
  g_clear_handle_id (&entry->push_poll_id, g_source_remove);
  entry->push_failures = 0;
  if (entry->watcher != NULL)
    {
      g_signal_handlers_disconnect_by_data (entry->watcher, entry);
      g_cancellable_cancel (entry->watch_cancellable);
      g_clear_object (&entry->watch_cancellable);
      g_clear_object (&entry->watcher);
    }
  set_push_up (entry, FALSE);
}

/**
 * hd_poller_idle_update:
 * @restart: the account changed: a running watcher starts again with it
 *
 * Starts or ends the account's IDLE connection as its settings say.
 */
void
hd_poller_idle_update (Entry    *entry,
                       gboolean  restart)
{
  if (restart || !wants_push (entry))
    hd_poller_idle_stop (entry);
  if (wants_push (entry) && entry->watcher == NULL && entry->push_retry_id == 0)
    start_watcher (entry);
}

/**
 * hd_poller_get_watching:
 *
 * Returns: how many IDLE connections have not reported back yet; wait for
 *   0 after hd_poller_stop() before the process ends
 */
guint
hd_poller_get_watching (HdPoller *self)
{
  g_return_val_if_fail (HD_IS_POLLER (self), 0);
  return self->watching;
}

/**
 * hd_poller_set_idle_renew_ms:
 *
 * How long an IDLE runs before it is renewed: 29 minutes but in tests.
 */
void
hd_poller_set_idle_renew_ms (HdPoller *self,
                             guint     renew_ms)
{
  g_return_if_fail (HD_IS_POLLER (self));
  self->idle_renew_ms = renew_ms;
}
