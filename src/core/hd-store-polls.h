/* hd-store-polls.h: message receipts (exactly-once), poll runs and their
 * per-message events, and the mail we sent.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hd-store.h"
#include "hd-store-batch.h"

G_BEGIN_DECLS

typedef enum {
  HD_RECEIPT_NONE,           /* never seen: import it */
  HD_RECEIPT_KEPT,           /* seen and left on the server on purpose */
  HD_RECEIPT_DELETE_PENDING, /* stored; its delete on the server is still to do */
  HD_RECEIPT_DELETED,
} HdReceiptState;

typedef struct
{
  guint listed;
  guint imported;
  guint skipped;
  guint failed;
  guint deleted;
} HdPollCounts;

typedef struct
{
  const char *server_key;
  const char *message_id;
  const char *subject;
  const char *from_address;
  const char *action;
  const char *reason;
  gint64 ticket_id;
  GBytes *raw; /* kept for mail that was not imported, so that nothing is lost */
  GInputStream *raw_stream; /* or the same streamed, @raw_size bytes of it */
  goffset raw_size;
} HdPollEvent;

gint64         hd_store_begin_poll_run (HdStore *self,
                                        gint64   account_id,
                                        GError **error);
gboolean       hd_store_interrupt_poll_runs (HdStore *self,
                                             gint64   account_id,
                                             GError **error);
gboolean       hd_store_finish_poll_run (HdStore            *self,
                                         gint64              run_id,
                                         const char         *status,
                                         const HdPollCounts *counts,
                                         gint64              duration_ms,
                                         const char         *error_text,
                                         GError            **error);
gboolean       hd_store_add_poll_event (HdStore           *self,
                                        gint64             run_id,
                                        const HdPollEvent *event,
                                        GError           **error);
gboolean       hd_store_has_poll_event (HdStore    *self,
                                        gint64      account_id,
                                        const char *server_key,
                                        const char *action);

HdReceiptState hd_store_lookup_receipt (HdStore    *self,
                                        gint64      account_id,
                                        const char *server_key);
gboolean       hd_store_add_receipt (HdStore    *self,
                                     gint64      account_id,
                                     const char *server_key,
                                     const char *message_id,
                                     const char *action,
                                     gint64      ticket_id,
                                     gint64      step_id,
                                     gboolean    delete_pending,
                                     GError    **error);
gboolean       hd_store_mark_deleted (HdStore           *self,
                                      gint64             account_id,
                                      const char *const *server_keys,
                                      GError           **error);
gboolean       hd_store_mark_deleted_in (HdStoreBatch      *batch,
                                         gint64             account_id,
                                         const char *const *server_keys,
                                         GError           **error);
GStrv          hd_store_list_pending_deletes (HdStore *self,
                                              gint64   account_id,
                                              GError **error);
gboolean       hd_store_message_id_imported (HdStore    *self,
                                             const char *message_id);

gboolean       hd_store_record_sent (HdStore    *self,
                                     gint64      ticket_id,
                                     gint64      account_id,
                                     const char *message_id,
                                     const char *recipient,
                                     const char *kind,
                                     GError    **error);
guint          hd_store_count_sent_today (HdStore    *self,
                                          const char *recipient);

JsonNode      *hd_store_poll_log_to_json (HdStore    *self,
                                          const char *account_name,
                                          GError    **error);
JsonNode      *hd_store_poll_log_page_to_json (HdStore    *self,
                                               const char *account_name,
                                               gint64      before_run,
                                               guint       limit,
                                               GError    **error);
gboolean       hd_store_get_last_poll (HdStore     *self,
                                       const char  *account_name,
                                       char       **status,
                                       char       **started,
                                       GError     **error);

G_END_DECLS
