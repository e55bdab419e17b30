/* hd-oauth-flow.c: signing in.
 *
 * Browser (RFC 8252): a libsoup server on the loopback address takes
 * exactly one redirect; the request carries a PKCE S256 challenge (RFC 7636)
 * and a `state`, both from getrandom; the code is exchanged at the token
 * endpoint. Device code (RFC 8628): the person is told where to go and
 * which code to type, and the token endpoint is polled until they agree.
 * Either way the tokens go to the keyring under the account.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "hd-random.h"

typedef struct {
  const char *state;
  gboolean    received;  /* the one redirect came */
  gboolean    done;      /* and its page went out */
  gboolean    timed_out;
  char       *code;
  char       *error;     /* the provider's error, or a state mismatch */
  char       *error_description;
  gboolean    state_mismatch;
} Redirect;

/* base64url without padding, as PKCE and our state want it. */
static char *
base64url (const guint8 *data,
           gsize         length)
{
  char *text = g_base64_encode (data, length);
  gsize n = strlen (text);

  while (n > 0 && text[n - 1] == '=')
    text[--n] = '\0';
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  return text;
}

static char *
random_base64url (gsize    n_bytes,
                  GError **error)
{
  guint8 buffer[32];

  g_assert (n_bytes <= sizeof buffer);
  if (!hd_random_bytes (buffer, n_bytes, error))
    return NULL;
  return base64url (buffer, n_bytes);
}

static char *
s256 (const char *verifier)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return base64url (digest, length);
}

static void
append_param (GString    *url,
              const char *name,
              const char *value)
{
  if (value == NULL)
    return;
  g_string_append_c (url, strchr (url->str, '?') != NULL ? '&' : '?');
  g_string_append_uri_escaped (url, name, NULL, FALSE);
  g_string_append_c (url, '=');
  g_string_append_uri_escaped (url, value, NULL, FALSE);
}

static void
send_page (SoupServerMessage *msg,
           guint              status,
           const char        *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                                           "<title>HelpDesk Mail</title></head>"
                                           "<body><p>%s</p></body></html>\n", escaped);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    page, strlen (page));
}

static void
redirect_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Redirect *redirect = user_data;
  const char *state;

  if (!g_str_equal (path, "/") || redirect->received)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  redirect->received = TRUE;
  state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  if (g_strcmp0 (state, redirect->state) != 0)
    {
      redirect->state_mismatch = TRUE;
      send_page (msg, SOUP_STATUS_BAD_REQUEST,
                 _("This sign-in does not belong to the request HelpDesk Mail made, and was "
                   "refused. You can close this tab."));
      return;
    }
  redirect->error = g_strdup (g_hash_table_lookup (query, "error"));
  redirect->error_description = g_strdup (g_hash_table_lookup (query, "error_description"));
  redirect->code = g_strdup (g_hash_table_lookup (query, "code"));
  if (redirect->error != NULL || redirect->code == NULL)
    send_page (msg, SOUP_STATUS_OK,
               _("The sign-in was refused; HelpDesk Mail says why. You can close this tab."));
  else
    send_page (msg, SOUP_STATUS_OK,
               _("You are signed in to HelpDesk Mail. You can close this tab."));
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  Redirect *redirect = user_data;

  if (redirect->received)
    redirect->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Redirect *redirect = user_data;

  redirect->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  return G_SOURCE_REMOVE;
}

