/* hd-poll-job-fetch.c: the fetch of a poll: which listed mail to read, in
 * batches that the mailbox fetches with one command each
 * (hd_mailbox_fetch_batch_sync()), each mail handed to the ingest as soon
 * as it arrived whole while the next ones are still on their way; and the
 * content key of a mail whose server key names no single mail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

#include <glib/gi18n-lib.h>

/* The key of a mail whose server key names no single mail (a UIDL listed
 * twice, or reused for a new mail): its UIDL and a hash of its bytes; a mail
 * in a file is read through in pieces so that a big mail is never held
 * whole. */
static char *
content_key (const char *base,
             GBytes     *bytes,
             GFile      *file)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);

  if (bytes != NULL)
    {
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (bytes, &size);

      g_checksum_update (checksum, data, size);
    }
  else
    {
      g_autoptr (GFileInputStream) input = g_file_read (file, NULL, NULL);
      guint8 buffer[64 * 1024];
      gssize n;

      if (input == NULL)
        return NULL;
      while ((n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer, NULL,
                                       NULL)) > 0)
        g_checksum_update (checksum, buffer, n);
      if (n < 0)
        return NULL;
    }
  return g_strdup_printf ("%s#%.32s", base, g_checksum_get_string (checksum));
}

/* How many mails one batched fetch asks for: their deletes and auto-answers
 * go out after it, and a connection that breaks loses at most the one mail
 * in flight. Each chunk costs a round trip for its deletes and one for the
 * next FETCH; 500 rather than 100 took 7-8 % off a 2,000-mail poll
 * (bench/ingest, side by side on a quiet machine), while the reader's queue
 * keeps memory bounded whatever the chunk. */
#define FETCH_CHUNK 500

typedef struct {
  char *key;  /* NULL: keyed by its content, as @base + a hash */
  char *base;
} Wanted;

/* How many mails in memory may be parsed ahead of the one being stored. */
#define PARSE_AHEAD 2

typedef struct {
  HdPollJob *job;
  GHashTable *wanted; /* handle → Wanted, until the mail is handed over */
  HdPollParser *parser;
  guint done;
  guint total;
  gboolean job_failed; /* the error is the ingest's, not the connection's */
} Run;

static void
wanted_free (gpointer data)
{
  Wanted *wanted = data;

  g_free (wanted->key);
  g_free (wanted->base);
  g_free (wanted);
}

/* The key of a mail whose handle names no single mail; NULL (and nothing to
 * store) when this very mail is known already. */
static gboolean
own_content_key (HdPollJob   *self,
                 const char  *uid,
                 const char  *base,
                 GBytes      *bytes,
                 GFile       *file,
                 char       **out_key,
                 GError     **error)
{
  g_autofree char *key = content_key (base, bytes, file);

  *out_key = NULL;
  if (key == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not read back mail %s, which stays on the server"), base);
      return FALSE;
    }
  g_hash_table_replace (self->content_handles, g_strdup (key), g_strdup (uid));
  switch (hd_store_lookup_receipt (self->store, self->account_id, key))
    {
    case HD_RECEIPT_NONE:
      *out_key = g_steal_pointer (&key);
      return TRUE;
    case HD_RECEIPT_DELETE_PENDING:
    case HD_RECEIPT_DELETED:
      /* This very mail is stored: it goes, by the handle of this session. */
      g_ptr_array_add (self->delete_keys, g_steal_pointer (&key));
      return TRUE;
    case HD_RECEIPT_KEPT:
    default:
      return TRUE;
    }
}

