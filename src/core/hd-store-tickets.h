/* hd-store-tickets.h: tickets, their steps and attachments.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-store.h"

G_BEGIN_DECLS

/* Writes an attachment's data into @output; see hd_store_add_attachment_streamed(). */
typedef gboolean (*HdStoreFillFunc) (GOutputStream  *output,
                                     gpointer        user_data,
                                     GError        **error);

/* What a new ticket starts with; ids of 0 mean "none". */
typedef struct
{
  const char *subject;
  const char *from_address;
  gint64 account_id;
  gint64 user_id;
  gint64 customer_id;
  gint64 resource_id;
  gint64 category_id;
  gint64 priority_id;
  gint64 poll_run_id;
  gboolean bounce;        /* opened by a bounce that found no ticket */
} HdTicketSpec;

typedef struct
{
  const char *from_name;
  const char *from_address;
  const char *date;       /* ISO 8601, or NULL */
  const char *message_id;
  const char *body_text;
  gboolean outgoing;              /* a mail we sent, not one we received */
  const char *const *to;          /* (nullable): the recipients */
  const char *const *cc;          /* (nullable) */
  gboolean undeliverable;         /* a bounce: the mail did not arrive */
  const char *failed_recipient;   /* (nullable): whom it did not reach */
  const char *delivery_status;    /* (nullable): "5.1.1 user unknown" */
} HdStepSpec;

gint64    hd_store_create_ticket (HdStore            *self,
                                  const HdTicketSpec *spec,
                                  char              **out_token,
                                  GError            **error);
char     *hd_store_dup_ticket_token (HdStore *self,
                                     gint64   ticket_id);
char     *hd_store_format_reference (HdStore    *self,
                                     gint64      ticket_id,
                                     const char *token);
gint64    hd_store_add_step (HdStore          *self,
                             gint64            ticket_id,
                             const HdStepSpec *spec,
                             GInputStream     *raw,
                             goffset           raw_size,
                             GError          **error);
gint64    hd_store_add_attachment (HdStore    *self,
                                   gint64      step_id,
                                   const char *filename,
                                   const char *content_type,
                                   gboolean    is_inline,
                                   GBytes     *data,
                                   GError    **error);
gint64    hd_store_find_ticket_by_message_id (HdStore    *self,
                                              const char *message_id);
gint64    hd_store_find_bundle_ticket (HdStore    *self,
                                       gint64      account_id,
                                       const char *from_address,
                                       const char *subject,
                                       gint64      run_id);

gint64    hd_store_find_user_by_email (HdStore    *self,
                                       const char *email);
char     *hd_store_dup_user_name_for_email (HdStore    *self,
                                            const char *email);
gint64    hd_store_ensure_user (HdStore    *self,
                                const char *email,
                                gint64      customer_id,
                                GError    **error);
gint64    hd_store_ensure_customer (HdStore    *self,
                                    const char *name,
                                    GError    **error);

/* What a mail written from a ticket needs to know of it. */
typedef struct
{
  char *subject;
  char *reference;        /* "[TicketID 42QKXB]" as the settings spell it */
  char *account;          /* (nullable): the account the ticket came in by */
  char *user_email;       /* (nullable): where an answer goes */
  char *last_message_id;  /* (nullable): the newest mail that came in, not a bounce */
  GStrv message_ids;      /* every step's, oldest first */
} HdTicketThread;

HdTicketThread *hd_store_get_ticket_thread (HdStore *self,
                                            gint64   ticket_id,
                                            GError **error);
void            hd_ticket_thread_free (HdTicketThread *thread);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdTicketThread, hd_ticket_thread_free)

JsonNode *hd_store_tickets_to_json (HdStore *self,
                                    GError **error);
JsonNode *hd_store_tickets_page_to_json (HdStore *self,
                                         gint64   before_id,
                                         guint    limit,
                                         GError **error);
JsonNode *hd_store_ticket_to_json (HdStore *self,
                                   gint64   ticket_id,
                                   GError **error);

gint64      hd_store_add_attachment_streamed (HdStore         *self,
                                              gint64           step_id,
                                              const char      *filename,
                                              const char      *content_type,
                                              gboolean         is_inline,
                                              guint64          size,
                                              HdStoreFillFunc  fill,
                                              gpointer         user_data,
                                              GError         **error);

G_END_DECLS
