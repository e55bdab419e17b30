/* hd-ticket-reply.c: a mail written from a ticket.
 *
 * The seed's Account Info says what it is for: the Sender Alias is what the
 * Sender field shows when a mail is written from a ticket, and the Sender
 * E-Mail Address is the address it goes out from. The mail carries the
 * ticket reference and the thread headers, so that the answer to it finds
 * the ticket either way, and it becomes a step only once the SMTP server
 * has accepted it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ticket-reply.h"

#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

#include "hd-message-private.h"
#include "hd-random.h"
#include "hd-smtp-sender.h"
#include "hd-store-batch.h"
#include "hd-store-tickets.h"
#include "hd-account.h"

G_DEFINE_QUARK (hd-ticket-reply-error-quark, hd_ticket_reply_error)

/* RFC 5322 allows trimming a long References header, keeping the first id. */
#define MAX_REFERENCES 20

void
hd_ticket_reply_free (HdTicketReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->account);
  g_free (reply->from_alias);
  g_free (reply->from_address);
  g_free (reply->to);
  g_strfreev (reply->cc);
  g_free (reply->subject);
  g_free (reply->text);
  g_free (reply->in_reply_to);
  g_free (reply->references);
  g_free (reply);
}

static gboolean
fail (GError    **error,
      const char *field,
      const char *message)
{
  g_set_error (error, HD_TICKET_REPLY_ERROR, HD_TICKET_REPLY_ERROR_INVALID, "%s: %s", field,
               message);
  return FALSE;
}

/* "Re: " once, and the reference once, as a reply by mail would have it. */
static char *
reply_subject (const char *subject,
               const char *reference)
{
  GString *out = g_string_new (NULL);

  if (g_ascii_strncasecmp (subject, "Re:", 3) != 0)
    g_string_append (out, "Re: ");
  g_string_append (out, subject);
  if (reference != NULL && strstr (subject, reference) == NULL)
    g_string_append_printf (out, " %s", reference);
  return g_string_free (out, FALSE);
}

static char *
references (const char *const *ids)
{
  guint n = ids != NULL ? g_strv_length ((GStrv) ids) : 0;
  GString *out;

  if (n == 0)
    return NULL;
  out = g_string_new (ids[0]);
  for (guint i = MAX (1, (gint) n - (MAX_REFERENCES - 1)); i < n; i++)
    g_string_append_printf (out, " %s", ids[i]);
  return g_string_free (out, FALSE);
}

/**
 * hd_ticket_reply_set_account:
 * @account: the account to send as
 *
 * Takes the sender alias and address of @account.
 */
gboolean
hd_ticket_reply_set_account (HdTicketReply *reply,
                             HdStore       *store,
                             const char    *account,
                             GError       **error)
{
  g_autoptr (HdAccount) found = NULL;

  g_return_val_if_fail (reply != NULL, FALSE);
  g_return_val_if_fail (account != NULL, FALSE);

  found = hd_store_lookup_account (store, account, error);
  if (found == NULL)
    return FALSE;
  g_free (reply->account);
  g_free (reply->from_alias);
  g_free (reply->from_address);
  reply->account = g_strdup (account);
  reply->from_alias = g_strdup (hd_account_get_sender_alias (found));
  reply->from_address = g_strdup (hd_account_get_sender_address (found));
  return TRUE;
}

/**
 * hd_ticket_reply_new:
 * @account: (nullable): the account to send as; %NULL for the ticket's
 *
 * Returns: (transfer full) (nullable): a reply to the ticket with the
 *   sender (none when the ticket's account is gone), recipient, subject and
 *   thread filled in and no text yet
 */
