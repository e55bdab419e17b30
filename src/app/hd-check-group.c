/* hd-check-group.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-check-group.h"

#include <glib/gi18n.h>

#include "hd-connection-check.h"

struct _HdCheckGroup
{
  AdwPreferencesGroup parent_instance;

  HdAccount *account;
  HdStore *store;
  GtkEditable *password;
  GCancellable *cancellable;
  char *server_pin;

  GtkSpinner *spinner;
  GtkButton *check_button;
  GtkButton *cancel_button;
  GtkLabel *message_label;
  AdwActionRow *pin_row;
  AdwExpanderRow *details_row;
  GtkLabel *transcript_label;
};

G_DEFINE_FINAL_TYPE (HdCheckGroup, hd_check_group, ADW_TYPE_PREFERENCES_GROUP)

static void
set_running (HdCheckGroup *self,
             gboolean      running)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->check_button), !running);
  if (running)
    gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
}

static void
show_message (HdCheckGroup *self,
              const char   *message,
              gboolean      ok)
{
  gtk_label_set_text (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), ok ? "error" : "success");
  gtk_widget_add_css_class (GTK_WIDGET (self->message_label), ok ? "success" : "error");
}

static void
reset (HdCheckGroup *self)
{
  show_message (self, NULL, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->details_row), FALSE);
  adw_expander_row_set_expanded (self->details_row, FALSE);
  g_clear_pointer (&self->server_pin, g_free);
}

static void
show_result (HdCheckGroup         *self,
             HdMailboxCheckResult *result)
{
  g_autofree char *line = NULL;

  if (result->ok)
    /* Translators: The result line of a good connection check; %s says what the server said. */
    line = g_strdup_printf (_("OK: %s"), result->summary);
  else
    /* Translators: The result line of a failed check; %s is the server's reply verbatim. */
    line = g_strdup_printf (_("Failed: %s"), result->message);
  show_message (self, line, result->ok);

  if (result->transcript != NULL && *result->transcript != '\0')
    {
      gtk_label_set_text (self->transcript_label, result->transcript);
      gtk_widget_set_visible (GTK_WIDGET (self->details_row), TRUE);
    }

  if (!result->ok && result->server_pin != NULL)
    {
      g_autofree char *subtitle = NULL;

      self->server_pin = g_strdup (result->server_pin);
      /* Translators: %s is the fingerprint of the server's key, "sha256//…". */
      subtitle = g_strdup_printf (_("The server's key has the fingerprint %s. Trust it only if "
                                    "the server's admin tells you the same fingerprint."),
                                  result->server_pin);
      adw_action_row_set_subtitle (self->pin_row, subtitle);
      gtk_widget_set_visible (GTK_WIDGET (self->pin_row), TRUE);
    }
}

