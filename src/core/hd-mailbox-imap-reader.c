/* hd-mailbox-imap-reader.c: the reading half of the IMAP batched fetch. A
 * thread of its own reads the reply to one `UID FETCH` off the raw
 * connection while the caller parses and stores the mails that came before:
 * the network and the work overlap instead of taking turns.
 *
 * What the reader hands over waits in a queue bounded by mail count and by
 * bytes, so that a fast server cannot fill the memory: when the queue is
 * full, the reader stops reading and the rest waits in the socket. A mail
 * joins the queue only once it has arrived whole (up to 1 MiB in memory, a
 * larger one in a temporary file); a mail cut short is never queued. The
 * consumer's GCancellable reaches the reader through a cancellable of its
 * own, which also ends its waits when the consumer stops early.
 *
 * While the reader runs, it alone uses the raw connection; the consumer
 * touches neither the connection nor the mailbox until it has freed the
 * reader (which joins the thread).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-imap-private.h"

#include <string.h>

/* How much may wait for the consumer: a few mails, so that memory stays
 * flat however large the mailbox; a large mail counts by its bytes only
 * when it is held in memory. */
#define QUEUE_MAX_MAILS 16
#define QUEUE_MAX_BYTES (8 * 1024 * 1024)

/* A literal up to this size is received into memory, a larger one into a
 * temporary file. */
#define IN_MEMORY_LIMIT (1024 * 1024)
#define FILE_BUFFER     (1024 * 1024)

typedef struct {
  char *uid;
  GBytes *bytes;
  GFile *file;
} Arrived;

struct _HdMailboxImapReader
{
  HdMailboxImap *mailbox;
  char *tag;
  GThread *thread;

  /* Cancelled when the caller's cancellable is, or when the consumer stops
   * early; the reader's reads and waits watch this one. */
  GCancellable *cancellable;
  GCancellable *outer;
  gulong outer_handler;

  GMutex lock;
  GCond cond;
  GQueue queue;     /* Arrived, oldest first */
  gsize queued_bytes;
  gboolean stop;    /* the consumer needs no more */
  gboolean done;    /* the reader has ended: @error says how */
  gboolean tagged;  /* it read the tagged status: the connection is usable */
  GError *error;
};

static void
arrived_free (Arrived *arrived)
{
  if (arrived->file != NULL)
    g_file_delete (arrived->file, NULL, NULL);
  g_clear_object (&arrived->file);
  g_clear_pointer (&arrived->bytes, g_bytes_unref);
  g_free (arrived->uid);
  g_free (arrived);
}

/* "UID n" of a FETCH response, looked for in @text. */
static char *
find_uid (const char *text)
{
  const char *p = text;

  while ((p = strstr (p, "UID ")) != NULL)
    {
      const char *digits = p + 4;
      const char *end = digits;

      if (p == text || p[-1] == ' ' || p[-1] == '(')
        {
          while (g_ascii_isdigit (*end))
            end++;
          if (end > digits)
            return g_strndup (digits, end - digits);
        }
      p = digits;
    }
  return NULL;
}

/* Receives one announced literal of up to IN_MEMORY_LIMIT bytes whole into
 * memory. */
static GBytes *
receive_bytes (HdMailboxImapReader  *self,
               goffset               size,
               GError              **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self->mailbox));
  g_autoptr (GOutputStream) sink = g_memory_output_stream_new (g_malloc (MAX (size, 1)),
                                                               (gsize) size, NULL, g_free);
  g_autoptr (GError) local_error = NULL;

  if (!hd_curl_session_raw_read_literal (priv->raw_session, size, sink, self->cancellable,
                                         &local_error)
      || !g_output_stream_close (sink, NULL, &local_error))
    {
      hd_mailbox_imap_session_failed (self->mailbox, g_steal_pointer (&local_error), error);
      return NULL;
    }
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (sink));
}

/* Streams one announced literal into a fresh temporary file. On failure the
 * file is gone again. */
