/* hd-autostart-portal.c: the poller at login inside Flatpak, where the
 * session never sees the sandbox's autostart folder: the Background portal's
 * RequestBackground writes the entry for us. The user's choice is kept in the
 * sandbox's own config folder, which the window and the poller share, so that
 * the poller asks again with that choice each time it starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-autostart.h"

#include <glib/gi18n-lib.h>

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE "org.freedesktop.portal.Background"
#define REQUEST_IFACE "org.freedesktop.portal.Request"
#define CHOICE_GROUP "Background"
#define CHOICE_KEY "autostart"

struct _HdAutostartPortal
{
  HdAutostart parent_instance;

  GDBusConnection *bus;
};

G_DEFINE_FINAL_TYPE (HdAutostartPortal, hd_autostart_portal, HD_TYPE_AUTOSTART)

enum {
  PROP_0,
  PROP_BUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static gint request_counter;

typedef struct {
  GDBusConnection *bus;
  gboolean autostart;
  gboolean save;           /* the user chose: keep the choice once granted */
  guint response_id;
  gulong cancelled_id;
} Request;

static void
request_free (Request *request)
{
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->bus, request->response_id);
  g_clear_object (&request->bus);
  g_free (request);
}

static char *
choice_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "helpdesk-mail", "background.ini", NULL);
}

static gboolean
load_choice (void)
{
  g_autofree char *path = choice_path ();
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  gboolean autostart;

  /* Until the user decides, the poller starts at login, as it always did
   * inside Flatpak. */
  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL))
    return TRUE;
  autostart = g_key_file_get_boolean (keyfile, CHOICE_GROUP, CHOICE_KEY, &error);
  return error != NULL || autostart;
}

static gboolean
save_choice (gboolean   autostart,
             GError   **error)
{
  g_autofree char *path = choice_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();

  g_mkdir_with_parents (dir, 0700);
  g_key_file_set_boolean (keyfile, CHOICE_GROUP, CHOICE_KEY, autostart);
  return g_key_file_save_to_file (keyfile, path, error);
}

/* Where the portal will put the request object: org.freedesktop.portal.Request
 * names it after our unique name and the token we pass, so that we can listen
 * before we ask and never miss the answer. */
static char *
request_path (GDBusConnection *bus,
              const char      *token)
{
  g_autofree char *sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);

  g_strdelimit (sender, ".", '_');
  return g_strdup_printf (PORTAL_PATH "/request/%s/%s", sender, token);
}

static void
response_cb (GDBusConnection *connection,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GVariant) results = NULL;
  g_autoptr (GError) error = NULL;
  gboolean granted = FALSE;
  guint32 response;

  g_dbus_connection_signal_unsubscribe (connection, request->response_id);
  request->response_id = 0;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  if (response == 1)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("Running in the background was not allowed"));
      return;
    }
  if (response != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The Background portal could not answer the request"));
      return;
    }
  g_variant_lookup (results, "autostart", "b", &granted);
  if (request->autostart && !granted)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("Starting at login was not allowed"));
      return;
    }
  if (request->save && !save_choice (request->autostart, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
call_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply != NULL)
    return;
  /* No answer will come: the portal is missing or refused the call. */
  g_dbus_connection_signal_unsubscribe (request->bus, request->response_id);
  request->response_id = 0;
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
request_background (HdAutostartPortal   *self,
                    gboolean             autostart,
                    gboolean             save,
                    gpointer             source_tag,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  const char *commandline[] = { "helpdesk-mail-poller", NULL };
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  GVariantBuilder options;
  Request *request;

  g_task_set_source_tag (task, source_tag);
  /* Only unique within our connection, which is all a handle token must be. */
  token = g_strdup_printf ("hd_autostart_%d", g_atomic_int_add (&request_counter, 1));
  path = request_path (self->bus, token);
  request = g_new0 (Request, 1);
  request->bus = g_object_ref (self->bus);
  request->autostart = autostart;
  request->save = save;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  /* The signal's reference on the task is the one that answers. */
  request->response_id =
    g_dbus_connection_signal_subscribe (self->bus, PORTAL_NAME, REQUEST_IFACE, "Response", path,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NO_MATCH_RULE, response_cb,
                                        task, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Turn mail into tickets while the window is "
                                                 "closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (self->bus, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE,
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          call_cb, g_object_ref (task));
}

static gboolean
hd_autostart_portal_get_enabled (HdAutostart *self)
{
  return load_choice ();
}

static void
hd_autostart_portal_set_enabled_async (HdAutostart         *autostart,
                                       gboolean             enabled,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  request_background (HD_AUTOSTART_PORTAL (autostart), enabled, TRUE,
                      hd_autostart_set_enabled_async, cancellable, callback, user_data);
}

static void
hd_autostart_portal_keep_running_async (HdAutostart         *autostart,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  request_background (HD_AUTOSTART_PORTAL (autostart), load_choice (), FALSE,
                      hd_autostart_keep_running_async, cancellable, callback, user_data);
}

static void
hd_autostart_portal_dispose (GObject *object)
{
  HdAutostartPortal *self = HD_AUTOSTART_PORTAL (object);

  g_clear_object (&self->bus);

  G_OBJECT_CLASS (hd_autostart_portal_parent_class)->dispose (object);
}

static void
hd_autostart_portal_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HdAutostartPortal *self = HD_AUTOSTART_PORTAL (object);

  switch (prop_id)
    {
    case PROP_BUS:
      self->bus = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_autostart_portal_class_init (HdAutostartPortalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  HdAutostartClass *autostart_class = HD_AUTOSTART_CLASS (klass);

  object_class->dispose = hd_autostart_portal_dispose;
  object_class->set_property = hd_autostart_portal_set_property;
  autostart_class->get_enabled = hd_autostart_portal_get_enabled;
  autostart_class->set_enabled_async = hd_autostart_portal_set_enabled_async;
  autostart_class->keep_running_async = hd_autostart_portal_keep_running_async;

  properties[PROP_BUS] =
    g_param_spec_object ("bus", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hd_autostart_portal_init (HdAutostartPortal *self)
{
}
