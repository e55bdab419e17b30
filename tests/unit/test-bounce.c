/* test-bounce.c: bounces of the common mail servers and out-of-office
 * replies find the ticket of the mail they answer, create no user and are
 * never answered.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hd-bounce.h"
#include "hd-ingest.h"
#include "hd-store-batch.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"

typedef struct
{
  char *dir;
  HdStore *store;
  HdAccount *account;
  gint64 run_id;
  gint64 ticket;
  char *reference;
} Fixture;

/* The fixture files: a shape, and what the bounce must say. */
typedef struct
{
  const char *file;
  const char *failed_recipient;
  const char *status;
} Shape;

static const Shape shapes[] = {
  { "postfix.eml", "carol.typo@example.org", "5.1.1" },
  { "exim.eml", "dave@nowhere.example.net", "5.1.1" },
  { "exchange.eml", "erin@contoso.com", "5.1.10" },
  { "gmail.eml", "frank@example.com", "5.1.1" },
};

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token = NULL;
  HdStepSpec step = { .from_name = "Carol", .from_address = "carol@example.org",
                      .message_id = "<req.1@example.org>", .body_text = "Printer broken" };
  HdTicketSpec spec = { .subject = "Printer broken", .from_address = "carol@example.org" };
  gint64 account_id;

  f->dir = g_dir_make_tmp ("hd-test-bounce-XXXXXX", &error);
  path = g_build_filename (f->dir, "helpdesk.sqlite3", NULL);
  f->store = hd_store_open (path, &error);
  g_assert_no_error (error);

  f->account = g_object_new (HD_TYPE_ACCOUNT, "name", "Support", "host", "127.0.0.1",
                             "port", 993, "username", "support@helpdesk.test",
                             "account-address", "support@helpdesk.test",
                             "sender-address", "support@helpdesk.test",
                             "auto-answer-template", "default", NULL);
  g_assert_true (hd_store_add_account (f->store, f->account, &error));
  g_assert_no_error (error);
  /* Auto emails are on, so that "never answered" is the bounce's doing. */
  g_assert_true (hd_store_set_setting (f->store, "auto_emails.new_request", "true", &error));
  account_id = hd_store_get_account_id (f->store, "Support", NULL);
  f->run_id = hd_store_begin_poll_run (f->store, account_id, &error);

  /* Carol's ticket, and our answer to it, whose Message-ID bounces come
   * back with. */
  spec.account_id = account_id;
  spec.user_id = hd_store_ensure_user (f->store, "carol@example.org", 0, &error);
  f->ticket = hd_store_create_ticket (f->store, &spec, &token, &error);
  g_assert_no_error (error);
  hd_store_add_step (f->store, f->ticket, &step, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (hd_store_record_sent (f->store, f->ticket, account_id, "<out.1@helpdesk.test>",
                                       "carol@example.org", "reply", &error));
  f->reference = hd_store_format_reference (f->store, f->ticket, token);
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
  g_free (f->reference);
}

/* A fixture file, with "@REFERENCE@" replaced and, if asked, our answer's
 * Message-ID made one we never sent. */
static HdMessage *
load (Fixture    *f,
      const char *file,
      gboolean    unknown_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("HD_TEST_FIXTURES"), "mail", "bounces",
                                            file, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GString) mail = NULL;
  g_autoptr (GBytes) bytes = NULL;
  HdMessage *message;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  mail = g_string_new (text);
  g_string_replace (mail, "@REFERENCE@", unknown_id ? "" : f->reference, 0);
  if (unknown_id)
    g_string_replace (mail, "<out.1@helpdesk.test>", "<never-sent@helpdesk.test>", 0);
  bytes = g_string_free_to_bytes (g_steal_pointer (&mail));
  message = hd_message_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return message;
}

static guint
count (Fixture    *f,
       HdEntity    entity)
{
  g_auto (GStrv) names = hd_store_list_names (f->store, entity, NULL);

  return g_strv_length (names);
}

