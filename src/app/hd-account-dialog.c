/* hd-account-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-dialog.h"

#include "hd-accounts.h"

struct _HdAccountDialog
{
  AdwWindow parent_instance;

  HdStore *store;
  /* Adds in a worker thread, on a connection of its own. */
  HdAccounts *writer;

  HdAccountEditor *editor;
  GtkSpinner *spinner;
  GtkWidget *add_button;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (HdAccountDialog, hd_account_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

enum {
  ACCOUNT_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Add stays insensitive until the account is valid; its tooltip says what
 * is missing, so the admin is not left guessing before any error shows. */
static void
update_add (HdAccountDialog *self)
{
  g_autofree char *problem = hd_account_editor_dup_problem (self->editor);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "account.add",
                                 !self->busy && problem == NULL);
  gtk_widget_set_tooltip_text (self->add_button, problem);
}

static void
set_busy (HdAccountDialog *self,
          gboolean         busy)
{
  /* GTK 4.8 warns when a focused entry turns insensitive (GTK issue 5845),
   * so the focus leaves the fields first. */
  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  update_add (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->editor), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
finish_added (HdAccountDialog *self,
              HdAccount       *account)
{
  g_signal_emit (self, signals[ACCOUNT_ADDED], 0, account);
  gtk_window_close (GTK_WINDOW (self));
}

/* What the callback needs: the dialog (a reference, so that it outlives
 * the call) and the account as it was added. */
typedef struct {
  HdAccountDialog *dialog;
  HdAccount *account;
} AddJob;

static void
add_job_free (AddJob *job)
{
  g_object_unref (job->dialog);
  g_object_unref (job->account);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AddJob, add_job_free)

static void
add_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr (AddJob) job = user_data;
  HdAccountDialog *self = job->dialog;
  g_autoptr (GError) error = NULL;

  if (!hd_accounts_add_finish (HD_ACCOUNTS (object), result, &error))
    {
      /* HdAccounts undid the whole add: an account without the password it
       * was given would fail at its first poll. */
      if (self->editor == NULL)
        return;
      set_busy (self, FALSE);
      hd_account_editor_show_save_error (self->editor, error);
      return;
    }

  if (self->editor == NULL)
    {
      /* The dialog was closed while the add ran; the account is complete,
       * so the window still hears of it. */
      g_signal_emit (self, signals[ACCOUNT_ADDED], 0, job->account);
      return;
    }
  set_busy (self, FALSE);
  finish_added (self, job->account);
}

static void
add_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (widget);
  HdAccount *account = hd_account_editor_get_account (self->editor);
  const char *password = hd_account_editor_get_password (self->editor);
  g_autoptr (GPtrArray) one = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  AddJob *job;

  if (self->busy)
    return;
  hd_account_editor_clear_errors (self->editor);
  if (!hd_account_validate (account, &error))
    {
      hd_account_editor_show_error (self->editor, error);
      return;
    }

  job = g_new0 (AddJob, 1);
  job->dialog = g_object_ref (self);
  job->account = hd_account_copy (account);
  g_ptr_array_add (one, account);
  set_busy (self, TRUE);
  /* Not cancelled when the dialog closes: the admin pressed Add, and the
   * account with its password lands or neither does. */
  hd_accounts_add_async (self->writer, one, password != NULL && *password != '\0' ? password : NULL,
                         NULL, add_cb, job);
}

static void
hd_account_dialog_constructed (GObject *object)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (object);

  G_OBJECT_CLASS (hd_account_dialog_parent_class)->constructed (object);

  hd_account_editor_set_store (self->editor, self->store);
  self->writer = hd_accounts_new_for_path (hd_store_get_path (self->store));
  update_add (self);
}

static void
hd_account_dialog_dispose (GObject *object)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HD_TYPE_ACCOUNT_DIALOG);

  G_OBJECT_CLASS (hd_account_dialog_parent_class)->dispose (object);
}

static void
hd_account_dialog_finalize (GObject *object)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (object);

  g_clear_object (&self->store);
  g_clear_object (&self->writer);

  G_OBJECT_CLASS (hd_account_dialog_parent_class)->finalize (object);
}

static void
hd_account_dialog_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_dialog_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HdAccountDialog *self = HD_ACCOUNT_DIALOG (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hd_account_dialog_class_init (HdAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hd_account_dialog_constructed;
  object_class->dispose = hd_account_dialog_dispose;
  object_class->finalize = hd_account_dialog_finalize;
  object_class->get_property = hd_account_dialog_get_property;
  object_class->set_property = hd_account_dialog_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, HD_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HdAccountDialog::account-added:
   * @account: the account as it is now in the store
   *
   * The account was saved, with its password in the keyring.
   */
  signals[ACCOUNT_ADDED] =
    g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, HD_TYPE_ACCOUNT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/helpdeskmail/HelpDeskMail/hd-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HdAccountDialog, editor);
  gtk_widget_class_bind_template_child (widget_class, HdAccountDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, HdAccountDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, update_add);

  gtk_widget_class_install_action (widget_class, "account.add", NULL, add_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  g_type_ensure (HD_TYPE_ACCOUNT_EDITOR);
}

static void
hd_account_dialog_init (HdAccountDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * hd_account_dialog_new:
 * @parent: (nullable): the window the dialog belongs to
 * @store: where the account is added
 */
HdAccountDialog *
hd_account_dialog_new (GtkWindow *parent,
                       HdStore   *store)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (HD_IS_STORE (store), NULL);

  return g_object_new (HD_TYPE_ACCOUNT_DIALOG,
                       "transient-for", parent,
                       "store", store,
                       NULL);
}

/**
 * hd_account_dialog_get_editor:
 *
 * Returns: (transfer none): the fields of the dialog
 */
HdAccountEditor *
hd_account_dialog_get_editor (HdAccountDialog *self)
{
  g_return_val_if_fail (HD_IS_ACCOUNT_DIALOG (self), NULL);

  return self->editor;
}
