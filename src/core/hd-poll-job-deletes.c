/* hd-poll-job-deletes.c: the deletes of a poll. A mail leaves the server
 * only for a receipt that a COMMIT wrote, by the handle it was listed under,
 * and its receipt is marked deleted only once the delete is final (IMAP
 * EXPUNGE at once, POP3 at the QUIT that ends the session).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

#include <string.h>

/* Marks receipts deleted: in the poll's open batch when there is one (they
 * were committed by an earlier batch; should this one roll back, they stay
 * pending and the next poll finds their mail gone), else in one transaction
 * of their own. */
static gboolean
mark_keys (HdPollJob          *self,
           const char * const *keys,
           GError            **error)
{
  if (self->batch != NULL && hd_store_batch_is_open (self->batch))
    return hd_store_mark_deleted_in (self->batch, self->account_id, keys, error);
  return hd_store_mark_deleted (self->store, self->account_id, keys, error);
}

void
hd_poll_job_mark_deleted (HdPollJob *self,
              GPtrArray *keys)
{
  g_autoptr (GError) error = NULL;

  if (keys->len == 0)
    return;
  g_ptr_array_add (keys, NULL);
  if (mark_keys (self, (const char *const *) keys->pdata, &error))
    self->result->counts.deleted += keys->len - 1;
  else
    hd_poll_job_note_error (self, error->message);
  g_ptr_array_set_size (keys, 0);
}

/* Deletes on the server the mail of receipts that a COMMIT of this session
 * wrote (or an earlier poll left pending), by the handle it was listed
 * under. Once a delete fails, the others wait for the next poll. */
void
hd_poll_job_send_deletes (HdPollJob    *self,
              GCancellable *cancellable)
{
  g_autoptr (GPtrArray) uids = g_ptr_array_new ();
  g_autoptr (GError) delete_error = NULL;

  if (self->delete_keys->len == 0)
    return;
  if (self->deletes_stopped)
    {
      g_ptr_array_set_size (self->delete_keys, 0);
      return;
    }
  for (guint i = 0; i < self->delete_keys->len; i++)
    g_ptr_array_add (uids,
                     (gpointer) hd_poll_job_handle_for_key (self, self->delete_keys->pdata[i]));
  g_ptr_array_add (uids, NULL);

  /* A failed delete loses nothing: the receipts stay pending and the next
   * poll tries again. */
  if (!hd_mailbox_delete_sync (self->mailbox, (const char *const *) uids->pdata, cancellable,
                               &delete_error))
    {
      hd_poll_job_note_error (self, delete_error->message);
      self->deletes_stopped = TRUE;
      g_ptr_array_set_size (self->delete_keys, 0);
      return;
    }
  if (hd_mailbox_get_deletes_wait_for_finish (self->mailbox))
    {
      for (guint i = 0; i < self->delete_keys->len; i++)
        g_ptr_array_add (self->finish_keys, g_strdup (self->delete_keys->pdata[i]));
      g_ptr_array_set_size (self->delete_keys, 0);
    }
  else
    hd_poll_job_mark_deleted (self, self->delete_keys);
}

/* Ends the session; the POP3 deletions become final with its QUIT, and
 * only then are their receipts marked deleted. The mailbox is closed here,
 * in the thread that used it, never by a finalize elsewhere. */
void
hd_poll_job_finish_session (HdPollJob    *self,
                GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;

  if (hd_mailbox_finish_sync (self->mailbox, cancellable, &error))
    hd_poll_job_mark_deleted (self, self->finish_keys);
  else if (self->finish_keys->len > 0)
    hd_poll_job_note_error (self, error->message);
  g_ptr_array_set_size (self->finish_keys, 0);
  hd_mailbox_close (self->mailbox);
}

/* Receipts whose delete a crash or a failure left undone: delete the mail
 * that is still there, and mark what is gone. */
void
hd_poll_job_retry_pending_deletes (HdPollJob *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) pending = hd_store_list_pending_deletes (self->store, self->account_id, &error);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();

  if (pending == NULL)
    {
      hd_poll_job_note_error (self, error->message);
      return;
    }
  for (guint i = 0; pending[i] != NULL; i++)
    {
      if (hd_poll_job_handle_for_key (self, pending[i]) != NULL)
        g_ptr_array_add (self->delete_keys, g_strdup (pending[i]));
      else if (strchr (pending[i], '#') == NULL)
        g_ptr_array_add (gone, pending[i]);
      /* A content key is checked when its mail is read again. */
    }
  g_ptr_array_add (gone, NULL);
  if (!mark_keys (self, (const char *const *) gone->pdata, &error))
    hd_poll_job_note_error (self, error->message);
}

