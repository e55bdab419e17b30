/* hd-window-accounts.c: what the window does to a saved account: save,
 * revert, duplicate and remove it, switch it on and off, and ask before
 * unsaved changes are lost. Every change goes through HdAccounts in a worker
 * thread, so that the database and the keyring stay paired and the window
 * never waits for another process's write lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-window-private.h"

#include <glib/gi18n.h>

#include "hd-account-json.h"

/* What a callback needs of the change it started: the window (a reference,
 * so that it outlives the call) and the account's name. */
typedef struct {
  HdWindow *window;
  char *name;
} Job;

static Job *
job_new (HdWindow   *window,
         const char *name)
{
  Job *job = g_new0 (Job, 1);

  job->window = g_object_ref (window);
  job->name = g_strdup (name);
  return job;
}

static void
job_free (Job *job)
{
  g_object_unref (job->window);
  g_free (job->name);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

static char *
account_json (HdAccount *account)
{
  g_autoptr (JsonNode) node = hd_account_to_json (account);

  return json_to_string (node, FALSE);
}

gboolean
hd_window_is_dirty (HdWindow *self)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (self->original == NULL || self->draft == NULL)
    return FALSE;
  if (*hd_account_editor_get_password (self->editor) != '\0')
    return TRUE;
  before = account_json (self->original);
  after = account_json (self->draft);
  return g_strcmp0 (before, after) != 0;
}

/* What the switch's save needs when it is done. */
typedef struct {
  HdWindow *window;
  HdAccount *account;
  gboolean enabled;
} EnabledJob;

static void
enabled_job_free (EnabledJob *job)
{
  g_object_unref (job->window);
  g_object_unref (job->account);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EnabledJob, enabled_job_free)

static void
enabled_saved_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (EnabledJob) job = user_data;
  HdWindow *self = job->window;
  g_autoptr (GError) error = NULL;

  if (!hd_accounts_update_finish (HD_ACCOUNTS (object), result, &error))
    {
      if (self->store == NULL)
        return;
      hd_window_toast_error (self, error);
      /* The row shows the account again, which still has the old state. */
      g_object_notify (G_OBJECT (job->account), "enabled");
      return;
    }
  g_object_set (job->account, "enabled", job->enabled, NULL);
  if (self->store == NULL)
    return;
  /* The switch saves at once; the editor's copy follows it so that the
   * switch alone does not count as an unsaved change. */
  if (job->account == self->original && self->draft != NULL)
    g_object_set (self->draft, "enabled", job->enabled, NULL);
  hd_window_update_actions (self);
}

/**
 * hd_window_save_enabled:
 *
 * Saves what the switch of @account's row says, in a worker thread.
 */
void
hd_window_save_enabled (HdWindow  *self,
                        HdAccount *account,
                        gboolean   enabled)
{
  g_autoptr (HdAccount) changed = hd_account_copy (account);
  EnabledJob *job;

  g_object_set (changed, "enabled", enabled, NULL);
  job = g_new0 (EnabledJob, 1);
  job->window = g_object_ref (self);
  job->account = g_object_ref (account);
  job->enabled = enabled;
  hd_accounts_update_async (self->writer, hd_account_get_name (account), changed, NULL,
                            self->cancellable, enabled_saved_cb, job);
}

/* A dispose of the window clears its store: the change went on, but
 * there is nothing left to show it in. */
static gboolean
is_disposed (HdWindow *self)
{
  return self->store == NULL;
}

/* While a change of an account runs in its worker, the editor and the
 * actions wait for it, and the spinner says so; the window answers. */
static void
set_busy (HdWindow *self,
          gboolean  busy)
{
  /* GTK 4.8 warns when a focused entry turns insensitive (GTK issue 5845),
   * so the focus leaves the fields first. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->editor), !busy && self->original != NULL);
  gtk_widget_set_visible (self->busy_box, busy);
  gtk_spinner_set_spinning (self->busy_spinner, busy);
  hd_window_update_actions (self);
}

static void
remove_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (Job) job = user_data;
  HdWindow *self = job->window;
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;

  if (!hd_accounts_remove_finish (HD_ACCOUNTS (object), result, &error))
    g_warning ("Could not remove “%s”: %s", job->name, error->message);
  if (is_disposed (self))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      hd_window_toast_error (self, error);
      hd_window_reload (self);
      return;
    }

  /* The draft of a removed account has nowhere to be saved. */
  if (self->original != NULL && g_strcmp0 (hd_account_get_name (self->original), job->name) == 0)
    hd_window_show_account (self, NULL);
  hd_window_reload (self);
  markup = g_markup_printf_escaped (_("Removed “%s”"), job->name);
  hd_window_toast (self, markup);
}

