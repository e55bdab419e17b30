/* hd-account-dialog.h: the "Add Account" dialog.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account-editor.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_ACCOUNT_DIALOG (hd_account_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HdAccountDialog, hd_account_dialog, HD, ACCOUNT_DIALOG, AdwWindow)

HdAccountDialog *hd_account_dialog_new (GtkWindow *parent,
                                        HdStore   *store);
HdAccountEditor *hd_account_dialog_get_editor (HdAccountDialog *self);

G_END_DECLS
