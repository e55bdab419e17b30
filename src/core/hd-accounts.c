/* hd-accounts.c
 *
 * The account lives in SQLite, its password in the keyring; neither may
 * exist without the other. Each change runs in one store batch, and the
 * keyring is written before the batch commits: when the keyring fails, the
 * batch rolls back; when the COMMIT fails after the keyring was written, the
 * keyring write is undone. The command line and the window (from a worker
 * thread, on a store connection of that thread) share these calls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-accounts.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "hd-mailbox.h"
#include "hd-oauth.h"
#include "hd-secrets.h"
#include "hd-store-batch.h"

/* The mailbox takes the credentials' kind as its login method. */
G_STATIC_ASSERT ((int) HD_CREDENTIALS_PASSWORD == (int) HD_MAILBOX_AUTH_PASSWORD);
G_STATIC_ASSERT ((int) HD_CREDENTIALS_XOAUTH2 == (int) HD_MAILBOX_AUTH_XOAUTH2);
G_STATIC_ASSERT ((int) HD_CREDENTIALS_OAUTHBEARER == (int) HD_MAILBOX_AUTH_OAUTHBEARER);

struct _HdAccounts
{
  GObject parent_instance;

  /* The connection of the thread that made this object, or %NULL for an
   * object made from a path alone, which only runs the async calls. */
  HdStore *store;
  /* The database file, which each async call opens anew in its worker. */
  char *path;
};

G_DEFINE_FINAL_TYPE (HdAccounts, hd_accounts, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-accounts-error-quark, hd_accounts_error)

static void
wipe (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static const char *
store_id (HdAccounts *self)
{
  return hd_store_get_id (self->store);
}

static void
hd_accounts_finalize (GObject *object)
{
  HdAccounts *self = HD_ACCOUNTS (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (hd_accounts_parent_class)->finalize (object);
}

static void
hd_accounts_class_init (HdAccountsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hd_accounts_finalize;
}

static void
hd_accounts_init (HdAccounts *self)
{
}

/**
 * hd_accounts_new:
 * @store: a store connection of the calling thread
 *
 * Returns: (transfer full): accounts on @store and the keyring
 */
HdAccounts *
hd_accounts_new (HdStore *store)
{
  HdAccounts *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  self = g_object_new (HD_TYPE_ACCOUNTS, NULL);
  self->store = g_object_ref (store);
  self->path = g_strdup (hd_store_get_path (store));
  return self;
}

/**
 * hd_accounts_new_for_path:
 * @path: the database file
 *
 * Accounts on the database at @path with no connection of the calling
 * thread: only the `_async` calls work on it, each in a worker thread on a
 * connection of its own. The window uses this, so that nothing it saves
 * waits on its main loop for a lock held by the poller.
 *
 * Returns: (transfer full): accounts on @path and the keyring
 */
HdAccounts *
hd_accounts_new_for_path (const char *path)
{
  HdAccounts *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (HD_TYPE_ACCOUNTS, NULL);
  self->path = g_strdup (path);
  return self;
}

/**
 * hd_accounts_get_store:
 *
 * Returns: (transfer none) (nullable): the connection of the `_sync`
 *   calls, %NULL for accounts made with hd_accounts_new_for_path()
 */
HdStore *
hd_accounts_get_store (HdAccounts *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNTS (self), NULL);
  return self->store;
}

/**
 * hd_accounts_get_path:
 *
 * Returns: the database file that the `_async` calls open
 */
const char *
hd_accounts_get_path (HdAccounts *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNTS (self), NULL);
  return self->path;
}

/**
 * hd_accounts_add_sync:
 * @accounts: (element-type HdAccount): accounts to add, all or none
 * @password: (nullable): the password of the first account, for the keyring
 *
 * Returns: %TRUE when every account and the password are stored
 */
gboolean
hd_accounts_add_sync (HdAccounts    *self,
                      GPtrArray     *accounts,
                      const char    *password,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr (HdStoreBatch) batch = NULL;
  gboolean secret_written = FALSE;
  const char *first;

  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, FALSE);
  g_return_val_if_fail (accounts != NULL && accounts->len > 0, FALSE);

  first = hd_account_get_name (accounts->pdata[0]);
  batch = hd_store_batch_begin (self->store, error);
  if (batch == NULL)
    return FALSE;
  for (guint i = 0; i < accounts->len; i++)
    {
      if (!hd_store_add_account (self->store, accounts->pdata[i], error))
        return FALSE;
    }
  if (password != NULL)
    {
      if (!hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), first, password,
                                  cancellable, error))
        return FALSE;
      secret_written = TRUE;
    }
  if (!hd_store_batch_commit (batch, error))
    {
      if (secret_written)
        hd_secrets_clear_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), first, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

