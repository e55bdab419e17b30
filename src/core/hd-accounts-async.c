/* hd-accounts-async.c: the changes of hd-accounts.c off the caller's thread.
 *
 * Each call runs its `_sync` twin in a worker thread, on a store connection
 * that the worker opens on the same database file and closes again: an
 * HdStore belongs to one thread, and the SQLite busy handler may sleep there
 * for as long as another process holds the write lock. The keyring is
 * written with libsecret's `_sync` calls inside the same worker, because its
 * write sits between the batch's first statement and its COMMIT, and the
 * batch cannot leave the thread whose connection it holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-accounts.h"

#include <string.h>

/* What a worker needs: copies, owned by the task. */
typedef struct {
  GPtrArray *accounts; /* (element-type HdAccount) */
  char *name;
  char *password;
} Call;

static void
call_free (Call *call)
{
  g_clear_pointer (&call->accounts, g_ptr_array_unref);
  g_free (call->name);
  if (call->password != NULL)
    explicit_bzero (call->password, strlen (call->password));
  g_free (call->password);
  g_free (call);
}

static HdAccount *
first_account (Call *call)
{
  return g_ptr_array_index (call->accounts, 0);
}

/* Accounts of the worker thread: a new connection to the same file. */
static HdAccounts *
open_in_worker (HdAccounts    *self,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr (HdStore) store = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  store = hd_store_open (hd_accounts_get_path (self), error);
  if (store == NULL)
    return NULL;
  return hd_accounts_new (store);
}

static void
return_result (GTask    *task,
               gboolean  ok,
               GError   *error)
{
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
add_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr (HdAccounts) accounts = NULL;
  GError *error = NULL;
  gboolean ok;

  accounts = open_in_worker (source_object, cancellable, &error);
  ok = accounts != NULL
       && hd_accounts_add_sync (accounts, call->accounts, call->password, cancellable, &error);
  return_result (task, ok, error);
}

static void
update_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr (HdAccounts) accounts = NULL;
  GError *error = NULL;
  gboolean ok;

  accounts = open_in_worker (source_object, cancellable, &error);
  ok = accounts != NULL
       && hd_accounts_update_sync (accounts, call->name, first_account (call), call->password,
                                   cancellable, &error);
  return_result (task, ok, error);
}

static void
duplicate_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr (HdAccounts) accounts = NULL;
  GError *error = NULL;
  gboolean ok;

  accounts = open_in_worker (source_object, cancellable, &error);
  ok = accounts != NULL
       && hd_accounts_duplicate_sync (accounts, call->name, first_account (call), cancellable,
                                      &error);
  return_result (task, ok, error);
}

static void
remove_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr (HdAccounts) accounts = NULL;
  GError *error = NULL;
  gboolean ok;

  accounts = open_in_worker (source_object, cancellable, &error);
  ok = accounts != NULL && hd_accounts_remove_sync (accounts, call->name, cancellable, &error);
  return_result (task, ok, error);
}

static void
set_password_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  Call *call = task_data;
  g_autoptr (HdAccounts) accounts = NULL;
  GError *error = NULL;
  gboolean ok;

  accounts = open_in_worker (source_object, cancellable, &error);
  ok = accounts != NULL
       && hd_accounts_set_password_sync (accounts, call->name, call->password, cancellable,
                                         &error);
  return_result (task, ok, error);
}

static Call *
call_new (GPtrArray  *accounts,
          const char *name,
          const char *password)
{
  Call *call = g_new0 (Call, 1);

  call->accounts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    g_ptr_array_add (call->accounts, hd_account_copy (g_ptr_array_index (accounts, i)));
  call->name = g_strdup (name);
  call->password = g_strdup (password);
  return call;
}

static void
run (HdAccounts          *self,
     Call                *call,
     gpointer             source_tag,
     GTaskThreadFunc      thread_func,
     GCancellable        *cancellable,
     GAsyncReadyCallback  callback,
     gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  /* A change that was made is reported as made, even when the cancellable
   * fired after its COMMIT: the caller must not believe it was undone. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, thread_func);
}

static gboolean
finish (HdAccounts    *self,
        GAsyncResult  *result,
        gpointer       source_tag,
        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hd_accounts_add_async:
 * @accounts: (element-type HdAccount): accounts to add, all or none; copied
 * @password: (nullable): the password of the first account
 *
 * hd_accounts_add_sync() in a worker thread.
 */
void
hd_accounts_add_async (HdAccounts          *self,
                       GPtrArray           *accounts,
                       const char          *password,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (HD_IS_ACCOUNTS (self));
  g_return_if_fail (accounts != NULL && accounts->len > 0);

  run (self, call_new (accounts, NULL, password), hd_accounts_add_async, add_thread, cancellable,
       callback, user_data);
}

gboolean
hd_accounts_add_finish (HdAccounts    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  return finish (self, result, hd_accounts_add_async, error);
}

/**
 * hd_accounts_update_async:
 * @account: the account as it is to be; copied
 * @password: (nullable): a new password, or %NULL to keep the one there is
 *
 * hd_accounts_update_sync() in a worker thread.
 */
void
hd_accounts_update_async (HdAccounts          *self,
                          const char          *old_name,
                          HdAccount           *account,
                          const char          *password,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (HD_IS_ACCOUNTS (self));
  g_return_if_fail (old_name != NULL && HD_IS_ACCOUNT (account));

  g_ptr_array_add (one, account);
  run (self, call_new (one, old_name, password), hd_accounts_update_async, update_thread,
       cancellable, callback, user_data);
}

gboolean
hd_accounts_update_finish (HdAccounts    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish (self, result, hd_accounts_update_async, error);
}

/**
 * hd_accounts_duplicate_async:
 * @name: the account to copy
 * @copy: the new account; copied
 *
 * hd_accounts_duplicate_sync() in a worker thread.
 */
void
hd_accounts_duplicate_async (HdAccounts          *self,
                             const char          *name,
                             HdAccount           *copy,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  g_return_if_fail (HD_IS_ACCOUNTS (self));
  g_return_if_fail (name != NULL && HD_IS_ACCOUNT (copy));

  g_ptr_array_add (one, copy);
  run (self, call_new (one, name, NULL), hd_accounts_duplicate_async, duplicate_thread,
       cancellable, callback, user_data);
}

gboolean
hd_accounts_duplicate_finish (HdAccounts    *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return finish (self, result, hd_accounts_duplicate_async, error);
}

/**
 * hd_accounts_remove_async:
 *
 * hd_accounts_remove_sync() in a worker thread.
 */
void
hd_accounts_remove_async (HdAccounts          *self,
                          const char          *name,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (HD_IS_ACCOUNTS (self));
  g_return_if_fail (name != NULL);

  run (self, call_new (NULL, name, NULL), hd_accounts_remove_async, remove_thread, cancellable,
       callback, user_data);
}

gboolean
hd_accounts_remove_finish (HdAccounts    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish (self, result, hd_accounts_remove_async, error);
}

/**
 * hd_accounts_set_password_async:
 *
 * hd_accounts_set_password_sync() in a worker thread.
 */
void
hd_accounts_set_password_async (HdAccounts          *self,
                                const char          *name,
                                const char          *password,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HD_IS_ACCOUNTS (self));
  g_return_if_fail (name != NULL && password != NULL);

  run (self, call_new (NULL, name, password), hd_accounts_set_password_async,
       set_password_thread, cancellable, callback, user_data);
}

gboolean
hd_accounts_set_password_finish (HdAccounts    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish (self, result, hd_accounts_set_password_async, error);
}
