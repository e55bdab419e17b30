/* hd-curl-session.h: one libcurl easy handle, set up the one way HelpDesk
 * Mail talks to mail servers (IMAP, POP3 and SMTP alike).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <curl/curl.h>
#include <gio/gio.h>

#include "hd-redact.h"

G_BEGIN_DECLS

#define HD_CURL_ERROR (hd_curl_error_quark ())

/* What went wrong with one transfer, in the terms every protocol shares; the
 * mailbox and the SMTP sender turn it into their own error domains. */
typedef enum {
  HD_CURL_ERROR_FAILED,             /* anything else; the message is libcurl's */
  HD_CURL_ERROR_HOST_NOT_FOUND,
  HD_CURL_ERROR_CONNECTION_REFUSED,
  HD_CURL_ERROR_CONNECTION_CLOSED,  /* closed before the server answered */
  HD_CURL_ERROR_TIMED_OUT,
  HD_CURL_ERROR_TLS_NOT_TRUSTED,    /* see hd_curl_session_get_server_pin() */
  HD_CURL_ERROR_TLS_UNAVAILABLE,    /* STARTTLS required but not offered */
  HD_CURL_ERROR_LOGIN_DENIED,       /* the server's failure reply verbatim, if it gave one */
  HD_CURL_ERROR_SERVER_REFUSED,     /* the server's failure reply verbatim */
  HD_CURL_ERROR_UNAVAILABLE,        /* libcurl could not be set up */
} HdCurlError;

/**
 * HdCurlConnectedFunc:
 * @user_data: the data given to hd_curl_session_set_hooks()
 *
 * Called when libcurl opens a new connection (it says "Connected to" in its
 * remarks), before the server's first line: whatever the protocol learnt of
 * the previous connection is void from here on.
 */
typedef void (*HdCurlConnectedFunc) (gpointer user_data);

/**
 * HdCurlLineFunc:
 * @user_data: the data given to hd_curl_session_set_hooks()
 * @source: who wrote @line
 * @line: one protocol line as it went over the wire, without its line end;
 *   unredacted, so it must not be kept or logged
 *
 * Called for every line of the dialogue, before the redacted line goes into
 * the transcript, so that the protocol can follow its state.
 */
typedef void (*HdCurlLineFunc) (gpointer        user_data,
                                HdRedactSource  source,
                                const char     *line);

#define HD_TYPE_CURL_SESSION (hd_curl_session_get_type ())

G_DECLARE_FINAL_TYPE (HdCurlSession, hd_curl_session, HD, CURL_SESSION, GObject)

GQuark         hd_curl_error_quark (void);

HdCurlSession *hd_curl_session_new (const char *scheme,
                                    const char *host,
                                    guint       port,
                                    const char *protocols);
void           hd_curl_session_set_hooks (HdCurlSession       *self,
                                          HdCurlConnectedFunc  connected,
                                          HdCurlLineFunc       line,
                                          gpointer             user_data);
void           hd_curl_session_set_timeouts (HdCurlSession *self,
                                             guint          connect_timeout_seconds,
                                             guint          low_speed_timeout_seconds);
void           hd_curl_session_set_tls (HdCurlSession *self,
                                        gboolean       required,
                                        const char    *pinned_key);
void           hd_curl_session_set_pin_probe (HdCurlSession *self,
                                              const char    *command,
                                              gboolean       nobody);
void           hd_curl_session_set_login (HdCurlSession *self,
                                          const char    *username,
                                          const char    *password,
                                          const char    *bearer,
                                          const char    *authzid,
                                          const char    *login_options);
void           hd_curl_session_set_login_options (HdCurlSession *self,
                                                  const char    *login_options);
void           hd_curl_session_set_upload (HdCurlSession *self,
                                           GBytes        *data);

CURL          *hd_curl_session_ensure_handle (HdCurlSession  *self,
                                              GError        **error);
gboolean       hd_curl_session_is_open (HdCurlSession *self);
gboolean       hd_curl_session_perform (HdCurlSession  *self,
                                        const char     *path,
                                        const char     *custom,
                                        gboolean        nobody,
                                        GOutputStream  *sink,
                                        GString        *body,
                                        GCancellable   *cancellable,
                                        GError        **error);
void           hd_curl_session_close (HdCurlSession *self);
void           hd_curl_session_abort (HdCurlSession *self);

void           hd_curl_session_set_failure_reply (HdCurlSession *self,
                                                  const char    *reply);
const char    *hd_curl_session_get_failure_reply (HdCurlSession *self);
guint          hd_curl_session_get_generation (HdCurlSession *self);
goffset        hd_curl_session_get_bytes_received (HdCurlSession *self);
guint          hd_curl_session_get_n_connections (HdCurlSession *self);
const char    *hd_curl_session_get_transcript (HdCurlSession *self);
void           hd_curl_session_set_transcript_limit (HdCurlSession *self,
                                                     gsize          limit);
const char    *hd_curl_session_get_server_pin (HdCurlSession *self);

/* Raw mode (hd-curl-session-raw.c): libcurl connects, does TLS or STARTTLS
 * and logs in; the protocol then speaks on the connection itself. */
HdCurlSession *hd_curl_session_new_sibling (HdCurlSession *self);
gboolean       hd_curl_session_open_raw (HdCurlSession  *self,
                                         GCancellable   *cancellable,
                                         GError        **error);
gboolean       hd_curl_session_is_raw (HdCurlSession *self);
gboolean       hd_curl_session_raw_send_line (HdCurlSession  *self,
                                              const char     *line,
                                              GCancellable   *cancellable,
                                              GError        **error);
char          *hd_curl_session_raw_read_line (HdCurlSession  *self,
                                              guint           timeout_seconds,
                                              GCancellable   *cancellable,
                                              GError        **error);
gboolean       hd_curl_session_raw_read_literal (HdCurlSession  *self,
                                                 goffset         size,
                                                 GOutputStream  *sink,
                                                 GCancellable   *cancellable,
                                                 GError        **error);
/* hd-curl-session-raw-dot.c */
gboolean       hd_curl_session_raw_read_dot_body (HdCurlSession  *self,
                                                  GOutputStream  *sink,
                                                  GCancellable   *cancellable,
                                                  GError        **error);
/* hd-curl-session-raw-wait.c */
gboolean       hd_curl_session_raw_wait (HdCurlSession  *self,
                                         guint           timeout_ms,
                                         GCancellable   *cancellable,
                                         GError        **error);

G_END_DECLS
