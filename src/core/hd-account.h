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

/* The longest name, user name, sender name, … an account takes, in characters. */
#define HD_ACCOUNT_TEXT_MAX_LENGTH 255
/* An IMAP folder path, and the list of pins curl takes. */
#define HD_ACCOUNT_FOLDER_MAX_LENGTH 1000
/* RFC 1035: a host name is at most 253 characters. */
#define HD_HOST_NAME_MAX_LENGTH 253
/* RFC 5321: a forward path is at most 256 octets with its angle brackets. */
#define HD_EMAIL_ADDRESS_MAX_LENGTH 254

#define HD_TYPE_ACCOUNT (hd_account_get_type ())

G_DECLARE_FINAL_TYPE (HdAccount, hd_account, HD, ACCOUNT, GObject)

GQuark      hd_account_error_quark (void);

HdAccount  *hd_account_new (void);
HdAccount  *hd_account_copy (HdAccount *self);
gboolean    hd_account_validate (HdAccount *self,
                                 GError   **error);
char       *hd_account_error_dup_field (const GError *error);
gboolean    hd_email_address_is_valid (const char *address);
gboolean    hd_host_name_is_valid (const char *host);
gboolean    hd_text_is_one_line (const char *text);
gboolean    hd_text_check (const char *text,
                           const char *field,
                           guint       max_chars,
                           GError    **error);

guint       hd_account_get_effective_port (HdAccount *self);

const char *hd_account_get_name (HdAccount *self);
gboolean    hd_account_get_enabled (HdAccount *self);
guint       hd_account_get_poll_interval (HdAccount *self);
gboolean    hd_account_get_push (HdAccount *self);
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
