/* hd-poller-tray.c: the tray icon as a StatusNotifierItem with a
 * com.canonical.dbusmenu menu, both written over GDBus (libayatana-appindicator
 * needs GTK 3, which cannot live in this process). With no
 * StatusNotifierWatcher on the bus (plain GNOME) the item waits for one; each
 * watcher that appears is told about the item again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poller-tray.h"

#include <glib/gi18n.h>

#include "hd-poller-application.h"

#define ITEM_PATH "/StatusNotifierItem"
#define MENU_PATH "/MenuBar"
#define WATCHER_NAME "org.kde.StatusNotifierWatcher"

enum {
  MENU_ROOT,
  MENU_POLL_NOW,
  MENU_PAUSE,
  MENU_OPEN,
  MENU_QUIT,
};

static const char introspection_xml[] =
  "<node>"
  " <interface name='org.kde.StatusNotifierItem'>"
  "  <property name='Category' type='s' access='read'/>"
  "  <property name='Id' type='s' access='read'/>"
  "  <property name='Title' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='WindowId' type='i' access='read'/>"
  "  <property name='IconName' type='s' access='read'/>"
  "  <property name='AttentionIconName' type='s' access='read'/>"
  "  <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "  <property name='ItemIsMenu' type='b' access='read'/>"
  "  <property name='Menu' type='o' access='read'/>"
  "  <method name='ContextMenu'><arg name='x' type='i'/><arg name='y' type='i'/></method>"
  "  <method name='Activate'><arg name='x' type='i'/><arg name='y' type='i'/></method>"
  "  <method name='SecondaryActivate'><arg name='x' type='i'/><arg name='y' type='i'/></method>"
  "  <method name='Scroll'><arg name='delta' type='i'/><arg name='orientation' type='s'/></method>"
  "  <signal name='NewTitle'/>"
  "  <signal name='NewIcon'/>"
  "  <signal name='NewAttentionIcon'/>"
  "  <signal name='NewToolTip'/>"
  "  <signal name='NewStatus'><arg name='status' type='s'/></signal>"
  " </interface>"
  " <interface name='com.canonical.dbusmenu'>"
  "  <property name='Version' type='u' access='read'/>"
  "  <property name='TextDirection' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='IconThemePath' type='as' access='read'/>"
  "  <method name='GetLayout'>"
  "   <arg type='i' name='parentId' direction='in'/>"
  "   <arg type='i' name='recursionDepth' direction='in'/>"
  "   <arg type='as' name='propertyNames' direction='in'/>"
  "   <arg type='u' name='revision' direction='out'/>"
  "   <arg type='(ia{sv}av)' name='layout' direction='out'/>"
  "  </method>"
  "  <method name='GetGroupProperties'>"
  "   <arg type='ai' name='ids' direction='in'/>"
  "   <arg type='as' name='propertyNames' direction='in'/>"
  "   <arg type='a(ia{sv})' name='properties' direction='out'/>"
  "  </method>"
  "  <method name='GetProperty'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='s' name='name' direction='in'/>"
  "   <arg type='v' name='value' direction='out'/>"
  "  </method>"
  "  <method name='Event'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='s' name='eventId' direction='in'/>"
  "   <arg type='v' name='data' direction='in'/>"
  "   <arg type='u' name='timestamp' direction='in'/>"
  "  </method>"
  "  <method name='EventGroup'>"
  "   <arg type='a(isvu)' name='events' direction='in'/>"
  "   <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShow'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='b' name='needUpdate' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShowGroup'>"
  "   <arg type='ai' name='ids' direction='in'/>"
  "   <arg type='ai' name='updatesNeeded' direction='out'/>"
  "   <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <signal name='ItemsPropertiesUpdated'>"
  "   <arg type='a(ia{sv})' name='updatedProps'/>"
  "   <arg type='a(ias)' name='removedProps'/>"
  "  </signal>"
  "  <signal name='LayoutUpdated'>"
  "   <arg type='u' name='revision'/>"
  "   <arg type='i' name='parent'/>"
  "  </signal>"
  " </interface>"
  "</node>";

struct _HdPollerTray
{
  GObject parent_instance;

  GApplication *app;        /* not a reference: the application owns the tray */
  GDBusConnection *connection;
  GDBusNodeInfo *info;
  guint item_id;
  guint menu_id;
  guint watch_id;
  guint revision;
  HdPollerState state;
  guint failing;
  gboolean paused;
};

G_DEFINE_FINAL_TYPE (HdPollerTray, hd_poller_tray, G_TYPE_OBJECT)

static const char *
icon_name (HdPollerTray *self)
{
  switch (self->state)
    {
    case HD_POLLER_STATE_POLLING:
      return "mail-send-receive-symbolic";
    case HD_POLLER_STATE_PAUSED:
      return "media-playback-pause-symbolic";
    case HD_POLLER_STATE_ERROR:
      return "dialog-warning-symbolic";
    case HD_POLLER_STATE_IDLE:
    default:
      return "mail-read-symbolic";
    }
}

