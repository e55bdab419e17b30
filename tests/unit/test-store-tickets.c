/* test-store-tickets.c: tickets, steps, receipts and the poll log in the store.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "hd-store-polls.h"
#include "hd-store-tickets.h"

typedef struct
{
  char *dir;
  HdStore *store;
  gint64 account_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (HdAccount) account = NULL;

  f->dir = g_dir_make_tmp ("hd-test-tickets-XXXXXX", &error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "h", "port", 993,
                          "username", "u", NULL);
  g_assert_true (hd_store_add_account (f->store, account, &error));
  f->account_id = hd_store_get_account_id (f->store, "Support", &error);
  g_assert_cmpint (f->account_id, >, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->dir, "/helpdesk.sqlite3", suffixes[i], NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
test_ticket_and_reference (Fixture       *f,
                           gconstpointer  data)
{
  HdTicketSpec spec = { .subject = "Printer broken", .from_address = "carol@example.org",
                        .account_id = f->account_id };
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *other_token = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *expected = NULL;
  gint64 id, other;

  id = hd_store_create_ticket (f->store, &spec, &token, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (strlen (token), ==, 5);
  for (const char *p = token; *p; p++)
    g_assert_true (*p >= 'A' && *p <= 'Z');

  other = hd_store_create_ticket (f->store, &spec, &other_token, &error);
  g_assert_cmpint (other, ==, id + 1);
  /* Two tokens in a row are equal once in 26^5; a constant would fail here. */
  g_assert_cmpstr (token, !=, other_token);

  stored = hd_store_dup_ticket_token (f->store, id);
  g_assert_cmpstr (stored, ==, token);

  reference = hd_store_format_reference (f->store, id, token);
  expected = g_strdup_printf ("[TicketID %" G_GINT64_FORMAT "%s]", id, token);
  g_assert_cmpstr (reference, ==, expected);

  g_assert_true (hd_store_set_setting (f->store, "reference.prefix", "{", &error));
  g_assert_true (hd_store_set_setting (f->store, "reference.suffix", "}", &error));
  g_clear_pointer (&reference, g_free);
  reference = hd_store_format_reference (f->store, 7, "ABCDE");
  g_assert_cmpstr (reference, ==, "{TicketID 7ABCDE}");
}

static void
test_step_raw_and_attachments (Fixture       *f,
                               gconstpointer  data)
{
  HdTicketSpec spec = { .subject = "S", .account_id = f->account_id };
  HdStepSpec step = { .from_address = "carol@example.org", .message_id = "<a@example.org>",
                      .body_text = "Hello" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GBytes) attachment = g_bytes_new_static ("PDFDATA", 7);
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *json = NULL;
  GString *big = g_string_new (NULL);
  gint64 ticket, step_id;

  /* Bigger than one copy buffer, so that the streamed write is tested. */
  for (guint i = 0; i < 20000; i++)
    g_string_append_printf (big, "line %u of the message\r\n", i);
  raw = g_string_free_to_bytes (big);
  in = g_memory_input_stream_new_from_bytes (raw);

  ticket = hd_store_create_ticket (f->store, &spec, NULL, &error);
  step_id = hd_store_add_step (f->store, ticket, &step, in, g_bytes_get_size (raw), &error);
  g_assert_no_error (error);
  g_assert_cmpint (step_id, >, 0);
  g_assert_cmpint (hd_store_add_attachment (f->store, step_id, "report.pdf", "application/pdf",
                                            FALSE, attachment, &error), >, 0);

  g_assert_cmpint (hd_store_find_ticket_by_message_id (f->store, "<a@example.org>"), ==, ticket);
  g_assert_cmpint (hd_store_find_ticket_by_message_id (f->store, "<b@example.org>"), ==, 0);

  node = hd_store_ticket_to_json (f->store, ticket, &error);
  g_assert_no_error (error);
  json = json_to_string (node, FALSE);
  g_assert_nonnull (strstr (json, "\"text\":\"Hello\""));
  g_assert_nonnull (strstr (json, "{\"filename\":\"report.pdf\",\"content_type\":\"application/pdf\",\"size\":7,\"id\":"));
  g_assert_nonnull (strstr (json, "\"message_id\":\"<a@example.org>\""));

  /* The raw message reads back byte for byte. */
  {
    g_autofree char *db = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
    sqlite3 *handle = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_open (db, &handle), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (handle, "SELECT r.data FROM ticket_steps s JOIN raw_copies r"
                                         " ON r.id = s.raw_id WHERE s.id = ?1", -1,
                                         &stmt, NULL), ==, SQLITE_OK);
    sqlite3_bind_int64 (stmt, 1, step_id);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_bytes (stmt, 0), ==, g_bytes_get_size (raw));
    g_assert_cmpmem (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0),
                     g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
    sqlite3_finalize (stmt);
    sqlite3_close (handle);
  }
}

