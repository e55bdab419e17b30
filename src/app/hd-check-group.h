/* hd-check-group.h: the "Check Connection" button, its spinner and message line.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_CHECK_GROUP (hd_check_group_get_type ())

G_DECLARE_FINAL_TYPE (HdCheckGroup, hd_check_group, HD, CHECK_GROUP, AdwPreferencesGroup)

void        hd_check_group_set_account (HdCheckGroup *self,
                                        HdAccount    *account);
void        hd_check_group_set_store (HdCheckGroup *self,
                                      HdStore      *store);
void        hd_check_group_set_password_source (HdCheckGroup *self,
                                                GtkEditable  *password);
void        hd_check_group_cancel (HdCheckGroup *self);
gboolean    hd_check_group_is_running (HdCheckGroup *self);
const char *hd_check_group_get_message (HdCheckGroup *self);

G_END_DECLS
