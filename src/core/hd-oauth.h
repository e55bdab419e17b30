/* hd-oauth.h: OAuth connections (Microsoft 365, Google, custom), the three
 * ways to sign in (browser with loopback redirect and PKCE, device code,
 * client credentials), and access tokens for a login, refreshed with
 * rotation and serialised per account across processes. Tokens live in the
 * keyring only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_OAUTH_ERROR (hd_oauth_error_quark ())

typedef enum {
  HD_OAUTH_ERROR_INVALID,          /* a connection that cannot be used as given */
  HD_OAUTH_ERROR_SIGN_IN_REQUIRED, /* no token, or the provider refused it: sign in again */
  HD_OAUTH_ERROR_DENIED,           /* the sign-in was refused (access_denied, …) */
  HD_OAUTH_ERROR_STATE_MISMATCH,   /* a redirect that is not the answer to our request */
  HD_OAUTH_ERROR_TIMED_OUT,
  HD_OAUTH_ERROR_PENDING,          /* device code: the person has not answered yet */
  HD_OAUTH_ERROR_SLOW_DOWN,        /* device code: poll less often */
  HD_OAUTH_ERROR_FAILED,           /* the provider answered something else; the message says it */
} HdOAuthError;

typedef enum {
  HD_OAUTH_GRANT_AUTHORIZATION_CODE,
  HD_OAUTH_GRANT_CLIENT_CREDENTIALS,
} HdOAuthGrant;

/* One row of oauth_connections, with the provider's presets filled in. */
typedef struct {
  char        *name;
  char        *provider;       /* "microsoft", "google" or "custom" */
  char        *tenant;
  char        *client_id;
  HdOAuthGrant grant;
  char        *authorize_url;
  char        *token_url;
  char        *device_url;
  char        *scopes;         /* space-separated */
  char        *sasl_mechanism; /* "XOAUTH2" or "OAUTHBEARER" */
} HdOAuthConnection;

GQuark             hd_oauth_error_quark (void);

/* hd-oauth-connection.c */
HdOAuthConnection *hd_oauth_connection_from_json (JsonNode     *node,
                                                  GError      **error);
JsonNode          *hd_oauth_connection_to_json (const HdOAuthConnection *self);
const char        *hd_oauth_connection_redirect_host (const HdOAuthConnection *self);
gboolean           hd_oauth_connection_is_oauthbearer (const HdOAuthConnection *self);
void               hd_oauth_connection_free (HdOAuthConnection *self);

/* hd-oauth-store.c: the rows (never a secret). */
gboolean           hd_store_add_oauth_connection (HdStore                 *store,
                                                  const HdOAuthConnection *connection,
                                                  GError                 **error);
GPtrArray         *hd_store_list_oauth_connections (HdStore  *store,
                                                    GError  **error);
HdOAuthConnection *hd_store_lookup_oauth_connection (HdStore     *store,
                                                     const char  *name,
                                                     GError     **error);
gboolean           hd_store_remove_oauth_connection (HdStore     *store,
                                                     const char  *name,
                                                     GError     **error);

/* hd-oauth-token.c */
char              *hd_oauth_get_access_token_sync (HdStore                 *store,
                                                   const char              *account,
                                                   const HdOAuthConnection *connection,
                                                   gboolean                 interactive,
                                                   gboolean                 force_refresh,
                                                   GCancellable            *cancellable,
                                                   GError                 **error);
gboolean           hd_oauth_keep_tokens_sync (HdStore                 *store,
                                              const char              *account,
                                              JsonObject              *response,
                                              const char              *old_refresh_token,
                                              GCancellable            *cancellable,
                                              GError                 **error);
JsonObject        *hd_oauth_token_request_sync (HdStore                 *store,
                                                const HdOAuthConnection *connection,
                                                const char              *url,
                                                const char *const       *form,
                                                GCancellable            *cancellable,
                                                GError                 **error);
void               hd_oauth_record_sign_in (HdStore     *store,
                                            const char  *account,
                                            const GError *error);

/* hd-oauth-flow.c: sign-in. @url_cb is called once with what to show the
 * person: the authorization URL (browser), or the verification URI and
 * the user code (device). */
typedef void (*HdOAuthShowFunc) (const char *uri,
                                 const char *user_code,
                                 gpointer    user_data);

gboolean           hd_oauth_sign_in_browser_sync (HdStore                 *store,
                                                  const char              *account,
                                                  const char              *login_hint,
                                                  const HdOAuthConnection *connection,
                                                  guint                    timeout_seconds,
                                                  HdOAuthShowFunc          show_cb,
                                                  gpointer                 user_data,
                                                  GCancellable            *cancellable,
                                                  GError                 **error);
gboolean           hd_oauth_sign_in_device_sync (HdStore                 *store,
                                                 const char              *account,
                                                 const HdOAuthConnection *connection,
                                                 guint                    timeout_seconds,
                                                 HdOAuthShowFunc          show_cb,
                                                 gpointer                 user_data,
                                                 GCancellable            *cancellable,
                                                 GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdOAuthConnection, hd_oauth_connection_free)

G_END_DECLS
