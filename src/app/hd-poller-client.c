/* hd-poller-client.c: the window's side of the background poller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-client.h"

#include "hd-window.h"

#define POLLER_NAME "io.github.helpdeskmail.HelpDeskMail.Poller"
#define POLLER_PATH "/io/github/helpdeskmail/HelpDeskMail/Poller"

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  /* No poller installed (a build tree, a test bus) is not the window's
   * business: it still saves, and `helpdesk-mailctl poll` still polls. */
  if (reply == NULL)
    g_debug ("The poller did not reload: %s", error->message);
}

/**
 * hd_poller_client_reload:
 *
 * Tells the poller that the accounts changed; D-Bus activation starts it if
 * it is not running yet.
 */
void
hd_poller_client_reload (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  if (bus == NULL)
    return;
  g_dbus_connection_call (bus, POLLER_NAME, POLLER_PATH, POLLER_NAME, "Reload", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, reload_cb, NULL);
}

/**
 * hd_poller_client_open_account_cb:
 *
 * `app.open-account`: what the poller's notification asks for: the window,
 * on the account the notification is about.
 */
void
hd_poller_client_open_account_cb (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GtkWindow *window;

  g_application_activate (app);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (HD_IS_WINDOW (window))
    hd_window_select_account (HD_WINDOW (window), g_variant_get_string (parameter, NULL));
}
