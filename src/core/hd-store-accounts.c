/* hd-store-accounts.c: accounts in the database. Secrets are not here: they
 * live in the keyring (hd-secrets.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-private.h"

#include <glib/gi18n-lib.h>

/* The ids that an account names by name, resolved before a write. */
typedef struct
{
  gint64 oauth_connection;
  gint64 fallback_user;
  gint64 resource;
  gint64 category;
  gint64 priority;
} References;

/* Parameters ?1 … ?26 of INSERT and UPDATE, in this order. */
#define ACCOUNT_COLUMNS \
  "name, enabled, poll_interval, host, port, protocol, security, folder, pinned_certificate," \
  " oauth_connection_id, username, prevent_text_only_login, prevent_ntlm_login," \
  " sender_address, sender_alias, account_address, no_new_tickets, create_unknown_users," \
  " create_customer_from_domain, fallback_user_id, auto_bundle, auto_answer_template," \
  " resource_id, category_id, priority_id, push"

#define ACCOUNT_SELECT \
  "SELECT a.name, a.enabled, a.poll_interval, a.host, a.port, a.protocol, a.security, a.folder," \
  " a.pinned_certificate, o.name, a.username, a.prevent_text_only_login, a.prevent_ntlm_login," \
  " a.sender_address, a.sender_alias, a.account_address, a.no_new_tickets," \
  " a.create_unknown_users, a.create_customer_from_domain, u.name, a.auto_bundle," \
  " a.auto_answer_template, r.name, c.name, p.name, a.push" \
  " FROM accounts a" \
  " LEFT JOIN oauth_connections o ON o.id = a.oauth_connection_id" \
  " LEFT JOIN users u ON u.id = a.fallback_user_id" \
  " LEFT JOIN resources r ON r.id = a.resource_id" \
  " LEFT JOIN categories c ON c.id = a.category_id" \
  " LEFT JOIN priorities p ON p.id = a.priority_id"

static gint64
lookup_oauth_connection (HdStore    *self,
                         const char *name)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  if (name == NULL)
    return 0;
  stmt = hd_store_prepare (self, "SELECT id FROM oauth_connections WHERE name = ?1", NULL);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, name);
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

