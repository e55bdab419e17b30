/* hd-poller-query.c: what the poller tells of itself and of its accounts,
 * and how it is set up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller.h"
#include "hd-poller-private.h"

#include "hd-store-health.h"

HdPollerState
hd_poller_get_state (HdPoller *self)
{
  g_return_val_if_fail (HD_IS_POLLER (self), HD_POLLER_STATE_IDLE);
  return self->state;
}

gboolean
hd_poller_get_paused (HdPoller *self)
{
  g_return_val_if_fail (HD_IS_POLLER (self), FALSE);
  return self->paused;
}

guint
hd_poller_get_running (HdPoller *self)
{
  g_return_val_if_fail (HD_IS_POLLER (self), 0);
  return self->running;
}

/**
 * hd_poller_count_failing:
 *
 * Returns: how many watched accounts are failing or must sign in again
 */
guint
hd_poller_count_failing (HdPoller *self)
{
  GHashTableIter iter;
  gpointer value;
  guint failing = 0;

  g_return_val_if_fail (HD_IS_POLLER (self), 0);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;
      g_autofree char *state = hd_poller_health_state (self, entry->account_id);

      if (hd_poller_is_failing (state))
        failing++;
    }
  return failing;
}

/**
 * hd_poller_list_accounts:
 *
 * Returns: (transfer full) (element-type HdPollerAccount): the watched
 *   accounts by name, with their health from the store
 */
GPtrArray *
hd_poller_list_accounts (HdPoller *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_poller_account_free);
  g_autoptr (GList) values = NULL;

  g_return_val_if_fail (HD_IS_POLLER (self), list);

  values = g_hash_table_get_values (self->entries);
  for (GList *l = values; l != NULL; l = l->next)
    {
      Entry *entry = l->data;
      HdPollerAccount *account = g_new0 (HdPollerAccount, 1);
      g_autoptr (HdAccountHealth) health = hd_store_get_health (self->store, entry->account_id,
                                                                NULL);

      account->name = g_strdup (entry->name);
      if (health != NULL)
        {
          account->state = g_strdup (health->state);
          account->since = g_strdup (health->since);
          account->message = g_strdup (health->message);
          account->last_poll = g_strdup (health->last_poll);
          account->next_poll = g_strdup (health->next_poll);
        }
      if (account->state == NULL)
        account->state = g_strdup (HD_HEALTH_NEVER_POLLED);
      account->polling = entry->cancellable != NULL;
      if (account->polling)
        {
          account->progress_done = entry->progress_done;
          account->progress_total = entry->progress_total;
        }
      account->push = entry->push_up;
      account->failures = entry->failures;
      account->last_counts = entry->last_counts;
      g_ptr_array_add (list, account);
    }
  return list;
}

void
hd_poller_account_free (HdPollerAccount *account)
{
  g_free (account->name);
  g_free (account->state);
  g_free (account->since);
  g_free (account->message);
  g_free (account->last_poll);
  g_free (account->next_poll);
  g_free (account);
}

const char *
hd_poller_state_to_string (HdPollerState state)
{
  switch (state)
    {
    case HD_POLLER_STATE_POLLING:
      return "polling";
    case HD_POLLER_STATE_PAUSED:
      return "paused";
    case HD_POLLER_STATE_ERROR:
      return "error";
    case HD_POLLER_STATE_IDLE:
    default:
      return "idle";
    }
}

/**
 * hd_poller_set_mailbox_factory:
 *
 * Gives every poll job this mailbox factory (tests give a test double).
 */
void
hd_poller_set_mailbox_factory (HdPoller             *self,
                               HdPollMailboxFactory  factory,
                               gpointer              user_data)
{
  g_return_if_fail (HD_IS_POLLER (self));
  self->factory = factory;
  self->factory_data = user_data;
}

/**
 * hd_poller_set_second_ms:
 *
 * How long one second of a poll interval lasts, in milliseconds: 1000 but in
 * tests, which run an interval of 10 s in a fraction of one.
 */
void
hd_poller_set_second_ms (HdPoller *self,
                         guint     ms)
{
  g_return_if_fail (HD_IS_POLLER (self));
  self->second_ms = MAX (ms, 1);
}

/* For hd-poller-once.c and hd-poller-query.c. */
HdStore *
hd_poller_get_store (HdPoller *self)
{
  return self->store;
}

HdPollJob *
hd_poller_new_job (HdPoller  *self,
                   HdAccount *account)
{
  HdPollJob *job = hd_poll_job_new (self->store, account);

  if (self->factory != NULL)
    hd_poll_job_set_mailbox_factory (job, self->factory, self->factory_data);
  return job;
}
