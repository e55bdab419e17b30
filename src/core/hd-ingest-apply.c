/* hd-ingest-apply.c: writing what a decision says, inside the caller's
 * transaction.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest-private.h"

#include <glib/gi18n-lib.h>

#include "hd-store-attachments.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

static char *
format_date (HdMessage *message)
{
  GDateTime *date = hd_message_get_date (message);

  return date ? g_date_time_format_iso8601 (date) : NULL;
}

static gint64
create_ticket (HdStore                *store,
               HdAccount              *account,
               gint64                  account_id,
               gint64                  run_id,
               HdMessage              *message,
               const HdIngestDecision *decision,
               GError                **error)
{
  const HdMessageAddress *from = hd_message_get_from (message);
  HdTicketSpec spec = { 0 };
  gint64 customer_id = 0;
  gint64 user_id = 0;

  if (decision->customer != NULL)
    {
      customer_id = hd_store_ensure_customer (store, decision->customer, error);
      if (customer_id == 0)
        return 0;
    }
  if (decision->new_user_email != NULL)
    {
      user_id = hd_store_ensure_user (store, decision->new_user_email, customer_id, error);
      if (user_id == 0)
        return 0;
    }
  else if (decision->user != NULL)
    user_id = hd_store_lookup_name (store, HD_ENTITY_USERS, decision->user);

  spec.subject = hd_message_get_subject (message);
  spec.from_address = from ? from->address : NULL;
  spec.account_id = account_id;
  spec.user_id = user_id;
  spec.customer_id = customer_id;
  spec.resource_id = hd_store_lookup_name (store, HD_ENTITY_RESOURCES,
                                           hd_account_get_resource (account));
  spec.category_id = hd_store_lookup_name (store, HD_ENTITY_CATEGORIES,
                                           hd_account_get_category (account));
  spec.priority_id = hd_store_lookup_name (store, HD_ENTITY_PRIORITIES,
                                           hd_account_get_priority (account));
  spec.poll_run_id = run_id > 0 && run_id < G_MAXINT64 ? run_id : 0;
  spec.bounce = decision->action == HD_INGEST_BOUNCE;
  return hd_store_create_ticket (store, &spec, NULL, error);
}

typedef struct {
  HdMessage *message;
  guint index;
} AttachmentFill;

static gboolean
write_attachment (GOutputStream  *output,
                  gpointer        user_data,
                  GError        **error)
{
  AttachmentFill *fill = user_data;

  return hd_message_write_attachment (fill->message, fill->index, output, NULL, error);
}

static GStrv
addresses (GPtrArray *list)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; list != NULL && i < list->len; i++)
    g_strv_builder_add (builder, ((HdMessageAddress *) list->pdata[i])->address);
  return g_strv_builder_end (builder);
}

static gint64
add_step (HdStore                *store,
          gint64                  ticket_id,
          HdMessage              *message,
          GInputStream           *raw,
          goffset                 raw_size,
          const HdIngestDecision *decision,
          GError                **error)
{
  g_auto (GStrv) to = addresses (hd_message_get_to (message));
  g_auto (GStrv) cc = addresses (hd_message_get_cc (message));
  const HdMessageAddress *from = hd_message_get_from (message);
  g_autofree char *date = format_date (message);
  GPtrArray *attachments = hd_message_get_attachments (message);
  HdStepSpec spec = { 0 };
  gboolean by_reference;
  gint64 step_id;

  spec.from_name = from ? from->name : NULL;
  spec.from_address = from ? from->address : NULL;
  spec.date = date;
  spec.message_id = hd_message_get_message_id (message);
  spec.body_text = hd_message_get_body_text (message);
  spec.to = (const char *const *) to;
  spec.cc = (const char *const *) cc;
  spec.undeliverable = decision->action == HD_INGEST_BOUNCE;
  spec.failed_recipient = decision->failed_recipient;
  spec.delivery_status = decision->delivery_status;
  step_id = hd_store_add_step (store, ticket_id, &spec, raw, raw_size, error);
  if (step_id == 0)
    return 0;

  /* The step's raw copy is the message's bytes only when it came from the
   * same source: then an attachment is a reference into it. */
  by_reference = raw != NULL && (guint64) raw_size == hd_message_get_raw_size (message);
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      const HdMessageAttachment *attachment = attachments->pdata[i];
      AttachmentFill fill = { message, attachment->index };

      if (by_reference && attachment->raw_offset >= 0)
        {
          HdAttachmentRef ref = { attachment->filename, attachment->content_type,
                                  attachment->is_inline, attachment->size,
                                  attachment->raw_offset, attachment->raw_length,
                                  attachment->raw_encoding };

          if (hd_store_add_attachment_ref (store, step_id, &ref, error) == 0)
            return 0;
          continue;
        }

      /* No exact place in the raw mail (locate_raw_body() in
       * hd-message-mime.c says when): a decoded copy, streamed into the
       * database so that a big attachment is never held in memory whole. */
      if (hd_store_add_attachment_streamed (store, step_id, attachment->filename,
                                            attachment->content_type, attachment->is_inline,
                                            attachment->size, write_attachment, &fill,
                                            error) == 0)
        return 0;
    }
  return step_id;
}