/* Stores the parsed mails, oldest first, until at most @keep wait. */
static gboolean
store_parsed (Run     *run,
              guint    keep,
              GError **error)
{
  while (hd_poll_parser_get_pending (run->parser) > keep)
    {
      g_autofree char *key = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (HdMessage) message = NULL;
      g_autoptr (GError) parse_error = NULL;

      hd_poll_parser_pop (run->parser, &key, &bytes, &message, &parse_error);
      if (!hd_poll_job_ingest_parsed (run->job, key, bytes, NULL, message, parse_error, error))
        {
          run->job_failed = TRUE;
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
fetched_cb (HdMailbox   *mailbox,
            const char  *uid,
            GBytes      *bytes,
            GFile       *file,
            gpointer     user_data,
            GError     **error)
{
  Run *run = user_data;
  HdPollJob *self = run->job;
  Wanted *wanted = g_hash_table_lookup (run->wanted, uid);
  g_autofree char *key = NULL;

  if (wanted == NULL)
    return TRUE; /* handed over twice: the first one counted */
  hd_poll_job_report_progress (self, ++run->done, run->total);
  if (wanted->key != NULL)
    key = g_strdup (wanted->key);
  /* Whether this very mail is known already is asked of the store: what
   * was parsed ahead is stored first, as it may be this mail again. */
  else if (!store_parsed (run, 0, error))
    return FALSE;
  else if (!own_content_key (self, uid, wanted->base, bytes, file, &key, error))
    {
      run->job_failed = TRUE;
      return FALSE;
    }
  g_hash_table_remove (run->wanted, uid);
  if (key == NULL)
    return TRUE;
  /* A mail in memory is parsed on the parser's thread while the ones
   * before it are stored here; a mail in a file is parsed in place, after
   * them, before the mailbox deletes its file. */
  if (bytes != NULL)
    {
      hd_poll_parser_push (run->parser, key, bytes);
      return store_parsed (run, PARSE_AHEAD, error);
    }
  if (!store_parsed (run, 0, error))
    return FALSE;
  if (!hd_poll_job_ingest (self, key, NULL, file, error))
    {
      run->job_failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* Whether listed mail @uid is to be read, and under which key; mail that
 * is not is done with here. */
static Wanted *
classify (HdPollJob  *self,
          const char *uid,
          guint32     uidvalidity)
{
  g_autofree char *base = NULL;
  g_autofree char *key = NULL;
  Wanted *wanted;

  if (hd_mailbox_handle_needs_content_key (self->mailbox, uid, &base))
    {
      wanted = g_new0 (Wanted, 1);
      wanted->base = g_steal_pointer (&base);
      return wanted;
    }

  key = hd_poll_job_server_key (uidvalidity, uid);
  switch (hd_store_lookup_receipt (self->store, self->account_id, key))
    {
    case HD_RECEIPT_NONE:
      wanted = g_new0 (Wanted, 1);
      wanted->key = g_steal_pointer (&key);
      return wanted;
    case HD_RECEIPT_DELETED:
      /* Marked deleted, yet listed again. A POP3 server may give a new mail
       * the UIDL of one that is gone: read it and key it by its content,
       * never delete it unread. An IMAP UID is never reused, so that mail is
       * ours and goes again. */
      if (hd_mailbox_get_keys_may_be_reused (self->mailbox))
        {
          wanted = g_new0 (Wanted, 1);
          wanted->base = g_strdup (uid);
          return wanted;
        }
      g_ptr_array_add (self->delete_keys, g_steal_pointer (&key));
      return NULL;
    case HD_RECEIPT_KEPT:
    case HD_RECEIPT_DELETE_PENDING:
    default:
      return NULL;
    }
}

/* Reads the listed mail that has no receipt yet, a batch at a time; the
 * deletes and auto-answers of what was committed follow each batch. */
static gboolean
fetch_chunks (Run                *run,
              const char * const *uids,
              guint32             uidvalidity,
              GCancellable       *cancellable,
              GError            **error)
{
  HdPollJob *self = run->job;
  guint next = 0;

  while (uids[next] != NULL)
    {
      g_autoptr (GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                             wanted_free);
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();
      g_autoptr (GError) local_error = NULL;
      gboolean ok;

      for (; uids[next] != NULL && batch->len < FETCH_CHUNK; next++)
        {
          Wanted *one;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (g_hash_table_contains (wanted, uids[next])
              || (one = classify (self, uids[next], uidvalidity)) == NULL)
            {
              hd_poll_job_report_progress (self, ++run->done, run->total);
              continue;
            }
          g_hash_table_insert (wanted, (gpointer) uids[next], one);
          g_ptr_array_add (batch, (gpointer) uids[next]);
        }
      if (batch->len == 0)
        continue;
      g_ptr_array_add (batch, NULL);

      run->wanted = wanted;
      run->job_failed = FALSE;
      ok = hd_mailbox_fetch_batch_sync (self->mailbox, (const char * const *) batch->pdata,
                                        fetched_cb, run, cancellable, &local_error);
      run->wanted = NULL;
      /* The mails handed over arrived whole, also when the connection broke
       * after them: they are stored, unless the poll was cancelled or the
       * store itself failed. */
      if ((ok || !run->job_failed) && !g_cancellable_is_cancelled (cancellable))
        {
          g_autoptr (GError) store_error = NULL;

          if (!store_parsed (run, 0, &store_error))
            {
              g_propagate_error (error, g_steal_pointer (&store_error));
              return FALSE;
            }
        }
      if (!ok)
        {
          const char *first = NULL;

          for (guint i = 0; first == NULL && batch->pdata[i] != NULL; i++)
            {
              Wanted *left = g_hash_table_lookup (wanted, batch->pdata[i]);

              if (left != NULL)
                first = left->key != NULL ? left->key : left->base;
            }
          if (run->job_failed || first == NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                        _("The connection failed while fetching mail %s, "
                                          "which stays on the server: "), first);
          return FALSE;
        }
      /* What the server no longer has was deleted by someone else meanwhile. */
      for (guint i = 0; i < g_hash_table_size (wanted); i++)
        hd_poll_job_report_progress (self, ++run->done, run->total);
      hd_poll_job_settle (self, cancellable);
    }
  /* A poll cancelled during its last deletes is a cancelled poll all the
   * same: what is left waits for the next. */
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Reads the listed mail that has no receipt yet, each mail in memory
 * parsed ahead of the store (hd-poll-job-parse.c). Returns FALSE when the
 * session or the store failed: the poll stops. */
gboolean
hd_poll_job_fetch_all (HdPollJob          *self,
                       const char * const *uids,
                       guint32             uidvalidity,
                       GCancellable       *cancellable,
                       GError            **error)
{
  Run run = { self, NULL, NULL, 0, g_strv_length ((GStrv) uids), FALSE };
  gboolean ok;

  run.parser = hd_poll_parser_new ();
  ok = fetch_chunks (&run, uids, uidvalidity, cancellable, error);
  /* What was parsed and not stored (a cancelled poll, a failed store) stays
   * on the server. */
  hd_poll_parser_free (run.parser);
  return ok;
}