static char *
tooltip_text (HdPollerTray *self)
{
  switch (self->state)
    {
    case HD_POLLER_STATE_POLLING:
      return g_strdup (_("Polling mail…"));
    case HD_POLLER_STATE_PAUSED:
      return g_strdup (_("Polling is paused"));
    case HD_POLLER_STATE_ERROR:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u account needs attention",
                                           "%u accounts need attention", self->failing),
                              self->failing);
    case HD_POLLER_STATE_IDLE:
    default:
      return g_strdup (_("Every account is polled"));
    }
}

static GVariant *
menu_item (HdPollerTray *self,
           int           id)
{
  GVariantBuilder props;
  GVariantBuilder children;

  g_variant_builder_init (&props, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&children, G_VARIANT_TYPE ("av"));
  switch (id)
    {
    case MENU_ROOT:
      g_variant_builder_add (&props, "{sv}", "children-display", g_variant_new_string ("submenu"));
      for (int child = MENU_POLL_NOW; child <= MENU_QUIT; child++)
        g_variant_builder_add (&children, "v", menu_item (self, child));
      break;
    case MENU_POLL_NOW:
      g_variant_builder_add (&props, "{sv}", "label", g_variant_new_string (_("Poll Now")));
      break;
    case MENU_PAUSE:
      g_variant_builder_add (&props, "{sv}", "label",
                             g_variant_new_string (self->paused ? _("Resume") : _("Pause")));
      break;
    case MENU_OPEN:
      g_variant_builder_add (&props, "{sv}", "label",
                             g_variant_new_string (_("Open HelpDesk Mail")));
      break;
    case MENU_QUIT:
      g_variant_builder_add (&props, "{sv}", "label", g_variant_new_string (_("Quit")));
      break;
    default:
      g_assert_not_reached ();
    }
  return g_variant_new ("(ia{sv}av)", id, &props, &children);
}

static void
menu_clicked (HdPollerTray *self,
              int           id)
{
  switch (id)
    {
    case MENU_POLL_NOW:
      g_action_group_activate_action (G_ACTION_GROUP (self->app), "poll-now", NULL);
      break;
    case MENU_PAUSE:
      g_action_group_change_action_state (G_ACTION_GROUP (self->app), "pause",
                                          g_variant_new_boolean (!self->paused));
      break;
    case MENU_OPEN:
      hd_poller_application_open_window (self->app, NULL);
      break;
    case MENU_QUIT:
      g_application_quit (self->app);
      break;
    default:
      break;
    }
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  HdPollerTray *self = user_data;

  if (g_str_equal (method_name, "GetLayout"))
    {
      int parent;

      g_variant_get (parameters, "(i@i@as)", &parent, NULL, NULL);
      if (parent < MENU_ROOT || parent > MENU_QUIT)
        {
          g_dbus_method_invocation_return_dbus_error (invocation,
                                                      "com.canonical.dbusmenu.Error.NoSuchItem",
                                                      "No such menu item");
          return;
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u@(ia{sv}av))", self->revision,
                                                            menu_item (self, parent)));
    }
  else if (g_str_equal (method_name, "GetGroupProperties"))
    {
      g_autoptr (GVariantIter) ids = NULL;
      GVariantBuilder result;
      int id;

      g_variant_get (parameters, "(ai@as)", &ids, NULL);
      g_variant_builder_init (&result, G_VARIANT_TYPE ("a(ia{sv})"));
      while (g_variant_iter_next (ids, "i", &id))
        {
          g_autoptr (GVariant) item = NULL;

          if (id < MENU_ROOT || id > MENU_QUIT)
            continue;
          item = g_variant_ref_sink (menu_item (self, id));
          g_variant_builder_add (&result, "(i@a{sv})", id, g_variant_get_child_value (item, 1));
        }
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &result));
    }
  else if (g_str_equal (method_name, "Event"))
    {
      const char *event;
      int id;

      g_variant_get (parameters, "(i&s@vu)", &id, &event, NULL, NULL);
      if (g_str_equal (event, "clicked"))
        menu_clicked (self, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "AboutToShow"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
  else if (g_str_equal (method_name, "Activate") || g_str_equal (method_name, "SecondaryActivate"))
    {
      hd_poller_application_open_window (self->app, NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "ContextMenu") || g_str_equal (method_name, "Scroll"))
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "%s is not supported", method_name);
}

