/* test-window.c: the main window and the "Add Account" dialog, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hd-account-dialog.h"
#include "hd-account-row.h"
#include "hd-secrets.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"
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

  empty = ADW_STATUS_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), HD_TYPE_WINDOW,
                                                         "empty_page"));
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

  empty = ADW_STATUS_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), HD_TYPE_WINDOW,
                                                         "empty_page"));
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

static GtkWidget *
dialog_add_button (HdAccountDialog *dialog)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (dialog), HD_TYPE_ACCOUNT_DIALOG,
                                                    "add_button"));
}

static GtkWidget *
dialog_child (HdAccountDialog *dialog,
              const char      *name)
{
  return editor_row (dialog, name);
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

  /* Nothing shows red before a field was touched; Add waits for a valid
   * account and its tooltip says what is missing. */
  g_assert_false (gtk_widget_get_visible (dialog_child (dialog, "error_group")));
  g_assert_false (gtk_widget_has_css_class (editor_row (dialog, "host_row"), "error"));
  g_assert_false (gtk_widget_get_sensitive (dialog_add_button (dialog)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (dialog_add_button (dialog)), "Host Name"));
  g_assert_null (hd_store_lookup_account (fixture->store, "Support", NULL));

  /* A field typed into and emptied again shows its error at once. */
  type_into (dialog, "host_row", "x");
  type_into (dialog, "host_row", "");
  g_assert_true (gtk_widget_has_css_class (editor_row (dialog, "host_row"), "error"));
  g_assert_false (gtk_widget_has_css_class (editor_row (dialog, "name_row"), "error"));

  /* Typing clears the mark and lets the account be added. */
  type_into (dialog, "host_row", "imap.example.com");
  g_assert_false (gtk_widget_has_css_class (editor_row (dialog, "host_row"), "error"));
  g_assert_true (gtk_widget_get_sensitive (dialog_add_button (dialog)));

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

/* A second account with another's account address is refused with a
 * message on that field, in the window as on the command line. */
static void
test_add_duplicate_address (Fixture       *fixture,
                            gconstpointer  data)
{
  HdWindow *window;
  HdAccountDialog *dialog;
  GtkWidget *label;
  g_autoptr (HdAccount) first = hd_account_new ();
  g_autoptr (GError) error = NULL;

  g_object_set (first, "name", "Support", "host", "imap.example.com",
                "port", 993, "username", "helpdesk@example.com",
                "account-address", "help@example.com",
                NULL);
  hd_store_add_account (fixture->store, first, &error);
  g_assert_no_error (error);
  window = open_window (fixture);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-account", NULL);
  dialog = find_dialog ();
  wait_until (is_mapped, dialog, "the dialog to be shown");

  type_into (dialog, "name_row", "Sales");
  type_into (dialog, "host_row", "other.example.com");
  type_into (dialog, "username_row", "sales@example.com");
  type_into (dialog, "account_address_row", "HELP@example.com");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "account.add", NULL);
  settle ();

  g_assert_true (gtk_widget_has_css_class (editor_row (dialog, "account_address_row"), "error"));
  label = editor_row (dialog, "error_label");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "“Support” already has"));
  g_assert_null (hd_store_lookup_account (fixture->store, "Sales", NULL));
  g_assert_true (find_dialog () == dialog);

  gtk_window_close (GTK_WINDOW (dialog));
  settle ();
  close_window (window);
}

static GtkWidget *
window_child (HdWindow   *window,
              const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), HD_TYPE_WINDOW, name));
}

static GtkWidget *
window_editor_row (HdWindow   *window,
                   const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (hd_window_get_editor (window)),
                                                    HD_TYPE_ACCOUNT_EDITOR, name));
}

static void
select_account (HdWindow   *window,
                const char *name)
{
  g_autoptr (GPtrArray) rows = find_all (window, HD_TYPE_ACCOUNT_ROW);

  gtk_list_box_select_row (GTK_LIST_BOX (window_child (window, "account_list")),
                           GTK_LIST_BOX_ROW (row_named (rows, name)));
  settle ();
}

/* Installed actions are not in a public action group under GTK 4.8; the
 * buttons that name them show whether they are enabled, as a user sees it. */
