/* hd-poller-application.c: the poller service: an HdPoller behind the
 * io.github.helpdeskmail.HelpDeskMail.Poller interface. GApplication's
 * uniqueness makes a second start talk to the first instead of polling twice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-application.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>

#include "hd-dbus-poller.h"
#include "hd-errors.h"
#include "hd-poller-tray.h"
#include "hd-store-health.h"

struct _HdPollerApplication
{
  GApplication parent_instance;

  char *db_path;
  gboolean once;
  int status;
  HdStore *store;
  HdPoller *poller;
  HdDBusPoller *skeleton;
  HdPollerTray *tray;
};

G_DEFINE_FINAL_TYPE (HdPollerApplication, hd_poller_application, G_TYPE_APPLICATION)

static GVariant *
account_variant (HdPollerAccount *account)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "state", "s", account->state);
  g_variant_dict_insert (&dict, "since", "s", account->since != NULL ? account->since : "");
  g_variant_dict_insert (&dict, "message", "s", account->message != NULL ? account->message : "");
  g_variant_dict_insert (&dict, "last_poll", "s",
                         account->last_poll != NULL ? account->last_poll : "");
  g_variant_dict_insert (&dict, "next_poll", "s",
                         account->next_poll != NULL ? account->next_poll : "");
  g_variant_dict_insert (&dict, "polling", "b", account->polling);
  g_variant_dict_insert (&dict, "progress_done", "u", account->progress_done);
  g_variant_dict_insert (&dict, "progress_total", "u", account->progress_total);
  g_variant_dict_insert (&dict, "push", "b", account->push);
  g_variant_dict_insert (&dict, "listed", "u", account->last_counts.listed);
  g_variant_dict_insert (&dict, "imported", "u", account->last_counts.imported);
  g_variant_dict_insert (&dict, "skipped", "u", account->last_counts.skipped);
  g_variant_dict_insert (&dict, "failed", "u", account->last_counts.failed);
  g_variant_dict_insert (&dict, "deleted", "u", account->last_counts.deleted);
  return g_variant_dict_end (&dict);
}

static void
publish (HdPollerApplication *self)
{
  g_autoptr (GPtrArray) accounts = NULL;
  GVariantBuilder builder;
  GAction *pause_action;

  if (self->skeleton == NULL || self->poller == NULL)
    return;
  hd_dbus_poller_set_store_id (self->skeleton, hd_store_get_id (self->store));
  accounts = hd_poller_list_accounts (self->poller);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint i = 0; i < accounts->len; i++)
    {
      HdPollerAccount *account = accounts->pdata[i];

      g_variant_builder_add (&builder, "{s@a{sv}}", account->name, account_variant (account));
    }
  hd_dbus_poller_set_accounts (self->skeleton, g_variant_builder_end (&builder));
  hd_dbus_poller_set_state (self->skeleton,
                            hd_poller_state_to_string (hd_poller_get_state (self->poller)));
  hd_dbus_poller_set_failing_accounts (self->skeleton, hd_poller_count_failing (self->poller));
  if (self->tray != NULL)
    hd_poller_tray_update (self->tray, hd_poller_get_state (self->poller),
                           hd_poller_count_failing (self->poller),
                           hd_poller_get_paused (self->poller));
  pause_action = g_action_map_lookup_action (G_ACTION_MAP (self), "pause");
  if (pause_action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (pause_action),
                               g_variant_new_boolean (hd_poller_get_paused (self->poller)));
}

static void
changed_cb (HdPollerApplication *self)
{
  publish (self);
}

static void
run_finished_cb (HdPoller            *poller,
                 const char          *name,
                 HdPollResult        *result,
                 const char          *error,
                 HdPollerApplication *self)
{
  const HdPollCounts empty = { 0 };
  const HdPollCounts *c = result != NULL ? hd_poll_result_get_counts (result) : &empty;
  gboolean ok = result != NULL && hd_poll_result_get_ok (result);
  const char *failure = result != NULL ? hd_poll_result_get_failure (result) : error;
  GVariantBuilder counts;

  publish (self);
  if (self->skeleton == NULL)
    return;
  g_variant_builder_init (&counts, G_VARIANT_TYPE ("a{su}"));
  g_variant_builder_add (&counts, "{su}", "listed", c->listed);
  g_variant_builder_add (&counts, "{su}", "imported", c->imported);
  g_variant_builder_add (&counts, "{su}", "skipped", c->skipped);
  g_variant_builder_add (&counts, "{su}", "failed", c->failed);
  g_variant_builder_add (&counts, "{su}", "deleted", c->deleted);
  hd_dbus_poller_emit_run_finished (self->skeleton, name, ok, g_variant_builder_end (&counts),
                                    failure != NULL ? failure : "",
                                    result != NULL ? hd_poll_result_get_run_id (result) : 0);
}

static void
health_changed_cb (HdPoller            *poller,
                   const char          *name,
                   const char          *old_state,
                   const char          *new_state,
                   const char          *message,
                   HdPollerApplication *self)
{
  hd_poller_application_notify_health (G_APPLICATION (self), name, old_state, new_state, message);
}

/* The poller did not start (no database): every call says so. */
static gboolean
refuse_without_poller (HdPollerApplication   *self,
                       GDBusMethodInvocation *invocation)
{
  if (self->poller != NULL)
    return FALSE;
  g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_FAILED,
                                                 "The poller could not open its database");
  return TRUE;
}

