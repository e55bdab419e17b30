/* hd-window.h: the main window with the list of mail accounts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account-editor.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_WINDOW (hd_window_get_type ())

G_DECLARE_FINAL_TYPE (HdWindow, hd_window, HD, WINDOW, AdwApplicationWindow)

HdWindow   *hd_window_new (GtkApplication *application,
                           HdStore        *store);
HdStore    *hd_window_get_store (HdWindow *self);
GListModel *hd_window_get_accounts (HdWindow *self);
void        hd_window_reload (HdWindow *self);
void        hd_window_select_account (HdWindow   *self,
                                      const char *name);
HdAccountEditor *hd_window_get_editor (HdWindow *self);

G_END_DECLS
