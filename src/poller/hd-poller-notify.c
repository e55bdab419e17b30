/* hd-poller-notify.c: desktop notifications when an account's health
 * changes (once per change, never once per poll), and opening the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-application.h"

#include <glib/gi18n.h>

#include "hd-autostart.h"
#include "hd-store-health.h"

static gboolean
is_bad (const char *state)
{
  return g_strcmp0 (state, HD_HEALTH_FAILING) == 0
         || g_strcmp0 (state, HD_HEALTH_SIGN_IN_REQUIRED) == 0;
}

/**
 * hd_poller_application_notify_health:
 *
 * Tells the user that an account started failing, must sign in again, or
 * works again; the first good poll of a new account says nothing.
 */
void
hd_poller_application_notify_health (GApplication *app,
                                     const char   *name,
                                     const char   *old_state,
                                     const char   *new_state,
                                     const char   *message)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = g_strconcat ("account-", name, NULL);

  if (g_strcmp0 (new_state, HD_HEALTH_SIGN_IN_REQUIRED) == 0)
    title = g_strdup_printf (_("“%s” needs you to sign in again"), name);
  else if (g_strcmp0 (new_state, HD_HEALTH_FAILING) == 0)
    title = g_strdup_printf (_("“%s” cannot be polled"), name);
  else if (g_strcmp0 (new_state, HD_HEALTH_OK) == 0 && is_bad (old_state))
    title = g_strdup_printf (_("“%s” is polled again"), name);
  else
    return;

  notification = g_notification_new (title);
  if (is_bad (new_state) && message != NULL)
    g_notification_set_body (notification, message);
  g_notification_set_priority (notification, is_bad (new_state) ? G_NOTIFICATION_PRIORITY_HIGH
                               : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_set_default_action_and_target (notification, "app.open-account", "s", name);
  g_notification_add_button_with_target (notification, _("Open Account"), "app.open-account",
                                         "s", name);
  /* The same id: a recovery replaces the failure it ends. */
  g_application_send_notification (app, id, notification);
}

static char *
window_object_path (void)
{
  g_autofree char *path = g_strconcat ("/", APP_ID, NULL);

  g_strdelimit (path, ".", '/');
  return g_steal_pointer (&path);
}

static void
activate_window (GDBusConnection *connection)
{
  g_autofree char *path = window_object_path ();

  g_dbus_connection_call (connection, APP_ID, path, "org.freedesktop.Application", "Activate",
                          g_variant_new ("(a{sv})", NULL), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, NULL, NULL);
}

static void
open_account_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  /* A window without the action is at least brought up. */
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    activate_window (G_DBUS_CONNECTION (object));
}

/**
 * hd_poller_application_open_window:
 * @account: (nullable): the account to show
 *
 * Starts the window (D-Bus activation) and asks it to show the account
 * (its action `app.open-account`).
 */
void
hd_poller_application_open_window (GApplication *app,
                                   const char   *account)
{
  GDBusConnection *connection = g_application_get_dbus_connection (app);
  g_autofree char *path = window_object_path ();
  GVariantBuilder params;

  if (connection == NULL)
    return;
  if (account == NULL)
    {
      activate_window (connection);
      return;
    }
  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&params, "v", g_variant_new_string (account));
  g_dbus_connection_call (connection, APP_ID, path, "org.freedesktop.Application",
                          "ActivateAction",
                          g_variant_new ("(sava{sv})", "open-account", &params, NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, open_account_cb, NULL);
}

static void
keep_running_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  /* The poller runs on for this session either way; only the next login
   * is at stake, and the window's Preferences show it. */
  if (!hd_autostart_keep_running_finish (HD_AUTOSTART (object), result, &error))
    g_message ("The poller may not run in the background: %s", error->message);
}

/**
 * hd_poller_application_request_background:
 *
 * Inside Flatpak no autostart file or unit of ours is seen by the session:
 * the Background portal runs the poller at login instead (as the user chose
 * in the window's Preferences), and lets it run on with no window. On the
 * host there is nothing to ask.
 */
void
hd_poller_application_request_background (GApplication *app)
{
  g_autoptr (HdAutostart) autostart =
    hd_autostart_new (g_application_get_dbus_connection (app));

  hd_autostart_keep_running_async (autostart, NULL, keep_running_cb, NULL);
}
