/* hd-name-row.h: a row that picks one name of a list, or "None".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HD_TYPE_NAME_ROW (hd_name_row_get_type ())

G_DECLARE_FINAL_TYPE (HdNameRow, hd_name_row, HD, NAME_ROW, AdwActionRow)

const char *hd_name_row_get_value (HdNameRow *self);
void        hd_name_row_set_value (HdNameRow  *self,
                                   const char *value);
void        hd_name_row_set_names (HdNameRow         *self,
                                   const char *const *names);
guint       hd_name_row_get_n_names (HdNameRow *self);

G_END_DECLS
