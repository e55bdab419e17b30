/* hd-poll-job.c
 *
 * Exactly once, in the order DESIGN.md draws it: a mail is fetched to a
 * temporary file, parsed, decided and written with its receipt inside a
 * batch transaction; only after that COMMIT is it deleted on the server,
 * and only after the delete is its receipt marked deleted. A crash between
 * any two steps leaves each mail either on the server without a receipt
 * (read again) or with one (never imported twice; its delete is retried).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-poll-job.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "hd-auto-answer.h"
#include "hd-ingest.h"
#include "hd-mailbox.h"
#include "hd-message.h"
#include "hd-secrets.h"

#define DEFAULT_BATCH_SIZE 50

struct _HdPollJob
{
  GObject parent_instance;

  HdStore *store;
  HdAccount *account;
  gint64 account_id;
  gint64 run_id;
  guint batch_size;
  HdPollCounts counts;

  HdMailbox *mailbox;
  GHashTable *uid_by_key;  /* server key → the mailbox's handle (UID, UIDL) */
  GPtrArray *batch_keys;   /* stored in the open transaction, to delete once it commits */
  GPtrArray *batch_answers; /* HdAutoAnswerRequest, sent after the commit */
  guint batch_count;
  guint batch_imported;
  guint batch_skipped;
  GPtrArray *delete_keys;  /* committed receipts whose mail is to go now */
  GPtrArray *finish_keys;  /* deleted on the server once the session finishes (POP3 QUIT) */
  gboolean deletes_stopped; /* a delete failed: the rest wait for the next poll */
  GString *errors;
};

G_DEFINE_FINAL_TYPE (HdPollJob, hd_poll_job, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-poll-error-quark, hd_poll_error)

static void
note_error (HdPollJob  *self,
            const char *message)
{
  if (self->errors->len > 0)
    g_string_append (self->errors, "; ");
  g_string_append (self->errors, message);
}

/* Holds an exclusive lock for the account for as long as the fd is open:
 * a second poll, in this process or another, fails at once instead of
 * importing the same mail twice. The kernel drops the lock if we crash. */
