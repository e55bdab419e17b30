/* hd-auto-answer.h: auto-answers from templates, sent over SMTP with
 * libcurl, with RFC 3834 headers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-message.h"
#include "hd-store.h"

G_BEGIN_DECLS

#define HD_AUTO_ANSWER_ERROR (hd_auto_answer_error_quark ())

typedef enum {
  HD_AUTO_ANSWER_ERROR_NO_TEMPLATE,
  HD_AUTO_ANSWER_ERROR_BAD_TEMPLATE,
  HD_AUTO_ANSWER_ERROR_NOT_CONFIGURED, /* no SMTP host, or no sender address */
  HD_AUTO_ANSWER_ERROR_SMTP,           /* the message is the SMTP server's reply verbatim */
} HdAutoAnswerError;

/* What an answer needs of the mail it answers, copied out so that the mail
 * itself need not be kept until the batch is committed. */
typedef struct
{
  char *to_name;
  char *to_address;
  char *subject;
  char *message_id;
  char *references;  /* the mail's References plus its Message-ID, space-separated */
  gint64 ticket_id;
  gboolean notice;   /* a notice about an invalid ticket reference, not a template answer */
} HdAutoAnswerRequest;

GQuark               hd_auto_answer_error_quark (void);

HdAutoAnswerRequest *hd_auto_answer_request_new (HdMessage *message,
                                                 gint64     ticket_id,
                                                 gboolean   notice);
void                 hd_auto_answer_request_free (HdAutoAnswerRequest *request);

GStrv                hd_auto_answer_list_templates (void);
gboolean             hd_auto_answer_render (HdStore                   *store,
                                            HdAccount                 *account,
                                            const HdAutoAnswerRequest *request,
                                            char                     **out_subject,
                                            char                     **out_body,
                                            GError                   **error);
gboolean             hd_auto_answer_send_sync (HdStore                   *store,
                                               HdAccount                 *account,
                                               const HdAutoAnswerRequest *request,
                                               GCancellable              *cancellable,
                                               GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdAutoAnswerRequest, hd_auto_answer_request_free)

G_END_DECLS
