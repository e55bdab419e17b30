/* hd-mailbox.h: one session to one mailbox: the base class, with IMAP and
 * POP3 subclasses over one libcurl session (HdCurlSession), and the calls
 * the poll, the check and the window use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-handles.h"

G_BEGIN_DECLS

#define HD_MAILBOX_ERROR (hd_mailbox_error_quark ())

typedef enum {
  HD_MAILBOX_ERROR_FAILED,               /* anything else; the message says what */
  HD_MAILBOX_ERROR_HOST_NOT_FOUND,
  HD_MAILBOX_ERROR_CONNECTION_REFUSED,
  HD_MAILBOX_ERROR_CONNECTION_CLOSED,    /* closed before the server answered */
  HD_MAILBOX_ERROR_TIMED_OUT,
  HD_MAILBOX_ERROR_TLS_NOT_TRUSTED,      /* see hd_mailbox_get_server_pin() */
  HD_MAILBOX_ERROR_TLS_UNAVAILABLE,      /* STARTTLS required but not offered */
  HD_MAILBOX_ERROR_NO_COMMON_MECHANISM,
  HD_MAILBOX_ERROR_AUTHENTICATION_FAILED, /* the message is the server's reply verbatim */
  HD_MAILBOX_ERROR_SERVER_REFUSED,       /* the message is the server's reply verbatim */
  HD_MAILBOX_ERROR_NOT_FOUND,            /* no message with that UID / UIDL */
  HD_MAILBOX_ERROR_INVALID,              /* bad input from the caller */
  HD_MAILBOX_ERROR_IDENTITY_CHANGED,     /* the server renumbered its mail (UIDVALIDITY, a new
                                          * POP3 session): nothing was fetched or deleted */
} HdMailboxError;

/* How the session logs in; the secret given to hd_mailbox_new() is the
 * password or the OAuth 2.0 access token accordingly. */
typedef enum {
  HD_MAILBOX_AUTH_PASSWORD,
  HD_MAILBOX_AUTH_XOAUTH2,
  HD_MAILBOX_AUTH_OAUTHBEARER,
} HdMailboxAuth;

typedef struct {
  gboolean ok;
  char    *summary;        /* OK: greeting, offered mechanisms, message count, in words */
  char    *greeting;       /* the server's greeting text, or NULL */
  char    *mechanisms;     /* SASL mechanisms the server offered, space-separated, or NULL */
  guint    message_count;  /* OK: messages in the folder (IMAP) / maildrop (POP3) */
  char    *message;        /* FAILED: the server's last reply verbatim, or the cause in words */
  char    *server_reply;   /* FAILED: the server's failure reply verbatim, NULL when there was none */
  HdMailboxError error_code; /* FAILED: which kind of failure */
  char    *server_pin;     /* TLS not trusted: the server key as "sha256//…" for pinning */
  char    *transcript;     /* the redacted protocol dialogue */
} HdMailboxCheckResult;

#define HD_TYPE_MAILBOX (hd_mailbox_get_type ())

G_DECLARE_DERIVABLE_TYPE (HdMailbox, hd_mailbox, HD, MAILBOX, GObject)

/**
 * HdMailboxFetchedFunc:
 * @mailbox: the mailbox
 * @uid: the handle of the mail, one of those asked for
 * @bytes: (nullable): the whole mail, when it is held in memory
 * @file: (nullable): a temporary file that holds the whole mail, when it is
 *   not in memory (a large one); the mailbox deletes it when the call returns
 * @user_data: the data given to hd_mailbox_fetch_batch_sync()
 * @error: return location for a #GError
 *
 * Called for each mail of a batch as soon as it has arrived whole, while
 * the next ones may still be arriving; exactly one of @bytes and @file is
 * set. The call must not use @mailbox: its connection may be busy
 * receiving the next mails.
 *
 * Returns: %FALSE with @error to stop the batch
 */
typedef gboolean (*HdMailboxFetchedFunc) (HdMailbox   *mailbox,
                                          const char  *uid,
                                          GBytes      *bytes,
                                          GFile       *file,
                                          gpointer     user_data,
                                          GError     **error);

/**
 * HdMailboxClass:
 *
 * What a kind of mailbox does; the public hd_mailbox_…() calls check their
 * arguments and hand over to these. A subclass that talks to a server
 * through HdCurlSession sets @url_scheme, @url_scheme_tls and
 * @curl_protocols and follows the dialogue in @server_line, @client_line and
 * @connection_reset; a test double leaves those unset and overrides the
 * mail calls alone. @check, @list, @fetch and @delete_mail are required;
 * the others have defaults.
 */
struct _HdMailboxClass
{
  GObjectClass parent_class;

  /* The URL schemes without and with implicit TLS ("imap", "imaps"), and
   * the protocols libcurl may speak for them; NULL for a mailbox without a
   * libcurl session. */
  const char *url_scheme;
  const char *url_scheme_tls;
  const char *curl_protocols;

  /* A command that costs the server nothing, for the probe that learns the
   * key of an untrusted server; and whether its reply is a status line. */
  const char *probe_command;
  gboolean    probe_nobody;

  /* A delete takes effect only at finish (POP3), not at once (IMAP). */
  gboolean    deletes_wait_for_finish;
  /* The server may give a new mail the key of a gone one (POP3 UIDLs). */
  gboolean    keys_may_be_reused;

  /* libcurl opened a new connection: forget what the old one told. */
  void      (*connection_reset) (HdMailbox *self);
  /* One line the server sent, to follow the protocol's state. */
  void      (*server_line)      (HdMailbox  *self,
                                 const char *line);
  /* One line libcurl sent (unredacted: never keep it). */
  void      (*client_line)      (HdMailbox  *self,
                                 const char *line);

