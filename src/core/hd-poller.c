/* hd-poller.c: the scheduling engine.
 *
 * Each account has one entry with one timer. A poll runs as an HdPollJob on
 * a worker thread and reports back on the main context of whoever started
 * the poller; every decision (the next delay, the health, the state) is taken
 * there, so no lock guards the entries. An account is never polled twice at
 * once: a request that comes while its poll runs is kept and served when it
 * ends. A failing account only moves its own timer, so it never delays
 * another. Push (IMAP IDLE), which polls an account when new mail arrives,
 * lives in hd-poller-idle.c; the interval stays its fallback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller.h"
#include "hd-poller-private.h"

#include <glib/gi18n-lib.h>

#include "hd-account-json.h"
#include "hd-store-health.h"

#define MAX_BACKOFF_FACTOR 8

enum {
  PROP_0,
  PROP_STATE,
  PROP_PAUSED,
  PROP_RUNNING,
  N_PROPS
};

enum {
  SIGNAL_RUN_FINISHED,
  SIGNAL_HEALTH_CHANGED,
  SIGNAL_ACCOUNT_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HdPoller, hd_poller, G_TYPE_OBJECT)

static void start_poll (Entry *entry);

static void
entry_free (Entry *entry)
{
  hd_poller_idle_stop (entry);
  g_clear_handle_id (&entry->timeout_id, g_source_remove);
  if (entry->cancellable != NULL)
    g_cancellable_cancel (entry->cancellable);
  g_clear_object (&entry->cancellable);
  g_clear_object (&entry->account);
  g_free (entry->name);
  g_free (entry);
}

char *
hd_poller_health_state (HdPoller *self,
              gint64    account_id)
{
  g_autoptr (HdAccountHealth) health = hd_store_get_health (self->store, account_id, NULL);

  return g_strdup (health != NULL && health->state != NULL ? health->state
                   : HD_HEALTH_NEVER_POLLED);
}

gboolean
hd_poller_is_failing (const char *state)
{
  return g_strcmp0 (state, HD_HEALTH_FAILING) == 0
         || g_strcmp0 (state, HD_HEALTH_SIGN_IN_REQUIRED) == 0;
}

static void
update_state (HdPoller *self)
{
  HdPollerState state;

  if (self->paused)
    state = HD_POLLER_STATE_PAUSED;
  else if (self->running > 0)
    state = HD_POLLER_STATE_POLLING;
  else if (hd_poller_count_failing (self) > 0)
    state = HD_POLLER_STATE_ERROR;
  else
    state = HD_POLLER_STATE_IDLE;

  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

/* The delay before the next poll: the interval, doubled for each failure in
 * a row up to eight times the interval. */
static guint64
entry_delay_ms (Entry *entry)
{
  guint64 factor = 1;

  for (guint i = 0; i < entry->failures && factor < MAX_BACKOFF_FACTOR; i++)
    factor *= 2;
  return (guint64) hd_account_get_poll_interval (entry->account) * factor
         * entry->poller->second_ms;
}

static void
record_next_poll (Entry *entry)
{
  HdPoller *self = entry->poller;
  g_autoptr (GDateTime) when = NULL;
  g_autoptr (GError) error = NULL;

  if (entry->due != 0 && !self->paused)
    {
      gint64 ahead = MAX (entry->due - g_get_monotonic_time (), 0);

      /* Whole seconds, as the store keeps the other times. */
      when = g_date_time_new_from_unix_utc ((g_get_real_time () + ahead + G_USEC_PER_SEC - 1)
                                            / G_USEC_PER_SEC);
    }
  if (!hd_store_set_next_poll (self->store, entry->account_id, when, &error))
    g_debug ("Could not record the next poll of %s: %s", entry->name, error->message);
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0, entry->name);
}

static gboolean
timeout_cb (gpointer data)
{
  Entry *entry = data;

  entry->timeout_id = 0;
  entry->due = 0;
  start_poll (entry);
  return G_SOURCE_REMOVE;
}

