/* hd-account-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-editor.h"

#include <glib/gi18n.h>
#include <string.h>

struct _HdAccountEditor
{
  AdwPreferencesPage parent_instance;

  HdAccount *account;
  GPtrArray *bindings;
  guint default_port;

  AdwPreferencesGroup *error_group;
  GtkLabel *error_label;
  AdwEntryRow *name_row;
  AdwEntryRow *host_row;
  AdwComboRow *protocol_row;
  AdwComboRow *security_row;
  AdwActionRow *port_row;
  GtkSpinButton *port_spin;
  AdwEntryRow *folder_row;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
};

G_DEFINE_FINAL_TYPE (HdAccountEditor, hd_account_editor, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_ACCOUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The field names are the JSON paths that hd_account_validate() and the
 * store put in front of their error messages. */
static const struct {
  const char *field;
  gsize offset;
} field_rows[] = {
  { "name", G_STRUCT_OFFSET (HdAccountEditor, name_row) },
  { "incoming.host", G_STRUCT_OFFSET (HdAccountEditor, host_row) },
  { "incoming.protocol", G_STRUCT_OFFSET (HdAccountEditor, protocol_row) },
  { "incoming.security", G_STRUCT_OFFSET (HdAccountEditor, security_row) },
  { "incoming.port", G_STRUCT_OFFSET (HdAccountEditor, port_row) },
  { "incoming.folder", G_STRUCT_OFFSET (HdAccountEditor, folder_row) },
  { "login.username", G_STRUCT_OFFSET (HdAccountEditor, username_row) },
  { "login.password", G_STRUCT_OFFSET (HdAccountEditor, password_row) },
};

static GtkWidget *
row_for_field (HdAccountEditor *self,
               const char      *field)
{
  for (gsize i = 0; i < G_N_ELEMENTS (field_rows); i++)
    {
      if (g_strcmp0 (field_rows[i].field, field) == 0)
        return G_STRUCT_MEMBER (GtkWidget *, self, field_rows[i].offset);
    }
  return NULL;
}

static char *
row_label (GtkWidget *row)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row));
  GString *label = g_string_new (title);

  /* The title carries the mnemonic underscore; the message does not. */
  g_string_replace (label, "_", "", 1);
  return g_string_free (label, FALSE);
}

static gboolean
string_to_text (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  const char *str = g_value_get_string (from);

  g_value_set_string (to, str != NULL ? str : "");
  return TRUE;
}

static gboolean
protocol_to_folder_visible (GBinding     *binding,
                            const GValue *from,
                            GValue       *to,
                            gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint (from) == HD_PROTOCOL_IMAP);
  return TRUE;
}

static void
bind (HdAccountEditor *self,
      const char      *property,
      gpointer         widget,
      const char      *widget_property)
{
  GBinding *binding;
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->account), property);

  g_assert (pspec != NULL);
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING)
    binding = g_object_bind_property_full (self->account, property, widget, widget_property,
                                           G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                           string_to_text, NULL, NULL, NULL);
  else
    binding = g_object_bind_property (self->account, property, widget, widget_property,
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
}

static void
update_security_warning (HdAccountEditor *self)
{
  if (hd_account_get_security (self->account) == HD_SECURITY_NONE)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->security_row),
                                 _("The password and the mail cross the network unencrypted"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->security_row), "");
}

static void
connection_changed_cb (HdAccountEditor *self)
{
  guint new_default = hd_default_port (hd_account_get_protocol (self->account),
                                       hd_account_get_security (self->account));

  /* A port the admin typed stays; one that was the default follows the
   * protocol and security, as in the dialog being reproduced. */
  if (hd_account_get_port (self->account) == self->default_port)
    g_object_set (self->account, "port", new_default, NULL);
  self->default_port = new_default;
  update_security_warning (self);
}

static void
account_notify_cb (HdAccountEditor *self)
{
  hd_account_editor_clear_errors (self);
}

static void
unbind_account (HdAccountEditor *self)
{
  if (self->account == NULL)
    return;

  for (guint i = 0; i < self->bindings->len; i++)
    g_binding_unbind (g_ptr_array_index (self->bindings, i));
  g_ptr_array_set_size (self->bindings, 0);
  g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
}

static void
bind_account (HdAccountEditor *self,
              HdAccount       *account)
{
  GBinding *binding;

  self->account = g_object_ref (account);
  self->default_port = hd_default_port (hd_account_get_protocol (account),
                                        hd_account_get_security (account));
  /* The port row shows a number from 1 up; "unset" is the default. */
  if (hd_account_get_port (account) == 0)
    g_object_set (account, "port", self->default_port, NULL);

  bind (self, "name", self->name_row, "text");
  bind (self, "host", self->host_row, "text");
  bind (self, "protocol", self->protocol_row, "selected");
  bind (self, "security", self->security_row, "selected");
  bind (self, "port", self->port_spin, "value");
  bind (self, "folder", self->folder_row, "text");
  bind (self, "username", self->username_row, "text");

  binding = g_object_bind_property_full (account, "protocol", self->folder_row, "visible",
                                         G_BINDING_SYNC_CREATE, protocol_to_folder_visible,
                                         NULL, NULL, NULL);
  g_ptr_array_add (self->bindings, g_object_ref (binding));

  g_signal_connect_swapped (account, "notify::protocol", G_CALLBACK (connection_changed_cb), self);
  g_signal_connect_swapped (account, "notify::security", G_CALLBACK (connection_changed_cb), self);
  g_signal_connect_swapped (account, "notify", G_CALLBACK (account_notify_cb), self);
  update_security_warning (self);
}

static void
password_changed_cb (HdAccountEditor *self)
{
  hd_account_editor_clear_errors (self);
}