static gboolean
resolve_one (const char *name,
             gint64      id,
             const char *field,
             const char *what,
             GError    **error)
{
  if (name != NULL && id == 0)
    {
      /* TRANSLATORS: the first %s is a JSON field path, the second a kind of
       * thing (a user, a resource, …), the third its name. */
      g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                   _("%s: there is no %s called “%s”"), field, what, name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
resolve_references (HdStore    *self,
                    HdAccount  *account,
                    References *refs,
                    GError    **error)
{
  const char *oauth = hd_account_get_oauth_connection (account);
  const char *user = hd_account_get_fallback_user (account);
  const char *resource = hd_account_get_resource (account);
  const char *category = hd_account_get_category (account);
  const char *priority = hd_account_get_priority (account);

  refs->oauth_connection = lookup_oauth_connection (self, oauth);
  refs->fallback_user = hd_store_lookup_name (self, HD_ENTITY_USERS, user);
  refs->resource = hd_store_lookup_name (self, HD_ENTITY_RESOURCES, resource);
  refs->category = hd_store_lookup_name (self, HD_ENTITY_CATEGORIES, category);
  refs->priority = hd_store_lookup_name (self, HD_ENTITY_PRIORITIES, priority);

  return resolve_one (oauth, refs->oauth_connection, "oauth_connection", _("OAuth connection"), error)
         && resolve_one (user, refs->fallback_user, "tickets.fallback_user", _("user"), error)
         && resolve_one (resource, refs->resource, "tickets.resource", _("resource"), error)
         && resolve_one (category, refs->category, "tickets.category", _("category"), error)
         && resolve_one (priority, refs->priority, "tickets.priority", _("priority"), error);
}

static void
bind_account (sqlite3_stmt     *stmt,
              HdAccount        *a,
              const References *refs)
{
  hd_store_bind_text (stmt, 1, hd_account_get_name (a));
  sqlite3_bind_int (stmt, 2, hd_account_get_enabled (a));
  sqlite3_bind_int (stmt, 3, hd_account_get_poll_interval (a));
  hd_store_bind_text (stmt, 4, hd_account_get_host (a));
  sqlite3_bind_int (stmt, 5, hd_account_get_effective_port (a));
  hd_store_bind_text (stmt, 6, hd_protocol_to_string (hd_account_get_protocol (a)));
  hd_store_bind_text (stmt, 7, hd_security_to_string (hd_account_get_security (a)));
  hd_store_bind_text (stmt, 8, hd_account_get_folder (a));
  hd_store_bind_text (stmt, 9, hd_account_get_pinned_certificate (a));
  hd_store_bind_id (stmt, 10, refs->oauth_connection);
  hd_store_bind_text (stmt, 11, hd_account_get_username (a));
  sqlite3_bind_int (stmt, 12, hd_account_get_prevent_text_only_login (a));
  sqlite3_bind_int (stmt, 13, hd_account_get_prevent_ntlm_login (a));
  hd_store_bind_text (stmt, 14, hd_account_get_sender_address (a));
  hd_store_bind_text (stmt, 15, hd_account_get_sender_alias (a));
  hd_store_bind_text (stmt, 16, hd_account_get_account_address (a));
  sqlite3_bind_int (stmt, 17, hd_account_get_no_new_tickets (a));
  sqlite3_bind_int (stmt, 18, hd_account_get_create_unknown_users (a));
  sqlite3_bind_int (stmt, 19, hd_account_get_create_customer_from_domain (a));
  hd_store_bind_id (stmt, 20, refs->fallback_user);
  sqlite3_bind_int (stmt, 21, hd_account_get_auto_bundle (a));
  hd_store_bind_text (stmt, 22, hd_account_get_auto_answer_template (a));
  hd_store_bind_id (stmt, 23, refs->resource);
  hd_store_bind_id (stmt, 24, refs->category);
  hd_store_bind_id (stmt, 25, refs->priority);
  sqlite3_bind_int (stmt, 26, hd_account_get_push (a));
}

static HdAccount *
account_from_row (sqlite3_stmt *stmt)
{
  HdProtocol protocol = HD_PROTOCOL_IMAP;
  HdSecurity security = HD_SECURITY_TLS;

  hd_protocol_from_string (hd_store_column_text (stmt, 5), &protocol);
  hd_security_from_string (hd_store_column_text (stmt, 6), &security);

  return g_object_new (HD_TYPE_ACCOUNT,
                       "name", hd_store_column_text (stmt, 0),
                       "enabled", sqlite3_column_int (stmt, 1) != 0,
                       "poll-interval", (guint) sqlite3_column_int (stmt, 2),
                       "host", hd_store_column_text (stmt, 3),
                       "port", (guint) sqlite3_column_int (stmt, 4),
                       "protocol", (guint) protocol,
                       "security", (guint) security,
                       "folder", hd_store_column_text (stmt, 7),
                       "pinned-certificate", hd_store_column_text (stmt, 8),
                       "oauth-connection", hd_store_column_text (stmt, 9),
                       "username", hd_store_column_text (stmt, 10),
                       "prevent-text-only-login", sqlite3_column_int (stmt, 11) != 0,
                       "prevent-ntlm-login", sqlite3_column_int (stmt, 12) != 0,
                       "sender-address", hd_store_column_text (stmt, 13),
                       "sender-alias", hd_store_column_text (stmt, 14),
                       "account-address", hd_store_column_text (stmt, 15),
                       "no-new-tickets", sqlite3_column_int (stmt, 16) != 0,
                       "create-unknown-users", sqlite3_column_int (stmt, 17) != 0,
                       "create-customer-from-domain", sqlite3_column_int (stmt, 18) != 0,
                       "fallback-user", hd_store_column_text (stmt, 19),
                       "auto-bundle", sqlite3_column_int (stmt, 20) != 0,
                       "auto-answer-template", hd_store_column_text (stmt, 21),
                       "resource", hd_store_column_text (stmt, 22),
                       "category", hd_store_column_text (stmt, 23),
                       "priority", hd_store_column_text (stmt, 24),
                       "push", sqlite3_column_int (stmt, 25) != 0,
                       NULL);
}

/* Mail is given to the first account whose account address it was sent
 * to, so a second account with the same address would never see any: the
 * store refuses it, for the window and the command line alike. The account
 * itself (by its old name, or a name that is taken, which fails on its own)
 * does not count. */
static gboolean
check_account_address_free (HdStore    *self,
                            const char *old_name,
                            HdAccount  *account,
                            GError    **error)
{
  const char *address = hd_account_get_account_address (account);
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  if (address == NULL)
    return TRUE;
  stmt = hd_store_prepare (self,
                           "SELECT name FROM accounts WHERE account_address = ?1 COLLATE NOCASE"
                           " AND (?2 IS NULL OR name <> ?2) AND name <> ?3 LIMIT 1",
                           error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, address);
  hd_store_bind_text (stmt, 2, old_name);
  hd_store_bind_text (stmt, 3, hd_account_get_name (account));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                   _("account_info.account_address: the account “%s” already has the address "
                     "“%s”; mail to it would only reach one of them"),
                   hd_store_column_text (stmt, 0), address);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return hd_store_set_error (self, rc, error);
  return TRUE;
}

static gboolean
write_account (HdStore    *self,
               const char *sql,
               const char *old_name,
               HdAccount  *account,
               GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  References refs;
  int rc;

  if (!hd_account_validate (account, error)
      || !resolve_references (self, account, &refs, error)
      || !check_account_address_free (self, old_name, account, error))
    return FALSE;

  stmt = hd_store_prepare (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_account (stmt, account, &refs);
  if (old_name != NULL)
    hd_store_bind_text (stmt, 27, old_name);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID,
                   _("name: an account called “%s” exists already"), hd_account_get_name (account));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return hd_store_set_error (self, rc, error);
  if (old_name != NULL && sqlite3_changes (hd_store_get_db (self)) == 0)
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                   _("There is no account called “%s”"), old_name);
      return FALSE;
    }
  return TRUE;
}

