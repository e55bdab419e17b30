/* hd-settings.h: the global settings keys of DESIGN.md and their rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest value a setting takes, in characters. */
#define HD_SETTINGS_VALUE_MAX_LENGTH 255

const char *const *hd_settings_get_keys (void);
gboolean           hd_settings_validate (const char *key,
                                         const char *value,
                                         GError    **error);
GStrv              hd_settings_split_keywords (const char *keywords);

G_END_DECLS
