/* hd-errors.h: the core's error domains as D-Bus error names, so that an
 * error of the poller reaches the window with its domain and code intact.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HD_DBUS_ERROR_PREFIX "io.github.helpdeskmail.HelpDeskMail.Error."

void hd_errors_register_dbus (void);

G_END_DECLS
