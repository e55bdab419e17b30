/* hd-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-window.h"
#include "hd-window-private.h"

#include <glib/gi18n.h>

#include "hd-account-dialog.h"
#include "hd-account-editor.h"
#include "hd-account-row.h"
#include "hd-format.h"
#include "hd-oauth-window.h"
#include "hd-poll-log-view.h"
#include "hd-poller-client.h"
#include "hd-preferences-window.h"
#include "hd-store-polls.h"
#include "hd-tickets-view.h"


G_DEFINE_FINAL_TYPE (HdWindow, hd_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
hd_window_toast (HdWindow   *self,
                 const char *markup)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

void
hd_window_toast_error (HdWindow     *self,
                       const GError *error)
{
  g_autofree char *markup = g_markup_escape_text (error->message, -1);

  hd_window_toast (self, markup);
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

void
hd_window_update_actions (HdWindow *self)
{
  gboolean selected = self->original != NULL && !self->busy;
  gboolean dirty = hd_window_is_dirty (self) && !self->busy;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-account", dirty);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.revert-account", dirty);
  /* A copy is made of the saved account, so there is nothing unsaved to lose. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.duplicate-account", selected && !dirty);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-account", selected);
  if (selected)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (self->remove_button), "s",
                                      hd_account_get_name (self->original));
}

static void
update_back_button (HdWindow *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);
  gboolean on_content = adw_leaflet_get_visible_child (self->leaflet) == self->content;

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), folded && on_content);
}

void
hd_window_show_account (HdWindow  *self,
                        HdAccount *account)
{
  g_set_object (&self->original, account);
  g_clear_object (&self->draft);
  if (account != NULL)
    self->draft = hd_account_copy (account);
  hd_account_editor_set_account (self->editor, self->draft);
  gtk_widget_set_sensitive (GTK_WIDGET (self->editor), account != NULL && !self->busy);
  hd_window_update_actions (self);
}

HdAccountRow *
hd_window_row_for_name (HdWindow   *self,
                        const char *name)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->account_list, i)) != NULL; i++)
    {
      HdAccount *account = hd_account_row_get_account (HD_ACCOUNT_ROW (row));

      if (name == NULL || g_strcmp0 (hd_account_get_name (account), name) == 0)
        return HD_ACCOUNT_ROW (row);
    }
  return NULL;
}

void
hd_window_select_quietly (HdWindow     *self,
                          HdAccountRow *row)
{
  self->reloading = TRUE;
  if (row != NULL)
    gtk_list_box_select_row (self->account_list, GTK_LIST_BOX_ROW (row));
  else
    gtk_list_box_unselect_all (self->account_list);
  self->reloading = FALSE;
}

static void
reload_views (HdWindow *self)
{
  hd_tickets_view_reload (self->tickets_view, self->store);
  hd_poll_log_view_reload (self->poll_log_view, self->store);
}

static void
view_load_failed_cb (HdWindow     *self,
                     const GError *error)
{
  hd_window_toast_error (self, error);
}

static void
row_selected_cb (HdWindow      *self,
                 GtkListBoxRow *row)
{
  HdAccount *account;

  if (self->reloading || row == NULL)
    return;
  account = hd_account_row_get_account (HD_ACCOUNT_ROW (row));
  if (account == self->original)
    return;

  /* While a save runs, the other account is shown once it succeeded. */
  if (self->busy && self->original != NULL)
    {
      g_set_object (&self->then_show, account);
      hd_window_select_quietly (self, hd_window_row_for_name (self,
                                                              hd_account_get_name (self->original)));
      return;
    }
  if (hd_window_is_dirty (self))
    {
      /* The old row stays selected until the admin decides. */
      g_set_object (&self->then_show, account);
      hd_window_select_quietly (self, hd_window_row_for_name (self, hd_account_get_name (self->original)));
      hd_window_ask_unsaved (self);
      return;
    }
  hd_window_show_account (self, account);
}

static void
row_activated_cb (HdWindow      *self,
                  GtkListBoxRow *row)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
back_clicked_cb (HdWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
leaflet_changed_cb (HdWindow *self)
{
  update_back_button (self);
}

static void
editor_changed_cb (HdWindow *self)
{
  hd_window_update_actions (self);
}

static void
view_changed_cb (HdWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  /* The poller writes tickets and logs behind the window's back. */
  if (g_strcmp0 (name, "accounts") != 0)
    reload_views (self);
}

static void
account_added_cb (HdWindow  *self,
                  HdAccount *account)
{
  g_autofree char *markup = NULL;

  if (!hd_window_is_dirty (self))
    {
      g_clear_object (&self->draft);
      g_set_object (&self->original, account);
    }
  hd_window_reload (self);
  markup = g_markup_printf_escaped (_("Added “%s”"), hd_account_get_name (account));
  hd_window_toast (self, markup);
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
preferences_closed_cb (HdWindow *self)
{
  /* The note on auto emails under the template follows the preferences. */
  hd_account_editor_reload_names (self->editor);
}

static void
preferences_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  GtkWindow *preferences = hd_preferences_window_new (GTK_WINDOW (self), self->store);

  g_signal_connect_object (preferences, "close-request", G_CALLBACK (preferences_closed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (preferences);
}

static void
oauth_connections_action_cb (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  gtk_window_present (hd_oauth_window_new (GTK_WINDOW (widget), HD_WINDOW (widget)->store));
}

static void
show_view_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  const char *name = g_variant_get_string (parameter, NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, name) == NULL)
    {
      g_warning ("There is no view called “%s”", name);
      return;
    }
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

static void
reload_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);

  hd_window_reload (self);
  hd_account_editor_reload_names (self->editor);
  reload_views (self);
}

