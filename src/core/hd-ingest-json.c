/* hd-ingest-json.c: the line `helpdesk-mailctl preview` prints per file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest.h"

#include "hd-json.h"

static void
add_address_list (JsonBuilder *builder,
                  const char  *name,
                  GPtrArray   *addresses)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; addresses != NULL && i < addresses->len; i++)
    json_builder_add_string_value (builder, ((HdMessageAddress *) addresses->pdata[i])->address);
  json_builder_end_array (builder);
}

/**
 * hd_ingest_preview_to_json:
 *
 * Returns: (transfer full): DESIGN.md's preview object for one file
 */
JsonNode *
hd_ingest_preview_to_json (const char             *file,
                           HdMessage              *message,
                           HdAccount              *account,
                           const HdIngestDecision *decision)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const HdMessageAddress *from = hd_message_get_from (message);
  GPtrArray *attachments = hd_message_get_attachments (message);
  GDateTime *date = hd_message_get_date (message);
  g_autofree char *date_text = date ? g_date_time_format_iso8601 (date) : NULL;
  gboolean new_ticket = decision->action == HD_INGEST_NEW_TICKET;

  json_builder_begin_object (builder);
  hd_json_add_string (builder, "file", file);
  hd_json_add_string (builder, "message_id", hd_message_get_message_id (message));

  json_builder_set_member_name (builder, "from");
  json_builder_begin_object (builder);
  hd_json_add_string (builder, "name", from ? from->name : NULL);
  hd_json_add_string (builder, "address", from ? from->address : NULL);
  json_builder_end_object (builder);

  add_address_list (builder, "to", hd_message_get_to (message));
  add_address_list (builder, "cc", hd_message_get_cc (message));
  hd_json_add_string (builder, "subject", hd_message_get_subject (message));
  hd_json_add_string (builder, "date", date_text);
  json_builder_set_member_name (builder, "auto_submitted");
  json_builder_add_boolean_value (builder, hd_message_is_auto_generated (message, NULL));
  hd_json_add_string (builder, "body_text", hd_message_get_body_text (message));

  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      const HdMessageAttachment *a = attachments->pdata[i];

      json_builder_begin_object (builder);
      hd_json_add_string (builder, "filename", a->filename);
      hd_json_add_string (builder, "content_type", a->content_type);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, a->size);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  hd_json_add_string (builder, "action", hd_ingest_action_to_string (decision->action));
  json_builder_set_member_name (builder, "ticket");
  if (decision->ticket_id != 0)
    json_builder_add_int_value (builder, decision->ticket_id);
  else
    json_builder_add_null_value (builder);
  hd_json_add_string (builder, "reason", decision->reason);
  hd_json_add_string (builder, "user", decision->user);
  hd_json_add_string (builder, "customer", decision->customer);
  hd_json_add_string (builder, "resource", new_ticket ? hd_account_get_resource (account) : NULL);
  hd_json_add_string (builder, "category", new_ticket ? hd_account_get_category (account) : NULL);
  hd_json_add_string (builder, "priority", new_ticket ? hd_account_get_priority (account) : NULL);
  json_builder_set_member_name (builder, "auto_answer");
  json_builder_add_boolean_value (builder, decision->auto_answer);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
