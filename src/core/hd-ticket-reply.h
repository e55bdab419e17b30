/* hd-ticket-reply.h: a mail written from a ticket, sent over SMTP as the
 * account's sender alias and address, and kept as an outgoing step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-store.h"

G_BEGIN_DECLS

#define HD_TICKET_REPLY_ERROR (hd_ticket_reply_error_quark ())

typedef enum {
  HD_TICKET_REPLY_ERROR_INVALID,   /* the message names the field: "to: …" */
} HdTicketReplyError;

/**
 * HdTicketReply:
 * @ticket_id: the ticket it belongs to
 * @account: the account it is sent as
 * @from_alias: (nullable): the account's sender alias
 * @from_address: the account's sender address
 * @to: the recipient
 * @cc: (nullable): further recipients
 * @subject: "Re: …" with the ticket reference
 * @text: what is written
 * @in_reply_to: (nullable): the ticket's newest Message-ID
 * @references: (nullable): the ticket's Message-IDs, space-separated
 *
 * A plain copy: it may go to a worker thread.
 */
typedef struct {
  gint64 ticket_id;
  char *account;
  char *from_alias;
  char *from_address;
  char *to;
  GStrv cc;
  char *subject;
  char *text;
  char *in_reply_to;
  char *references;
} HdTicketReply;

GQuark         hd_ticket_reply_error_quark (void);

HdTicketReply *hd_ticket_reply_new (HdStore    *store,
                                    gint64      ticket_id,
                                    const char *account,
                                    GError    **error);
gboolean       hd_ticket_reply_set_account (HdTicketReply *reply,
                                            HdStore       *store,
                                            const char    *account,
                                            GError       **error);
char          *hd_ticket_reply_dup_sender (HdTicketReply *reply);
gint64         hd_ticket_reply_send_sync (HdTicketReply *reply,
                                          HdStore       *store,
                                          GCancellable  *cancellable,
                                          GError       **error);
void           hd_ticket_reply_free (HdTicketReply *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdTicketReply, hd_ticket_reply_free)

G_END_DECLS
