/* hd-settings.h: the global settings keys of DESIGN.md and their rules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "hd-types.h"

G_BEGIN_DECLS

/* The longest value a setting takes, in characters. */
#define HD_SETTINGS_VALUE_MAX_LENGTH 255

const char *const *hd_settings_get_keys (void);
gboolean           hd_settings_validate (const char *key,
                                         const char *value,
                                         GError    **error);
GStrv              hd_settings_split_keywords (const char *keywords);


/* Typed getters over the store's settings, next to their rules: what
 * hd_settings_validate() lets in is what these read back. */
gboolean           hd_settings_get_auto_answers_enabled (HdStore *store);
guint              hd_settings_get_max_per_sender_per_day (HdStore *store);

G_END_DECLS