/**
 * hd_accounts_update_sync:
 * @old_name: the account's name as stored
 * @account: the account as it is to be; a new name renames it, and its
 *   secrets move along
 * @password: (nullable): a new password, or %NULL to keep the one there is
 *
 * Returns: %TRUE when the account and its secrets are updated
 */
gboolean
hd_accounts_update_sync (HdAccounts    *self,
                         const char    *old_name,
                         HdAccount     *account,
                         const char    *password,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr (HdStoreBatch) batch = NULL;
  const char *new_name;
  gboolean renamed;
  char *old_password = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, FALSE);
  g_return_val_if_fail (old_name != NULL && HD_IS_ACCOUNT (account), FALSE);

  new_name = hd_account_get_name (account);
  renamed = !g_str_equal (old_name, new_name);

  batch = hd_store_batch_begin (self->store, error);
  if (batch == NULL || !hd_store_update_account (self->store, old_name, account, error))
    return FALSE;

  /* What the keyring held before, to put back if the COMMIT fails. */
  if (password != NULL)
    {
      GError *lookup_error = NULL;

      old_password = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self),
                                             old_name, cancellable, &lookup_error);
      if (lookup_error != NULL)
        {
          g_propagate_error (error, lookup_error);
          return FALSE;
        }
    }

  if (renamed && !hd_secrets_rename_owner_sync (store_id (self), old_name, new_name, cancellable,
                                                error))
    goto out;
  if (password != NULL
      && !hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), new_name, password,
                                 cancellable, error))
    {
      if (renamed)
        hd_secrets_rename_owner_sync (store_id (self), new_name, old_name, NULL, NULL);
      goto out;
    }
  if (!hd_store_batch_commit (batch, error))
    {
      if (password != NULL && old_password != NULL)
        hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), new_name,
                               old_password, NULL, NULL);
      else if (password != NULL)
        hd_secrets_clear_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), new_name, NULL, NULL);
      if (renamed)
        hd_secrets_rename_owner_sync (store_id (self), new_name, old_name, NULL, NULL);
      goto out;
    }
  ok = TRUE;

out:
  wipe (old_password);
  return ok;
}

/**
 * hd_accounts_duplicate_sync:
 * @name: the account to copy
 * @copy: the new account (a copy of it under a new name, edited as wished)
 *
 * Adds @copy with the password of @name.
 *
 * Returns: %TRUE when the copy and its password are stored
 */
gboolean
hd_accounts_duplicate_sync (HdAccounts    *self,
                            const char    *name,
                            HdAccount     *copy,
                            GCancellable  *cancellable,
                            GError       **error)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  GError *lookup_error = NULL;
  char *password;
  gboolean ok;

  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, FALSE);
  g_return_val_if_fail (name != NULL && HD_IS_ACCOUNT (copy), FALSE);

  password = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), name,
                                     cancellable, &lookup_error);
  if (lookup_error != NULL)
    {
      g_propagate_error (error, lookup_error);
      return FALSE;
    }
  g_ptr_array_add (one, copy);
  ok = hd_accounts_add_sync (self, one, password, cancellable, error);
  wipe (password);
  return ok;
}

/**
 * hd_accounts_remove_sync:
 *
 * Removes the account and every secret it owns. The keyring is cleared
 * inside the batch: if that fails, the account stays, so that no secret is
 * left behind without its account.
 *
 * Returns: %TRUE when the account and its secrets are gone
 */
gboolean
hd_accounts_remove_sync (HdAccounts    *self,
                         const char    *name,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr (HdStoreBatch) batch = NULL;

  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  batch = hd_store_batch_begin (self->store, error);
  return batch != NULL
         && hd_store_remove_account (self->store, name, error)
         && hd_secrets_clear_owner_sync (store_id (self), name, cancellable, error)
         && hd_store_batch_commit (batch, error);
}

/**
 * hd_accounts_set_password_sync:
 *
 * Returns: %TRUE when the password of the existing account @name is stored
 */
