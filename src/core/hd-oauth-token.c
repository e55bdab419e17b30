/* hd-oauth-token.c: access tokens for a login.
 *
 * The keyring item of kind "oauth-refresh-token" under the account holds a
 * small JSON object: the refresh token (if the grant has one), the last
 * access token and when it expires. A refresh runs under an flock on a file
 * beside the database, one per account, and reads the keyring again once it
 * holds the lock: whoever waited finds the token that the other process
 * just got, and never spends a rotated refresh token twice (as
 * evolution-data-server does). The rotated refresh token is in the keyring
 * before the new access token is handed out; when the provider sends none,
 * the old one stays.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "hd-secrets.h"
#include "hd-store-health.h"

/* An access token with less than this left is refreshed first. */
#define MIN_SECONDS_LEFT 60

typedef struct {
  char  *refresh_token;
  char  *access_token;
  gint64 expires;       /* Unix time */
} Tokens;

static void
wipe (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
tokens_free (Tokens *tokens)
{
  if (tokens == NULL)
    return;
  wipe (tokens->refresh_token);
  wipe (tokens->access_token);
  g_free (tokens);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tokens, tokens_free)

static char *
dup_member (JsonObject *object,
            const char *member)
{
  const char *value = json_object_get_string_member_with_default (object, member, NULL);

  return value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

/* Returns %NULL without an error when the keyring holds nothing. */
static Tokens *
read_tokens (HdStore       *store,
             const char    *account,
             gboolean       interactive,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (Tokens) tokens = NULL;
  GError *local_error = NULL;
  JsonObject *object;
  char *text;
  gboolean parsed;

  if (interactive)
    text = hd_secrets_lookup_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, hd_store_get_id (store),
                                   account, cancellable, &local_error);
  else
    text = hd_secrets_lookup_unattended_sync (HD_SECRET_OAUTH_REFRESH_TOKEN,
                                              hd_store_get_id (store), account, cancellable,
                                              &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (text == NULL)
    return NULL;
  parsed = json_parser_load_from_data (parser, text, -1, NULL)
           && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser));
  tokens = g_new0 (Tokens, 1);
  if (!parsed)
    {
      /* A bare refresh token, as a script may have put it there. */
      tokens->refresh_token = g_strstrip (text);
      return g_steal_pointer (&tokens);
    }
  wipe (text);
  object = json_node_get_object (json_parser_get_root (parser));
  tokens->refresh_token = dup_member (object, "refresh_token");
  tokens->access_token = dup_member (object, "access_token");
  tokens->expires = json_object_get_int_member_with_default (object, "expires", 0);
  /* The parser's copy of the strings goes with it; nothing else is kept. */
  return g_steal_pointer (&tokens);
}

static gboolean
write_tokens (HdStore       *store,
              const char    *account,
              const Tokens  *tokens,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  char *text;
  gboolean ok;

  json_builder_begin_object (builder);
  if (tokens->refresh_token != NULL)
    {
      json_builder_set_member_name (builder, "refresh_token");
      json_builder_add_string_value (builder, tokens->refresh_token);
    }
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, tokens->access_token);
  json_builder_set_member_name (builder, "expires");
  json_builder_add_int_value (builder, tokens->expires);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  ok = hd_secrets_store_sync (HD_SECRET_OAUTH_REFRESH_TOKEN, hd_store_get_id (store), account,
                              text, cancellable, error);
  wipe (text);
  return ok;
}

/* One lock file per account beside the database; the name does not show
 * the account's name. Returns the descriptor holding the lock, or -1. */
static int
lock_account (HdStore     *store,
              const char  *account,
              GError     **error)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, account, -1);
  g_autofree char *path = NULL;
  const char *db = hd_store_get_path (store);
  int fd;

  digest[16] = '\0';
  if (db != NULL && *db != '\0' && !g_str_equal (db, ":memory:"))
    path = g_strdup_printf ("%s.oauth-%s.lock", db, digest);
  else
    path = g_strdup_printf ("%s/helpdesk-mail-%s-oauth-%s.lock", g_get_user_runtime_dir (),
                            hd_store_get_id (store), digest);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock (fd, LOCK_EX) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not lock %s: %s"), path, g_strerror (saved));
      return -1;
    }
  return fd;
}

static void
unlock_account (int fd)
{
  flock (fd, LOCK_UN);
  close (fd);
}

static char *
encode_form (const char *const *form)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; form[i] != NULL && form[i + 1] != NULL; i += 2)
    {
      if (out->len > 0)
        g_string_append_c (out, '&');
      g_string_append_uri_escaped (out, form[i], NULL, FALSE);
      g_string_append_c (out, '=');
      g_string_append_uri_escaped (out, form[i + 1], NULL, FALSE);
    }
  return g_string_free (out, FALSE);
}

