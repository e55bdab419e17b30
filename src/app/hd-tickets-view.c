/* hd-tickets-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-tickets-view.h"

#include <glib/gi18n.h>

#include "hd-compose-dialog.h"
#include "hd-format.h"
#include "hd-page-loader.h"
#include "hd-store-attachments.h"
#include "hd-store-tickets.h"

/* How many tickets a page holds unless told otherwise. */
#define DEFAULT_PAGE_SIZE 100

struct _HdTicketsView
{
  AdwBin parent_instance;

  GPtrArray *rows;
  HdStore *store;
  HdPageLoader *loader;
  guint page_size;
  /* Cancels the saves the agent started when the view goes. */
  GCancellable *cancellable;

  GtkStack *stack;
  AdwPreferencesGroup *group;
  GtkWidget *more_button;
};

G_DEFINE_FINAL_TYPE (HdTicketsView, hd_tickets_view, ADW_TYPE_BIN)

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

static char *
attachments_text (JsonArray *attachments)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (attachments); i++)
    {
      JsonObject *attachment = json_array_get_object_element (attachments, i);
      g_autofree char *size = g_format_size (json_object_get_int_member (attachment, "size"));
      const char *filename = member_string (attachment, "filename");

      if (text->len > 0)
        g_string_append (text, ", ");
      /* Translators: One attachment: its file name and its size. */
      g_string_append_printf (text, _("%s (%s)"),
                              filename != NULL ? filename : _("unnamed"), size);
    }
  return g_string_free (text, FALSE);
}

static gboolean
member_true (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_boolean (node);
}

static GtkWidget *
direction_icon (const char *icon_name,
                const char *label)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  return image;
}

static void save_clicked_cb (GtkButton     *button,
                             HdTicketsView *self);

/* One button a saveable attachment, named by its file name: a step may
 * carry several, and an icon alone would not tell them apart. */
static GtkWidget *
save_buttons (HdTicketsView *self,
              JsonArray     *attachments)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  for (guint i = 0; i < json_array_get_length (attachments); i++)
    {
      JsonObject *attachment = json_array_get_object_element (attachments, i);
      const char *filename = member_string (attachment, "filename");
      GtkWidget *button = gtk_button_new ();
      GtkWidget *content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *label;
      g_autofree char *name = NULL;

      if (filename == NULL)
        filename = _("unnamed");
      label = gtk_label_new (filename);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
      gtk_box_append (GTK_BOX (content), gtk_image_new_from_icon_name ("document-save-symbolic"));
      gtk_box_append (GTK_BOX (content), label);
      gtk_button_set_child (GTK_BUTTON (button), content);
      /* Translators: The accessible name and tooltip of the button that
       * saves an attachment to a file; the file name follows. */
      name = g_strdup_printf (_("Save “%s”…"), filename);
      gtk_widget_set_tooltip_text (button, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                      -1);
      g_object_set_data (G_OBJECT (button), "attachment-id",
                         GSIZE_TO_POINTER (json_object_get_int_member (attachment, "id")));
      g_object_set_data_full (G_OBJECT (button), "filename", g_strdup (filename), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (save_clicked_cb), self, 0);
      gtk_box_append (GTK_BOX (box), button);
    }
  return box;
}