HdTicketReply *
hd_ticket_reply_new (HdStore    *store,
                     gint64      ticket_id,
                     const char *account,
                     GError    **error)
{
  g_autoptr (HdTicketThread) thread = NULL;
  g_autoptr (HdTicketReply) reply = NULL;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  thread = hd_store_get_ticket_thread (store, ticket_id, error);
  if (thread == NULL)
    return NULL;

  reply = g_new0 (HdTicketReply, 1);
  reply->ticket_id = ticket_id;
  reply->to = g_strdup (thread->user_email);
  reply->subject = reply_subject (thread->subject, thread->reference);
  reply->in_reply_to = g_strdup (thread->last_message_id);
  reply->references = references ((const char *const *) thread->message_ids);
  reply->text = g_strdup ("");

  /* A ticket whose account is gone can still be answered as another one;
   * until one is chosen, sending says so. */
  if (account == NULL)
    account = thread->account;
  if (account != NULL && !hd_ticket_reply_set_account (reply, store, account, error))
    return NULL;
  return g_steal_pointer (&reply);
}

/**
 * hd_ticket_reply_dup_sender:
 *
 * Returns: the sender as the From header shows it, "Alias <address>"
 */
char *
hd_ticket_reply_dup_sender (HdTicketReply *reply)
{
  g_return_val_if_fail (reply != NULL, NULL);

  if (reply->from_address == NULL)
    return g_strdup ("");
  if (reply->from_alias == NULL || *reply->from_alias == '\0')
    return g_strdup (reply->from_address);
  return g_strdup_printf ("%s <%s>", reply->from_alias, reply->from_address);
}

static gboolean
validate (HdTicketReply *reply,
          GError       **error)
{
  if (reply->account == NULL)
    return fail (error, "from", _("the ticket has no account any more; choose one to send as"));
  if (reply->from_address == NULL || !hd_email_address_is_valid (reply->from_address))
    {
      g_autofree char *message = g_strdup_printf (_("the account “%s” has no sender address "
                                                    "to send from"), reply->account);
      return fail (error, "from", message);
    }
  if (reply->to == NULL || !hd_email_address_is_valid (reply->to))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a valid e-mail address"),
                                                  reply->to ? reply->to : "");
      return fail (error, "to", message);
    }
  for (guint i = 0; reply->cc != NULL && reply->cc[i] != NULL; i++)
    {
      if (!hd_email_address_is_valid (reply->cc[i]))
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a valid e-mail address"),
                                                      reply->cc[i]);
          return fail (error, "cc", message);
        }
    }
  if (reply->subject == NULL || *g_strstrip (reply->subject) == '\0')
    return fail (error, "subject", _("the mail needs a subject"));
  if (reply->text == NULL || *reply->text == '\0' || !g_utf8_validate (reply->text, -1, NULL))
    return fail (error, "text", _("the mail has no text"));
  return TRUE;
}

static char *
new_message_id (const char *address,
                GError    **error)
{
  guint8 bytes[16];
  GString *id = g_string_new (NULL);

  if (!hd_random_bytes (bytes, sizeof bytes, error))
    {
      g_string_free (id, TRUE);
      return NULL;
    }
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  g_string_append_printf (id, "@%s", strrchr (address, '@') + 1);
  return g_string_free (id, FALSE);
}

static void
add_address (InternetAddressList *list,
             const char          *name,
             const char          *address)
{
  InternetAddress *mailbox = internet_address_mailbox_new (name, address);

  internet_address_set_charset (mailbox, "utf-8");
  internet_address_list_add (list, mailbox);
  g_object_unref (mailbox);
}

