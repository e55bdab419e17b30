/* hd-poller-tray.h: the tray icon (StatusNotifierItem + dbusmenu over GDBus).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-poller.h"

G_BEGIN_DECLS

#define HD_TYPE_POLLER_TRAY (hd_poller_tray_get_type ())

G_DECLARE_FINAL_TYPE (HdPollerTray, hd_poller_tray, HD, POLLER_TRAY, GObject)

HdPollerTray *hd_poller_tray_new (GApplication    *app,
                                  GDBusConnection *connection);
void          hd_poller_tray_update (HdPollerTray  *self,
                                     HdPollerState  state,
                                     guint          failing,
                                     gboolean       paused);

G_END_DECLS
