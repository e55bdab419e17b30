/* test-ingest.c: every ticket-creation rule, decided and applied.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hd-ingest.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

typedef struct
{
  char *dir;
  HdStore *store;
  HdAccount *account;
  gint64 run_id;
} Fixture;

static HdAccount *
add_account (HdStore    *store,
             const char *name,
             const char *address)
{
  g_autoptr (GError) error = NULL;
  HdAccount *account = g_object_new (HD_TYPE_ACCOUNT, "name", name, "host", "127.0.0.1",
                                     "port", 993, "username", address, "account-address", address,
                                     "sender-address", address, NULL);

  g_assert_true (hd_store_add_account (store, account, &error));
  g_assert_no_error (error);
  return account;
}

static void
save (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (hd_store_update_account (f->store, hd_account_get_name (f->account), f->account,
                                          &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("hd-test-ingest-XXXXXX", &error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);
  f->account = add_account (f->store, "Support", "support@helpdesk.test");
  f->run_id = hd_store_begin_poll_run (f->store,
                                       hd_store_get_account_id (f->store, "Support", NULL), &error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&f->account);
  g_clear_object (&f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->dir, "/helpdesk.sqlite3", suffixes[i], NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* A mail with the given header lines before a plain body. */
static HdMessage *
mail (const char *headers)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup_printf ("%s\r\nDate: Fri, 27 Nov 2026 10:00:00 +0100\r\n"
                                           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                                           "The printer on floor 2 is broken.\r\n",
                                           headers);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  HdMessage *message = hd_message_new_from_bytes (bytes, &error);

  g_assert_no_error (error);
  return message;
}

static HdIngestDecision *
decide (Fixture   *f,
        HdMessage *message)
{
  g_autoptr (GError) error = NULL;
  HdIngestDecision *decision = hd_ingest_decide (f->store, f->account, f->run_id, message, &error);

  g_assert_no_error (error);
  g_assert_nonnull (decision);
  g_assert_nonnull (decision->reason);
  return decision;
}

/* Decides and applies in one batch, as the poll does: through HdIngest, which
 * writes the mail, its receipt and its log event in one savepoint. */
static gint64
import (Fixture    *f,
        HdMessage  *message,
        const char *key,
        HdIngestAction expected)
{
  g_autoptr (HdIngestDecision) decision = decide (f, message);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdIngest) ingest = NULL;
  g_autoptr (HdStoreBatch) batch = NULL;
  HdIngestOutcome outcome = { 0 };
  gint64 ticket;

  g_assert_cmpstr (hd_ingest_action_to_string (decision->action), ==,
                   hd_ingest_action_to_string (expected));
  ingest = hd_ingest_new (f->store, f->account, f->run_id, &error);
  g_assert_no_error (error);
  batch = hd_store_batch_begin (f->store, &error);
  g_assert_no_error (error);
  g_assert_true (hd_ingest_process (ingest, batch, message, key, NULL, NULL, &outcome, &error));
  g_assert_true (hd_store_batch_commit (batch, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (hd_ingest_action_to_string (outcome.action), ==,
                   hd_ingest_action_to_string (expected));
  g_assert_cmpint (outcome.counted, !=, HD_INGEST_COUNTED_FAILED);
  ticket = outcome.ticket_id;
  hd_ingest_outcome_clear (&outcome);
  return ticket;
}

static JsonObject *
ticket_json (Fixture *f,
             gint64   id)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = hd_store_ticket_to_json (f->store, id, &error);

  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (node));
}

#define FROM_CAROL "From: Carol Example <carol@example.org>\r\nTo: support@helpdesk.test\r\n"