/* Reads a raw copy back with SQLite directly. */
static GBytes *
read_raw_copy (Fixture *f,
               gint64   step_id)
{
  g_autofree char *db = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  GBytes *data;

  g_assert_cmpint (sqlite3_open (db, &handle), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, "SELECT r.data FROM ticket_steps s JOIN raw_copies r"
                                       " ON r.id = s.raw_id WHERE s.id = ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, step_id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  data = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (handle);
  return data;
}

static void
test_raw_copy_sizes (Fixture       *f,
                     gconstpointer  data)
{
  /* Empty, small, at the limit of the copy inserted whole, just past it and
   * over several pieces of the streamed copy. */
  const gsize sizes[] = { 0, 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 7 };
  HdTicketSpec spec = { .subject = "S", .account_id = f->account_id };
  HdStepSpec step = { .from_address = "carol@example.org" };
  g_autoptr (GError) error = NULL;
  gint64 ticket = hd_store_create_ticket (f->store, &spec, NULL, &error);

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *bytes = g_malloc (sizes[i] + 1);
      g_autoptr (GBytes) raw = NULL;
      g_autoptr (GBytes) longer = NULL;
      g_autoptr (GBytes) back = NULL;
      g_autoptr (GInputStream) in = NULL;
      gint64 step_id;

      for (gsize j = 0; j <= sizes[i]; j++)
        bytes[j] = (guint8) (j * 7 + j / 251 + i);
      raw = g_bytes_new (bytes, sizes[i]);
      in = g_memory_input_stream_new_from_bytes (raw);
      step_id = hd_store_add_step (f->store, ticket, &step, in, sizes[i], &error);
      g_assert_no_error (error);
      back = read_raw_copy (f, step_id);
      g_assert_true (g_bytes_equal (back, raw));

      /* A stream longer than announced is refused, not cut short. */
      longer = g_bytes_new (bytes, sizes[i] + 1);
      g_clear_object (&in);
      in = g_memory_input_stream_new_from_bytes (longer);
      g_assert_cmpint (hd_store_add_step (f->store, ticket, &step, in, sizes[i], &error), ==, 0);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
      g_clear_error (&error);
    }
}

