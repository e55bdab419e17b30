/* hd-compose-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-compose-dialog.h"

#include <glib/gi18n.h>

#include "hd-ticket-reply.h"

struct _HdComposeDialog
{
  AdwWindow parent_instance;

  HdStore *store;
  gint64 ticket_id;
  GStrv accounts;        /* the account of each sender in the list */
  gboolean busy;

  GtkWidget *send_button;
  GtkSpinner *spinner;
  AdwPreferencesGroup *error_group;
  GtkLabel *error_label;
  AdwComboRow *sender_row;
  GtkStringList *senders;
  AdwEntryRow *to_row;
  AdwEntryRow *cc_row;
  AdwEntryRow *subject_row;
  GtkTextView *text_view;
};

G_DEFINE_FINAL_TYPE (HdComposeDialog, hd_compose_dialog, ADW_TYPE_WINDOW)

enum {
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the worker thread needs: plain copies, never a widget. */
typedef struct {
  char *db_path;
  HdTicketReply *reply;
} SendData;

static void
send_data_free (SendData *data)
{
  g_free (data->db_path);
  hd_ticket_reply_free (data->reply);
  g_free (data);
}

static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendData *data = task_data;
  g_autoptr (HdStore) store = NULL;
  GError *error = NULL;
  gint64 step_id;

  /* A connection of this thread's own: the window's stays on its thread. */
  store = hd_store_open (data->db_path, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  step_id = hd_ticket_reply_send_sync (data->reply, store, cancellable, &error);
  if (step_id == 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, step_id);
}

static void
show_error (HdComposeDialog *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), message != NULL);
}

static void
set_busy (HdComposeDialog *self,
          gboolean         busy)
{
  /* GTK 4.8 warns when a focused entry turns insensitive (GTK issue 5845),
   * so the focus leaves the fields first. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compose.send", !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  HdComposeDialog *self = HD_COMPOSE_DIALOG (object);
  g_autoptr (GError) error = NULL;
  gint64 step_id = g_task_propagate_int (G_TASK (result), &error);

  if (self->text_view == NULL)
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      /* The server's reply, word for word: the admin may need to show it to
       * whoever runs the mail server. */
      show_error (self, error->message);
      return;
    }
  g_signal_emit (self, signals[SENT], 0, step_id);
  gtk_window_close (GTK_WINDOW (self));
}

static GStrv
split_addresses (const char *text)
{
  g_auto (GStrv) parts = g_strsplit_set (text, ",;", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (*g_strstrip (parts[i]) != '\0')
      g_strv_builder_add (builder, parts[i]);
  return g_strv_builder_end (builder);
}

static void
send_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HdComposeDialog *self = HD_COMPOSE_DIALOG (widget);
  guint selected = adw_combo_row_get_selected (self->sender_row);
  g_autoptr (HdTicketReply) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  SendData *data;

  if (self->busy || self->accounts == NULL || selected >= g_strv_length (self->accounts))
    return;

  reply = hd_ticket_reply_new (self->store, self->ticket_id, self->accounts[selected], &error);
  if (reply == NULL)
    {
      show_error (self, error->message);
      return;
    }
  g_free (reply->to);
  reply->to = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->to_row))));
  reply->cc = split_addresses (gtk_editable_get_text (GTK_EDITABLE (self->cc_row)));
  g_free (reply->subject);
  reply->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_row)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_free (reply->text);
  reply->text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  data = g_new0 (SendData, 1);
  data->db_path = g_strdup (hd_store_get_path (self->store));
  data->reply = g_steal_pointer (&reply);

  show_error (self, NULL);
  set_busy (self, TRUE);
  /* Not cancelled when the dialog closes: a mail half sent is worse than
   * one sent and stored. */
  task = g_task_new (self, NULL, send_cb, NULL);
  g_task_set_source_tag (task, send_action_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) send_data_free);
  g_task_run_in_thread (task, send_thread);
}

/* "Example Support <support@example.com>" for each account, the ticket's
 * first in line as the one chosen. */
static gboolean
fill_senders (HdComposeDialog *self,
              HdTicketReply   *reply,
              GError         **error)
{
  g_autoptr (GPtrArray) accounts = hd_store_list_accounts (self->store, error);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  guint chosen = 0;

  if (accounts == NULL)
    return FALSE;
  for (guint i = 0; i < accounts->len; i++)
    {
      HdAccount *account = accounts->pdata[i];
      const char *alias = hd_account_get_sender_alias (account);
      const char *address = hd_account_get_sender_address (account);
      g_autofree char *label = NULL;

      if (address == NULL)
        /* Translators: A sender that cannot send: the account's name. */
        label = g_strdup_printf (_("%s (no sender address)"), hd_account_get_name (account));
      else if (alias != NULL && *alias != '\0')
        label = g_strdup_printf ("%s <%s>", alias, address);
      else
        label = g_strdup (address);
      gtk_string_list_append (self->senders, label);
      g_strv_builder_add (names, hd_account_get_name (account));
      if (g_strcmp0 (hd_account_get_name (account), reply->account) == 0)
        chosen = i;
    }
  self->accounts = g_strv_builder_end (names);
  adw_combo_row_set_selected (self->sender_row, chosen);
  return TRUE;
}

static void
hd_compose_dialog_dispose (GObject *object)
{
  HdComposeDialog *self = HD_COMPOSE_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_COMPOSE_DIALOG);
  self->text_view = NULL;

  G_OBJECT_CLASS (hd_compose_dialog_parent_class)->dispose (object);
}

static void
hd_compose_dialog_finalize (GObject *object)
{
  HdComposeDialog *self = HD_COMPOSE_DIALOG (object);

  g_clear_object (&self->store);
  g_strfreev (self->accounts);

  G_OBJECT_CLASS (hd_compose_dialog_parent_class)->finalize (object);
}

static void
hd_compose_dialog_class_init (HdComposeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hd_compose_dialog_dispose;
  object_class->finalize = hd_compose_dialog_finalize;

  /**
   * HdComposeDialog::sent:
   * @step_id: the outgoing step the mail became
   *
   * The SMTP server accepted the mail, and the ticket holds it.
   */
  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-compose-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, send_button);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, error_group);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, sender_row);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, senders);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, to_row);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, cc_row);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, subject_row);
  gtk_widget_class_bind_template_child (widget_class, HdComposeDialog, text_view);

  gtk_widget_class_install_action (widget_class, "compose.send", NULL, send_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hd_compose_dialog_init (HdComposeDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * hd_compose_dialog_new:
 * @parent: (nullable): the window the dialog belongs to
 * @store: the database of the ticket
 * @ticket_id: the ticket the mail is written from
 *
 * Returns: (transfer full) (nullable): the dialog with the sender, the
 *   recipient and the subject filled in, or %NULL with @error when the
 *   ticket cannot be read
 */
HdComposeDialog *
hd_compose_dialog_new (GtkWindow *parent,
                       HdStore   *store,
                       gint64     ticket_id,
                       GError   **error)
{
  g_autoptr (HdTicketReply) reply = NULL;
  HdComposeDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  reply = hd_ticket_reply_new (store, ticket_id, NULL, error);
  if (reply == NULL)
    return NULL;

  self = g_object_new (HD_TYPE_COMPOSE_DIALOG, "transient-for", parent, NULL);
  self->store = g_object_ref (store);
  self->ticket_id = ticket_id;
  gtk_editable_set_text (GTK_EDITABLE (self->to_row), reply->to ? reply->to : "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_row), reply->subject);
  if (!fill_senders (self, reply, error))
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return NULL;
    }
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->text_view));
  return self;
}