static void
test_new_ticket_new_user (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr (HdMessage) m = mail (FROM_CAROL "Subject: Printer broken\r\nMessage-ID: <m1@example.org>");
  g_autoptr (JsonObject) t = NULL;
  g_auto (GStrv) users = NULL;
  gint64 id;

  g_object_set (f->account, "create-customer-from-domain", TRUE, "priority", "High", NULL);
  save (f);
  id = import (f, m, "1/1", HD_INGEST_NEW_TICKET);
  g_assert_cmpint (id, >, 0);

  t = ticket_json (f, id);
  g_assert_cmpstr (json_object_get_string_member (t, "subject"), ==, "Printer broken");
  g_assert_cmpstr (json_object_get_string_member (t, "user"), ==, "carol");
  g_assert_cmpstr (json_object_get_string_member (t, "customer"), ==, "example.org");
  g_assert_cmpstr (json_object_get_string_member (t, "priority"), ==, "High");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (t, "steps")), ==, 1);

  users = hd_store_list_names (f->store, HD_ENTITY_USERS, NULL);
  g_assert_cmpstrv (users, ((const char *const[]) { "carol", NULL }));
  /* The receipt is there and asks for the server's copy to go. */
  g_assert_cmpint (hd_store_lookup_receipt (f->store, hd_store_get_account_id (f->store, "Support",
                                                                                NULL), "1/1"),
                   ==, HD_RECEIPT_DELETE_PENDING);
}

static void
test_known_user_and_fallback (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr (HdMessage) known = mail ("From: Dave <DAVE@example.org>\r\nSubject: A\r\nMessage-ID: <k@x>");
  g_autoptr (HdMessage) unknown = mail ("From: eve@example.org\r\nSubject: B\r\nMessage-ID: <u@x>");
  g_autoptr (HdIngestDecision) d1 = NULL;
  g_autoptr (HdIngestDecision) d2 = NULL;

  g_assert_cmpint (hd_store_add_user (f->store, "dave", "dave@example.org", NULL), >, 0);
  g_assert_cmpint (hd_store_add_user (f->store, "desk", "desk@helpdesk.test", NULL), >, 0);
  g_object_set (f->account, "create-unknown-users", FALSE, "fallback-user", "desk", NULL);
  save (f);

  d1 = decide (f, known);
  g_assert_cmpint (d1->action, ==, HD_INGEST_NEW_TICKET);
  g_assert_cmpstr (d1->user, ==, "dave");
  g_assert_null (d1->new_user_email);

  d2 = decide (f, unknown);
  g_assert_cmpstr (d2->user, ==, "desk");
  g_assert_null (d2->new_user_email);
  g_assert_nonnull (strstr (d2->reason, "desk"));
}

static void
test_reference_in_subject (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <r1@x>");
  g_autoptr (HdMessage) reply = NULL;
  g_autoptr (HdMessage) wrong = NULL;
  g_autoptr (HdMessage) bare = NULL;
  g_autoptr (HdIngestDecision) d_wrong = NULL;
  g_autoptr (HdIngestDecision) d_bare = NULL;
  g_autofree char *token = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *wrong_headers = NULL;
  g_autoptr (JsonObject) t = NULL;
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  token = hd_store_dup_ticket_token (f->store, id);
  headers = g_strdup_printf (FROM_CAROL "Subject: Re: Printer [TicketID %" G_GINT64_FORMAT "%s]\r\n"
                             "Message-ID: <r2@x>", id, token);
  reply = mail (headers);
  g_assert_cmpint (import (f, reply, "1/2", HD_INGEST_ADD_STEP), ==, id);
  t = ticket_json (f, id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (t, "steps")), ==, 2);

  /* The right number with the wrong letters is no match: nobody adds by guessing. */
  wrong_headers = g_strdup_printf (FROM_CAROL "Subject: Re: [TicketID %" G_GINT64_FORMAT "AAAAA]\r\n"
                                   "Message-ID: <r3@x>", id);
  wrong = mail (wrong_headers);
  d_wrong = decide (f, wrong);
  g_assert_cmpint (d_wrong->action, ==, HD_INGEST_REJECT_INVALID_REFERENCE);
  g_assert_cmpint (d_wrong->ticket_id, ==, 0);

  bare = mail (FROM_CAROL "Subject: [TicketID] what?\r\nMessage-ID: <r4@x>");
  d_bare = decide (f, bare);
  g_assert_cmpint (d_bare->action, ==, HD_INGEST_REJECT_INVALID_REFERENCE);
}

