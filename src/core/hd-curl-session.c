/* hd-curl-session.c: one libcurl easy handle and everything HelpDesk Mail
 * sets on it: protocols, timeouts, TLS with the extra CA bundle or a pinned
 * key, cancellation, the transcript through hd_redact_line(), one transfer,
 * the curl → GError mapping and the probe for the server's key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/socket.h>

#define DEFAULT_CONNECT_TIMEOUT   30
#define DEFAULT_LOW_SPEED_TIMEOUT 60

G_DEFINE_FINAL_TYPE (HdCurlSession, hd_curl_session, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-curl-error-quark, hd_curl_error)

static gboolean
ensure_curl_initialized (void)
{
  static gsize initialized = 0;

  /* curl_global_init() is thread-safe since 7.84, but doing it once keeps
   * the cost out of every session. */
  if (g_once_init_enter (&initialized))
    {
      CURLcode rc = curl_global_init (CURL_GLOBAL_DEFAULT);

      g_once_init_leave (&initialized, rc == CURLE_OK ? 1 : 2);
    }
  return initialized == 1;
}

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static void
replace_str (char       **str_pointer,
             const char  *new_str)
{
  char *copy = g_strdup (new_str);

  g_free (*str_pointer);
  *str_pointer = copy;
}

static void
clear_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static size_t
write_cb (char   *ptr,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  HdCurlSession *self = user_data;
  gsize len = size * nmemb;

  if (self->sink != NULL)
    {
      /* Streaming straight to the caller's stream keeps a big message from
       * ever being held in memory as a whole. */
      if (!g_output_stream_write_all (self->sink, ptr, len, NULL, self->cancellable,
                                      &self->sink_error))
        return 0;
      self->sink_bytes += len;
    }
  else if (self->body != NULL)
    g_string_append_len (self->body, ptr, len);

  return len;
}

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  n_items,
         void   *user_data)
{
  HdCurlSession *self = user_data;
  gsize length = 0;
  const guint8 *data = self->upload != NULL ? g_bytes_get_data (self->upload, &length) : NULL;
  gsize n = MIN (size * n_items, length - self->upload_offset);

  if (n > 0)
    memcpy (buffer, data + self->upload_offset, n);
  self->upload_offset += n;
  return n;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  HdCurlSession *self = user_data;

  return g_cancellable_is_cancelled (self->cancellable) ? 1 : 0;
}

