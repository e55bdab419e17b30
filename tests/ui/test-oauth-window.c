/* test-oauth-window.c: the "OAuth Connections" window, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hd-account-editor.h"
#include "hd-account.h"
#include "hd-oauth-sign-in.h"
#include "hd-oauth-window.h"
#include "hd-oauth.h"
#include "hd-secrets.h"
#include "hd-store-health.h"

static const char connection_json[] =
  "{\"name\": \"Test IdP\", \"provider\": \"custom\", \"client_id\": \"c\","
  " \"authorize_url\": \"http://127.0.0.1:9/authorize\","
  " \"token_url\": \"http://127.0.0.1:9/token\"}";

/* Removes what a test left in its temporary directory. */
static void
remove_tree (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children =
    g_file_enumerate_children (file,
                               G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                               G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL
         && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

/* Every AdwActionRow under @widget, depth first. */
static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (ADW_IS_ACTION_ROW (widget))
    g_ptr_array_add (rows, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static AdwActionRow *
find_row (GtkWidget  *window,
          const char *title)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();

  collect_rows (window, rows);
  for (guint i = 0; i < rows->len; i++)
    {
      if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
        return rows->pdata[i];
    }
  return NULL;
}

static gboolean
find_group_visible (GtkWidget  *widget,
                    const char *title)
{
  if (ADW_IS_PREFERENCES_GROUP (widget)
      && g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), title) == 0)
    return gtk_widget_get_visible (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (find_group_visible (child, title))
        return TRUE;
    }
  return FALSE;
}

static void
test_lists_connections_and_sign_in_state (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hd-test-oauth-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "helpdesk.sqlite3", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStore) store = hd_store_open (path, &error);
  g_autoptr (JsonNode) node = json_from_string (connection_json, &error);
  g_autoptr (HdOAuthConnection) connection = NULL;
  g_autoptr (HdAccount) account = hd_account_new ();
  GtkWindow *window;
  AdwActionRow *row;

  g_assert_no_error (error);
  connection = hd_oauth_connection_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (hd_store_add_oauth_connection (store, connection, &error));
  g_object_set (account, "name", "Desk", "host", "127.0.0.1", "port", 993,
                "username", "desk@example.com",
                "oauth-connection", "Test IdP", NULL);
  hd_store_add_account (store, account, &error);
  g_assert_no_error (error);
  g_assert_true (hd_store_record_health (store, hd_store_get_account_id (store, "Desk", NULL),
                                         HD_HEALTH_SIGN_IN_REQUIRED,
                                         "The OAuth provider answered: invalid_grant: revoked",
                                         TRUE, &error));

  window = hd_oauth_window_new (NULL, store);
  gtk_window_present (window);

  row = find_row (GTK_WIDGET (window), "Test IdP");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==,
                   "custom · sign-in per account · XOAUTH2");
  row = find_row (GTK_WIDGET (window), "Desk");
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==,
                   "Sign in again: The OAuth provider answered: invalid_grant: revoked");

  gtk_window_destroy (window);

  /* The editor shows its OAuth Connection group once a connection exists,
   * for an account that does not use one yet too. */
  {
    g_autoptr (HdAccount) plain = hd_account_new ();
    GtkWidget *editor = g_object_ref_sink (hd_account_editor_new (plain));

    hd_account_editor_set_store (HD_ACCOUNT_EDITOR (editor), store);
    g_assert_true (find_group_visible (editor, "OAuth Connection"));
    hd_account_editor_set_store (HD_ACCOUNT_EDITOR (editor), NULL);
    g_assert_finalize_object (editor);
  }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (g_steal_pointer (&store));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_unlink (file);
    }
  g_rmdir (dir);
}

/* The browser that gtk_show_uri() starts is headless Chromium, named the
 * default for http: URLs in a private XDG_DATA_HOME / XDG_CONFIG_HOME; the
 * test OAuth server consents at once and redirects to the loopback
 * listener of the sign-in. */
