/* hd-poll-job.c
 *
 * Exactly once, in the order DESIGN.md draws it: a mail is fetched (into
 * memory, a large one to a temporary file), parsed, and handed to HdIngest, which writes it with its
 * receipt and its log event in one savepoint of the open batch; only after
 * that batch's COMMIT is the mail deleted on the server, and only after the
 * delete is final (IMAP EXPUNGE, POP3 QUIT) is its receipt marked deleted. A
 * crash between any two steps leaves each mail either on the server without
 * a receipt (read again) or with one (never imported twice; its delete is
 * retried).
 *
 * The job runs on its own store connection, opened in the thread that runs
 * it, so that polls of several accounts can run on worker threads at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "hd-auto-answer.h"
#include "hd-ingest.h"
#include "hd-message.h"
#include "hd-store-batch.h"
#include "hd-store-health.h"

#define DEFAULT_BATCH_SIZE 50

/* A poll's transcript keeps the login and the latest commands: the 512 KiB
 * of a connection check would fill only after thousands of mails, so that
 * the poll's peak memory would grow with the mailbox up to there. */
#define POLL_TRANSCRIPT_LIMIT (32 * 1024)

enum {
  SIGNAL_PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HdPollJob, hd_poll_job, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-poll-error-quark, hd_poll_error)

void
hd_poll_job_note_error (HdPollJob  *self,
            const char *message)
{
  hd_poll_result_add_error (self->result, message);
}

typedef struct {
  HdPollJob *job;
  guint done;
  guint total;
} Progress;

static gboolean
emit_progress_cb (gpointer data)
{
  Progress *progress = data;

  g_signal_emit (progress->job, signals[SIGNAL_PROGRESS], 0, progress->done, progress->total);
  g_object_unref (progress->job);
  g_free (progress);
  return G_SOURCE_REMOVE;
}

/* "Mail n of m", on the main context of whoever started the run. */
void
hd_poll_job_report_progress (HdPollJob *self,
                 guint      done,
                 guint      total)
{
  Progress *progress = g_new0 (Progress, 1);

  progress->job = g_object_ref (self);
  progress->done = done;
  progress->total = total;
  if (self->progress_context != NULL)
    g_main_context_invoke (self->progress_context, emit_progress_cb, progress);
  else
    emit_progress_cb (progress);
}

/* Holds an exclusive lock for the account for as long as the fd is open:
 * a second poll, in this process or another, fails at once instead of
 * importing the same mail twice. The kernel drops the lock if we crash. */
static int
lock_account (HdPollJob *self,
              GError   **error)
{
  g_autofree char *path = g_strdup_printf ("%s.poll-%" G_GINT64_FORMAT ".lock", self->db_path,
                                           self->account_id);
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not open the lock file %s: %s"), path, g_strerror (saved_errno));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      g_set_error (error, HD_POLL_ERROR, HD_POLL_ERROR_BUSY,
                   _("A poll of “%s” is already running"), hd_account_get_name (self->account));
      return -1;
    }
  return fd;
}

char *
hd_poll_job_server_key (guint32     uidvalidity,
                        const char *uid)
{
  if (uidvalidity == 0)
    return g_strdup (uid);
  return g_strdup_printf ("%u/%s", uidvalidity, uid);
}

/* The handle under which the mail of receipt @key was listed in this
 * session, or NULL when it was not. A server key is the handle itself, after
 * the UIDVALIDITY for IMAP (hd_poll_job_server_key()), and is looked up in
 * the compact listing; only mail keyed by its content, which is rare, has a
 * table entry of its own. No per-mail table of all keys, so that a poll of
 * 20,000 mails takes no more memory than one of 500. */
const char *
hd_poll_job_handle_for_key (HdPollJob  *self,
                            const char *key)
{
  const char *handle = g_hash_table_lookup (self->content_handles, key);

  if (handle != NULL || self->listed == NULL)
    return handle;
  if (self->uidvalidity != 0)
    {
      char prefix[16];
      int len = g_snprintf (prefix, sizeof prefix, "%u/", self->uidvalidity);

      if (strncmp (key, prefix, len) != 0)
        return NULL;
      key += len;
    }
  handle = hd_handles_lookup (self->listed, key);
  if (handle == NULL || hd_mailbox_handle_needs_content_key (self->mailbox, handle, NULL))
    return NULL;
  return handle;
}

