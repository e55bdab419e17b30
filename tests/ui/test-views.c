/* test-views.c: the tickets and poll log views show a page at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "hd-poll-log-view.h"
#include "hd-store-polls.h"
#include "hd-store-tickets.h"
#include "hd-tickets-view.h"
#include "window-test-util.h"

#define PAGE 3

/* Tickets "Ticket 1" … "Ticket n", oldest first, and as many poll runs of
 * one account, each with one event whose subject names the run. */
static void
seed (Fixture *fixture,
      guint    n)
{
  g_autoptr (GError) error = NULL;
  gint64 account_id;

  add_account (fixture, "Support", HD_PROTOCOL_IMAP, "imap.example.com", TRUE);
  account_id = hd_store_get_account_id (fixture->store, "Support", &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *subject = g_strdup_printf ("Ticket %u", i);
      g_autofree char *run_subject = g_strdup_printf ("Run %u", i);
      HdTicketSpec ticket = { .subject = subject, .from_address = "carol@example.org",
                              .account_id = account_id };
      HdStepSpec step = { .from_address = "carol@example.org", .body_text = "Hello." };
      HdPollEvent event = { .server_key = run_subject, .subject = run_subject,
                            .from_address = "carol@example.org", .action = "new-ticket",
                            .reason = "a new ticket" };
      HdPollCounts counts = { .listed = 1, .imported = 1 };
      gint64 ticket_id, run_id;

      ticket_id = hd_store_create_ticket (fixture->store, &ticket, NULL, &error);
      g_assert_no_error (error);
      hd_store_add_step (fixture->store, ticket_id, &step, NULL, 0, &error);
      g_assert_no_error (error);
      run_id = hd_store_begin_poll_run (fixture->store, account_id, &error);
      g_assert_no_error (error);
      hd_store_add_poll_event (fixture->store, run_id, &event, &error);
      g_assert_no_error (error);
      hd_store_finish_poll_run (fixture->store, run_id, "ok", &counts, 1, NULL, &error);
      g_assert_no_error (error);
    }
}

/* The titles of the rows of @type whose title starts with @prefix, in the
 * order they are shown. */
static GStrv
titles (gpointer    view,
        GType       type,
        const char *prefix)
{
  g_autoptr (GPtrArray) rows = find_all (view, type);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < rows->len; i++)
    {
      const char *title = adw_preferences_row_get_title (g_ptr_array_index (rows, i));

      if (g_str_has_prefix (title, prefix))
        g_strv_builder_add (builder, title);
    }
  return g_strv_builder_end (builder);
}

static GtkWidget *
more_button (gpointer view,
             GType    type)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (view), type, "more_button"));
}

static gboolean
tickets_loaded (gpointer view)
{
  return !hd_tickets_view_is_loading (view);
}

static gboolean
log_loaded (gpointer view)
{
  return !hd_poll_log_view_is_loading (view);
}

static GtkWindow *
show (gpointer view)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_child (window, view);
  gtk_window_present (window);
  wait_until (is_mapped, window, "the view to be shown");
  return window;
}

static void
assert_titles (GStrv       got,
               const char *const *expected)
{
  g_autofree char *joined = g_strjoinv (", ", got);

  g_test_message ("shown: %s", joined);
  g_assert_cmpstrv (got, expected);
}