static JsonObject *
last_step (Fixture *f,
           gint64   ticket)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = hd_store_ticket_to_json (f->store, ticket, &error);
  JsonArray *steps;

  g_assert_no_error (error);
  steps = json_object_get_array_member (json_node_get_object (node), "steps");
  return json_object_ref (json_array_get_object_element (steps, json_array_get_length (steps) - 1));
}

static gint64
import (Fixture          *f,
        HdMessage        *message,
        const char       *key,
        HdIngestDecision *decision)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStoreBatch) batch = hd_store_batch_begin (f->store, &error);
  gint64 ticket = 0;

  g_assert_nonnull (batch);
  g_assert_true (hd_ingest_apply (f->store, f->account, f->run_id, message, key, NULL, decision,
                                  &ticket, &error));
  g_assert_no_error (error);
  g_assert_true (hd_store_batch_commit (batch, &error));
  return ticket;
}

static void
test_shapes_find_their_ticket (Fixture       *f,
                               gconstpointer  data)
{
  guint users = count (f, HD_ENTITY_USERS);
  guint customers = count (f, HD_ENTITY_CUSTOMERS);

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr (HdMessage) message = load (f, shapes[i].file, FALSE);
      g_autoptr (HdBounce) bounce = hd_bounce_detect (message);
      g_autoptr (HdIngestDecision) decision = NULL;
      g_autoptr (JsonObject) step = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *key = g_strdup_printf ("1/%zu", i + 1);

      g_test_message ("%s", shapes[i].file);
      g_assert_nonnull (bounce);
      g_assert_cmpint (bounce->kind, ==, HD_BOUNCE_DELIVERY_FAILURE);
      g_assert_cmpstr (bounce->failed_recipient, ==, shapes[i].failed_recipient);
      g_assert_cmpstr (bounce->status, ==, shapes[i].status);

      decision = hd_ingest_decide (f->store, f->account, f->run_id, message, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (hd_ingest_action_to_string (decision->action), ==, "bounce");
      g_assert_cmpint (decision->ticket_id, ==, f->ticket);
      g_assert_false (decision->auto_answer);
      g_assert_nonnull (strstr (decision->reason, shapes[i].failed_recipient));
      g_assert_cmpint (import (f, message, key, decision), ==, f->ticket);

      step = last_step (f, f->ticket);
      g_assert_true (json_object_get_boolean_member (step, "undeliverable"));
      g_assert_cmpstr (json_object_get_string_member (step, "direction"), ==, "in");
      g_assert_cmpstr (json_object_get_string_member (step, "failed_recipient"), ==,
                       shapes[i].failed_recipient);
      g_assert_nonnull (strstr (json_object_get_string_member (step, "delivery_status"),
                                shapes[i].status));
    }

  /* No MAILER-DAEMON, postmaster or mailer domain became a user or customer. */
  g_assert_cmpuint (count (f, HD_ENTITY_USERS), ==, users);
  g_assert_cmpuint (count (f, HD_ENTITY_CUSTOMERS), ==, customers);
}

/* A bounce of a mail we know nothing of: a ticket of its own, marked as a
 * bounce, for the fallback user or for none; never a user for the daemon. */
static void
test_orphan_bounce (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (HdMessage) message = load (f, "postfix.eml", TRUE);
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint users = count (f, HD_ENTITY_USERS);
  JsonObject *ticket;
  gint64 id;

  decision = hd_ingest_decide (f->store, f->account, f->run_id, message, &error);
  g_assert_no_error (error);
  g_assert_cmpint (decision->action, ==, HD_INGEST_BOUNCE);
  g_assert_cmpint (decision->ticket_id, ==, 0);
  g_assert_null (decision->user);
  g_assert_false (decision->auto_answer);
  g_assert_nonnull (strstr (decision->reason, "no ticket of ours matches it"));
  id = import (f, message, "1/1", decision);
  g_assert_cmpint (id, !=, 0);
  g_assert_cmpint (id, !=, f->ticket);

  node = hd_store_ticket_to_json (f->store, id, &error);
  ticket = json_node_get_object (node);
  g_assert_true (json_object_get_boolean_member (ticket, "bounce"));
  g_assert_true (json_object_get_null_member (ticket, "user"));
  g_assert_cmpuint (count (f, HD_ENTITY_USERS), ==, users);

  /* With a fallback user, the bounce ticket is that user's. */
  g_object_set (f->account, "fallback-user", "carol", NULL);
  g_assert_true (hd_store_update_account (f->store, "Support", f->account, &error));
  g_clear_pointer (&decision, hd_ingest_decision_free);
  g_clear_object (&message);
  message = load (f, "gmail.eml", TRUE);
  decision = hd_ingest_decide (f->store, f->account, f->run_id, message, &error);
  g_assert_cmpint (decision->action, ==, HD_INGEST_BOUNCE);
  g_assert_cmpint (decision->ticket_id, ==, 0);
  g_assert_cmpstr (decision->user, ==, "carol");
}