gboolean
hd_accounts_set_password_sync (HdAccounts    *self,
                               const char    *name,
                               const char    *password,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, FALSE);
  g_return_val_if_fail (name != NULL && password != NULL, FALSE);

  if (hd_store_get_account_id (self->store, name, error) == 0)
    return FALSE;
  return hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), name, password,
                                cancellable, error);
}

/* An OAuth account logs in with an access token, refreshed when it has
 * less than a minute left or was refused. When only a new sign-in helps,
 * the account's health says so with the provider's words. */
static HdCredentials *
get_oauth_credentials (HdAccounts         *self,
                       HdAccount          *account,
                       HdCredentialsMode   mode,
                       gboolean            force_refresh,
                       GCancellable       *cancellable,
                       GError            **error)
{
  g_autoptr (HdOAuthConnection) connection = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name = hd_account_get_name (account);
  HdCredentials *credentials;
  char *token = NULL;

  connection = hd_store_lookup_oauth_connection (self->store,
                                                 hd_account_get_oauth_connection (account),
                                                 &local_error);
  if (connection != NULL)
    token = hd_oauth_get_access_token_sync (self->store, name, connection,
                                            mode == HD_CREDENTIALS_INTERACTIVE, force_refresh,
                                            cancellable, &local_error);
  if (connection == NULL || token == NULL)
    {
      hd_oauth_record_sign_in (self->store, name, local_error);
      if (g_error_matches (local_error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_SIGN_IN_REQUIRED))
        g_set_error_literal (error, HD_ACCOUNTS_ERROR, HD_ACCOUNTS_ERROR_SIGN_IN_REQUIRED,
                             local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  hd_oauth_record_sign_in (self->store, name, NULL);

  credentials = g_new0 (HdCredentials, 1);
  credentials->kind = hd_oauth_connection_is_oauthbearer (connection)
                      ? HD_CREDENTIALS_OAUTHBEARER : HD_CREDENTIALS_XOAUTH2;
  credentials->secret = token;
  return credentials;
}

/**
 * hd_accounts_get_credentials_sync:
 *
 * hd_accounts_get_credentials_full_sync() without @force_refresh.
 */
HdCredentials *
hd_accounts_get_credentials_sync (HdAccounts         *self,
                                  HdAccount          *account,
                                  HdCredentialsMode   mode,
                                  GCancellable       *cancellable,
                                  GError            **error)
{
  return hd_accounts_get_credentials_full_sync (self, account, mode, FALSE, cancellable, error);
}

/**
 * hd_accounts_get_credentials_full_sync:
 * @account: the account to log in for
 * @mode: whether a locked keyring may prompt
 * @force_refresh: the server refused the last access token: get a new one
 *
 * The one place that knows what a login needs: the password from the
 * keyring, or for an account with an OAuth connection its access token.
 *
 * Returns: (transfer full) (nullable): the credentials, or %NULL with @error
 */
HdCredentials *
hd_accounts_get_credentials_full_sync (HdAccounts         *self,
                                       HdAccount          *account,
                                       HdCredentialsMode   mode,
                                       gboolean            force_refresh,
                                       GCancellable       *cancellable,
                                       GError            **error)
{
  g_autoptr (GError) local_error = NULL;
  const char *name;
  HdCredentials *credentials;
  char *secret;

  g_return_val_if_fail (HD_IS_ACCOUNTS (self) && self->store != NULL, NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  name = hd_account_get_name (account);
  if (hd_account_get_oauth_connection (account) != NULL)
    return get_oauth_credentials (self, account, mode, force_refresh, cancellable, error);

  if (mode == HD_CREDENTIALS_UNATTENDED)
    secret = hd_secrets_lookup_unattended_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self),
                                                name, cancellable, &local_error);
  else
    secret = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, store_id (self), name,
                                     cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (secret == NULL)
    {
      g_set_error (error, HD_ACCOUNTS_ERROR, HD_ACCOUNTS_ERROR_NO_SECRET,
                   _("The keyring holds no password for “%s”; set it with "
                     "helpdesk-mailctl accounts set-password"),
                   name);
      return NULL;
    }

  credentials = g_new0 (HdCredentials, 1);
  credentials->kind = HD_CREDENTIALS_PASSWORD;
  credentials->secret = secret;
  return credentials;
}

void
hd_credentials_free (HdCredentials *credentials)
{
  if (credentials == NULL)
    return;
  wipe (credentials->secret);
  g_free (credentials);
}
