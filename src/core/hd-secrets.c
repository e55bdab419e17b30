/* hd-secrets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-secrets.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

/* "store" is the id of the database (hd_store_get_id()); "owner" is the account name for account secrets, the OAuth connection name
 * for client secrets and "smtp" for the SMTP password. */
static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    BASE_ID ".Secret", SECRET_SCHEMA_NONE,
    {
      { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "store", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "owner", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  return &schema;
}

static const char *const kind_names[] = {
  "account-password", "oauth-refresh-token", "oauth-client-secret", "smtp-password",
};

const char *
hd_secret_kind_to_string (HdSecretKind kind)
{
  g_return_val_if_fail (kind <= HD_SECRET_SMTP_PASSWORD, NULL);
  return kind_names[kind];
}

static char *
make_label (HdSecretKind kind,
            const char  *owner)
{
  switch (kind)
    {
    case HD_SECRET_ACCOUNT_PASSWORD:
      return g_strdup_printf (_("HelpDesk Mail password for “%s”"), owner);
    case HD_SECRET_OAUTH_REFRESH_TOKEN:
      return g_strdup_printf (_("HelpDesk Mail OAuth token for “%s”"), owner);
    case HD_SECRET_OAUTH_CLIENT_SECRET:
      return g_strdup_printf (_("HelpDesk Mail OAuth client secret of “%s”"), owner);
    case HD_SECRET_SMTP_PASSWORD:
    default:
      return g_strdup (_("HelpDesk Mail SMTP password"));
    }
}

static void
prefix_keyring_error (GError **error)
{
  g_prefix_error (error, _("The keyring (Secret Service) failed: "));
}

gboolean
hd_secrets_store_sync (HdSecretKind  kind,
                       const char   *store_id,
                       const char   *owner,
                       const char   *secret,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (store_id != NULL && owner != NULL, FALSE);
  g_return_val_if_fail (secret != NULL, FALSE);

  label = make_label (kind, owner);
  if (!secret_password_store_sync (get_schema (), SECRET_COLLECTION_DEFAULT, label, secret,
                                   cancellable, error,
                                   "kind", hd_secret_kind_to_string (kind),
                                   "store", store_id,
                                   "owner", owner,
                                   NULL))
    {
      prefix_keyring_error (error);
      return FALSE;
    }
  return TRUE;
}

/**
 * hd_secrets_lookup_sync:
 *
 * Returns: (transfer full) (nullable): the secret, to be freed with
 *   secret_password_free() (which wipes it), or %NULL when there is none
 *   (@error unset) or the keyring failed (@error set).
 */
char *
hd_secrets_lookup_sync (HdSecretKind  kind,
                        const char   *store_id,
                        const char   *owner,
                        GCancellable *cancellable,
                        GError      **error)
{
  GError *local_error = NULL;
  char *secret;

  g_return_val_if_fail (store_id != NULL && owner != NULL, NULL);

  secret = secret_password_lookup_sync (get_schema (), cancellable, &local_error,
                                        "kind", hd_secret_kind_to_string (kind),
                                        "store", store_id,
                                        "owner", owner,
                                        NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      prefix_keyring_error (error);
      return NULL;
    }
  return secret;
}

G_DEFINE_QUARK (hd-secrets-error-quark, hd_secrets_error)

/**
 * hd_secrets_lookup_unattended_sync:
 *
 * Like hd_secrets_lookup_sync(), for work that nobody watches (a poll): a
 * locked keyring is an error at once, HD_SECRETS_ERROR_LOCKED, instead of an
 * unlock prompt that would wait for an answer forever.
 *
 * Returns: (transfer full) (nullable): the secret, to be freed with
 *   secret_password_free(), or %NULL when there is none (@error unset) or
 *   the keyring failed or is locked (@error set).
 */
char *
hd_secrets_lookup_unattended_sync (HdSecretKind  kind,
                                   const char   *store_id,
                                   const char   *owner,
                                   GCancellable *cancellable,
                                   GError      **error)
{
  g_autoptr (SecretService) service = NULL;
  g_autoptr (GHashTable) attributes = NULL;
  g_autolist (SecretItem) items = NULL;
  g_autoptr (SecretValue) value = NULL;
  SecretItem *item;

  g_return_val_if_fail (store_id != NULL && owner != NULL, NULL);

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, error);
  if (service == NULL)
    {
      prefix_keyring_error (error);
      return NULL;
    }
  attributes = secret_attributes_build (get_schema (),
                                        "kind", hd_secret_kind_to_string (kind),
                                        "store", store_id,
                                        "owner", owner,
                                        NULL);
  /* Without SECRET_SEARCH_UNLOCK: locked items come back locked, unprompted. */
  items = secret_service_search_sync (service, get_schema (), attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                                      cancellable, error);
  if (items == NULL)
    {
      if (error != NULL && *error != NULL)
        prefix_keyring_error (error);
      return NULL;
    }
  item = items->data;
  if (!secret_item_get_locked (item))
    {
      value = secret_item_get_secret (item);
      /* The search loads secrets but ignores a failed load (the keyring
       * locked between the search and the load): load it again, and tell a
       * failure or a lock apart from a missing password. */
      if (value == NULL && !secret_item_load_secret_sync (item, cancellable, error))
        {
          prefix_keyring_error (error);
          return NULL;
        }
      if (value == NULL)
        value = secret_item_get_secret (item);
    }
  if (value == NULL && secret_item_get_locked (item))
    {
      g_set_error (error, HD_SECRETS_ERROR, HD_SECRETS_ERROR_LOCKED,
                   _("The keyring is locked, so the password of “%s” cannot be read; unlock it "
                     "(log in to the desktop, or unlock “Login” in Passwords and Keys)"),
                   owner);
      return NULL;
    }
  if (value == NULL)
    {
      g_set_error (error, HD_SECRETS_ERROR, HD_SECRETS_ERROR_LOCKED,
                   _("The keyring did not give out the password of “%s”; unlock it "
                     "(log in to the desktop, or unlock “Login” in Passwords and Keys)"),
                   owner);
      return NULL;
    }
  return g_strdup (secret_value_get_text (value));
}