static void
schedule (Entry   *entry,
          guint64  delay_ms)
{
  HdPoller *self = entry->poller;
  GSource *source;

  g_clear_handle_id (&entry->timeout_id, g_source_remove);
  entry->due = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  if (!self->paused)
    {
      source = g_timeout_source_new ((guint) MIN (delay_ms, G_MAXUINT));
      g_source_set_callback (source, timeout_cb, entry, NULL);
      g_source_set_static_name (source, "[hd-poller] account timer");
      entry->timeout_id = g_source_attach (source, self->context);
      g_source_unref (source);
    }
  record_next_poll (entry);
}

static void
set_running (HdPoller *self,
             int       delta)
{
  self->running += delta;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  update_state (self);
}

static void
poll_done_cb (GObject      *source_object,
              GAsyncResult *res,
              gpointer      user_data)
{
  HdPollJob *job = HD_POLL_JOB (source_object);
  Entry *entry = user_data;
  g_autoptr (HdPoller) self = entry->poller; /* the reference start_poll() took */
  g_autoptr (GError) error = NULL;
  g_autoptr (HdPollResult) result = hd_poll_job_run_finish (job, res, &error);
  g_autofree char *old_state = NULL;
  g_autofree char *new_state = NULL;
  gboolean busy = g_error_matches (error, HD_POLL_ERROR, HD_POLL_ERROR_BUSY);

  g_clear_object (&entry->cancellable);

  if (entry->removed)
    {
      /* Stopped or dropped: what the run did is still told. */
      set_running (self, -1);
      g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, entry->name, result,
                     error != NULL ? error->message : NULL);
      entry_free (entry);
      return;
    }

  old_state = g_object_steal_data (G_OBJECT (job), "hd-old-state");
  if (result == NULL && !busy)
    {
      /* The job could not even start (the database or the account is gone):
       * that too is a failing account. */
      if (!hd_store_record_health (self->store, entry->account_id, HD_HEALTH_FAILING,
                                   error->message, TRUE, NULL))
        g_debug ("Could not record the health of %s", entry->name);
    }
  if (!busy)
    {
      if (result != NULL && hd_poll_result_get_ok (result))
        entry->failures = 0;
      else
        entry->failures++;
    }
  if (result != NULL)
    entry->last_counts = *hd_poll_result_get_counts (result);

  new_state = hd_poller_health_state (self, entry->account_id);
  set_running (self, -1);
  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, entry->name, result,
                 error != NULL ? error->message : NULL);
  if (g_strcmp0 (old_state, new_state) != 0)
    g_signal_emit (self, signals[SIGNAL_HEALTH_CHANGED], 0, entry->name, old_state, new_state,
                   result != NULL ? hd_poll_result_get_failure (result)
                   : error != NULL ? error->message : NULL);

  if (!self->started)
    return;
  if (entry->again)
    {
      entry->again = FALSE;
      schedule (entry, 0);
    }
  else
    schedule (entry, entry_delay_ms (entry));
}

static void
start_poll (Entry *entry)
{
  HdPoller *self = entry->poller;
  g_autoptr (HdPollJob) job = NULL;

  if (entry->cancellable != NULL)
    {
      entry->again = TRUE;
      return;
    }
  g_clear_handle_id (&entry->timeout_id, g_source_remove);
  entry->due = 0;

  job = hd_poller_new_job (self, entry->account);
  g_object_set_data_full (G_OBJECT (job), "hd-old-state",
                          hd_poller_health_state (self, entry->account_id), g_free);
  entry->cancellable = g_cancellable_new ();
  hd_poller_track_progress (entry, job);
  set_running (self, 1);
  record_next_poll (entry);
  g_object_ref (self);
  hd_poll_job_run_async (job, entry->cancellable, poll_done_cb, entry);
}

static Entry *
entry_new (HdPoller  *self,
           HdAccount *account)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->poller = self;
  entry->account = hd_account_copy (account);
  entry->name = g_strdup (hd_account_get_name (account));
  entry->account_id = hd_store_get_account_id (self->store, entry->name, NULL);
  return entry;
}

/* Takes an entry out of the table; a running poll is cancelled, and its
 * entry is freed when the poll reports back. */