static gboolean
action_enabled (HdWindow   *window,
                const char *button)
{
  settle ();
  return gtk_widget_get_sensitive (window_child (window, button));
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (toplevel))
        return ADW_MESSAGE_DIALOG (toplevel);
    }
  return NULL;
}

static gboolean
secret_is (Fixture    *fixture,
           const char *owner,
           const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *secret = hd_secrets_lookup_sync (HD_SECRET_ACCOUNT_PASSWORD,
                                                    hd_store_get_id (fixture->store), owner,
                                                    NULL, &error);

  g_assert_no_error (error);
  return g_strcmp0 (secret, expected) == 0;
}

typedef struct {
  Fixture *fixture;
  const char *owner;
  const char *secret;
} SecretWait;

static gboolean
secret_arrived (gpointer data)
{
  SecretWait *wait = data;

  /* Each look-up runs the keyring's D-Bus round trip on this thread. */
  return secret_is (wait->fixture, wait->owner, wait->secret);
}

static void
test_edit_rename_and_save (Fixture       *fixture,
                           gconstpointer  data)
{
  HdWindow *window;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) stored = NULL;
  SecretWait wait = { fixture, "Helpdesk", "old-Secret-1" };

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, hd_store_get_id (fixture->store), "Support",
                         "old-Secret-1", NULL, &error);
  g_assert_no_error (error);
  window = open_window (fixture);
  select_account (window, "Support");

  /* Nothing changed yet: nothing to save. */
  g_assert_false (action_enabled (window, "save_button"));
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "name_row")), "Helpdesk");
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "sender_alias_row")),
                         "Example Helpdesk");
  g_assert_true (action_enabled (window, "save_button"));
  g_assert_false (action_enabled (window, "duplicate_button"));

  /* An invalid change is not saved, and the error is on its field. */
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "sender_address_row")),
                         "not an address");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-account", NULL);
  settle ();
  g_assert_true (gtk_widget_has_css_class (window_editor_row (window, "sender_address_row"),
                                           "error"));
  g_assert_null (hd_store_lookup_account (fixture->store, "Helpdesk", NULL));
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "sender_address_row")),
                         "help@example.com");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-account", NULL);
  settle ();
  g_assert_false (action_enabled (window, "save_button"));
  stored = hd_store_lookup_account (fixture->store, "Helpdesk", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_sender_alias (stored), ==, "Example Helpdesk");
  g_assert_cmpstr (hd_account_get_sender_address (stored), ==, "help@example.com");
  g_assert_null (hd_store_lookup_account (fixture->store, "Support", NULL));

  /* The password moved with the name, off the main loop. */
  wait_until (secret_arrived, &wait, "the password to move to the new name");
  g_assert_true (secret_is (fixture, "Support", NULL));

  hd_secrets_clear_owner_sync (hd_store_get_id (fixture->store), "Helpdesk", NULL, &error);
  g_assert_no_error (error);
  close_window (window);
}

static void
test_unsaved_changes_ask (Fixture       *fixture,
                          gconstpointer  data)
{
  HdWindow *window;
  AdwMessageDialog *dialog;
  g_autoptr (HdAccount) stored = NULL;
  GtkListBoxRow *selected;

  add_account (fixture, "Billing", HD_PROTOCOL_POP3, "pop.example.org", TRUE);
  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  window = open_window (fixture);
  select_account (window, "Billing");

  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "host_row")),
                         "pop2.example.org");
  select_account (window, "Support");

  /* The question comes, and the old account stays selected meanwhile. */
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  selected = gtk_list_box_get_selected_row (GTK_LIST_BOX (window_child (window, "account_list")));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (selected)), ==, "Billing");

  adw_message_dialog_response (dialog, "save");
  settle ();
  stored = hd_store_lookup_account (fixture->store, "Billing", NULL);
  g_assert_cmpstr (hd_account_get_host (stored), ==, "pop2.example.org");
  g_assert_cmpstr (hd_account_get_name (hd_account_editor_get_account (
                     hd_window_get_editor (window))), ==, "Support");

  /* Discarding forgets the change. */
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "host_row")), "x.example.org");
  select_account (window, "Billing");
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  settle ();
  g_clear_object (&stored);
  stored = hd_store_lookup_account (fixture->store, "Support", NULL);
  g_assert_cmpstr (hd_account_get_host (stored), ==, "imap.example.com");

  /* Closing the window with a change asks too; cancel keeps it open. */
  gtk_editable_set_text (GTK_EDITABLE (window_editor_row (window, "host_row")), "y.example.org");
  gtk_window_close (GTK_WINDOW (window));
  settle ();
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "cancel");
  settle ();
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Billing is shown again, as saved above; reverting drops the new change. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.revert-account", NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (window_editor_row (window, "host_row"))),
                   ==, "pop2.example.org");
  close_window (window);
}

