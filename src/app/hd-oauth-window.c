/* hd-oauth-window.c: the "OAuth Connections" page of the app menu: the
 * connections (added from a JSON file as `helpdesk-mailctl oauth add` takes
 * it, or removed), and the accounts that sign in through them, each with
 * "Sign In…" for the browser sign-in and its "sign in again" state.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-oauth-window.h"

#include <glib/gi18n.h>

#include "hd-account.h"
#include "hd-oauth-sign-in.h"
#include "hd-oauth.h"
#include "hd-store-health.h"

struct _HdOAuthWindow
{
  AdwPreferencesWindow parent_instance;

  HdStore *store;
  AdwPreferencesPage *page;
};

G_DEFINE_FINAL_TYPE (HdOAuthWindow, hd_oauth_window, ADW_TYPE_PREFERENCES_WINDOW)

static void reload (HdOAuthWindow *self);

static void
toast (HdOAuthWindow *self,
       const char    *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);

  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (markup));
}

static void
remove_clicked_cb (GtkButton     *button,
                   HdOAuthWindow *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "connection");
  g_autoptr (GError) error = NULL;

  if (!hd_store_remove_oauth_connection (self->store, name, &error))
    {
      toast (self, error->message);
      return;
    }
  reload (self);
}

static void
sign_in_clicked_cb (GtkButton     *button,
                    HdOAuthWindow *self)
{
  hd_oauth_sign_in_run (GTK_WINDOW (self), self->store,
                        g_object_get_data (G_OBJECT (button), "account"));
}

static void
add_file_response_cb (GtkNativeDialog *chooser,
                      int              response,
                      HdOAuthWindow   *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (HdOAuthConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = g_file_get_path (file);
    }
  g_object_unref (chooser);
  if (path == NULL)
    return;
  if (!json_parser_load_from_file (parser, path, &error)
      || json_parser_get_root (parser) == NULL
      || (connection = hd_oauth_connection_from_json (json_parser_get_root (parser),
                                                      &error)) == NULL
      || !hd_store_add_oauth_connection (self->store, connection, &error))
    {
      toast (self, error != NULL ? error->message : _("The file holds no OAuth connection"));
      return;
    }
  reload (self);
}

static void
add_clicked_cb (GtkButton     *button,
                HdOAuthWindow *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Add OAuth Connection"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), _("_Cancel"));
  g_signal_connect (chooser, "response", G_CALLBACK (add_file_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GtkWidget *
row_button (const char *label,
            const char *key,
            const char *value,
            GCallback   callback,
            gpointer    self)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), key, g_strdup (value), g_free);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

static AdwPreferencesGroup *
connections_group (HdOAuthWindow *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_autoptr (GPtrArray) connections = hd_store_list_oauth_connections (self->store, NULL);
  GtkWidget *add = gtk_button_new_with_mnemonic (_("_Add From File…"));

  adw_preferences_group_set_title (group, _("Connections"));
  adw_preferences_group_set_description (group,
    _("An app registered with Microsoft Entra, Google or another provider, as a JSON file "
      "(see the README); the client secret is given with helpdesk-mailctl oauth add."));
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  g_signal_connect (add, "clicked", G_CALLBACK (add_clicked_cb), self);
  adw_preferences_group_set_header_suffix (group, add);
  for (guint i = 0; connections != NULL && i < connections->len; i++)
    {
      HdOAuthConnection *c = connections->pdata[i];
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *subtitle = g_strdup_printf ("%s · %s · %s", c->provider,
                                                   c->grant == HD_OAUTH_GRANT_CLIENT_CREDENTIALS
                                                   ? _("app-only") : _("sign-in per account"),
                                                   c->sasl_mechanism);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), c->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (_("_Remove"), "connection", c->name,
                                             G_CALLBACK (remove_clicked_cb), self));
      adw_preferences_group_add (group, row);
    }
  return group;
}

static AdwPreferencesGroup *
accounts_group (HdOAuthWindow *self)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  g_autoptr (GPtrArray) accounts = hd_store_list_accounts (self->store, NULL);

  adw_preferences_group_set_title (group, _("Accounts"));
  adw_preferences_group_set_description (group,
    _("Sign in as the user who may open the mailbox; the account's user name names the "
      "mailbox."));
  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      HdAccount *account = accounts->pdata[i];
      const char *name = hd_account_get_name (account);
      g_autoptr (HdAccountHealth) health = NULL;
      GtkWidget *row;

      if (hd_account_get_oauth_connection (account) == NULL)
        continue;
      health = hd_store_get_health (self->store, hd_store_get_account_id (self->store, name,
                                                                          NULL), NULL);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      if (health != NULL && g_strcmp0 (health->state, HD_HEALTH_SIGN_IN_REQUIRED) == 0)
        {
          g_autofree char *subtitle = g_strdup_printf (_("Sign in again: %s"),
                                                       health->message ? health->message : "");

          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
        }
      else
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                     hd_account_get_oauth_connection (account));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (_("_Sign In…"), "account", name,
                                             G_CALLBACK (sign_in_clicked_cb), self));
      adw_preferences_group_add (group, row);
    }
  return group;
}

static void
reload (HdOAuthWindow *self)
{
  if (self->page != NULL)
    adw_preferences_window_remove (ADW_PREFERENCES_WINDOW (self), self->page);
  self->page = ADW_PREFERENCES_PAGE (adw_preferences_page_new ());
  adw_preferences_page_set_title (self->page, _("OAuth Connections"));
  adw_preferences_page_set_icon_name (self->page, "dialog-password-symbolic");
  adw_preferences_page_add (self->page, connections_group (self));
  adw_preferences_page_add (self->page, accounts_group (self));
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self), self->page);
}

static void
hd_oauth_window_dispose (GObject *object)
{
  HdOAuthWindow *self = HD_OAUTH_WINDOW (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (hd_oauth_window_parent_class)->dispose (object);
}

static void
hd_oauth_window_class_init (HdOAuthWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hd_oauth_window_dispose;
}

static void
hd_oauth_window_init (HdOAuthWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _("OAuth Connections"));
  gtk_window_set_default_size (GTK_WINDOW (self), 640, 560);
}

/**
 * hd_oauth_window_new:
 * @store: the window's store connection (main thread)
 *
 * Returns: (transfer none): a new "OAuth Connections" window over @parent
 */
GtkWindow *
hd_oauth_window_new (GtkWindow *parent,
                     HdStore   *store)
{
  HdOAuthWindow *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  self = g_object_new (HD_TYPE_OAUTH_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
  self->store = g_object_ref (store);
  reload (self);
  return GTK_WINDOW (self);
}
