/* hd-oauth-sign-in.h: "Set up OAuth connection": the browser sign-in of
 * one account, with a dialog that waits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-store.h"

G_BEGIN_DECLS

void hd_oauth_sign_in_run (GtkWindow  *parent,
                           HdStore    *store,
                           const char *account);

gboolean hd_oauth_connections_exist (HdStore *store);
void     hd_oauth_editor_sign_in_action (GtkWidget  *editor,
                                         const char *action_name,
                                         GVariant   *parameter);

G_END_DECLS
