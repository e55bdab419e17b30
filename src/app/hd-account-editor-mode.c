/* hd-account-editor-mode.c: the editor's line on how new mail is read:
 * "Push (IDLE)" while the poller holds an IDLE connection for the account,
 * else "Every N seconds". The poller says so in the "push" entry of its
 * Accounts property; without a poller on the bus the interval is what
 * applies once one starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-editor-private.h"

#include <glib/gi18n.h>

#define POLLER_NAME "io.github.helpdeskmail.HelpDeskMail.Poller"
#define POLLER_PATH "/io/github/helpdeskmail/HelpDeskMail/Poller"

static gboolean
poller_pushes (HdAccountEditor *self)
{
  g_autoptr (GVariant) accounts = NULL;
  g_autoptr (GVariant) entry = NULL;
  gboolean push = FALSE;

  if (self->poller_proxy == NULL || self->account == NULL)
    return FALSE;
  accounts = g_dbus_proxy_get_cached_property (self->poller_proxy, "Accounts");
  if (accounts == NULL || !g_variant_is_of_type (accounts, G_VARIANT_TYPE ("a{sa{sv}}")))
    return FALSE;
  entry = g_variant_lookup_value (accounts, hd_account_get_name (self->account),
                                  G_VARIANT_TYPE_VARDICT);
  if (entry == NULL || !g_variant_lookup (entry, "push", "b", &push))
    return FALSE;
  return push;
}

static void
update_mode (HdAccountEditor *self)
{
  g_autofree char *text = NULL;
  guint interval;

  if (self->account == NULL)
    return;
  interval = hd_account_get_poll_interval (self->account);
  /* The poller's word counts only while the account still asks for push. */
  if (hd_account_get_push (self->account) && poller_pushes (self))
    text = g_strdup (_("Push (IDLE)"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %u second",
                                         "Every %u seconds", interval),
                            interval);
  adw_action_row_set_subtitle (self->mode_row, text);
}

static gboolean
protocol_is_imap (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint (from) == HD_PROTOCOL_IMAP);
  return TRUE;
}

static void
mode_changed_cb (HdAccountEditor *self)
{
  update_mode (self);
}

static void
proxy_ready_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, &error);
  HdAccountEditor *self;

  /* Cancelled: the editor is gone, and user_data with it. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = HD_ACCOUNT_EDITOR (user_data);
  if (proxy == NULL)
    {
      g_debug ("No poller to ask what is in use: %s", error->message);
      return;
    }
  self->poller_proxy = proxy;
  g_signal_connect_object (proxy, "g-properties-changed", G_CALLBACK (mode_changed_cb),
                           self, G_CONNECT_SWAPPED);
  update_mode (self);
}

/* Asks the session bus for the poller, without starting it just to read
 * its state; the proxy follows the poller as it comes and goes. */
void
hd_account_editor_start_mode (HdAccountEditor *self)
{
  self->poller_cancellable = g_cancellable_new ();
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL,
                            POLLER_NAME, POLLER_PATH, POLLER_NAME, self->poller_cancellable,
                            proxy_ready_cb, self);
}

/* Called for each account shown: follows its protocol, push and interval. */
void
hd_account_editor_watch_mode (HdAccountEditor *self)
{
  GBinding *binding;

  binding = g_object_bind_property_full (self->account, "protocol", self->push_row, "visible",
                                         G_BINDING_SYNC_CREATE, protocol_is_imap, NULL, NULL,
                                         NULL);
  g_ptr_array_add (self->bindings, g_object_ref (binding));
  g_signal_connect_swapped (self->account, "notify::poll-interval", G_CALLBACK (mode_changed_cb),
                            self);
  g_signal_connect_swapped (self->account, "notify::push", G_CALLBACK (mode_changed_cb), self);
  g_signal_connect_swapped (self->account, "notify::protocol", G_CALLBACK (mode_changed_cb),
                            self);
  update_mode (self);
}

void
hd_account_editor_stop_mode (HdAccountEditor *self)
{
  if (self->poller_cancellable != NULL)
    g_cancellable_cancel (self->poller_cancellable);
  g_clear_object (&self->poller_cancellable);
  g_clear_object (&self->poller_proxy);
}