static GFile *
receive_file (HdMailboxImapReader  *self,
              goffset               size,
              GError              **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self->mailbox));
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GFile) file = g_file_new_tmp ("helpdesk-mail-XXXXXX.eml", &io, error);
  g_autoptr (GOutputStream) buffered = NULL;
  g_autoptr (GError) local_error = NULL;

  if (file == NULL)
    return NULL;
  /* Into the file in large writes, not one per TLS record. */
  buffered = g_buffered_output_stream_new_sized (g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                                 FILE_BUFFER);
  if (!hd_curl_session_raw_read_literal (priv->raw_session, size, buffered, self->cancellable,
                                         &local_error)
      || !g_output_stream_close (buffered, NULL, &local_error)
      || !g_io_stream_close (G_IO_STREAM (io), NULL, &local_error))
    {
      g_io_stream_close (G_IO_STREAM (io), NULL, NULL);
      g_file_delete (file, NULL, NULL);
      hd_mailbox_imap_session_failed (self->mailbox, g_steal_pointer (&local_error), error);
      return NULL;
    }
  return g_steal_pointer (&file);
}

/* Waits for room in the queue, then queues @arrived; FALSE (and @arrived
 * freed) when the consumer stopped or the fetch was cancelled meanwhile. */
static gboolean
enqueue (HdMailboxImapReader *self,
         Arrived             *arrived)
{
  gsize size = arrived->bytes != NULL ? g_bytes_get_size (arrived->bytes) : 0;
  gboolean queued = FALSE;

  g_mutex_lock (&self->lock);
  while (!self->stop && !g_cancellable_is_cancelled (self->cancellable)
         && self->queue.length > 0
         && (self->queue.length >= QUEUE_MAX_MAILS || self->queued_bytes + size > QUEUE_MAX_BYTES))
    g_cond_wait (&self->cond, &self->lock);
  if (!self->stop && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_queue_push_tail (&self->queue, arrived);
      self->queued_bytes += size;
      g_cond_broadcast (&self->cond);
      queued = TRUE;
    }
  g_mutex_unlock (&self->lock);
  if (!queued)
    arrived_free (arrived);
  return queued;
}

/* Reads the reply up to its tagged status, queueing each mail. */
static gboolean
read_reply (HdMailboxImapReader  *self,
            GError              **error)
{
  HdMailboxPrivate *priv = hd_mailbox_get_private (HD_MAILBOX (self->mailbox));
  gsize tag_length = strlen (self->tag);

  for (;;)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *line = hd_curl_session_raw_read_line (priv->raw_session, 0,
                                                             self->cancellable, &local_error);
      g_autofree char *rest = NULL;
      Arrived *arrived;
      goffset size;

      if (line == NULL)
        return hd_mailbox_imap_session_failed (self->mailbox, g_steal_pointer (&local_error),
                                               error);
      if (strncmp (line, self->tag, tag_length) == 0 && line[tag_length] == ' ')
        {
          const char *status = line + tag_length + 1;

          /* The reply is over either way: the connection takes the next
           * command. Mail the server did not return was deleted meanwhile:
           * left out. */
          self->tagged = TRUE;
          if (g_str_has_prefix (status, "OK"))
            return TRUE;
          g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED, status);
          return FALSE;
        }
      if (!hd_mailbox_imap_literal_size (line, &size))
        continue; /* EXISTS, EXPUNGE, a flag update: nothing to fetch */
      if (g_strrstr (line, "BODY[] {") == NULL)
        {
          /* Another item as a literal: read past it, the line goes on. */
          if (!hd_curl_session_raw_read_literal (priv->raw_session, size, NULL, self->cancellable,
                                                 &local_error))
            return hd_mailbox_imap_session_failed (self->mailbox,
                                                   g_steal_pointer (&local_error), error);
          continue;
        }

      arrived = g_new0 (Arrived, 1);
      if (size <= IN_MEMORY_LIMIT)
        arrived->bytes = receive_bytes (self, size, error);
      else
        arrived->file = receive_file (self, size, error);
      if (arrived->bytes == NULL && arrived->file == NULL)
        {
          arrived_free (arrived);
          return FALSE;
        }
      /* The rest of the response: ")" or more items, "UID" among them when
       * the server put it after the body. */
      rest = hd_curl_session_raw_read_line (priv->raw_session, 0, self->cancellable,
                                            &local_error);
      if (rest == NULL)
        {
          arrived_free (arrived);
          return hd_mailbox_imap_session_failed (self->mailbox, g_steal_pointer (&local_error),
                                                 error);
        }
      arrived->uid = find_uid (line);
      if (arrived->uid == NULL)
        arrived->uid = find_uid (rest);
      if (arrived->uid == NULL)
        arrived_free (arrived); /* no mail that was asked for */
      else if (!enqueue (self, arrived))
        {
          /* The consumer stopped, or the fetch was cancelled. */
          g_cancellable_set_error_if_cancelled (self->cancellable, error);
          return FALSE;
        }
    }
}