static GtkWidget *
step_row (HdTicketsView *self,
          JsonObject    *step)
{
  GtkWidget *row = adw_action_row_new ();
  JsonArray *attachments = json_object_get_array_member (step, "attachments");
  g_autofree char *date = hd_format_date (member_string (step, "date"));
  g_autofree char *title = NULL;
  g_autoptr (GString) subtitle = g_string_new (NULL);
  gboolean out = g_strcmp0 (member_string (step, "direction"), "out") == 0;
  gboolean undeliverable = member_true (step, "undeliverable");

  if (out)
    /* Translators: A step we sent: the sender, then the date. */
    title = g_strdup_printf (_("Out: %s · %s"), member_string (step, "from"), date);
  else if (undeliverable)
    /* Translators: A bounce: the sender (a mail server), then the date. */
    title = g_strdup_printf (_("Undeliverable: %s · %s"), member_string (step, "from"), date);
  else
    /* Translators: A step that came in: the sender, then the date. */
    title = g_strdup_printf (_("In: %s · %s"), member_string (step, "from"), date);

  if (undeliverable)
    {
      const char *recipient = member_string (step, "failed_recipient");
      const char *status = member_string (step, "delivery_status");

      /* Translators: What a bounce says: whom the mail did not reach, and why. */
      g_string_append_printf (subtitle, _("Not delivered to %s: %s"),
                              recipient != NULL ? recipient : _("an unknown recipient"),
                              status != NULL ? status : _("no reason given"));
      g_string_append (subtitle, "\n\n");
    }
  g_string_append (subtitle, member_string (step, "text"));
  if (attachments != NULL && json_array_get_length (attachments) > 0)
    {
      g_autofree char *files = attachments_text (attachments);

      if (subtitle->len > 0)
        g_string_append (subtitle, "\n\n");
      /* Translators: The attachments of a ticket step, a list of names and sizes. */
      g_string_append_printf (subtitle, _("Attachments: %s"), files);
    }

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle->str);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  if (undeliverable)
    {
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 direction_icon ("dialog-warning-symbolic", _("Undeliverable")));
      gtk_widget_add_css_class (row, "error");
    }
  else if (out)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                               direction_icon ("mail-send-symbolic", _("Sent")));
  else
    adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                               direction_icon ("mail-unread-symbolic", _("Received")));
  if (attachments != NULL && json_array_get_length (attachments) > 0)
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), save_buttons (self, attachments));
  return row;
}

static void
sent_cb (HdTicketsView *self)
{
  if (self->store != NULL)
    hd_tickets_view_reload (self, self->store);
}

static void
write_clicked_cb (GtkButton     *button,
                  HdTicketsView *self)
{
  gint64 ticket_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "ticket-id"));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr (GError) error = NULL;
  HdComposeDialog *dialog;

  dialog = hd_compose_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->store,
                                  ticket_id, &error);
  if (dialog == NULL)
    {
      g_warning ("Could not write from ticket %" G_GINT64_FORMAT ": %s", ticket_id,
                 error->message);
      return;
    }
  g_signal_connect_object (dialog, "sent", G_CALLBACK (sent_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Tells the agent through the window's toasts; a view outside a window
 * (as in the widget tests) has no one to tell but the log. */
static void
toast (HdTicketsView *self,
       const char    *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *markup = g_markup_escape_text (text, -1);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (markup));
  else
    g_message ("%s", text);
}

static void
saved_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  HdTicketsView *self = HD_TICKETS_VIEW (object);
  g_autoptr (GFile) target = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *basename = g_file_get_basename (target);
  g_autofree char *text = NULL;

  if (!hd_tickets_view_save_attachment_finish (self, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stack == NULL)
        return;
      /* Translators: A toast: the file that could not be written, then why. */
      text = g_strdup_printf (_("Could not save “%s”: %s"), basename, error->message);
    }
  else if (self->stack == NULL)
    return;
  else
    /* Translators: A toast after an attachment was written to this file. */
    text = g_strdup_printf (_("Saved “%s”"), basename);
  toast (self, text);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  g_autoptr (HdTicketsView) self = user_data;
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (chooser), "attachment-id"));
  g_autoptr (GFile) target = NULL;

  if (response == GTK_RESPONSE_ACCEPT && self->stack != NULL)
    target = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (target != NULL)
    hd_tickets_view_save_attachment (self, id, target, self->cancellable, saved_cb,
                                     g_object_ref (target));
  g_object_unref (chooser);
}

