/* hd-mailbox-private.h: what HdMailbox shares with its subclasses: the
 * session's state common to IMAP and POP3, and the one transfer primitive.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-curl-session.h"
#include "hd-mailbox.h"

G_BEGIN_DECLS

typedef struct
{
  HdAccount *account;
  HdMailboxAuth auth;
  char *secret;
  char *authcid;
  char *authzid;
  char *login_options;

  /* NULL for a mailbox class without a libcurl session (a test double). */
  HdCurlSession *session;
  /* A second connection in raw mode (a batched fetch), made on demand. */
  HdCurlSession *raw_session;

  /* What the dialogue told us so far, parsed from the server's lines as the
   * session sees them; reset whenever libcurl opens a new connection. */
  char *greeting;
  char *mechanisms;
  gboolean login_disabled;
  gboolean authenticating;
  gboolean authenticated;
  char *sasl_error;
  char *last_status;

  gboolean defer_seen_restore;
  gsize transcript_limit;      /* for both sessions; 0: the session's default */
} HdMailboxPrivate;

HdMailboxPrivate *hd_mailbox_get_private (HdMailbox *self);

/* hd-mailbox-session.c */
void      hd_mailbox_attach_session (HdMailbox *self);
void      hd_mailbox_set_login (HdMailbox     *self,
                                HdMailboxAuth  auth,
                                const char    *secret);

gboolean  hd_mailbox_perform (HdMailbox     *self,
                              const char    *path,
                              const char    *custom,
                              gboolean       nobody,
                              GOutputStream *sink,
                              GString       *body,
                              GCancellable  *cancellable,
                              GError       **error);
HdCurlSession *hd_mailbox_ensure_raw_session (HdMailbox *self);
void      hd_mailbox_propagate_session_error (HdMailbox  *self,
                                              GError     *curl_error,
                                              GError    **error);
guint     hd_mailbox_get_generation (HdMailbox *self);
gboolean  hd_mailbox_is_open (HdMailbox *self);
void      hd_mailbox_set_failure_reply (HdMailbox  *self,
                                        const char *reply);
const char *hd_mailbox_get_failure_reply (HdMailbox *self);
gboolean  hd_mailbox_is_digits (const char *str);
void      hd_mailbox_note_sasl_challenge (HdMailbox  *self,
                                          const char *line);
void      hd_mailbox_note_status (HdMailbox  *self,
                                  const char *status,
                                  gboolean    ok);

/* hd-mailbox-fetch.c */
gboolean  hd_mailbox_real_fetch_batch (HdMailbox            *self,
                                       const char * const   *uids,
                                       HdMailboxFetchedFunc  func,
                                       gpointer              user_data,
                                       GCancellable         *cancellable,
                                       GError              **error);

G_END_DECLS
