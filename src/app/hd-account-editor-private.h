/* hd-account-editor-private.h: what the files of HdAccountEditor share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-account-editor.h"
#include "hd-poller-client.h"
#include "hd-check-group.h"
#include "hd-name-row.h"

G_BEGIN_DECLS

struct _HdAccountEditor
{
  AdwPreferencesPage parent_instance;

  HdAccount *account;
  HdStore *store;
  GPtrArray *bindings;
  guint default_port;
  /* The fields the admin changed since the account was shown: only their
   * errors show while typing, so a new account opens without a red line. */
  GHashTable *touched;
  gboolean show_all_errors;

  AdwPreferencesGroup *error_group;
  GtkLabel *error_label;
  AdwEntryRow *name_row;
  AdwActionRow *enabled_row;
  GtkSwitch *enabled_switch;
  AdwActionRow *poll_interval_row;
  GtkSpinButton *poll_interval_spin;
  AdwActionRow *push_row;
  GtkSwitch *push_switch;
  AdwActionRow *mode_row;
  /* The poller's view of the accounts, for what is in use (push or interval). */
  HdPollerClient *poller;
  AdwEntryRow *host_row;
  AdwComboRow *protocol_row;
  AdwComboRow *security_row;
  AdwActionRow *port_row;
  GtkSpinButton *port_spin;
  AdwEntryRow *folder_row;
  AdwActionRow *pin_row;
  AdwPreferencesGroup *oauth_group;
  HdNameRow *oauth_row;
  AdwEntryRow *username_row;
  AdwPasswordEntryRow *password_row;
  AdwActionRow *prevent_text_only_row;
  GtkSwitch *prevent_text_only_switch;
  AdwActionRow *prevent_ntlm_row;
  GtkSwitch *prevent_ntlm_switch;
  AdwEntryRow *sender_address_row;
  AdwEntryRow *sender_alias_row;
  AdwEntryRow *account_address_row;
  AdwActionRow *no_new_tickets_row;
  GtkSwitch *no_new_tickets_switch;
  AdwActionRow *create_unknown_users_row;
  GtkSwitch *create_unknown_users_switch;
  AdwActionRow *create_customer_row;
  GtkSwitch *create_customer_switch;
  HdNameRow *fallback_user_row;
  AdwActionRow *auto_bundle_row;
  GtkSwitch *auto_bundle_switch;
  HdNameRow *template_row;
  HdNameRow *resource_row;
  HdNameRow *category_row;
  HdNameRow *priority_row;
  HdCheckGroup *check_group;
};

void hd_account_editor_note_change (HdAccountEditor *self,
                                    const char      *property);

/* hd-account-editor-mode.c */
void hd_account_editor_watch_mode (HdAccountEditor *self);
void hd_account_editor_stop_mode (HdAccountEditor *self);

G_END_DECLS