static void
test_reference_settings (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <s1@x>");
  g_autoptr (HdMessage) reply = NULL;
  g_autofree char *token = NULL;
  g_autofree char *headers = NULL;
  gboolean has_keyword;
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  token = hd_store_dup_ticket_token (f->store, id);
  g_assert_true (hd_store_set_setting (f->store, "reference.keywords", "Case, Vorgang", NULL));
  g_assert_true (hd_store_set_setting (f->store, "reference.prefix", "{", NULL));
  g_assert_true (hd_store_set_setting (f->store, "reference.suffix", "}", NULL));

  headers = g_strdup_printf (FROM_CAROL "Subject: AW: {Vorgang %" G_GINT64_FORMAT "%s} Drucker\r\n"
                             "Message-ID: <s2@x>", id, token);
  reply = mail (headers);
  g_assert_cmpint (import (f, reply, "1/2", HD_INGEST_ADD_STEP), ==, id);

  /* The old brackets no longer count as a reference. */
  g_clear_pointer (&headers, g_free);
  headers = g_strdup_printf ("Re: [TicketID %" G_GINT64_FORMAT "%s]", id, token);
  g_assert_cmpint (hd_ingest_find_reference (f->store, headers, &has_keyword), ==, 0);
  g_assert_false (has_keyword);
}

static void
test_in_reply_to (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <t1@x>");
  g_autoptr (HdMessage) reply = mail (FROM_CAROL "Subject: Re: Printer\r\nMessage-ID: <t2@x>\r\n"
                                      "In-Reply-To: <t1@x>");
  g_autoptr (HdMessage) to_sent = mail (FROM_CAROL "Subject: thanks\r\nMessage-ID: <t3@x>\r\n"
                                        "References: <zzz@elsewhere> <sent1@helpdesk.test>");
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  g_assert_cmpint (import (f, reply, "1/2", HD_INGEST_ADD_STEP), ==, id);
  /* A message id that we sent (an auto-answer) also names the ticket. */
  g_assert_true (hd_store_record_sent (f->store, id, 0, "<sent1@helpdesk.test>", "carol@example.org",
                                       "auto-answer", NULL));
  g_assert_cmpint (import (f, to_sent, "1/3", HD_INGEST_ADD_STEP), ==, id);
}

static void
test_no_new_tickets (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <n1@x>");
  g_autoptr (HdMessage) other = mail (FROM_CAROL "Subject: Something new\r\nMessage-ID: <n2@x>");
  g_autoptr (HdMessage) reply = NULL;
  g_autofree char *token = NULL;
  g_autofree char *headers = NULL;
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  g_object_set (f->account, "no-new-tickets", TRUE, NULL);
  save (f);
  import (f, other, "1/2", HD_INGEST_SKIP_NO_NEW_TICKETS);
  /* It stays on the server: no receipt, so a later poll decides again. */
  g_assert_cmpint (hd_store_lookup_receipt (f->store, hd_store_get_account_id (f->store, "Support",
                                                                                NULL), "1/2"),
                   ==, HD_RECEIPT_NONE);
  g_assert_false (hd_ingest_action_deletes (HD_INGEST_SKIP_NO_NEW_TICKETS));

  token = hd_store_dup_ticket_token (f->store, id);
  headers = g_strdup_printf (FROM_CAROL "Subject: Re: [TicketID %" G_GINT64_FORMAT "%s]\r\n"
                             "Message-ID: <n3@x>", id, token);
  reply = mail (headers);
  g_assert_cmpint (import (f, reply, "1/3", HD_INGEST_ADD_STEP), ==, id);
}

static void
test_auto_bundle (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <b1@x>");
  g_autoptr (HdMessage) again = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <b2@x>");
  g_autoptr (HdMessage) third = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <b3@x>");
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  g_assert_cmpint (import (f, again, "1/2", HD_INGEST_BUNDLE), ==, id);

  g_object_set (f->account, "auto-bundle", FALSE, NULL);
  save (f);
  g_assert_cmpint (import (f, third, "1/3", HD_INGEST_NEW_TICKET), !=, id);
}

