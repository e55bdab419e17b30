/* hd-account-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-row.h"

#include <glib/gi18n.h>

struct _HdAccountRow
{
  AdwActionRow parent_instance;

  HdAccount *account;

  char *poll_status;
  char *poll_date;

  GtkImage *status_image;
  GtkSwitch *enabled_switch;

  gboolean syncing;
};

G_DEFINE_FINAL_TYPE (HdAccountRow, hd_account_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_ACCOUNT,
  N_PROPS
};

enum {
  ENABLED_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char *
protocol_label (HdProtocol protocol)
{
  switch (protocol)
    {
    case HD_PROTOCOL_IMAP:
      return _("IMAP");
    case HD_PROTOCOL_POP3:
      return _("POP3");
    default:
      g_assert_not_reached ();
    }
}

static void
sync_from_account (HdAccountRow *self)
{
  const char *name = hd_account_get_name (self->account);
  g_autofree char *subtitle = NULL;
  g_autofree char *switch_label = NULL;

  /* Translators: The subtitle of an account in the list: protocol · host name. */
  subtitle = g_strdup_printf (_("%s · %s"),
                              protocol_label (hd_account_get_protocol (self->account)),
                              hd_account_get_host (self->account));
  if (self->poll_status != NULL)
    {
      g_autofree char *line = NULL;
      char *both;

      if (g_strcmp0 (self->poll_status, "ok") == 0)
        /* Translators: The last poll result under an account; %s is a date. */
        line = g_strdup_printf (_("Last poll %s: OK"), self->poll_date);
      else
        /* Translators: The last poll result under an account; %s is a date. */
        line = g_strdup_printf (_("Last poll %s: failed"), self->poll_date);
      both = g_strconcat (subtitle, "\n", line, NULL);
      g_free (subtitle);
      subtitle = both;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);

  /* The row is read by its title; the switch says what it does to that account. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  subtitle, -1);
  /* Translators: The accessible label of an account's switch; %s is the account name. */
  switch_label = g_strdup_printf (_("Read “%s”"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, switch_label, -1);

  self->syncing = TRUE;
  gtk_switch_set_active (self->enabled_switch, hd_account_get_enabled (self->account));
  self->syncing = FALSE;
}

static void
enabled_switch_active_cb (HdAccountRow *self)
{
  if (self->syncing)
    return;

  g_signal_emit (self, signals[ENABLED_CHANGED], 0, gtk_switch_get_active (self->enabled_switch));
}

static void
account_notify_cb (HdAccountRow *self)
{
  sync_from_account (self);
}

static void
hd_account_row_constructed (GObject *object)
{
  HdAccountRow *self = HD_ACCOUNT_ROW (object);

  G_OBJECT_CLASS (hd_account_row_parent_class)->constructed (object);

  g_assert (HD_IS_ACCOUNT (self->account));
  g_signal_connect_object (self->account, "notify", G_CALLBACK (account_notify_cb), self,
                           G_CONNECT_SWAPPED);
  sync_from_account (self);
}

static void
hd_account_row_dispose (GObject *object)
{
  HdAccountRow *self = HD_ACCOUNT_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_ACCOUNT_ROW);
  g_clear_object (&self->account);
  g_clear_pointer (&self->poll_status, g_free);
  g_clear_pointer (&self->poll_date, g_free);

  G_OBJECT_CLASS (hd_account_row_parent_class)->dispose (object);
}

static void
hd_account_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HdAccountRow *self = HD_ACCOUNT_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      g_value_set_object (value, self->account);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HdAccountRow *self = HD_ACCOUNT_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT:
      self->account = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_row_class_init (HdAccountRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hd_account_row_constructed;
  object_class->dispose = hd_account_row_dispose;
  object_class->get_property = hd_account_row_get_property;
  object_class->set_property = hd_account_row_set_property;

  properties[PROP_ACCOUNT] =
    g_param_spec_object ("account", NULL, NULL, HD_TYPE_ACCOUNT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HdAccountRow::enabled-changed:
   * @enabled: the new state of the switch
   *
   * The user flipped the account's switch. The row does not change the
   * account itself: the owner saves it and updates the account, which the
   * row then shows, or shows the old state again when saving failed.
   */
  signals[ENABLED_CHANGED] =
    g_signal_new ("enabled-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-account-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HdAccountRow, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, HdAccountRow, status_image);
  gtk_widget_class_bind_template_callback (widget_class, enabled_switch_active_cb);
}

static void
hd_account_row_init (HdAccountRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hd_account_row_new (HdAccount *account)
{
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  return g_object_new (HD_TYPE_ACCOUNT_ROW, "account", account, NULL);
}

/**
 * hd_account_row_get_account:
 *
 * Returns: (transfer none): the account the row shows
 */
HdAccount *
hd_account_row_get_account (HdAccountRow *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_ROW (self), NULL);

  return self->account;
}

/**
 * hd_account_row_set_last_poll:
 * @status: (nullable): "ok", "failed", or %NULL when never polled
 * @date: (nullable): when, as the locale writes it
 *
 * Shows the result of the account's last poll at a glance.
 */
void
hd_account_row_set_last_poll (HdAccountRow *self,
                              const char   *status,
                              const char   *date)
{
  gboolean ok = g_strcmp0 (status, "ok") == 0;

  g_return_if_fail (HD_IS_ACCOUNT_ROW (self));

  g_free (self->poll_status);
  self->poll_status = g_strdup (status);
  g_free (self->poll_date);
  self->poll_date = g_strdup (date);
  gtk_widget_set_visible (GTK_WIDGET (self->status_image), status != NULL);
  gtk_image_set_from_icon_name (self->status_image,
                                ok ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  if (ok)
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_image), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->status_image), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ok ? _("Last poll succeeded") : _("Last poll failed"), -1);
  sync_from_account (self);
}