static int
lock_account (HdPollJob *self,
              GError   **error)
{
  g_autofree char *path = g_strdup_printf ("%s.poll-%" G_GINT64_FORMAT ".lock",
                                           hd_store_get_path (self->store), self->account_id);
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

static char *
server_key (guint32     uidvalidity,
            const char *uid)
{
  if (uidvalidity == 0)
    return g_strdup (uid);
  return g_strdup_printf ("%u/%s", uidvalidity, uid);
}

static gboolean
record_event (HdPollJob         *self,
              const HdPollEvent *event)
{
  g_autoptr (GError) error = NULL;

  if (!hd_store_add_poll_event (self->store, self->run_id, event, &error))
    {
      note_error (self, error->message);
      return FALSE;
    }
  return TRUE;
}

static void
mark_deleted (HdPollJob *self,
              GPtrArray *keys)
{
  g_autoptr (GError) error = NULL;

  if (keys->len == 0)
    return;
  g_ptr_array_add (keys, NULL);
  if (hd_store_mark_deleted (self->store, self->account_id, (const char *const *) keys->pdata,
                             &error))
    self->counts.deleted += keys->len - 1;
  else
    note_error (self, error->message);
  g_ptr_array_set_size (keys, 0);
}

/* Deletes on the server the mail of receipts that a COMMIT of this session
 * wrote (or an earlier poll left pending), by the handle it was listed
 * under. Once a delete fails, the others wait for the next poll. */
static void
send_deletes (HdPollJob    *self,
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
    g_ptr_array_add (uids, g_hash_table_lookup (self->uid_by_key, self->delete_keys->pdata[i]));
  g_ptr_array_add (uids, NULL);

  /* A failed delete loses nothing: the receipts stay pending and the next
   * poll tries again. */
  if (!hd_mailbox_delete_sync (self->mailbox, (const char *const *) uids->pdata, cancellable,
                               &delete_error))
    {
      note_error (self, delete_error->message);
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
    mark_deleted (self, self->delete_keys);
}

/* Commits the batch, then deletes its mail on the server, then sends its
 * auto-answers. When the COMMIT fails, nothing of the batch was stored:
 * its mail stays on the server, unanswered, and is read again next poll. */
static gboolean
flush_batch (HdPollJob    *self,
             GCancellable *cancellable,
             GError      **error)
{
  if (hd_store_in_transaction (self->store) && !hd_store_commit (self->store, error))
    {
      hd_store_rollback (self->store);
      self->counts.imported -= self->batch_imported;
      self->counts.skipped -= self->batch_skipped;
      self->counts.failed += self->batch_imported + self->batch_skipped;
      self->batch_count = self->batch_imported = self->batch_skipped = 0;
      g_ptr_array_set_size (self->batch_keys, 0);
      g_ptr_array_set_size (self->batch_answers, 0);
      g_prefix_error (error, _("The database could not store the last mails, which stay on "
                               "the server: "));
      return FALSE;
    }
  self->batch_count = self->batch_imported = self->batch_skipped = 0;

  for (guint i = 0; i < self->batch_keys->len; i++)
    g_ptr_array_add (self->delete_keys, g_strdup (self->batch_keys->pdata[i]));
  g_ptr_array_set_size (self->batch_keys, 0);
  send_deletes (self, cancellable);

  /* What this batch fetched and keeps on the server stays unseen. */
  {
    g_autoptr (GError) seen_error = NULL;

    if (!hd_mailbox_restore_seen_sync (self->mailbox, cancellable, &seen_error))
      note_error (self, seen_error->message);
  }

  for (guint i = 0; i < self->batch_answers->len; i++)
    {
      HdAutoAnswerRequest *request = self->batch_answers->pdata[i];
      g_autoptr (GError) answer_error = NULL;

      if (!hd_ingest_under_daily_cap (self->store, request->to_address, NULL))
        continue;
      if (!hd_auto_answer_send_sync (self->store, self->account, self->batch_answers->pdata[i],
                                     cancellable, &answer_error))
        note_error (self, answer_error->message);
    }
  g_ptr_array_set_size (self->batch_answers, 0);
  return TRUE;
}

/* Ends the session; the POP3 deletions become final with its QUIT, and
 * only then are their receipts marked deleted. */
static void
finish_session (HdPollJob    *self,
                GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;

  if (hd_mailbox_finish_sync (self->mailbox, cancellable, &error))
    mark_deleted (self, self->finish_keys);
  else if (self->finish_keys->len > 0)
    note_error (self, error->message);
  g_ptr_array_set_size (self->finish_keys, 0);
}

static GBytes *
read_raw (GFile *file)
{
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents (file, NULL, &contents, &length, NULL, NULL))
    return NULL;
  return g_bytes_new_take (contents, length);
}

/* A mail we could not read or store stays on the server; the log keeps its
 * raw copy and the error, once, not on every poll. */
static void
record_failure (HdPollJob  *self,
                const char *key,
                GFile      *raw_file,
                const char *reason)
{
  g_autoptr (GBytes) raw = NULL;
  HdPollEvent event = { .server_key = key, .action = "error", .reason = reason };

  self->counts.failed++;
  if (hd_store_has_poll_event (self->store, self->account_id, key, "error"))
    return;
  raw = raw_file ? read_raw (raw_file) : NULL;
  event.raw = raw;
  record_event (self, &event);
}

/* The key of a mail whose server key names no single mail (a UIDL listed
 * twice, or reused for a new mail): its UIDL and a hash of its bytes. */
static char *
content_key (const char *base,
             GFile      *file)
{
  g_autoptr (GBytes) raw = read_raw (file);
  g_autofree char *digest = NULL;

  if (raw == NULL)
    return NULL;
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, raw);
  return g_strdup_printf ("%s#%.32s", base, digest);
}

/* Returns FALSE only when the session itself failed: the poll stops there.
 * With @base instead of @key, the mail is keyed by its content. */