static void
drop_entry (HdPoller   *self,
            const char *name)
{
  Entry *entry = g_hash_table_lookup (self->entries, name);

  if (entry == NULL)
    return;
  g_hash_table_steal (self->entries, name);
  hd_poller_idle_stop (entry);
  if (entry->cancellable != NULL)
    {
      g_clear_handle_id (&entry->timeout_id, g_source_remove);
      g_cancellable_cancel (entry->cancellable);
      entry->removed = TRUE;
      return;
    }
  entry_free (entry);
}

static gboolean
same_account (HdAccount *a,
              HdAccount *b)
{
  g_autoptr (JsonNode) ja = hd_account_to_json (a);
  g_autoptr (JsonNode) jb = hd_account_to_json (b);

  return json_node_equal (ja, jb);
}

static void
hd_poller_dispose (GObject *object)
{
  HdPoller *self = HD_POLLER (object);

  hd_poller_stop (self);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (hd_poller_parent_class)->dispose (object);
}

static void
hd_poller_finalize (GObject *object)
{
  HdPoller *self = HD_POLLER (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (hd_poller_parent_class)->finalize (object);
}

static void
hd_poller_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HdPoller *self = HD_POLLER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_RUNNING:
      g_value_set_uint (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_poller_class_init (HdPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hd_poller_dispose;
  object_class->finalize = hd_poller_finalize;
  object_class->get_property = hd_poller_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, HD_POLLER_STATE_IDLE, HD_POLLER_STATE_ERROR,
                      HD_POLLER_STATE_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_uint ("running", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HdPoller::run-finished:
   * @name: the account
   * @result: (nullable): what the run did, or %NULL when it could not run
   * @error: (nullable): why it could not run
   */
  signals[SIGNAL_RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, HD_TYPE_POLL_RESULT, G_TYPE_STRING);

  /**
   * HdPoller::health-changed:
   * @name: the account
   * @old_state: the HD_HEALTH_… state before the run
   * @new_state: the state after it
   * @message: (nullable): the error, word for word
   *
   * Emitted once per change, not once per poll.
   */
  signals[SIGNAL_HEALTH_CHANGED] =
    g_signal_new ("health-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING);

  /**
   * HdPoller::account-changed:
   * @name: the account whose state, health or next poll changed
   */
  signals[SIGNAL_ACCOUNT_CHANGED] =
    g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hd_poller_init (HdPoller *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) entry_free);
  self->second_ms = 1000;
  self->context = g_main_context_ref_thread_default ();
}

/**
 * hd_poller_new:
 * @store: the database; each poll opens its own connection to its file
 *
 * Returns: (transfer full): a poller that reports on the thread-default main
 *   context of the caller
 */
HdPoller *
hd_poller_new (HdStore *store)
{
  HdPoller *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  self = g_object_new (HD_TYPE_POLLER, NULL);
  self->store = g_object_ref (store);
  return self;
}

/**
 * hd_poller_get_delay:
 *
 * Returns: the delay in milliseconds that follows the account's last run:
 *   its interval, times the backoff of a failing account; 0 if unknown
 */
guint
hd_poller_get_delay (HdPoller   *self,
                     const char *name)
{
  Entry *entry;

  g_return_val_if_fail (HD_IS_POLLER (self), 0);
  entry = g_hash_table_lookup (self->entries, name);
  return entry != NULL ? (guint) MIN (entry_delay_ms (entry), G_MAXUINT) : 0;
}

/**
 * hd_poller_start:
 *
 * Polls every enabled account now and then on its interval.
 */
gboolean
hd_poller_start (HdPoller  *self,
                 GError   **error)
{
  g_return_val_if_fail (HD_IS_POLLER (self), FALSE);

  self->started = TRUE;
  return hd_poller_reload (self, error);
}

/**
 * hd_poller_reload:
 *
 * Reads the accounts again: a new or newly enabled account is polled now, a
 * changed one keeps its place but polls with its new settings (and interval),
 * a disabled or removed one stops, its running poll cancelled.
 */
gboolean
hd_poller_reload (HdPoller  *self,
                  GError   **error)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (HD_IS_POLLER (self), FALSE);

  if (!self->started)
    return TRUE;
  accounts = hd_store_list_accounts (self->store, error);
  if (accounts == NULL)
    return FALSE;

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < accounts->len; i++)
    {
      HdAccount *account = accounts->pdata[i];
      const char *name = hd_account_get_name (account);
      Entry *entry;

      if (!hd_account_get_enabled (account))
        continue;
      g_hash_table_add (seen, (gpointer) name);
      entry = g_hash_table_lookup (self->entries, name);
      if (entry == NULL)
        {
          entry = entry_new (self, account);
          g_hash_table_insert (self->entries, entry->name, entry);
          schedule (entry, 0);
          hd_poller_idle_update (entry, FALSE);
        }
      else if (!same_account (entry->account, account))
        {
          guint old_interval = hd_account_get_poll_interval (entry->account);

          g_object_unref (entry->account);
          entry->account = hd_account_copy (account);
          if (old_interval != hd_account_get_poll_interval (account) && entry->cancellable == NULL)
            schedule (entry, entry_delay_ms (entry));
          hd_poller_idle_update (entry, TRUE);
        }
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (!g_hash_table_contains (seen, key))
        g_ptr_array_add (gone, g_strdup (key));
    }
  for (guint i = 0; i < gone->len; i++)
    drop_entry (self, gone->pdata[i]);
  update_state (self);
  return TRUE;
}

/**
 * hd_poller_poll_now:
 * @names: (nullable): accounts to poll, or %NULL for every enabled one
 *
 * Polls now, also while paused (it is what the user asked for). An account
 * that is being polled is polled once more when that poll ends.
 *
 * Returns: %FALSE with %HD_STORE_ERROR_NOT_FOUND if a name is not an enabled
 *   account the poller watches; nothing is polled then
 */
gboolean
hd_poller_poll_now (HdPoller           *self,
                    const char * const *names,
                    GError            **error)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new ();

  g_return_val_if_fail (HD_IS_POLLER (self), FALSE);

  if (names == NULL || names[0] == NULL)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->entries);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (entries, value);
    }
  else
    {
      for (guint i = 0; names[i] != NULL; i++)
        {
          Entry *entry = g_hash_table_lookup (self->entries, names[i]);

          if (entry == NULL)
            {
              g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                           _("No enabled account named “%s”"), names[i]);
              return FALSE;
            }
          g_ptr_array_add (entries, entry);
        }
    }
  for (guint i = 0; i < entries->len; i++)
    start_poll (entries->pdata[i]);
  return TRUE;
}

