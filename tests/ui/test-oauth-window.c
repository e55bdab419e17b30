/* test-oauth-window.c: the "OAuth Connections" window, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hd-account.h"
#include "hd-oauth-window.h"
#include "hd-oauth.h"
#include "hd-store-health.h"

static const char connection_json[] =
  "{\"name\": \"Test IdP\", \"provider\": \"custom\", \"client_id\": \"c\","
  " \"authorize_url\": \"http://127.0.0.1:9/authorize\","
  " \"token_url\": \"http://127.0.0.1:9/token\"}";

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

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/oauth-window/lists-connections-and-sign-in-state",
                   test_lists_connections_and_sign_in_state);
  return g_test_run ();
}
