/* hd-mailbox-imap.h: the IMAP subclass of HdMailbox.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-mailbox.h"

G_BEGIN_DECLS

#define HD_TYPE_MAILBOX_IMAP (hd_mailbox_imap_get_type ())

G_DECLARE_FINAL_TYPE (HdMailboxImap, hd_mailbox_imap, HD, MAILBOX_IMAP, HdMailbox)

char *hd_mailbox_imap_encode_folder (const char *folder);
char *hd_mailbox_imap_quote_folder  (const char *folder);

G_END_DECLS