static gpointer
reader_thread (gpointer data)
{
  HdMailboxImapReader *self = data;
  GError *error = NULL;

  read_reply (self, &error);
  g_mutex_lock (&self->lock);
  self->done = TRUE;
  self->error = error;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* The caller's cancellable fired, in whatever thread cancelled it. */
static void
outer_cancelled_cb (GCancellable *outer,
                    gpointer      user_data)
{
  HdMailboxImapReader *self = user_data;

  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/**
 * hd_mailbox_imap_reader_start:
 * @mailbox: the mailbox whose raw connection has just sent the command
 * @tag: the command's tag
 * @cancellable: (nullable): the caller's cancellable
 *
 * Starts reading the reply to a `UID FETCH … BODY.PEEK[]` in a thread of its
 * own. Until hd_mailbox_imap_reader_free(), the caller leaves the raw
 * connection to the reader.
 *
 * Returns: (transfer full): the reader
 */
HdMailboxImapReader *
hd_mailbox_imap_reader_start (HdMailboxImap *mailbox,
                              const char    *tag,
                              GCancellable  *cancellable)
{
  HdMailboxImapReader *self = g_new0 (HdMailboxImapReader, 1);

  self->mailbox = mailbox;
  self->tag = g_strdup (tag);
  self->cancellable = g_cancellable_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  if (cancellable != NULL)
    {
      self->outer = g_object_ref (cancellable);
      self->outer_handler = g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled_cb),
                                                   self, NULL);
    }
  self->thread = g_thread_new ("hd-imap-reader", reader_thread, self);
  return self;
}

/**
 * hd_mailbox_imap_reader_next:
 * @out_uid: (out) (transfer full): the UID of the mail
 * @out_bytes: (out) (transfer full) (nullable): the mail, when in memory
 * @out_file: (out) (transfer full) (nullable): the mail, when in a temporary
 *   file, which the caller deletes
 *
 * Waits for the next mail that arrived whole. Mails that arrived before a
 * failure are still handed over; the failure comes after them.
 *
 * Returns: %TRUE with a mail; %FALSE at the end of the reply, with @error
 *   when it failed
 */
gboolean
hd_mailbox_imap_reader_next (HdMailboxImapReader  *self,
                             char                **out_uid,
                             GBytes              **out_bytes,
                             GFile               **out_file,
                             GError              **error)
{
  Arrived *arrived;

  g_mutex_lock (&self->lock);
  while (self->queue.length == 0 && !self->done)
    g_cond_wait (&self->cond, &self->lock);
  arrived = g_queue_pop_head (&self->queue);
  if (arrived != NULL)
    {
      if (arrived->bytes != NULL)
        self->queued_bytes -= g_bytes_get_size (arrived->bytes);
      g_cond_broadcast (&self->cond);
    }
  else if (self->error != NULL)
    g_propagate_error (error, g_steal_pointer (&self->error));
  g_mutex_unlock (&self->lock);

  if (arrived == NULL)
    return FALSE;
  *out_uid = g_steal_pointer (&arrived->uid);
  *out_bytes = g_steal_pointer (&arrived->bytes);
  *out_file = g_steal_pointer (&arrived->file);
  g_free (arrived);
  return TRUE;
}

/**
 * hd_mailbox_imap_reader_free:
 *
 * Stops the reader when it has not reached the end of the reply (the
 * connection then goes, as the rest of the reply is still on its way),
 * waits for its thread, and frees what it queued.
 *
 * Returns: whether the reply was read to its tagged status, so that the
 *   connection can take the next command
 */
gboolean
hd_mailbox_imap_reader_free (HdMailboxImapReader *self)
{
  gboolean clean;

  g_mutex_lock (&self->lock);
  self->stop = TRUE;
  if (!self->done)
    g_cancellable_cancel (self->cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_thread_join (self->thread);
  if (self->outer != NULL)
    g_cancellable_disconnect (self->outer, self->outer_handler);
  g_clear_object (&self->outer);

  clean = self->tagged;
  if (!clean)
    hd_mailbox_imap_abandon (self->mailbox);
  g_queue_clear_full (&self->queue, (GDestroyNotify) arrived_free);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->tag);
  g_free (self);
  return clean;
}
