/* test-window.c: the main window and the "Add Account" dialog, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "hd-account-dialog.h"
#include "hd-account-row.h"
#include "hd-secrets.h"
#include "hd-window.h"

typedef struct {
  char *dir;
  HdStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = g_dir_make_tmp ("hd-test-window-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (fixture->dir, "helpdesk.sqlite3", NULL);
  fixture->store = hd_store_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr (GDir) dir = g_dir_open (fixture->dir, 0, NULL);
  const char *name;

  g_assert_finalize_object (fixture->store);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->dir), ==, 0);
  g_free (fixture->dir);
}

static void
add_account (Fixture    *fixture,
             const char *name,
             HdProtocol  protocol,
             const char *host,
             gboolean    enabled)
{
  g_autoptr (HdAccount) account = hd_account_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (account,
                "name", name,
                "protocol", (guint) protocol,
                "host", host,
                "port", hd_default_port (protocol, HD_SECURITY_TLS),
                "username", "helpdesk@example.com",
                "enabled", enabled,
                NULL);
  hd_store_add_account (fixture->store, account, &error);
  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @done says yes, as a person would wait. */
static void
wait_until (gboolean  (*done) (gpointer data),
            gpointer    data,
            const char *what)
{
  guint timeout = g_timeout_add_seconds (20, timeout_cb, (gpointer) what);

  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static void
settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
collect (GtkWidget *widget,
         GType      type,
         GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

static GPtrArray *
find_all (gpointer root,
          GType    type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (GTK_WIDGET (root), type, found);
  return found;
}

static gpointer
find_one (gpointer root,
          GType    type)
{
  g_autoptr (GPtrArray) found = find_all (root, type);

  g_assert_cmpuint (found->len, ==, 1);
  return g_ptr_array_index (found, 0);
}

static HdWindow *
open_window (Fixture *fixture)
{
  HdWindow *window = hd_window_new (NULL, fixture->store);

  /* The test owns the window; GTK's list of toplevels only borrows it. */
  g_object_ref_sink (window);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (is_mapped, window, "the window to be shown");
  settle ();
  return window;
}

static void
close_window (HdWindow *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  settle ();
  g_assert_finalize_object (window);
}

static HdAccountRow *
row_named (GPtrArray  *rows,
           const char *name)
{
  for (guint i = 0; i < rows->len; i++)
    {
      AdwPreferencesRow *row = g_ptr_array_index (rows, i);

      if (g_strcmp0 (adw_preferences_row_get_title (row), name) == 0)
        return HD_ACCOUNT_ROW (row);
    }
  g_error ("No row shows the account “%s”", name);
}

static void
test_list_shows_accounts (Fixture       *fixture,
                          gconstpointer  data)
{
  HdWindow *window;
  g_autoptr (GPtrArray) rows = NULL;
  HdAccountRow *row;
  GtkSwitch *enabled;
  AdwStatusPage *empty;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  add_account (fixture, "Billing & Invoices", HD_PROTOCOL_POP3, "pop.example.org", FALSE);

  window = open_window (fixture);

  rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  g_assert_cmpuint (rows->len, ==, 2);

  row = row_named (rows, "Support");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "IMAP · imap.example.com");
  enabled = find_one (row, GTK_TYPE_SWITCH);
  g_assert_true (gtk_switch_get_active (enabled));

  row = row_named (rows, "Billing & Invoices");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, "POP3 · pop.example.org");
  enabled = find_one (row, GTK_TYPE_SWITCH);
  g_assert_false (gtk_switch_get_active (enabled));

  empty = find_one (window, ADW_TYPE_STATUS_PAGE);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (empty)));

  close_window (window);
}

static void
test_switch_saves_enabled (Fixture       *fixture,
                           gconstpointer  data)
{
  HdWindow *window;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (HdAccount) stored = NULL;
  g_autoptr (GError) error = NULL;
  GtkSwitch *enabled;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  window = open_window (fixture);

  rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  enabled = find_one (row_named (rows, "Support"), GTK_TYPE_SWITCH);
  gtk_switch_set_active (enabled, FALSE);
  settle ();

  stored = hd_store_lookup_account (fixture->store, "Support", &error);
  g_assert_no_error (error);
  g_assert_false (hd_account_get_enabled (stored));

  close_window (window);
}

static void
test_empty_state (Fixture       *fixture,
                  gconstpointer  data)
{
  HdWindow *window = open_window (fixture);
  g_autoptr (GPtrArray) rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  g_autoptr (GPtrArray) buttons = NULL;
  AdwStatusPage *empty;
  gboolean found_add = FALSE;

  g_assert_cmpuint (rows->len, ==, 0);

  empty = find_one (window, ADW_TYPE_STATUS_PAGE);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (empty)));
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "No Mail Accounts");
  g_assert_cmpstr (adw_status_page_get_description (empty), ==,
                   "Add the first mailbox the helpdesk should read");

  buttons = find_all (empty, GTK_TYPE_BUTTON);
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkActionable *button = g_ptr_array_index (buttons, i);

      if (g_strcmp0 (gtk_actionable_get_action_name (button), "win.add-account") == 0)
        found_add = gtk_widget_get_mapped (GTK_WIDGET (button));
    }
  g_assert_true (found_add);

  close_window (window);
}

static HdAccountDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (HD_IS_ACCOUNT_DIALOG (toplevel))
        return HD_ACCOUNT_DIALOG (toplevel);
    }
  return NULL;
}

static gboolean
dialog_is_gone (gpointer data)
{
  return find_dialog () == NULL;
}

static GtkWidget *
editor_row (HdAccountDialog *dialog,
            const char      *name)
{
  HdAccountEditor *editor = hd_account_dialog_get_editor (dialog);

  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (editor), HD_TYPE_ACCOUNT_EDITOR,
                                                    name));
}

static void
type_into (HdAccountDialog *dialog,
           const char      *row,
           const char      *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editor_row (dialog, row)), text);
}

static void
test_add_account (Fixture       *fixture,
                  gconstpointer  data)
{
  HdWindow *window = open_window (fixture);
  HdAccountDialog *dialog;
  HdAccount *edited;
  g_autoptr (HdAccount) stored = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *password = NULL;

  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-account", NULL);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  wait_until (is_mapped, dialog, "the dialog to be shown");

  /* The fields write through to the account the dialog adds. */
  type_into (dialog, "name_row", "Support");
  type_into (dialog, "username_row", "support@example.com");
  edited = hd_account_editor_get_account (hd_account_dialog_get_editor (dialog));
  g_assert_cmpstr (hd_account_get_name (edited), ==, "Support");
  g_assert_cmpstr (hd_account_get_username (edited), ==, "support@example.com");
  g_assert_cmpuint (hd_account_get_port (edited), ==, 993);

  /* POP3 follows with its own default port and hides the folder. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_row (dialog, "protocol_row")), HD_PROTOCOL_POP3);
  g_assert_cmpuint (hd_account_get_protocol (edited), ==, HD_PROTOCOL_POP3);
  g_assert_cmpuint (hd_account_get_port (edited), ==, 995);
  g_assert_false (gtk_widget_get_visible (editor_row (dialog, "folder_row")));
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_row (dialog, "protocol_row")), HD_PROTOCOL_IMAP);
  g_assert_cmpuint (hd_account_get_port (edited), ==, 993);

  /* Without a host the error lands on the host row and nothing is saved. */
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.add", NULL);
  settle ();
  g_assert_true (gtk_widget_has_css_class (editor_row (dialog, "host_row"), "error"));
  g_assert_false (gtk_widget_has_css_class (editor_row (dialog, "name_row"), "error"));
  g_assert_null (hd_store_lookup_account (fixture->store, "Support", NULL));

  /* Typing clears the mark. */
  type_into (dialog, "host_row", "imap.example.com");
  g_assert_false (gtk_widget_has_css_class (editor_row (dialog, "host_row"), "error"));

  type_into (dialog, "password_row", "s3cret ünïcode");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.add", NULL);
  wait_until (dialog_is_gone, NULL, "the dialog to close after adding");
  settle ();

  stored = hd_store_lookup_account (fixture->store, "Support", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_host (stored), ==, "imap.example.com");
  g_assert_cmpuint (hd_account_get_port (stored), ==, 993);

  password = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD, hd_store_get_id (fixture->store),
                                     "Support", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "s3cret ünïcode");

  rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row_named (rows, "Support"))));

  hd_secrets_clear_owner_sync (hd_store_get_id (fixture->store), "Support", NULL, &error);
  g_assert_no_error (error);
  close_window (window);
}

static void
test_add_duplicate_name (Fixture       *fixture,
                         gconstpointer  data)
{
  HdWindow *window;
  HdAccountDialog *dialog;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  window = open_window (fixture);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-account", NULL);
  dialog = find_dialog ();
  wait_until (is_mapped, dialog, "the dialog to be shown");

  type_into (dialog, "name_row", "Support");
  type_into (dialog, "host_row", "other.example.com");
  type_into (dialog, "username_row", "other@example.com");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.add", NULL);
  settle ();

  g_assert_true (gtk_widget_has_css_class (editor_row (dialog, "name_row"), "error"));
  g_assert_true (find_dialog () == dialog);

  gtk_window_close (GTK_WINDOW (dialog));
  settle ();
  g_assert_null (find_dialog ());
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/window/list-shows-accounts", Fixture, NULL, fixture_set_up,
              test_list_shows_accounts, fixture_tear_down);
  g_test_add ("/window/switch-saves-enabled", Fixture, NULL, fixture_set_up,
              test_switch_saves_enabled, fixture_tear_down);
  g_test_add ("/window/empty-state", Fixture, NULL, fixture_set_up, test_empty_state,
              fixture_tear_down);
  g_test_add ("/window/add-account", Fixture, NULL, fixture_set_up, test_add_account,
              fixture_tear_down);
  g_test_add ("/window/add-duplicate-name", Fixture, NULL, fixture_set_up,
              test_add_duplicate_name, fixture_tear_down);

  return g_test_run ();
}
