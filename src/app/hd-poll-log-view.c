/* hd-poll-log-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-log-view.h"

#include <glib/gi18n.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>

#include "hd-format.h"
#include "hd-ingest.h"
#include "hd-store-polls.h"

struct _HdPollLogView
{
  AdwBin parent_instance;

  GPtrArray *groups;
  HdStore *store;

  GtkStack *stack;
  AdwPreferencesPage *page;
};

G_DEFINE_FINAL_TYPE (HdPollLogView, hd_poll_log_view, ADW_TYPE_BIN)

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;
}

static void
make_ticket_clicked_cb (GtkButton     *button,
                        HdPollLogView *self)
{
  gint64 run_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "run-id"));
  const char *server_key = g_object_get_data (G_OBJECT (button), "server-key");
  g_autoptr (GError) error = NULL;
  GtkRoot *root;
  AdwMessageDialog *dialog;

  if (self->store != NULL
      && hd_ingest_make_ticket_from_log (self->store, run_id, server_key, NULL, &error) != 0)
    {
      /* The entry now names its ticket, and offers it no more. */
      if (!hd_poll_log_view_reload (self, self->store, &error))
        g_warning ("Could not read the poll log again: %s", error->message);
      return;
    }
  if (error == NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                             : NULL,
                                                       _("No Ticket Was Made"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A mail that left the server without a ticket can be made into one, once;
 * afterwards its entry names the ticket. */
static void
add_rescue (HdPollLogView *self,
            GtkWidget     *row,
            gint64         run_id,
            JsonObject    *event)
{
  const char *server_key = member_string (event, "server_key");
  gint64 made = member_int (event, "made_ticket");

  if (made != 0)
    {
      /* Translators: A poll log entry made into a ticket: its number. */
      g_autofree char *text = g_strdup_printf (_("Made into ticket %" PRId64), made);
      GtkWidget *label = gtk_label_new (text);

      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  else if (member_int (event, "raw_size") > 0 && server_key != NULL)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Make Ticket"));
      /* Translators: The accessible name of the button; the subject follows. */
      g_autofree char *name = g_strdup_printf (_("Make Ticket: %s"),
                                               adw_preferences_row_get_title (
                                                 ADW_PREFERENCES_ROW (row)));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name, -1);
      gtk_widget_set_tooltip_text (button, _("Runs the kept copy through the rules of a new mail, "
                                             "as neither another account’s nor a duplicate"));
      g_object_set_data (G_OBJECT (button), "run-id", GSIZE_TO_POINTER (run_id));
      g_object_set_data_full (G_OBJECT (button), "server-key", g_strdup (server_key), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (make_ticket_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
}

static GtkWidget *
event_row (HdPollLogView *self,
           gint64         run_id,
           JsonObject    *event)
{
  GtkWidget *row = adw_action_row_new ();
  const char *subject = member_string (event, "subject");
  const char *from = member_string (event, "from");
  const char *reason = member_string (event, "reason");
  g_autofree char *subtitle = NULL;

  /* Translators: One mail of a poll: what was done with it, then why. */
  subtitle = g_strdup_printf (_("%s — %s"), hd_format_action (member_string (event, "action")),
                              reason != NULL ? reason : "");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), subject != NULL && *subject != '\0'
                                                            ? subject : _("(no subject)"));
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (from != NULL)
    {
      GtkWidget *label = gtk_label_new (from);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
      /* A long reason wraps rather than squeezing the sender to "carol…org". */
      gtk_label_set_width_chars (GTK_LABEL (label), (int) MIN (g_utf8_strlen (from, -1), 28));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  add_rescue (self, row, run_id, event);
  return row;
}

static GtkWidget *
run_row (HdPollLogView *self,
         JsonObject    *run)
{
  GtkWidget *row = adw_expander_row_new ();
  JsonArray *events = json_object_get_array_member (run, "events");
  g_autofree char *date = hd_format_date (member_string (run, "started"));
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *status = member_string (run, "status");
  const char *error = member_string (run, "error");
  const char *status_words;

  if (g_strcmp0 (status, "ok") == 0)
    status_words = C_("poll", "OK");
  else if (g_strcmp0 (status, "failed") == 0)
    status_words = C_("poll", "Failed");
  else
    status_words = C_("poll", "Running");
  /* Translators: A poll run: its start date, then how it ended. */
  title = g_strdup_printf (_("%s · %s"), date, status_words);
  if (error != NULL)
    subtitle = g_strdup (error);
  else
    /* Translators: The counts of one poll run. */
    subtitle = g_strdup_printf (_("%u listed, %u imported, %u skipped, %u failed, %u deleted"),
                                (guint) member_int (run, "listed"),
                                (guint) member_int (run, "imported"),
                                (guint) member_int (run, "skipped"),
                                (guint) member_int (run, "failed"),
                                (guint) member_int (run, "deleted"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (g_strcmp0 (status, "failed") == 0)
    adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row),
                                 gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                              event_row (self, member_int (run, "id"),
                                         json_array_get_object_element (events, i)));
  return row;
}

static AdwPreferencesGroup *
group_for (HdPollLogView *self,
           GHashTable    *by_account,
           const char    *account)
{
  AdwPreferencesGroup *group = g_hash_table_lookup (by_account, account);

  if (group != NULL)
    return group;

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, account);
  adw_preferences_page_add (self->page, group);
  g_ptr_array_add (self->groups, group);
  g_hash_table_insert (by_account, g_strdup (account), group);
  return group;
}

static void
hd_poll_log_view_dispose (GObject *object)
{
  HdPollLogView *self = HD_POLL_LOG_VIEW (object);

  g_ptr_array_set_size (self->groups, 0);
  g_clear_object (&self->store);
  /* AdwBin 1.2 unparents its child in its own dispose; the template's
   * child goes first so that it is not unparented twice. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_POLL_LOG_VIEW);

  G_OBJECT_CLASS (hd_poll_log_view_parent_class)->dispose (object);
}

static void
hd_poll_log_view_finalize (GObject *object)
{
  HdPollLogView *self = HD_POLL_LOG_VIEW (object);

  g_clear_pointer (&self->groups, g_ptr_array_unref);

  G_OBJECT_CLASS (hd_poll_log_view_parent_class)->finalize (object);
}

static void
hd_poll_log_view_class_init (HdPollLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hd_poll_log_view_dispose;
  object_class->finalize = hd_poll_log_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-poll-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HdPollLogView, stack);
  gtk_widget_class_bind_template_child (widget_class, HdPollLogView, page);
}

static void
hd_poll_log_view_init (HdPollLogView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The groups are the page's; the array only remembers which to take out. */
  self->groups = g_ptr_array_new ();
}

/**
 * hd_poll_log_view_reload:
 * @store: the database to read the poll log from
 *
 * Shows the poll runs of every account, newest first, grouped by account.
 *
 * Returns: %TRUE if the log could be read
 */
gboolean
hd_poll_log_view_reload (HdPollLogView *self,
                         HdStore       *store,
                         GError       **error)
{
  g_autoptr (JsonNode) log = NULL;
  g_autoptr (GHashTable) by_account = NULL;
  JsonArray *runs;
  guint n_groups = 0;

  g_return_val_if_fail (HD_IS_POLL_LOG_VIEW (self), FALSE);
  g_return_val_if_fail (HD_IS_STORE (store), FALSE);

  log = hd_store_poll_log_to_json (store, NULL, error);
  if (log == NULL)
    return FALSE;

  g_set_object (&self->store, store);
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);

  by_account = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  runs = json_node_get_array (log);
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      AdwPreferencesGroup *group = group_for (self, by_account, member_string (run, "account"));

      GtkWidget *row = run_row (self, run);

      /* The newest run of each account is open: it is what an admin looks for. */
      if (g_hash_table_size (by_account) > n_groups)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      n_groups = g_hash_table_size (by_account);
      adw_preferences_group_add (group, row);
    }
  gtk_stack_set_visible_child_name (self->stack, self->groups->len > 0 ? "list" : "empty");
  return TRUE;
}