static void
test_tickets_page (Fixture       *fixture,
                   gconstpointer  data)
{
  HdTicketsView *view = g_object_new (HD_TYPE_TICKETS_VIEW, NULL);
  GtkWindow *window;
  g_auto (GStrv) shown = NULL;
  const char *const first[] = { "Ticket 7", "Ticket 6", "Ticket 5", NULL };
  const char *const second[] = { "Ticket 7", "Ticket 6", "Ticket 5", "Ticket 4", "Ticket 3",
                                 "Ticket 2", NULL };
  const char *const all[] = { "Ticket 7", "Ticket 6", "Ticket 5", "Ticket 4", "Ticket 3",
                              "Ticket 2", "Ticket 1", NULL };

  seed (fixture, 7);
  window = show (view);
  hd_tickets_view_set_page_size (view, PAGE);

  hd_tickets_view_reload (view, fixture->store);
  g_assert_true (hd_tickets_view_is_loading (view));
  wait_until (tickets_loaded, view, "the first page");
  shown = titles (view, ADW_TYPE_EXPANDER_ROW, "Ticket ");
  assert_titles (shown, first);
  g_assert_true (gtk_widget_get_visible (more_button (view, HD_TYPE_TICKETS_VIEW)));

  g_signal_emit_by_name (more_button (view, HD_TYPE_TICKETS_VIEW), "clicked");
  wait_until (tickets_loaded, view, "the second page");
  g_clear_pointer (&shown, g_strfreev);
  shown = titles (view, ADW_TYPE_EXPANDER_ROW, "Ticket ");
  assert_titles (shown, second);
  g_assert_true (gtk_widget_get_visible (more_button (view, HD_TYPE_TICKETS_VIEW)));

  /* The last page is short, and nothing is left to load. */
  g_signal_emit_by_name (more_button (view, HD_TYPE_TICKETS_VIEW), "clicked");
  wait_until (tickets_loaded, view, "the last page");
  g_clear_pointer (&shown, g_strfreev);
  shown = titles (view, ADW_TYPE_EXPANDER_ROW, "Ticket ");
  assert_titles (shown, all);
  g_assert_false (gtk_widget_get_visible (more_button (view, HD_TYPE_TICKETS_VIEW)));

  /* A reload shows the newest page again, not everything loaded so far. */
  hd_tickets_view_reload (view, fixture->store);
  wait_until (tickets_loaded, view, "the reload");
  g_clear_pointer (&shown, g_strfreev);
  shown = titles (view, ADW_TYPE_EXPANDER_ROW, "Ticket ");
  assert_titles (shown, first);
  g_assert_true (gtk_widget_get_visible (more_button (view, HD_TYPE_TICKETS_VIEW)));

  gtk_window_destroy (window);
  settle ();
}

static void
test_poll_log_page (Fixture       *fixture,
                    gconstpointer  data)
{
  HdPollLogView *view = g_object_new (HD_TYPE_POLL_LOG_VIEW, NULL);
  GtkWindow *window;
  g_auto (GStrv) shown = NULL;
  const char *const first[] = { "Run 5", "Run 4", "Run 3", NULL };
  const char *const all[] = { "Run 5", "Run 4", "Run 3", "Run 2", "Run 1", NULL };

  seed (fixture, 5);
  window = show (view);
  hd_poll_log_view_set_page_size (view, PAGE);

  hd_poll_log_view_reload (view, fixture->store);
  wait_until (log_loaded, view, "the first page");
  shown = titles (view, ADW_TYPE_ACTION_ROW, "Run ");
  assert_titles (shown, first);
  g_assert_true (gtk_widget_get_visible (more_button (view, HD_TYPE_POLL_LOG_VIEW)));

  /* The older runs join the account's group, under the newer ones. */
  g_signal_emit_by_name (more_button (view, HD_TYPE_POLL_LOG_VIEW), "clicked");
  wait_until (log_loaded, view, "the second page");
  g_clear_pointer (&shown, g_strfreev);
  shown = titles (view, ADW_TYPE_ACTION_ROW, "Run ");
  assert_titles (shown, all);
  g_assert_false (gtk_widget_get_visible (more_button (view, HD_TYPE_POLL_LOG_VIEW)));
  {
    g_autoptr (GPtrArray) groups = find_all (view, ADW_TYPE_PREFERENCES_GROUP);
    guint support = 0;

    for (guint i = 0; i < groups->len; i++)
      support += g_strcmp0 (adw_preferences_group_get_title (g_ptr_array_index (groups, i)),
                            "Support") == 0;
    g_assert_cmpuint (support, ==, 1);
  }

  hd_poll_log_view_reload (view, fixture->store);
  wait_until (log_loaded, view, "the reload");
  g_clear_pointer (&shown, g_strfreev);
  shown = titles (view, ADW_TYPE_ACTION_ROW, "Run ");
  assert_titles (shown, first);

  gtk_window_destroy (window);
  settle ();
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/views/tickets-page", Fixture, NULL, fixture_set_up, test_tickets_page,
              fixture_tear_down);
  g_test_add ("/views/poll-log-page", Fixture, NULL, fixture_set_up, test_poll_log_page,
              fixture_tear_down);

  return g_test_run ();
}
