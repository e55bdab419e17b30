/* hd-fake-mailbox.h: a test double of HdMailbox over an in-memory server
 * that logs what was fetched and deleted, and fails or cancels on purpose
 * at a chosen step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-mailbox.h"

G_BEGIN_DECLS

typedef enum {
  FAKE_STEP_NONE,
  FAKE_STEP_LIST,
  FAKE_STEP_FETCH,        /* the n-th fetch (FakeServer.step_n, from 1) */
  FAKE_STEP_DELETE,
  FAKE_STEP_RESTORE_SEEN,
  FAKE_STEP_FINISH,
} FakeStep;

/* What the fake mailboxes of one test share: the mail on the "server". */
typedef struct {
  GMutex lock;
  guint32 uidvalidity;
  guint next_uid;
  GPtrArray *uids;        /* char*: the UIDs on the server, in order */
  GHashTable *mails;      /* UID → GBytes */
  guint fetches;
  guint deletes;
  GPtrArray *deleted;     /* char*: UIDs deleted, in order */

  FakeStep fail_at;       /* fails with HD_MAILBOX_ERROR_CONNECTION_CLOSED there */
  FakeStep cancel_at;     /* cancels @cancellable there */
  guint step_n;
  GCancellable *cancellable;
} FakeServer;

#define FAKE_TYPE_MAILBOX (fake_mailbox_get_type ())

G_DECLARE_FINAL_TYPE (FakeMailbox, fake_mailbox, FAKE, MAILBOX, HdMailbox)

FakeServer *fake_server_new (void);
void        fake_server_free (FakeServer *server);
char       *fake_server_add (FakeServer *server,
                             const char *raw);
guint       fake_server_count (FakeServer *server);
gboolean    fake_server_has (FakeServer *server,
                             const char *message_id);

HdMailbox  *fake_mailbox_new (HdAccount  *account,
                              FakeServer *server);

G_END_DECLS
