/* test-ticket-reply.c: what a mail written from a ticket is made of, and
 * that nothing is stored when it cannot go out. Sending to a real server is
 * tests/integration/test_ticket_side.py's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "hd-store-tickets.h"
#include "hd-ticket-reply.h"

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
  g_autoptr (HdAccount) account = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("hd-test-reply-XXXXXX", &error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "127.0.0.1", "port", 993,
                          "username", "support@helpdesk.test",
                          "sender-address", "support@helpdesk.test",
                          "sender-alias", "Example Support", NULL);
  g_assert_true (hd_store_add_account (f->store, account, &error));
  f->account_id = hd_store_get_account_id (f->store, "Support", NULL);
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

static gint64
ticket (Fixture    *f,
        const char *subject,
        char      **out_reference)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  HdTicketSpec spec = { .subject = subject, .from_address = "carol@example.org",
                        .account_id = f->account_id };
  HdStepSpec in = { .from_address = "carol@example.org", .message_id = "<in.1@example.org>",
                    .body_text = "Broken." };
  HdStepSpec out = { .from_address = "support@helpdesk.test", .message_id = "<out.1@helpdesk.test>",
                     .body_text = "On it.", .outgoing = TRUE };
  HdStepSpec bounce = { .from_address = "MAILER-DAEMON@mx.example.org",
                        .message_id = "<b.1@mx.example.org>", .body_text = "Failed.",
                        .undeliverable = TRUE };
  gint64 id;

  spec.user_id = hd_store_ensure_user (f->store, "carol@example.org", 0, &error);
  id = hd_store_create_ticket (f->store, &spec, &token, &error);
  g_assert_no_error (error);
  hd_store_add_step (f->store, id, &in, NULL, 0, &error);
  hd_store_add_step (f->store, id, &out, NULL, 0, &error);
  hd_store_add_step (f->store, id, &bounce, NULL, 0, &error);
  g_assert_no_error (error);
  *out_reference = hd_store_format_reference (f->store, id, token);
  return id;
}

static void
test_defaults (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *reference = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *sender = NULL;
  g_autoptr (HdTicketReply) reply = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id = ticket (f, "Printer broken", &reference);

  reply = hd_ticket_reply_new (f->store, id, NULL, &error);
  g_assert_no_error (error);
  expected = g_strdup_printf ("Re: Printer broken %s", reference);
  g_assert_cmpstr (reply->subject, ==, expected);
  g_assert_cmpstr (reply->to, ==, "carol@example.org");
  g_assert_cmpstr (reply->account, ==, "Support");
  sender = hd_ticket_reply_dup_sender (reply);
  g_assert_cmpstr (sender, ==, "Example Support <support@helpdesk.test>");
  /* It answers Carol's mail, not our own nor the bounce; the thread has all. */
  g_assert_cmpstr (reply->in_reply_to, ==, "<in.1@example.org>");
  g_assert_cmpstr (reply->references, ==,
                   "<in.1@example.org> <out.1@helpdesk.test> <b.1@mx.example.org>");
}

/* A ticket whose subject already says "RE:" and names its reference, as a
 * customer's reply that opened it may, gets neither twice. */
static void
test_subject_not_doubled (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *reference = NULL;
  g_autofree char *subject = NULL;
  char *sql;
  g_autoptr (HdTicketReply) reply = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id = ticket (f, "Printer", &reference);
  sqlite3 *db = NULL;

  subject = g_strdup_printf ("RE: Printer %s", reference);
  sql = sqlite3_mprintf ("UPDATE tickets SET subject = %Q WHERE id = %lld", subject,
                         (long long) id);
  g_assert_cmpint (sqlite3_open (hd_store_get_path (f->store), &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_free (sql);
  sqlite3_close (db);

  reply = hd_ticket_reply_new (f->store, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->subject, ==, subject);
}

static void
test_nothing_stored_when_it_cannot_go_out (Fixture       *f,
                                           gconstpointer  data)
{
  g_autofree char *reference = NULL;
  g_autoptr (HdTicketReply) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) after = NULL;
  gint64 id = ticket (f, "Printer broken", &reference);

  before = hd_store_ticket_to_json (f->store, id, NULL);
  reply = hd_ticket_reply_new (f->store, id, NULL, &error);
  g_free (reply->text);
  reply->text = g_strdup ("Hello");

  /* No SMTP server is set. */
  g_assert_cmpint (hd_ticket_reply_send_sync (reply, f->store, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Bad input names its field. */
  g_free (reply->to);
  reply->to = g_strdup ("not an address");
  g_assert_cmpint (hd_ticket_reply_send_sync (reply, f->store, NULL, &error), ==, 0);
  g_assert_error (error, HD_TICKET_REPLY_ERROR, HD_TICKET_REPLY_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "to: "));
  g_clear_error (&error);

  g_free (reply->account);
  reply->account = NULL;
  g_assert_cmpint (hd_ticket_reply_send_sync (reply, f->store, NULL, &error), ==, 0);
  g_assert_true (g_str_has_prefix (error->message, "from: "));

  after = hd_store_ticket_to_json (f->store, id, NULL);
  g_assert_true (json_node_equal (before, after));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ticket-reply/defaults", test_defaults);
  ADD ("/ticket-reply/subject-not-doubled", test_subject_not_doubled);
  ADD ("/ticket-reply/nothing-stored-when-it-cannot-go-out",
       test_nothing_stored_when_it_cannot_go_out);
#undef ADD

  return g_test_run ();
}
