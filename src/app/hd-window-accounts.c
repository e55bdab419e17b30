/* hd-window-accounts.c: what the window does to a saved account: save,
 * revert, duplicate and remove it, and ask before unsaved changes are lost.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-window-private.h"

#include <glib/gi18n.h>

#include "hd-account-json.h"
#include "hd-keyring-job.h"
#include "hd-secrets.h"

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
  hd_window_toast (self, markup);
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
      hd_window_toast_error (self, error);
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

  /* The draft of a removed account has nowhere to be saved. */
  if (self->original != NULL && g_strcmp0 (hd_account_get_name (self->original), name) == 0)
    hd_window_show_account (self, NULL);
  hd_window_reload (self);
  markup = g_markup_printf_escaped (_("Removed “%s”"), name);
  hd_window_toast (self, markup);
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
keyring_job_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (HdWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;

  if (hd_keyring_job_run_finish (result, &error))
    return;
  g_warning ("The keyring did not take the change: %s", error->message);
  if (self->toast_overlay == NULL)
    return;
  markup = g_markup_printf_escaped (_("The keyring did not take the password: %s"),
                                    error->message);
  hd_window_toast (self, markup);
}

void
hd_window_save_account (HdWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *old_name = NULL;
  g_autofree char *markup = NULL;
  const char *password;
  const char *new_name;

  g_assert (self->original != NULL && self->draft != NULL);

  hd_account_editor_clear_errors (self->editor);
  old_name = g_strdup (hd_account_get_name (self->original));
  if (!hd_account_validate (self->draft, &error)
      || !hd_store_update_account (self->store, old_name, self->draft, &error))
    {
      hd_account_editor_show_error (self->editor, error);
      return;
    }

  new_name = hd_account_get_name (self->draft);
  password = hd_account_editor_get_password (self->editor);
  if (g_strcmp0 (old_name, new_name) != 0 || *password != '\0')
    hd_keyring_job_run_async (HD_KEYRING_JOB_RENAME, hd_store_get_id (self->store), old_name,
                              new_name, password, NULL, keyring_job_cb, g_object_ref (self));

  markup = g_markup_printf_escaped (_("Saved “%s”"), new_name);
  /* The saved account is shown afresh, which also forgets the typed
   * password; the reload finds it under its new name. */
  g_object_set (self->original, "name", new_name, NULL);
  g_clear_object (&self->draft);
  hd_window_reload (self);
  hd_window_toast (self, markup);
}

static void
save_account_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);

  hd_window_save_account (self);
}

static void
revert_account_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  g_autoptr (HdAccount) original = g_object_ref (self->original);

  hd_window_show_account (self, original);
}

static char *
copy_name (HdWindow   *self,
           const char *name)
{
  for (guint i = 1;; i++)
    {
      g_autofree char *candidate = NULL;
      g_autoptr (HdAccount) existing = NULL;

      if (i == 1)
        /* Translators: The name of a duplicated account; %s is the original's name. */
        candidate = g_strdup_printf (_("%s (Copy)"), name);
      else
        /* Translators: The name of a further duplicate; %s is a name, %u a number. */
        candidate = g_strdup_printf (_("%s (Copy %u)"), name, i);
      existing = hd_store_lookup_account (self->store, candidate, NULL);
      if (existing == NULL)
        return g_steal_pointer (&candidate);
    }
}

static void
duplicate_account_action_cb (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  g_autoptr (HdAccount) copy = hd_account_copy (self->original);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = copy_name (self, hd_account_get_name (self->original));
  g_autofree char *markup = NULL;

  /* The store refuses a second account with the same account address, and
   * the copy is meant for another mailbox anyway. */
  g_object_set (copy, "name", name, "enabled", FALSE, "account-address", NULL, NULL);
  if (!hd_store_add_account (self->store, copy, &error))
    {
      hd_window_toast_error (self, error);
      return;
    }
  hd_keyring_job_run_async (HD_KEYRING_JOB_COPY, hd_store_get_id (self->store),
                            hd_account_get_name (self->original), name, NULL, NULL,
                            keyring_job_cb, g_object_ref (self));
  g_clear_object (&self->draft);
  g_set_object (&self->original, copy);
  hd_window_reload (self);
  /* Translators: %s is the name of the new account. */
  markup = g_markup_printf_escaped (_("Duplicated as “%s”, not read until switched on"), name);
  hd_window_toast (self, markup);
}

static void
unsaved_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  g_autoptr (HdAccount) then_show = g_steal_pointer (&self->then_show);
  gboolean then_close = self->then_close;

  self->then_close = FALSE;
  if (g_strcmp0 (response, "save") == 0)
    {
      hd_window_save_account (self);
      /* A change that could not be saved stays, with its error in sight. */
      if (hd_window_is_dirty (self))
        return;
    }
  else if (g_strcmp0 (response, "discard") != 0)
    return;

  if (then_close)
    {
      self->closing = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (then_show != NULL)
    {
      HdAccountRow *row = hd_window_row_for_name (self, hd_account_get_name (then_show));

      hd_window_select_quietly (self, row);
      hd_window_show_account (self, row != NULL ? hd_account_row_get_account (row) : NULL);
      adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
    }
}

void
hd_window_ask_unsaved (HdWindow *self)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Save Changes?"), NULL));
  /* Translators: %s is the name of a mail account. */
  adw_message_dialog_format_body (dialog, _("“%s” has changes that are not saved yet."),
                                  hd_account_get_name (self->original));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (unsaved_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * hd_window_class_add_account_actions:
 *
 * Installs the actions on the selected account: win.save-account,
 * win.revert-account, win.duplicate-account and win.remove-account.
 */
void
hd_window_class_add_account_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.remove-account", "s",
                                   remove_account_action_cb);
  gtk_widget_class_install_action (widget_class, "win.save-account", NULL,
                                   save_account_action_cb);
  gtk_widget_class_install_action (widget_class, "win.revert-account", NULL,
                                   revert_account_action_cb);
  gtk_widget_class_install_action (widget_class, "win.duplicate-account", NULL,
                                   duplicate_account_action_cb);
}

/**
 * hd_window_select_account:
 *
 * Shows the named account, as clicking its row does (the poller's
 * notifications open the window on the account they are about).
 */
void
hd_window_select_account (HdWindow   *self,
                          const char *name)
{
  HdAccountRow *row;

  g_return_if_fail (HD_IS_WINDOW (self));

  row = name != NULL ? hd_window_row_for_name (self, name) : NULL;
  if (row != NULL)
    gtk_list_box_select_row (self->account_list, GTK_LIST_BOX_ROW (row));
}