/* An out-of-office reply to our answer joins the ticket; one to nothing we
 * know opens a ticket but makes no user of its sender. Neither is answered. */
static void
test_out_of_office (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr (HdMessage) message = load (f, "out-of-office.eml", FALSE);
  g_autoptr (HdBounce) bounce = hd_bounce_detect (message);
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (GError) error = NULL;
  guint users = count (f, HD_ENTITY_USERS);

  g_assert_nonnull (bounce);
  g_assert_cmpint (bounce->kind, ==, HD_BOUNCE_AUTO_REPLY);
  decision = hd_ingest_decide (f->store, f->account, f->run_id, message, &error);
  g_assert_cmpint (decision->action, ==, HD_INGEST_ADD_STEP);
  g_assert_cmpint (decision->ticket_id, ==, f->ticket);
  g_assert_false (decision->auto_answer);

  g_clear_pointer (&decision, hd_ingest_decision_free);
  /* A stranger's reply to a mail we never sent. */
  {
    g_autoptr (HdMessage) stranger = NULL;
    g_autofree char *path = g_build_filename (g_getenv ("HD_TEST_FIXTURES"), "mail", "bounces",
                                              "out-of-office.eml", NULL);
    g_autofree char *text = NULL;
    g_autoptr (GString) mail = NULL;
    g_autoptr (GBytes) bytes = NULL;

    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    mail = g_string_new (text);
    g_string_replace (mail, "carol@example.org", "grace@elsewhere.example", 0);
    g_string_replace (mail, "<out.1@helpdesk.test>", "<never-sent@helpdesk.test>", 0);
    bytes = g_string_free_to_bytes (g_steal_pointer (&mail));
    stranger = hd_message_new_from_bytes (bytes, &error);
    decision = hd_ingest_decide (f->store, f->account, f->run_id, stranger, &error);
    g_assert_no_error (error);
    g_assert_cmpint (decision->action, ==, HD_INGEST_NEW_TICKET);
    g_assert_null (decision->new_user_email);
    g_assert_null (decision->customer);
    g_assert_false (decision->auto_answer);
    import (f, stranger, "1/9", decision);
    g_assert_cmpuint (count (f, HD_ENTITY_USERS), ==, users);
  }
}

/* Ordinary mail, and a postmaster who writes as a person, are no bounce. */
static void
test_not_a_bounce (Fixture       *f,
                   gconstpointer  data)
{
  const char *texts[] = {
    "From: carol@example.org\r\nTo: support@helpdesk.test\r\nSubject: Hi\r\n"
    "Message-ID: <a@example.org>\r\n\r\nThe printer is broken.\r\n",
    "From: postmaster@example.org\r\nTo: support@helpdesk.test\r\nSubject: Our new server\r\n"
    "Message-ID: <b@example.org>\r\n\r\nWe move the mail server on Monday.\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GBytes) bytes = g_bytes_new_static (texts[i], strlen (texts[i]));
      g_autoptr (HdMessage) message = hd_message_new_from_bytes (bytes, NULL);
      g_autoptr (HdBounce) bounce = hd_bounce_detect (message);

      g_assert_null (bounce);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/bounce/shapes-find-their-ticket", test_shapes_find_their_ticket);
  ADD ("/bounce/orphan", test_orphan_bounce);
  ADD ("/bounce/out-of-office", test_out_of_office);
  ADD ("/bounce/not-a-bounce", test_not_a_bounce);
#undef ADD

  return g_test_run ();
}
