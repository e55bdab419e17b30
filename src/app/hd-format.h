/* hd-format.h: dates, sizes and poll actions in words, for the views.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char       *hd_format_date (const char *iso8601);
const char *hd_format_action (const char *action);

G_END_DECLS
