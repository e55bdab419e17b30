/* test-window.c: the main window, in process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hd-account-dialog.h"
#include "hd-account-row.h"
#include "hd-poll-log-view.h"
#include "hd-secrets.h"
#include "hd-store-health.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"
#include "hd-tickets-view.h"
#include "hd-window.h"
#include "window-test-util.h"

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
  /* No poller reads this database, also when another test's runs on the bus. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "IMAP · imap.example.com\nNever polled\nThe poller is not running");
  enabled = find_one (row, GTK_TYPE_SWITCH);
  g_assert_true (gtk_switch_get_active (enabled));

  row = row_named (rows, "Billing & Invoices");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "POP3 · pop.example.org\nNever polled\nThe poller is not running");
  enabled = find_one (row, GTK_TYPE_SWITCH);
  g_assert_false (gtk_switch_get_active (enabled));

  empty = ADW_STATUS_PAGE (gtk_widget_get_template_child (GTK_WIDGET (window), HD_TYPE_WINDOW,
                                                         "empty_page"));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (empty)));

  close_window (window);
}

static gboolean
account_disabled (gpointer account)
{
  return !hd_account_get_enabled (account);
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
  /* The switch saves in a worker thread; the row's account follows once
   * the store has it. */
  wait_until (account_disabled, hd_account_row_get_account (row_named (rows, "Support")),
              "the switch's save to land");

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

/* A save, duplicate or remove runs in a worker thread; the window shows a
 * spinner until it is done. */
static gboolean
is_busy (HdWindow *window)
{
  return gtk_widget_get_visible (window_child (window, "busy_box"));
}

static gboolean
change_landed (gpointer data)
{
  return !is_busy (data);
}

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
  /* While the save runs, it cannot be started twice. */
  g_assert_true (is_busy (window));
  g_assert_false (action_enabled (window, "save_button"));
  wait_until (change_landed, window, "the save to land");
  g_assert_false (action_enabled (window, "save_button"));
  stored = hd_store_lookup_account (fixture->store, "Helpdesk", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_sender_alias (stored), ==, "Example Helpdesk");
  g_assert_cmpstr (hd_account_get_sender_address (stored), ==, "help@example.com");
  g_assert_null (hd_store_lookup_account (fixture->store, "Support", NULL));

  /* The password moved with the name, in the same change. */
  g_assert_true (secret_arrived (&wait));
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
  /* Support is shown only once Billing is saved. */
  g_assert_true (is_busy (window));
  g_assert_cmpstr (hd_account_get_name (hd_account_editor_get_account (
                     hd_window_get_editor (window))), ==, "Billing");
  wait_until (change_landed, window, "the save to land");
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
  wait_until (change_landed, window, "the duplicate to land");
  copy = hd_store_lookup_account (fixture->store, "Support (Copy)", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hd_account_get_host (copy), ==, "imap.example.com");
  g_assert_false (hd_account_get_enabled (copy));
  g_assert_cmpstr (hd_account_get_name (hd_account_editor_get_account (
                     hd_window_get_editor (window))), ==, "Support (Copy)");
  /* The password was copied in the same change. */
  g_assert_true (secret_arrived (&wait));

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
  /* What the poll job records after a good run. */
  hd_store_record_health (fixture->store, account_id, HD_HEALTH_OK, NULL, TRUE, &error);
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

static gboolean
tickets_loaded (gpointer view)
{
  return !hd_tickets_view_is_loading (view);
}

static gboolean
log_loaded (gpointer view)
{
  return !hd_poll_log_view_is_loading (view);
}

/* Saves an attachment through the view as its button's chooser does, and
 * waits for the answer. */
static gboolean
save_attachment (GtkWidget  *tickets,
                 gint64      attachment_id,
                 GFile      *target,
                 GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  hd_tickets_view_save_attachment (HD_TICKETS_VIEW (tickets), attachment_id, target, NULL,
                                   keep_result_cb, &result);
  wait_for_result (&result, "the attachment to be saved");
  return hd_tickets_view_save_attachment_finish (HD_TICKETS_VIEW (tickets), result, error);
}

/* The button as an agent uses it: the chooser (GTK's own dialog, as the
 * tests run without portals) suggests the attachment's name, and accepting
 * it writes the file and says so in a toast. */
static void
check_save_through_chooser (Fixture   *fixture,
                            HdWindow  *window,
                            GtkWidget *button)
{
  g_autofree char *path = g_build_filename (fixture->dir, "via-chooser.pdf", NULL);
  g_autoptr (GFile) folder = g_file_new_for_path (fixture->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *suggested = NULL;
  GtkFileChooser *chooser;
  gsize length;

  gtk_widget_activate (button);
  chooser = wait_for_file_chooser (TRUE);
  suggested = gtk_file_chooser_get_current_name (chooser);
  g_assert_cmpstr (suggested, ==, "stripes.pdf");
  /* The chooser takes a new folder once it has loaded the first. */
  settle ();
  gtk_file_chooser_set_current_folder (chooser, folder, &error);
  g_assert_no_error (error);
  wait_for_folder (chooser, folder);
  gtk_file_chooser_set_current_name (chooser, "via-chooser.pdf");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  wait_for_file_chooser (FALSE);
  wait_for_label (window, "Saved “via-chooser.pdf”", "the toast that tells the file is saved");
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, "%PDF-1.4", 8);
}

