/* hd-poller-once.c: the poller's run-once mode: every account once, in
 * parallel, then done (`helpdesk-mailctl poll`, `helpdesk-mail-poller --once`).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller.h"
#include "hd-poller-private.h"

typedef struct {
  GPtrArray *outcomes;  /* HdPollerOutcome, in the order of the accounts */
  guint pending;
} OnceData;

typedef struct {
  GTask *task;
  HdPollerOutcome *outcome;
} OnceJob;

static void
once_data_free (OnceData *data)
{
  g_ptr_array_unref (data->outcomes);
  g_free (data);
}

static void
once_job_done_cb (GObject      *source_object,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  OnceJob *once = user_data;
  g_autoptr (GTask) task = once->task;
  OnceData *data = g_task_get_task_data (task);
  HdPoller *self = g_task_get_source_object (task);

  once->outcome->result = hd_poll_job_run_finish (HD_POLL_JOB (source_object), res,
                                                  &once->outcome->error);
  hd_poller_emit_run_finished (self, once->outcome->name, once->outcome->result,
                               once->outcome->error);
  g_free (once);
  if (--data->pending == 0)
    g_task_return_pointer (task, g_ptr_array_ref (data->outcomes),
                           (GDestroyNotify) g_ptr_array_unref);
}

/**
 * hd_poller_run_once_async:
 * @names: (nullable): the accounts to poll, enabled or not, or %NULL for
 *   every enabled account
 *
 * Polls each account once, all at the same time, each on a worker thread;
 * #HdPoller::run-finished is emitted as each ends.
 */
void
hd_poller_run_once_async (HdPoller            *self,
                          const char * const  *names,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  HdStore *store;
  OnceData *data;

  g_return_if_fail (HD_IS_POLLER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_poller_run_once_async);
  store = hd_poller_get_store (self);

  accounts = g_ptr_array_new_with_free_func (g_object_unref);
  if (names != NULL && names[0] != NULL)
    {
      for (guint i = 0; names[i] != NULL; i++)
        {
          HdAccount *account = hd_store_lookup_account (store, names[i], &error);

          if (account == NULL)
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }
          g_ptr_array_add (accounts, account);
        }
    }
  else
    {
      g_autoptr (GPtrArray) all = hd_store_list_accounts (store, &error);

      if (all == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      for (guint i = 0; i < all->len; i++)
        {
          if (hd_account_get_enabled (all->pdata[i]))
            g_ptr_array_add (accounts, g_object_ref (all->pdata[i]));
        }
    }

  data = g_new0 (OnceData, 1);
  data->outcomes = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_poller_outcome_free);
  data->pending = accounts->len;
  g_task_set_task_data (task, data, (GDestroyNotify) once_data_free);
  if (accounts->len == 0)
    {
      g_task_return_pointer (task, g_ptr_array_ref (data->outcomes),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr (HdPollJob) job = hd_poller_new_job (self, accounts->pdata[i]);
      OnceJob *once = g_new0 (OnceJob, 1);

      once->task = g_object_ref (task);
      once->outcome = g_new0 (HdPollerOutcome, 1);
      once->outcome->name = g_strdup (hd_account_get_name (accounts->pdata[i]));
      g_ptr_array_add (data->outcomes, once->outcome);
      hd_poll_job_run_async (job, cancellable, once_job_done_cb, once);
    }
}

/**
 * hd_poller_run_once_finish:
 *
 * Returns: (transfer full) (element-type HdPollerOutcome): one outcome per
 *   account, in the order asked for (or the store's order), or %NULL with
 *   @error when an account named does not exist
 */
GPtrArray *
hd_poller_run_once_finish (HdPoller      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (HD_IS_POLLER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_poller_run_once_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
once_sync_cb (GObject      *source_object,
              GAsyncResult *res,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

/**
 * hd_poller_run_once_sync:
 *
 * hd_poller_run_once_async() for a caller without a main loop: the polls
 * still run in parallel, reporting on a private main context.
 */
GPtrArray *
hd_poller_run_once_sync (HdPoller            *self,
                         const char * const  *names,
                         GCancellable        *cancellable,
                         GError             **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *outcomes;

  g_return_val_if_fail (HD_IS_POLLER (self), NULL);

  g_main_context_push_thread_default (context);
  hd_poller_run_once_async (self, names, cancellable, once_sync_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  outcomes = hd_poller_run_once_finish (self, result, error);
  g_main_context_pop_thread_default (context);
  return outcomes;
}

void
hd_poller_outcome_free (HdPollerOutcome *outcome)
{
  g_free (outcome->name);
  g_clear_pointer (&outcome->result, hd_poll_result_unref);
  g_clear_error (&outcome->error);
  g_free (outcome);
}