/**
 * hd_store_add_account:
 *
 * Validates @account, resolves the names it refers to and inserts it.
 * A name that is taken is %HD_ACCOUNT_ERROR_INVALID on the field "name".
 */
gboolean
hd_store_add_account (HdStore   *self,
                      HdAccount *account,
                      GError   **error)
{
  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), FALSE);

  return write_account (self,
                        "INSERT INTO accounts (" ACCOUNT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                        " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
                        " ?22, ?23, ?24, ?25, ?26)",
                        NULL, account, error);
}

/**
 * hd_store_update_account:
 * @old_name: the name the account has in the store now (it may be renamed)
 */
gboolean
hd_store_update_account (HdStore    *self,
                         const char *old_name,
                         HdAccount  *account,
                         GError    **error)
{
  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (old_name != NULL, FALSE);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), FALSE);

  return write_account (self,
                        "UPDATE accounts SET (" ACCOUNT_COLUMNS ") = (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                        " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
                        " ?23, ?24, ?25, ?26) WHERE name = ?27",
                        old_name, account, error);
}

/**
 * hd_store_list_accounts:
 *
 * Returns: (transfer full) (element-type HdAccount): every account, by name
 */
GPtrArray *
hd_store_list_accounts (HdStore *self,
                        GError **error)
{
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self, ACCOUNT_SELECT " ORDER BY a.name COLLATE NOCASE", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (accounts, account_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }

  return g_steal_pointer (&accounts);
}

HdAccount *
hd_store_lookup_account (HdStore    *self,
                         const char *name,
                         GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stmt = hd_store_prepare (self, ACCOUNT_SELECT " WHERE a.name = ?1", error);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, name);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return account_from_row (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                 _("There is no account called “%s”"), name);
  else
    hd_store_set_error (self, rc, error);
  return NULL;
}

gint64
hd_store_get_account_id (HdStore    *self,
                         const char *name,
                         GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  stmt = hd_store_prepare (self, "SELECT id FROM accounts WHERE name = ?1", error);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, name);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
               _("There is no account called “%s”"), name);
  return 0;
}

/**
 * hd_store_remove_account:
 *
 * Removes the account and its receipts and poll log. Its tickets stay.
 */
gboolean
hd_store_remove_account (HdStore    *self,
                         const char *name,
                         GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  stmt = hd_store_prepare (self, "DELETE FROM accounts WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  hd_store_bind_text (stmt, 1, name);
  if (!hd_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (hd_store_get_db (self)) == 0)
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                   _("There is no account called “%s”"), name);
      return FALSE;
    }
  return TRUE;
}
