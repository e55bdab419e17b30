/* hd-poller-client.c: the window's side of the background poller: it
 * starts the poller, follows its state, asks it to poll and to reload.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-client.h"

#include "hd-window.h"

#define POLLER_NAME "io.github.helpdeskmail.HelpDeskMail.Poller"
#define POLLER_PATH "/io/github/helpdeskmail/HelpDeskMail/Poller"

/* What the window knows of the poller: a proxy that follows the name (the
 * poller may start and stop while the window is open) and caches the
 * properties, which the poller keeps current with PropertiesChanged. */
struct _HdPollerClient
{
  GObject parent_instance;

  GCancellable *cancellable;
  GDBusProxy *proxy;
  char *start_error;
  gboolean start;          /* asked to start the poller */
};

G_DEFINE_FINAL_TYPE (HdPollerClient, hd_poller_client, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (HdPollerClient *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
start_service_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (HdPollerClient) self = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_free (self->start_error);
      self->start_error = g_strdup (error->message);
      g_debug ("The poller did not start: %s", error->message);
      emit_changed (self);
    }
}

/* D-Bus activation through the service file (or the systemd unit it names);
 * the proxy sees the poller as soon as it owns its name. */
static void
start_service (HdPollerClient *self)
{
  g_dbus_connection_call (g_dbus_proxy_get_connection (self->proxy), "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus", "StartServiceByName",
                          g_variant_new ("(su)", POLLER_NAME, 0), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable, start_service_cb,
                          g_object_ref (self));
}

static void
name_owner_cb (HdPollerClient *self)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (self->proxy);

  if (owner != NULL)
    g_clear_pointer (&self->start_error, g_free);
  emit_changed (self);
}

static void
proxy_ready_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (HdPollerClient) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);

  if (proxy == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->start_error = g_strdup (error->message);
      emit_changed (self);
      return;
    }
  self->proxy = proxy;
  g_signal_connect_object (proxy, "g-properties-changed", G_CALLBACK (emit_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (proxy, "notify::g-name-owner", G_CALLBACK (name_owner_cb), self,
                           G_CONNECT_SWAPPED);
  owner = g_dbus_proxy_get_name_owner (proxy);
  if (owner == NULL && self->start)
    start_service (self);
  emit_changed (self);
}

static void
hd_poller_client_dispose (GObject *object)
{
  HdPollerClient *self = HD_POLLER_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->proxy);
  g_clear_pointer (&self->start_error, g_free);

  G_OBJECT_CLASS (hd_poller_client_parent_class)->dispose (object);
}

static void
hd_poller_client_class_init (HdPollerClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hd_poller_client_dispose;

  /**
   * HdPollerClient::changed:
   *
   * The poller started, stopped, or told new account states.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hd_poller_client_init (HdPollerClient *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * hd_poller_client_new:
 *
 * Returns: (transfer full): a client that follows the poller
 */
HdPollerClient *
hd_poller_client_new (void)
{
  HdPollerClient *self = g_object_new (HD_TYPE_POLLER_CLIENT, NULL);

  /* The properties are cached and followed; the poller is started
   * explicitly, so that a failure to start is known and shown. */
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                            POLLER_NAME, POLLER_PATH, POLLER_NAME, self->cancellable,
                            proxy_ready_cb, g_object_ref (self));
  return self;
}

/**
 * hd_poller_client_start:
 *
 * Starts the poller if it does not run yet (D-Bus activation); why it could
 * not start is then hd_poller_client_get_start_error().
 */
void
hd_poller_client_start (HdPollerClient *self)
{
  g_autofree char *owner = NULL;

  g_return_if_fail (HD_IS_POLLER_CLIENT (self));

  if (self->start)
    return;
  self->start = TRUE;
  /* Without the proxy yet, proxy_ready_cb() starts it. */
  if (self->proxy == NULL)
    return;
  owner = g_dbus_proxy_get_name_owner (self->proxy);
  if (owner == NULL)
    start_service (self);
}

/**
 * hd_poller_client_get_running:
 *
 * Returns: whether the poller runs and has told its state
 */
gboolean
hd_poller_client_get_running (HdPollerClient *self)
{
  g_autofree char *owner = NULL;
  g_autoptr (GVariant) accounts = NULL;

  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), FALSE);

  if (self->proxy == NULL)
    return FALSE;
  owner = g_dbus_proxy_get_name_owner (self->proxy);
  accounts = g_dbus_proxy_get_cached_property (self->proxy, "Accounts");
  return owner != NULL && accounts != NULL;
}

