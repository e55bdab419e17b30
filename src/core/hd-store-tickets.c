/* hd-store-tickets.c: tickets, steps, attachments, and the users and
 * customers that mail creates.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-store-tickets.h"

#include <glib/gi18n-lib.h>
/* PRId64: xgettext reads it in a translatable string, G_GINT64_FORMAT it cannot. */
#include <inttypes.h>
#include <string.h>

#include "hd-random.h"
#include "hd-store-private.h"

/* Letters after the ticket number in a reference: 26^5 ≈ 11.9 million, so
 * that nobody adds to a ticket by guessing. */
#define TOKEN_LENGTH 5

static gint64
insert (HdStore      *self,
        sqlite3_stmt *stmt,
        GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return 0;
    }
  return sqlite3_last_insert_rowid (hd_store_get_db (self));
}

static gint64
select_id (HdStore      *self,
           sqlite3_stmt *stmt)
{
  return sqlite3_step (stmt) == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
}

/**
 * hd_store_create_ticket:
 * @out_token: (out) (optional): the random letters of its reference
 *
 * Returns: the new ticket's id, or 0 with @error set
 */
gint64
hd_store_create_ticket (HdStore            *self,
                        const HdTicketSpec *spec,
                        char              **out_token,
                        GError            **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *token = NULL;
  g_autofree char *now = hd_store_now ();
  gint64 id;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (spec != NULL, 0);

  token = hd_random_letters (TOKEN_LENGTH, error);
  if (token == NULL)
    return 0;

  stmt = hd_store_prepare (self,
                           "INSERT INTO tickets (token, subject, account_id, user_id, customer_id,"
                           " resource_id, category_id, priority_id, poll_run_id, from_address,"
                           " created, bounce)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                           error);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, token);
  hd_store_bind_text (stmt, 2, spec->subject ? spec->subject : "");
  hd_store_bind_id (stmt, 3, spec->account_id);
  hd_store_bind_id (stmt, 4, spec->user_id);
  hd_store_bind_id (stmt, 5, spec->customer_id);
  hd_store_bind_id (stmt, 6, spec->resource_id);
  hd_store_bind_id (stmt, 7, spec->category_id);
  hd_store_bind_id (stmt, 8, spec->priority_id);
  hd_store_bind_id (stmt, 9, spec->poll_run_id);
  hd_store_bind_text (stmt, 10, spec->from_address);
  hd_store_bind_text (stmt, 11, now);
  sqlite3_bind_int (stmt, 12, spec->bounce);

  id = insert (self, stmt, error);
  if (id != 0 && out_token != NULL)
    *out_token = g_steal_pointer (&token);
  return id;
}

char *
hd_store_dup_ticket_token (HdStore *self,
                           gint64   ticket_id)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  stmt = hd_store_prepare (self, "SELECT token FROM tickets WHERE id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, ticket_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup (hd_store_column_text (stmt, 0));
}

/**
 * hd_store_format_reference:
 *
 * Returns: (transfer full): the reference that our subjects carry, e.g.
 *   "[TicketID 42QKXB]", with the prefix and suffix of the settings.
 */
char *
hd_store_format_reference (HdStore    *self,
                           gint64      ticket_id,
                           const char *token)
{
  g_autofree char *prefix = hd_store_dup_setting (self, "reference.prefix");
  g_autofree char *suffix = hd_store_dup_setting (self, "reference.suffix");

  return g_strdup_printf ("%sTicketID %" G_GINT64_FORMAT "%s%s", prefix ? prefix : "[", ticket_id,
                          token, suffix ? suffix : "]");
}

/**
 * hd_store_add_step:
 * @raw: (nullable): the whole message as received, kept so that nothing is
 *   lost and a mail can be examined again
 *
 * Returns: the new step's id, or 0 with @error set
 */
gint64
hd_store_add_step (HdStore          *self,
                   gint64            ticket_id,
                   const HdStepSpec *spec,
                   GInputStream     *raw,
                   goffset           raw_size,
                   GError          **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *now = hd_store_now ();
  g_autofree char *to = spec->to ? g_strjoinv (", ", (GStrv) spec->to) : NULL;
  g_autofree char *cc = spec->cc ? g_strjoinv (", ", (GStrv) spec->cc) : NULL;
  gint64 raw_id = 0;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (spec != NULL, 0);
  g_return_val_if_fail (raw == NULL || raw_size >= 0, 0);

  /* The raw copy goes into a row of its own where it is the last column:
   * only there does SQLite keep a zeroblob as a count instead of expanding
   * it in memory, so that it can be streamed in. */
  if (raw != NULL && (raw_id = hd_store_add_raw_copy (self, raw, raw_size, error)) == 0)
    return 0;
  stmt = hd_store_prepare (self,
                           "INSERT INTO ticket_steps (ticket_id, from_name, from_address, date,"
                           " message_id, body_text, raw_id, created, direction, to_addresses,"
                           " cc_addresses, undeliverable, failed_recipient, delivery_status)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, ticket_id);
  hd_store_bind_text (stmt, 2, spec->from_name);
  hd_store_bind_text (stmt, 3, spec->from_address);
  hd_store_bind_text (stmt, 4, spec->date);
  hd_store_bind_text (stmt, 5, spec->message_id);
  hd_store_bind_text (stmt, 6, spec->body_text ? spec->body_text : "");
  hd_store_bind_id (stmt, 7, raw_id);
  hd_store_bind_text (stmt, 8, now);
  hd_store_bind_text (stmt, 9, spec->outgoing ? "out" : "in");
  hd_store_bind_text (stmt, 10, to);
  hd_store_bind_text (stmt, 11, cc);
  sqlite3_bind_int (stmt, 12, spec->undeliverable);
  hd_store_bind_text (stmt, 13, spec->failed_recipient);
  hd_store_bind_text (stmt, 14, spec->delivery_status);
  return insert (self, stmt, error);
}

gint64
hd_store_add_attachment (HdStore    *self,
                         gint64      step_id,
                         const char *filename,
                         const char *content_type,
                         gboolean    is_inline,
                         GBytes     *data,
                         GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  gsize size = 0;
  gconstpointer bytes;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (data != NULL, 0);

  bytes = g_bytes_get_data (data, &size);
  stmt = hd_store_prepare (self,
                           "INSERT INTO attachments (step_id, filename, content_type, size, inline,"
                           " data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, step_id);
  hd_store_bind_text (stmt, 2, filename);
  hd_store_bind_text (stmt, 3, content_type ? content_type : "application/octet-stream");
  sqlite3_bind_int64 (stmt, 4, size);
  sqlite3_bind_int (stmt, 5, is_inline);
  sqlite3_bind_blob64 (stmt, 6, bytes ? bytes : "", size, SQLITE_STATIC);
  return insert (self, stmt, error);
}

/**
 * hd_store_add_attachment_streamed:
 * @size: the attachment's size, known before its data
 * @fill: writes exactly @size bytes of data into the stream it is given
 *
 * Like hd_store_add_attachment(), with the data streamed into the database
 * by @fill instead of held in memory as a whole.
 *
 * Returns: the attachment's id, or 0 on error
 */
gint64
hd_store_add_attachment_streamed (HdStore           *self,
                                  gint64             step_id,
                                  const char        *filename,
                                  const char        *content_type,
                                  gboolean           is_inline,
                                  guint64            size,
                                  HdStoreFillFunc    fill,
                                  gpointer           user_data,
                                  GError           **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autoptr (GOutputStream) writer = NULL;
  gint64 id;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (fill != NULL, 0);

  stmt = hd_store_prepare (self,
                           "INSERT INTO attachments (step_id, filename, content_type, size, inline,"
                           " data) VALUES (?1, ?2, ?3, ?4, ?5, zeroblob(?4))",
                           error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, step_id);
  hd_store_bind_text (stmt, 2, filename);
  hd_store_bind_text (stmt, 3, content_type ? content_type : "application/octet-stream");
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) size);
  sqlite3_bind_int (stmt, 5, is_inline);
  id = insert (self, stmt, error);
  if (id == 0)
    return 0;
  writer = hd_store_open_blob_writer (self, "attachments", "data", id, (goffset) size, error);
  if (writer == NULL || !fill (writer, user_data, error)
      || !g_output_stream_close (writer, NULL, error))
    return 0;
  return id;
}

/**
 * hd_store_find_ticket_by_message_id:
 *
 * Returns: the ticket that holds a step with @message_id, or to which we
 *   sent a mail with it; 0 when none does.
 */
gint64
hd_store_find_ticket_by_message_id (HdStore    *self,
                                    const char *message_id)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  if (message_id == NULL || *message_id == '\0')
    return 0;
  stmt = hd_store_prepare (self,
                           "SELECT ticket_id FROM ticket_steps WHERE message_id = ?1"
                           " UNION ALL SELECT ticket_id FROM sent_messages"
                           " WHERE message_id = ?1 AND ticket_id IS NOT NULL LIMIT 1",
                           NULL);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, message_id);
  return select_id (self, stmt);
}

