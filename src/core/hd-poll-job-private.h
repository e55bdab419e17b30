/* hd-poll-job-private.h: what the hd-poll-job*.c and hd-poll-result.c
 * files share: the job's state during one run, and the result it fills.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-ingest.h"
#include "hd-poll-job.h"
#include "hd-store-batch.h"

G_BEGIN_DECLS

struct _HdPollResult
{
  gatomicrefcount ref_count;
  gboolean ok;
  HdPollCounts counts;
  GPtrArray *errors;  /* the first and the latest errors, see hd_poll_result_add_error() */
  guint n_errors;     /* all errors of the run */
  char *failure;
  gint64 run_id;
};

struct _HdPollJob
{
  GObject parent_instance;

  char *db_path;
  HdAccount *account;
  guint batch_size;
  HdPollMailboxFactory factory;
  gpointer factory_data;
  GMainContext *progress_context;

  /* One run's state, in the thread that runs it. */
  HdStore *store;
  HdIngest *ingest;
  HdStoreBatch *batch;
  HdMailbox *mailbox;
  HdPollResult *result;
  gint64 account_id;
  HdHandles *listed;        /* the mailbox's handles (UIDs, UIDLs) as listed */
  guint32 uidvalidity;      /* of the listing; 0 for POP3 */
  GHashTable *content_handles; /* content key → handle, for mail keyed by its content */
  GPtrArray *batch_keys;    /* stored in the open batch, to delete once it commits */
  GPtrArray *batch_answers; /* HdAutoAnswerRequest, sent after the commit */
  guint batch_count;
  guint batch_imported;
  guint batch_skipped;
  GPtrArray *delete_keys;   /* committed receipts whose mail is to go now */
  GPtrArray *finish_keys;   /* deleted on the server once the session finishes (POP3 QUIT) */
  gboolean deletes_stopped; /* a delete failed: the rest wait for the next poll */
};

/* hd-poll-result.c */
HdPollResult *hd_poll_result_new (void);
void          hd_poll_result_add_error (HdPollResult *result,
                                        const char   *message);

/* hd-poll-job.c */
void          hd_poll_job_note_error (HdPollJob  *self,
                                      const char *message);
void          hd_poll_job_report_progress (HdPollJob *self,
                                           guint      done,
                                           guint      total);
char         *hd_poll_job_server_key (guint32     uidvalidity,
                                      const char *uid);
const char   *hd_poll_job_handle_for_key (HdPollJob  *self,
                                          const char *key);
gboolean      hd_poll_job_ingest (HdPollJob   *self,
                                  const char  *key,
                                  GBytes      *bytes,
                                  GFile       *file,
                                  GError     **error);
gboolean      hd_poll_job_ingest_parsed (HdPollJob   *self,
                                         const char  *key,
                                         GBytes      *bytes,
                                         GFile       *file,
                                         HdMessage   *message,
                                         GError      *parse_error,
                                         GError     **error);
void          hd_poll_job_settle (HdPollJob    *self,
                                  GCancellable *cancellable);

/* hd-poll-job-fetch.c */
gboolean      hd_poll_job_fetch_all (HdPollJob          *self,
                                     const char * const *uids,
                                     guint32             uidvalidity,
                                     GCancellable       *cancellable,
                                     GError            **error);

/* hd-poll-job-parse.c */
typedef struct _HdPollParser HdPollParser;

HdPollParser *hd_poll_parser_new (void);
void          hd_poll_parser_push (HdPollParser *self,
                                   const char   *key,
                                   GBytes       *bytes);
guint         hd_poll_parser_get_pending (HdPollParser *self);
gboolean      hd_poll_parser_pop (HdPollParser  *self,
                                  char         **out_key,
                                  GBytes       **out_bytes,
                                  HdMessage    **out_message,
                                  GError       **out_error);
void          hd_poll_parser_free (HdPollParser *self);

/* hd-poll-job-deletes.c */
void          hd_poll_job_mark_deleted (HdPollJob *self,
                                        GPtrArray *keys);
void          hd_poll_job_send_deletes (HdPollJob    *self,
                                        GCancellable *cancellable);
void          hd_poll_job_finish_session (HdPollJob    *self,
                                          GCancellable *cancellable);
void          hd_poll_job_retry_pending_deletes (HdPollJob *self);

G_END_DECLS