/* The mail as SMTP DATA, with CRLF line ends. */
static GBytes *
build_mail (HdTicketReply *reply,
            const char    *message_id)
{
  GMimeMessage *message = g_mime_message_new (TRUE);
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
  GMimeStream *content = g_mime_stream_mem_new_with_buffer (reply->text, strlen (reply->text));
  GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream (content,
                                                                   GMIME_CONTENT_ENCODING_DEFAULT);
  GMimeFormatOptions *options = g_mime_format_options_new ();
  GMimeStream *output = g_mime_stream_mem_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  GByteArray *array;
  GBytes *bytes;

  add_address (g_mime_message_get_from (message), reply->from_alias, reply->from_address);
  add_address (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), NULL, reply->to);
  for (guint i = 0; reply->cc != NULL && reply->cc[i] != NULL; i++)
    add_address (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC), NULL,
                 reply->cc[i]);
  g_mime_message_set_subject (message, reply->subject, "utf-8");
  g_mime_message_set_date (message, now);
  g_mime_message_set_message_id (message, message_id);
  if (reply->in_reply_to != NULL)
    g_mime_object_set_header ((GMimeObject *) message, "In-Reply-To", reply->in_reply_to, NULL);
  if (reply->references != NULL)
    g_mime_object_set_header ((GMimeObject *) message, "References", reply->references, NULL);

  /* UTF-8 as written, encoded for a 7-bit transport. */
  g_mime_part_set_content ((GMimePart *) part, wrapper);
  g_mime_text_part_set_charset (part, "utf-8");
  g_mime_part_set_content_encoding ((GMimePart *) part,
                                    g_mime_part_get_best_content_encoding (
                                      (GMimePart *) part, GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_message_set_mime_part (message, (GMimeObject *) part);

  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream ((GMimeObject *) message, options, output);
  array = g_mime_stream_mem_get_byte_array ((GMimeStreamMem *) output);
  bytes = g_bytes_new (array->data, array->len);

  g_object_unref (output);
  g_mime_format_options_free (options);
  g_object_unref (wrapper);
  g_object_unref (content);
  g_object_unref (part);
  g_object_unref (message);
  return bytes;
}

static gint64
record_step (HdTicketReply *reply,
             HdStore       *store,
             const char    *message_id,
             GBytes        *mail,
             GError       **error)
{
  g_autoptr (GInputStream) raw = g_memory_input_stream_new_from_bytes (mail);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  const char *to[] = { reply->to, NULL };
  g_autoptr (HdStoreBatch) batch = NULL;
  HdStepSpec spec = { 0 };
  gint64 step_id;

  spec.from_name = reply->from_alias;
  spec.from_address = reply->from_address;
  spec.date = date;
  spec.message_id = message_id;
  spec.body_text = reply->text;
  spec.outgoing = TRUE;
  spec.to = to;
  spec.cc = (const char *const *) reply->cc;

  batch = hd_store_batch_begin (store, error);
  if (batch == NULL)
    return 0;
  step_id = hd_store_add_step (store, reply->ticket_id, &spec, raw, g_bytes_get_size (mail),
                               error);
  if (step_id == 0 || !hd_store_batch_commit (batch, error))
    return 0;
  return step_id;
}

/**
 * hd_ticket_reply_send_sync:
 *
 * Sends @reply over the SMTP server of the settings, as the account's
 * sender alias and address, and stores it as an outgoing step of its ticket
 * once the server has accepted it. A refused mail leaves no step, and the
 * error carries the server's reply word for word. Blocks; call it from a
 * worker thread (with a store of its own) or the command line.
 *
 * Returns: the new step, or 0 with @error set
 */
gint64
hd_ticket_reply_send_sync (HdTicketReply *reply,
                           HdStore       *store,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr (GBytes) mail = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) recipients = NULL;
  g_autofree char *id = NULL;
  g_autofree char *message_id = NULL;

  g_return_val_if_fail (reply != NULL, 0);
  g_return_val_if_fail (HD_IS_STORE (store), 0);

  if (!validate (reply, error))
    return 0;
  id = new_message_id (reply->from_address, error);
  if (id == NULL)
    return 0;
  message_id = g_strdup_printf ("<%s>", id);
  hd_message_ensure_gmime ();
  mail = build_mail (reply, id);

  g_strv_builder_add (builder, reply->to);
  if (reply->cc != NULL)
    g_strv_builder_addv (builder, (const char **) reply->cc);
  recipients = g_strv_builder_end (builder);
  if (!hd_smtp_sender_send_sync (store, reply->from_address, (const char *const *) recipients,
                                 mail, cancellable, error))
    return 0;

  return record_step (reply, store, message_id, mail, error);
}