static void
remove_account (HdWindow   *self,
                const char *name)
{
  set_busy (self, TRUE);
  hd_accounts_remove_async (self->writer, name, self->cancellable, remove_cb,
                            job_new (self, name));
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

/* What the admin asked for before the save: show another account, or
 * close the window. */
static void
do_what_was_asked (HdWindow  *self,
                     HdAccount *then_show,
                     gboolean   then_close)
{
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

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (Job) job = user_data;
  HdWindow *self = job->window;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) then_show = NULL;
  g_autofree char *markup = NULL;
  gboolean then_close;

  if (!hd_accounts_update_finish (HD_ACCOUNTS (object), result, &error))
    g_debug ("Could not save “%s”: %s", job->name, error->message);
  if (is_disposed (self))
    return;

  then_show = g_steal_pointer (&self->then_show);
  then_close = self->then_close;
  self->then_close = FALSE;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      /* A change that could not be saved stays, with its error in sight,
       * and the window neither closes nor moves on. */
      hd_account_editor_show_save_error (self->editor, error);
      return;
    }

  markup = g_markup_printf_escaped (_("Saved “%s”"), job->name);
  /* The saved account is shown afresh, which also forgets the typed
   * password; the reload finds it under its new name. */
  if (self->original != NULL)
    g_object_set (self->original, "name", job->name, NULL);
  g_clear_object (&self->draft);
  hd_window_reload (self);
  hd_window_toast (self, markup);
  do_what_was_asked (self, then_show, then_close);
}

/**
 * hd_window_save_account:
 *
 * Saves the draft, with a typed password and a new name's move of the
 * secrets, in a worker thread. What the admin asked for meanwhile (another
 * account, closing the window) happens once the save succeeded.
 */
void
hd_window_save_account (HdWindow *self)
{
  g_autoptr (GError) error = NULL;
  const char *password;

  g_assert (self->original != NULL && self->draft != NULL);

  if (self->busy)
    return;
  hd_account_editor_clear_errors (self->editor);
  if (!hd_account_validate (self->draft, &error))
    {
      g_clear_object (&self->then_show);
      self->then_close = FALSE;
      hd_account_editor_show_error (self->editor, error);
      return;
    }

  password = hd_account_editor_get_password (self->editor);
  set_busy (self, TRUE);
  hd_accounts_update_async (self->writer, hd_account_get_name (self->original), self->draft,
                            *password != '\0' ? password : NULL, self->cancellable, save_cb,
                            job_new (self, hd_account_get_name (self->draft)));
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
duplicate_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (Job) job = user_data;
  HdWindow *self = job->window;
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;
  HdAccountRow *row;

  if (!hd_accounts_duplicate_finish (HD_ACCOUNTS (object), result, &error))
    g_debug ("Could not duplicate as “%s”: %s", job->name, error->message);
  if (is_disposed (self))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      hd_window_toast_error (self, error);
      return;
    }

  g_clear_object (&self->draft);
  hd_window_reload (self);
  row = hd_window_row_for_name (self, job->name);
  hd_window_select_quietly (self, row);
  if (row != NULL)
    hd_window_show_account (self, hd_account_row_get_account (row));
  /* Translators: %s is the name of the new account. */
  markup = g_markup_printf_escaped (_("Duplicated as “%s”, not read until switched on"),
                                    job->name);
  hd_window_toast (self, markup);
}

static void
duplicate_account_action_cb (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  g_autoptr (HdAccount) copy = hd_account_copy (self->original);
  g_autofree char *name = copy_name (self, hd_account_get_name (self->original));

  /* The store refuses a second account with the same account address, and
   * the copy is meant for another mailbox anyway. */
  g_object_set (copy, "name", name, "enabled", FALSE, "account-address", NULL, NULL);
  set_busy (self, TRUE);
  hd_accounts_duplicate_async (self->writer, hd_account_get_name (self->original), copy,
                               self->cancellable, duplicate_cb, job_new (self, name));
}

static void
unsaved_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  HdWindow *self = HD_WINDOW (user_data);
  g_autoptr (HdAccount) then_show = NULL;
  gboolean then_close;

  /* Saving goes on in the save's callback, once it is known to have worked. */
  if (g_strcmp0 (response, "save") == 0)
    {
      hd_window_save_account (self);
      return;
    }

  then_show = g_steal_pointer (&self->then_show);
  then_close = self->then_close;
  self->then_close = FALSE;
  if (g_strcmp0 (response, "discard") == 0)
    do_what_was_asked (self, then_show, then_close);
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
