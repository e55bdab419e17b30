/* hd-mailbox-pop3.h: the POP3 subclass of HdMailbox.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-mailbox.h"

G_BEGIN_DECLS

#define HD_TYPE_MAILBOX_POP3 (hd_mailbox_pop3_get_type ())

G_DECLARE_FINAL_TYPE (HdMailboxPop3, hd_mailbox_pop3, HD, MAILBOX_POP3, HdMailbox)

G_END_DECLS
