/* hd-account-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-row.h"

#include <glib/gi18n.h>

#include "hd-format.h"
#include "hd-store-health.h"

struct _HdAccountRow
{
  AdwActionRow parent_instance;

  HdAccount *account;

  /* What the poller (or, when it does not run, the store) tells. */
  char *state;
  char *message;
  char *since;
  char *next_poll;
  char *poller_error;
  gboolean live;
  gboolean polling;
  gboolean paused;
  guint progress_done;
  guint progress_total;

  GtkImage *status_image;
  GtkButton *poll_button;
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

/* "10:42" today, the date and time on another day. */
static char *
format_time (const char *iso8601)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) date = g_date_time_new_from_iso8601 (iso8601, utc);
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  if (date == NULL)
    return hd_format_date (iso8601);
  local = g_date_time_to_local (date);
  if (g_date_time_get_year (local) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    /* Translators: A time of today, in g_date_time_format() notation. */
    return g_date_time_format (local, _("%H:%M"));
  return hd_format_date (iso8601);
}

static char *
health_line (HdAccountRow *self)
{
  g_autofree char *since = NULL;

  if (g_strcmp0 (self->state, HD_HEALTH_OK) == 0)
    /* Translators: The health of an account whose last poll worked. */
    return g_strdup (_("OK"));
  if (g_strcmp0 (self->state, HD_HEALTH_SIGN_IN_REQUIRED) == 0)
    return g_strdup (_("Sign-in required"));
  if (g_strcmp0 (self->state, HD_HEALTH_FAILING) != 0)
    return g_strdup (_("Never polled"));
  if (self->since == NULL || *self->since == '\0')
    /* Translators: %s is the server's reply, word for word. */
    return g_strdup_printf (_("Failing: %s"), self->message != NULL ? self->message : "");
  since = format_time (self->since);
  /* Translators: %1$s is the server's reply, word for word; %2$s a time. */
  return g_strdup_printf (_("Failing: %1$s since %2$s"),
                          self->message != NULL ? self->message : "", since);
}

static char *
schedule_line (HdAccountRow *self)
{
  g_autofree char *when = NULL;

  if (!self->live && self->poller_error != NULL)
    return g_strdup (_("The poller could not be started"));
  if (!self->live)
    return g_strdup (_("The poller is not running"));
  if (!hd_account_get_enabled (self->account))
    return g_strdup (_("Not polled while switched off"));
  if (self->polling && self->progress_total > 0)
    /* Translators: While a poll runs: the mail it reads now, of how many. */
    return g_strdup_printf (_("Polling… mail %u of %u"), self->progress_done,
                            self->progress_total);
  if (self->polling)
    return g_strdup (_("Polling…"));
  if (self->paused)
    return g_strdup (_("Polling is paused"));
  if (self->next_poll == NULL || *self->next_poll == '\0')
    return g_strdup (_("No poll planned"));
  when = format_time (self->next_poll);
  /* Translators: %s is a time, e.g. 10:42. */
  return g_strdup_printf (_("Next poll at %s"), when);
}

static void
sync_status_image (HdAccountRow *self)
{
  gboolean ok = g_strcmp0 (self->state, HD_HEALTH_OK) == 0;
  gboolean bad = g_strcmp0 (self->state, HD_HEALTH_FAILING) == 0
                 || g_strcmp0 (self->state, HD_HEALTH_SIGN_IN_REQUIRED) == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->status_image), ok || bad);
  gtk_image_set_from_icon_name (self->status_image,
                                ok ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  if (bad)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_image), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_image), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  ok ? _("Last poll succeeded") : _("Last poll failed"), -1);
}

static void
sync_from_account (HdAccountRow *self)
{
  const char *name = hd_account_get_name (self->account);
  g_autofree char *subtitle = NULL;
  g_autofree char *switch_label = NULL;
  g_autofree char *poll_label = NULL;
  g_autofree char *health = health_line (self);
  g_autofree char *schedule = schedule_line (self);

  /* Translators: The subtitle of an account in the list: protocol · host
   * name, then its health, then when it is polled next. */
  subtitle = g_strdup_printf (_("%s · %s\n%s\n%s"),
                              protocol_label (hd_account_get_protocol (self->account)),
                              hd_account_get_host (self->account), health, schedule);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
  /* Why the poller could not start goes in the tooltip: it can be long. */
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               !self->live && self->poller_error != NULL ? self->poller_error
                               : health);
  sync_status_image (self);

  /* The row is read by its title; the switch says what it does to that account. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  subtitle, -1);
  /* Translators: The accessible label of an account's switch; %s is the account name. */
  switch_label = g_strdup_printf (_("Read “%s”"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, switch_label, -1);
  /* Translators: The accessible label of an account's Poll Now button. */
  poll_label = g_strdup_printf (_("Poll “%s” Now"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->poll_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, poll_label, -1);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->poll_button), "s", name);
  gtk_widget_set_sensitive (GTK_WIDGET (self->poll_button),
                            hd_account_get_enabled (self->account));

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
  g_clear_pointer (&self->state, g_free);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->since, g_free);
  g_clear_pointer (&self->next_poll, g_free);
  g_clear_pointer (&self->poller_error, g_free);

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
  gtk_widget_class_bind_template_child (widget_class, HdAccountRow, poll_button);
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
 * hd_account_row_set_status:
 * @status: what the poller tells of the account, or, when it does not run,
 *   what the store kept
 *
 * Shows the account's health and its next poll (or the progress of the
 * poll that runs) at a glance.
 */
void
hd_account_row_set_status (HdAccountRow             *self,
                           const HdAccountRowStatus *status)
{
  g_return_if_fail (HD_IS_ACCOUNT_ROW (self));
  g_return_if_fail (status != NULL);

  g_free (self->state);
  self->state = g_strdup (status->state);
  g_free (self->message);
  self->message = g_strdup (status->message);
  g_free (self->since);
  self->since = g_strdup (status->since);
  g_free (self->next_poll);
  self->next_poll = g_strdup (status->next_poll);
  g_free (self->poller_error);
  self->poller_error = g_strdup (status->poller_error);
  self->live = status->live;
  self->polling = status->polling;
  self->paused = status->paused;
  self->progress_done = status->progress_done;
  self->progress_total = status->progress_total;
  sync_from_account (self);
}
