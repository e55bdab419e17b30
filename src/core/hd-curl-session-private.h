/* hd-curl-session-private.h: what the hd-curl-session*.c files share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "hd-curl-session.h"

G_BEGIN_DECLS

struct _HdCurlSession
{
  GObject parent_instance;

  char *base_url;
  char *host;
  guint port;
  char *protocols;
  guint connect_timeout;
  guint low_speed_timeout;
  gboolean tls_required;
  char *pinned_key;
  char *probe_command;
  gboolean probe_nobody;

  char *username;
  char *password;
  char *bearer;
  char *authzid;
  char *login_options;

  HdCurlConnectedFunc connected_func;
  HdCurlLineFunc line_func;
  gpointer hook_data;

  CURL *curl;
  char errbuf[CURL_ERROR_SIZE];
  GString *transcript;
  gsize transcript_limit;  /* 0: TRANSCRIPT_LIMIT */
  HdRedactState redact;
  guint generation;
  guint n_connections;
  char *server_pin;

  /* Per transfer: where the body goes (or comes from), and what the server
   * said that explains a failure. */
  GOutputStream *sink;
  GString *body;
  GError *sink_error;
  goffset sink_bytes;
  GBytes *upload;
  gsize upload_offset;
  GCancellable *cancellable;
  char *failure_reply;
  gboolean saw_server_line;

  /* Raw mode (hd-curl-session-raw.c): after libcurl's connect phase and
   * login, the protocol speaks on the socket itself, through a read buffer
   * of raw_capacity bytes whose unread part is [raw_start, raw_end). */
  gboolean raw;
  curl_socket_t raw_fd;
  guint8 *raw_buffer;
  gsize raw_capacity;
  gsize raw_start;
  gsize raw_end;
};

/* hd-curl-session.c */
void  hd_curl_session_apply_options (HdCurlSession *self,
                                     CURL          *curl);

/* hd-curl-session-transcript.c */
int   hd_curl_session_debug_cb (CURL          *handle,
                                curl_infotype  type,
                                char          *data,
                                size_t         size,
                                void          *user_data);

void  hd_curl_session_note_line (HdCurlSession  *self,
                                 HdRedactSource  source,
                                 const char     *line);

/* hd-curl-session-raw.c */
void  hd_curl_session_raw_reset (HdCurlSession *self);
gboolean hd_curl_session_raw_fill (HdCurlSession  *self,
                                   guint           timeout_seconds,
                                   GCancellable   *cancellable,
                                   GError        **error);
int   hd_curl_session_raw_poll  (HdCurlSession *self,
                                 short          events,
                                 gint64         timeout_usec,
                                 GCancellable  *cancellable);

/* hd-curl-session-tls.c */
void  hd_curl_session_add_extra_ca (CURL *curl);
char *hd_curl_session_probe_pin (HdCurlSession *self);
char *hd_curl_session_pin_from_certinfo (struct curl_certinfo *info);

/* hd-curl-session-error.c */
void  hd_curl_session_set_error (HdCurlSession  *self,
                                 CURLcode        rc,
                                 GError        **error);

G_END_DECLS
