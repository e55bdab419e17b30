/* hd-ingest-json.c: the line `helpdesk-mailctl preview` prints per file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest.h"

static void
add_nullable (JsonBuilder *builder,
              const char  *name,
              const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else
    json_builder_add_string_value (builder, value);
}

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
  add_nullable (builder, "file", file);
  add_nullable (builder, "message_id", hd_message_get_message_id (message));

  json_builder_set_member_name (builder, "from");
  json_builder_begin_object (builder);
  add_nullable (builder, "name", from ? from->name : NULL);
  add_nullable (builder, "address", from ? from->address : NULL);
  json_builder_end_object (builder);

  add_address_list (builder, "to", hd_message_get_to (message));
  add_address_list (builder, "cc", hd_message_get_cc (message));
  add_nullable (builder, "subject", hd_message_get_subject (message));
  add_nullable (builder, "date", date_text);
  json_builder_set_member_name (builder, "auto_submitted");
  json_builder_add_boolean_value (builder, hd_message_is_auto_generated (message, NULL));
  add_nullable (builder, "body_text", hd_message_get_body_text (message));

  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; attachments != NULL && i < attachments->len; i++)
    {
      const HdMessageAttachment *a = attachments->pdata[i];

      json_builder_begin_object (builder);
      add_nullable (builder, "filename", a->filename);
      add_nullable (builder, "content_type", a->content_type);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, a->size);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  add_nullable (builder, "action", hd_ingest_action_to_string (decision->action));
  json_builder_set_member_name (builder, "ticket");
  if (decision->ticket_id != 0)
    json_builder_add_int_value (builder, decision->ticket_id);
  else
    json_builder_add_null_value (builder);
  add_nullable (builder, "reason", decision->reason);
  add_nullable (builder, "user", decision->user);
  add_nullable (builder, "customer", decision->customer);
  add_nullable (builder, "resource", new_ticket ? hd_account_get_resource (account) : NULL);
  add_nullable (builder, "category", new_ticket ? hd_account_get_category (account) : NULL);
  add_nullable (builder, "priority", new_ticket ? hd_account_get_priority (account) : NULL);
  json_builder_set_member_name (builder, "auto_answer");
  json_builder_add_boolean_value (builder, decision->auto_answer);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
