/* hd-store-health.c
 *
 * One row per account that was ever polled or checked; none means
 * "never-polled". The state's "since" moves only when the state changes, so
 * that "failing since Monday" stays true through a week of failed polls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-health.h"

#include "hd-store-private.h"

/**
 * hd_store_record_health:
 * @state: %HD_HEALTH_OK, %HD_HEALTH_FAILING or %HD_HEALTH_SIGN_IN_REQUIRED
 * @message: (nullable): the error, word for word (for a failing state)
 * @polled: whether a poll (not only a check) ended now
 *
 * Returns: %TRUE when stored
 */
gboolean
hd_store_record_health (HdStore     *self,
                        gint64       account_id,
                        const char  *state,
                        const char  *message,
                        gboolean     polled,
                        GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_strcmp0 (state, HD_HEALTH_OK) == 0
                        || g_strcmp0 (state, HD_HEALTH_FAILING) == 0
                        || g_strcmp0 (state, HD_HEALTH_SIGN_IN_REQUIRED) == 0, FALSE);

  stmt = hd_store_prepare (self,
                           "INSERT INTO account_health (account_id, state, since, message,"
                           " last_poll) VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 THEN ?3 END)"
                           " ON CONFLICT (account_id) DO UPDATE SET"
                           " since = CASE WHEN state = excluded.state THEN since"
                           "              ELSE excluded.since END,"
                           " state = excluded.state, message = excluded.message,"
                           " last_poll = coalesce (excluded.last_poll, last_poll)",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, state);
  hd_store_bind_text (stmt, 3, now);
  hd_store_bind_text (stmt, 4, message);
  sqlite3_bind_int (stmt, 5, polled);
  return hd_store_step_done (self, stmt, error);
}

/**
 * hd_store_set_next_poll:
 * @next_poll: (nullable): when the poller plans the next poll, or %NULL
 */
gboolean
hd_store_set_next_poll (HdStore     *self,
                        gint64       account_id,
                        GDateTime   *next_poll,
                        GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *when = next_poll != NULL ? g_date_time_format_iso8601 (next_poll) : NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);

  stmt = hd_store_prepare (self,
                           "INSERT INTO account_health (account_id, state, next_poll)"
                           " VALUES (?1, 'never-polled', ?2)"
                           " ON CONFLICT (account_id) DO UPDATE SET next_poll = excluded.next_poll",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, when);
  return hd_store_step_done (self, stmt, error);
}

/**
 * hd_store_get_health:
 *
 * Returns: (transfer full): the account's health; "never-polled" when no
 *   poll or check has ended yet
 */
HdAccountHealth *
hd_store_get_health (HdStore  *self,
                     gint64    account_id,
                     GError  **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  HdAccountHealth *health;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self,
                           "SELECT state, since, message, last_poll, next_poll FROM account_health"
                           " WHERE account_id = ?1",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  health = g_new0 (HdAccountHealth, 1);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      health->state = g_strdup (hd_store_column_text (stmt, 0));
      health->since = g_strdup (hd_store_column_text (stmt, 1));
      health->message = g_strdup (hd_store_column_text (stmt, 2));
      health->last_poll = g_strdup (hd_store_column_text (stmt, 3));
      health->next_poll = g_strdup (hd_store_column_text (stmt, 4));
    }
  else if (rc != SQLITE_DONE)
    {
      hd_account_health_free (health);
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  if (health->state == NULL)
    health->state = g_strdup (HD_HEALTH_NEVER_POLLED);
  return health;
}

void
hd_account_health_free (HdAccountHealth *health)
{
  if (health == NULL)
    return;
  g_free (health->state);
  g_free (health->since);
  g_free (health->message);
  g_free (health->last_poll);
  g_free (health->next_poll);
  g_free (health);
}