static gboolean
handle_poll_now_cb (HdDBusPoller          *skeleton,
                    GDBusMethodInvocation *invocation,
                    const char * const    *accounts,
                    HdPollerApplication   *self)
{
  g_autoptr (GError) error = NULL;

  if (refuse_without_poller (self, invocation))
    return TRUE;
  if (!hd_poller_poll_now (self->poller, accounts, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    hd_dbus_poller_complete_poll_now (skeleton, invocation);
  publish (self);
  return TRUE;
}

static gboolean
handle_reload_cb (HdDBusPoller          *skeleton,
                  GDBusMethodInvocation *invocation,
                  HdPollerApplication   *self)
{
  g_autoptr (GError) error = NULL;

  if (refuse_without_poller (self, invocation))
    return TRUE;
  if (!hd_poller_reload (self->poller, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    hd_dbus_poller_complete_reload (skeleton, invocation);
  publish (self);
  return TRUE;
}

static gboolean
handle_pause_cb (HdDBusPoller          *skeleton,
                 GDBusMethodInvocation *invocation,
                 gboolean               paused,
                 HdPollerApplication   *self)
{
  if (refuse_without_poller (self, invocation))
    return TRUE;
  hd_poller_pause (self->poller, paused);
  hd_dbus_poller_complete_pause (skeleton, invocation);
  publish (self);
  return TRUE;
}

static void
poll_now_activated_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  HdPollerApplication *self = user_data;

  hd_poller_poll_now (self->poller, NULL, NULL);
}

static void
pause_changed_cb (GSimpleAction *action,
                  GVariant      *value,
                  gpointer       user_data)
{
  HdPollerApplication *self = user_data;

  hd_poller_pause (self->poller, g_variant_get_boolean (value));
  g_simple_action_set_state (action, value);
  publish (self);
}

static void
open_account_activated_cb (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  hd_poller_application_open_window (G_APPLICATION (user_data),
                                     parameter != NULL ? g_variant_get_string (parameter, NULL)
                                     : NULL);
}

static void
quit_activated_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static gboolean
quit_signal_cb (gpointer data)
{
  g_application_quit (G_APPLICATION (data));
  return G_SOURCE_CONTINUE;
}

static const GActionEntry actions[] = {
  { "poll-now", poll_now_activated_cb },
  { "pause", NULL, NULL, "false", pause_changed_cb },
  { "open-account", open_account_activated_cb, "s" },
  { "quit", quit_activated_cb },
};

static int
run_once (HdPollerApplication *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HdStore) store = hd_store_open (self->db_path, &error);
  g_autoptr (HdPoller) poller = NULL;
  g_autoptr (GPtrArray) outcomes = NULL;
  gboolean all_ok = TRUE;

  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  poller = hd_poller_new (store);
  outcomes = hd_poller_run_once_sync (poller, NULL, NULL, &error);
  if (outcomes == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < outcomes->len; i++)
    {
      HdPollerOutcome *outcome = outcomes->pdata[i];
      const HdPollCounts *c;

      if (outcome->result == NULL)
        {
          g_printerr ("%s: %s\n", outcome->name, outcome->error->message);
          all_ok = FALSE;
          continue;
        }
      c = hd_poll_result_get_counts (outcome->result);
      printf (_("%s: %s — %u listed, %u imported, %u skipped, %u failed, %u deleted\n"),
              outcome->name, hd_poll_result_get_ok (outcome->result) ? _("OK") : _("FAILED"),
              c->listed, c->imported, c->skipped, c->failed, c->deleted);
      if (!hd_poll_result_get_ok (outcome->result))
        {
          g_printerr ("%s: %s\n", outcome->name, hd_poll_result_get_failure (outcome->result));
          all_ok = FALSE;
        }
    }
  return all_ok ? 0 : 1;
}

static int
hd_poller_application_handle_local_options (GApplication *app,
                                            GVariantDict *options)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (app);

  g_variant_dict_lookup (options, "db", "^ay", &self->db_path);
  if (self->db_path == NULL)
    self->db_path = g_strdup (g_getenv ("HELPDESK_MAIL_DB"));
  if (self->db_path == NULL)
    self->db_path = hd_store_default_path ();
  if (g_variant_dict_contains (options, "once"))
    return run_once (self);
  return -1;
}

static gboolean
hd_poller_application_dbus_register (GApplication     *app,
                                     GDBusConnection  *connection,
                                     const char       *object_path,
                                     GError          **error)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (app);

  if (!G_APPLICATION_CLASS (hd_poller_application_parent_class)->dbus_register (app, connection,
                                                                               object_path,
                                                                               error))
    return FALSE;
  self->skeleton = hd_dbus_poller_skeleton_new ();
  hd_dbus_poller_set_state (self->skeleton, "idle");
  g_signal_connect (self->skeleton, "handle-poll-now", G_CALLBACK (handle_poll_now_cb), self);
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (handle_reload_cb), self);
  g_signal_connect (self->skeleton, "handle-pause", G_CALLBACK (handle_pause_cb), self);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, HD_POLLER_OBJECT_PATH, error);
}

