/* hd-account-editor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-editor.h"
#include "hd-account-editor-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "hd-auto-answer.h"
#include "hd-check-group.h"
#include "hd-name-row.h"
#include "hd-oauth-sign-in.h"
#include "hd-store.h"


G_DEFINE_FINAL_TYPE (HdAccountEditor, hd_account_editor, ADW_TYPE_PREFERENCES_PAGE)

enum {
  PROP_0,
  PROP_ACCOUNT,
  PROP_STORE,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Each account property and the widget property that shows it. Strings
 * that are optional in the account are chosen from lists, and those rows
 * speak NULL for "None" themselves. */
static const struct {
  const char *property;
  gsize offset;
  const char *widget_property;
} bound_fields[] = {
  { "name", G_STRUCT_OFFSET (HdAccountEditor, name_row), "text" },
  { "enabled", G_STRUCT_OFFSET (HdAccountEditor, enabled_switch), "active" },
  { "poll-interval", G_STRUCT_OFFSET (HdAccountEditor, poll_interval_spin), "value" },
  { "push", G_STRUCT_OFFSET (HdAccountEditor, push_switch), "active" },
  { "host", G_STRUCT_OFFSET (HdAccountEditor, host_row), "text" },
  { "protocol", G_STRUCT_OFFSET (HdAccountEditor, protocol_row), "selected" },
  { "security", G_STRUCT_OFFSET (HdAccountEditor, security_row), "selected" },
  { "port", G_STRUCT_OFFSET (HdAccountEditor, port_spin), "value" },
  { "folder", G_STRUCT_OFFSET (HdAccountEditor, folder_row), "text" },
  { "oauth-connection", G_STRUCT_OFFSET (HdAccountEditor, oauth_row), "value" },
  { "username", G_STRUCT_OFFSET (HdAccountEditor, username_row), "text" },
  { "prevent-text-only-login", G_STRUCT_OFFSET (HdAccountEditor, prevent_text_only_switch),
    "active" },
  { "prevent-ntlm-login", G_STRUCT_OFFSET (HdAccountEditor, prevent_ntlm_switch), "active" },
  { "sender-address", G_STRUCT_OFFSET (HdAccountEditor, sender_address_row), "text" },
  { "sender-alias", G_STRUCT_OFFSET (HdAccountEditor, sender_alias_row), "text" },
  { "account-address", G_STRUCT_OFFSET (HdAccountEditor, account_address_row), "text" },
  { "no-new-tickets", G_STRUCT_OFFSET (HdAccountEditor, no_new_tickets_switch), "active" },
  { "create-unknown-users", G_STRUCT_OFFSET (HdAccountEditor, create_unknown_users_switch),
    "active" },
  { "create-customer-from-domain", G_STRUCT_OFFSET (HdAccountEditor, create_customer_switch),
    "active" },
  { "fallback-user", G_STRUCT_OFFSET (HdAccountEditor, fallback_user_row), "value" },
  { "auto-bundle", G_STRUCT_OFFSET (HdAccountEditor, auto_bundle_switch), "active" },
  { "auto-answer-template", G_STRUCT_OFFSET (HdAccountEditor, template_row), "value" },
  { "resource", G_STRUCT_OFFSET (HdAccountEditor, resource_row), "value" },
  { "category", G_STRUCT_OFFSET (HdAccountEditor, category_row), "value" },
  { "priority", G_STRUCT_OFFSET (HdAccountEditor, priority_row), "value" },
};

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
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING && g_str_equal (widget_property, "text"))
    binding = g_object_bind_property_full (self->account, property, widget, widget_property,
                                           G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                           string_to_text, NULL, NULL, NULL);
  else
    binding = g_object_bind_property (self->account, property, widget, widget_property,
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
}

static gboolean
is_null (GBinding     *binding,
         const GValue *from,
         GValue       *to,
         gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) == NULL);
  return TRUE;
}