static void
test_duplicate (Fixture       *fixture,
                gconstpointer  data)
{
  HdWindow *window;
  g_autoptr (HdAccount) copy = NULL;
  g_autoptr (GError) error = NULL;
  SecretWait wait = { fixture, "Support (Copy)", "s3cret" };

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  hd_secrets_store_sync (HD_SECRET_ACCOUNT_PASSWORD, hd_store_get_id (fixture->store), "Support",
                         "s3cret", NULL, &error);
  g_assert_no_error (error);
  window = open_window (fixture);
  select_account (window, "Support");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.duplicate-account", NULL);
  settle ();
  copy = hd_store_lookup_account (fixture->store, "Support (Copy)", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_host (copy), ==, "imap.example.com");
  g_assert_false (hd_account_get_enabled (copy));
  g_assert_cmpstr (hd_account_get_name (hd_account_editor_get_account (
                     hd_window_get_editor (window))), ==, "Support (Copy)");
  wait_until (secret_arrived, &wait, "the password to be copied");

  hd_secrets_clear_owner_sync (hd_store_get_id (fixture->store), "Support", NULL, &error);
  hd_secrets_clear_owner_sync (hd_store_get_id (fixture->store), "Support (Copy)", NULL, &error);
  g_assert_no_error (error);
  close_window (window);
}

/* Seeds a ticket with two steps and an attachment, and a poll run, through
 * the same store calls the poller makes. */
