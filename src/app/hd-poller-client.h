/* hd-poller-client.h: the window's side of the background poller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void hd_poller_client_reload (void);
void hd_poller_client_open_account_cb (GSimpleAction *action,
                                       GVariant      *parameter,
                                       gpointer       user_data);

G_END_DECLS