static void
send_answers (HdPollJob    *self,
              GCancellable *cancellable)
{
  for (guint i = 0; i < self->batch_answers->len; i++)
    {
      HdAutoAnswerRequest *request = self->batch_answers->pdata[i];
      g_autoptr (GError) answer_error = NULL;

      if (!hd_ingest_may_send_now (self->ingest, request))
        continue;
      if (!hd_auto_answer_send_sync (self->store, self->account, request, cancellable,
                                     &answer_error))
        hd_poll_job_note_error (self, answer_error->message);
    }
  g_ptr_array_set_size (self->batch_answers, 0);
}

/* Commits the batch; its mail is then to be deleted on the server. When the
 * COMMIT fails, nothing of the batch was stored: its mail stays on the
 * server, unanswered, and is read again next poll. */
static gboolean
commit_batch (HdPollJob  *self,
              GError    **error)
{
  HdPollCounts *counts = &self->result->counts;

  if (self->batch != NULL)
    {
      g_autoptr (HdStoreBatch) batch = g_steal_pointer (&self->batch);

      if (!hd_store_batch_commit (batch, error))
        {
          counts->imported -= self->batch_imported;
          counts->skipped -= self->batch_skipped;
          counts->failed += self->batch_imported + self->batch_skipped;
          self->batch_count = self->batch_imported = self->batch_skipped = 0;
          g_ptr_array_set_size (self->batch_keys, 0);
          g_ptr_array_set_size (self->batch_answers, 0);
          g_prefix_error (error, _("The database could not store the last mails, which stay on "
                                   "the server: "));
          return FALSE;
        }
    }
  self->batch_count = self->batch_imported = self->batch_skipped = 0;

  for (guint i = 0; i < self->batch_keys->len; i++)
    g_ptr_array_add (self->delete_keys, g_strdup (self->batch_keys->pdata[i]));
  g_ptr_array_set_size (self->batch_keys, 0);
  return TRUE;
}

/* What follows the COMMITs so far: their mail is deleted on the server,
 * and their auto-answers are sent. Between two batched fetches, never
 * during one, whose reply may still be arriving on the connection. */
void
hd_poll_job_settle (HdPollJob    *self,
                    GCancellable *cancellable)
{
  hd_poll_job_send_deletes (self, cancellable);

  /* What this batch fetched and keeps on the server stays unseen. */
  {
    g_autoptr (GError) seen_error = NULL;

    if (!hd_mailbox_restore_seen_sync (self->mailbox, cancellable, &seen_error))
      hd_poll_job_note_error (self, seen_error->message);
  }

  send_answers (self, cancellable);
}

/* Commits the batch, then deletes its mail on the server, then sends its
 * auto-answers. */
static gboolean
flush_batch (HdPollJob    *self,
             GCancellable *cancellable,
             GError      **error)
{
  if (!commit_batch (self, error))
    return FALSE;
  hd_poll_job_settle (self, cancellable);
  return TRUE;
}

static void
count (HdPollJob       *self,
       HdIngestCounted  counted)
{
  HdPollCounts *counts = &self->result->counts;

  switch (counted)
    {
    case HD_INGEST_COUNTED_IMPORTED:
      counts->imported++;
      self->batch_imported++;
      break;
    case HD_INGEST_COUNTED_SKIPPED:
      counts->skipped++;
      self->batch_skipped++;
      break;
    case HD_INGEST_COUNTED_FAILED:
    default:
      counts->failed++;
      break;
    }
}

/* Hands one parsed mail, in memory (@bytes) or in a file (@file), to the
 * ingest, in the open batch (begun here when none is); a mail that could
 * not be parsed (@message NULL, @parse_error says why) is logged as such.
 * A full batch is committed, and its deletes wait for hd_poll_job_settle().
 * Returns FALSE only when the batch failed: the poll stops there. */