static void
check_cb (GObject      *object,
          GAsyncResult *async_result,
          gpointer      user_data)
{
  g_autoptr (HdCheckGroup) self = user_data;
  g_autoptr (HdMailboxCheckResult) result = NULL;
  g_autoptr (GError) error = NULL;

  GCancellable *mine = g_task_get_cancellable (G_TASK (async_result));

  result = hd_connection_check_finish (async_result, &error);
  /* The editor went away meanwhile, or this is an older check that was
   * replaced by a newer one; nobody reads the answer. */
  if (self->spinner == NULL || mine != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  set_running (self, FALSE);
  if (g_cancellable_is_cancelled (mine))
    {
      show_message (self, _("The check was cancelled"), FALSE);
      return;
    }

  if (result == NULL)
    show_message (self, error->message, FALSE);
  else
    show_result (self, result);
}

static void
check_clicked_cb (HdCheckGroup *self)
{
  const char *password = self->password != NULL ? gtk_editable_get_text (self->password) : NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (self->account != NULL && self->store != NULL);

  hd_check_group_cancel (self);
  reset (self);
  /* A check of fields that cannot be saved would only repeat their error. */
  if (!hd_account_validate (self->account, &error))
    {
      show_message (self, error->message, FALSE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  set_running (self, TRUE);
  show_message (self, _("Checking…"), TRUE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "success");
  hd_connection_check_async (self->account, hd_store_get_path (self->store), password,
                             self->cancellable, check_cb, g_object_ref (self));
}

static void
cancel_clicked_cb (HdCheckGroup *self)
{
  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  gtk_widget_grab_focus (GTK_WIDGET (self->check_button));
}

static void
trust_clicked_cb (HdCheckGroup *self)
{
  g_autofree char *pin = g_steal_pointer (&self->server_pin);

  if (pin == NULL || self->account == NULL)
    return;
  g_object_set (self->account, "pinned-certificate", pin, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->pin_row), FALSE);
  show_message (self, _("The certificate is trusted once the account is saved. Check again to "
                        "try it."), TRUE);
}

static void
hd_check_group_dispose (GObject *object)
{
  HdCheckGroup *self = HD_CHECK_GROUP (object);

  hd_check_group_cancel (self);
  g_clear_object (&self->account);
  g_clear_object (&self->store);
  g_clear_weak_pointer (&self->password);
  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_CHECK_GROUP);

  G_OBJECT_CLASS (hd_check_group_parent_class)->dispose (object);
}

static void
hd_check_group_finalize (GObject *object)
{
  HdCheckGroup *self = HD_CHECK_GROUP (object);

  g_clear_pointer (&self->server_pin, g_free);

  G_OBJECT_CLASS (hd_check_group_parent_class)->finalize (object);
}

static void
hd_check_group_class_init (HdCheckGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hd_check_group_dispose;
  object_class->finalize = hd_check_group_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-check-group.ui");
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, spinner);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, check_button);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, message_label);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, pin_row);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, details_row);
  gtk_widget_class_bind_template_child (widget_class, HdCheckGroup, transcript_label);
  gtk_widget_class_bind_template_callback (widget_class, check_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, trust_clicked_cb);
}

static void
hd_check_group_init (HdCheckGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * hd_check_group_set_account:
 * @account: (nullable): the account as edited; the check copies it
 *
 * A check still running for the previous account is cancelled.
 */
void
hd_check_group_set_account (HdCheckGroup *self,
                            HdAccount    *account)
{
  g_return_if_fail (HD_IS_CHECK_GROUP (self));

  if (self->account == account)
    return;
  hd_check_group_cancel (self);
  reset (self);
  g_set_object (&self->account, account);
}

/**
 * hd_check_group_set_store:
 * @store: (nullable): the database whose keyring items hold saved passwords
 */
void
hd_check_group_set_store (HdCheckGroup *self,
                          HdStore      *store)
{
  g_return_if_fail (HD_IS_CHECK_GROUP (self));

  g_set_object (&self->store, store);
}

/**
 * hd_check_group_set_password_source:
 * @password: the field whose text, when not empty, is used instead of the
 *   saved password
 */
void
hd_check_group_set_password_source (HdCheckGroup *self,
                                    GtkEditable  *password)
{
  g_return_if_fail (HD_IS_CHECK_GROUP (self));

  g_set_weak_pointer (&self->password, password);
}

/**
 * hd_check_group_cancel:
 *
 * Stops a running check; its answer is dropped.
 */
void
hd_check_group_cancel (HdCheckGroup *self)
{
  g_return_if_fail (HD_IS_CHECK_GROUP (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->spinner != NULL)
    set_running (self, FALSE);
}

gboolean
hd_check_group_is_running (HdCheckGroup *self)
{
  g_return_val_if_fail (HD_IS_CHECK_GROUP (self), FALSE);

  return self->cancellable != NULL;
}

/**
 * hd_check_group_get_message:
 *
 * Returns: the message line as shown
 */
const char *
hd_check_group_get_message (HdCheckGroup *self)
{
  g_return_val_if_fail (HD_IS_CHECK_GROUP (self), NULL);

  return gtk_label_get_text (self->message_label);
}
