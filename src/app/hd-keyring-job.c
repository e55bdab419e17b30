/* hd-keyring-job.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-keyring-job.h"

#include <string.h>

#include "hd-secrets.h"

/* What the worker thread needs: plain copies, never a widget. */
typedef struct {
  HdKeyringJobKind kind;
  char *store_id;
  char *from_owner;
  char *to_owner;
  char *password;
} Job;

static void
job_free (Job *job)
{
  g_free (job->store_id);
  g_free (job->from_owner);
  g_free (job->to_owner);
  if (job->password != NULL)
    explicit_bzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  if (hd_keyring_job_run_sync (job->kind, job->store_id, job->from_owner, job->to_owner,
                               job->password, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * hd_keyring_job_run_sync:
 * @from_owner: the account the secrets belong to now
 * @to_owner: the account they are for afterwards; may equal @from_owner
 * @password: (nullable): a new password for @to_owner, stored last
 *
 * Returns: %TRUE when every step succeeded
 */
gboolean
hd_keyring_job_run_sync (HdKeyringJobKind  kind,
                         const char       *store_id,
                         const char       *from_owner,
                         const char       *to_owner,
                         const char       *password,
                         GCancellable     *cancellable,
                         GError          **error)
{
  g_return_val_if_fail (store_id != NULL && from_owner != NULL && to_owner != NULL, FALSE);

  if (kind == HD_KEYRING_JOB_RENAME && g_strcmp0 (from_owner, to_owner) != 0
      && !hd_secrets_rename_owner_sync (store_id, from_owner, to_owner, cancellable, error))
    return FALSE;

  if (kind == HD_KEYRING_JOB_COPY && (password == NULL || *password == '\0'))
    {
      g_autofree char *old = NULL;
      GError *lookup_error = NULL;

      old = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id, from_owner,
                                    cancellable, &lookup_error);
      if (lookup_error != NULL)
        {
          g_propagate_error (error, lookup_error);
          return FALSE;
        }
      if (old == NULL)
        return TRUE;
      if (!hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id, to_owner, old,
                                  cancellable, error))
        {
          explicit_bzero (old, strlen (old));
          return FALSE;
        }
      explicit_bzero (old, strlen (old));
      return TRUE;
    }

  if (password != NULL && *password != '\0')
    return hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id, to_owner, password,
                                  cancellable, error);
  return TRUE;
}

/**
 * hd_keyring_job_run_async:
 *
 * Runs hd_keyring_job_run_sync() on a worker thread, because the keyring
 * may be slow or ask the user, and the window keeps drawing meanwhile.
 */
void
hd_keyring_job_run_async (HdKeyringJobKind     kind,
                          const char          *store_id,
                          const char          *from_owner,
                          const char          *to_owner,
                          const char          *password,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  job = g_new0 (Job, 1);
  job->kind = kind;
  job->store_id = g_strdup (store_id);
  job->from_owner = g_strdup (from_owner);
  job->to_owner = g_strdup (to_owner);
  job->password = g_strdup (password);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_keyring_job_run_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, run_thread);
}

gboolean
hd_keyring_job_run_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_keyring_job_run_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
