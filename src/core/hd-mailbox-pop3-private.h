/* hd-mailbox-pop3-private.h: what hd-mailbox-pop3.c shares with
 * hd-mailbox-pop3-batch.c, the pipelined fetch on a raw connection.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-mailbox-pop3.h"
#include "hd-mailbox-private.h"

G_BEGIN_DECLS

struct _HdMailboxPop3
{
  HdMailbox parent_instance;

  /* What the current connection told: reset on every new one. */
  gboolean capa_pending;
  gboolean in_capa;
  gboolean pipelining;     /* its CAPA listed PIPELINING (RFC 2449 §6.6) */
  /* This connection's listing, compact for maildrops of tens of thousands
   * of mails: the handles, each one's message number at the same index, and
   * the sizes that LIST gave (NumberSize, sorted by number). */
  HdHandles *uidl_handles;
  GArray *uidl_numbers;
  GArray *uidl_sizes;

  /* The connection whose message numbers the listed handles name, and the
   * DELEs sent on it that only its QUIT makes final. */
  guint listed_generation;
  guint dele_generation;
  guint n_deles;

  /* The raw connection of a batched fetch (hd-mailbox-pop3-batch.c), which
   * only reads: its own UIDL → message number table (a second POP3 session
   * numbers the maildrop as it finds it), whether its CAPA after the login
   * allows pipelining, and whether the server refused a second session. */
  GHashTable *raw_numbers;
  gboolean raw_pipelining;
  gboolean raw_refused;
};

/* hd-mailbox-pop3-batch.c */
gboolean hd_mailbox_pop3_fetch_batch (HdMailbox            *mailbox,
                                      const char * const   *uids,
                                      HdMailboxFetchedFunc  func,
                                      gpointer              user_data,
                                      GCancellable         *cancellable,
                                      GError              **error);
void     hd_mailbox_pop3_forget_raw (HdMailboxPop3 *self);

G_END_DECLS
