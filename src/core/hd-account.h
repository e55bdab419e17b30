/* hd-account.h: one mail account, every field of the "Add e-mail account" dialog.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "hd-types.h"

G_BEGIN_DECLS

#define HD_ACCOUNT_ERROR (hd_account_error_quark ())

typedef enum {
  HD_ACCOUNT_ERROR_INVALID,
} HdAccountError;

#define HD_TYPE_ACCOUNT (hd_account_get_type ())

G_DECLARE_FINAL_TYPE (HdAccount, hd_account, HD, ACCOUNT, GObject)

GQuark      hd_account_error_quark (void);

HdAccount  *hd_account_new (void);
HdAccount  *hd_account_copy (HdAccount *self);
gboolean    hd_account_validate (HdAccount *self,
                                 GError   **error);
char       *hd_account_error_dup_field (const GError *error);
gboolean    hd_email_address_is_valid (const char *address);

guint       hd_account_get_effective_port (HdAccount *self);

const char *hd_account_get_name (HdAccount *self);
gboolean    hd_account_get_enabled (HdAccount *self);
guint       hd_account_get_poll_interval (HdAccount *self);
const char *hd_account_get_host (HdAccount *self);
guint       hd_account_get_port (HdAccount *self);
HdProtocol  hd_account_get_protocol (HdAccount *self);
HdSecurity  hd_account_get_security (HdAccount *self);
const char *hd_account_get_folder (HdAccount *self);
const char *hd_account_get_pinned_certificate (HdAccount *self);
const char *hd_account_get_oauth_connection (HdAccount *self);
const char *hd_account_get_username (HdAccount *self);
gboolean    hd_account_get_prevent_text_only_login (HdAccount *self);
gboolean    hd_account_get_prevent_ntlm_login (HdAccount *self);
const char *hd_account_get_sender_address (HdAccount *self);
const char *hd_account_get_sender_alias (HdAccount *self);
const char *hd_account_get_account_address (HdAccount *self);
gboolean    hd_account_get_no_new_tickets (HdAccount *self);
gboolean    hd_account_get_create_unknown_users (HdAccount *self);
gboolean    hd_account_get_create_customer_from_domain (HdAccount *self);
const char *hd_account_get_fallback_user (HdAccount *self);
gboolean    hd_account_get_auto_bundle (HdAccount *self);
const char *hd_account_get_auto_answer_template (HdAccount *self);
const char *hd_account_get_resource (HdAccount *self);
const char *hd_account_get_category (HdAccount *self);
const char *hd_account_get_priority (HdAccount *self);

G_END_DECLS