gboolean
hd_poll_job_ingest_parsed (HdPollJob   *self,
                           const char  *key,
                           GBytes      *bytes,
                           GFile       *file,
                           HdMessage   *message,
                           GError      *parse_error,
                           GError     **error)
{
  HdIngestOutcome outcome = { 0 };

  g_assert ((bytes == NULL) != (file == NULL));
  g_assert ((message == NULL) != (parse_error == NULL));

  if (self->batch == NULL)
    {
      self->batch = hd_store_batch_begin (self->store, error);
      if (self->batch == NULL)
        return FALSE;
    }

  if (message == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("could not read the mail: %s"),
                                                 parse_error->message);

      count (self, HD_INGEST_COUNTED_FAILED);
      return hd_ingest_record_failure (self->ingest, self->batch, key, bytes, file, reason,
                                       error);
    }

  if (!hd_ingest_process (self->ingest, self->batch, message, key, bytes, file, &outcome, error))
    return FALSE;

  count (self, outcome.counted);
  if (outcome.delete)
    g_ptr_array_add (self->batch_keys, g_strdup (key));
  if (outcome.auto_answer != NULL)
    g_ptr_array_add (self->batch_answers, g_steal_pointer (&outcome.auto_answer));
  hd_ingest_outcome_clear (&outcome);

  if (++self->batch_count >= self->batch_size)
    return commit_batch (self, error);
  return TRUE;
}

/* Parses one fetched mail and hands it to the ingest; see
 * hd_poll_job_ingest_parsed(). */
gboolean
hd_poll_job_ingest (HdPollJob   *self,
                    const char  *key,
                    GBytes      *bytes,
                    GFile       *file,
                    GError     **error)
{
  g_autoptr (HdMessage) message = NULL;
  g_autoptr (GError) parse_error = NULL;

  message = bytes != NULL ? hd_message_new_from_bytes (bytes, &parse_error)
                          : hd_message_new_from_file (g_file_peek_path (file), &parse_error);
  return hd_poll_job_ingest_parsed (self, key, bytes, file, message, parse_error, error);
}

static HdMailbox *
default_factory (HdAccount           *account,
                 const HdCredentials *credentials,
                 gpointer             user_data)
{
  return hd_mailbox_new (account, (HdMailboxAuth) credentials->kind, credentials->secret);
}

static gboolean
open_mailbox (HdPollJob     *self,
              gboolean       force_refresh,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr (HdAccounts) accounts = hd_accounts_new (self->store);
  g_autoptr (HdCredentials) credentials = NULL;

  /* Nobody may be there to answer a keyring prompt. */
  credentials = hd_accounts_get_credentials_full_sync (accounts, self->account,
                                                       HD_CREDENTIALS_UNATTENDED, force_refresh,
                                                       cancellable, error);
  if (credentials == NULL)
    return FALSE;
  self->mailbox = self->factory (self->account, credentials, self->factory_data);
  hd_mailbox_set_defer_seen_restore (self->mailbox, TRUE);
  hd_mailbox_set_transcript_limit (self->mailbox, POLL_TRANSCRIPT_LIMIT);
  return TRUE;
}

static gboolean
poll_mailbox (HdPollJob    *self,
              GCancellable *cancellable,
              GError      **error)
{
  guint32 uidvalidity = 0;
  gboolean listed;

  if (!open_mailbox (self, FALSE, cancellable, error))
    return FALSE;
  /* An OAuth access token refused before it expired (revoked, or expired
   * early): once more with a fresh one (hd-oauth). */
  listed = hd_mailbox_list_handles_sync (self->mailbox, &uidvalidity, &self->listed, cancellable,
                                         error);
  if (!listed && hd_account_get_oauth_connection (self->account) != NULL
      && g_error_matches (*error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED))
    {
      hd_mailbox_close (self->mailbox);
      g_clear_object (&self->mailbox);
      g_clear_error (error);
      if (!open_mailbox (self, TRUE, cancellable, error))
        return FALSE;
      listed = hd_mailbox_list_handles_sync (self->mailbox, &uidvalidity, &self->listed,
                                             cancellable, error);
    }
  if (!listed)
    {
      hd_mailbox_close (self->mailbox);
      return FALSE;
    }
  self->uidvalidity = uidvalidity;
  self->result->counts.listed = hd_handles_get_length (self->listed);

  hd_poll_job_retry_pending_deletes (self);

  if (!hd_poll_job_fetch_all (self, hd_handles_peek_strv (self->listed), uidvalidity,
                              cancellable, error))
    {
      /* Keep what this batch stored: commit it before giving up. The
       * deletes and answers of a cancelled poll wait for the next. */
      g_autoptr (GError) flush_error = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        self->deletes_stopped = TRUE;
      if (!flush_batch (self, NULL, &flush_error))
        hd_poll_job_note_error (self, flush_error->message);
      hd_poll_job_finish_session (self, NULL);
      return FALSE;
    }

  if (!flush_batch (self, cancellable, error))
    {
      hd_poll_job_finish_session (self, NULL);
      return FALSE;
    }
  hd_poll_job_finish_session (self, cancellable);
  return TRUE;
}