static void
test_other_account (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (HdAccount) sales = add_account (f->store, "Sales", "sales@helpdesk.test");
  g_autoptr (HdAccount) off = add_account (f->store, "Off", "off@helpdesk.test");
  g_autoptr (HdMessage) both = mail ("From: carol@example.org\r\n"
                                     "To: Sales <sales@helpdesk.test>, support@helpdesk.test\r\n"
                                     "Subject: Quote\r\nMessage-ID: <o1@x>");
  g_autoptr (HdMessage) cc = mail ("From: carol@example.org\r\nTo: someone@example.org\r\n"
                                   "Cc: support@helpdesk.test, sales@helpdesk.test\r\n"
                                   "Subject: Quote\r\nMessage-ID: <o2@x>");
  g_autoptr (HdMessage) disabled = mail ("From: carol@example.org\r\nTo: off@helpdesk.test\r\n"
                                         "Cc: support@helpdesk.test\r\nSubject: Q\r\nMessage-ID: <o3@x>");
  g_autoptr (HdIngestDecision) d1 = NULL;
  g_autoptr (HdIngestDecision) d2 = NULL;
  g_autoptr (HdIngestDecision) d3 = NULL;
  g_autoptr (HdIngestDecision) d4 = NULL;

  d1 = decide (f, both);
  g_assert_cmpint (d1->action, ==, HD_INGEST_SKIP_OTHER_ACCOUNT);
  g_assert_nonnull (strstr (d1->reason, "Sales"));
  g_assert_true (hd_ingest_action_deletes (d1->action));

  d2 = decide (f, cc);
  g_assert_cmpint (d2->action, ==, HD_INGEST_NEW_TICKET);

  /* A disabled account imports nothing, so it does not claim the mail. */
  g_object_set (off, "enabled", FALSE, NULL);
  g_assert_true (hd_store_update_account (f->store, "Off", off, NULL));
  d3 = decide (f, disabled);
  g_assert_cmpint (d3->action, ==, HD_INGEST_NEW_TICKET);

  /* What Sales decides for the first mail: it is Sales' own. */
  d4 = hd_ingest_decide (f->store, sales, f->run_id, both, NULL);
  g_assert_cmpint (d4->action, ==, HD_INGEST_NEW_TICKET);
}

static void
test_duplicate (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (HdMessage) first = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <d1@x>");
  g_autoptr (HdMessage) copy = mail (FROM_CAROL "Subject: Printer\r\nMessage-ID: <d1@x>");
  g_autoptr (HdIngestDecision) d = NULL;
  gint64 id = import (f, first, "1/1", HD_INGEST_NEW_TICKET);

  d = decide (f, copy);
  g_assert_cmpint (d->action, ==, HD_INGEST_SKIP_DUPLICATE);
  g_assert_cmpint (d->ticket_id, ==, id);
}

static void
test_auto_answer_guards (Fixture       *f,
                         gconstpointer  data)
{
  static const struct
  {
    const char *headers;
    gboolean answer;
  } cases[] = {
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a1@x>", TRUE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a2@x>\r\nAuto-Submitted: auto-replied", FALSE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a3@x>\r\nAuto-Submitted: no", TRUE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a4@x>\r\nPrecedence: bulk", FALSE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a5@x>\r\nList-Id: <list.example.org>", FALSE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a6@x>\r\nX-Auto-Response-Suppress: OOF, AutoReply",
      FALSE },
    { FROM_CAROL "Subject: Hi\r\nMessage-ID: <a7@x>\r\nReturn-Path: <>", FALSE },
    { "From: MAILER-DAEMON@example.org\r\nSubject: Hi\r\nMessage-ID: <a8@x>", FALSE },
    { "From: no-reply@example.org\r\nSubject: Hi\r\nMessage-ID: <a9@x>", FALSE },
    { "From: support@helpdesk.test\r\nSubject: Hi\r\nMessage-ID: <a10@x>", FALSE },
  };

  g_assert_true (hd_store_set_setting (f->store, "auto_emails.new_request", "true", NULL));
  g_object_set (f->account, "auto-answer-template", "default", NULL);
  save (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HdMessage) m = mail (cases[i].headers);
      g_autoptr (HdIngestDecision) d = decide (f, m);

      g_test_message ("case %u: %s", i, d->auto_answer_reason);
      g_assert_cmpint (d->action, ==, HD_INGEST_NEW_TICKET);
      g_assert_cmpint (d->auto_answer, ==, cases[i].answer);
      g_assert_nonnull (d->auto_answer_reason);
    }
}

