/* hd-poll-result.c: what one poll did, handed from the worker thread that
 * ran it to whoever waits for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

G_DEFINE_BOXED_TYPE (HdPollResult, hd_poll_result, hd_poll_result_ref, hd_poll_result_unref)

HdPollResult *
hd_poll_result_new (void)
{
  HdPollResult *result = g_new0 (HdPollResult, 1);

  g_atomic_ref_count_init (&result->ref_count);
  /* Reserved room keeps pdata a NULL-terminated array even when empty. */
  result->errors = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  return result;
}

HdPollResult *
hd_poll_result_ref (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  g_atomic_ref_count_inc (&result->ref_count);
  return result;
}

void
hd_poll_result_unref (HdPollResult *result)
{
  g_return_if_fail (result != NULL);
  if (!g_atomic_ref_count_dec (&result->ref_count))
    return;
  g_ptr_array_unref (result->errors);
  g_free (result->failure);
  g_free (result);
}

gboolean
hd_poll_result_get_ok (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, FALSE);
  return result->ok;
}

const HdPollCounts *
hd_poll_result_get_counts (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return &result->counts;
}

/**
 * hd_poll_result_get_errors:
 *
 * Returns: (transfer none): every error of the run, in words, in order
 */
const char * const *
hd_poll_result_get_errors (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return (const char * const *) result->errors->pdata;
}

/**
 * hd_poll_result_get_failure:
 *
 * Returns: (nullable): why the run failed as a whole, or %NULL
 */
const char *
hd_poll_result_get_failure (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->failure;
}

gint64
hd_poll_result_get_run_id (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->run_id;
}