static void
hd_account_editor_constructed (GObject *object)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  G_OBJECT_CLASS (hd_account_editor_parent_class)->constructed (object);

  /* Built from a template, the editor starts on a new account. */
  if (self->account == NULL)
    hd_account_editor_set_account (self, NULL);
}

static void
hd_account_editor_dispose (GObject *object)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  unbind_account (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_ACCOUNT_EDITOR);

  G_OBJECT_CLASS (hd_account_editor_parent_class)->dispose (object);
}

static void
hd_account_editor_finalize (GObject *object)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  g_clear_pointer (&self->bindings, g_ptr_array_unref);

  G_OBJECT_CLASS (hd_account_editor_parent_class)->finalize (object);
}

static void
hd_account_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_editor_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      hd_account_editor_set_account (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_editor_class_init (HdAccountEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hd_account_editor_constructed;
  object_class->dispose = hd_account_editor_dispose;
  object_class->finalize = hd_account_editor_finalize;
  object_class->get_property = hd_account_editor_get_property;
  object_class->set_property = hd_account_editor_set_property;

  /**
   * HdAccountEditor:account:
   *
   * The account the fields edit. The editor writes every change into it at
   * once, so the owner hands it a copy when the change may be abandoned.
   */
  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, HD_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-account-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, error_group);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, host_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, protocol_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, security_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, port_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, port_spin);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, folder_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, username_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, password_row);
}

static void
hd_account_editor_init (HdAccountEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->bindings = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_object (self->password_row, "changed", G_CALLBACK (password_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

/**
 * hd_account_editor_new:
 * @account: (nullable): the account to edit, or %NULL for a new one
 */
GtkWidget *
hd_account_editor_new (HdAccount *account)
{
  g_return_val_if_fail (account == NULL || HD_IS_ACCOUNT (account), NULL);

  return g_object_new (HD_TYPE_ACCOUNT_EDITOR, "account", account, NULL);
}

/**
 * hd_account_editor_get_account:
 *
 * Returns: (transfer none): the account, with every field as shown
 */
HdAccount *
hd_account_editor_get_account (HdAccountEditor *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), NULL);

  return self->account;
}

/**
 * hd_account_editor_set_account:
 * @account: (nullable): the account to edit; %NULL starts a new one
 */
void
hd_account_editor_set_account (HdAccountEditor *self,
                               HdAccount       *account)
{
  g_autoptr (HdAccount) fresh = NULL;

  g_return_if_fail (HD_IS_ACCOUNT_EDITOR (self));
  g_return_if_fail (account == NULL || HD_IS_ACCOUNT (account));

  if (account != NULL && account == self->account)
    return;
  if (account == NULL)
    account = fresh = hd_account_new ();

  unbind_account (self);
  bind_account (self, account);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  hd_account_editor_clear_errors (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
}

/**
 * hd_account_editor_get_password:
 *
 * Returns: the password as typed; empty when none was typed. It is never
 *   part of the account, which the store keeps in SQLite.
 */
const char *
hd_account_editor_get_password (HdAccountEditor *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->password_row));
}

/**
 * hd_account_editor_show_field_error:
 * @field: the JSON path of the field, e.g. "incoming.port"
 * @message: what is wrong with it
 *
 * Marks the field's row, moves the focus to it and shows the message above
 * the fields. A field the editor does not show yet gets the message alone.
 *
 * Returns: %TRUE if a row of the editor shows @field
 */
gboolean
hd_account_editor_show_field_error (HdAccountEditor *self,
                                    const char      *field,
                                    const char      *message)
{
  GtkWidget *row;
  g_autofree char *text = NULL;

  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  hd_account_editor_clear_errors (self);

  row = field != NULL ? row_for_field (self, field) : NULL;
  if (row != NULL)
    {
      g_autofree char *label = row_label (row);

      /* Translators: An error under the fields: the field's title, then what is wrong. */
      text = g_strdup_printf (_("%s: %s"), label, message);
      gtk_widget_add_css_class (row, "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      message, -1);
      gtk_accessible_update_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID,
                                   GTK_ACCESSIBLE_INVALID_TRUE, -1);
      gtk_widget_grab_focus (row);
    }
  else
    {
      text = g_strdup (message);
    }

  gtk_label_set_text (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), TRUE);

  return row != NULL;
}

/**
 * hd_account_editor_show_error:
 * @error: an error of hd_account_validate() or of the store
 *
 * Shows @error on the field its message names.
 *
 * Returns: %TRUE if a row of the editor shows that field
 */
gboolean
hd_account_editor_show_error (HdAccountEditor *self,
                              const GError    *error)
{
  g_autofree char *field = NULL;
  const char *message;

  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  field = hd_account_error_dup_field (error);
  message = error->message;
  if (field != NULL && row_for_field (self, field) != NULL)
    message += strlen (field) + strlen (": ");
  else
    g_clear_pointer (&field, g_free);

  return hd_account_editor_show_field_error (self, field, message);
}

/**
 * hd_account_editor_clear_errors:
 *
 * Takes away the marks and the message of hd_account_editor_show_error().
 */
void
hd_account_editor_clear_errors (HdAccountEditor *self)
{
  g_return_if_fail (HD_IS_ACCOUNT_EDITOR (self));

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_group)))
    return;

  for (gsize i = 0; i < G_N_ELEMENTS (field_rows); i++)
    {
      GtkWidget *row = G_STRUCT_MEMBER (GtkWidget *, self, field_rows[i].offset);

      gtk_widget_remove_css_class (row, "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_STATE_INVALID);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), FALSE);
  gtk_label_set_text (self->error_label, "");
}