static void
test_short_raw_stream_fails (Fixture       *f,
                             gconstpointer  data)
{
  HdTicketSpec spec = { .subject = "S", .account_id = f->account_id };
  HdStepSpec step = { .from_address = "carol@example.org" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data ("short", 5, NULL);
  gint64 ticket = hd_store_create_ticket (f->store, &spec, NULL, &error);

  g_assert_cmpint (hd_store_add_step (f->store, ticket, &step, in, 100, &error), ==, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
}

static void
test_users_and_customers (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) users = NULL;
  gint64 customer, again, carol, carol2, other;

  customer = hd_store_ensure_customer (f->store, "example.org", &error);
  again = hd_store_ensure_customer (f->store, "Example.ORG", &error);
  g_assert_cmpint (customer, >, 0);
  g_assert_cmpint (again, ==, customer);

  carol = hd_store_ensure_user (f->store, "carol@example.org", customer, &error);
  carol2 = hd_store_ensure_user (f->store, "Carol@Example.org", customer, &error);
  other = hd_store_ensure_user (f->store, "carol@other.test", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (carol, ==, carol2);
  g_assert_cmpint (other, !=, carol);

  users = hd_store_list_names (f->store, HD_ENTITY_USERS, &error);
  g_assert_cmpstrv (users, ((const char *const[]) { "carol", "carol@other.test", NULL }));
}

static void
test_bundle_window (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 run1 = hd_store_begin_poll_run (f->store, f->account_id, &error);
  gint64 run2 = hd_store_begin_poll_run (f->store, f->account_id, &error);
  gint64 run3 = hd_store_begin_poll_run (f->store, f->account_id, &error);
  HdTicketSpec spec = { .subject = "Help", .from_address = "dave@example.org",
                        .account_id = f->account_id, .poll_run_id = run1 };
  gint64 ticket = hd_store_create_ticket (f->store, &spec, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (hd_store_find_bundle_ticket (f->store, f->account_id, "dave@example.org",
                                                "Help", run1), ==, ticket);
  /* The next run still bundles; the one after it does not. */
  g_assert_cmpint (hd_store_find_bundle_ticket (f->store, f->account_id, "DAVE@example.org",
                                                "Help", run2), ==, ticket);
  g_assert_cmpint (hd_store_find_bundle_ticket (f->store, f->account_id, "dave@example.org",
                                                "Help", run3), ==, 0);
  g_assert_cmpint (hd_store_find_bundle_ticket (f->store, f->account_id, "dave@example.org",
                                                "Other", run1), ==, 0);
}

static void
test_receipts (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) pending = NULL;
  const char *const both[] = { "17/1", "18/9", NULL };

  g_assert_cmpint (hd_store_lookup_receipt (f->store, f->account_id, "17/1"), ==, HD_RECEIPT_NONE);
  g_assert_true (hd_store_add_receipt (f->store, f->account_id, "17/1", "<m1@x>", "new-ticket", 0,
                                       0, TRUE, &error));
  g_assert_true (hd_store_add_receipt (f->store, f->account_id, "17/2", "<m2@x>",
                                       "skip-no-new-tickets", 0, 0, FALSE, &error));
  g_assert_no_error (error);

  /* The same server key twice is refused: the database itself keeps exactly-once. */
  g_assert_false (hd_store_add_receipt (f->store, f->account_id, "17/1", "<m1@x>", "new-ticket", 0,
                                        0, TRUE, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  /* So is a second import of one Message-ID under another key (a second
   * account, or a race of two polls); a duplicate that is only logged is not. */
  g_assert_false (hd_store_add_receipt (f->store, f->account_id, "18/9", "<m1@x>", "add-step", 0,
                                        0, TRUE, &error));
  g_assert_error (error, HD_STORE_ERROR, HD_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (hd_store_add_receipt (f->store, f->account_id, "18/9", "<m1@x>",
                                       "skip-duplicate", 0, 0, TRUE, &error));
  g_assert_no_error (error);

  g_assert_cmpint (hd_store_lookup_receipt (f->store, f->account_id, "17/1"), ==,
                   HD_RECEIPT_DELETE_PENDING);
  g_assert_cmpint (hd_store_lookup_receipt (f->store, f->account_id, "17/2"), ==, HD_RECEIPT_KEPT);
  g_assert_true (hd_store_message_id_imported (f->store, "<m1@x>"));
  g_assert_false (hd_store_message_id_imported (f->store, "<m2@x>"));

  pending = hd_store_list_pending_deletes (f->store, f->account_id, &error);
  g_assert_cmpstrv (pending, both);
  g_assert_true (hd_store_mark_deleted (f->store, f->account_id, both, &error));
  g_assert_cmpint (hd_store_lookup_receipt (f->store, f->account_id, "17/1"), ==,
                   HD_RECEIPT_DELETED);
  g_clear_pointer (&pending, g_strfreev);
  pending = hd_store_list_pending_deletes (f->store, f->account_id, &error);
  g_assert_cmpuint (g_strv_length (pending), ==, 0);
}

static void
test_poll_log (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) log = NULL;
  g_autoptr (JsonNode) none = NULL;
  HdPollCounts counts = { .listed = 2, .imported = 1, .skipped = 1 };
  HdPollEvent event = { .server_key = "1/5", .message_id = "<x@y>", .subject = "Hi",
                        .from_address = "a@b.c", .action = "skip-no-new-tickets",
                        .reason = "no valid ticket reference and new tickets are off" };
  gint64 run = hd_store_begin_poll_run (f->store, f->account_id, &error);
  JsonObject *first;
  JsonArray *events;

  g_assert_true (hd_store_add_poll_event (f->store, run, &event, &error));
  g_assert_true (hd_store_finish_poll_run (f->store, run, "ok", &counts, 42, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hd_store_has_poll_event (f->store, f->account_id, "1/5", "skip-no-new-tickets"));
  g_assert_false (hd_store_has_poll_event (f->store, f->account_id, "1/6", "skip-no-new-tickets"));

  log = hd_store_poll_log_to_json (f->store, "Support", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (log)), ==, 1);
  first = json_array_get_object_element (json_node_get_array (log), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (first, "imported"), ==, 1);
  events = json_object_get_array_member (first, "events");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                  "reason"), ==, event.reason);

  none = hd_store_poll_log_to_json (f->store, "Nobody", &error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (none)), ==, 0);
}

/* The log comes a page at a time: the newest runs, then older ones. */
static void
test_poll_log_pages (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  HdPollCounts counts = { 0 };
  gint64 runs[5];

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      runs[i] = hd_store_begin_poll_run (f->store, f->account_id, &error);
      g_assert_true (hd_store_finish_poll_run (f->store, runs[i], "ok", &counts, 1, NULL, &error));
    }
  g_assert_no_error (error);
  {
    g_autoptr (JsonNode) page = hd_store_poll_log_page_to_json (f->store, "Support", 0, 2, &error);
    JsonArray *array = json_node_get_array (page);

    g_assert_cmpuint (json_array_get_length (array), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 0), "id"),
                     ==, runs[4]);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 1), "id"),
                     ==, runs[3]);
  }
  {
    g_autoptr (JsonNode) page = hd_store_poll_log_page_to_json (f->store, "Support", runs[3], 10,
                                                                &error);
    JsonArray *array = json_node_get_array (page);

    g_assert_cmpuint (json_array_get_length (array), ==, 3);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 0), "id"),
                     ==, runs[2]);
  }
}

