/* hd-account-editor.h: the fields of one mail account, as a preferences page.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "hd-account.h"
#include "hd-poller-client.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TYPE_ACCOUNT_EDITOR (hd_account_editor_get_type ())

G_DECLARE_FINAL_TYPE (HdAccountEditor, hd_account_editor, HD, ACCOUNT_EDITOR, AdwPreferencesPage)

GtkWidget  *hd_account_editor_new (HdAccount *account);
HdAccount  *hd_account_editor_get_account (HdAccountEditor *self);
void        hd_account_editor_set_account (HdAccountEditor *self,
                                           HdAccount       *account);
const char *hd_account_editor_get_password (HdAccountEditor *self);
char       *hd_account_editor_dup_problem (HdAccountEditor *self);
gboolean    hd_account_editor_show_error (HdAccountEditor *self,
                                          const GError    *error);
gboolean    hd_account_editor_show_save_error (HdAccountEditor *self,
                                               const GError    *error);
gboolean    hd_account_editor_show_field_error (HdAccountEditor *self,
                                                const char      *field,
                                                const char      *message);
void        hd_account_editor_clear_errors (HdAccountEditor *self);
void        hd_account_editor_set_store (HdAccountEditor *self,
                                         HdStore         *store);
void        hd_account_editor_set_poller (HdAccountEditor *self,
                                          HdPollerClient  *poller);
void        hd_account_editor_reload_names (HdAccountEditor *self);

G_END_DECLS
