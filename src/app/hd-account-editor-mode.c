/* hd-account-editor-mode.c: the editor's line on how new mail is read:
 * "Push (IDLE)" while the poller holds an IDLE connection for the account,
 * else "Every N seconds". The poller says so in the "push" entry of what
 * HdPollerClient tells of the account; without a poller on the bus the
 * interval is what applies once one starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-editor-private.h"

#include <glib/gi18n.h>

static gboolean
poller_pushes (HdAccountEditor *self)
{
  g_autoptr (GVariant) entry = NULL;
  gboolean push = FALSE;

  if (self->poller == NULL || self->store == NULL || self->account == NULL)
    return FALSE;
  entry = hd_poller_client_lookup_account (self->poller, hd_store_get_id (self->store),
                                           hd_account_get_name (self->account));
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

/**
 * hd_account_editor_set_poller:
 * @poller: (nullable): the window's client of the background poller
 *
 * Follows what the poller tells of the account shown: "Push (IDLE)" while it
 * holds an IDLE connection for it. Without one, the interval is what applies.
 */
void
hd_account_editor_set_poller (HdAccountEditor *self,
                              HdPollerClient  *poller)
{
  g_return_if_fail (HD_IS_ACCOUNT_EDITOR (self));
  g_return_if_fail (poller == NULL || HD_IS_POLLER_CLIENT (poller));

  hd_account_editor_stop_mode (self);
  if (poller != NULL)
    {
      self->poller = g_object_ref (poller);
      g_signal_connect_object (poller, "changed", G_CALLBACK (mode_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  update_mode (self);
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
  if (self->poller != NULL)
    g_signal_handlers_disconnect_by_data (self->poller, self);
  g_clear_object (&self->poller);
}
