/* hd-auto-answer-private.h: the steps of an auto-answer, for the tests and
 * the core; not public API.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-auto-answer.h"

G_BEGIN_DECLS

#define HD_AUTO_ANSWER_TEMPLATE_RESOURCE "/io/github/helpdeskmail/HelpDeskMail/templates"

gboolean hd_auto_answer_load_template (const char *name,
                                       char      **out_subject,
                                       char      **out_body,
                                       char      **out_origin,
                                       GError    **error);
char    *hd_auto_answer_expand (const char *text,
                                GHashTable *values);
GBytes  *hd_auto_answer_build_mail (HdStore                   *store,
                                    HdAccount                 *account,
                                    const HdAutoAnswerRequest *request,
                                    char                     **out_message_id,
                                    GError                   **error);

G_END_DECLS
