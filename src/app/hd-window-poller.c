/* hd-window-poller.c: the window watches the background poller live: each
 * account row shows the health and next poll the poller reports (or the
 * store's health when the poller does not run), and Poll Now asks it to
 * poll one account or all of them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-window-private.h"

#include <glib/gi18n.h>

#include "hd-store-health.h"

static void
show_stored_health (HdWindow     *self,
                    HdAccountRow *row)
{
  HdAccount *account = hd_account_row_get_account (row);
  g_autoptr (HdAccountHealth) health = NULL;
  g_autoptr (GError) error = NULL;
  HdAccountRowStatus status = { 0 };
  gint64 id;

  id = hd_store_get_account_id (self->store, hd_account_get_name (account), &error);
  if (id > 0)
    health = hd_store_get_health (self->store, id, &error);
  if (error != NULL)
    g_warning ("Could not read the health of “%s”: %s", hd_account_get_name (account),
               error->message);
  if (health != NULL)
    {
      status.state = health->state;
      status.message = health->message;
      status.since = health->since;
    }
  /* An account the running poller does not watch (switched off, or not
   * reloaded yet) still shows what the store knows of it. */
  status.live = hd_poller_client_reads_store (self->poller, hd_store_get_id (self->store));
  status.poller_error = hd_poller_client_get_start_error (self->poller);
  hd_account_row_set_status (row, &status);
}

/**
 * hd_window_show_poll_status:
 *
 * Shows on @row what the poller tells of its account, or what the store
 * kept when the poller does not run.
 */
void
hd_window_show_poll_status (HdWindow     *self,
                            HdAccountRow *row)
{
  HdAccount *account = hd_account_row_get_account (row);
  g_autoptr (GVariant) told = NULL;
  HdAccountRowStatus status = { 0 };
  gboolean polling = FALSE;
  guint32 done = 0, total = 0;

  if (self->poller != NULL)
    told = hd_poller_client_lookup_account (self->poller, hd_store_get_id (self->store),
                                            hd_account_get_name (account));
  if (told == NULL)
    {
      show_stored_health (self, row);
      return;
    }
  g_variant_lookup (told, "state", "&s", &status.state);
  g_variant_lookup (told, "message", "&s", &status.message);
  g_variant_lookup (told, "since", "&s", &status.since);
  g_variant_lookup (told, "next_poll", "&s", &status.next_poll);
  g_variant_lookup (told, "polling", "b", &polling);
  g_variant_lookup (told, "progress_done", "u", &done);
  g_variant_lookup (told, "progress_total", "u", &total);
  status.live = TRUE;
  status.polling = polling;
  status.paused = hd_poller_client_get_paused (self->poller);
  status.progress_done = done;
  status.progress_total = total;
  hd_account_row_set_status (row, &status);
}

static void
poller_changed_cb (HdWindow *self)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->account_list, i)) != NULL; i++)
    hd_window_show_poll_status (self, HD_ACCOUNT_ROW (row));
}

static void
poll_now_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (HdWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *markup = NULL;

  if (hd_poller_client_poll_now_finish (HD_POLLER_CLIENT (object), result, &error))
    return;
  if (self->toast_overlay == NULL)
    return;
  /* Translators: %s says why, e.g. that the poller is not installed. */
  markup = g_markup_printf_escaped (_("Could not poll: %s"), error->message);
  hd_window_toast (self, markup);
}

/* A poller that reads another database (another --db) would poll its own
 * account of that name. */
static gboolean
refuse_other_store (HdWindow *self)
{
  if (!hd_poller_client_get_running (self->poller)
      || hd_poller_client_reads_store (self->poller, hd_store_get_id (self->store)))
    return FALSE;
  hd_window_toast (self, _("The running poller reads another database"));
  return TRUE;
}

static void
poll_account_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);
  const char *names[] = { g_variant_get_string (parameter, NULL), NULL };

  if (refuse_other_store (self))
    return;
  hd_poller_client_poll_now_async (self->poller, names, NULL, poll_now_cb, g_object_ref (self));
}

static void
poll_all_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  HdWindow *self = HD_WINDOW (widget);

  if (refuse_other_store (self))
    return;
  hd_poller_client_poll_now_async (self->poller, NULL, NULL, poll_now_cb, g_object_ref (self));
}

static void
application_cb (HdWindow *self)
{
  if (gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    hd_poller_client_start (self->poller);
}

/**
 * hd_window_watch_poller:
 *
 * Follows what the poller tells; the window of the application also starts
 * the poller if it does not run (a window on its own, as in the widget
 * tests, only follows it). The application is set after construction.
 */
void
hd_window_watch_poller (HdWindow *self)
{
  self->poller = hd_poller_client_new ();
  g_signal_connect_object (self->poller, "changed", G_CALLBACK (poller_changed_cb), self,
                           G_CONNECT_SWAPPED);
  hd_account_editor_set_poller (self->editor, self->poller);
  g_signal_connect_object (self, "notify::application", G_CALLBACK (application_cb), self,
                           G_CONNECT_SWAPPED);
  application_cb (self);
}

/**
 * hd_window_class_add_poller_actions:
 *
 * Installs win.poll-account (an account name) and win.poll-all.
 */
void
hd_window_class_add_poller_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.poll-account", "s",
                                   poll_account_action_cb);
  gtk_widget_class_install_action (widget_class, "win.poll-all", NULL, poll_all_action_cb);
}
