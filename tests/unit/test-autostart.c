/* test-autostart.c: the poller at login, both ways: the user's XDG autostart
 * entry (in a temporary XDG_CONFIG_HOME, copied from an "installed" entry in
 * a temporary XDG_CONFIG_DIRS), and the Background portal, played on the
 * test's session bus by a second connection that owns the portal's name and
 * answers RequestBackground as xdg-desktop-portal does (a Request object
 * whose Response signal carries the result).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hd-autostart.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static char *config_home;
static char *config_dirs;

static const char installed_entry[] =
  "[Desktop Entry]\n"
  "Type=Application\n"
  "Name=HelpDesk Mail Poller\n"
  "Exec=/usr/bin/helpdesk-mail-poller\n"
  "NoDisplay=true\n"
  "X-GNOME-Autostart-enabled=false\n"
  "X-GNOME-HiddenUnderSystemd=true\n";

/* The portal's side: what it was asked, and how it answers. */
typedef struct {
  GDBusConnection *connection;
  guint object_id;
  guint owner_id;
  gboolean owned;
  guint32 response;        /* 0 granted, 1 refused by the user */
  GVariant *last_options;  /* the a{sv} of the last request */
} FakePortal;

static gboolean
autostart_enabled_sync (HdAutostart *autostart)
{
  return hd_autostart_get_enabled (autostart);
}

static void
result_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
set_enabled (HdAutostart  *autostart,
             gboolean      enabled,
             GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  hd_autostart_set_enabled_async (autostart, enabled, NULL, result_cb, &result);
  return hd_autostart_set_enabled_finish (autostart, wait_result (&result), error);
}

static gboolean
keep_running (HdAutostart  *autostart,
              GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  hd_autostart_keep_running_async (autostart, NULL, result_cb, &result);
  return hd_autostart_keep_running_finish (autostart, wait_result (&result), error);
}

static char *
user_entry_path (void)
{
  return g_build_filename (config_home, "autostart", HD_AUTOSTART_FILE_NAME, NULL);
}

static char *
installed_entry_path (void)
{
  return g_build_filename (config_dirs, "autostart", HD_AUTOSTART_FILE_NAME, NULL);
}

