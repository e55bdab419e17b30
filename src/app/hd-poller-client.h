/* hd-poller-client.h: the window's side of the background poller.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void hd_poller_client_reload (void);

G_END_DECLS
