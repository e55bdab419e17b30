/* hd-account-editor-errors.c: which field an error of the account is on,
 * and when it shows: for a field the admin touched while typing, for every
 * field once Add or Save was pressed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-editor.h"
#include "hd-account-editor-private.h"

#include <glib/gi18n.h>
#include <string.h>

/* The field names are the JSON paths that hd_account_validate() and the
 * store put in front of their error messages. */
static const struct {
  const char *field;
  gsize offset;
} field_rows[] = {
  { "name", G_STRUCT_OFFSET (HdAccountEditor, name_row) },
  { "enabled", G_STRUCT_OFFSET (HdAccountEditor, enabled_row) },
  { "poll_interval", G_STRUCT_OFFSET (HdAccountEditor, poll_interval_row) },
  { "incoming.host", G_STRUCT_OFFSET (HdAccountEditor, host_row) },
  { "incoming.protocol", G_STRUCT_OFFSET (HdAccountEditor, protocol_row) },
  { "incoming.security", G_STRUCT_OFFSET (HdAccountEditor, security_row) },
  { "incoming.port", G_STRUCT_OFFSET (HdAccountEditor, port_row) },
  { "incoming.folder", G_STRUCT_OFFSET (HdAccountEditor, folder_row) },
  { "incoming.pinned_certificate", G_STRUCT_OFFSET (HdAccountEditor, pin_row) },
  { "oauth_connection", G_STRUCT_OFFSET (HdAccountEditor, oauth_row) },
  { "login.username", G_STRUCT_OFFSET (HdAccountEditor, username_row) },
  { "login.password", G_STRUCT_OFFSET (HdAccountEditor, password_row) },
  { "login.prevent_text_only_login", G_STRUCT_OFFSET (HdAccountEditor, prevent_text_only_row) },
  { "login.prevent_ntlm_login", G_STRUCT_OFFSET (HdAccountEditor, prevent_ntlm_row) },
  { "account_info.sender_address", G_STRUCT_OFFSET (HdAccountEditor, sender_address_row) },
  { "account_info.sender_alias", G_STRUCT_OFFSET (HdAccountEditor, sender_alias_row) },
  { "account_info.account_address", G_STRUCT_OFFSET (HdAccountEditor, account_address_row) },
  { "tickets.no_new_tickets", G_STRUCT_OFFSET (HdAccountEditor, no_new_tickets_row) },
  { "tickets.create_unknown_users", G_STRUCT_OFFSET (HdAccountEditor, create_unknown_users_row) },
  { "tickets.create_customer_from_domain", G_STRUCT_OFFSET (HdAccountEditor, create_customer_row) },
  { "tickets.fallback_user", G_STRUCT_OFFSET (HdAccountEditor, fallback_user_row) },
  { "tickets.auto_bundle", G_STRUCT_OFFSET (HdAccountEditor, auto_bundle_row) },
  { "tickets.auto_answer_template", G_STRUCT_OFFSET (HdAccountEditor, template_row) },
  { "tickets.resource", G_STRUCT_OFFSET (HdAccountEditor, resource_row) },
  { "tickets.category", G_STRUCT_OFFSET (HdAccountEditor, category_row) },
  { "tickets.priority", G_STRUCT_OFFSET (HdAccountEditor, priority_row) },
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

/* The JSON path of an account property: "sender-address" is
 * "account_info.sender_address". */
static const char *
field_for_property (const char *property)
{
  g_autofree char *underscored = g_strdelimit (g_strdup (property), "-", '_');

  for (gsize i = 0; i < G_N_ELEMENTS (field_rows); i++)
    {
      const char *field = field_rows[i].field;
      const char *dot = strrchr (field, '.');

      if (g_str_equal (dot != NULL ? dot + 1 : field, underscored))
        return field;
    }
  return NULL;
}

static gboolean
show_field_error (HdAccountEditor *self,
                  const char      *field,
                  const char      *message,
                  gboolean         focus)
{
  GtkWidget *row;
  g_autofree char *text = NULL;

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
      /* While the admin types, the focus stays where it is. */
      if (focus)
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

static gboolean
show_error (HdAccountEditor *self,
            const GError    *error,
            gboolean         focus)
{
  g_autofree char *field = NULL;
  const char *message;

  field = hd_account_error_dup_field (error);
  message = error->message;
  if (field != NULL && row_for_field (self, field) != NULL)
    message += strlen (field) + strlen (": ");
  else
    g_clear_pointer (&field, g_free);

  return show_field_error (self, field, message, focus);
}

/**
 * hd_account_editor_show_field_error:
 * @field: the JSON path of the field, e.g. "incoming.port"
 * @message: what is wrong with it
 *
 * Marks the field's row, moves the focus to it and shows the message above
 * the fields. A field the editor does not show yet gets the message alone.
 * From now on, every error of the account shows while it is edited.
 *
 * Returns: %TRUE if a row of the editor shows @field
 */
gboolean
hd_account_editor_show_field_error (HdAccountEditor *self,
                                    const char      *field,
                                    const char      *message)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  self->show_all_errors = TRUE;
  return show_field_error (self, field, message, TRUE);
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
  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  self->show_all_errors = TRUE;
  return show_error (self, error, TRUE);
}

/**
 * hd_account_editor_show_save_error:
 * @error: an error of an HdAccounts change
 *
 * Shows why the account was not saved: an error of the account or the
 * database on the field it names (or the database's reply alone), and
 * any other, which can only be the keyring's reply, on the password.
 *
 * Returns: %TRUE if a row of the editor shows the error
 */
gboolean
hd_account_editor_show_save_error (HdAccountEditor *self,
                                   const GError    *error)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == HD_ACCOUNT_ERROR || error->domain == HD_STORE_ERROR)
    return hd_account_editor_show_error (self, error);
  return hd_account_editor_show_field_error (self, "login.password", error->message);
}

/**
 * hd_account_editor_dup_problem:
 *
 * Returns: (nullable): what keeps the account from being saved, as the
 *   error line would say it, or %NULL when it is valid as far as it can
 *   tell on its own
 */
char *
hd_account_editor_dup_problem (HdAccountEditor *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;
  GtkWidget *row;

  g_return_val_if_fail (HD_IS_ACCOUNT_EDITOR (self), NULL);

  if (hd_account_validate (self->account, &error))
    return NULL;
  field = hd_account_error_dup_field (error);
  row = field != NULL ? row_for_field (self, field) : NULL;
  if (row != NULL)
    {
      g_autofree char *label = row_label (row);

      return g_strdup_printf (_("%s: %s"), label, error->message + strlen (field) + 2);
    }
  return g_strdup (error->message);
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

/**
 * hd_account_editor_note_change:
 * @property: the account property that changed, or "password"
 *
 * Remembers the field as touched and shows the account's error if it is on
 * a touched field (or every error, once Add or Save was pressed).
 */
void
hd_account_editor_note_change (HdAccountEditor *self,
                               const char      *property)
{
  const char *field = g_str_equal (property, "password") ? "login.password"
                                                          : field_for_property (property);
  g_autoptr (GError) error = NULL;
  g_autofree char *error_field = NULL;

  if (field != NULL)
    g_hash_table_add (self->touched, (gpointer) field);

  hd_account_editor_clear_errors (self);
  if (hd_account_validate (self->account, &error))
    return;
  error_field = hd_account_error_dup_field (error);
  if (self->show_all_errors
      || (error_field != NULL && g_hash_table_contains (self->touched, error_field)))
    show_error (self, error, FALSE);
}

