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
#include "hd-page-loader.h"
#include "hd-store-polls.h"

/* How many poll runs a page holds unless told otherwise. */
#define DEFAULT_PAGE_SIZE 100

struct _HdPollLogView
{
  AdwBin parent_instance;

  GPtrArray *groups;
  /* The group of each account's runs, by the account's name. */
  GHashTable *by_account;
  HdStore *store;
  HdPageLoader *loader;
  guint page_size;

  GtkStack *stack;
  AdwPreferencesPage *page;
  AdwPreferencesGroup *more_group;
  GtkWidget *more_button;
};

G_DEFINE_FINAL_TYPE (HdPollLogView, hd_poll_log_view, ADW_TYPE_BIN)

enum {
  LOAD_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

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

/* What making a ticket from a kept copy needs in its worker. */
typedef struct {
  char *path;
  gint64 run_id;
  char *server_key;
} MakeTicket;

static void
make_ticket_free (MakeTicket *make)
{
  g_free (make->path);
  g_free (make->server_key);
  g_free (make);
}

static void
make_ticket_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  MakeTicket *make = task_data;
  g_autoptr (HdStore) store = NULL;
  GError *error = NULL;
  gint64 ticket = 0;

  store = hd_store_open (make->path, &error);
  if (store != NULL)
    ticket = hd_ingest_make_ticket_from_log (store, make->run_id, make->server_key, NULL,
                                             &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, ticket);
}

static void
make_ticket_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  HdPollLogView *self = HD_POLL_LOG_VIEW (object);
  g_autoptr (GError) error = NULL;
  GtkRoot *root;
  AdwMessageDialog *dialog;

  if (g_task_propagate_int (G_TASK (result), &error) != 0)
    {
      /* The entry now names its ticket, and offers it no more. */
      if (self->store != NULL)
        hd_poll_log_view_reload (self, self->store);
      return;
    }
  if (error == NULL || self->stack == NULL)
    return;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                             : NULL,
                                                       _("No Ticket Was Made"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The ticket is written, and perhaps answered by mail, in a worker thread
 * on a connection of its own: the window never waits for the poller's
 * write lock or a mail server. */
static void
make_ticket_clicked_cb (GtkButton     *button,
                        HdPollLogView *self)
{
  g_autoptr (GTask) task = NULL;
  MakeTicket *make;

  if (self->store == NULL)
    return;
  make = g_new0 (MakeTicket, 1);
  make->path = g_strdup (hd_store_get_path (self->store));
  make->run_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "run-id"));
  make->server_key = g_strdup (g_object_get_data (G_OBJECT (button), "server-key"));
  task = g_task_new (self, NULL, make_ticket_cb, NULL);
  g_task_set_source_tag (task, make_ticket_clicked_cb);
  g_task_set_task_data (task, make, (GDestroyNotify) make_ticket_free);
  g_task_run_in_thread (task, make_ticket_thread);
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
           const char    *account)
{
  AdwPreferencesGroup *group = g_hash_table_lookup (self->by_account, account);

  if (group != NULL)
    return group;

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, account);
  /* "Load More" stays below every account's runs; the page would drop
   * the last reference to it while it moves. */
  g_object_ref (self->more_group);
  adw_preferences_page_remove (self->page, self->more_group);
  adw_preferences_page_add (self->page, group);
  adw_preferences_page_add (self->page, self->more_group);
  g_object_unref (self->more_group);
  g_ptr_array_add (self->groups, group);
  g_hash_table_insert (self->by_account, g_strdup (account), group);
  return group;
}

static void
clear_groups (HdPollLogView *self)
{
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);
  g_hash_table_remove_all (self->by_account);
}

/* The page query, in the loader's worker thread. */
static JsonNode *
query_page (HdStore       *store,
            gint64         before,
            guint          limit,
            GCancellable  *cancellable,
            GError       **error)
{
  return hd_store_poll_log_page_to_json (store, NULL, before, limit, error);
}

static void
load_failed (gpointer      view,
             const GError *error)
{
  g_signal_emit (view, signals[LOAD_FAILED], 0, error);
}

/* A page the loader read: rows below those shown, or instead of them. */
static void
show_page (gpointer   view,
           JsonArray *runs,
           gboolean   append,
           gboolean   more)
{
  HdPollLogView *self = HD_POLL_LOG_VIEW (view);

  if (!append)
    clear_groups (self);
  for (guint i = 0; i < json_array_get_length (runs); i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      guint n_groups = g_hash_table_size (self->by_account);
      AdwPreferencesGroup *group = group_for (self, member_string (run, "account"));
      GtkWidget *row = run_row (self, run);

      /* The newest run of each account is open: it is what an admin looks for. */
      if (g_hash_table_size (self->by_account) > n_groups)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      adw_preferences_group_add (group, row);
    }
  gtk_widget_set_visible (self->more_button, more);
  gtk_stack_set_visible_child_name (self->stack, self->groups->len > 0 ? "list" : "empty");
}

static void
more_clicked_cb (HdPollLogView *self)
{
  if (self->store != NULL)
    hd_page_loader_load_more (self->loader, self->store, self->page_size);
}

static void
hd_poll_log_view_dispose (GObject *object)
{
  HdPollLogView *self = HD_POLL_LOG_VIEW (object);

  g_ptr_array_set_size (self->groups, 0);
  hd_page_loader_cancel (self->loader);
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
  g_clear_pointer (&self->loader, hd_page_loader_free);
  g_clear_pointer (&self->by_account, g_hash_table_unref);

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
  gtk_widget_class_bind_template_child (widget_class, HdPollLogView, more_group);
  gtk_widget_class_bind_template_child (widget_class, HdPollLogView, more_button);
  gtk_widget_class_bind_template_callback (widget_class, more_clicked_cb);

  /**
   * HdPollLogView::load-failed:
   * @error: what the store said
   *
   * The poll log could not be read.
   */
  signals[LOAD_FAILED] =
    g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hd_poll_log_view_init (HdPollLogView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The groups are the page's; the array only remembers which to take out. */
  self->groups = g_ptr_array_new ();
  self->by_account = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->page_size = DEFAULT_PAGE_SIZE;
  self->loader = hd_page_loader_new (query_page, show_page, load_failed, self);
}

/**
 * hd_poll_log_view_reload:
 * @store: the database to read the poll log from
 *
 * Shows the newest page of poll runs of every account, newest first,
 * grouped by account, read in a worker thread; "Load More" shows the page
 * before. A failure is told by #HdPollLogView::load-failed.
 */
void
hd_poll_log_view_reload (HdPollLogView *self,
                         HdStore       *store)
{
  g_return_if_fail (HD_IS_POLL_LOG_VIEW (self));
  g_return_if_fail (HD_IS_STORE (store));

  g_set_object (&self->store, store);
  hd_page_loader_load (self->loader, self->store, self->page_size);
}

/**
 * hd_poll_log_view_set_page_size:
 * @page_size: how many poll runs a reload and each "Load More" show
 */
void
hd_poll_log_view_set_page_size (HdPollLogView *self,
                                guint          page_size)
{
  g_return_if_fail (HD_IS_POLL_LOG_VIEW (self));
  g_return_if_fail (page_size > 0);

  self->page_size = page_size;
}

/**
 * hd_poll_log_view_is_loading:
 *
 * Returns: whether a page is being read
 */
gboolean
hd_poll_log_view_is_loading (HdPollLogView *self)
{
  g_return_val_if_fail (HD_IS_POLL_LOG_VIEW (self), FALSE);

  return hd_page_loader_is_loading (self->loader);
}
