/* hd-preferences-window.h: the global "Auto Emails" settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_PREFERENCES_WINDOW (hd_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (HdPreferencesWindow, hd_preferences_window, HD, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWindow *hd_preferences_window_new (GtkWindow *parent,
                                      HdStore   *store);

G_END_DECLS