static void
save_clicked_cb (GtkButton     *button,
                 HdTicketsView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  /* Translators: The title of the file chooser that saves an attachment. */
  chooser = gtk_file_chooser_native_new (_("Save Attachment"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser),
                                     g_object_get_data (G_OBJECT (button), "filename"));
  g_object_set_data (G_OBJECT (chooser), "attachment-id",
                     g_object_get_data (G_OBJECT (button), "attachment-id"));
  /* The chooser is ours until it answers; the answer holds a ref on the view. */
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GtkWidget *
ticket_row (HdTicketsView *self,
            JsonObject    *ticket)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *write;
  gint64 id = json_object_get_int_member (ticket, "id");
  g_autofree char *date = hd_format_date (member_string (ticket, "created"));
  g_autofree char *subtitle = NULL;
  const char *subject = member_string (ticket, "subject");
  const char *user = member_string (ticket, "user");
  JsonArray *steps = json_object_get_array_member (ticket, "steps");

  /* Translators: Under a ticket's subject: its reference, user, account and date. */
  subtitle = g_strdup_printf (_("%s · %s · %s · %s"), member_string (ticket, "reference"),
                              user != NULL ? user : C_("user", "No user"),
                              member_string (ticket, "account"), date);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 subject != NULL && *subject != '\0' ? subject
                                                                     : _("(no subject)"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (member_true (ticket, "bounce"))
    adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row),
                                 direction_icon ("dialog-warning-symbolic",
                                                 _("Opened by a bounce")));

  write = gtk_button_new_with_mnemonic (_("_Write E-Mail"));
  gtk_widget_set_valign (write, GTK_ALIGN_CENTER);
  {
    /* Translators: The accessible name of the button; the subject follows. */
    g_autofree char *name = g_strdup_printf (_("Write E-Mail: %s"), subject ? subject : "");

    gtk_accessible_update_property (GTK_ACCESSIBLE (write), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                    -1);
  }
  g_object_set_data (G_OBJECT (write), "ticket-id", GSIZE_TO_POINTER (id));
  g_signal_connect_object (write, "clicked", G_CALLBACK (write_clicked_cb), self, 0);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), write);

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                              step_row (self, json_array_get_object_element (steps, i)));
  return row;
}

static void
clear_rows (HdTicketsView *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
}

/* The page query, in the loader's worker thread: each ticket with its
 * steps. */
static JsonNode *
query_page (HdStore       *store,
            gint64         before,
            guint          limit,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr (JsonNode) page = NULL;
  g_autoptr (JsonArray) full = json_array_new ();
  JsonArray *tickets;

  page = hd_store_tickets_page_to_json (store, before, limit, error);
  if (page == NULL)
    return NULL;
  tickets = json_node_get_array (page);
  for (guint i = 0; i < json_array_get_length (tickets); i++)
    {
      JsonObject *ticket = json_array_get_object_element (tickets, i);
      JsonNode *one;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      one = hd_store_ticket_to_json (store, json_object_get_int_member (ticket, "id"), error);
      if (one == NULL)
        return NULL;
      json_array_add_element (full, one);
    }
  return json_node_init_array (json_node_alloc (), full);
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
           JsonArray *tickets,
           gboolean   append,
           gboolean   more)
{
  HdTicketsView *self = HD_TICKETS_VIEW (view);

  if (!append)
    clear_rows (self);
  for (guint i = 0; i < json_array_get_length (tickets); i++)
    {
      JsonObject *ticket = json_array_get_object_element (tickets, i);
      GtkWidget *row = ticket_row (self, ticket);

      /* The newest ticket is open, as the newest poll run is in the log:
       * it is what an admin looks for. */
      if (i == 0 && !append)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      adw_preferences_group_add (self->group, row);
      g_ptr_array_add (self->rows, row);
    }
  gtk_widget_set_visible (self->more_button, more);
  gtk_stack_set_visible_child_name (self->stack, self->rows->len > 0 ? "list" : "empty");
}

static void
more_clicked_cb (HdTicketsView *self)
{
  if (self->store != NULL)
    hd_page_loader_load_more (self->loader, self->store, self->page_size);
}

