/* hd-account-row.h: one mail account in the window's list.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account.h"

G_BEGIN_DECLS

#define HD_TYPE_ACCOUNT_ROW (hd_account_row_get_type ())

G_DECLARE_FINAL_TYPE (HdAccountRow, hd_account_row, HD, ACCOUNT_ROW, AdwActionRow)

GtkWidget *hd_account_row_new (HdAccount *account);
HdAccount *hd_account_row_get_account (HdAccountRow *self);
void       hd_account_row_set_last_poll (HdAccountRow *self,
                                         const char   *status,
                                         const char   *date);

G_END_DECLS