static HdOAuthError
error_code_for (const char *oauth_error)
{
  static const struct { const char *name; HdOAuthError code; } codes[] = {
    { "invalid_grant", HD_OAUTH_ERROR_SIGN_IN_REQUIRED },
    { "invalid_client", HD_OAUTH_ERROR_SIGN_IN_REQUIRED },
    { "unauthorized_client", HD_OAUTH_ERROR_SIGN_IN_REQUIRED },
    { "access_denied", HD_OAUTH_ERROR_DENIED },
    { "authorization_pending", HD_OAUTH_ERROR_PENDING },
    { "slow_down", HD_OAUTH_ERROR_SLOW_DOWN },
    { "expired_token", HD_OAUTH_ERROR_TIMED_OUT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      if (g_strcmp0 (codes[i].name, oauth_error) == 0)
        return codes[i].code;
    }
  return HD_OAUTH_ERROR_FAILED;
}

static SoupSession *
new_session (void)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 60, "user-agent",
                                                        "HelpDesk-Mail/" PACKAGE_VERSION, NULL);
  const char *ca_file = g_getenv ("HELPDESK_MAIL_CA_FILE");

  if (ca_file != NULL && *ca_file != '\0')
    {
      g_autoptr (GTlsDatabase) database = g_tls_file_database_new (ca_file, NULL);

      if (database != NULL)
        soup_session_set_tls_database (session, database);
    }
  return session;
}

/**
 * hd_oauth_token_request_sync:
 * @url: (nullable): the endpoint, or %NULL for the token endpoint
 * @form: (array zero-terminated=1): names and values of the form, in turns;
 *   the client id and secret are added
 *
 * POSTs @form to the token endpoint (RFC 6749 § 4.1.3, § 6) or another
 * endpoint of the connection (RFC 8628's device authorization).
 *
 * Returns: (transfer full): the provider's JSON answer, or %NULL with
 *   @error carrying the provider's `error` and `error_description` word
 *   for word
 */
JsonObject *
hd_oauth_token_request_sync (HdStore                 *store,
                             const HdOAuthConnection *connection,
                             const char              *url,
                             const char *const       *form,
                             GCancellable            *cancellable,
                             GError                 **error)
{
  g_autoptr (SoupSession) session = new_session ();
  g_autoptr (SoupMessage) message = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  g_autofree char *client_secret = NULL;
  JsonObject *object = NULL;
  const char *oauth_error;
  char *encoded;
  guint status;

  if (url == NULL)
    url = connection->token_url;
  for (guint i = 0; form[i] != NULL; i++)
    g_ptr_array_add (all, (gpointer) form[i]);
  g_ptr_array_add (all, "client_id");
  g_ptr_array_add (all, connection->client_id);
  client_secret = hd_secrets_lookup_unattended_sync (HD_SECRET_OAUTH_CLIENT_SECRET,
                                                     hd_store_get_id (store), connection->name,
                                                     cancellable, NULL);
  if (client_secret != NULL)
    {
      g_ptr_array_add (all, "client_secret");
      g_ptr_array_add (all, client_secret);
    }
  g_ptr_array_add (all, NULL);
  encoded = encode_form ((const char *const *) all->pdata);
  if (client_secret != NULL)
    explicit_bzero (client_secret, strlen (client_secret));
  message = soup_message_new_from_encoded_form (SOUP_METHOD_POST, url, encoded);
  if (message == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID, _("Not a URL: %s"), url);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  body = soup_session_send_and_read (session, message, cancellable, error);
  if (body == NULL)
    {
      g_prefix_error (error, _("The OAuth provider at %s could not be reached: "), url);
      return NULL;
    }
  status = soup_message_get_status (message);
  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                  NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_node_get_object (json_parser_get_root (parser));

  oauth_error = object != NULL
                ? json_object_get_string_member_with_default (object, "error", NULL) : NULL;
  if (oauth_error != NULL)
    {
      const char *description =
        json_object_get_string_member_with_default (object, "error_description", NULL);

      if (description != NULL)
        g_set_error (error, HD_OAUTH_ERROR, error_code_for (oauth_error),
                     _("The OAuth provider answered: %s: %s"), oauth_error, description);
      else
        g_set_error (error, HD_OAUTH_ERROR, error_code_for (oauth_error),
                     _("The OAuth provider answered: %s"), oauth_error);
      return NULL;
    }
  if (status != SOUP_STATUS_OK || object == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_FAILED,
                   _("The OAuth provider at %s answered HTTP %u %s"), url, status,
                   soup_message_get_reason_phrase (message));
      return NULL;
    }
  return json_object_ref (object);
}

/**
 * hd_oauth_keep_tokens_sync:
 * @response: the token endpoint's answer
 * @old_refresh_token: (nullable): the refresh token to keep when @response
 *   brings none
 *
 * Writes the tokens of @response to the keyring.
 */
gboolean
hd_oauth_keep_tokens_sync (HdStore       *store,
                           const char    *account,
                           JsonObject    *response,
                           const char    *old_refresh_token,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr (Tokens) tokens = g_new0 (Tokens, 1);
  gint64 expires_in;

  tokens->access_token = dup_member (response, "access_token");
  if (tokens->access_token == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_FAILED,
                   _("The OAuth provider sent no access token"));
      return FALSE;
    }
  tokens->refresh_token = dup_member (response, "refresh_token");
  if (tokens->refresh_token == NULL)
    tokens->refresh_token = g_strdup (old_refresh_token);
  expires_in = json_object_get_int_member_with_default (response, "expires_in", 3600);
  tokens->expires = g_get_real_time () / G_USEC_PER_SEC + expires_in;
  return write_tokens (store, account, tokens, cancellable, error);
}