static gboolean
is_not_null (GBinding     *binding,
             const GValue *from,
             GValue       *to,
             gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

static void
forget_pin_cb (HdAccountEditor *self)
{
  g_object_set (self->account, "pinned-certificate", NULL, NULL);
}

static void
fill_names (HdAccountEditor *self,
            HdNameRow       *row,
            HdEntity         entity)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = hd_store_list_names (self->store, entity, &error);

  if (names == NULL)
    {
      g_warning ("Could not list the %s: %s", hd_entity_to_string (entity), error->message);
      return;
    }
  hd_name_row_set_names (row, (const char *const *) names);
}

static void
update_template_note (HdAccountEditor *self)
{
  g_autofree char *on = NULL;

  if (self->store != NULL)
    on = hd_store_dup_setting (self->store, "auto_emails.new_request");
  if (g_strcmp0 (on, "true") == 0)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->template_row),
                                 _("Sent to the sender of a new ticket"));
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->template_row),
                                 _("Auto emails are off in Preferences, so no answer is sent"));
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
account_notify_cb (HdAccountEditor *self,
                   GParamSpec      *pspec)
{
  hd_account_editor_note_change (self, pspec->name);
  g_signal_emit (self, signals[CHANGED], 0);
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
  if (self->check_group != NULL)
    hd_check_group_set_account (self->check_group, NULL);
}

static void
bind_account (HdAccountEditor *self,
              HdAccount       *account)
{
  GBinding *binding;

  self->account = g_object_ref (account);
  hd_check_group_set_account (self->check_group, account);
  self->default_port = hd_default_port (hd_account_get_protocol (account),
                                        hd_account_get_security (account));
  /* The port row shows a number from 1 up; "unset" is the default. */
  if (hd_account_get_port (account) == 0)
    g_object_set (account, "port", self->default_port, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bound_fields); i++)
    bind (self, bound_fields[i].property,
          G_STRUCT_MEMBER (gpointer, self, bound_fields[i].offset),
          bound_fields[i].widget_property);

  binding = g_object_bind_property_full (account, "protocol", self->folder_row, "visible",
                                         G_BINDING_SYNC_CREATE, protocol_to_folder_visible,
                                         NULL, NULL, NULL);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  /* Insensitivity rules: a fallback user only matters when unknown senders
   * do not become users; an auto-answer only goes out for a new ticket. */
  binding = g_object_bind_property (account, "create-unknown-users", self->fallback_user_row,
                                    "sensitive", G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  binding = g_object_bind_property (account, "create-unknown-users", self->create_customer_row,
                                    "sensitive", G_BINDING_SYNC_CREATE);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  binding = g_object_bind_property (account, "no-new-tickets", self->template_row, "sensitive",
                                    G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  binding = g_object_bind_property_full (account, "oauth-connection", self->password_row,
                                         "sensitive", G_BINDING_SYNC_CREATE, is_null, NULL, NULL,
                                         NULL);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  binding = g_object_bind_property_full (account, "pinned-certificate", self->pin_row,
                                         "visible", G_BINDING_SYNC_CREATE, is_not_null, NULL,
                                         NULL, NULL);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  binding = g_object_bind_property (account, "pinned-certificate", self->pin_row, "subtitle",
                                    G_BINDING_SYNC_CREATE);
  g_ptr_array_add (self->bindings, g_object_ref (binding));

  /* The dialog shows the OAuth group once the account uses a connection;
   * choosing "None" there keeps it in sight until another account is shown. */
  gtk_widget_set_visible (GTK_WIDGET (self->oauth_group),
                          hd_account_get_oauth_connection (account) != NULL
                          || hd_oauth_connections_exist (self->store));

  g_signal_connect_swapped (account, "notify::protocol", G_CALLBACK (connection_changed_cb), self);
  g_signal_connect_swapped (account, "notify::security", G_CALLBACK (connection_changed_cb), self);
  g_signal_connect_swapped (account, "notify", G_CALLBACK (account_notify_cb), self);
  update_security_warning (self);
  hd_account_editor_watch_mode (self);
}

static void
password_changed_cb (HdAccountEditor *self)
{
  hd_account_editor_note_change (self, "password");
  g_signal_emit (self, signals[CHANGED], 0);
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
  hd_account_editor_stop_mode (self);
  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_ACCOUNT_EDITOR);

  G_OBJECT_CLASS (hd_account_editor_parent_class)->dispose (object);
}

