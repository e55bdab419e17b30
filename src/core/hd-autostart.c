/* hd-autostart.c: the base of the two ways to run the poller at login.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-autostart.h"

G_DEFINE_ABSTRACT_TYPE (HdAutostart, hd_autostart, G_TYPE_OBJECT)

/* On the host nothing needs asking: the poller runs on with no window. */
static void
hd_autostart_real_keep_running_async (HdAutostart         *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, hd_autostart_keep_running_async);
  g_task_return_boolean (task, TRUE);
}

static void
hd_autostart_class_init (HdAutostartClass *klass)
{
  klass->keep_running_async = hd_autostart_real_keep_running_async;
}

static void
hd_autostart_init (HdAutostart *self)
{
}

/**
 * hd_autostart_new:
 * @bus: (nullable): the session bus, which the portal is reached over
 *
 * Returns: (transfer full): the Background portal inside Flatpak, where the
 *   session does not see the sandbox's autostart folder; the user's XDG
 *   autostart entry everywhere else
 */
HdAutostart *
hd_autostart_new (GDBusConnection *bus)
{
  g_return_val_if_fail (bus == NULL || G_IS_DBUS_CONNECTION (bus), NULL);

  if (bus != NULL && g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return g_object_new (HD_TYPE_AUTOSTART_PORTAL, "bus", bus, NULL);
  return g_object_new (HD_TYPE_AUTOSTART_XDG, NULL);
}

/**
 * hd_autostart_get_enabled:
 *
 * Returns: whether the poller starts at login
 */
gboolean
hd_autostart_get_enabled (HdAutostart *self)
{
  g_return_val_if_fail (HD_IS_AUTOSTART (self), FALSE);

  return HD_AUTOSTART_GET_CLASS (self)->get_enabled (self);
}

/**
 * hd_autostart_set_enabled_async:
 *
 * Makes the poller start at login, or no longer.
 */
void
hd_autostart_set_enabled_async (HdAutostart         *self,
                                gboolean             enabled,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HD_IS_AUTOSTART (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  HD_AUTOSTART_GET_CLASS (self)->set_enabled_async (self, !!enabled, cancellable, callback,
                                                    user_data);
}

gboolean
hd_autostart_set_enabled_finish (HdAutostart   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (HD_IS_AUTOSTART (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * hd_autostart_keep_running_async:
 *
 * What the poller asks for when it starts: to run on with no window (and,
 * inside Flatpak, at login as the user chose).
 */
void
hd_autostart_keep_running_async (HdAutostart         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (HD_IS_AUTOSTART (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  HD_AUTOSTART_GET_CLASS (self)->keep_running_async (self, cancellable, callback, user_data);
}

gboolean
hd_autostart_keep_running_finish (HdAutostart   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (HD_IS_AUTOSTART (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
