/* hd-mailbox-check.c: the connection check of HdMailbox: log in, count
 * the mail, and say how it went in words, with the transcript; in a worker
 * thread for the window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static char *
clean_greeting (const char *greeting)
{
  const char *text = greeting;

  if (text == NULL)
    return NULL;
  if (g_str_has_prefix (text, "* OK "))
    text += 5;
  else if (g_str_has_prefix (text, "* PREAUTH "))
    text += 10;
  else if (g_str_has_prefix (text, "+OK "))
    text += 4;
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close != NULL)
        text = close[1] == ' ' ? close + 2 : close + 1;
    }
  return g_strdup (text);
}

static void
check_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  HdMailbox *self = source_object;
  GError *error = NULL;
  HdMailboxCheckResult *result = hd_mailbox_check_sync (self, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) hd_mailbox_check_result_free);
}

/**
 * hd_mailbox_check_sync:
 * @self: a #HdMailbox
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects, negotiates TLS, reads the capabilities, logs in and then SELECTs
 * the folder (IMAP) or asks for STAT (POP3).  Every failure of the server or
 * the network is described in the result; @error is set only when the check
 * was cancelled.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL when cancelled
 */
HdMailboxCheckResult *
hd_mailbox_check_sync (HdMailbox     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HdMailboxPrivate *priv;
  g_autoptr (HdMailboxCheckResult) result = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *messages = NULL;
  guint count = 0;
  gboolean ok;

  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  priv = hd_mailbox_get_private (self);
  ok = HD_MAILBOX_GET_CLASS (self)->check (self, &count, &messages, cancellable, &local_error);

  if (!ok && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  result = g_new0 (HdMailboxCheckResult, 1);
  result->ok = ok;
  result->greeting = clean_greeting (priv->greeting);
  result->mechanisms = g_strdup (priv->mechanisms);
  result->transcript = hd_mailbox_dup_transcript (self);

  if (ok)
    {
      result->message_count = count;
      result->summary = g_strdup_printf (_("%s — logged in as %s; server offers %s; %s"),
                                         result->greeting != NULL ? result->greeting : "",
                                         hd_account_get_username (priv->account),
                                         result->mechanisms != NULL && *result->mechanisms
                                         ? result->mechanisms : _("no SASL mechanisms"),
                                         messages != NULL ? messages : "");
    }
  else
    {
      result->message = g_strdup (local_error->message);
      result->error_code = local_error->domain == HD_MAILBOX_ERROR
                           ? (HdMailboxError) local_error->code : HD_MAILBOX_ERROR_FAILED;
      if (result->error_code == HD_MAILBOX_ERROR_AUTHENTICATION_FAILED
          || result->error_code == HD_MAILBOX_ERROR_SERVER_REFUSED)
        result->server_reply = g_strdup (local_error->message);
      result->server_pin = g_strdup (hd_mailbox_get_server_pin (self));
    }

  return g_steal_pointer (&result);
}

/**
 * hd_mailbox_check_async:
 * @self: a #HdMailbox, not used by anyone else until the check finishes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Runs hd_mailbox_check_sync() in a worker thread, for the window.
 */
void
hd_mailbox_check_async (HdMailbox           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HD_IS_MAILBOX (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_mailbox_check_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, check_thread_cb);
}

/**
 * hd_mailbox_check_finish:
 * @self: a #HdMailbox
 * @result: the #GAsyncResult
 * @error: return location for a #GError (set only when cancelled)
 *
 * Returns: (transfer full) (nullable): the check result
 */
HdMailboxCheckResult *
hd_mailbox_check_finish (HdMailbox     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_mailbox_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hd_mailbox_check_result_free:
 * @result: (nullable): a check result
 *
 * Frees @result.
 */
void
hd_mailbox_check_result_free (HdMailboxCheckResult *result)
{
  if (result == NULL)
    return;

  g_free (result->summary);
  g_free (result->greeting);
  g_free (result->mechanisms);
  g_free (result->message);
  g_free (result->server_reply);
  g_free (result->server_pin);
  g_free (result->transcript);
  g_free (result);
}