/**
 * hd_store_find_bundle_ticket:
 *
 * Auto-bundle: a ticket that this account created from a mail with the same
 * sender and subject, in poll run @run_id or the account's run before it.
 */
gint64
hd_store_find_bundle_ticket (HdStore    *self,
                             gint64      account_id,
                             const char *from_address,
                             const char *subject,
                             gint64      run_id)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  if (from_address == NULL || subject == NULL)
    return 0;
  stmt = hd_store_prepare (self,
                           "SELECT id FROM tickets WHERE account_id = ?1"
                           " AND from_address = ?2 COLLATE NOCASE AND subject = ?3"
                           " AND poll_run_id IN (?4, (SELECT max(id) FROM poll_runs"
                           "   WHERE account_id = ?1 AND id < ?4))"
                           " ORDER BY id DESC LIMIT 1",
                           NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, account_id);
  hd_store_bind_text (stmt, 2, from_address);
  hd_store_bind_text (stmt, 3, subject);
  sqlite3_bind_int64 (stmt, 4, run_id);
  return select_id (self, stmt);
}

gint64
hd_store_find_user_by_email (HdStore    *self,
                             const char *email)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), 0);

  if (email == NULL)
    return 0;
  stmt = hd_store_prepare (self, "SELECT id FROM users WHERE email = ?1", NULL);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, email);
  return select_id (self, stmt);
}

