/* hd-json.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-json.h"

/**
 * hd_json_add_string:
 * @value: (nullable): the string, or %NULL for a JSON null
 *
 * Adds the member @name to the object being built.
 */
void
hd_json_add_string (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}
