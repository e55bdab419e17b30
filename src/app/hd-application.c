/* hd-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-application.h"

#include <glib/gi18n.h>

#include "hd-poller-client.h"
#include "hd-window.h"

struct _HdApplication
{
  AdwApplication parent_instance;

  char *db_path;
  HdStore *store;
};

G_DEFINE_FINAL_TYPE (HdApplication, hd_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The helpdesk database to open instead of the default one"), N_("PATH") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
  { NULL }
};

static void
show_store_error (HdApplication *self,
                  const GError  *error)
{
  AdwMessageDialog *dialog;

  /* Without a database there is nothing the window could show, so the
   * error stands alone and the application quits once it is read. */
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (NULL, _("Cannot Open the Database"),
                                                       error->message));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  HdApplication *self = HD_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", TRUE,
                        "application-name", _("HelpDesk Mail"),
                        "application-icon", APP_ID,
                        "developer-name", _("The HelpDesk Mail developers"),
                        "version", PACKAGE_VERSION,
                        "website", "https://github.com/helpdeskmail/helpdesk-mail",
                        "issue-url", "https://github.com/helpdeskmail/helpdesk-mail/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: Replace "translator-credits" with your names, one a line. */
                        "translator-credits", _("translator-credits"),
                        "copyright", _("© 2024 The HelpDesk Mail developers"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  /* Closing the windows lets each one save its state first. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
  g_application_quit (app);
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "quit", quit_action_cb },
  { "open-account", hd_poller_client_open_account_cb, "s" },
};

static int
hd_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  HdApplication *self = HD_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", g_get_application_name (), PACKAGE_VERSION);
      return 0;
    }

  g_clear_pointer (&self->db_path, g_free);
  if (!g_variant_dict_lookup (options, "db", "^ay", &self->db_path))
    self->db_path = hd_store_default_path ();

  return G_APPLICATION_CLASS (hd_application_parent_class)->handle_local_options (app, options);
}

static void
hd_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *add_accels[] = { "<Control>n", NULL };

  G_APPLICATION_CLASS (hd_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.add-account", add_accels);
}

static void
hd_application_activate (GApplication *app)
{
  HdApplication *self = HD_APPLICATION (app);
  GtkWindow *window;
  g_autoptr (GError) error = NULL;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  if (self->store == NULL)
    {
      /* A remote activation has no local options; it opens the default. */
      if (self->db_path == NULL)
        self->db_path = hd_store_default_path ();
      self->store = hd_store_open (self->db_path, &error);
      if (self->store == NULL)
        {
          show_store_error (self, error);
          return;
        }
    }

  window = GTK_WINDOW (hd_window_new (GTK_APPLICATION (app), self->store));
  gtk_window_present (window);
}

static void
hd_application_finalize (GObject *object)
{
  HdApplication *self = HD_APPLICATION (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->db_path, g_free);

  G_OBJECT_CLASS (hd_application_parent_class)->finalize (object);
}

static void
hd_application_class_init (HdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = hd_application_finalize;

  app_class->handle_local_options = hd_application_handle_local_options;
  app_class->startup = hd_application_startup;
  app_class->activate = hd_application_activate;
}

static void
hd_application_init (HdApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

/**
 * hd_application_new:
 *
 * Returns: (transfer full): the application, with the resources of the
 *   release ID even in a .Devel build, so that both share one GResource.
 */
HdApplication *
hd_application_new (void)
{
  return g_object_new (HD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/helpdeskmail/HelpDeskMail",
                       NULL);
}

/**
 * hd_application_get_store:
 *
 * Returns: (transfer none) (nullable): the open database, once activated
 */
HdStore *
hd_application_get_store (HdApplication *self)
{
  g_return_val_if_fail (HD_IS_APPLICATION (self), NULL);

  return self->store;
}
