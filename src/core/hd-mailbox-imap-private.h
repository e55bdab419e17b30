/* hd-mailbox-imap-private.h: what hd-mailbox-imap.c shares with
 * hd-mailbox-imap-batch.c, the batched fetch on a raw connection, and
 * hd-mailbox-imap-reader.c, the thread that reads its reply.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-mailbox-imap.h"
#include "hd-mailbox-private.h"

G_BEGIN_DECLS

/* One listed mail: its UID and whether it was \Seen then. */
typedef struct {
  guint32 uid;
  guint32 seen;
} HdImapListed;

struct _HdMailboxImap
{
  HdMailbox parent_instance;

  /* What the current connection told: reset on every new one. */
  char *capabilities;
  guint exists;
  guint32 uidvalidity;

  /* The UIDVALIDITY that the listed UIDs belong to; every UID command
   * carries it, and libcurl refuses the command when the folder has another. */
  guint32 listed_uidvalidity;

  /* Whether each UID was \Seen when listed, so that a fetch needs no extra
   * FLAGS round trip (HdImapListed, sorted by UID: eight bytes a mail, for
   * folders of tens of thousands); and, when the restore of \Seen is
   * deferred, the UIDs that the fetch marked seen and that must lose the
   * flag again. */
  GArray *seen_at_list;
  GHashTable *unseen_to_restore;

  /* The raw connection of a batched fetch (hd-mailbox-imap-batch.c): once
   * used, the UID commands that follow (delete, restore \Seen) go there too.
   * Whether its folder is selected under the listed UIDVALIDITY, and its
   * next command tag. */
  gboolean raw_used;
  gboolean raw_selected;
  guint raw_tag;
};

/* hd-mailbox-imap.c */
const char *hd_mailbox_imap_folder_name (HdMailboxImap *self);
const char *hd_mailbox_imap_tagged_status (const char *line);
void        hd_mailbox_imap_set_identity_changed (HdMailboxImap  *self,
                                                  guint32         uidvalidity,
                                                  GError        **error);

/* hd-mailbox-imap-batch.c */
gboolean    hd_mailbox_imap_fetch_batch (HdMailbox            *mailbox,
                                         const char * const   *uids,
                                         HdMailboxFetchedFunc  func,
                                         gpointer              user_data,
                                         GCancellable         *cancellable,
                                         GError              **error);
gboolean    hd_mailbox_imap_raw_command (HdMailboxImap  *self,
                                         const char     *command,
                                         GString        *reply,
                                         GCancellable   *cancellable,
                                         GError        **error);
void        hd_mailbox_imap_raw_logout (HdMailboxImap *self);
gboolean    hd_mailbox_imap_session_failed (HdMailboxImap  *self,
                                            GError         *local_error,
                                            GError        **error);
gboolean    hd_mailbox_imap_literal_size (const char *line,
                                          goffset    *out_size);
gboolean    hd_mailbox_imap_abandon (HdMailboxImap *self);

/* hd-mailbox-imap-reader.c */
typedef struct _HdMailboxImapReader HdMailboxImapReader;

HdMailboxImapReader *hd_mailbox_imap_reader_start (HdMailboxImap *mailbox,
                                                   const char    *tag,
                                                   GCancellable  *cancellable);
gboolean    hd_mailbox_imap_reader_next (HdMailboxImapReader  *self,
                                         char                **out_uid,
                                         GBytes              **out_bytes,
                                         GFile               **out_file,
                                         GError              **error);
gboolean    hd_mailbox_imap_reader_free (HdMailboxImapReader *self);

/* hd-mailbox-imap-listed.c */
gboolean    hd_mailbox_imap_parse_fetch_flags (const char *line,
                                               guint32    *out_uid,
                                               gboolean   *out_seen);
GArray     *hd_mailbox_imap_listed_sort (GArray    *found,
                                         HdHandles *uids);
gboolean    hd_mailbox_imap_lookup_listed (HdMailboxImap *self,
                                           const char    *uid,
                                           gboolean      *out_seen);

G_END_DECLS
