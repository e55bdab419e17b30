/* hd-bounce.h: whether a message is a bounce (a delivery failure report) or
 * an out-of-office reply, and what it says about the mail it answers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-message.h"

G_BEGIN_DECLS

typedef enum {
  HD_BOUNCE_NONE,
  HD_BOUNCE_DELIVERY_FAILURE, /* the mail could not be delivered */
  HD_BOUNCE_AUTO_REPLY,       /* an out-of-office or other automatic reply */
} HdBounceKind;

/**
 * HdBounce:
 * @kind: what the message is
 * @shape: in words, how it was recognised ("a delivery-status report", …)
 * @failed_recipient: (nullable): the address that could not be reached
 * @status: (nullable): the status code ("5.1.1"), or the SMTP reply
 * @diagnostic: (nullable): what the server said, as one line
 * @original_message_id: (nullable): the Message-ID of the mail that
 *   bounced, as "<id>"
 * @original_subject: (nullable): its subject, decoded
 *
 * Read-only.
 */
typedef struct {
  HdBounceKind kind;
  char *shape;
  char *failed_recipient;
  char *status;
  char *diagnostic;
  char *original_message_id;
  char *original_subject;
} HdBounce;

HdBounce *hd_bounce_detect (HdMessage *message);
void      hd_bounce_free (HdBounce *bounce);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdBounce, hd_bounce_free)

G_END_DECLS