static GVariant *
get_property_cb (GDBusConnection  *connection,
                 const char       *sender,
                 const char       *object_path,
                 const char       *interface_name,
                 const char       *property_name,
                 GError          **error,
                 gpointer          user_data)
{
  HdPollerTray *self = user_data;

  if (g_str_equal (interface_name, "com.canonical.dbusmenu"))
    {
      if (g_str_equal (property_name, "Version"))
        return g_variant_new_uint32 (3);
      if (g_str_equal (property_name, "TextDirection"))
        return g_variant_new_string ("ltr");
      if (g_str_equal (property_name, "Status"))
        return g_variant_new_string ("normal");
      return g_variant_new_strv (NULL, 0);
    }
  if (g_str_equal (property_name, "Category"))
    return g_variant_new_string ("ApplicationStatus");
  if (g_str_equal (property_name, "Id"))
    return g_variant_new_string (BASE_ID ".Poller");
  if (g_str_equal (property_name, "Title"))
    return g_variant_new_string (_("HelpDesk Mail"));
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string (self->state == HD_POLLER_STATE_ERROR ? "NeedsAttention"
                                 : "Active");
  if (g_str_equal (property_name, "WindowId"))
    return g_variant_new_int32 (0);
  if (g_str_equal (property_name, "IconName"))
    return g_variant_new_string (icon_name (self));
  if (g_str_equal (property_name, "AttentionIconName"))
    return g_variant_new_string ("dialog-warning-symbolic");
  if (g_str_equal (property_name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);
  if (g_str_equal (property_name, "Menu"))
    return g_variant_new_object_path (MENU_PATH);
  if (g_str_equal (property_name, "ToolTip"))
    {
      g_autofree char *text = tooltip_text (self);

      return g_variant_new ("(sa(iiay)ss)", icon_name (self), NULL, _("HelpDesk Mail"), text);
    }
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s",
               property_name);
  return NULL;
}

static const GDBusInterfaceVTable vtable = { method_call_cb, get_property_cb, NULL };

static void
watcher_appeared_cb (GDBusConnection *connection,
                     const char      *name,
                     const char      *owner,
                     gpointer         user_data)
{
  /* The watcher takes the sender as the item's bus name and the path. */
  g_dbus_connection_call (connection, WATCHER_NAME, "/StatusNotifierWatcher", WATCHER_NAME,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", ITEM_PATH), NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
}

static void
hd_poller_tray_dispose (GObject *object)
{
  HdPollerTray *self = HD_POLLER_TRAY (object);

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->item_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->item_id);
  if (self->menu_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->menu_id);
  self->item_id = self->menu_id = 0;
  g_clear_object (&self->connection);
  g_clear_pointer (&self->info, g_dbus_node_info_unref);

  G_OBJECT_CLASS (hd_poller_tray_parent_class)->dispose (object);
}

static void
hd_poller_tray_class_init (HdPollerTrayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hd_poller_tray_dispose;
}

static void
hd_poller_tray_init (HdPollerTray *self)
{
  self->revision = 1;
}

/**
 * hd_poller_tray_new:
 * @app: the poller application, whose actions the menu activates
 * @connection: the session bus
 *
 * Returns: (transfer full): the tray item, exported and looking for a watcher
 */
HdPollerTray *
hd_poller_tray_new (GApplication    *app,
                    GDBusConnection *connection)
{
  HdPollerTray *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (HD_TYPE_POLLER_TRAY, NULL);
  self->app = app;
  self->connection = g_object_ref (connection);
  self->info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (self->info != NULL);
  self->item_id = g_dbus_connection_register_object (connection, ITEM_PATH,
                                                     self->info->interfaces[0], &vtable, self,
                                                     NULL, NULL);
  self->menu_id = g_dbus_connection_register_object (connection, MENU_PATH,
                                                     self->info->interfaces[1], &vtable, self,
                                                     NULL, NULL);
  self->watch_id = g_bus_watch_name_on_connection (connection, WATCHER_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   watcher_appeared_cb, NULL, NULL, NULL);
  return self;
}

/**
 * hd_poller_tray_update:
 *
 * Shows the poller's state: the icon, the tooltip with the count of failing
 * accounts, and Pause or Resume in the menu.
 */
void
hd_poller_tray_update (HdPollerTray  *self,
                       HdPollerState  state,
                       guint          failing,
                       gboolean       paused)
{
  gboolean state_changed;

  g_return_if_fail (HD_IS_POLLER_TRAY (self));

  state_changed = state != self->state || failing != self->failing;
  self->state = state;
  self->failing = failing;
  if (state_changed)
    {
      const char *status = state == HD_POLLER_STATE_ERROR ? "NeedsAttention" : "Active";

      g_dbus_connection_emit_signal (self->connection, NULL, ITEM_PATH,
                                     "org.kde.StatusNotifierItem", "NewIcon", NULL, NULL);
      g_dbus_connection_emit_signal (self->connection, NULL, ITEM_PATH,
                                     "org.kde.StatusNotifierItem", "NewToolTip", NULL, NULL);
      g_dbus_connection_emit_signal (self->connection, NULL, ITEM_PATH,
                                     "org.kde.StatusNotifierItem", "NewStatus",
                                     g_variant_new ("(s)", status), NULL);
    }
  if (paused != self->paused)
    {
      self->paused = paused;
      self->revision++;
      g_dbus_connection_emit_signal (self->connection, NULL, MENU_PATH, "com.canonical.dbusmenu",
                                     "LayoutUpdated", g_variant_new ("(ui)", self->revision, 0),
                                     NULL);
    }
}