/**
 * hd_poller_pause:
 *
 * While paused no timer starts a poll (running polls end normally); on
 * resume, an account whose poll fell due meanwhile is polled at once.
 */
void
hd_poller_pause (HdPoller *self,
                 gboolean  paused)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (HD_IS_POLLER (self));

  paused = !!paused;
  if (paused == self->paused)
    return;
  self->paused = paused;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      if (entry->due == 0)
        continue;
      if (paused)
        {
          g_clear_handle_id (&entry->timeout_id, g_source_remove);
          record_next_poll (entry);
        }
      else
        schedule (entry, MAX (entry->due - g_get_monotonic_time (), 0) / 1000);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
  update_state (self);
}

/**
 * hd_poller_stop:
 *
 * Cancels every running poll (each stops before its next mail; what it
 * committed stays) and plans no more. The polls report back on the main
 * context; wait for #HdPoller:running to reach 0 before the process ends.
 */
void
hd_poller_stop (HdPoller *self)
{
  g_autoptr (GPtrArray) names = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (HD_IS_POLLER (self));

  self->started = FALSE;
  if (self->entries == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  for (guint i = 0; i < names->len; i++)
    drop_entry (self, names->pdata[i]);
}

void
hd_poller_emit_account_changed (HdPoller   *self,
                                const char *name)
{
  g_signal_emit (self, signals[SIGNAL_ACCOUNT_CHANGED], 0, name);
}

/* New mail, says the IDLE watcher: poll now, or when the poll that runs
 * ends; while paused, as soon as the poller resumes. */
void
hd_poller_poll_for_push (Entry *entry)
{
  if (entry->poller->paused && entry->cancellable == NULL)
    schedule (entry, 0);
  else
    start_poll (entry);
}

void
hd_poller_emit_run_finished (HdPoller     *self,
                             const char   *name,
                             HdPollResult *result,
                             const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_RUN_FINISHED], 0, name, result,
                 error != NULL ? error->message : NULL);
}
