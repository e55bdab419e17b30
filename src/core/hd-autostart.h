/* hd-autostart.h: running the poller at login, as the session in which the
 * program runs allows it: the user's XDG autostart entry on the host, the
 * Background portal inside Flatpak.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The file name of the poller's autostart entry, installed in
 * $sysconfdir/xdg/autostart and copied into the user's autostart folder. */
#define HD_AUTOSTART_FILE_NAME BASE_ID ".Poller.desktop"

#define HD_TYPE_AUTOSTART (hd_autostart_get_type ())

G_DECLARE_DERIVABLE_TYPE (HdAutostart, hd_autostart, HD, AUTOSTART, GObject)

struct _HdAutostartClass
{
  GObjectClass parent_class;

  gboolean (*get_enabled)        (HdAutostart          *self);
  void     (*set_enabled_async)  (HdAutostart          *self,
                                  gboolean              enabled,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
  void     (*keep_running_async) (HdAutostart          *self,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data);
};

#define HD_TYPE_AUTOSTART_XDG (hd_autostart_xdg_get_type ())
G_DECLARE_FINAL_TYPE (HdAutostartXdg, hd_autostart_xdg, HD, AUTOSTART_XDG, HdAutostart)

#define HD_TYPE_AUTOSTART_PORTAL (hd_autostart_portal_get_type ())
G_DECLARE_FINAL_TYPE (HdAutostartPortal, hd_autostart_portal, HD, AUTOSTART_PORTAL, HdAutostart)

HdAutostart *hd_autostart_new (GDBusConnection *bus);
gboolean     hd_autostart_get_enabled (HdAutostart *self);
void         hd_autostart_set_enabled_async (HdAutostart         *self,
                                             gboolean             enabled,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean     hd_autostart_set_enabled_finish (HdAutostart   *self,
                                              GAsyncResult  *result,
                                              GError       **error);
void         hd_autostart_keep_running_async (HdAutostart         *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean     hd_autostart_keep_running_finish (HdAutostart   *self,
                                               GAsyncResult  *result,
                                               GError       **error);

/* hd-autostart-xdg.c */
gboolean     hd_autostart_xdg_set_enabled_sync (gboolean   enabled,
                                                GError   **error);

G_END_DECLS