static void
test_auto_answer_settings_and_cap (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr (HdMessage) m = mail (FROM_CAROL "Subject: Hi\r\nMessage-ID: <c1@x>");
  g_autoptr (HdIngestDecision) off = NULL;
  g_autoptr (HdIngestDecision) no_template = NULL;
  g_autoptr (HdIngestDecision) capped = NULL;

  g_object_set (f->account, "auto-answer-template", "default", NULL);
  save (f);
  off = decide (f, m);
  g_assert_false (off->auto_answer);

  g_assert_true (hd_store_set_setting (f->store, "auto_emails.new_request", "true", NULL));
  g_object_set (f->account, "auto-answer-template", NULL, NULL);
  save (f);
  no_template = decide (f, m);
  g_assert_false (no_template->auto_answer);

  g_object_set (f->account, "auto-answer-template", "default", NULL);
  save (f);
  g_assert_true (hd_store_set_setting (f->store, "auto_emails.max_per_sender_per_day", "2", NULL));
  g_assert_true (hd_store_record_sent (f->store, 0, 0, "<x1@h>", "carol@example.org", "auto-answer",
                                       NULL));
  g_assert_true (hd_store_record_sent (f->store, 0, 0, "<x2@h>", "carol@example.org", "auto-answer",
                                       NULL));
  capped = decide (f, m);
  g_assert_false (capped->auto_answer);
  g_assert_nonnull (strstr (capped->auto_answer_reason, "carol@example.org"));
}

static void
test_preview_json (Fixture       *f,
                   gconstpointer  data)
{
  static const char *const members[] = {
    "file", "message_id", "from", "to", "cc", "subject", "date", "auto_submitted", "body_text",
    "attachments", "action", "ticket", "reason", "user", "customer", "resource", "category",
    "priority", "auto_answer",
  };
  g_autoptr (HdMessage) m = mail (FROM_CAROL "Subject: =?UTF-8?Q?Drucker_kaputt_=E2=9C=93?=\r\n"
                                  "Message-ID: <p1@x>");
  g_autoptr (HdIngestDecision) d = decide (f, m);
  g_autoptr (JsonNode) node = hd_ingest_preview_to_json ("m.eml", m, f->account, d);
  JsonObject *o = json_node_get_object (node);

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (o, members[i]));
  g_assert_cmpuint (json_object_get_size (o), ==, G_N_ELEMENTS (members));
  g_assert_cmpstr (json_object_get_string_member (o, "subject"), ==, "Drucker kaputt ✓");
  g_assert_cmpstr (json_object_get_string_member (o, "action"), ==, "new-ticket");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "from"),
                                                  "address"), ==, "carol@example.org");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "body_text"), "floor 2"));
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/ingest/new-ticket-new-user", test_new_ticket_new_user);
  ADD ("/ingest/known-user-and-fallback", test_known_user_and_fallback);
  ADD ("/ingest/reference-in-subject", test_reference_in_subject);
  ADD ("/ingest/reference-settings", test_reference_settings);
  ADD ("/ingest/in-reply-to", test_in_reply_to);
  ADD ("/ingest/no-new-tickets", test_no_new_tickets);
  ADD ("/ingest/auto-bundle", test_auto_bundle);
  ADD ("/ingest/other-account", test_other_account);
  ADD ("/ingest/duplicate", test_duplicate);
  ADD ("/ingest/auto-answer-guards", test_auto_answer_guards);
  ADD ("/ingest/auto-answer-settings-and-cap", test_auto_answer_settings_and_cap);
  ADD ("/ingest/preview-json", test_preview_json);

  return g_test_run ();
}