/* The options shared by the session's handle and by the certificate probe. */
void
hd_curl_session_apply_options (HdCurlSession *self,
                               CURL          *curl)
{
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, self->protocols);
  /* Signals are no way to time out a resolver in a threaded program; the
   * threaded resolver of Debian's libcurl honours the timeouts without them. */
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) self->connect_timeout);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) self->low_speed_timeout);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) self->low_speed_timeout);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, self);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, self);

  /* STARTTLS is all or nothing: a server that does not offer it fails the
   * session instead of receiving the password in the clear. */
  curl_easy_setopt (curl, CURLOPT_USE_SSL,
                    self->tls_required ? (long) CURLUSESSL_ALL : (long) CURLUSESSL_NONE);
  hd_curl_session_add_extra_ca (curl);

  if (self->pinned_key != NULL && *self->pinned_key != '\0')
    {
      /* A pinned key is the admin's explicit trust in this one server, as
       * mail clients offer it for self-signed certificates: it replaces the
       * CA chain and the host name check. */
      curl_easy_setopt (curl, CURLOPT_PINNEDPUBLICKEY, self->pinned_key);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static void
set_login_options (HdCurlSession *self)
{
  curl_easy_setopt (self->curl, CURLOPT_USERNAME, self->username);
  curl_easy_setopt (self->curl, CURLOPT_PASSWORD, self->password);
  curl_easy_setopt (self->curl, CURLOPT_SASL_AUTHZID, self->authzid);
  curl_easy_setopt (self->curl, CURLOPT_XOAUTH2_BEARER, self->bearer);
  /* Never CURLOPT_HTTPAUTH here: it would override the AUTH= list. */
  curl_easy_setopt (self->curl, CURLOPT_LOGIN_OPTIONS, self->login_options);
}

static void
hd_curl_session_finalize (GObject *object)
{
  HdCurlSession *self = HD_CURL_SESSION (object);

  /* The goodbye (LOGOUT, QUIT) still goes through the hooks; whoever set
   * them closes the session before it goes away. */
  hd_curl_session_close (self);
  g_free (self->base_url);
  g_free (self->host);
  g_free (self->protocols);
  g_free (self->pinned_key);
  g_free (self->probe_command);
  g_free (self->username);
  clear_secret (&self->password);
  clear_secret (&self->bearer);
  g_free (self->authzid);
  g_free (self->login_options);
  g_string_free (self->transcript, TRUE);
  g_free (self->server_pin);
  g_free (self->failure_reply);
  g_clear_error (&self->sink_error);
  g_clear_pointer (&self->upload, g_bytes_unref);

  G_OBJECT_CLASS (hd_curl_session_parent_class)->finalize (object);
}

static void
hd_curl_session_class_init (HdCurlSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hd_curl_session_finalize;
}

static void
hd_curl_session_init (HdCurlSession *self)
{
  self->transcript = g_string_new (NULL);
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  self->low_speed_timeout = DEFAULT_LOW_SPEED_TIMEOUT;
  self->tls_required = TRUE;
  self->raw_fd = CURL_SOCKET_BAD;
}

/**
 * hd_curl_session_new:
 * @scheme: the URL scheme, e.g. "imaps" or "smtp"
 * @host: the server's host name or address (an IPv6 address without brackets)
 * @port: the server's port
 * @protocols: the protocols libcurl may speak, as CURLOPT_PROTOCOLS_STR
 *
 * Creates a session to one server. Nothing is sent until the first transfer;
 * transfers then share one connection as long as libcurl keeps it.
 *
 * Returns: (transfer full): a new #HdCurlSession
 */
HdCurlSession *
hd_curl_session_new (const char *scheme,
                     const char *host,
                     guint       port,
                     const char *protocols)
{
  HdCurlSession *self;

  g_return_val_if_fail (scheme != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (protocols != NULL, NULL);

  self = g_object_new (HD_TYPE_CURL_SESSION, NULL);
  self->host = g_strdup (host);
  self->port = port;
  self->protocols = g_strdup (protocols);
  if (strchr (host, ':') != NULL)
    self->base_url = g_strdup_printf ("%s://[%s]:%u", scheme, host, port);
  else
    self->base_url = g_strdup_printf ("%s://%s:%u", scheme, host, port);
  return self;
}

/**
 * hd_curl_session_set_hooks:
 * @connected: (nullable): called on every new connection
 * @line: (nullable): called for every line of the dialogue
 * @user_data: for both; it must outlive the session's connection
 *
 * Lets the protocol follow the dialogue as libcurl conducts it.
 */
void
hd_curl_session_set_hooks (HdCurlSession       *self,
                           HdCurlConnectedFunc  connected,
                           HdCurlLineFunc       line,
                           gpointer             user_data)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  self->connected_func = connected;
  self->line_func = line;
  self->hook_data = user_data;
}

/**
 * hd_curl_session_set_timeouts:
 * @connect_timeout_seconds: how long connecting, TLS and login may take
 * @low_speed_timeout_seconds: how long the server may stay silent mid-transfer
 *
 * Sets the timeouts (defaults 30 and 60), also for an open connection.
 */
void
hd_curl_session_set_timeouts (HdCurlSession *self,
                              guint          connect_timeout_seconds,
                              guint          low_speed_timeout_seconds)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  self->connect_timeout = MAX (connect_timeout_seconds, 1);
  self->low_speed_timeout = MAX (low_speed_timeout_seconds, 1);
  if (self->curl != NULL)
    hd_curl_session_apply_options (self, self->curl);
}

/**
 * hd_curl_session_set_tls:
 * @required: whether TLS is a must (implicit by the scheme, or STARTTLS)
 * @pinned_key: (nullable): the server key to trust instead of the CAs, as
 *   curl spells it ("sha256//…")
 *
 * Server certificates are verified against the system's CAs plus the bundle
 * named by `HELPDESK_MAIL_CA_FILE`, unless a key is pinned.
 */
void
hd_curl_session_set_tls (HdCurlSession *self,
                         gboolean       required,
                         const char    *pinned_key)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  self->tls_required = required;
  replace_str (&self->pinned_key, pinned_key);
}

/**
 * hd_curl_session_set_pin_probe:
 * @command: a harmless command of the protocol, e.g. "NOOP"
 * @nobody: whether its reply is a status line only (CURLOPT_NOBODY)
 *
 * After a TLS trust failure, a second connection with this command learns
 * the server's key, so that the error can offer it for pinning.
 */
void
hd_curl_session_set_pin_probe (HdCurlSession *self,
                               const char    *command,
                               gboolean       nobody)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  replace_str (&self->probe_command, command);
  self->probe_nobody = nobody;
}