static void
account_enabled_changed_cb (HdAccountRow *row,
                            gboolean      enabled,
                            gpointer      user_data)
{
  hd_window_save_enabled (HD_WINDOW (user_data), hd_account_row_get_account (row), enabled);
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  GtkWidget *row = hd_account_row_new (HD_ACCOUNT (item));

  g_signal_connect_object (row, "enabled-changed", G_CALLBACK (account_enabled_changed_cb), self,
                           0);
  hd_window_show_poll_status (self, HD_ACCOUNT_ROW (row));
  return row;
}

static gboolean
hd_window_close_request (GtkWindow *window)
{
  HdWindow *self = HD_WINDOW (window);

  /* The window closes once a running save succeeded. */
  if (!self->closing && self->busy)
    {
      self->then_close = TRUE;
      return TRUE;
    }
  if (!self->closing && hd_window_is_dirty (self))
    {
      self->then_close = TRUE;
      hd_window_ask_unsaved (self);
      return TRUE;
    }
  save_window_state (self);

  return GTK_WINDOW_CLASS (hd_window_parent_class)->close_request (window);
}

static void
hd_window_constructed (GObject *object)
{
  HdWindow *self = HD_WINDOW (object);

  G_OBJECT_CLASS (hd_window_parent_class)->constructed (object);

  g_assert (HD_IS_STORE (self->store));
  self->writer = hd_accounts_new_for_path (hd_store_get_path (self->store));
  restore_window_state (self);
  hd_account_editor_set_store (self->editor, self->store);
  hd_window_watch_poller (self);
  hd_window_reload (self);
  reload_views (self);
}

static void
hd_window_dispose (GObject *object)
{
  HdWindow *self = HD_WINDOW (object);

  /* libadwaita 1.2's view switchers fail a critical when their stack goes
   * first, as the template would have it; they let go of it beforehand. */
  if (self->switcher_bar != NULL)
    adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
  if (self->switcher_title != NULL)
    adw_view_switcher_title_set_stack (self->switcher_title, NULL);
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_WINDOW);
  g_clear_object (&self->poller);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->writer);
  g_clear_object (&self->accounts);
  g_clear_object (&self->original);
  g_clear_object (&self->draft);
  g_clear_object (&self->then_show);
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
  gtk_widget_class_bind_template_child (widget_class, HdWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, switcher_bar);

  gtk_widget_class_bind_template_child (widget_class, HdWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, content);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, account_list);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, editor);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, duplicate_button);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, busy_box);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, busy_spinner);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, tickets_view);
  gtk_widget_class_bind_template_child (widget_class, HdWindow, poll_log_view);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, leaflet_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.add-account", NULL, add_account_action_cb);
  hd_window_class_add_account_actions (widget_class);
  hd_window_class_add_poller_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action_cb);
  gtk_widget_class_install_action (widget_class, "win.oauth-connections", NULL,
                                   oauth_connections_action_cb);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-account", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.reload", NULL);
  /* The views by number, as GNOME apps with a view switcher do; the pages'
   * mnemonics need the switcher on screen, these work in every width. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view",
                                       "s", "accounts");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view",
                                       "s", "tickets");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view",
                                       "s", "log");

  g_type_ensure (HD_TYPE_ACCOUNT_EDITOR);
  g_type_ensure (HD_TYPE_TICKETS_VIEW);
  g_type_ensure (HD_TYPE_POLL_LOG_VIEW);
}

static void
hd_window_init (HdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = settings_new_if_installed ();
  self->cancellable = g_cancellable_new ();
  self->accounts = g_list_store_new (HD_TYPE_ACCOUNT);
  gtk_list_box_bind_model (self->account_list, G_LIST_MODEL (self->accounts), create_row_cb, self,
                           NULL);
  g_signal_connect_object (self->accounts, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->editor, "changed", G_CALLBACK (editor_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view_stack, "notify::visible-child-name",
                           G_CALLBACK (view_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tickets_view, "load-failed", G_CALLBACK (view_load_failed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->poll_log_view, "load-failed", G_CALLBACK (view_load_failed_cb),
                           self, G_CONNECT_SWAPPED);

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
  g_autofree char *keep = NULL;
  HdAccountRow *row;

  g_return_if_fail (HD_IS_WINDOW (self));

  accounts = hd_store_list_accounts (self->store, &error);
  if (accounts == NULL)
    {
      hd_window_toast_error (self, error);
      return;
    }

  if (self->original != NULL)
    keep = g_strdup (hd_account_get_name (self->original));
  self->reloading = TRUE;
  g_list_store_splice (self->accounts, 0, g_list_model_get_n_items (G_LIST_MODEL (self->accounts)),
                       accounts->pdata, accounts->len);
  self->reloading = FALSE;
  update_page (self);
  hd_poller_client_reload ();

  row = keep != NULL ? hd_window_row_for_name (self, keep) : NULL;
  if (row == NULL)
    row = hd_window_row_for_name (self, NULL);
  hd_window_select_quietly (self, row);
  if (row == NULL)
    hd_window_show_account (self, NULL);
  else if (hd_window_is_dirty (self)
           && g_strcmp0 (keep, hd_account_get_name (hd_account_row_get_account (row))) == 0)
    {
      /* Unsaved changes stay; they are compared with the account as it is now. */
      g_set_object (&self->original, hd_account_row_get_account (row));
      hd_window_update_actions (self);
    }
  else
    hd_window_show_account (self, hd_account_row_get_account (row));
}

/**
 * hd_window_get_editor:
 *
 * Returns: (transfer none): the editor of the selected account
 */
HdAccountEditor *
hd_window_get_editor (HdWindow *self)
{
  g_return_val_if_fail (HD_IS_WINDOW (self), NULL);

  return self->editor;
}
