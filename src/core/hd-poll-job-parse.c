/* hd-poll-job-parse.c: parsing ahead. The store is the poll's slowest
 * stage and runs on the poll's thread; the parse of a mail needs nothing
 * but its bytes, so the next mails are parsed on a thread of their own
 * while the one before is decided and stored. Mails come out in the order
 * they went in; only mail held in memory goes this way (a large one, in a
 * temporary file that the mailbox deletes after its callback, is parsed in
 * place).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

typedef struct {
  char *key;
  GBytes *bytes;
  HdMessage *message;
  GError *error;
  gboolean done;
} Item;

struct _HdPollParser
{
  GThreadPool *pool;
  GMutex lock;
  GCond cond;
  GQueue pending; /* Item, oldest first; the worker owns none of them */
};

static void
item_free (Item *item)
{
  g_free (item->key);
  g_clear_pointer (&item->bytes, g_bytes_unref);
  g_clear_object (&item->message);
  g_clear_error (&item->error);
  g_free (item);
}

/* On the parser's thread: the item stays in @pending, where only its
 * @done flag, set under the lock, tells the poll's thread it may take it. */
static void
parse_cb (gpointer data,
          gpointer user_data)
{
  Item *item = data;
  HdPollParser *self = user_data;
  GError *error = NULL;
  HdMessage *message = hd_message_new_from_bytes (item->bytes, &error);

  g_mutex_lock (&self->lock);
  item->message = message;
  item->error = error;
  item->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

HdPollParser *
hd_poll_parser_new (void)
{
  HdPollParser *self = g_new0 (HdPollParser, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->pending);
  /* One thread: the mails are parsed in the order they arrived. */
  self->pool = g_thread_pool_new (parse_cb, self, 1, TRUE, NULL);
  return self;
}

/* Starts parsing the mail in @bytes, to be stored under @key. */
void
hd_poll_parser_push (HdPollParser *self,
                     const char   *key,
                     GBytes       *bytes)
{
  Item *item = g_new0 (Item, 1);

  item->key = g_strdup (key);
  item->bytes = g_bytes_ref (bytes);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->pending, item);
  g_mutex_unlock (&self->lock);
  g_thread_pool_push (self->pool, item, NULL);
}

guint
hd_poll_parser_get_pending (HdPollParser *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->pending.length;
  g_mutex_unlock (&self->lock);
  return n;
}

/* Waits for the oldest mail's parse: its key and bytes, and the message or
 * why it could not be parsed. FALSE when nothing is pending. */
gboolean
hd_poll_parser_pop (HdPollParser  *self,
                    char         **out_key,
                    GBytes       **out_bytes,
                    HdMessage    **out_message,
                    GError       **out_error)
{
  Item *item;

  g_mutex_lock (&self->lock);
  item = g_queue_peek_head (&self->pending);
  while (item != NULL && !item->done)
    g_cond_wait (&self->cond, &self->lock);
  if (item != NULL)
    g_queue_pop_head (&self->pending);
  g_mutex_unlock (&self->lock);

  if (item == NULL)
    return FALSE;
  *out_key = g_steal_pointer (&item->key);
  *out_bytes = g_steal_pointer (&item->bytes);
  *out_message = g_steal_pointer (&item->message);
  *out_error = g_steal_pointer (&item->error);
  item_free (item);
  return TRUE;
}

/* Waits for the parses in progress and drops what was not taken: that mail
 * was not stored, so it stays on the server for the next poll. */
void
hd_poll_parser_free (HdPollParser *self)
{
  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_queue_clear_full (&self->pending, (GDestroyNotify) item_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