static void
reset_run (HdPollJob *self)
{
  if (self->batch != NULL)
    hd_store_batch_rollback (self->batch);
  g_clear_object (&self->batch);
  g_clear_object (&self->mailbox);
  g_clear_object (&self->ingest);
  g_clear_object (&self->store);
  g_clear_pointer (&self->listed, hd_handles_unref);
  g_hash_table_remove_all (self->content_handles);
  self->uidvalidity = 0;
  g_ptr_array_set_size (self->batch_keys, 0);
  g_ptr_array_set_size (self->batch_answers, 0);
  g_ptr_array_set_size (self->delete_keys, 0);
  g_ptr_array_set_size (self->finish_keys, 0);
  self->batch_count = self->batch_imported = self->batch_skipped = 0;
  self->deletes_stopped = FALSE;
  self->account_id = 0;
}

static void
run_in_thread_cb (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  HdPollResult *result = hd_poll_job_run_sync (source_object, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) hd_poll_result_unref);
}

static void
hd_poll_job_finalize (GObject *object)
{
  HdPollJob *self = HD_POLL_JOB (object);

  reset_run (self);
  g_clear_pointer (&self->db_path, g_free);
  g_clear_object (&self->account);
  g_clear_pointer (&self->progress_context, g_main_context_unref);
  g_clear_pointer (&self->result, hd_poll_result_unref);
  g_clear_pointer (&self->content_handles, g_hash_table_unref);
  g_clear_pointer (&self->batch_keys, g_ptr_array_unref);
  g_clear_pointer (&self->batch_answers, g_ptr_array_unref);
  g_clear_pointer (&self->delete_keys, g_ptr_array_unref);
  g_clear_pointer (&self->finish_keys, g_ptr_array_unref);

  G_OBJECT_CLASS (hd_poll_job_parent_class)->finalize (object);
}

static void
hd_poll_job_class_init (HdPollJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hd_poll_job_finalize;

  /**
   * HdPollJob::progress:
   * @done: the mail being read now, counted from 1
   * @total: how many mails the server listed
   *
   * Emitted for each listed mail, on the main context of whoever started
   * the run (the thread-default one at hd_poll_job_run_async()).
   */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
hd_poll_job_init (HdPollJob *self)
{
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->factory = default_factory;
  self->content_handles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->batch_keys = g_ptr_array_new_with_free_func (g_free);
  self->batch_answers = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_auto_answer_request_free);
  self->delete_keys = g_ptr_array_new_with_free_func (g_free);
  self->finish_keys = g_ptr_array_new_with_free_func (g_free);
}

/**
 * hd_poll_job_new:
 * @store: the database to poll into; the job opens a connection of its own
 *   to the same file in the thread that runs it
 * @account: the account to poll; it is copied
 *
 * Returns: (transfer full): a job that can run once or several times
 */
HdPollJob *
hd_poll_job_new (HdStore   *store,
                 HdAccount *account)
{
  HdPollJob *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  self = g_object_new (HD_TYPE_POLL_JOB, NULL);
  self->db_path = g_strdup (hd_store_get_path (store));
  self->account = hd_account_copy (account);
  return self;
}

/**
 * hd_poll_job_set_batch_size:
 *
 * How many mails one transaction (one fsync) holds before its mail is
 * deleted on the server.
 */
void
hd_poll_job_set_batch_size (HdPollJob *self,
                            guint      batch_size)
{
  g_return_if_fail (HD_IS_POLL_JOB (self));
  self->batch_size = MAX (batch_size, 1);
}

