/* hd-connection-check.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-connection-check.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hd-accounts.h"

/* What the worker thread needs: plain copies, never a widget. */
typedef struct {
  HdAccount *account;
  char *db_path;
  char *password;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->account);
  g_free (job->db_path);
  if (job->password != NULL)
    explicit_bzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  HdMailboxCheckResult *result;

  result = hd_connection_check_sync (job->account, job->db_path, job->password, cancellable,
                                     &error);
  if (result != NULL)
    g_task_return_pointer (task, result, (GDestroyNotify) hd_mailbox_check_result_free);
  else
    g_task_return_error (task, error);
}

/* The saved credentials, as the poll logs in with them: the password from
 * the keyring, or for an account with an OAuth connection its access token.
 * The store is a connection of the calling worker thread. */
static HdCredentials *
saved_credentials (HdAccount     *account,
                   const char    *db_path,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr (HdStore) store = NULL;
  g_autoptr (HdAccounts) accounts = NULL;
  g_autoptr (GError) local_error = NULL;
  HdCredentials *credentials;

  store = hd_store_open (db_path, error);
  if (store == NULL)
    return NULL;
  accounts = hd_accounts_new (store);
  credentials = hd_accounts_get_credentials_sync (accounts, account, HD_CREDENTIALS_INTERACTIVE,
                                                  cancellable, &local_error);
  if (g_error_matches (local_error, HD_ACCOUNTS_ERROR, HD_ACCOUNTS_ERROR_NO_SECRET))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("Type the password first: the keyring holds none for this "
                           "account yet"));
  else if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return credentials;
}

/**
 * hd_connection_check_sync:
 * @account: the account as the fields show it, saved or not
 * @db_path: the database whose accounts (and keyring items) hold the saved
 *   credentials
 * @password: (nullable): the password as typed; %NULL or empty uses the
 *   saved credentials, as the poll would
 *
 * Logs in to the account's server the way the poller will, and reads the
 * folder. A server that says no is a result with @ok unset and the server's
 * words, not an error.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error
 *   when there is no password or the check was cancelled
 */
HdMailboxCheckResult *
hd_connection_check_sync (HdAccount     *account,
                          const char    *db_path,
                          const char    *password,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (HdCredentials) saved = NULL;

  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (db_path != NULL, NULL);

  if (password != NULL && *password != '\0')
    {
      mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, password);
    }
  else
    {
      saved = saved_credentials (account, db_path, cancellable, error);
      if (saved == NULL)
        return NULL;
      /* HdCredentialsKind is the mailbox's login method (hd-accounts.c). */
      mailbox = hd_mailbox_new (account, (HdMailboxAuth) saved->kind, saved->secret);
    }
  return hd_mailbox_check_sync (mailbox, cancellable, error);
}

/**
 * hd_connection_check_async:
 *
 * Runs hd_connection_check_sync() on a worker thread: a server may take
 * long to answer, and the window must keep drawing and stay cancellable.
 */
void
hd_connection_check_async (HdAccount           *account,
                           const char          *db_path,
                           const char          *password,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  g_return_if_fail (HD_IS_ACCOUNT (account));
  g_return_if_fail (db_path != NULL);

  job = g_new0 (Job, 1);
  job->account = hd_account_copy (account);
  job->db_path = g_strdup (db_path);
  job->password = g_strdup (password);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_connection_check_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, check_thread);
}

HdMailboxCheckResult *
hd_connection_check_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_connection_check_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