char *
hd_store_dup_user_name_for_email (HdStore    *self,
                                  const char *email)
{
  g_autoptr (HdStoreStmt) stmt = NULL;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  if (email == NULL)
    return NULL;
  stmt = hd_store_prepare (self, "SELECT name FROM users WHERE email = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  hd_store_bind_text (stmt, 1, email);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup (hd_store_column_text (stmt, 0));
}

/**
 * hd_store_ensure_user:
 *
 * Finds the user with @email or creates one named by the address's local
 * part (the full address when another user has that name already).
 */
gint64
hd_store_ensure_user (HdStore    *self,
                      const char *email,
                      gint64      customer_id,
                      GError    **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autofree char *local = NULL;
  const char *at;
  gint64 id;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (email != NULL, 0);

  id = hd_store_find_user_by_email (self, email);
  if (id != 0)
    return id;

  at = strchr (email, '@');
  local = at && at != email ? g_strndup (email, at - email) : g_strdup (email);

  stmt = hd_store_prepare (self,
                           "INSERT INTO users (name, email, customer_id) VALUES"
                           " (CASE WHEN EXISTS (SELECT 1 FROM users WHERE name = ?1) THEN ?2"
                           "  ELSE ?1 END, ?2, ?3)",
                           error);
  if (stmt == NULL)
    return 0;
  hd_store_bind_text (stmt, 1, local);
  hd_store_bind_text (stmt, 2, email);
  hd_store_bind_id (stmt, 3, customer_id);
  return insert (self, stmt, error);
}

gint64
hd_store_ensure_customer (HdStore    *self,
                          const char *name,
                          GError    **error)
{
  gint64 id;

  g_return_val_if_fail (HD_IS_STORE (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  /* Customer names compare without regard to case: Example.org is example.org. */
  id = hd_store_lookup_name (self, HD_ENTITY_CUSTOMERS, name);
  if (id != 0)
    return id;
  return hd_store_add_name (self, HD_ENTITY_CUSTOMERS, name, error);
}

void
hd_ticket_thread_free (HdTicketThread *thread)
{
  if (thread == NULL)
    return;
  g_free (thread->subject);
  g_free (thread->reference);
  g_free (thread->account);
  g_free (thread->user_email);
  g_free (thread->last_message_id);
  g_strfreev (thread->message_ids);
  g_free (thread);
}

/**
 * hd_store_get_ticket_thread:
 *
 * Returns: (transfer full) (nullable): the ticket's subject, reference,
 *   account, the address an answer goes to (its user's, else the address it
 *   came from) and its steps' Message-IDs; %NULL with
 *   %HD_STORE_ERROR_NOT_FOUND for an unknown ticket
 */
HdTicketThread *
hd_store_get_ticket_thread (HdStore *self,
                            gint64   ticket_id,
                            GError **error)
{
  g_autoptr (HdStoreStmt) stmt = NULL;
  g_autoptr (HdTicketThread) thread = NULL;
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();
  int rc;

  g_return_val_if_fail (HD_IS_STORE (self), NULL);

  /* A ticket a bounce opened came from a mail server, which is nobody to
   * write to. */
  stmt = hd_store_prepare (self,
                           "SELECT t.subject, t.token, a.name, coalesce(u.email,"
                           " CASE WHEN t.bounce THEN NULL ELSE t.from_address END)"
                           " FROM tickets t LEFT JOIN accounts a ON a.id = t.account_id"
                           " LEFT JOIN users u ON u.id = t.user_id WHERE t.id = ?1",
                           error);
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
  thread = g_new0 (HdTicketThread, 1);
  thread->subject = g_strdup (hd_store_column_text (stmt, 0));
  thread->reference = hd_store_format_reference (self, ticket_id, hd_store_column_text (stmt, 1));
  thread->account = g_strdup (hd_store_column_text (stmt, 2));
  thread->user_email = g_strdup (hd_store_column_text (stmt, 3));
  g_clear_pointer (&stmt, hd_store_stmt_release);

  stmt = hd_store_prepare (self,
                           "SELECT message_id, direction = 'in' AND NOT undeliverable"
                           " FROM ticket_steps WHERE ticket_id = ?1 AND message_id IS NOT NULL"
                           " ORDER BY id",
                           error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, ticket_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = hd_store_column_text (stmt, 0);

      /* An answer answers the customer's newest mail, not a bounce or our
       * own; the thread keeps them all. */
      if (sqlite3_column_int (stmt, 1) != 0)
        {
          g_free (thread->last_message_id);
          thread->last_message_id = g_strdup (id);
        }
      g_strv_builder_add (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      hd_store_set_error (self, rc, error);
      return NULL;
    }
  thread->message_ids = g_strv_builder_end (ids);
  return g_steal_pointer (&thread);
}
