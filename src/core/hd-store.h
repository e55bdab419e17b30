/* hd-store.h: the SQLite helpdesk database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"

G_BEGIN_DECLS

#define HD_STORE_ERROR (hd_store_error_quark ())

typedef enum {
  HD_STORE_ERROR_FAILED,    /* SQLite said no; the message is SQLite's */
  HD_STORE_ERROR_NOT_FOUND,
  HD_STORE_ERROR_EXISTS,
  HD_STORE_ERROR_TOO_NEW,   /* the database was written by a newer version */
} HdStoreError;

/* The simple named lists of the helpdesk, each a table with a unique name. */
typedef enum {
  HD_ENTITY_USERS,
  HD_ENTITY_CUSTOMERS,
  HD_ENTITY_RESOURCES,
  HD_ENTITY_CATEGORIES,
  HD_ENTITY_PRIORITIES,
} HdEntity;

#define HD_TYPE_STORE (hd_store_get_type ())

G_DECLARE_FINAL_TYPE (HdStore, hd_store, HD, STORE, GObject)

GQuark     hd_store_error_quark (void);

char      *hd_store_default_path (void);
HdStore   *hd_store_open (const char *path,
                          GError    **error);
const char *hd_store_get_path (HdStore *self);
const char *hd_store_get_id (HdStore *self);
int        hd_store_get_schema_version (HdStore *self);
int        hd_store_get_latest_schema_version (void);

gboolean   hd_store_in_transaction (HdStore *self);

/* Accounts */
gboolean   hd_store_add_account (HdStore   *self,
                                 HdAccount *account,
                                 GError   **error);
gboolean   hd_store_update_account (HdStore    *self,
                                    const char *old_name,
                                    HdAccount  *account,
                                    GError    **error);
GPtrArray *hd_store_list_accounts (HdStore *self,
                                   GError **error);
HdAccount *hd_store_lookup_account (HdStore    *self,
                                    const char *name,
                                    GError    **error);
gboolean   hd_store_remove_account (HdStore    *self,
                                    const char *name,
                                    GError    **error);
gint64     hd_store_get_account_id (HdStore    *self,
                                    const char *name,
                                    GError    **error);

/* Users, customers, resources, categories, priorities */
const char *hd_entity_to_string (HdEntity entity);
gboolean   hd_entity_from_string (const char *str,
                                  HdEntity   *out);
GStrv      hd_store_list_names (HdStore  *self,
                                HdEntity  entity,
                                GError  **error);
gint64     hd_store_add_name (HdStore    *self,
                              HdEntity    entity,
                              const char *name,
                              GError    **error);
gint64     hd_store_lookup_name (HdStore    *self,
                                 HdEntity    entity,
                                 const char *name);
gint64     hd_store_add_user (HdStore    *self,
                              const char *name,
                              const char *email,
                              GError    **error);
char      *hd_store_dup_user_email (HdStore    *self,
                                    const char *name);

/* Global settings ("Auto Emails" preferences and ticket references) */
char      *hd_store_dup_setting (HdStore    *self,
                                 const char *key);
gboolean   hd_store_set_setting (HdStore    *self,
                                 const char *key,
                                 const char *value,
                                 GError    **error);

G_END_DECLS