static char *
set_up_browser (const char *dir)
{
  g_autofree char *apps = g_build_filename (dir, "data", "applications", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *script = g_build_filename (dir, "browser.sh", NULL);
  g_autofree char *desktop = g_build_filename (apps, "hd-test-browser.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_autofree char *script_text = NULL;
  g_autofree char *desktop_text = NULL;
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autofree char *chromium = g_find_program_in_path ("chromium");

  if (chromium == NULL)
    return NULL;
  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  script_text = g_strdup_printf ("#!/bin/sh\n"
                                 "profile=$(mktemp -d)\n"
                                 "%s --headless --no-sandbox --disable-gpu --disable-quic"
                                 " --no-first-run --disable-background-networking"
                                 " --disable-component-update --disable-sync"
                                 " --user-data-dir=\"$profile\" --dump-dom \"$1\""
                                 " > %s/page.html 2>/dev/null\n"
                                 "rm -rf \"$profile\"\n", chromium, dir);
  g_assert_true (g_file_set_contents (script, script_text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  desktop_text = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Test Browser\n"
                                  "Exec=%s %%u\nMimeType=x-scheme-handler/http;\n", script);
  g_assert_true (g_file_set_contents (desktop, desktop_text, -1, NULL));
  g_assert_true (g_file_set_contents (mimeapps, "[Default Applications]\n"
                                      "x-scheme-handler/http=hd-test-browser.desktop\n",
                                      -1, NULL));
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  return g_build_filename (dir, "page.html", NULL);
}

typedef struct {
  HdStore *store;
  gboolean signed_in;
} Wait;

static gboolean
poll_keyring_cb (gpointer user_data)
{
  Wait *wait = user_data;
  char *tokens = hd_secrets_lookup_sync (HD_SECRET_OAUTH_REFRESH_TOKEN,
                                         hd_store_get_id (wait->store), "Desk", NULL, NULL);

  wait->signed_in = tokens != NULL;
  g_free (tokens);
  return G_SOURCE_CONTINUE;
}

static gboolean
give_up_cb (gpointer user_data)
{
  g_error ("No sign-in through the window within 90 seconds");
  return G_SOURCE_REMOVE;
}

/* Where the browser leaves the page it was shown; NULL without chromium. */
static char *browser_page;

static void
test_sign_in_through_browser (void)
{
  const char *server = g_getenv ("HD_TEST_OAUTH_URL");
  g_autofree char *dir = g_dir_make_tmp ("hd-test-oauth-sign-in-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "helpdesk.sqlite3", NULL);
  g_autofree char *page_path = NULL;
  g_autofree char *page = NULL;
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStore) store = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (HdOAuthConnection) connection = NULL;
  g_autoptr (HdAccount) account = hd_account_new ();
  Wait wait = { 0 };
  GtkWindow *window;
  guint poll_id;
  guint give_up_id;

  page_path = g_strdup (browser_page);
  if (server == NULL || page_path == NULL)
    {
      /* ./dev test installs chromium and runs this under the test OAuth server. */
      g_test_message ("needs chromium and the test OAuth server (HD_TEST_OAUTH_URL)");
      g_test_fail ();
      return;
    }
  store = hd_store_open (path, &error);
  g_assert_no_error (error);
  json = g_strdup_printf ("{\"name\": \"Test IdP\", \"provider\": \"custom\","
                          " \"client_id\": \"hd-test-client\", \"scopes\": \"mail\","
                          " \"authorize_url\": \"%s/authorize\", \"token_url\": \"%s/token\"}",
                          server, server);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  connection = hd_oauth_connection_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (hd_store_add_oauth_connection (store, connection, &error));
  g_object_set (account, "name", "Desk", "host", "127.0.0.1", "port", 993,
                "username", "oauthuser", "oauth-connection", "Test IdP", NULL);
  hd_store_add_account (store, account, &error);
  g_assert_no_error (error);

  window = hd_oauth_window_new (NULL, store);
  gtk_window_present (window);
  hd_oauth_sign_in_run (window, store, "Desk");

  wait.store = store;
  poll_id = g_timeout_add (250, poll_keyring_cb, &wait);
  give_up_id = g_timeout_add_seconds (90, give_up_cb, NULL);
  while (!wait.signed_in)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (poll_id);
  g_source_remove (give_up_id);

  /* Chromium writes the page it showed once it has loaded it. */
  for (guint i = 0; i < 400 && (page == NULL || strstr (page, "</html>") == NULL); i++)
    {
      g_clear_pointer (&page, g_free);
      g_file_get_contents (page_path, &page, NULL, NULL);
      g_usleep (50000);
    }
  g_assert_nonnull (page);
  g_assert_nonnull (strstr (page, "You can close this tab"));
  hd_secrets_clear_owner_sync (hd_store_get_id (store), "Desk", NULL, NULL);
  /* The "Signed In" dialog comes once the worker is done. */
  for (guint i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (20000);
    }
  {
    g_autoptr (GList) toplevels = gtk_window_list_toplevels ();

    for (GList *t = toplevels; t != NULL; t = t->next)
      gtk_window_destroy (t->data);
  }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&store);
  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *browser_dir = g_dir_make_tmp ("hd-test-browser-XXXXXX", NULL);
  int status;

  /* GLib reads the XDG directories once: before GTK starts. */
  browser_page = set_up_browser (browser_dir);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/oauth-window/lists-connections-and-sign-in-state",
                   test_lists_connections_and_sign_in_state);
  g_test_add_func ("/oauth-window/sign-in-through-browser", test_sign_in_through_browser);
  status = g_test_run ();
  remove_tree (browser_dir);
  return status;
}
