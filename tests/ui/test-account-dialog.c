/* test-account-dialog.c: the "Add Account" dialog of the window, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "hd-secrets.h"
#include "window-test-util.h"

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

/* The add runs in a worker thread; its error comes back to the field. */
static gboolean
has_error (gpointer row)
{
  return gtk_widget_has_css_class (row, "error");
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
  wait_until (has_error, editor_row (dialog, "name_row"), "the store's refusal");

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
  wait_until (has_error, editor_row (dialog, "account_address_row"), "the store's refusal");

  g_assert_true (gtk_widget_has_css_class (editor_row (dialog, "account_address_row"), "error"));
  label = editor_row (dialog, "error_label");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "“Support” already has"));
  g_assert_null (hd_store_lookup_account (fixture->store, "Sales", NULL));
  g_assert_true (find_dialog () == dialog);

  gtk_window_close (GTK_WINDOW (dialog));
  settle ();
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/account-dialog/add-account", Fixture, NULL, fixture_set_up, test_add_account,
              fixture_tear_down);
  g_test_add ("/account-dialog/add-duplicate-name", Fixture, NULL, fixture_set_up,
              test_add_duplicate_name, fixture_tear_down);
  g_test_add ("/account-dialog/add-duplicate-address", Fixture, NULL, fixture_set_up,
              test_add_duplicate_address, fixture_tear_down);

  return g_test_run ();
}