/**
 * hd_curl_session_set_login:
 * @username: (nullable): the login name (SASL authentication identity)
 * @password: (nullable): the password
 * @bearer: (nullable): an OAuth 2.0 access token instead of a password
 * @authzid: (nullable): the SASL authorization identity
 * @login_options: (nullable): CURLOPT_LOGIN_OPTIONS, e.g. "AUTH=PLAIN"
 *
 * Sets how a new connection logs in. The password and the token never
 * appear in the transcript, whatever the redaction misses.
 */
void
hd_curl_session_set_login (HdCurlSession *self,
                           const char    *username,
                           const char    *password,
                           const char    *bearer,
                           const char    *authzid,
                           const char    *login_options)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  replace_str (&self->username, username);
  clear_secret (&self->password);
  self->password = g_strdup (password);
  clear_secret (&self->bearer);
  self->bearer = g_strdup (bearer);
  replace_str (&self->authzid, authzid);
  replace_str (&self->login_options, login_options);
  if (self->curl != NULL)
    set_login_options (self);
}

/**
 * hd_curl_session_set_login_options:
 *
 * Changes only CURLOPT_LOGIN_OPTIONS, for the next login.
 */
void
hd_curl_session_set_login_options (HdCurlSession *self,
                                   const char    *login_options)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  replace_str (&self->login_options, login_options);
  if (self->curl != NULL)
    curl_easy_setopt (self->curl, CURLOPT_LOGIN_OPTIONS, self->login_options);
}

/**
 * hd_curl_session_set_upload:
 * @data: (nullable): what the next transfers send (SMTP: the mail)
 */
void
hd_curl_session_set_upload (HdCurlSession *self,
                            GBytes        *data)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  g_clear_pointer (&self->upload, g_bytes_unref);
  if (data != NULL)
    self->upload = g_bytes_ref (data);
}

/**
 * hd_curl_session_ensure_handle:
 * @error: return location for a #GError
 *
 * Creates the easy handle with every option of the session, so that the
 * protocol can add its own (SMTP: the envelope).
 *
 * Returns: (transfer none) (nullable): the handle
 */
CURL *
hd_curl_session_ensure_handle (HdCurlSession  *self,
                               GError        **error)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  if (self->curl != NULL)
    return self->curl;

  if (!ensure_curl_initialized () || (self->curl = curl_easy_init ()) == NULL)
    {
      g_set_error_literal (error, HD_CURL_ERROR, HD_CURL_ERROR_UNAVAILABLE,
                           _("The mail transport library could not be initialised"));
      return NULL;
    }

  hd_curl_session_apply_options (self, self->curl);
  curl_easy_setopt (self->curl, CURLOPT_ERRORBUFFER, self->errbuf);
  /* The debug callback is how we see the server's exact words: libcurl's
   * error buffer stays empty when a SASL login is refused. */
  curl_easy_setopt (self->curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (self->curl, CURLOPT_DEBUGFUNCTION, hd_curl_session_debug_cb);
  curl_easy_setopt (self->curl, CURLOPT_DEBUGDATA, self);
  curl_easy_setopt (self->curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (self->curl, CURLOPT_READDATA, self);
  set_login_options (self);
  return self->curl;
}

/**
 * hd_curl_session_is_open:
 *
 * Returns: whether the session has a handle (and so perhaps a connection)
 */
gboolean
hd_curl_session_is_open (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);

  return self->curl != NULL;
}

