/* seed-views.c: puts a ticket with steps and a poll run into a database, through
 * the same store calls the poller makes, so that the window tests have tickets
 * and a poll log to show without a mail server.
 *
 *   seed-views DB ACCOUNT
 *
 * The reasons in the poll log are the poller's own words, in the language of
 * the locale the seed runs in, as the poller would have written them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>

#include "hd-store-polls.h"
#include "hd-store-tickets.h"

static void
check (GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (HdStore) store = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pdf = g_bytes_new_static ("%PDF-1.4 stripes", 16);
  static const char newsletter_text[] = "From: news@example.net\r\nTo: billing@example.com\r\n"
                                        "Subject: Your newsletter\r\n"
                                        "Message-ID: <4@example.net>\r\n\r\nNews.\r\n";
  g_autoptr (GBytes) newsletter = g_bytes_new_static (newsletter_text,
                                                      sizeof newsletter_text - 1);
  HdPollCounts counts = { .listed = 3, .imported = 2, .skipped = 1 };
  const char *localedir = g_getenv ("HELPDESK_MAIL_LOCALEDIR");
  const char *new_ticket;
  g_autofree char *other_account = NULL;
  gint64 account_id, run_id, ticket_id, step_id;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  new_ticket = _("no ticket reference and no known thread: a new ticket");
  other_account = g_strdup_printf (_("addressed first to %s, which the account “%s” imports"),
                                   "billing@example.com", "Billing");

  if (argc != 3)
    {
      g_printerr ("Usage: %s DB ACCOUNT\n", argv[0]);
      return 2;
    }

  store = hd_store_open (argv[1], &error);
  check (error);
  account_id = hd_store_get_account_id (store, argv[2], &error);
  check (error);
  run_id = hd_store_begin_poll_run (store, account_id, &error);
  check (error);

  /* The ticket of the screenshots comes last, as the newest. */
  {
    HdTicketSpec ticket = { .subject = "VPN down since this morning",
                            .from_address = "dave@example.org", .account_id = account_id,
                            .poll_run_id = run_id };
    HdStepSpec step = { .from_address = "dave@example.org", .date = "2024-03-01T11:00:00Z",
                        .message_id = "<3@example.org>",
                        .body_text = "The VPN client says the certificate expired." };
    HdPollEvent event = { .server_key = "1:2", .message_id = "<3@example.org>",
                          .subject = "VPN down since this morning",
                          .from_address = "dave@example.org", .action = "new-ticket",
                          .reason = new_ticket };
    HdPollEvent skipped = { .server_key = "1:3", .message_id = "<4@example.net>",
                            .subject = "Your newsletter", .from_address = "news@example.net",
                            .action = "skip-other-account",
                            .reason = other_account, .raw = newsletter };

    ticket_id = hd_store_create_ticket (store, &ticket, NULL, &error);
    check (error);
    hd_store_add_step (store, ticket_id, &step, NULL, 0, &error);
    check (error);
    event.ticket_id = ticket_id;
    hd_store_add_poll_event (store, run_id, &event, &error);
    check (error);
    hd_store_add_poll_event (store, run_id, &skipped, &error);
    check (error);
  }
  {
    HdTicketSpec ticket = { .subject = "Printer broken", .from_address = "carol@example.org",
                            .account_id = account_id, .poll_run_id = run_id };
    HdStepSpec first = { .from_name = "Carol", .from_address = "carol@example.org",
                         .date = "2024-03-01T09:30:00Z", .message_id = "<1@example.org>",
                         .body_text = "The printer on the second floor prints only stripes." };
    HdStepSpec second = { .from_name = "Carol", .from_address = "carol@example.org",
                          .date = "2024-03-01T10:05:00Z", .message_id = "<2@example.org>",
                          .body_text = "A scan of the last page is attached." };
    const char *to_carol[] = { "carol@example.org", NULL };
    HdStepSpec answer = { .from_name = "Example Support", .from_address = "support@example.com",
                          .date = "2024-03-01T10:20:00Z", .message_id = "<out.1@example.com>",
                          .body_text = "A technician comes by this afternoon.",
                          .outgoing = TRUE, .to = to_carol };
    HdStepSpec bounce = { .from_name = "Mail Delivery System",
                          .from_address = "MAILER-DAEMON@mx.example.org",
                          .date = "2024-03-01T10:21:00Z", .message_id = "<b.1@mx.example.org>",
                          .body_text = "This is the mail system at host mx.example.org.",
                          .undeliverable = TRUE, .failed_recipient = "carol.typo@example.org",
                          .delivery_status = "5.1.1 (550 5.1.1 User unknown)" };
    HdPollEvent event = { .server_key = "1:1", .message_id = "<1@example.org>",
                          .subject = "Printer broken", .from_address = "carol@example.org",
                          .action = "new-ticket",
                          .reason = new_ticket };

    ticket_id = hd_store_create_ticket (store, &ticket, NULL, &error);
    check (error);
    hd_store_add_step (store, ticket_id, &first, NULL, 0, &error);
    check (error);
    step_id = hd_store_add_step (store, ticket_id, &second, NULL, 0, &error);
    check (error);
    hd_store_add_attachment (store, step_id, "last-page.pdf", "application/pdf", FALSE, pdf,
                             &error);
    check (error);
    hd_store_add_step (store, ticket_id, &answer, NULL, 0, &error);
    check (error);
    hd_store_add_step (store, ticket_id, &bounce, NULL, 0, &error);
    check (error);
    event.ticket_id = ticket_id;
    hd_store_add_poll_event (store, run_id, &event, &error);
    check (error);
  }
  hd_store_finish_poll_run (store, run_id, "ok", &counts, 120, NULL, &error);
  check (error);
  return 0;
}