  /* Logs in and counts the mail of the folder or maildrop; @out_text says
   * it in words ("3 messages in INBOX"). */
  gboolean  (*check)            (HdMailbox     *self,
                                 guint         *out_count,
                                 char         **out_text,
                                 GCancellable  *cancellable,
                                 GError       **error);
  /* Lists the keys (handles) of the mail into a new HdHandles; see
   * hd_mailbox_list_handles_sync(). */
  gboolean  (*list)             (HdMailbox     *self,
                                 guint32       *out_uidvalidity,
                                 HdHandles    **out_handles,
                                 GCancellable  *cancellable,
                                 GError       **error);
  /* Streams one mail, named by a handle from @list, into @stream. */
  gboolean  (*fetch)            (HdMailbox     *self,
                                 const char    *uid,
                                 GOutputStream *stream,
                                 GCancellable  *cancellable,
                                 GError       **error);
  /* Fetches several mails, each handed to @func once it arrived whole; see
   * hd_mailbox_fetch_batch_sync(). NULL: one @fetch after the other. */
  gboolean  (*fetch_batch)      (HdMailbox            *self,
                                 const char * const   *uids,
                                 HdMailboxFetchedFunc  func,
                                 gpointer              user_data,
                                 GCancellable         *cancellable,
                                 GError              **error);
  /* Deletes mail (never an empty list); see hd_mailbox_delete_sync(). */
  gboolean  (*delete_mail)      (HdMailbox          *self,
                                 const char * const *uids,
                                 GCancellable       *cancellable,
                                 GError            **error);
  /* Takes \Seen off again where deferred fetches set it; NULL: nothing to do. */
  gboolean  (*restore_seen)     (HdMailbox     *self,
                                 GCancellable  *cancellable,
                                 GError       **error);
  /* Ends the session so that its deletes take effect (POP3 QUIT). */
  gboolean  (*finish)           (HdMailbox     *self,
                                 GCancellable  *cancellable,
                                 GError       **error);
  /* Ends the connection; subclasses chain up after their own goodbye. */
  void      (*close)            (HdMailbox *self);
  /* Whether a handle from @list needs the mail's content in its key; NULL:
   * never. */
  gboolean  (*handle_needs_content_key) (HdMailbox   *self,
                                         const char  *handle,
                                         char       **out_base);

  gpointer padding[7];
};

GQuark      hd_mailbox_error_quark (void);

HdMailbox  *hd_mailbox_new (HdAccount     *account,
                            HdMailboxAuth  auth,
                            const char    *secret);
void        hd_mailbox_set_timeouts (HdMailbox *self,
                                     guint      connect_timeout_seconds,
                                     guint      low_speed_timeout_seconds);
HdAccount  *hd_mailbox_get_account (HdMailbox *self);
char       *hd_mailbox_dup_transcript (HdMailbox *self);
const char *hd_mailbox_get_server_pin (HdMailbox *self);
guint       hd_mailbox_get_n_connections (HdMailbox *self);

HdMailboxCheckResult *hd_mailbox_check_sync (HdMailbox     *self,
                                             GCancellable  *cancellable,
                                             GError       **error);
void        hd_mailbox_check_async (HdMailbox           *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
HdMailboxCheckResult *hd_mailbox_check_finish (HdMailbox     *self,
                                               GAsyncResult  *result,
                                               GError       **error);

gboolean    hd_mailbox_list_sync (HdMailbox     *self,
                                  guint32       *out_uidvalidity,
                                  GStrv         *out_uids,
                                  GCancellable  *cancellable,
                                  GError       **error);
gboolean    hd_mailbox_list_handles_sync (HdMailbox     *self,
                                          guint32       *out_uidvalidity,
                                          HdHandles    **out_handles,
                                          GCancellable  *cancellable,
                                          GError       **error);
gboolean    hd_mailbox_fetch_sync (HdMailbox     *self,
                                   const char    *uid,
                                   GOutputStream *stream,
                                   GCancellable  *cancellable,
                                   GError       **error);
gboolean    hd_mailbox_fetch_to_file_sync (HdMailbox     *self,
                                           const char    *uid,
                                           GFile         *file,
                                           GCancellable  *cancellable,
                                           GError       **error);
gboolean    hd_mailbox_fetch_batch_sync (HdMailbox            *self,
                                         const char * const   *uids,
                                         HdMailboxFetchedFunc  func,
                                         gpointer              user_data,
                                         GCancellable         *cancellable,
                                         GError              **error);
gboolean    hd_mailbox_delete_sync (HdMailbox          *self,
                                    const char * const *uids,
                                    GCancellable       *cancellable,
                                    GError            **error);
void        hd_mailbox_set_defer_seen_restore (HdMailbox *self,
                                               gboolean   defer);
void        hd_mailbox_set_transcript_limit (HdMailbox *self,
                                             gsize      limit);
gboolean    hd_mailbox_restore_seen_sync (HdMailbox     *self,
                                          GCancellable  *cancellable,
                                          GError       **error);
gboolean    hd_mailbox_finish_sync (HdMailbox     *self,
                                    GCancellable  *cancellable,
                                    GError       **error);
gboolean    hd_mailbox_get_deletes_wait_for_finish (HdMailbox *self);
gboolean    hd_mailbox_get_keys_may_be_reused (HdMailbox *self);
gboolean    hd_mailbox_handle_needs_content_key (HdMailbox   *self,
                                                 const char  *handle,
                                                 char       **out_base);
void        hd_mailbox_close (HdMailbox *self);

void        hd_mailbox_check_result_free (HdMailboxCheckResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HdMailboxCheckResult, hd_mailbox_check_result_free)

G_END_DECLS
