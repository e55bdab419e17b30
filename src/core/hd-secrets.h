/* hd-secrets.h: passwords and tokens in the Secret Service, never in SQLite.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  HD_SECRET_ACCOUNT_PASSWORD,
  HD_SECRET_OAUTH_REFRESH_TOKEN,
  HD_SECRET_OAUTH_CLIENT_SECRET,
  HD_SECRET_SMTP_PASSWORD,
} HdSecretKind;

#define HD_SECRETS_ERROR (hd_secrets_error_quark ())

typedef enum {
  HD_SECRETS_ERROR_LOCKED, /* the keyring is locked and nobody is there to unlock it */
} HdSecretsError;

GQuark      hd_secrets_error_quark (void);
const char *hd_secret_kind_to_string (HdSecretKind kind);

gboolean hd_secrets_store_sync (HdSecretKind  kind,
                                const char   *store_id,
                                const char   *owner,
                                const char   *secret,
                                GCancellable *cancellable,
                                GError      **error);
char    *hd_secrets_lookup_sync (HdSecretKind  kind,
                                 const char   *store_id,
                                 const char   *owner,
                                 GCancellable *cancellable,
                                 GError      **error);
char    *hd_secrets_lookup_unattended_sync (HdSecretKind  kind,
                                            const char   *store_id,
                                            const char   *owner,
                                            GCancellable *cancellable,
                                            GError      **error);
gboolean hd_secrets_clear_sync (HdSecretKind  kind,
                                const char   *store_id,
                                const char   *owner,
                                GCancellable *cancellable,
                                GError      **error);
gboolean hd_secrets_clear_owner_sync (const char   *store_id,
                                      const char   *owner,
                                      GCancellable *cancellable,
                                      GError      **error);
gboolean hd_secrets_rename_owner_sync (const char   *store_id,
                                       const char   *old_owner,
                                       const char   *new_owner,
                                       GCancellable *cancellable,
                                       GError      **error);

G_END_DECLS