static void
hd_poller_application_dbus_unregister (GApplication    *app,
                                       GDBusConnection *connection,
                                       const char      *object_path)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (app);

  if (self->skeleton != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_clear_object (&self->skeleton);
  G_APPLICATION_CLASS (hd_poller_application_parent_class)->dbus_unregister (app, connection,
                                                                            object_path);
}

static void
hd_poller_application_startup (GApplication *app)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (app);
  g_autoptr (GError) error = NULL;
  const char *second_ms = g_getenv ("HELPDESK_MAIL_POLLER_SECOND_MS");
  const char *renew_ms = g_getenv ("HELPDESK_MAIL_IDLE_RENEW_MS");

  G_APPLICATION_CLASS (hd_poller_application_parent_class)->startup (app);

  g_unix_signal_add (SIGTERM, quit_signal_cb, app);
  g_unix_signal_add (SIGINT, quit_signal_cb, app);

  self->store = hd_store_open (self->db_path, &error);
  if (self->store == NULL)
    {
      g_printerr ("%s\n", error->message);
      self->status = 2;
      return;
    }
  self->poller = hd_poller_new (self->store);
  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  /* Tests run an interval in milliseconds instead of seconds. */
  if (second_ms != NULL)
    hd_poller_set_second_ms (self->poller, (guint) g_ascii_strtoull (second_ms, NULL, 10));
  /* And they renew an IDLE within seconds instead of 29 minutes. */
  if (renew_ms != NULL)
    hd_poller_set_idle_renew_ms (self->poller, (guint) g_ascii_strtoull (renew_ms, NULL, 10));
  g_signal_connect_swapped (self->poller, "notify::state", G_CALLBACK (changed_cb), self);
  g_signal_connect_swapped (self->poller, "account-changed", G_CALLBACK (changed_cb), self);
  g_signal_connect (self->poller, "run-finished", G_CALLBACK (run_finished_cb), self);
  g_signal_connect (self->poller, "health-changed", G_CALLBACK (health_changed_cb), self);
  if (!hd_poller_start (self->poller, &error))
    {
      g_printerr ("%s\n", error->message);
      self->status = 1;
      return;
    }
  if (g_application_get_dbus_connection (app) != NULL)
    self->tray = hd_poller_tray_new (app, g_application_get_dbus_connection (app));
  publish (self);
  hd_poller_application_request_background (app);
  /* Runs until told to quit, also with no window and no tray. */
  g_application_hold (app);
}