/**
 * hd_curl_session_perform:
 * @path: appended to the session's base URL
 * @custom: (nullable): CURLOPT_CUSTOMREQUEST
 * @nobody: CURLOPT_NOBODY
 * @sink: (nullable): where the body goes as it arrives
 * @body: (nullable): where the body goes when there is no @sink
 * @cancellable: (nullable): a #GCancellable, checked while the transfer runs
 * @error: return location for a #GError
 *
 * One transfer on the session's connection (libcurl reuses it; it logs in
 * only when it has to open a new one). On failure, @error is in
 * %HD_CURL_ERROR, or the cancellation, or what @sink failed with.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_curl_session_perform (HdCurlSession  *self,
                         const char     *path,
                         const char     *custom,
                         gboolean        nobody,
                         GOutputStream  *sink,
                         GString        *body,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autofree char *url = NULL;
  CURL *curl;
  CURLcode rc;
  long connects = 0;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);
  g_return_val_if_fail (!self->raw, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if ((curl = hd_curl_session_ensure_handle (self, error)) == NULL)
    return FALSE;

  url = g_strconcat (self->base_url, path, NULL);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, custom);
  curl_easy_setopt (curl, CURLOPT_NOBODY, nobody ? 1L : 0L);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, self->upload != NULL ? 1L : 0L);
  if (self->upload != NULL)
    curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE,
                      (curl_off_t) g_bytes_get_size (self->upload));

  self->sink = sink;
  self->sink_bytes = 0;
  self->body = body;
  self->upload_offset = 0;
  self->cancellable = cancellable;
  g_clear_error (&self->sink_error);
  g_clear_pointer (&self->failure_reply, g_free);
  self->saw_server_line = FALSE;
  self->errbuf[0] = '\0';

  rc = curl_easy_perform (curl);

  curl_easy_getinfo (curl, CURLINFO_NUM_CONNECTS, &connects);
  self->n_connections += (guint) connects;
  self->sink = NULL;
  self->body = NULL;

  if (rc != CURLE_OK || self->sink_error != NULL)
    {
      hd_curl_session_set_error (self, rc, error);
      self->cancellable = NULL;
      return FALSE;
    }

  self->cancellable = NULL;
  return TRUE;
}

/**
 * hd_curl_session_close:
 *
 * Ends the connection with the protocol's goodbye (LOGOUT, QUIT), which
 * goes through the hooks and the transcript. A later transfer opens a new
 * connection.
 */
void
hd_curl_session_close (HdCurlSession *self)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  g_clear_pointer (&self->curl, curl_easy_cleanup);
  hd_curl_session_raw_reset (self);
}

/**
 * hd_curl_session_abort:
 *
 * Ends the connection without a word to the server: the socket is shut down
 * before libcurl cleans up, so that its goodbye never arrives. A POP3
 * session that ends without QUIT never reaches the UPDATE state, so the
 * DELEs sent on it are forgotten by the server (RFC 1939 §6).
 */
void
hd_curl_session_abort (HdCurlSession *self)
{
  curl_socket_t fd = CURL_SOCKET_BAD;

  g_return_if_fail (HD_IS_CURL_SESSION (self));

  if (self->curl == NULL)
    return;
  if (curl_easy_getinfo (self->curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK
      && fd != CURL_SOCKET_BAD)
    shutdown (fd, SHUT_RDWR);
  g_clear_pointer (&self->curl, curl_easy_cleanup);
  hd_curl_session_raw_reset (self);
}

/**
 * hd_curl_session_set_failure_reply:
 * @reply: (nullable): the server's reply that explains a failure, verbatim
 *
 * Called by the protocol's line hook; the failure of the current transfer
 * is then reported in the server's own words. %NULL forgets an earlier one.
 */
void
hd_curl_session_set_failure_reply (HdCurlSession *self,
                                   const char    *reply)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  replace_str (&self->failure_reply, reply);
}

/**
 * hd_curl_session_get_failure_reply:
 *
 * Returns: (nullable): the failure reply of the latest transfer
 */
const char *
hd_curl_session_get_failure_reply (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  return self->failure_reply;
}


/**
 * hd_curl_session_get_generation:
 *
 * Returns: which connection the session is on: bumped whenever libcurl opens
 *   a new one, so that a number or identity learnt on one connection is
 *   never used on the next (a silent reconnect may find mail renumbered)
 */
guint
hd_curl_session_get_generation (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), 0);

  return self->generation;
}

/**
 * hd_curl_session_get_n_connections:
 *
 * Returns: how many connections the session has opened (each one logs in)
 */
guint
hd_curl_session_get_n_connections (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), 0);

  return self->n_connections;
}

/**
 * hd_curl_session_get_transcript:
 *
 * Returns: the dialogue so far, one line each, prefixed "C: " (sent), "S: "
 *   (received) or "== " (libcurl's remarks), every line passed through
 *   hd_redact_line()
 */
const char *
hd_curl_session_get_transcript (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  return self->transcript->str;
}

/**
 * hd_curl_session_get_server_pin:
 *
 * Returns: (nullable): after a TLS trust failure with a pin probe set, the
 *   server's public key as a pin ("sha256//…")
 */
const char *
hd_curl_session_get_server_pin (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  return self->server_pin;
}

/**
 * hd_curl_session_get_bytes_received:
 *
 * Returns: how many bytes the last transfer wrote to its sink
 */
goffset
hd_curl_session_get_bytes_received (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), 0);
  return self->sink_bytes;
}