static void
seed_ticket_and_log (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pdf = g_bytes_new_static ("%PDF-1.4", 8);
  gint64 account_id = hd_store_get_account_id (fixture->store, "Support", &error);
  HdTicketSpec ticket = { .subject = "Printer broken", .from_address = "carol@example.org",
                          .account_id = account_id };
  HdStepSpec first = { .from_address = "carol@example.org", .date = "2024-03-01T09:30:00Z",
                       .message_id = "<1@example.org>", .body_text = "It prints only stripes." };
  HdStepSpec second = { .from_address = "carol@example.org", .date = "2024-03-01T10:00:00Z",
                        .message_id = "<2@example.org>", .body_text = "Photo attached." };
  HdPollCounts counts = { .listed = 2, .imported = 1, .skipped = 1 };
  HdPollEvent imported = { .server_key = "1:1", .subject = "Printer broken",
                           .from_address = "carol@example.org", .action = "new-ticket",
                           .reason = "no ticket reference and no known thread: a new ticket" };
  HdPollEvent skipped = { .server_key = "1:2", .subject = "Newsletter",
                          .from_address = "news@example.net", .action = "skip-other-account",
                          .reason = "addressed first to billing@example.com" };
  gint64 ticket_id, step_id, run_id;

  g_assert_no_error (error);
  run_id = hd_store_begin_poll_run (fixture->store, account_id, &error);
  g_assert_no_error (error);
  ticket.poll_run_id = run_id;
  ticket_id = hd_store_create_ticket (fixture->store, &ticket, NULL, &error);
  g_assert_no_error (error);
  hd_store_add_step (fixture->store, ticket_id, &first, NULL, 0, &error);
  g_assert_no_error (error);
  step_id = hd_store_add_step (fixture->store, ticket_id, &second, NULL, 0, &error);
  g_assert_no_error (error);
  hd_store_add_attachment (fixture->store, step_id, "stripes.pdf", "application/pdf", FALSE, pdf,
                           &error);
  g_assert_no_error (error);
  imported.ticket_id = ticket_id;
  hd_store_add_poll_event (fixture->store, run_id, &imported, &error);
  g_assert_no_error (error);
  hd_store_add_poll_event (fixture->store, run_id, &skipped, &error);
  g_assert_no_error (error);
  hd_store_finish_poll_run (fixture->store, run_id, "ok", &counts, 42, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
has_row (GtkWidget  *root,
         GType       type,
         const char *title,
         const char *subtitle_part)
{
  g_autoptr (GPtrArray) rows = find_all (root, type);

  for (guint i = 0; i < rows->len; i++)
    {
      GObject *row = g_ptr_array_index (rows, i);
      g_autofree char *subtitle = NULL;

      g_object_get (row, "subtitle", &subtitle, NULL);
      if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0
          && (subtitle_part == NULL || (subtitle != NULL && strstr (subtitle, subtitle_part))))
        return TRUE;
    }
  return FALSE;
}

static void
test_tickets_and_poll_log (Fixture       *fixture,
                           gconstpointer  data)
{
  HdWindow *window;
  GtkWidget *tickets;
  GtkWidget *log;
  g_autoptr (GPtrArray) account_rows = NULL;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  seed_ticket_and_log (fixture);
  window = open_window (fixture);
  tickets = window_child (window, "tickets_view");
  log = window_child (window, "poll_log_view");

  /* The account row tells the last poll result at a glance. */
  account_rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row_named (
                              account_rows, "Support"))), ": OK"));

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (window_child (window, "view_stack")),
                                         "tickets");
  settle ();
  g_assert_true (has_row (tickets, ADW_TYPE_EXPANDER_ROW, "Printer broken", "Support"));
  {
    g_autoptr (GPtrArray) steps = find_all (tickets, ADW_TYPE_ACTION_ROW);
    gboolean saw_text = FALSE, saw_attachment = FALSE;
    guint n_steps = 0;

    /* An expander row has an action row of its own inside; steps are the
     * rows headed by their sender. */
    for (guint i = 0; i < steps->len; i++)
      {
        const char *title = adw_preferences_row_get_title (g_ptr_array_index (steps, i));
        const char *subtitle = adw_action_row_get_subtitle (g_ptr_array_index (steps, i));

        if (!g_str_has_prefix (title, "In: carol@example.org · "))
          continue;
        n_steps++;
        saw_text |= strstr (subtitle, "It prints only stripes.") != NULL;
        saw_attachment |= strstr (subtitle, "Attachments: stripes.pdf (8 bytes)") != NULL;
      }
    g_assert_cmpuint (n_steps, ==, 2);
    g_assert_true (saw_text);
    g_assert_true (saw_attachment);
  }

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (window_child (window, "view_stack")),
                                         "log");
  settle ();
  g_assert_true (has_row (log, ADW_TYPE_ACTION_ROW, "Printer broken",
                          "New ticket — no ticket reference and no known thread: a new ticket"));
  g_assert_true (has_row (log, ADW_TYPE_ACTION_ROW, "Newsletter",
                          "Skipped: for another account — addressed first to billing@example.com"));
  {
    g_autoptr (GPtrArray) groups = find_all (log, ADW_TYPE_PREFERENCES_GROUP);
    gboolean found = FALSE;

    for (guint i = 0; i < groups->len; i++)
      found |= g_strcmp0 (adw_preferences_group_get_title (g_ptr_array_index (groups, i)),
                          "Support") == 0;
    g_assert_true (found);
  }

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

  g_test_add ("/window/add-duplicate-address", Fixture, NULL, fixture_set_up,
              test_add_duplicate_address, fixture_tear_down);
  g_test_add ("/window/edit-rename-and-save", Fixture, NULL, fixture_set_up,
              test_edit_rename_and_save, fixture_tear_down);
  g_test_add ("/window/unsaved-changes-ask", Fixture, NULL, fixture_set_up,
              test_unsaved_changes_ask, fixture_tear_down);
  g_test_add ("/window/duplicate", Fixture, NULL, fixture_set_up, test_duplicate,
              fixture_tear_down);
  g_test_add ("/window/tickets-and-poll-log", Fixture, NULL, fixture_set_up,
              test_tickets_and_poll_log, fixture_tear_down);

  return g_test_run ();
}
