/* hd-fake-mailbox.c: an IMAP-like test double of HdMailbox (UIDs under one
 * UIDVALIDITY, deletes final at once) over a FakeServer in memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-fake-mailbox.h"

#include <string.h>

struct _FakeMailbox
{
  HdMailbox parent_instance;

  FakeServer *server;
};

G_DEFINE_FINAL_TYPE (FakeMailbox, fake_mailbox, HD_TYPE_MAILBOX)

/* Fails or cancels when the server is told to at @step. */
static gboolean
at_step (FakeServer    *server,
         FakeStep       step,
         guint          n,
         GError       **error)
{
  if (server->cancel_at == step && (step != FAKE_STEP_FETCH || n == server->step_n))
    g_cancellable_cancel (server->cancellable);
  if (server->fail_at == step && (step != FAKE_STEP_FETCH || n == server->step_n))
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                   "injected failure at step %d", step);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fake_check (HdMailbox     *mailbox,
            guint         *out_count,
            char         **out_text,
            GCancellable  *cancellable,
            GError       **error)
{
  FakeServer *server = FAKE_MAILBOX (mailbox)->server;

  *out_count = fake_server_count (server);
  *out_text = g_strdup_printf ("%u messages", *out_count);
  return TRUE;
}

static gboolean
fake_list (HdMailbox     *mailbox,
           guint32       *out_uidvalidity,
           HdHandles    **out_handles,
           GCancellable  *cancellable,
           GError       **error)
{
  FakeServer *server = FAKE_MAILBOX (mailbox)->server;
  g_autoptr (HdHandles) handles = hd_handles_new ();
  g_autoptr (GMutexLocker) locker = NULL;

  if (!at_step (server, FAKE_STEP_LIST, 0, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  locker = g_mutex_locker_new (&server->lock);
  for (guint i = 0; i < server->uids->len; i++)
    hd_handles_add (handles, server->uids->pdata[i]);
  if (out_uidvalidity != NULL)
    *out_uidvalidity = server->uidvalidity;
  if (out_handles != NULL)
    *out_handles = g_steal_pointer (&handles);
  return TRUE;
}

static gboolean
fake_fetch (HdMailbox     *mailbox,
            const char    *uid,
            GOutputStream *stream,
            GCancellable  *cancellable,
            GError       **error)
{
  FakeServer *server = FAKE_MAILBOX (mailbox)->server;
  GBytes *raw;
  guint n;

  g_mutex_lock (&server->lock);
  n = ++server->fetches;
  raw = g_hash_table_lookup (server->mails, uid);
  if (raw != NULL)
    g_bytes_ref (raw);
  g_mutex_unlock (&server->lock);

  if (!at_step (server, FAKE_STEP_FETCH, n, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_clear_pointer (&raw, g_bytes_unref);
      return FALSE;
    }
  if (raw == NULL)
    {
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND, "no UID %s", uid);
      return FALSE;
    }
  if (!g_output_stream_write_all (stream, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                                  NULL, cancellable, error))
    {
      g_bytes_unref (raw);
      return FALSE;
    }
  g_bytes_unref (raw);
  return TRUE;
}

static gboolean
fake_delete (HdMailbox          *mailbox,
             const char * const *uids,
             GCancellable       *cancellable,
             GError            **error)
{
  FakeServer *server = FAKE_MAILBOX (mailbox)->server;
  g_autoptr (GMutexLocker) locker = NULL;

  server->deletes++;
  if (!at_step (server, FAKE_STEP_DELETE, 0, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  locker = g_mutex_locker_new (&server->lock);
  for (guint i = 0; uids[i] != NULL; i++)
    {
      guint index;

      if (!g_ptr_array_find_with_equal_func (server->uids, uids[i], g_str_equal, &index))
        continue;
      g_ptr_array_add (server->deleted, g_strdup (uids[i]));
      g_hash_table_remove (server->mails, uids[i]);
      g_ptr_array_remove_index (server->uids, index);
    }
  return TRUE;
}

static gboolean
fake_restore_seen (HdMailbox     *mailbox,
                   GCancellable  *cancellable,
                   GError       **error)
{
  return at_step (FAKE_MAILBOX (mailbox)->server, FAKE_STEP_RESTORE_SEEN, 0, error);
}

static gboolean
fake_finish (HdMailbox     *mailbox,
             GCancellable  *cancellable,
             GError       **error)
{
  return at_step (FAKE_MAILBOX (mailbox)->server, FAKE_STEP_FINISH, 0, error);
}

/* Hands each mail over in memory, as the IMAP batched fetch does with all
 * but large mail, so that the poll parses it ahead of the store. */
static gboolean
fake_fetch_batch (HdMailbox            *mailbox,
                  const char * const   *uids,
                  HdMailboxFetchedFunc  func,
                  gpointer              user_data,
                  GCancellable         *cancellable,
                  GError              **error)
{
  FakeServer *server = FAKE_MAILBOX (mailbox)->server;

  for (guint i = 0; uids[i] != NULL; i++)
    {
      g_autoptr (GBytes) raw = NULL;
      guint n;

      g_mutex_lock (&server->lock);
      n = ++server->fetches;
      raw = g_hash_table_lookup (server->mails, uids[i]);
      if (raw != NULL)
        g_bytes_ref (raw);
      g_mutex_unlock (&server->lock);

      if (!at_step (server, FAKE_STEP_FETCH, n, error)
          || g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (raw != NULL && !func (mailbox, uids[i], raw, NULL, user_data, error))
        return FALSE;
    }
  return TRUE;
}

static void
fake_close (HdMailbox *mailbox)
{
}

static void
fake_mailbox_class_init (FakeMailboxClass *klass)
{
  HdMailboxClass *mailbox_class = HD_MAILBOX_CLASS (klass);

  mailbox_class->check = fake_check;
  mailbox_class->list = fake_list;
  mailbox_class->fetch = fake_fetch;
  mailbox_class->fetch_batch = fake_fetch_batch;
  mailbox_class->delete_mail = fake_delete;
  mailbox_class->restore_seen = fake_restore_seen;
  mailbox_class->finish = fake_finish;
  mailbox_class->close = fake_close;
}

static void
fake_mailbox_init (FakeMailbox *self)
{
}

HdMailbox *
fake_mailbox_new (HdAccount  *account,
                  FakeServer *server)
{
  FakeMailbox *self = g_object_new (FAKE_TYPE_MAILBOX, "account", account, NULL);

  self->server = server;
  return HD_MAILBOX (self);
}

FakeServer *
fake_server_new (void)
{
  FakeServer *server = g_new0 (FakeServer, 1);

  g_mutex_init (&server->lock);
  server->uidvalidity = 42;
  server->next_uid = 1;
  server->uids = g_ptr_array_new_with_free_func (g_free);
  server->mails = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_bytes_unref);
  server->deleted = g_ptr_array_new_with_free_func (g_free);
  server->cancellable = g_cancellable_new ();
  return server;
}

void
fake_server_free (FakeServer *server)
{
  g_mutex_clear (&server->lock);
  g_ptr_array_unref (server->uids);
  g_hash_table_unref (server->mails);
  g_ptr_array_unref (server->deleted);
  g_object_unref (server->cancellable);
  g_free (server);
}

char *
fake_server_add (FakeServer *server,
                 const char *raw)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&server->lock);
  char *uid = g_strdup_printf ("%u", server->next_uid++);

  g_ptr_array_add (server->uids, g_strdup (uid));
  g_hash_table_insert (server->mails, g_strdup (uid), g_bytes_new (raw, strlen (raw)));
  return uid;
}

guint
fake_server_count (FakeServer *server)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&server->lock);

  return server->uids->len;
}

gboolean
fake_server_has (FakeServer *server,
                 const char *message_id)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&server->lock);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, server->mails);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gsize size;
      const char *data = g_bytes_get_data (value, &size);

      if (g_strstr_len (data, size, message_id) != NULL)
        return TRUE;
    }
  return FALSE;
}