static gboolean
fresh_enough (const Tokens *tokens)
{
  return tokens != NULL && tokens->access_token != NULL
         && tokens->expires - g_get_real_time () / G_USEC_PER_SEC > MIN_SECONDS_LEFT;
}

/* Asks the provider for a new access token, holding the account's lock. */
static char *
refresh_locked (HdStore                 *store,
                const char              *account,
                const HdOAuthConnection *connection,
                const Tokens            *tokens,
                GCancellable            *cancellable,
                GError                 **error)
{
  g_autoptr (JsonObject) response = NULL;
  const char *old_refresh = tokens != NULL ? tokens->refresh_token : NULL;

  if (connection->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS)
    {
      const char *form[] = { "grant_type", "client_credentials", "scope", connection->scopes,
                             NULL };

      if (connection->scopes == NULL)
        form[2] = NULL;
      response = hd_oauth_token_request_sync (store, connection, NULL, form, cancellable, error);
    }
  else if (old_refresh == NULL)
    {
      g_set_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_SIGN_IN_REQUIRED,
                   _("“%s” has not signed in through the OAuth connection “%s” yet; run "
                     "helpdesk-mailctl oauth authorize %s"),
                   account, connection->name, account);
      return NULL;
    }
  else
    {
      const char *form[] = { "grant_type", "refresh_token", "refresh_token", old_refresh,
                             "scope", connection->scopes, NULL };

      if (connection->scopes == NULL)
        form[4] = NULL;
      response = hd_oauth_token_request_sync (store, connection, NULL, form, cancellable, error);
    }
  if (response == NULL
      || !hd_oauth_keep_tokens_sync (store, account, response, old_refresh, cancellable, error))
    return NULL;
  return g_strdup (json_object_get_string_member (response, "access_token"));
}

/**
 * hd_oauth_get_access_token_sync:
 * @account: the account's name (its tokens live under it)
 * @interactive: whether a locked keyring may prompt
 * @force_refresh: the last access token was refused: get a new one even if
 *   it looks fresh
 *
 * Returns: (transfer full): an access token with more than a minute left,
 *   or %NULL with @error (%HD_OAUTH_ERROR_SIGN_IN_REQUIRED when only a new
 *   sign-in helps)
 */
char *
hd_oauth_get_access_token_sync (HdStore                 *store,
                                const char              *account,
                                const HdOAuthConnection *connection,
                                gboolean                 interactive,
                                gboolean                 force_refresh,
                                GCancellable            *cancellable,
                                GError                 **error)
{
  g_autoptr (Tokens) tokens = NULL;
  g_autoptr (Tokens) again = NULL;
  GError *local_error = NULL;
  char *access_token;
  int fd;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (account != NULL && connection != NULL, NULL);

  tokens = read_tokens (store, account, interactive, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (!force_refresh && fresh_enough (tokens))
    return g_strdup (tokens->access_token);

  fd = lock_account (store, account, error);
  if (fd < 0)
    return NULL;
  /* Another process may have refreshed while we waited for the lock. */
  again = read_tokens (store, account, interactive, cancellable, &local_error);
  if (local_error == NULL && fresh_enough (again)
      && (!force_refresh || tokens == NULL
          || g_strcmp0 (again->access_token, tokens->access_token) != 0))
    {
      unlock_account (fd);
      return g_strdup (again->access_token);
    }
  if (local_error != NULL)
    {
      unlock_account (fd);
      g_propagate_error (error, local_error);
      return NULL;
    }
  access_token = refresh_locked (store, account, connection, again, cancellable, error);
  unlock_account (fd);
  return access_token;
}

/**
 * hd_oauth_record_sign_in:
 * @error: (nullable): how getting a token failed, or %NULL after a sign-in
 *   or refresh that worked
 *
 * Keeps the account's "sign in again" state: set when only a new sign-in
 * helps, with the provider's words; cleared by a sign-in that worked.
 */
void
hd_oauth_record_sign_in (HdStore      *store,
                         const char   *account,
                         const GError *error)
{
  g_autoptr (HdAccountHealth) health = NULL;
  gint64 id = hd_store_get_account_id (store, account, NULL);

  if (id == 0)
    return;
  if (error != NULL)
    {
      if (g_error_matches (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_SIGN_IN_REQUIRED))
        hd_store_record_health (store, id, HD_HEALTH_SIGN_IN_REQUIRED, error->message, FALSE,
                                NULL);
      return;
    }
  health = hd_store_get_health (store, id, NULL);
  if (health != NULL && g_strcmp0 (health->state, HD_HEALTH_SIGN_IN_REQUIRED) == 0)
    hd_store_record_health (store, id, HD_HEALTH_OK, NULL, FALSE, NULL);
}
