/* hd-oauth-store.c: the oauth_connections rows. No token or secret ever
 * comes here; those live in the keyring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth.h"

#include <glib/gi18n-lib.h>

#include "hd-store-private.h"

#define SELECT_CONNECTION \
  "SELECT name, provider, tenant, client_id, grant_type, authorize_url, token_url," \
  " device_url, scopes, sasl_mechanism FROM oauth_connections"

static HdOAuthConnection *
read_row (sqlite3_stmt *stmt)
{
  HdOAuthConnection *self = g_new0 (HdOAuthConnection, 1);

  self->name = g_strdup (hd_store_column_text (stmt, 0));
  self->provider = g_strdup (hd_store_column_text (stmt, 1));
  self->tenant = g_strdup (hd_store_column_text (stmt, 2));
  self->client_id = g_strdup (hd_store_column_text (stmt, 3));
  self->grant = g_strcmp0 (hd_store_column_text (stmt, 4), "client_credentials") == 0
                ? HD_OAUTH_GRANT_CLIENT_CREDENTIALS : HD_OAUTH_GRANT_AUTHORIZATION_CODE;
  self->authorize_url = g_strdup (hd_store_column_text (stmt, 5));
  self->token_url = g_strdup (hd_store_column_text (stmt, 6));
  self->device_url = g_strdup (hd_store_column_text (stmt, 7));
  self->scopes = g_strdup (hd_store_column_text (stmt, 8));
  self->sasl_mechanism = g_strdup (hd_store_column_text (stmt, 9));
  return self;
}

gboolean
hd_store_add_oauth_connection (HdStore                 *store,
                               const HdOAuthConnection *connection,
                               GError                 **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (connection != NULL, FALSE);

  stmt = hd_store_prepare (store,
                           "INSERT INTO oauth_connections (name, provider, tenant, client_id,"
                           " grant_type, authorize_url, token_url, device_url, scopes,"
                           " sasl_mechanism) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                           error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, connection->name);
  hd_store_bind_text (stmt, 2, connection->provider);
  hd_store_bind_text (stmt, 3, connection->tenant);
  hd_store_bind_text (stmt, 4, connection->client_id);
  hd_store_bind_text (stmt, 5, connection->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS
                               ? "client_credentials" : "authorization_code");
  hd_store_bind_text (stmt, 6, connection->authorize_url);
  hd_store_bind_text (stmt, 7, connection->token_url);
  hd_store_bind_text (stmt, 8, connection->device_url);
  hd_store_bind_text (stmt, 9, connection->scopes);
  hd_store_bind_text (stmt, 10, connection->sasl_mechanism);
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("An OAuth connection named “%s” exists already"), connection->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return hd_store_set_error (store, rc, error);
  return TRUE;
}

/**
 * hd_store_list_oauth_connections:
 *
 * Returns: (transfer full) (element-type HdOAuthConnection): by name
 */
GPtrArray *
hd_store_list_oauth_connections (HdStore  *store,
                                 GError  **error)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  stmt = hd_store_prepare (store, SELECT_CONNECTION " ORDER BY name COLLATE NOCASE", error);
  if (stmt == NULL)
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_oauth_connection_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, read_row (stmt));
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (store, rc, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

HdOAuthConnection *
hd_store_lookup_oauth_connection (HdStore     *store,
                                  const char  *name,
                                  GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stmt = hd_store_prepare (store, SELECT_CONNECTION " WHERE name = ?1", error);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, name);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return read_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                 _("No OAuth connection named “%s”"), name);
  else
    hd_store_set_error (store, rc, error);
  return NULL;
}

/**
 * hd_store_remove_oauth_connection:
 *
 * Refuses while an account still signs in through the connection.
 */
gboolean
hd_store_remove_oauth_connection (HdStore     *store,
                                  const char  *name,
                                  GError     **error)
{
  g_autoptr (HdStoreStmt) used = NULL;
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  used = hd_store_prepare (store,
                           "SELECT a.name FROM accounts a JOIN oauth_connections o"
                           " ON o.id = a.oauth_connection_id WHERE o.name = ?1 LIMIT 1", error);
  if (used == NULL)
    return FALSE;
  hd_store_bind_text (used, 1, name);
  if (sqlite3_step (used) == SQLITE_ROW)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("The account “%s” signs in through the OAuth connection “%s”"),
                   hd_store_column_text (used, 0), name);
      return FALSE;
    }

  stmt = hd_store_prepare (store, "DELETE FROM oauth_connections WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, name);
  if (!hd_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (hd_store_get_db (store)) == 0)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("No OAuth connection named “%s”"), name);
      return FALSE;
    }
  return TRUE;
}