/**
 * hd_poller_client_reads_store:
 * @store_id: the id of a database (hd_store_get_id())
 *
 * Returns: whether the running poller reads that database
 */
gboolean
hd_poller_client_reads_store (HdPollerClient *self,
                              const char     *store_id)
{
  g_autoptr (GVariant) id = NULL;

  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), FALSE);

  if (!hd_poller_client_get_running (self))
    return FALSE;
  id = g_dbus_proxy_get_cached_property (self->proxy, "StoreId");
  return id != NULL && g_variant_is_of_type (id, G_VARIANT_TYPE_STRING)
         && g_strcmp0 (g_variant_get_string (id, NULL), store_id) == 0;
}

/**
 * hd_poller_client_get_paused:
 *
 * Returns: whether the running poller is paused (from its tray menu)
 */
gboolean
hd_poller_client_get_paused (HdPollerClient *self)
{
  g_autoptr (GVariant) state = NULL;

  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), FALSE);

  if (!hd_poller_client_get_running (self))
    return FALSE;
  state = g_dbus_proxy_get_cached_property (self->proxy, "State");
  return state != NULL && g_variant_is_of_type (state, G_VARIANT_TYPE_STRING)
         && g_strcmp0 (g_variant_get_string (state, NULL), "paused") == 0;
}

/**
 * hd_poller_client_get_start_error:
 *
 * Returns: (nullable): why the poller could not be started, or %NULL
 */
const char *
hd_poller_client_get_start_error (HdPollerClient *self)
{
  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), NULL);

  return self->start_error;
}

/**
 * hd_poller_client_lookup_account:
 * @store_id: the id of the database the account is in
 *
 * Returns: (transfer full) (nullable): what the poller tells of the account
 *   (an `a{sv}` as the interface XML describes it), or %NULL when the poller
 *   does not run, reads another database, or does not watch the account
 */
GVariant *
hd_poller_client_lookup_account (HdPollerClient *self,
                                 const char     *store_id,
                                 const char     *name)
{
  g_autoptr (GVariant) accounts = NULL;

  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!hd_poller_client_reads_store (self, store_id))
    return NULL;
  accounts = g_dbus_proxy_get_cached_property (self->proxy, "Accounts");
  if (!g_variant_is_of_type (accounts, G_VARIANT_TYPE ("a{sa{sv}}")))
    return NULL;
  return g_variant_lookup_value (accounts, name, G_VARIANT_TYPE_VARDICT);
}

static void
poll_now_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * hd_poller_client_poll_now_async:
 * @names: (nullable): the accounts, or %NULL for every enabled one
 *
 * Asks the poller to poll now; D-Bus activation starts it when it does not
 * run.
 */
void
hd_poller_client_poll_now_async (HdPollerClient      *self,
                                 const char * const  *names,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  const char * const none[] = { NULL };

  g_return_if_fail (HD_IS_POLLER_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_poller_client_poll_now_async);
  bus = self->proxy != NULL ? g_object_ref (g_dbus_proxy_get_connection (self->proxy))
        : g_bus_get_sync (G_BUS_TYPE_SESSION, cancellable, &error);
  if (bus == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_dbus_connection_call (bus, POLLER_NAME, POLLER_PATH, POLLER_NAME, "PollNow",
                          g_variant_new ("(^as)", names != NULL ? names : none), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, poll_now_cb,
                          g_steal_pointer (&task));
}

gboolean
hd_poller_client_poll_now_finish (HdPollerClient  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (HD_IS_POLLER_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
reload_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  /* No poller installed (a build tree, a test bus) is not the window's
   * business: it still saves, and `helpdesk-mailctl poll` still polls. */
  if (reply == NULL)
    g_debug ("The poller did not reload: %s", error->message);
}

/**
 * hd_poller_client_reload:
 *
 * Tells the poller that the accounts changed; D-Bus activation starts it if
 * it is not running yet.
 */
void
hd_poller_client_reload (void)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  if (bus == NULL)
    return;
  g_dbus_connection_call (bus, POLLER_NAME, POLLER_PATH, POLLER_NAME, "Reload", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, reload_cb, NULL);
}

/**
 * hd_poller_client_open_account_cb:
 *
 * `app.open-account`: what the poller's notification asks for: the window,
 * on the account the notification is about.
 */
void
hd_poller_client_open_account_cb (GSimpleAction *action,
                                  GVariant      *parameter,
                                  gpointer       user_data)
{
  GApplication *app = G_APPLICATION (user_data);
  GtkWindow *window;

  g_application_activate (app);
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (HD_IS_WINDOW (window))
    hd_window_select_account (HD_WINDOW (window), g_variant_get_string (parameter, NULL));
}
