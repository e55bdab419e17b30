/* hd-accounts.h: accounts together with their secrets. Every change keeps
 * the database and the keyring consistent, undoing the first when the
 * second fails; and one call gives the credentials for a login.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_ACCOUNTS_ERROR (hd_accounts_error_quark ())

typedef enum {
  HD_ACCOUNTS_ERROR_NO_SECRET,        /* no password (or token) in the keyring */
  HD_ACCOUNTS_ERROR_SIGN_IN_REQUIRED, /* OAuth: no usable token; sign in again */
} HdAccountsError;

/* How the mailbox logs in, and with what. */
typedef enum {
  HD_CREDENTIALS_PASSWORD,
  HD_CREDENTIALS_XOAUTH2,
  HD_CREDENTIALS_OAUTHBEARER,
} HdCredentialsKind;

typedef struct {
  HdCredentialsKind kind;
  char *secret;            /* the password or access token; wiped when freed */
} HdCredentials;

/* Whether a keyring that is locked may prompt (a person is there) or fails at once. */
typedef enum {
  HD_CREDENTIALS_INTERACTIVE,
  HD_CREDENTIALS_UNATTENDED,
} HdCredentialsMode;

#define HD_TYPE_ACCOUNTS (hd_accounts_get_type ())

G_DECLARE_FINAL_TYPE (HdAccounts, hd_accounts, HD, ACCOUNTS, GObject)

GQuark          hd_accounts_error_quark (void);

HdAccounts     *hd_accounts_new (HdStore *store);
HdAccounts     *hd_accounts_new_for_path (const char *path);
HdStore        *hd_accounts_get_store (HdAccounts *self);
const char     *hd_accounts_get_path (HdAccounts *self);

gboolean        hd_accounts_add_sync (HdAccounts    *self,
                                      GPtrArray     *accounts,
                                      const char    *password,
                                      GCancellable  *cancellable,
                                      GError       **error);
gboolean        hd_accounts_update_sync (HdAccounts    *self,
                                         const char    *old_name,
                                         HdAccount     *account,
                                         const char    *password,
                                         GCancellable  *cancellable,
                                         GError       **error);
gboolean        hd_accounts_duplicate_sync (HdAccounts    *self,
                                            const char    *name,
                                            HdAccount     *copy,
                                            GCancellable  *cancellable,
                                            GError       **error);
gboolean        hd_accounts_remove_sync (HdAccounts    *self,
                                         const char    *name,
                                         GCancellable  *cancellable,
                                         GError       **error);
gboolean        hd_accounts_set_password_sync (HdAccounts    *self,
                                               const char    *name,
                                               const char    *password,
                                               GCancellable  *cancellable,
                                               GError       **error);

/* The same, each in a worker thread on a store connection of its own
 * (hd-accounts-async.c). The arguments are copied when the call starts. */
void            hd_accounts_add_async (HdAccounts          *self,
                                       GPtrArray           *accounts,
                                       const char          *password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean        hd_accounts_add_finish (HdAccounts    *self,
                                        GAsyncResult  *result,
                                        GError       **error);
void            hd_accounts_update_async (HdAccounts          *self,
                                          const char          *old_name,
                                          HdAccount           *account,
                                          const char          *password,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean        hd_accounts_update_finish (HdAccounts    *self,
                                           GAsyncResult  *result,
                                           GError       **error);
void            hd_accounts_duplicate_async (HdAccounts          *self,
                                             const char          *name,
                                             HdAccount           *copy,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean        hd_accounts_duplicate_finish (HdAccounts    *self,
                                              GAsyncResult  *result,
                                              GError       **error);
void            hd_accounts_remove_async (HdAccounts          *self,
                                          const char          *name,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean        hd_accounts_remove_finish (HdAccounts    *self,
                                           GAsyncResult  *result,
                                           GError       **error);
void            hd_accounts_set_password_async (HdAccounts          *self,
                                                const char          *name,
                                                const char          *password,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        hd_accounts_set_password_finish (HdAccounts    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

HdCredentials  *hd_accounts_get_credentials_sync (HdAccounts         *self,
                                                  HdAccount          *account,
                                                  HdCredentialsMode   mode,
                                                  GCancellable       *cancellable,
                                                  GError            **error);

HdCredentials  *hd_accounts_get_credentials_full_sync (HdAccounts         *self,
                                                       HdAccount          *account,
                                                       HdCredentialsMode   mode,
                                                       gboolean            force_refresh,
                                                       GCancellable       *cancellable,
                                                       GError            **error);

void            hd_credentials_free (HdCredentials *credentials);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdCredentials, hd_credentials_free)

G_END_DECLS
