/* hd-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-preferences-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hd-autostart.h"
#include "hd-secrets.h"
#include "hd-settings.h"

#define DEFAULT_CAP 3

struct _HdPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  HdStore *store;
  HdAutostart *autostart;
  gboolean loading;

  AdwActionRow *background_row;
  GtkSwitch *background_switch;

  GtkSwitch *new_request_switch;
  GtkSpinButton *cap_spin;
  AdwEntryRow *host_row;
  AdwComboRow *security_row;
  GtkSpinButton *port_spin;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
};

G_DEFINE_FINAL_TYPE (HdPreferencesWindow, hd_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const securities[] = { "tls", "starttls", "none" };

static void
toast (HdPreferencesWindow *self,
       const char          *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (markup));
}

/* Saves one key, or shows why not on @row; nothing invalid is saved. */
static gboolean
save (HdPreferencesWindow *self,
      GtkWidget           *row,
      const char          *key,
      const char          *value)
{
  g_autoptr (GError) error = NULL;

  if (self->loading)
    return TRUE;
  if (!hd_settings_validate (key, value, &error)
      || !hd_store_set_setting (self->store, key, value, &error))
    {
      gtk_widget_add_css_class (row, "error");
      toast (self, error->message);
      return FALSE;
    }
  gtk_widget_remove_css_class (row, "error");
  return TRUE;
}

static guint
default_smtp_port (const char *security)
{
  if (g_strcmp0 (security, "starttls") == 0)
    return 587;
  if (g_strcmp0 (security, "none") == 0)
    return 25;
  return 465;
}

static void
load (HdPreferencesWindow *self)
{
  g_autofree char *new_request = hd_store_dup_setting (self->store, "auto_emails.new_request");
  g_autofree char *cap = hd_store_dup_setting (self->store, "auto_emails.max_per_sender_per_day");
  g_autofree char *host = hd_store_dup_setting (self->store, "smtp.host");
  g_autofree char *port = hd_store_dup_setting (self->store, "smtp.port");
  g_autofree char *security = hd_store_dup_setting (self->store, "smtp.security");
  g_autofree char *username = hd_store_dup_setting (self->store, "smtp.username");
  guint selected = 0;

  for (guint i = 0; i < G_N_ELEMENTS (securities); i++)
    {
      if (g_strcmp0 (security, securities[i]) == 0)
        selected = i;
    }

  self->loading = TRUE;
  gtk_switch_set_active (self->new_request_switch, g_strcmp0 (new_request, "true") == 0);
  gtk_spin_button_set_value (self->cap_spin, cap != NULL ? g_ascii_strtod (cap, NULL)
                                                         : DEFAULT_CAP);
  gtk_editable_set_text (GTK_EDITABLE (self->host_row), host != NULL ? host : "");
  adw_combo_row_set_selected (self->security_row, selected);
  gtk_spin_button_set_value (self->port_spin, port != NULL ? g_ascii_strtod (port, NULL)
                                                           : default_smtp_port (security));
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username != NULL ? username : "");
  self->loading = FALSE;
}

static void
new_request_cb (HdPreferencesWindow *self)
{
  save (self, gtk_widget_get_parent (GTK_WIDGET (self->new_request_switch)),
        "auto_emails.new_request",
        gtk_switch_get_active (self->new_request_switch) ? "true" : "false");
}

static void
cap_cb (HdPreferencesWindow *self)
{
  g_autofree char *value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->cap_spin));

  save (self, GTK_WIDGET (self->cap_spin), "auto_emails.max_per_sender_per_day", value);
}

static void
host_apply_cb (HdPreferencesWindow *self)
{
  if (save (self, GTK_WIDGET (self->host_row), "smtp.host",
            gtk_editable_get_text (GTK_EDITABLE (self->host_row))))
    toast (self, _("The SMTP host is saved"));
}

static void
security_cb (HdPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->security_row);
  g_autofree char *old = NULL;

  if (selected >= G_N_ELEMENTS (securities) || self->loading)
    return;
  old = hd_store_dup_setting (self->store, "smtp.security");
  if (!save (self, GTK_WIDGET (self->security_row), "smtp.security", securities[selected]))
    return;
  /* A port that was the old security's default follows the new one. */
  if (gtk_spin_button_get_value_as_int (self->port_spin) == (int) default_smtp_port (old))
    gtk_spin_button_set_value (self->port_spin, default_smtp_port (securities[selected]));
}

static void
port_cb (HdPreferencesWindow *self)
{
  g_autofree char *value = g_strdup_printf ("%d",
                                            gtk_spin_button_get_value_as_int (self->port_spin));

  save (self, GTK_WIDGET (self->port_spin), "smtp.port", value);
}

static void
username_apply_cb (HdPreferencesWindow *self)
{
  if (save (self, GTK_WIDGET (self->username_row), "smtp.username",
            gtk_editable_get_text (GTK_EDITABLE (self->username_row))))
    toast (self, _("The SMTP user name is saved"));
}

/* What the worker thread needs: plain copies, never a widget. */
typedef struct {
  char *store_id;
  char *password;
} PasswordData;