static gboolean
process_one (HdPollJob    *self,
             const char   *uid,
             const char   *key_or_null,
             const char   *base,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (HdMessage) message = NULL;
  g_autoptr (HdIngestDecision) decision = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) raw_for_log = NULL;
  g_autofree char *own_key = NULL;
  const char *key = key_or_null;
  HdPollEvent event = { 0 };
  gint64 ticket_id = 0;

  file = g_file_new_tmp ("helpdesk-mail-XXXXXX.eml", &io, error);
  if (file == NULL)
    return FALSE;

  /* Into the fresh temporary file as it is: no replace-and-rename, whose
   * fsync per mail would cost more than the whole parse. */
  if (!hd_mailbox_fetch_sync (self->mailbox, uid,
                              g_io_stream_get_output_stream (G_IO_STREAM (io)), cancellable,
                              &local_error)
      || !g_io_stream_close (G_IO_STREAM (io), cancellable, &local_error))
    {
      g_file_delete (file, NULL, NULL);
      if (g_error_matches (local_error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND))
        return TRUE; /* deleted by someone else meanwhile */
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("The connection failed while fetching mail %s, which stays "
                                    "on the server: "),
                                  key != NULL ? key : base);
      return FALSE;
    }

  if (key == NULL)
    {
      key = own_key = content_key (base, file);
      if (key == NULL)
        {
          g_file_delete (file, NULL, NULL);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Could not read back mail %s, which stays on the server"), base);
          return FALSE;
        }
      g_hash_table_replace (self->uid_by_key, g_strdup (key), g_strdup (uid));
      switch (hd_store_lookup_receipt (self->store, self->account_id, key))
        {
        case HD_RECEIPT_NONE:
          break;
        case HD_RECEIPT_DELETE_PENDING:
        case HD_RECEIPT_DELETED:
          /* This very mail is stored: it goes, by the handle of this session. */
          g_ptr_array_add (self->delete_keys, g_strdup (key));
          G_GNUC_FALLTHROUGH;
        case HD_RECEIPT_KEPT:
        default:
          g_file_delete (file, NULL, NULL);
          return TRUE;
        }
    }

  message = hd_message_new_from_file (g_file_peek_path (file), &local_error);
  if (message == NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("could not read the mail: %s"),
                                                 local_error->message);
      record_failure (self, key, file, reason);
      g_file_delete (file, NULL, NULL);
      return TRUE;
    }

  /* The mail is decided inside the transaction that stores it: another poll
   * that holds the same Message-ID commits first or waits, never both. */
  if ((!hd_store_in_transaction (self->store) && !hd_store_begin (self->store, error))
      || !hd_store_savepoint (self->store, "message", error))
    {
      g_file_delete (file, NULL, NULL);
      return FALSE;
    }

  decision = hd_ingest_decide (self->store, self->account, self->run_id, message, &local_error);
  if (decision == NULL)
    {
      hd_store_release (self->store, "message", NULL);
      record_failure (self, key, file, local_error->message);
      g_file_delete (file, NULL, NULL);
      return TRUE;
    }

  if (decision->action == HD_INGEST_SKIP_NO_NEW_TICKETS
      && hd_store_has_poll_event (self->store, self->account_id, key, "skip-no-new-tickets"))
    {
      hd_store_release (self->store, "message", NULL);
      self->counts.skipped++;
      g_file_delete (file, NULL, NULL);
      return TRUE;
    }

  /* Mail that no ticket holds but that leaves the server keeps its raw copy
   * in the log: an invalid reference, and also a "duplicate" or another
   * account's mail, as a careless mailer may reuse a Message-ID for a
   * different mail, which must not be lost either. */
  if (hd_ingest_action_deletes (decision->action) && !hd_ingest_action_imports (decision->action))
    raw_for_log = read_raw (file);

  event.server_key = key;
  event.message_id = hd_message_get_message_id (message);
  event.subject = hd_message_get_subject (message);
  event.from_address = hd_message_get_from (message) ? hd_message_get_from (message)->address : NULL;
  event.action = hd_ingest_action_to_string (decision->action);
  event.reason = decision->reason;
  event.raw = raw_for_log;

  if (hd_ingest_apply (self->store, self->account, self->run_id, message, key, file, decision,
                       &ticket_id, &local_error))
    {
      event.ticket_id = ticket_id;
      if (hd_store_add_poll_event (self->store, self->run_id, &event, &local_error))
        hd_store_release (self->store, "message", &local_error);
    }
  if (local_error != NULL)
    {
      g_autofree char *reason = g_strdup_printf (_("could not store the mail: %s"),
                                                 local_error->message);
      hd_store_rollback_to (self->store, "message");
      record_failure (self, key, file, reason);
      g_file_delete (file, NULL, NULL);
      return TRUE;
    }
  g_file_delete (file, NULL, NULL);

  if (hd_ingest_action_imports (decision->action))
    {
      self->counts.imported++;
      self->batch_imported++;
    }
  else
    {
      self->counts.skipped++;
      self->batch_skipped++;
    }
  if (hd_ingest_action_deletes (decision->action))
    g_ptr_array_add (self->batch_keys, g_strdup (key));
  if (decision->auto_answer)
    g_ptr_array_add (self->batch_answers,
                     hd_auto_answer_request_new (message, ticket_id,
                                                 decision->action
                                                   == HD_INGEST_REJECT_INVALID_REFERENCE));

  if (++self->batch_count >= self->batch_size)
    return flush_batch (self, cancellable, error);
  return TRUE;
}

