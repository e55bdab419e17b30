/* hd-mailbox-private.h: what the hd-mailbox*.c files share: the session's
 * state, the one transfer primitive and the protocol halves.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <curl/curl.h>

#include "hd-mailbox.h"
#include "hd-redact.h"

G_BEGIN_DECLS

struct _HdMailbox
{
  GObject parent_instance;

  HdAccount *account;
  HdMailboxAuth auth;
  char *secret;
  char *authcid;
  char *authzid;
  char *login_options;
  guint connect_timeout;
  guint low_speed_timeout;

  CURL *curl;
  char errbuf[CURL_ERROR_SIZE];

  /* What the dialogue told us so far, parsed from the server's lines as the
   * debug callback sees them; reset whenever curl opens a new connection. */
  GString *transcript;
  HdRedactState redact;
  char *greeting;
  char *mechanisms;
  char *capabilities;
  gboolean login_disabled;
  gboolean pop3_capa_pending;
  gboolean pop3_in_capa;
  gboolean authenticating;
  gboolean authenticated;
  guint exists;
  guint32 uidvalidity;
  GHashTable *uidl_numbers;
  GHashTable *uidl_sizes;  /* POP3: message number → size from LIST */

  /* IMAP: whether each UID was \Seen when listed, so that a fetch needs no
   * extra FLAGS round trip; and, when the restore of \Seen is deferred, the
   * UIDs that the fetch marked seen and that must lose the flag again. */
  GHashTable *seen_at_list;
  GHashTable *unseen_to_restore;
  gboolean defer_seen_restore;

  /* Per transfer: where the body goes, and the server's failure reply. */
  GOutputStream *sink;
  goffset sink_bytes;
  GString *body;
  GError *sink_error;
  GCancellable *cancellable;
  char *failure_reply;
  char *sasl_error;
  char *last_status;
  gboolean saw_server_line;

  guint n_connections;
  char *server_pin;

  /* Which connection we are on: bumped whenever libcurl opens a new one, so
   * that a number or UID decided on one connection is never used on the
   * next (a silent reconnect may find the mail renumbered). */
  guint generation;
  /* IMAP: the UIDVALIDITY that the listed UIDs belong to; every UID command
   * carries it, and libcurl refuses the command when the folder has another. */
  guint32 listed_uidvalidity;
  /* POP3: the connection whose message numbers the listed handles name, and
   * the DELEs sent on it that only its QUIT makes final. */
  guint listed_generation;
  guint dele_generation;
  guint n_deles;
};

/* hd-mailbox.c */
gboolean  hd_mailbox_perform (HdMailbox     *self,
                              const char    *path,
                              const char    *custom,
                              gboolean       nobody,
                              GOutputStream *sink,
                              GString       *body,
                              GCancellable  *cancellable,
                              GError       **error);
gboolean  hd_mailbox_is_digits (const char *str);
void      hd_mailbox_abort_connection (HdMailbox *self);
void      hd_mailbox_note_sasl_challenge (HdMailbox  *self,
                                          const char *line);

/* hd-mailbox-imap.c */
char     *hd_mailbox_imap_encode_folder (const char *folder);
void      hd_mailbox_imap_server_line (HdMailbox  *self,
                                       const char *line);
gboolean  hd_mailbox_imap_select_and_count (HdMailbox     *self,
                                            guint         *count,
                                            GCancellable  *cancellable,
                                            GError       **error);
gboolean  hd_mailbox_imap_list (HdMailbox     *self,
                                guint32       *out_uidvalidity,
                                GStrv         *out_uids,
                                GCancellable  *cancellable,
                                GError       **error);
gboolean  hd_mailbox_imap_fetch (HdMailbox     *self,
                                 const char    *uid,
                                 GOutputStream *stream,
                                 GCancellable  *cancellable,
                                 GError       **error);
gboolean  hd_mailbox_imap_delete (HdMailbox          *self,
                                  const char * const *uids,
                                  GCancellable       *cancellable,
                                  GError            **error);
gboolean  hd_mailbox_imap_restore_seen (HdMailbox     *self,
                                        GCancellable  *cancellable,
                                        GError       **error);

/* hd-mailbox-pop3.c */
void      hd_mailbox_pop3_server_line (HdMailbox  *self,
                                       const char *line);
gboolean  hd_mailbox_pop3_stat (HdMailbox     *self,
                                guint         *count,
                                GCancellable  *cancellable,
                                GError       **error);
gboolean  hd_mailbox_pop3_list (HdMailbox     *self,
                                GStrv         *out_uids,
                                GCancellable  *cancellable,
                                GError       **error);
gboolean  hd_mailbox_pop3_fetch (HdMailbox     *self,
                                 const char    *uid,
                                 GOutputStream *stream,
                                 GCancellable  *cancellable,
                                 GError       **error);
gboolean  hd_mailbox_pop3_delete (HdMailbox          *self,
                                  const char * const *uids,
                                  GCancellable       *cancellable,
                                  GError            **error);
gboolean  hd_mailbox_pop3_quit (HdMailbox     *self,
                                GCancellable  *cancellable,
                                GError       **error);

/* hd-mailbox-pin.c */
char     *hd_mailbox_pin_from_certinfo (struct curl_certinfo *info);

G_END_DECLS