static void
hd_tickets_view_dispose (GObject *object)
{
  HdTicketsView *self = HD_TICKETS_VIEW (object);

  g_ptr_array_set_size (self->rows, 0);
  hd_page_loader_cancel (self->loader);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->store);
  /* AdwBin 1.2 unparents its child in its own dispose; the template's
   * child goes first so that it is not unparented twice. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_TICKETS_VIEW);

  G_OBJECT_CLASS (hd_tickets_view_parent_class)->dispose (object);
}

static void
hd_tickets_view_finalize (GObject *object)
{
  HdTicketsView *self = HD_TICKETS_VIEW (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->loader, hd_page_loader_free);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hd_tickets_view_parent_class)->finalize (object);
}

static void
hd_tickets_view_class_init (HdTicketsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hd_tickets_view_dispose;
  object_class->finalize = hd_tickets_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-tickets-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HdTicketsView, stack);
  gtk_widget_class_bind_template_child (widget_class, HdTicketsView, group);
  gtk_widget_class_bind_template_child (widget_class, HdTicketsView, more_button);
  gtk_widget_class_bind_template_callback (widget_class, more_clicked_cb);

  /**
   * HdTicketsView::load-failed:
   * @error: what the store said
   *
   * The tickets could not be read.
   */
  signals[LOAD_FAILED] =
    g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hd_tickets_view_init (HdTicketsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The rows are the group's; the array only remembers which to take out. */
  self->rows = g_ptr_array_new ();
  self->page_size = DEFAULT_PAGE_SIZE;
  self->loader = hd_page_loader_new (query_page, show_page, load_failed, self);
  self->cancellable = g_cancellable_new ();
}

/**
 * hd_tickets_view_reload:
 * @store: the database to read the tickets from
 *
 * Shows the newest page of the tickets of @store as they are now, read in
 * a worker thread; "Load More" shows the page before. A failure is told
 * by #HdTicketsView::load-failed.
 */
void
hd_tickets_view_reload (HdTicketsView *self,
                        HdStore       *store)
{
  g_return_if_fail (HD_IS_TICKETS_VIEW (self));
  g_return_if_fail (HD_IS_STORE (store));

  g_set_object (&self->store, store);
  hd_page_loader_load (self->loader, self->store, self->page_size);
}

/**
 * hd_tickets_view_set_page_size:
 * @page_size: how many tickets a reload and each "Load More" show
 */
void
hd_tickets_view_set_page_size (HdTicketsView *self,
                               guint          page_size)
{
  g_return_if_fail (HD_IS_TICKETS_VIEW (self));
  g_return_if_fail (page_size > 0);

  self->page_size = page_size;
}

/**
 * hd_tickets_view_is_loading:
 *
 * Returns: whether a page is being read
 */
gboolean
hd_tickets_view_is_loading (HdTicketsView *self)
{
  g_return_val_if_fail (HD_IS_TICKETS_VIEW (self), FALSE);

  return hd_page_loader_is_loading (self->loader);
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GBytes) bytes = NULL;
  GError *error = NULL;
  GFile *target = g_task_get_task_data (task);

  bytes = hd_store_read_attachment_finish (HD_STORE (object), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* The bytes variant keeps the content alive until the write is done. */
  g_file_replace_contents_bytes_async (target, bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), written_cb,
                                       g_object_ref (task));
}

/**
 * hd_tickets_view_save_attachment:
 * @attachment_id: the attachment's id, as the ticket's JSON names it
 * @target: the file to write, replaced if it exists
 * @cancellable: (nullable): a #GCancellable
 *
 * Reads the attachment decoded from the store the view shows, in a worker
 * thread, and writes it into @target. Nothing is written when the
 * attachment cannot be read.
 */
void
hd_tickets_view_save_attachment (HdTicketsView       *self,
                                 gint64               attachment_id,
                                 GFile               *target,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (HD_IS_TICKETS_VIEW (self));
  g_return_if_fail (G_IS_FILE (target));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_tickets_view_save_attachment);
  g_task_set_task_data (task, g_object_ref (target), g_object_unref);
  if (self->store == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "%s",
                               _("No tickets are shown"));
      return;
    }
  hd_store_read_attachment_async (self->store, attachment_id, cancellable, read_cb,
                                  g_steal_pointer (&task));
}

/**
 * hd_tickets_view_save_attachment_finish:
 *
 * Returns: whether the attachment was written, or %FALSE with @error set
 */
gboolean
hd_tickets_view_save_attachment_finish (HdTicketsView  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  g_return_val_if_fail (HD_IS_TICKETS_VIEW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == hd_tickets_view_save_attachment, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