/* Receipts whose delete a crash or a failure left undone: delete the mail
 * that is still there, and mark what is gone. */
static void
retry_pending_deletes (HdPollJob *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) pending = hd_store_list_pending_deletes (self->store, self->account_id, &error);
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();

  if (pending == NULL)
    {
      note_error (self, error->message);
      return;
    }
  for (guint i = 0; pending[i] != NULL; i++)
    {
      if (g_hash_table_contains (self->uid_by_key, pending[i]))
        g_ptr_array_add (self->delete_keys, g_strdup (pending[i]));
      else if (strchr (pending[i], '#') == NULL)
        g_ptr_array_add (gone, pending[i]);
      /* A content key is checked when its mail is read again. */
    }
  g_ptr_array_add (gone, NULL);
  if (!hd_store_mark_deleted (self->store, self->account_id, (const char *const *) gone->pdata,
                              &error))
    note_error (self, error->message);
}

static char *
lookup_secret (HdPollJob *self,
               GError   **error)
{
  g_autoptr (GError) local_error = NULL;
  const char *name = hd_account_get_name (self->account);
  char *secret;

  if (hd_account_get_oauth_connection (self->account) != NULL)
    {
      g_set_error (error, HD_POLL_ERROR, HD_POLL_ERROR_NO_SECRET,
                   _("“%s” signs in through the OAuth connection “%s”, and no access token for "
                     "it is at hand; sign in again in the account editor"),
                   name, hd_account_get_oauth_connection (self->account));
      return NULL;
    }
  secret = hd_secrets_lookup_unattended_sync (HD_SECRET_ACCOUNT_PASSWORD,
                                              hd_store_get_id (self->store), name, NULL,
                                              &local_error);
  if (secret == NULL && local_error == NULL)
    g_set_error (error, HD_POLL_ERROR, HD_POLL_ERROR_NO_SECRET,
                 _("The keyring holds no password for “%s”; set it with "
                   "helpdesk-mailctl accounts set-password"),
                 name);
  else if (secret == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return secret;
}

static gboolean
poll_mailbox (HdPollJob    *self,
              GCancellable *cancellable,
              GError      **error)
{
  g_auto (GStrv) uids = NULL;
  guint32 uidvalidity = 0;
  g_autofree char *secret = lookup_secret (self, error);

  if (secret == NULL)
    return FALSE;
  self->mailbox = hd_mailbox_new (self->account, HD_MAILBOX_AUTH_PASSWORD, secret);
  hd_mailbox_set_defer_seen_restore (self->mailbox, TRUE);
  explicit_bzero (secret, strlen (secret));

  if (!hd_mailbox_list_sync (self->mailbox, &uidvalidity, &uids, cancellable, error))
    return FALSE;
  self->counts.listed = g_strv_length (uids);
  for (guint i = 0; uids[i] != NULL; i++)
    {
      if (!hd_mailbox_handle_needs_content_key (self->mailbox, uids[i], NULL))
        g_hash_table_insert (self->uid_by_key, server_key (uidvalidity, uids[i]),
                             g_strdup (uids[i]));
    }

  retry_pending_deletes (self);

  for (guint i = 0; uids[i] != NULL; i++)
    {
      g_autofree char *key = NULL;
      g_autofree char *base = NULL;
      gboolean ok = TRUE;

      if (hd_mailbox_handle_needs_content_key (self->mailbox, uids[i], &base))
        ok = process_one (self, uids[i], NULL, base, cancellable, error);
      else
        {
          key = server_key (uidvalidity, uids[i]);
          switch (hd_store_lookup_receipt (self->store, self->account_id, key))
            {
            case HD_RECEIPT_NONE:
              ok = process_one (self, uids[i], key, NULL, cancellable, error);
              break;
            case HD_RECEIPT_DELETED:
              /* Marked deleted, yet listed again. A POP3 server may give a
               * new mail the UIDL of one that is gone: read it and key it by
               * its content, never delete it unread. An IMAP UID is never
               * reused, so that mail is ours and goes again. */
              if (hd_mailbox_get_keys_may_be_reused (self->mailbox))
                ok = process_one (self, uids[i], NULL, uids[i], cancellable, error);
              else
                g_ptr_array_add (self->delete_keys, g_steal_pointer (&key));
              break;
            case HD_RECEIPT_KEPT:
            case HD_RECEIPT_DELETE_PENDING:
            default:
              break;
            }
        }
      if (!ok)
        {
          /* Keep what this batch stored: commit it before giving up. */
          g_autoptr (GError) flush_error = NULL;

          if (!flush_batch (self, cancellable, &flush_error))
            note_error (self, flush_error->message);
          finish_session (self, cancellable);
          return FALSE;
        }
    }

  if (!flush_batch (self, cancellable, error))
    {
      finish_session (self, cancellable);
      return FALSE;
    }
  finish_session (self, cancellable);
  return TRUE;
}

static void
hd_poll_job_finalize (GObject *object)
{
  HdPollJob *self = HD_POLL_JOB (object);

  g_clear_object (&self->store);
  g_clear_object (&self->account);
  g_clear_object (&self->mailbox);
  g_clear_pointer (&self->uid_by_key, g_hash_table_unref);
  g_clear_pointer (&self->batch_keys, g_ptr_array_unref);
  g_clear_pointer (&self->batch_answers, g_ptr_array_unref);
  g_clear_pointer (&self->delete_keys, g_ptr_array_unref);
  g_clear_pointer (&self->finish_keys, g_ptr_array_unref);
  g_string_free (self->errors, TRUE);

  G_OBJECT_CLASS (hd_poll_job_parent_class)->finalize (object);
}

static void
hd_poll_job_class_init (HdPollJobClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hd_poll_job_finalize;
}

static void
hd_poll_job_init (HdPollJob *self)
{
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->uid_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->batch_keys = g_ptr_array_new_with_free_func (g_free);
  self->batch_answers = g_ptr_array_new_with_free_func ((GDestroyNotify) hd_auto_answer_request_free);
  self->delete_keys = g_ptr_array_new_with_free_func (g_free);
  self->finish_keys = g_ptr_array_new_with_free_func (g_free);
  self->errors = g_string_new (NULL);
}

HdPollJob *
hd_poll_job_new (HdStore   *store,
                 HdAccount *account)
{
  HdPollJob *self;

  g_return_val_if_fail (HD_IS_STORE (store), NULL);
  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);

  self = g_object_new (HD_TYPE_POLL_JOB, NULL);
  self->store = g_object_ref (store);
  self->account = g_object_ref (account);
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
 * hd_poll_job_run_sync:
 *
 * Polls the account once and records the run with its counts and errors.
 *
 * Returns: %FALSE when the poll failed as a whole (no connection, login
 *   refused, another poll running); single mails that fail are counted and
 *   logged and do not fail the poll.
 */
gboolean
hd_poll_job_run_sync (HdPollJob    *self,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 started = g_get_monotonic_time ();
  gboolean ok;
  int lock_fd;

  g_return_val_if_fail (HD_IS_POLL_JOB (self), FALSE);

  self->account_id = hd_store_get_account_id (self->store, hd_account_get_name (self->account),
                                              error);
  if (self->account_id == 0)
    return FALSE;
  lock_fd = lock_account (self, error);
  if (lock_fd < 0)
    return FALSE;

  if (!hd_store_interrupt_poll_runs (self->store, self->account_id, error))
    {
      close (lock_fd);
      return FALSE;
    }
  self->run_id = hd_store_begin_poll_run (self->store, self->account_id, error);
  if (self->run_id == 0)
    {
      close (lock_fd);
      return FALSE;
    }

  ok = poll_mailbox (self, cancellable, &local_error);
  if (!ok)
    note_error (self, local_error->message);

  hd_store_finish_poll_run (self->store, self->run_id, ok ? "ok" : "failed", &self->counts,
                            (g_get_monotonic_time () - started) / 1000,
                            self->errors->len > 0 ? self->errors->str : NULL, NULL);
  close (lock_fd);

  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

const HdPollCounts *
hd_poll_job_get_counts (HdPollJob *self)
{
  g_return_val_if_fail (HD_IS_POLL_JOB (self), NULL);
  return &self->counts;
}

gint64
hd_poll_job_get_run_id (HdPollJob *self)
{
  g_return_val_if_fail (HD_IS_POLL_JOB (self), 0);
  return self->run_id;
}
