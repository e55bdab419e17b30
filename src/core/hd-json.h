/* hd-json.h: small helpers for the JSON the core prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void hd_json_add_string (JsonBuilder *builder,
                         const char  *name,
                         const char  *value);

G_END_DECLS