/* The step's button that saves stripes.pdf is named for assistive
 * technology; the file it writes holds exactly the attachment's bytes, and
 * an attachment that is not there fails without leaving a file. */
static void
check_save_attachment (Fixture   *fixture,
                       HdWindow  *window,
                       GtkWidget *tickets)
{
  g_autoptr (GPtrArray) buttons = find_all (tickets, GTK_TYPE_BUTTON);
  g_autofree char *path = g_build_filename (fixture->dir, "saved.pdf", NULL);
  g_autofree char *missing_path = g_build_filename (fixture->dir, "missing.pdf", NULL);
  g_autoptr (GFile) target = g_file_new_for_path (path);
  g_autoptr (GFile) missing = g_file_new_for_path (missing_path);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  GtkWidget *button = NULL;
  gint64 attachment_id;
  gsize length;

  for (guint i = 0; i < buttons->len; i++)
    {
      g_autofree char *differs = NULL;

      differs = gtk_test_accessible_check_property (g_ptr_array_index (buttons, i),
                                                    GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                    "Save “stripes.pdf”…");
      if (differs == NULL)
        {
          g_assert_null (button);
          button = g_ptr_array_index (buttons, i);
        }
    }
  g_assert_nonnull (button);
  check_save_through_chooser (fixture, window, button);
  attachment_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "attachment-id"));
  g_assert_cmpint (attachment_id, >, 0);

  g_assert_true (save_attachment (tickets, attachment_id, target, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, "%PDF-1.4", 8);

  g_assert_false (save_attachment (tickets, attachment_id + 1000, missing, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (missing_path, G_FILE_TEST_EXISTS));
  /* The file saved before is left as it was. */
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, "%PDF-1.4", 8);
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

  /* The account row tells the stored health at a glance (no poller on the
   * test's bus watches this database). */
  account_rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row_named (account_rows,
                                                                          "Support"))), ==,
                   "IMAP · imap.example.com\nOK\nThe poller is not running");

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (window_child (window, "view_stack")),
                                         "tickets");
  wait_until (tickets_loaded, tickets, "the tickets to be read");
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
  check_save_attachment (fixture, window, tickets);

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (window_child (window, "view_stack")),
                                         "log");
  wait_until (log_loaded, log, "the poll log to be read");
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

/* An OAuth account whose refresh token was refused: the row says that a
 * sign-in is needed, with the warning sign of a failing account. */
static void
test_sign_in_required_row (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GPtrArray) images = NULL;
  HdWindow *window;
  GtkWidget *row;
  gboolean warned = FALSE;
  gint64 account_id;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  add_account (fixture, "Sales", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  account_id = hd_store_get_account_id (fixture->store, "Support", &error);
  g_assert_no_error (error);
  hd_store_record_health (fixture->store, account_id, HD_HEALTH_SIGN_IN_REQUIRED,
                          "AADSTS70000: The refresh token was revoked", TRUE, &error);
  g_assert_no_error (error);
  window = open_window (fixture);

  rows = find_all (window, HD_TYPE_ACCOUNT_ROW);
  row = GTK_WIDGET (row_named (rows, "Support"));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "IMAP · imap.example.com\nSign-in required\nThe poller is not running");
  images = find_all (row, GTK_TYPE_IMAGE);
  for (guint i = 0; i < images->len; i++)
    {
      GtkImage *image = g_ptr_array_index (images, i);

      warned |= gtk_widget_get_visible (GTK_WIDGET (image))
                && g_strcmp0 (gtk_image_get_icon_name (image), "dialog-warning-symbolic") == 0
                && gtk_widget_has_css_class (GTK_WIDGET (image), "error");
    }
  g_assert_true (warned);
  /* The account that was never polled says so, and shows no sign. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row_named (rows, "Sales"))), ==,
                   "IMAP · imap.example.com\nNever polled\nThe poller is not running");

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
  g_test_add ("/window/edit-rename-and-save", Fixture, NULL, fixture_set_up,
              test_edit_rename_and_save, fixture_tear_down);
  g_test_add ("/window/unsaved-changes-ask", Fixture, NULL, fixture_set_up,
              test_unsaved_changes_ask, fixture_tear_down);
  g_test_add ("/window/duplicate", Fixture, NULL, fixture_set_up, test_duplicate,
              fixture_tear_down);
  g_test_add ("/window/tickets-and-poll-log", Fixture, NULL, fixture_set_up,
              test_tickets_and_poll_log, fixture_tear_down);
  g_test_add ("/window/sign-in-required-row", Fixture, NULL, fixture_set_up,
              test_sign_in_required_row, fixture_tear_down);

  return g_test_run ();
}
