/* test-oauth.c: OAuth connections from JSON (presets, URL rules) and the
 * loopback listener of the browser sign-in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "hd-oauth.h"

static HdOAuthConnection *
parse (const char  *json,
       GError     **error)
{
  g_autoptr (JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return hd_oauth_connection_from_json (node, error);
}

static void
test_presets (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdOAuthConnection) ms = NULL;
  g_autoptr (HdOAuthConnection) app = NULL;
  g_autoptr (HdOAuthConnection) google = NULL;

  ms = parse ("{\"name\": \"M\", \"provider\": \"microsoft\", \"tenant\": \"contoso.example\","
              " \"client_id\": \"c\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ms->authorize_url, ==,
                   "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/authorize");
  g_assert_cmpstr (ms->device_url, ==,
                   "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/devicecode");
  g_assert_nonnull (strstr (ms->scopes, "IMAP.AccessAsUser.All"));
  g_assert_nonnull (strstr (ms->scopes, "offline_access"));
  g_assert_cmpstr (ms->sasl_mechanism, ==, "XOAUTH2");
  g_assert_cmpstr (hd_oauth_connection_redirect_host (ms), ==, "localhost");

  app = parse ("{\"name\": \"A\", \"provider\": \"microsoft\", \"tenant\": \"t-id\","
               " \"client_id\": \"c\", \"grant\": \"client_credentials\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (app->scopes, ==, "https://outlook.office365.com/.default");
  g_assert_cmpint (app->grant, ==, HD_OAUTH_GRANT_CLIENT_CREDENTIALS);

  google = parse ("{\"name\": \"G\", \"provider\": \"google\", \"client_id\": \"c\","
                  " \"sasl_mechanism\": \"OAUTHBEARER\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (google->token_url, ==, "https://oauth2.googleapis.com/token");
  g_assert_cmpstr (google->scopes, ==, "https://mail.google.com/");
  g_assert_true (hd_oauth_connection_is_oauthbearer (google));
  g_assert_cmpstr (hd_oauth_connection_redirect_host (google), ==, "127.0.0.1");
}

static void
test_refused (void)
{
  static const struct { const char *json; const char *says; } cases[] = {
    { "{\"name\": \"X\", \"provider\": \"custom\", \"client_id\": \"c\","
      " \"authorize_url\": \"https://idp.example/a\", \"token_url\": \"http://idp.example/t\"}",
      "token_url" },
    { "{\"name\": \"X\", \"provider\": \"custom\", \"client_id\": \"c\","
      " \"authorize_url\": \"https://idp.example/a\"}", "token_url" },
    { "{\"name\": \"X\", \"provider\": \"google\", \"client_id\": \"c\","
      " \"grant\": \"client_credentials\"}", "grant" },
    { "{\"name\": \"X\", \"provider\": \"microsoft\", \"client_id\": \"c\","
      " \"grant\": \"client_credentials\"}", "tenant" },
    { "{\"name\": \"X\", \"provider\": \"yahoo\", \"client_id\": \"c\"}", "provider" },
    { "{\"name\": \"X\", \"provider\": \"google\", \"client_id\": \"c\", \"secret\": \"s\"}",
      "secret" },
    { "{\"name\": \"X\", \"provider\": \"google\", \"client_id\": \"c\","
      " \"sasl_mechanism\": \"PLAIN\"}", "sasl_mechanism" },
    { "{\"provider\": \"google\", \"client_id\": \"c\"}", "name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (HdOAuthConnection) connection = parse (cases[i].json, &error);

      g_assert_null (connection);
      g_assert_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, cases[i].says));
    }
}

/* Plays a browser that comes back with another state than ours. */
static gpointer
forge_redirect_thread (gpointer data)
{
  g_autofree char *url = data;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = soup_session_send_and_read (session, message, NULL, NULL);

  return GUINT_TO_POINTER (soup_message_get_status (message));
}

static void
show_cb (const char *uri,
         const char *user_code,
         gpointer    user_data)
{
  GThread **thread = user_data;
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GHashTable) query = g_uri_parse_params (g_uri_get_query (parsed), -1, "&",
                                                     G_URI_PARAMS_NONE, NULL);
  const char *redirect = g_hash_table_lookup (query, "redirect_uri");

  g_assert_true (g_str_has_prefix (redirect, "http://localhost:"));
  g_assert_cmpstr (g_hash_table_lookup (query, "code_challenge_method"), ==, "S256");
  g_assert_cmpuint (strlen (g_hash_table_lookup (query, "code_challenge")), ==, 43);
  g_assert_cmpstr (g_hash_table_lookup (query, "login_hint"), ==, "desk@contoso.example");
  *thread = g_thread_new ("browser", forge_redirect_thread,
                          g_strconcat (redirect, "?code=forged&state=forged", NULL));
}

static void
test_state_mismatch_on_localhost (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hd-test-oauth-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "helpdesk.sqlite3", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStore) store = hd_store_open (path, &error);
  g_autoptr (HdOAuthConnection) connection = NULL;
  GThread *thread = NULL;

  g_assert_no_error (error);
  connection = parse ("{\"name\": \"M\", \"provider\": \"microsoft\", \"client_id\": \"c\","
                      " \"tenant\": \"contoso.example\","
                      " \"token_url\": \"http://127.0.0.1:9/token\"}", &error);
  g_assert_no_error (error);
  g_assert_false (hd_oauth_sign_in_browser_sync (store, "Desk", "desk@contoso.example",
                                                 connection, 30, show_cb, &thread, NULL,
                                                 &error));
  g_assert_error (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_STATE_MISMATCH);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_thread_join (thread)), ==, SOUP_STATUS_BAD_REQUEST);

  g_clear_object (&store);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, (const char *[]) { "", "-wal", "-shm" }[i],
                                           NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/oauth/presets", test_presets);
  g_test_add_func ("/oauth/refused", test_refused);
  g_test_add_func ("/oauth/state-mismatch-on-localhost", test_state_mismatch_on_localhost);
  return g_test_run ();
}
