/* hd-ctl-oauth.c: helpdesk-mailctl oauth …
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "hd-account.h"
#include "hd-oauth.h"
#include "hd-secrets.h"
#include "hd-store-batch.h"

/* How long `oauth authorize` waits for the person, unless --timeout says. */
#define DEFAULT_TIMEOUT 600

static int
fail_oauth (const GError *error)
{
  if (g_error_matches (error, HD_OAUTH_ERROR, HD_OAUTH_ERROR_INVALID))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s", error->message);
  return hd_ctl_fail_error (error);
}

static int
oauth_list (HdCtl *ctl,
            int    argc,
            char **argv)
{
  HdCtlFlag flags[] = { { "--json" } };
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 0, 0,
                          "oauth list [--json]", &words, &status);
  if (store == NULL)
    return status;
  connections = hd_store_list_oauth_connections (store, &error);
  if (connections == NULL)
    return hd_ctl_fail_error (error);

  if (flags[0].seen)
    {
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_sized_new (connections->len);

      for (guint i = 0; i < connections->len; i++)
        json_array_add_element (array, hd_oauth_connection_to_json (connections->pdata[i]));
      json_node_take_array (node, array);
      hd_ctl_print_json (node);
      return HD_CTL_EXIT_OK;
    }
  for (guint i = 0; i < connections->len; i++)
    {
      HdOAuthConnection *c = connections->pdata[i];

      printf ("%s\t%s\t%s\t%s\n", c->name, c->provider,
              c->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS ? "client_credentials"
              : "authorization_code", c->sasl_mechanism);
    }
  return HD_CTL_EXIT_OK;
}

/* The row and the client secret go in together, or neither does. */
static int
oauth_add (HdCtl *ctl,
           int    argc,
           char **argv)
{
  HdCtlFlag flags[] = { { "--client-secret-stdin" } };
  const char *usage = "oauth add FILE.json [--client-secret-stdin]";
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (HdOAuthConnection) connection = NULL;
  g_autoptr (HdStoreBatch) batch = NULL;
  char *secret = NULL;
  gboolean ok;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, usage, &words,
                          &status);
  if (store == NULL)
    return status;
  root = hd_ctl_read_json (words->pdata[0], &error);
  if (root == NULL)
    return hd_ctl_fail_error (error);
  connection = hd_oauth_connection_from_json (root, &error);
  if (connection == NULL)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, "%s: %s", (char *) words->pdata[0], error->message);
  if (connection->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS && !flags[0].seen)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE,
                        _("App-only sign-in (client_credentials) needs the client secret: "
                          "give it with --client-secret-stdin"));
  if (flags[0].seen && (secret = hd_ctl_read_secret_stdin (&error)) == NULL)
    return hd_ctl_fail_error (error);

  batch = hd_store_batch_begin (store, &error);
  ok = batch != NULL && hd_store_add_oauth_connection (store, connection, &error)
       && (secret == NULL
           || hd_secrets_store_sync (HD_SECRET_OAUTH_CLIENT_SECRET, hd_store_get_id (store),
                                     connection->name, secret, NULL, &error));
  if (ok && !hd_store_batch_commit (batch, &error))
    {
      if (secret != NULL)
        hd_secrets_clear_sync (HD_SECRET_OAUTH_CLIENT_SECRET, hd_store_get_id (store),
                               connection->name, NULL, NULL);
      ok = FALSE;
    }
  hd_ctl_free_secret (secret);
  return ok ? HD_CTL_EXIT_OK : fail_oauth (error);
}

static int
oauth_remove (HdCtl *ctl,
              int    argc,
              char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStoreBatch) batch = NULL;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 1, 1, "oauth remove NAME", &words, &status);
  if (store == NULL)
    return status;
  batch = hd_store_batch_begin (store, &error);
  if (batch == NULL
      || !hd_store_remove_oauth_connection (store, words->pdata[0], &error)
      || !hd_secrets_clear_sync (HD_SECRET_OAUTH_CLIENT_SECRET, hd_store_get_id (store),
                                 words->pdata[0], NULL, &error)
      || !hd_store_batch_commit (batch, &error))
    return fail_oauth (error);
  return HD_CTL_EXIT_OK;
}

typedef struct {
  gboolean print_only;
} ShowData;

/* The first line of output is what the person (or a script) acts on. */
static void
show_cb (const char *uri,
         const char *user_code,
         gpointer    user_data)
{
  ShowData *data = user_data;

  if (user_code != NULL)
    printf ("%s %s\n", uri, user_code);
  else
    printf ("%s\n", uri);
  fflush (stdout);
  if (user_code == NULL && !data->print_only)
    {
      g_autoptr (GError) error = NULL;

      if (!g_app_info_launch_default_for_uri (uri, NULL, &error))
        fprintf (stderr, _("helpdesk-mailctl: could not open a browser (%s); open the URL "
                           "above\n"), error->message);
    }
}

static int
oauth_authorize (HdCtl *ctl,
                 int    argc,
                 char **argv)
{
  HdCtlFlag flags[] = { { "--print-url" }, { "--device" }, { "--timeout", TRUE } };
  const char *usage = "oauth authorize ACCOUNT [--print-url | --device] [--timeout SECONDS]";
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (HdOAuthConnection) connection = NULL;
  ShowData data = { 0 };
  guint64 timeout = DEFAULT_TIMEOUT;
  const char *name;
  gboolean ok;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, usage, &words,
                          &status);
  if (store == NULL)
    return status;
  if (flags[0].seen && flags[1].seen)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), usage);
  if (flags[2].value != NULL
      && !g_ascii_string_to_unsigned (flags[2].value, 10, 1, 3600, &timeout, NULL))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("--timeout: must be between 1 and 3600 seconds"));

  account = hd_store_lookup_account (store, words->pdata[0], &error);
  if (account == NULL)
    return hd_ctl_fail_error (error);
  name = hd_account_get_name (account);
  if (hd_account_get_oauth_connection (account) == NULL)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("“%s” has no OAuth connection"), name);
  connection = hd_store_lookup_oauth_connection (store, hd_account_get_oauth_connection (account),
                                                 &error);
  if (connection == NULL)
    return fail_oauth (error);

  data.print_only = flags[0].seen;
  if (connection->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS)
    {
      /* App-only: nobody signs in; getting a token proves the secret. */
      char *token = hd_oauth_get_access_token_sync (store, name, connection, TRUE, TRUE, NULL,
                                                    &error);

      ok = token != NULL;
      hd_ctl_free_secret (token);
      hd_oauth_record_sign_in (store, name, error);
    }
  else if (flags[1].seen)
    ok = hd_oauth_sign_in_device_sync (store, name, connection, (guint) timeout, show_cb, &data,
                                       NULL, &error);
  else
    ok = hd_oauth_sign_in_browser_sync (store, name, hd_account_get_username (account),
                                        connection, (guint) timeout, show_cb, &data, NULL,
                                        &error);
  if (!ok)
    return hd_ctl_fail (HD_CTL_EXIT_FAILED, "%s", error->message);
  printf (_("OK: “%s” is signed in through “%s”\n"), name, connection->name);
  return HD_CTL_EXIT_OK;
}

const HdCtlCommand hd_ctl_oauth_commands[] = {
  { "oauth", "list", oauth_list, "oauth list [--json]" },
  { "oauth", "add", oauth_add, "oauth add FILE.json [--client-secret-stdin]" },
  { "oauth", "remove", oauth_remove, "oauth remove NAME" },
  { "oauth", "authorize", oauth_authorize,
    "oauth authorize ACCOUNT [--print-url | --device] [--timeout SECONDS]" },
  { NULL }
};