static void
test_xdg (void)
{
  g_autoptr (HdAutostart) autostart = hd_autostart_new (NULL);
  g_autofree char *user_entry = user_entry_path ();
  g_autofree char *installed = installed_entry_path ();
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *exec = NULL;

  g_assert_true (HD_IS_AUTOSTART_XDG (autostart));
  g_assert_true (g_file_set_contents (installed, installed_entry, -1, NULL));
  g_assert_false (autostart_enabled_sync (autostart));

  g_assert_true (set_enabled (autostart, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (autostart_enabled_sync (autostart));
  g_assert_true (g_key_file_load_from_file (keyfile, user_entry, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (keyfile, "Desktop Entry", "Exec", NULL);
  g_assert_cmpstr (exec, ==, "/usr/bin/helpdesk-mail-poller");
  g_assert_true (g_key_file_get_boolean (keyfile, "Desktop Entry", "X-GNOME-Autostart-enabled",
                                         NULL));
  /* The user's choice counts in systemd sessions too. */
  g_assert_false (g_key_file_has_key (keyfile, "Desktop Entry", "X-GNOME-HiddenUnderSystemd",
                                      NULL));

  /* A copy the user hid by hand is off. */
  g_key_file_set_boolean (keyfile, "Desktop Entry", "Hidden", TRUE);
  g_assert_true (g_key_file_save_to_file (keyfile, user_entry, NULL));
  g_assert_false (autostart_enabled_sync (autostart));

  g_assert_true (set_enabled (autostart, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (user_entry, G_FILE_TEST_EXISTS));
  g_assert_false (autostart_enabled_sync (autostart));
  /* Off twice is still off, not an error. */
  g_assert_true (set_enabled (autostart, FALSE, &error));
  g_assert_no_error (error);

  /* Nothing installed: a clear error, and nothing written. */
  g_assert_cmpint (g_unlink (installed), ==, 0);
  g_assert_false (set_enabled (autostart, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, HD_AUTOSTART_FILE_NAME));
  g_assert_false (g_file_test (user_entry, G_FILE_TEST_EXISTS));
  /* On the host the poller has nothing to ask for. */
  g_clear_error (&error);
  g_assert_true (keep_running (autostart, &error));
  g_assert_no_error (error);
}

static void
portal_method_cb (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  FakePortal *portal = user_data;
  g_autofree char *unique = g_strdup (sender + 1);
  g_autofree char *path = NULL;
  const char *token = NULL;
  gboolean autostart = FALSE;
  GVariantBuilder results;

  g_clear_pointer (&portal->last_options, g_variant_unref);
  portal->last_options = g_variant_get_child_value (parameters, 1);
  g_assert_true (g_variant_lookup (portal->last_options, "handle_token", "&s", &token));
  g_variant_lookup (portal->last_options, "autostart", "b", &autostart);
  g_strdelimit (unique, ".", '_');
  path = g_strdup_printf (PORTAL_PATH "/request/%s/%s", unique, token);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", path));

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  if (portal->response == 0)
    {
      g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&results, "{sv}", "autostart", g_variant_new_boolean (autostart));
    }
  g_dbus_connection_emit_signal (connection, sender, path, "org.freedesktop.portal.Request",
                                 "Response",
                                 g_variant_new ("(u@a{sv})", portal->response,
                                                g_variant_builder_end (&results)),
                                 NULL);
}

static const char portal_xml[] =
  "<node><interface name='org.freedesktop.portal.Background'>"
  "<method name='RequestBackground'><arg type='s' direction='in'/>"
  "<arg type='a{sv}' direction='in'/><arg type='o' direction='out'/></method>"
  "</interface></node>";

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ((FakePortal *) user_data)->owned = TRUE;
}

static void
fake_portal_start (FakePortal *portal)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  const GDBusInterfaceVTable vtable = { portal_method_cb, NULL, NULL, { 0 } };

  g_assert_no_error (error);
  portal->connection = g_dbus_connection_new_for_address_sync (
    address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
    | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION, NULL, NULL, &error);
  g_assert_no_error (error);
  portal->object_id = g_dbus_connection_register_object (portal->connection, PORTAL_PATH,
                                                         info->interfaces[0], &vtable, portal,
                                                         NULL, &error);
  g_assert_no_error (error);
  portal->owner_id = g_bus_own_name_on_connection (portal->connection, PORTAL_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_NONE, name_acquired_cb,
                                                   NULL, portal, NULL);
  while (!portal->owned)
    g_main_context_iteration (NULL, TRUE);
}

static void
fake_portal_stop (FakePortal *portal)
{
  g_bus_unown_name (portal->owner_id);
  g_dbus_connection_unregister_object (portal->connection, portal->object_id);
  g_dbus_connection_close_sync (portal->connection, NULL, NULL);
  g_clear_object (&portal->connection);
  g_clear_pointer (&portal->last_options, g_variant_unref);
}

static void
test_portal (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr (HdAutostart) autostart = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree const char **commandline = NULL;
  FakePortal portal = { 0 };
  gboolean asked = FALSE;

  g_assert_nonnull (bus);
  autostart = g_object_new (HD_TYPE_AUTOSTART_PORTAL, "bus", bus, NULL);
  fake_portal_start (&portal);

  /* Until the user decides, the poller starts at login (as it did). */
  g_assert_true (autostart_enabled_sync (autostart));

  g_assert_true (set_enabled (autostart, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (portal.last_options, "autostart", "b", &asked));
  g_assert_false (asked);
  g_assert_true (g_variant_lookup (portal.last_options, "commandline", "^a&s", &commandline));
  g_assert_cmpstr (commandline[0], ==, "helpdesk-mail-poller");
  g_assert_null (commandline[1]);
  g_assert_false (autostart_enabled_sync (autostart));

  /* Each start of the poller asks with the saved choice. */
  g_assert_true (keep_running (autostart, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (portal.last_options, "autostart", "b", &asked));
  g_assert_false (asked);

  g_assert_true (set_enabled (autostart, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (portal.last_options, "autostart", "b", &asked));
  g_assert_true (asked);
  g_assert_true (autostart_enabled_sync (autostart));

  /* The user says no: an error, and the choice stays as it was. */
  portal.response = 1;
  g_assert_false (set_enabled (autostart, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_true (autostart_enabled_sync (autostart));

  /* No portal on the bus: an error, not a wait for an answer that never comes. */
  fake_portal_stop (&portal);
  g_assert_false (set_enabled (autostart, FALSE, &error));
  g_assert_nonnull (error);
  g_assert_true (autostart_enabled_sync (autostart));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = g_dir_make_tmp ("hd-test-autostart-XXXXXX", NULL);
  int status;

  g_assert_nonnull (dir);
  /* Before anything asks GLib for the user's folders, which it keeps. */
  config_home = g_build_filename (dir, "config", NULL);
  config_dirs = g_build_filename (dir, "xdg", NULL);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("XDG_CONFIG_DIRS", config_dirs, TRUE);
  g_assert_cmpint (g_mkdir_with_parents (config_home, 0700), ==, 0);
  {
    g_autofree char *autostart_dir = g_build_filename (config_dirs, "autostart", NULL);

    g_assert_cmpint (g_mkdir_with_parents (autostart_dir, 0700), ==, 0);
  }

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/autostart/xdg", test_xdg);
  g_test_add_func ("/autostart/portal", test_portal);
  status = g_test_run ();

  g_free (config_home);
  g_free (config_dirs);
  return status;
}
