/* hd-poll-result.c: what one poll did, handed from the worker thread that
 * ran it to whoever waits for it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

#include <glib/gi18n-lib.h>

/* A poll of 20,000 mails with the SMTP server down has 20,000 errors: the
 * result keeps the first ones (what went wrong first) and the latest ones
 * (what still goes wrong), with a note of how many are left out between
 * them, so that its memory and the run's log entry stay bounded. */
#define KEEP_FIRST 10
#define KEEP_LATEST 10

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

/* Notes one error of the run; see KEEP_FIRST. */
void
hd_poll_result_add_error (HdPollResult *result,
                          const char   *message)
{
  GPtrArray *errors = result->errors;
  guint left_out;

  result->n_errors++;
  if (errors->len < KEEP_FIRST + KEEP_LATEST)
    {
      g_ptr_array_add (errors, g_strdup (message));
      return;
    }

  /* Full: the oldest of the latest goes, and the note between the first
   * and the latest (made now, at the first error left out) counts it. */
  left_out = result->n_errors - KEEP_FIRST - KEEP_LATEST;
  if (left_out == 1)
    g_ptr_array_insert (errors, KEEP_FIRST, NULL);
  g_ptr_array_remove_index (errors, KEEP_FIRST + 1);
  g_free (errors->pdata[KEEP_FIRST]);
  errors->pdata[KEEP_FIRST] = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "(%u more error left out)",
                                                            "(%u more errors left out)",
                                                            left_out),
                                               left_out);
  g_ptr_array_add (errors, g_strdup (message));
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
 * Returns: (transfer none): the errors of the run, in words, in order: all
 *   of them, or for a run with very many the first and the latest ones with a
 *   note of how many were left out between them
 */
const char * const *
hd_poll_result_get_errors (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return (const char * const *) result->errors->pdata;
}

/**
 * hd_poll_result_get_n_errors:
 *
 * Returns: how many errors the run had, also those that
 *   hd_poll_result_get_errors() leaves out
 */
guint
hd_poll_result_get_n_errors (HdPollResult *result)
{
  g_return_val_if_fail (result != NULL, 0);
  return result->n_errors;
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