/**
 * hd_ingest_apply_ticket:
 * @raw: (nullable): the message as received, stored with its step
 * @out_step_id: (out): the new step
 *
 * Writes the ticket (when the decision makes one) and the step of an
 * importing decision, without a receipt.
 *
 * Returns: the ticket, or 0 with @error set
 */
gint64
hd_ingest_apply_ticket (HdStore                *store,
                        HdAccount              *account,
                        gint64                  account_id,
                        gint64                  run_id,
                        HdMessage              *message,
                        GInputStream           *raw,
                        goffset                 raw_size,
                        const HdIngestDecision *decision,
                        gint64                 *out_step_id,
                        GError                **error)
{
  gint64 ticket_id = decision->ticket_id;

  g_assert (hd_ingest_action_imports (decision->action));

  if (decision->action == HD_INGEST_NEW_TICKET
      || (decision->action == HD_INGEST_BOUNCE && ticket_id == 0))
    {
      ticket_id = create_ticket (store, account, account_id, run_id, message, decision, error);
      if (ticket_id == 0)
        return 0;
    }
  *out_step_id = add_step (store, ticket_id, message, raw, raw_size, decision, error);
  return *out_step_id != 0 ? ticket_id : 0;
}

/**
 * hd_ingest_apply:
 * @server_key: "UIDVALIDITY/UID" or the UIDL; the receipt's key
 * @raw_file: (nullable): the message as received, stored with its step
 * @out_ticket_id: (out) (optional): the ticket the message went to
 *
 * Writes the ticket (or step) and the receipt. Call it between
 * hd_store_batch_begin() and hd_store_batch_commit(): a crash before the COMMIT leaves
 * neither, so the mail is read again; after it, both, so it never is.
 */
gboolean
hd_ingest_apply (HdStore                *store,
                 HdAccount              *account,
                 gint64                  run_id,
                 HdMessage              *message,
                 const char             *server_key,
                 GFile                  *raw_file,
                 const HdIngestDecision *decision,
                 gint64                 *out_ticket_id,
                 GError                **error)
{
  g_autoptr (GFileInputStream) raw = NULL;
  goffset raw_size = 0;
  gint64 account_id;

  g_return_val_if_fail (HD_IS_STORE (store), FALSE);
  g_return_val_if_fail (server_key != NULL, FALSE);

  account_id = hd_store_get_account_id (store, hd_account_get_name (account), error);
  if (account_id == 0)
    return FALSE;
  if (raw_file != NULL && hd_ingest_action_imports (decision->action))
    {
      g_autoptr (GFileInfo) info = NULL;

      raw = g_file_read (raw_file, NULL, error);
      if (raw == NULL)
        return FALSE;
      info = g_file_input_stream_query_info (raw, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, error);
      if (info == NULL)
        return FALSE;
      raw_size = g_file_info_get_size (info);
    }
  return hd_ingest_apply_with (store, account, account_id, run_id, message, server_key,
                               raw ? G_INPUT_STREAM (raw) : NULL, raw_size, decision,
                               out_ticket_id, error);
}

/* Writes a decision for the account whose id the caller knows; @raw, the
 * mail as received (@raw_size bytes), is read when the decision imports. */
gboolean
hd_ingest_apply_with (HdStore                *store,
                      HdAccount              *account,
                      gint64                  account_id,
                      gint64                  run_id,
                      HdMessage              *message,
                      const char             *server_key,
                      GInputStream           *raw,
                      goffset                 raw_size,
                      const HdIngestDecision *decision,
                      gint64                 *out_ticket_id,
                      GError                **error)
{
  gint64 ticket_id = decision->ticket_id, step_id = 0;

  if (hd_ingest_action_imports (decision->action))
    {
      ticket_id = hd_ingest_apply_ticket (store, account, account_id, run_id, message, raw,
                                          raw_size, decision, &step_id, error);
      if (ticket_id == 0)
        return FALSE;
    }

  /* Mail that stays on the server gets no receipt: the next poll decides
   * again (the admin may have allowed new tickets meanwhile). */
  if (hd_ingest_action_deletes (decision->action)
      && !hd_store_add_receipt (store, account_id, server_key, hd_message_get_message_id (message),
                                hd_ingest_action_to_string (decision->action),
                                hd_ingest_action_imports (decision->action) ? ticket_id : 0,
                                step_id, TRUE, error))
    return FALSE;

  if (out_ticket_id != NULL)
    *out_ticket_id = hd_ingest_action_imports (decision->action) ? ticket_id : 0;
  return TRUE;
}