static void
hd_poller_application_activate (GApplication *app)
{
  /* A second start lands here in the first one: the poller runs already. */
  g_debug ("Activated: the poller is running");
}

static void
hd_poller_application_shutdown (GApplication *app)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (app);

  /* Let each running poll stop before its next mail and record its run,
   * and each IDLE connection end. */
  g_clear_object (&self->tray);
  if (self->poller != NULL)
    {
      hd_poller_stop (self->poller);
      while (hd_poller_get_running (self->poller) > 0 || hd_poller_get_watching (self->poller) > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  G_APPLICATION_CLASS (hd_poller_application_parent_class)->shutdown (app);
}

static void
hd_poller_application_finalize (GObject *object)
{
  HdPollerApplication *self = HD_POLLER_APPLICATION (object);

  g_clear_object (&self->tray);
  g_clear_object (&self->poller);
  g_clear_object (&self->store);
  g_clear_object (&self->skeleton);
  g_free (self->db_path);

  G_OBJECT_CLASS (hd_poller_application_parent_class)->finalize (object);
}

static void
hd_poller_application_class_init (HdPollerApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = hd_poller_application_finalize;
  app_class->handle_local_options = hd_poller_application_handle_local_options;
  app_class->dbus_register = hd_poller_application_dbus_register;
  app_class->dbus_unregister = hd_poller_application_dbus_unregister;
  app_class->startup = hd_poller_application_startup;
  app_class->activate = hd_poller_application_activate;
  app_class->shutdown = hd_poller_application_shutdown;
}

static void
hd_poller_application_init (HdPollerApplication *self)
{
  const GOptionEntry options[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("The database (default: HELPDESK_MAIL_DB)"),
      N_("PATH") },
    { "once", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Poll every enabled account once and exit (1 if a poll failed)"), NULL },
    { NULL },
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Turns the mail of HelpDesk Mail’s accounts into "
                                              "tickets in the background."));
}

HdPollerApplication *
hd_poller_application_new (void)
{
  hd_errors_register_dbus ();
  return g_object_new (HD_TYPE_POLLER_APPLICATION,
                       "application-id", BASE_ID ".Poller",
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
}

HdPoller *
hd_poller_application_get_poller (HdPollerApplication *self)
{
  g_return_val_if_fail (HD_IS_POLLER_APPLICATION (self), NULL);
  return self->poller;
}

/**
 * hd_poller_application_get_status:
 *
 * Returns: the exit status when the poller could not start (2: no database)
 */
int
hd_poller_application_get_status (HdPollerApplication *self)
{
  g_return_val_if_fail (HD_IS_POLLER_APPLICATION (self), 1);
  return self->status;
}