/**
 * hd_poll_job_set_mailbox_factory:
 *
 * Replaces hd_mailbox_new() as the maker of the mailbox a run reads.
 */
void
hd_poll_job_set_mailbox_factory (HdPollJob            *self,
                                 HdPollMailboxFactory  factory,
                                 gpointer              user_data)
{
  g_return_if_fail (HD_IS_POLL_JOB (self));
  self->factory = factory != NULL ? factory : default_factory;
  self->factory_data = user_data;
}

/**
 * hd_poll_job_run_sync:
 *
 * Polls the account once and records the run with its counts and errors.
 * Cancelling stops before the next mail: what was stored is committed, and
 * its deletes wait for the next poll.
 *
 * Returns: (transfer full) (nullable): what the run did — also when it failed
 *   as a whole (no connection, login refused): see hd_poll_result_get_ok() —
 *   or %NULL with @error when it could not run at all (another poll of the
 *   account is running, the account or the database is gone)
 */
HdPollResult *
hd_poll_job_run_sync (HdPollJob     *self,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 started = g_get_monotonic_time ();
  g_autofree char *joined = NULL;
  gint64 run_id;
  int lock_fd;

  g_return_val_if_fail (HD_IS_POLL_JOB (self), NULL);

  reset_run (self);
  g_clear_pointer (&self->result, hd_poll_result_unref);
  self->result = hd_poll_result_new ();

  self->store = hd_store_open (self->db_path, error);
  if (self->store == NULL)
    return NULL;
  self->account_id = hd_store_get_account_id (self->store, hd_account_get_name (self->account),
                                              error);
  if (self->account_id == 0)
    return NULL;
  lock_fd = lock_account (self, error);
  if (lock_fd < 0)
    return NULL;

  if (!hd_store_interrupt_poll_runs (self->store, self->account_id, error)
      || (run_id = hd_store_begin_poll_run (self->store, self->account_id, error)) == 0)
    {
      close (lock_fd);
      return NULL;
    }
  self->result->run_id = run_id;

  self->ingest = hd_ingest_new (self->store, self->account, run_id, &local_error);
  self->result->ok = self->ingest != NULL && poll_mailbox (self, cancellable, &local_error);
  if (!self->result->ok)
    {
      self->result->failure = g_strdup (local_error->message);
      hd_poll_job_note_error (self, local_error->message);
    }

  /* How the account fares, for the window and the poller's tray: kept until
   * a poll or a check says otherwise. */
  if (!hd_store_record_health (self->store, self->account_id,
                               self->result->ok ? HD_HEALTH_OK
                               : g_error_matches (local_error, HD_ACCOUNTS_ERROR,
                                                  HD_ACCOUNTS_ERROR_SIGN_IN_REQUIRED)
                               ? HD_HEALTH_SIGN_IN_REQUIRED : HD_HEALTH_FAILING,
                               self->result->failure, TRUE, NULL))
    g_debug ("Could not record the health of %s", hd_account_get_name (self->account));
  g_clear_error (&local_error);
  joined = g_strjoinv ("; ", (GStrv) self->result->errors->pdata);
  if (!hd_store_finish_poll_run (self->store, run_id, self->result->ok ? "ok" : "failed",
                                 &self->result->counts,
                                 (g_get_monotonic_time () - started) / 1000,
                                 *joined != '\0' ? joined : NULL, &local_error))
    hd_poll_job_note_error (self, local_error->message);
  close (lock_fd);
  reset_run (self);
  return hd_poll_result_ref (self->result);
}

/**
 * hd_poll_job_run_async:
 * @self: a job that is not running
 *
 * Runs hd_poll_job_run_sync() on a worker thread; ::progress is emitted on
 * the thread-default main context of the caller.
 */
void
hd_poll_job_run_async (HdPollJob           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (HD_IS_POLL_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_clear_pointer (&self->progress_context, g_main_context_unref);
  self->progress_context = g_main_context_ref_thread_default ();
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_poll_job_run_async);
  g_task_run_in_thread (task, run_in_thread_cb);
}

HdPollResult *
hd_poll_job_run_finish (HdPollJob     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (HD_IS_POLL_JOB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_poll_job_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
