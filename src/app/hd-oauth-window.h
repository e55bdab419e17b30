/* hd-oauth-window.h: the "OAuth Connections" page of the app menu.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_OAUTH_WINDOW (hd_oauth_window_get_type ())

G_DECLARE_FINAL_TYPE (HdOAuthWindow, hd_oauth_window, HD, OAUTH_WINDOW, AdwPreferencesWindow)

GtkWindow *hd_oauth_window_new (GtkWindow *parent,
                                HdStore   *store);

G_END_DECLS