/* Waits on @context for the one redirect, the timeout or @cancellable. */
static gboolean
wait_for_redirect (GMainContext  *context,
                   Redirect      *redirect,
                   guint          timeout_seconds,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (timeout_seconds);
  g_autoptr (GSource) cancel = NULL;

  g_source_set_callback (timeout, timeout_cb, redirect, NULL);
  g_source_attach (timeout, context);
  if (cancellable != NULL)
    {
      cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel, G_SOURCE_FUNC (cancelled_cb), NULL, NULL);
      g_source_attach (cancel, context);
    }
  while (!redirect->done && !redirect->timed_out
         && !g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (cancel != NULL)
    g_source_destroy (cancel);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!redirect->done)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_TIMED_OUT,
                   _("Nobody signed in within %u seconds"), timeout_seconds);
      return FALSE;
    }
  if (redirect->state_mismatch)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_STATE_MISMATCH,
                   _("The sign-in was refused: the redirect did not carry the state of our "
                     "request"));
      return FALSE;
    }
  if (redirect->error != NULL || redirect->code == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_DENIED,
                   _("The sign-in was refused: %s: %s"),
                   redirect->error != NULL ? redirect->error : "no code",
                   redirect->error_description != NULL ? redirect->error_description : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
exchange_code (HdStore                 *store,
               const char              *account,
               const HdOAuthConnection *connection,
               const char              *code,
               const char              *redirect_uri,
               const char              *verifier,
               GCancellable            *cancellable,
               GError                 **error)
{
  const char *form[] = { "grant_type", "authorization_code", "code", code,
                         "redirect_uri", redirect_uri, "code_verifier", verifier, NULL };
  g_autoptr (JsonObject) response = NULL;

  response = hd_oauth_token_request_sync (store, connection, NULL, form, cancellable, error);
  return response != NULL
         && hd_oauth_keep_tokens_sync (store, account, response, NULL, cancellable, error);
}

/**
 * hd_oauth_sign_in_browser_sync:
 * @login_hint: (nullable): the user name, offered to the sign-in page
 * @show_cb: called once with the authorization URL, to open or print
 *
 * Runs the browser sign-in for @account on a main context of its own, so
 * the calling thread may be a worker or the command line.
 *
 * Returns: %TRUE when the tokens are in the keyring
 */
gboolean
hd_oauth_sign_in_browser_sync (HdStore                 *store,
                               const char              *account,
                               const char              *login_hint,
                               const HdOAuthConnection *connection,
                               guint                    timeout_seconds,
                               HdOAuthShowFunc          show_cb,
                               gpointer                 user_data,
                               GCancellable            *cancellable,
                               GError                 **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (SoupServer) server = NULL;
  g_autofree char *state = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autoptr (GString) url = NULL;
  Redirect redirect = { 0 };
  GSList *uris;
  gboolean ok = FALSE;

  g_return_val_if_fail (HD_IS_STORE (store) && account != NULL && connection != NULL, FALSE);

  if (connection->authorize_url == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("The OAuth connection “%s” has no authorization endpoint; sign in with "
                     "--device"), connection->name);
      return FALSE;
    }
  state = random_base64url (16, error);
  verifier = state != NULL ? random_base64url (32, error) : NULL;
  if (verifier == NULL)
    return FALSE;
  challenge = s256 (verifier);
  redirect.state = state;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, redirect_cb, &redirect, NULL);
  g_signal_connect (server, "request-finished", G_CALLBACK (request_finished_cb), &redirect);
  /* "localhost" may resolve to ::1 first in the browser: listen on both
   * loopback addresses (one port) then; 127.0.0.1 needs IPv4 alone. */
  if (!soup_server_listen_local (server, 0,
                                 g_str_equal (hd_oauth_connection_redirect_host (connection),
                                              "localhost")
                                 ? 0 : SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    goto out;
  uris = soup_server_get_uris (server);
  redirect_uri = g_strdup_printf ("http://%s:%d/", hd_oauth_connection_redirect_host (connection),
                                  g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  url = g_string_new (connection->authorize_url);
  append_param (url, "response_type", "code");
  append_param (url, "client_id", connection->client_id);
  append_param (url, "redirect_uri", redirect_uri);
  append_param (url, "scope", connection->scopes);
  append_param (url, "state", state);
  append_param (url, "code_challenge", challenge);
  append_param (url, "code_challenge_method", "S256");
  append_param (url, "login_hint", login_hint);
  if (g_str_equal (connection->provider, "google"))
    {
      /* Without these Google sends no refresh token. */
      append_param (url, "access_type", "offline");
      append_param (url, "prompt", "consent");
    }
  show_cb (url->str, NULL, user_data);

  if (!wait_for_redirect (context, &redirect, timeout_seconds, cancellable, error))
    goto out;
  soup_server_disconnect (server);
  ok = exchange_code (store, account, connection, redirect.code, redirect_uri, verifier,
                      cancellable, error);

out:
  if (server != NULL)
    soup_server_disconnect (server);
  g_main_context_pop_thread_default (context);
  explicit_bzero (verifier, strlen (verifier));
  g_free (redirect.code);
  g_free (redirect.error);
  g_free (redirect.error_description);
  if (ok)
    hd_oauth_record_sign_in (store, account, NULL);
  return ok;
}

/**
 * hd_oauth_sign_in_device_sync:
 * @show_cb: called once with the verification URI and the user code
 *
 * Returns: %TRUE when the tokens are in the keyring
 */
gboolean
hd_oauth_sign_in_device_sync (HdStore                 *store,
                              const char              *account,
                              const HdOAuthConnection *connection,
                              guint                    timeout_seconds,
                              HdOAuthShowFunc          show_cb,
                              gpointer                 user_data,
                              GCancellable            *cancellable,
                              GError                 **error)
{
  const char *ask[] = { "scope", connection->scopes, NULL };
  g_autoptr (JsonObject) device = NULL;
  const char *uri;
  const char *device_code;
  gint64 interval;
  gint64 deadline;
  gboolean ok = FALSE;

  g_return_val_if_fail (HD_IS_STORE (store) && account != NULL && connection != NULL, FALSE);

  if (connection->device_url == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID,
                   _("The OAuth connection “%s” has no device-code endpoint"), connection->name);
      return FALSE;
    }
  if (connection->scopes == NULL)
    ask[0] = NULL;
  device = hd_oauth_token_request_sync (store, connection, connection->device_url, ask,
                                        cancellable, error);
  if (device == NULL)
    return FALSE;
  uri = json_object_get_string_member_with_default (device, "verification_uri", NULL);
  if (uri == NULL) /* Google's spelling */
    uri = json_object_get_string_member_with_default (device, "verification_url", NULL);
  device_code = json_object_get_string_member_with_default (device, "device_code", NULL);
  if (uri == NULL || device_code == NULL
      || !json_object_has_member (device, "user_code"))
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_FAILED,
                   _("The OAuth provider's device-code answer lacks the verification URI or "
                     "a code"));
      return FALSE;
    }
  interval = MAX (1, json_object_get_int_member_with_default (device, "interval", 5));
  deadline = g_get_monotonic_time ()
             + MIN ((gint64) timeout_seconds,
                    json_object_get_int_member_with_default (device, "expires_in", 900))
               * G_USEC_PER_SEC;
  show_cb (uri, json_object_get_string_member (device, "user_code"), user_data);

  for (;;)
    {
      const char *form[] = { "grant_type", "urn:ietf:params:oauth:grant-type:device_code",
                             "device_code", device_code, NULL };
      g_autoptr (JsonObject) response = NULL;
      GError *local_error = NULL;

      for (gint64 i = 0; i < interval * 10; i++)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            goto out;
          g_usleep (G_USEC_PER_SEC / 10);
        }
      response = hd_oauth_token_request_sync (store, connection, NULL, form, cancellable,
                                              &local_error);
      if (response != NULL)
        {
          ok = hd_oauth_keep_tokens_sync (store, account, response, NULL, cancellable, error);
          break;
        }
      if (g_error_matches (local_error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_SLOW_DOWN))
        interval += 5;
      else if (!g_error_matches (local_error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_PENDING))
        {
          g_propagate_error (error, local_error);
          break;
        }
      g_clear_error (&local_error);
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_TIMED_OUT,
                       _("Nobody signed in within %u seconds"), timeout_seconds);
          break;
        }
    }

out:
  if (ok)
    hd_oauth_record_sign_in (store, account, NULL);
  return ok;
}