gboolean
hd_secrets_clear_sync (HdSecretKind  kind,
                       const char   *store_id,
                       const char   *owner,
                       GCancellable *cancellable,
                       GError      **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (store_id != NULL && owner != NULL, FALSE);

  /* Returns FALSE without an error when there was nothing to clear. */
  secret_password_clear_sync (get_schema (), cancellable, &local_error,
                              "kind", hd_secret_kind_to_string (kind),
                              "store", store_id,
                              "owner", owner,
                              NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      prefix_keyring_error (error);
      return FALSE;
    }
  return TRUE;
}

/**
 * hd_secrets_clear_owner_sync:
 *
 * Clears every secret of @owner (an account that is removed).
 */
gboolean
hd_secrets_clear_owner_sync (const char   *store_id,
                             const char   *owner,
                             GCancellable *cancellable,
                             GError      **error)
{
  for (guint kind = HD_SECRET_ACCOUNT_PASSWORD; kind <= HD_SECRET_OAUTH_REFRESH_TOKEN; kind++)
    {
      if (!hd_secrets_clear_sync (kind, store_id, owner, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_secrets_rename_owner_sync:
 *
 * Moves the secrets of an account that was renamed.
 */
gboolean
hd_secrets_rename_owner_sync (const char   *store_id,
                              const char   *old_owner,
                              const char   *new_owner,
                              GCancellable *cancellable,
                              GError      **error)
{
  if (g_strcmp0 (old_owner, new_owner) == 0)
    return TRUE;

  for (guint kind = HD_SECRET_ACCOUNT_PASSWORD; kind <= HD_SECRET_OAUTH_REFRESH_TOKEN; kind++)
    {
      g_autoptr (GError) local_error = NULL;
      char *secret = hd_secrets_lookup_sync (kind, store_id, old_owner, cancellable, &local_error);
      gboolean ok;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (secret == NULL)
        continue;
      ok = hd_secrets_store_sync (kind, store_id, new_owner, secret, cancellable, error);
      secret_password_free (secret);
      if (!ok || !hd_secrets_clear_sync (kind, store_id, old_owner, cancellable, error))
        return FALSE;
    }
  return TRUE;
}
