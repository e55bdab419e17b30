/* hd-store-entities.c: users, customers, resources, categories, priorities.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static const char *const entity_tables[] = {
  "users", "customers", "resources", "categories", "priorities",
};

const char *
hd_entity_to_string (HdEntity entity)
{
  g_return_val_if_fail (entity <= HD_ENTITY_PRIORITIES, NULL);
  return entity_tables[entity];
}

gboolean
hd_entity_from_string (const char *str,
                       HdEntity   *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (entity_tables); i++)
    {
      if (g_strcmp0 (entity_tables[i], str) == 0)
        {
          *out = (HdEntity) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * hd_store_list_names:
 *
 * Returns: (transfer full): the names of @entity, priorities by rank and the
 *   others alphabetically.
 */
GStrv
hd_store_list_names (HdStore  *self,
                     HdEntity  entity,
                     GError  **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);
  g_return_val_if_fail (entity <= HD_ENTITY_PRIORITIES, NULL);

  /* The table name comes from our own constant table, never from input. */
  sql = g_strdup_printf ("SELECT name FROM %s ORDER BY %s", entity_tables[entity],
                         entity == HD_ENTITY_PRIORITIES ? "rank, name" : "name COLLATE NOCASE");
  stmt = hd_store_prepare_uncached (self, sql, error);
  if (stmt == NULL)
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, hd_store_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }

  return g_strv_builder_end (builder);
}

/**
 * hd_store_lookup_name:
 *
 * Returns: the row id of the entry called @name, or 0 when there is none.
 */
gint64
hd_store_lookup_name (HdStore    *self,
                      HdEntity    entity,
                      const char *name)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *sql = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (entity <= HD_ENTITY_PRIORITIES, 0);

  if (name == NULL)
    return 0;

  sql = g_strdup_printf ("SELECT id FROM %s WHERE name = ?1", entity_tables[entity]);
  stmt = hd_store_prepare_uncached (self, sql, NULL);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, name);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
check_name (const char *name,
            GError    **error)
{
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL)
      || strpbrk (name, "\r\n") != NULL)
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED,
                   _("name: must be one non-empty line of text"));
      return FALSE;
    }
  return TRUE;
}

static gint64
insert_named (HdStore    *self,
              HdEntity    entity,
              const char *name,
              const char *email,
              GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  int rc;

  if (!check_name (name, error))
    return 0;

  if (entity == HD_ENTITY_USERS)
    sql = g_strdup ("INSERT INTO users (name, email) VALUES (?1, ?2)");
  else
    sql = g_strdup_printf ("INSERT INTO %s (name) VALUES (?1)", entity_tables[entity]);
  stmt = hd_store_prepare_uncached (self, sql, error);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, name);
  if (entity == HD_ENTITY_USERS)
    hd_store_bind_text (stmt, 2, email);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      if (entity == HD_ENTITY_USERS && hd_store_lookup_name (self, entity, name) == 0)
        g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS,
                     _("email: a user with the address “%s” exists already"), email);
      else
        g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS, _("name: “%s” exists already"),
                     name);
      return 0;
    }
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return 0;
    }
  return sqlite3_last_insert_rowid (hd_store_get_db (self));
}

/**
 * hd_store_add_name:
 *
 * Adds a customer, resource, category or priority.
 *
 * Returns: the new row id, or 0 with @error set (%HD_STORE_ERROR_EXISTS for a
 *   name that is taken)
 */
gint64
hd_store_add_name (HdStore    *self,
                   HdEntity    entity,
                   const char *name,
                   GError    **error)
{
  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (entity != HD_ENTITY_USERS && entity <= HD_ENTITY_PRIORITIES, 0);

  return insert_named (self, entity, name, NULL, error);
}

gint64
hd_store_add_user (HdStore    *self,
                   const char *name,
                   const char *email,
                   GError    **error)
{
  g_return_val_if_fail (HD_IS_STORE (self), 0);

  if (email != NULL && !hd_email_address_is_valid (email))
    {
      g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_FAILED,
                   _("email: “%s” is not a valid e-mail address"), email);
      return 0;
    }
  return insert_named (self, HD_ENTITY_USERS, name, email, error);
}

char *
hd_store_dup_user_email (HdStore    *self,
                         const char *name)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self, "SELECT email FROM users WHERE name = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, name);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup (hd_store_column_text (stmt, 0));
}
