/* hd-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-window.h"

#include <glib/gi18n.h>

#include "hd-account-dialog.h"
#include "hd-account-row.h"
#include "hd-secrets.h"

struct _HdWindow
{
  AdwApplicationWindow parent_instance;

  HdStore *store;
  GListStore *accounts;
  GSettings *settings;

  AdwToastOverlay *toast_overlay;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkListBox *account_list;
};

G_DEFINE_FINAL_TYPE (HdWindow, hd_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
toast (HdWindow   *self,
       const char *markup)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

static void
update_page (HdWindow *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "accounts");
}

/* GSettings aborts on a schema it cannot find; running from a build tree
 * without the compiled schema must still work, only without saved state. */
static GSettings *
settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("The schema %s is not installed; the window size is not kept", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
restore_window_state (HdWindow *self)
{
  if (self->settings == NULL)
    return;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_state (HdWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  /* The default size is the unmaximized size, which is what comes back. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

/* What the worker thread needs: plain copies, never a widget. */
typedef struct {
  char *store_id;
  char *owner;
} ClearSecretsData;

static void
clear_secrets_data_free (ClearSecretsData *data)
{
  g_free (data->store_id);
  g_free (data->owner);
  g_free (data);
}

static void
clear_secrets_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ClearSecretsData *data = task_data;
  GError *error = NULL;

  if (hd_secrets_clear_owner_sync (data->store_id, data->owner, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
clear_secrets_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HdWindow *self = HD_WINDOW (object);
  ClearSecretsData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    return;

  g_warning ("Could not remove the secrets of “%s”: %s", data->owner, error->message);
  if (self->toast_overlay == NULL)
    return;
  markup = g_markup_printf_escaped (_("The password of “%s” is still in the keyring: %s"),
                                    data->owner,
                                    error->message);
  toast (self, markup);
}

static void
remove_account (HdWindow   *self,
                const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  g_autofree char *markup = NULL;
  ClearSecretsData *data;

  if (!hd_store_remove_account (self->store, name, &error))
    {
      markup = g_markup_escape_text (error->message, -1);
      toast (self, markup);
      hd_window_reload (self);
      return;
    }

  /* The keyring may ask or wait; it never holds up the window. */
  task = g_task_new (self, NULL, clear_secrets_cb, NULL);
  g_task_set_source_tag (task, remove_account);
  data = g_new0 (ClearSecretsData, 1);
  data->store_id = g_strdup (hd_store_get_id (self->store));
  data->owner = g_strdup (name);
  g_task_set_task_data (task, data, (GDestroyNotify) clear_secrets_data_free);
  g_task_run_in_thread (task, clear_secrets_thread);

  hd_window_reload (self);
  markup = g_markup_printf_escaped (_("Removed “%s”"), name);
  toast (self, markup);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  const char *name = g_object_get_data (G_OBJECT (dialog), "account-name");

  if (g_strcmp0 (response, "remove") == 0)
    remove_account (self, name);
}

static void
remove_account_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL));
  /* Translators: %s is the name of a mail account. */
  adw_message_dialog_format_heading (dialog, _("Remove “%s”?"), name);
  adw_message_dialog_set_body (dialog,
                               _("The helpdesk stops reading this mailbox and its password is "
                                 "removed from the keyring. Tickets made from its mail stay."));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "account-name", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
account_added_cb (HdWindow  *self,
                  HdAccount *account)
{
  g_autofree char *markup = NULL;

  hd_window_reload (self);
  markup = g_markup_printf_escaped (_("Added “%s”"), hd_account_get_name (account));
  toast (self, markup);
}

static void
add_account_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  HdAccountDialog *dialog = hd_account_dialog_new (GTK_WINDOW (self), self->store);

  g_signal_connect_object (dialog, "account-added", G_CALLBACK (account_added_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
account_enabled_changed_cb (HdAccountRow *row,
                            gboolean      enabled,
                            gpointer      user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  HdAccount *account = hd_account_row_get_account (row);
  g_autoptr (HdAccount) changed = hd_account_copy (account);
  g_autoptr (GError) error = NULL;

  g_object_set (changed, "enabled", enabled, NULL);
  if (!hd_store_update_account (self->store, hd_account_get_name (account), changed, &error))
    {
      g_autofree char *markup = g_markup_escape_text (error->message, -1);

      toast (self, markup);
      /* The row shows the account again, which still has the old state. */
      g_object_notify (G_OBJECT (account), "enabled");
      return;
    }
  g_object_set (account, "enabled", enabled, NULL);
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  GtkWidget *row = hd_account_row_new (HD_ACCOUNT (item));

  g_signal_connect_object (row, "enabled-changed", G_CALLBACK (account_enabled_changed_cb), self,
                           0);
  return row;
}

static gboolean
hd_window_close_request (GtkWindow *window)
{
  save_window_state (HD_WINDOW (window));

  return GTK_WINDOW_CLASS (hd_window_parent_class)->close_request (window);
}

static void
hd_window_constructed (GObject *object)
{
  HdWindow *self = HD_WINDOW (object);

  G_OBJECT_CLASS (hd_window_parent_class)->constructed (object);

  g_assert (HD_IS_STORE (self->store));
  restore_window_state (self);
  hd_window_reload (self);
}

static void
hd_window_dispose (GObject *object)
{
  HdWindow *self = HD_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_WINDOW);
  g_clear_object (&self->accounts);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (hd_window_parent_class)->dispose (object);
}

static void
hd_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  HdWindow *self = HD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  HdWindow *self = HD_WINDOW (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_window_class_init (HdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = hd_window_constructed;
  object_class->dispose = hd_window_dispose;
  object_class->get_property = hd_window_get_property;
  object_class->set_property = hd_window_set_property;

  window_class->close_request = hd_window_close_request;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HdWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, account_list);

  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account_action_cb);
  gtk_widget_class_install_action (widget_class, "win.remove-account", "s",
                                   remove_account_action_cb);
}

static void
hd_window_init (HdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = settings_new_if_installed ();
  self->accounts = g_list_store_new (HD_TYPE_ACCOUNT);
  gtk_list_box_bind_model (self->account_list, G_LIST_MODEL (self->accounts), create_row_cb, self,
                           NULL);
  g_signal_connect_object (self->accounts, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);

#ifdef DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}

/**
 * hd_window_new:
 * @application: (nullable): the application the window belongs to
 * @store: the database whose accounts the window shows
 */
HdWindow *
hd_window_new (GtkApplication *application,
               HdStore        *store)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  return g_object_new (HD_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       NULL);
}

/**
 * hd_window_get_store:
 *
 * Returns: (transfer none): the database of the window
 */
HdStore *
hd_window_get_store (HdWindow *self)
{
  g_return_val_if_fail (HD_IS_WINDOW (self), NULL);

  return self->store;
}

/**
 * hd_window_get_accounts:
 *
 * Returns: (transfer none): the accounts the list shows, as #HdAccount items
 */
GListModel *
hd_window_get_accounts (HdWindow *self)
{
  g_return_val_if_fail (HD_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->accounts);
}

/**
 * hd_window_reload:
 *
 * Reads the accounts from the store again, e.g. after another program
 * changed them.
 */
void
hd_window_reload (HdWindow *self)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (HD_IS_WINDOW (self));

  accounts = hd_store_list_accounts (self->store, &error);
  if (accounts == NULL)
    {
      g_autofree char *markup = g_markup_escape_text (error->message, -1);

      toast (self, markup);
      return;
    }

  g_list_store_splice (self->accounts, 0, g_list_model_get_n_items (G_LIST_MODEL (self->accounts)),
                       accounts->pdata, accounts->len);
  update_page (self);
}
