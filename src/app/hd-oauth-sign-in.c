/* hd-oauth-sign-in.c: the browser sign-in of one account from the window.
 *
 * The flow runs in a worker thread on a store connection of its own
 * (hd_oauth_sign_in_browser_sync() waits on a main context of its own);
 * the authorization URL comes back to the main thread, which opens it with
 * gtk_show_uri() (the OpenURI portal inside Flatpak). A dialog says whom
 * to sign in as and waits, with Cancel.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth-sign-in.h"

#include <glib/gi18n.h>

#include "hd-account.h"
#include "hd-oauth.h"

/* How long the dialog waits for the browser. */
#define SIGN_IN_TIMEOUT 600

typedef struct {
  char         *db_path;
  char         *account;
  GtkWindow    *parent;     /* main thread only */
  AdwMessageDialog *dialog; /* main thread only */
  GCancellable *cancellable;
} SignIn;

static void
sign_in_free (SignIn *sign_in)
{
  g_free (sign_in->db_path);
  g_free (sign_in->account);
  g_clear_object (&sign_in->parent);
  g_clear_object (&sign_in->dialog);
  g_clear_object (&sign_in->cancellable);
  g_free (sign_in);
}

typedef struct {
  GtkWindow *parent;
  char      *uri;
} ShowUri;

static gboolean
show_uri_cb (gpointer user_data)
{
  ShowUri *show = user_data;

  gtk_show_uri (show->parent, show->uri, GDK_CURRENT_TIME);
  g_object_unref (show->parent);
  g_free (show->uri);
  g_free (show);
  return G_SOURCE_REMOVE;
}

/* Called in the worker: the browser is opened from the main thread. */
static void
show_cb (const char *uri,
         const char *user_code,
         gpointer    user_data)
{
  SignIn *sign_in = user_data;
  ShowUri *show = g_new0 (ShowUri, 1);

  show->parent = g_object_ref (sign_in->parent);
  show->uri = g_strdup (uri);
  g_main_context_invoke (NULL, show_uri_cb, show);
}

static void
sign_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SignIn *sign_in = task_data;
  g_autoptr (HdStore) store = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (HdOAuthConnection) connection = NULL;
  GError *error = NULL;

  store = hd_store_open (sign_in->db_path, &error);
  if (store != NULL)
    account = hd_store_lookup_account (store, sign_in->account, &error);
  if (account != NULL)
    connection = hd_store_lookup_oauth_connection (store,
                                                   hd_account_get_oauth_connection (account)
                                                   ? hd_account_get_oauth_connection (account)
                                                   : "", &error);
  if (connection == NULL
      || !hd_oauth_sign_in_browser_sync (store, sign_in->account,
                                         hd_account_get_username (account), connection,
                                         SIGN_IN_TIMEOUT, show_cb, sign_in, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
response_cb (AdwMessageDialog *dialog,
             const char       *response,
             gpointer          user_data)
{
  GCancellable *cancellable = user_data;

  /* Cancel, Escape or the close button: stop waiting for the browser. */
  g_cancellable_cancel (cancellable);
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SignIn *sign_in = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  AdwMessageDialog *notice;

  g_autoptr (GtkWindow) parent = g_steal_pointer (&sign_in->parent);
  g_autoptr (AdwMessageDialog) dialog = g_steal_pointer (&sign_in->dialog);

  /* The widgets are let go here, on the main thread, not where the task ends. */
  g_signal_handlers_disconnect_by_func (dialog, response_cb, sign_in->cancellable);
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (g_task_propagate_boolean (G_TASK (result), &error))
    notice = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Signed In"), NULL));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    notice = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Sign-In Failed"),
                                                         error->message));
  adw_message_dialog_add_response (notice, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (notice));
}

/**
 * hd_oauth_sign_in_run:
 * @parent: the window the dialogs belong to
 * @store: the window's store (only its path goes to the worker)
 * @account: the account to sign in
 *
 * Opens the browser on the provider's sign-in page and waits, in a dialog
 * with Cancel, for the redirect; the tokens go to the keyring.
 */
void
hd_oauth_sign_in_run (GtkWindow  *parent,
                      HdStore    *store,
                      const char *account)
{
  g_autoptr (GTask) task = NULL;
  SignIn *sign_in;

  g_return_if_fail (GTK_IS_WINDOW (parent) && HD_IS_STORE (store) && account != NULL);

  sign_in = g_new0 (SignIn, 1);
  sign_in->db_path = g_strdup (hd_store_get_path (store));
  sign_in->account = g_strdup (account);
  sign_in->parent = g_object_ref (parent);
  sign_in->cancellable = g_cancellable_new ();
  sign_in->dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    parent, _("Sign In in the Browser"),
    _("Sign in as the user who may open the mailbox. If the browser is already signed in "
      "as someone else, a private browser window helps. The user name of the account names "
      "the mailbox to read (for a Microsoft shared mailbox: its address, signed in as a "
      "delegate).")));
  g_object_ref_sink (sign_in->dialog);
  adw_message_dialog_add_response (sign_in->dialog, "cancel", _("_Cancel"));
  g_signal_connect (sign_in->dialog, "response", G_CALLBACK (response_cb), sign_in->cancellable);
  gtk_window_present (GTK_WINDOW (sign_in->dialog));

  task = g_task_new (NULL, sign_in->cancellable, done_cb, NULL);
  g_task_set_source_tag (task, hd_oauth_sign_in_run);
  g_task_set_task_data (task, sign_in, (GDestroyNotify) sign_in_free);
  g_task_run_in_thread (task, sign_in_thread);
}

/**
 * hd_oauth_connections_exist:
 *
 * Returns: whether the store holds an OAuth connection, for the editor's
 *   "OAuth Connection" group, which the dialog shows only then
 */
gboolean
hd_oauth_connections_exist (HdStore *store)
{
  g_autoptr (GPtrArray) connections = NULL;

  if (store == NULL)
    return FALSE;
  connections = hd_store_list_oauth_connections (store, NULL);
  return connections != NULL && connections->len > 0;
}

/**
 * hd_oauth_editor_sign_in_action:
 * @editor: an HdAccountEditor (its "store" and "account" properties are read)
 *
 * "Set Up OAuth Connection…" of the editor: the browser sign-in of the
 * account shown, as it is saved.
 */
void
hd_oauth_editor_sign_in_action (GtkWidget  *editor,
                                const char *action_name,
                                GVariant   *parameter)
{
  g_autoptr (HdStore) store = NULL;
  g_autoptr (HdAccount) account = NULL;

  g_object_get (editor, "store", &store, "account", &account, NULL);
  if (store == NULL || account == NULL || hd_account_get_name (account) == NULL)
    return;
  hd_oauth_sign_in_run (GTK_WINDOW (gtk_widget_get_root (editor)), store,
                        hd_account_get_name (account));
}