static gint64
id_at (JsonNode *page,
       guint     index)
{
  return json_object_get_int_member (json_array_get_object_element (json_node_get_array (page),
                                                                    index), "id");
}

/* Tickets come a page at a time too: the newest, then those before an id. */
static void
test_ticket_pages (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 tickets[7];

  for (guint i = 0; i < G_N_ELEMENTS (tickets); i++)
    {
      g_autofree char *subject = g_strdup_printf ("Ticket %u", i);
      HdTicketSpec spec = { .subject = subject, .account_id = f->account_id };

      tickets[i] = hd_store_create_ticket (f->store, &spec, NULL, &error);
      g_assert_no_error (error);
    }
  {
    g_autoptr (JsonNode) page = hd_store_tickets_page_to_json (f->store, 0, 3, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 3);
    g_assert_cmpint (id_at (page, 0), ==, tickets[6]);
    g_assert_cmpint (id_at (page, 2), ==, tickets[4]);
  }
  {
    g_autoptr (JsonNode) page = hd_store_tickets_page_to_json (f->store, tickets[4], 3, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (page)), ==, 3);
    g_assert_cmpint (id_at (page, 0), ==, tickets[3]);
    g_assert_cmpint (id_at (page, 2), ==, tickets[1]);
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (page), 0), "subject"),
                     ==, "Ticket 3");
  }
  {
    /* The last page is short; before the oldest there is nothing. */
    g_autoptr (JsonNode) last = hd_store_tickets_page_to_json (f->store, tickets[1], 3, &error);
    g_autoptr (JsonNode) none = hd_store_tickets_page_to_json (f->store, tickets[0], 3, &error);
    g_autoptr (JsonNode) all = hd_store_tickets_page_to_json (f->store, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (last)), ==, 1);
    g_assert_cmpint (id_at (last, 0), ==, tickets[0]);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (none)), ==, 0);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (all)), ==, 7);
  }
}

static void
test_sent_count (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (hd_store_count_sent_today (f->store, "x@example.org"), ==, 0);
  g_assert_true (hd_store_record_sent (f->store, 0, f->account_id, "<s1@h>", "x@example.org",
                                       "auto-answer", &error));
  g_assert_true (hd_store_record_sent (f->store, 0, f->account_id, "<s2@h>", "X@example.org",
                                       "auto-answer", &error));
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "x@example.org"), ==, 2);
  g_assert_cmpuint (hd_store_count_sent_today (f->store, "y@example.org"), ==, 0);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/store/tickets/reference", test_ticket_and_reference);
  ADD ("/store/tickets/step-raw-and-attachments", test_step_raw_and_attachments);
  ADD ("/store/tickets/short-raw-stream", test_short_raw_stream_fails);
  ADD ("/store/tickets/raw-copy-sizes", test_raw_copy_sizes);
  ADD ("/store/tickets/users-and-customers", test_users_and_customers);
  ADD ("/store/tickets/bundle-window", test_bundle_window);
  ADD ("/store/polls/receipts", test_receipts);
  ADD ("/store/polls/log", test_poll_log);
  ADD ("/store/polls/log-pages", test_poll_log_pages);
  ADD ("/store/polls/sent-count", test_sent_count);
  ADD ("/store/tickets/pages", test_ticket_pages);

  return g_test_run ();
}
