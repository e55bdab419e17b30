/* hd-store-tickets-json.c: tickets as DESIGN.md's JSON, for `tickets list`
 * and `tickets show` and the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-tickets.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>

#include "hd-json.h"
#include "hd-store-private.h"

#define TICKET_SELECT \
  "SELECT t.id, t.token, t.subject, a.name, u.name, c.name, r.name, g.name, p.name, t.created," \
  " (SELECT count(*) FROM ticket_steps s WHERE s.ticket_id = t.id), t.bounce" \
  " FROM tickets t" \
  " LEFT JOIN accounts a ON a.id = t.account_id" \
  " LEFT JOIN users u ON u.id = t.user_id" \
  " LEFT JOIN customers c ON c.id = t.customer_id" \
  " LEFT JOIN resources r ON r.id = t.resource_id" \
  " LEFT JOIN categories g ON g.id = t.category_id" \
  " LEFT JOIN priorities p ON p.id = t.priority_id"

/* Adds the members of one ticket row, less "steps". */
static void
add_ticket_members (HdStore      *self,
                    JsonBuilder  *builder,
                    sqlite3_stmt *stmt)
{
  static const char *const names[] = { "account", "user", "customer", "resource", "category",
                                       "priority" };
  gint64 id = sqlite3_column_int64 (stmt, 0);
  g_autofree char *reference = hd_store_format_reference (self, id, hd_store_column_text (stmt, 1));

  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  hd_json_add_string (builder, "reference", reference);
  hd_json_add_string (builder, "subject", hd_store_column_text (stmt, 2));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    hd_json_add_string (builder, names[i], hd_store_column_text (stmt, 3 + i));
  hd_json_add_string (builder, "created", hd_store_column_text (stmt, 9));
  json_builder_set_member_name (builder, "bounce");
  json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, 11) != 0);
}

/* "a@x, b@y" as stored, back to a JSON array. */
static void
add_address_list (JsonBuilder *builder,
                  const char  *name,
                  const char  *joined)
{
  g_auto (GStrv) addresses = g_strsplit (joined ? joined : "", ",", -1);

  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; addresses[i] != NULL; i++)
    if (*g_strstrip (addresses[i]) != '\0')
      json_builder_add_string_value (builder, addresses[i]);
  json_builder_end_array (builder);
}

/**
 * hd_store_tickets_to_json:
 *
 * Returns: (transfer full): an array of every ticket, newest first, with
 *   "steps" as a count
 */
JsonNode *
hd_store_tickets_to_json (HdStore *self,
                          GError **error)
{
  return hd_store_tickets_page_to_json (self, 0, 0, error);
}

/**
 * hd_store_tickets_page_to_json:
 * @before_id: only tickets older than this ticket id; 0 for the newest
 * @limit: at most this many tickets; 0 for all
 *
 * One page of the tickets, newest first, so that a view can show the
 * newest at once and load older ones on demand.
 *
 * Returns: (transfer full): an array of tickets with "steps" as a count
 */
JsonNode *
hd_store_tickets_page_to_json (HdStore *self,
                               gint64   before_id,
                               guint    limit,
                               GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self,
                           TICKET_SELECT " WHERE (?1 = 0 OR t.id < ?1) ORDER BY t.id DESC LIMIT ?2",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, before_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (sqlite3_int64) limit : -1);

  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_ticket_members (self, builder, stmt);
      json_builder_set_member_name (builder, "steps");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 10));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  return json_builder_get_root (builder);
}

static gboolean
add_attachments (HdStore     *self,
                 JsonBuilder *builder,
                 gint64       step_id,
                 GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  stmt = hd_store_prepare (self,
                           "SELECT filename, content_type, size, id FROM attachments"
                           " WHERE step_id = ?1 ORDER BY id",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, step_id);

  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      hd_json_add_string (builder, "filename", hd_store_column_text (stmt, 0));
      hd_json_add_string (builder, "content_type", hd_store_column_text (stmt, 1));
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 2));
      /* For `tickets attachment ID`. */
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 3));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return rc == SQLITE_DONE || hd_store_set_error (self, rc, error);
}

static gboolean
add_steps (HdStore     *self,
           JsonBuilder *builder,
           gint64       ticket_id,
           GError     **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  stmt = hd_store_prepare (self,
                           "SELECT id, from_address, date, message_id, body_text, direction,"
                           " to_addresses, cc_addresses, undeliverable, failed_recipient,"
                           " delivery_status FROM ticket_steps WHERE ticket_id = ?1 ORDER BY id",
                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, ticket_id);

  json_builder_set_member_name (builder, "steps");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      hd_json_add_string (builder, "direction", hd_store_column_text (stmt, 5));
      hd_json_add_string (builder, "from", hd_store_column_text (stmt, 1));
      add_address_list (builder, "to", hd_store_column_text (stmt, 6));
      add_address_list (builder, "cc", hd_store_column_text (stmt, 7));
      hd_json_add_string (builder, "date", hd_store_column_text (stmt, 2));
      hd_json_add_string (builder, "message_id", hd_store_column_text (stmt, 3));
      hd_json_add_string (builder, "text", hd_store_column_text (stmt, 4));
      json_builder_set_member_name (builder, "undeliverable");
      json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, 8) != 0);
      hd_json_add_string (builder, "failed_recipient", hd_store_column_text (stmt, 9));
      hd_json_add_string (builder, "delivery_status", hd_store_column_text (stmt, 10));
      if (!add_attachments (self, builder, sqlite3_column_int64 (stmt, 0), error))
        return FALSE;
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return rc == SQLITE_DONE || hd_store_set_error (self, rc, error);
}

/**
 * hd_store_ticket_to_json:
 *
 * Returns: (transfer full) (nullable): one ticket with its steps, or %NULL
 *   with %HD_STORE_ERROR_NOT_FOUND
 */
JsonNode *
hd_store_ticket_to_json (HdStore *self,
                         gint64   ticket_id,
                         GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (HdStoreStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self, TICKET_SELECT " WHERE t.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, ticket_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, HD_STORE_ERROR, HD_STORE_ERROR_NOT_FOUND,
                     _("There is no ticket %" PRId64), ticket_id);
      else
        hd_store_set_error (self, rc, error);
      return NULL;
    }

  json_builder_begin_object (builder);
  add_ticket_members (self, builder, stmt);
  if (!add_steps (self, builder, ticket_id, error))
    return NULL;
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