static void
password_data_free (PasswordData *data)
{
  g_free (data->store_id);
  explicit_bzero (data->password, strlen (data->password));
  g_free (data->password);
  g_free (data);
}

static void
store_password_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  PasswordData *data = task_data;
  GError *error = NULL;

  if (hd_secrets_store_sync (HD_SECRET_SMTP_PASSWORD, data->store_id, "smtp", data->password,
                             cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
store_password_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (HdPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean stored = g_task_propagate_boolean (G_TASK (result), &error);

  if (self->password_row == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), TRUE);
  if (!stored)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->password_row), "error");
      toast (self, error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->password_row), "error");
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  toast (self, _("The SMTP password is saved in the keyring"));
}

static void
password_apply_cb (HdPreferencesWindow *self)
{
  g_autoptr (GTask) task = NULL;
  PasswordData *data;

  data = g_new0 (PasswordData, 1);
  data->store_id = g_strdup (hd_store_get_id (self->store));
  data->password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->password_row)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), FALSE);
  task = g_task_new (NULL, NULL, store_password_cb, g_object_ref (self));
  g_task_set_source_tag (task, password_apply_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) password_data_free);
  g_task_run_in_thread (task, store_password_thread);
}

static void
show_autostart (HdPreferencesWindow *self)
{
  self->loading = TRUE;
  gtk_switch_set_active (self->background_switch, hd_autostart_get_enabled (self->autostart));
  self->loading = FALSE;
}

static void
autostart_set_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (HdPreferencesWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (hd_autostart_set_enabled_finish (HD_AUTOSTART (object), result, &error))
    {
      if (self->background_row != NULL)
        gtk_widget_remove_css_class (GTK_WIDGET (self->background_row), "error");
    }
  else
    g_message ("Could not change starting at login: %s", error->message);
  /* Closed meanwhile: the change is made, there is nothing left to show. */
  if (self->background_switch == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->background_switch), TRUE);
  /* The switch shows what is, also when the change failed. */
  show_autostart (self);
  if (error == NULL)
    return;
  gtk_widget_add_css_class (GTK_WIDGET (self->background_row), "error");
  /* Translators: %s says why, e.g. a file that could not be written. */
  text = g_strdup_printf (_("Could not change starting at login: %s"), error->message);
  toast (self, text);
}

static void
background_cb (HdPreferencesWindow *self)
{
  if (self->loading)
    return;
  /* One change at a time: the portal may ask the user first. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->background_switch), FALSE);
  hd_autostart_set_enabled_async (self->autostart,
                                  gtk_switch_get_active (self->background_switch), NULL,
                                  autostart_set_cb, g_object_ref (self));
}

static void
hd_preferences_window_constructed (GObject *object)
{
  HdPreferencesWindow *self = HD_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (hd_preferences_window_parent_class)->constructed (object);

  g_assert (HD_IS_STORE (self->store));
  load (self);
  show_autostart (self);
}

static void
hd_preferences_window_dispose (GObject *object)
{
  HdPreferencesWindow *self = HD_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), HD_TYPE_PREFERENCES_WINDOW);
  self->background_row = NULL;
  self->background_switch = NULL;
  g_clear_object (&self->autostart);

  G_OBJECT_CLASS (hd_preferences_window_parent_class)->dispose (object);
}

static void
hd_preferences_window_finalize (GObject *object)
{
  HdPreferencesWindow *self = HD_PREFERENCES_WINDOW (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (hd_preferences_window_parent_class)->finalize (object);
}

static void
hd_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  HdPreferencesWindow *self = HD_PREFERENCES_WINDOW (object);

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
hd_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  HdPreferencesWindow *self = HD_PREFERENCES_WINDOW (object);

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
hd_preferences_window_class_init (HdPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hd_preferences_window_constructed;
  object_class->dispose = hd_preferences_window_dispose;
  object_class->finalize = hd_preferences_window_finalize;
  object_class->get_property = hd_preferences_window_get_property;
  object_class->set_property = hd_preferences_window_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, background_row);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, new_request_switch);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, cap_spin);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, security_row);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, username_row);
  gtk_widget_class_bind_template_child (widget_class, HdPreferencesWindow, password_row);
  gtk_widget_class_bind_template_callback (widget_class, background_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_request_cb);
  gtk_widget_class_bind_template_callback (widget_class, cap_cb);
  gtk_widget_class_bind_template_callback (widget_class, host_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, security_cb);
  gtk_widget_class_bind_template_callback (widget_class, port_cb);
  gtk_widget_class_bind_template_callback (widget_class, username_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_apply_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hd_preferences_window_init (HdPreferencesWindow *self)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->autostart = hd_autostart_new (bus);
}

/**
 * hd_preferences_window_new:
 * @parent: (nullable): the window the preferences belong to
 * @store: the database that holds the settings
 */
GtkWindow *
hd_preferences_window_new (GtkWindow *parent,
                           HdStore   *store)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  return g_object_new (HD_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "store", store,
                       NULL);
}