static void
hd_account_editor_finalize (GObject *object)
{
  HdAccountEditor *self = HD_ACCOUNT_EDITOR (object);

  g_clear_pointer (&self->bindings, g_ptr_array_unref);
  g_clear_pointer (&self->touched, g_hash_table_unref);

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
    case PROP_STORE:
      g_value_set_object (value, self->store);
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
    case PROP_STORE:
      hd_account_editor_set_store (self, g_value_get_object (value));
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
  /**
   * HdAccountEditor:store:
   *
   * The database whose users, resources, categories and priorities the
   * choosers offer.
   */
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HdAccountEditor::changed:
   *
   * A field of the account or the password changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-account-editor.ui");
  gtk_widget_class_install_action (widget_class, "editor.oauth-sign-in", NULL,
                                   hd_oauth_editor_sign_in_action);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, error_group);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, enabled_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, poll_interval_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, poll_interval_spin);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, push_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, push_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, mode_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, host_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, protocol_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, security_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, port_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, port_spin);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, folder_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, pin_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, oauth_group);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, oauth_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, username_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, password_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, prevent_text_only_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, prevent_text_only_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, prevent_ntlm_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, prevent_ntlm_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, sender_address_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, sender_alias_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, account_address_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, no_new_tickets_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, no_new_tickets_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, create_unknown_users_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, create_unknown_users_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, create_customer_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, create_customer_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, fallback_user_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, auto_bundle_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, auto_bundle_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, template_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, resource_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, category_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, priority_row);
  gtk_widget_class_bind_template_child (widget_class, HdAccountEditor, check_group);
  gtk_widget_class_bind_template_callback (widget_class, forget_pin_cb);

  g_type_ensure (HD_TYPE_NAME_ROW);
  g_type_ensure (HD_TYPE_CHECK_GROUP);
}

static void
hd_account_editor_init (HdAccountEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->bindings = g_ptr_array_new_with_free_func (g_object_unref);
  self->touched = g_hash_table_new (g_str_hash, g_str_equal);
  hd_check_group_set_password_source (self->check_group, GTK_EDITABLE (self->password_row));
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
  g_hash_table_remove_all (self->touched);
  self->show_all_errors = FALSE;
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
 * hd_account_editor_set_store:
 * @store: (nullable): the database the choosers list names from
 *
 * Fills the choosers of users, resources, categories and priorities, and
 * the note on auto emails, from @store.
 */
void
hd_account_editor_set_store (HdAccountEditor *self,
                             HdStore         *store)
{
  g_return_if_fail (HD_IS_ACCOUNT_EDITOR (self));
  g_return_if_fail (store == NULL || HD_IS_STORE (store));

  if (!g_set_object (&self->store, store))
    return;
  hd_check_group_set_store (self->check_group, store);
  hd_account_editor_reload_names (self);
  if (hd_oauth_connections_exist (store))
    gtk_widget_set_visible (GTK_WIDGET (self->oauth_group), TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

/**
 * hd_account_editor_reload_names:
 *
 * Reads the lists of the choosers and the auto-email setting again, after
 * they changed in the store.
 */
void
hd_account_editor_reload_names (HdAccountEditor *self)
{
  g_auto (GStrv) templates = NULL;

  g_return_if_fail (HD_IS_ACCOUNT_EDITOR (self));

  update_template_note (self);
  templates = hd_auto_answer_list_templates ();
  hd_name_row_set_names (self->template_row, (const char *const *) templates);
  if (self->store == NULL)
    return;
  fill_names (self, self->fallback_user_row, HD_ENTITY_USERS);
  fill_names (self, self->resource_row, HD_ENTITY_RESOURCES);
  fill_names (self, self->category_row, HD_ENTITY_CATEGORIES);
  fill_names (self, self->priority_row, HD_ENTITY_PRIORITIES);
}
