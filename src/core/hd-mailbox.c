/* hd-mailbox.c: the HdMailbox object and its libcurl session: set-up, one
 * transfer, the transcript and what it tells, errors in words, the check,
 * and the public calls, which hand over to hd-mailbox-imap.c or
 * hd-mailbox-pop3.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-mailbox-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/socket.h>

#define DEFAULT_CONNECT_TIMEOUT   30
#define DEFAULT_LOW_SPEED_TIMEOUT 60

G_DEFINE_FINAL_TYPE (HdMailbox, hd_mailbox, G_TYPE_OBJECT)

G_DEFINE_QUARK (hd-mailbox-error-quark, hd_mailbox_error)

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

static gboolean
is_imap (HdMailbox *self)
{
  return hd_account_get_protocol (self->account) == HD_PROTOCOL_IMAP;
}

gboolean
hd_mailbox_is_digits (const char *str)
{
  if (str == NULL || *str == '\0')
    return FALSE;
  for (; *str != '\0'; str++)
    {
      if (!g_ascii_isdigit (*str))
        return FALSE;
    }
  return TRUE;
}

/* Ends the connection without a word to the server: a POP3 session that
 * ends without QUIT never reaches the UPDATE state, so the DELEs sent on it
 * are forgotten by the server (RFC 1939 §6). */
void
hd_mailbox_abort_connection (HdMailbox *self)
{
  curl_socket_t fd = CURL_SOCKET_BAD;

  if (self->curl == NULL)
    return;
  if (curl_easy_getinfo (self->curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK
      && fd != CURL_SOCKET_BAD)
    shutdown (fd, SHUT_RDWR);
  g_clear_pointer (&self->curl, curl_easy_cleanup);
  g_clear_pointer (&self->uidl_numbers, g_hash_table_unref);
  /* The DELEs sent so far are void now; QUIT must not report them done. */
  if (self->n_deles > 0)
    self->dele_generation = G_MAXUINT;
}

static void
reset_connection_state (HdMailbox *self)
{
  memset (&self->redact, 0, sizeof self->redact);
  self->generation++;
  g_clear_pointer (&self->greeting, g_free);
  g_clear_pointer (&self->mechanisms, g_free);
  g_clear_pointer (&self->capabilities, g_free);
  self->login_disabled = FALSE;
  self->pop3_capa_pending = FALSE;
  self->pop3_in_capa = FALSE;
  self->authenticating = FALSE;
  self->authenticated = FALSE;
  self->exists = 0;
  self->uidvalidity = 0;
  g_clear_pointer (&self->uidl_numbers, g_hash_table_unref);
  g_clear_pointer (&self->uidl_sizes, g_hash_table_unref);
  g_clear_pointer (&self->seen_at_list, g_hash_table_unref);
}

/* A SASL continuation during the login.  OAuth mechanisms carry the
 * server's refusal in it, as base64 JSON; libcurl 7.88 hangs up on it for
 * XOAUTH2 instead of answering, so it may be the server's last word. */
void
hd_mailbox_note_sasl_challenge (HdMailbox  *self,
                                const char *line)
{
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (!self->authenticating || line[0] != '+' || line[1] != ' ' || line[2] == '\0')
    return;
  decoded = g_base64_decode (line + 2, &len);
  if (decoded == NULL || len == 0 || decoded[0] != '{'
      || !g_utf8_validate ((const char *) decoded, len, NULL))
    return;
  g_free (self->sasl_error);
  self->sasl_error = g_strndup ((const char *) decoded, len);
}

static void
client_line (HdMailbox  *self,
             const char *line)
{
  const char *command = line;

  if (is_imap (self))
    {
      const char *space = strchr (line, ' ');

      if (space == NULL)
        return;
      command = space + 1;
      if (g_ascii_strncasecmp (command, "AUTHENTICATE ", 13) == 0
          || g_ascii_strncasecmp (command, "LOGIN ", 6) == 0)
        self->authenticating = TRUE;
      return;
    }

  if (g_ascii_strcasecmp (command, "CAPA") == 0)
    self->pop3_capa_pending = TRUE;
  else if (g_ascii_strncasecmp (command, "AUTH ", 5) == 0
           || g_ascii_strncasecmp (command, "APOP ", 5) == 0
           || g_ascii_strncasecmp (command, "PASS ", 5) == 0)
    self->authenticating = TRUE;
}

static void
transcript_add (HdMailbox      *self,
                HdRedactSource  source,
                const char     *line)
{
  static const char * const prefixes[] = { "C: ", "S: ", "== " };
  g_autofree char *redacted = hd_redact_line (&self->redact, source, line);

  /* The redaction is line-based and protocol-aware; this guard is for the
   * line it did not foresee. */
  if (self->secret != NULL && *self->secret != '\0' && strstr (redacted, self->secret) != NULL)
    replace_str (&redacted, "[redacted]");

  g_string_append (self->transcript, prefixes[source]);
  g_string_append (self->transcript, redacted);
  g_string_append_c (self->transcript, '\n');
}

static void
handle_lines (HdMailbox      *self,
              HdRedactSource  source,
              const char     *data,
              size_t          size)
{
  g_autofree char *copy = g_strndup (data, size);
  g_auto(GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0 && lines[i + 1] == NULL)
        break;

      if (source == HD_REDACT_INFO)
        {
          /* curl says so each time it opens a connection; everything we
           * learnt about the previous one is void from here on. */
          if (g_str_has_prefix (line, "Connected to "))
            reset_connection_state (self);
        }
      else if (source == HD_REDACT_SERVER)
        {
          self->saw_server_line = TRUE;
          if (self->greeting == NULL)
            self->greeting = g_strdup (line);
          if (is_imap (self))
            hd_mailbox_imap_server_line (self, line);
          else
            hd_mailbox_pop3_server_line (self, line);
        }
      else
        client_line (self, line);

      transcript_add (self, source, line);
    }
}

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  HdMailbox *self = user_data;

  switch (type)
    {
    case CURLINFO_TEXT:
      handle_lines (self, HD_REDACT_INFO, data, size);
      break;
    case CURLINFO_HEADER_IN:
      handle_lines (self, HD_REDACT_SERVER, data, size);
      break;
    case CURLINFO_HEADER_OUT:
      handle_lines (self, HD_REDACT_CLIENT, data, size);
      break;
    case CURLINFO_DATA_IN:
    case CURLINFO_DATA_OUT:
    case CURLINFO_SSL_DATA_IN:
    case CURLINFO_SSL_DATA_OUT:
    case CURLINFO_END:
    default:
      /* Message bodies and TLS records stay out of the transcript. */
      break;
    }
  return 0;
}

static size_t
write_cb (char   *ptr,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  HdMailbox *self = user_data;
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

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  HdMailbox *self = user_data;

  return g_cancellable_is_cancelled (self->cancellable) ? 1 : 0;
}

static char *
base_url (HdMailbox *self)
{
  HdProtocol protocol = hd_account_get_protocol (self->account);
  gboolean tls = hd_account_get_security (self->account) == HD_SECURITY_TLS;
  const char *host = hd_account_get_host (self->account);
  const char *scheme;

  if (protocol == HD_PROTOCOL_IMAP)
    scheme = tls ? "imaps" : "imap";
  else
    scheme = tls ? "pop3s" : "pop3";

  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("%s://[%s]:%u", scheme, host,
                            hd_account_get_effective_port (self->account));
  return g_strdup_printf ("%s://%s:%u", scheme, host,
                          hd_account_get_effective_port (self->account));
}

/* The options shared by the session and by the certificate probe. */
static void
set_connection_options (HdMailbox *self,
                        CURL      *curl)
{
  HdSecurity security = hd_account_get_security (self->account);
  const char *pin = hd_account_get_pinned_certificate (self->account);
  const char *ca_file = g_getenv ("HELPDESK_MAIL_CA_FILE");

  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "imap,imaps,pop3,pop3s");
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
                    security == HD_SECURITY_NONE ? (long) CURLUSESSL_NONE : (long) CURLUSESSL_ALL);

  if (ca_file != NULL && *ca_file != '\0')
    {
      const char *system_bundle = NULL;
      g_autofree char *system_pem = NULL;
      g_autofree char *extra_pem = NULL;
      gsize system_len = 0;
      gsize extra_len = 0;
      g_autoptr(GByteArray) bundle = g_byte_array_new ();
      struct curl_blob blob;

      /* CURLOPT_CAINFO would replace the system's CAs; the variable adds a
       * CA to them, so hand curl both bundles as one blob. */
      curl_easy_getinfo (curl, CURLINFO_CAINFO, &system_bundle);
      if (system_bundle != NULL
          && g_file_get_contents (system_bundle, &system_pem, &system_len, NULL))
        {
          g_byte_array_append (bundle, (guint8 *) system_pem, system_len);
          g_byte_array_append (bundle, (guint8 *) "\n", 1);
        }
      if (g_file_get_contents (ca_file, &extra_pem, &extra_len, NULL))
        g_byte_array_append (bundle, (guint8 *) extra_pem, extra_len);
      else
        g_warning ("HELPDESK_MAIL_CA_FILE “%s” cannot be read", ca_file);

      blob.data = bundle->data;
      blob.len = bundle->len;
      blob.flags = CURL_BLOB_COPY;
      curl_easy_setopt (curl, CURLOPT_CAINFO_BLOB, &blob);
    }

  if (pin != NULL && *pin != '\0')
    {
      /* A pinned key is the admin's explicit trust in this one server, as
       * mail clients offer it for self-signed certificates: it replaces the
       * CA chain and the host name check. */
      curl_easy_setopt (curl, CURLOPT_PINNEDPUBLICKEY, pin);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static CURL *
ensure_session (HdMailbox *self)
{
  if (self->curl != NULL)
    return self->curl;

  self->curl = curl_easy_init ();
  if (self->curl == NULL)
    return NULL;

  set_connection_options (self, self->curl);
  curl_easy_setopt (self->curl, CURLOPT_ERRORBUFFER, self->errbuf);
  /* The debug callback is how we see the server's exact words: libcurl's
   * error buffer stays empty when a SASL login is refused. */
  curl_easy_setopt (self->curl, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt (self->curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (self->curl, CURLOPT_DEBUGDATA, self);

  curl_easy_setopt (self->curl, CURLOPT_USERNAME, self->authcid);
  if (self->auth == HD_MAILBOX_AUTH_PASSWORD)
    {
      curl_easy_setopt (self->curl, CURLOPT_PASSWORD, self->secret);
      if (self->authzid != NULL)
        curl_easy_setopt (self->curl, CURLOPT_SASL_AUTHZID, self->authzid);
    }
  else
    curl_easy_setopt (self->curl, CURLOPT_XOAUTH2_BEARER, self->secret);
  /* Never CURLOPT_HTTPAUTH here: it would override the AUTH= list. */
  curl_easy_setopt (self->curl, CURLOPT_LOGIN_OPTIONS, self->login_options);

  return self->curl;
}

/* The explicit SASL mechanism list for CURLOPT_LOGIN_OPTIONS.  Without one,
 * libcurl prefers DIGEST-MD5, CRAM-MD5 and NTLM over PLAIN and never tries
 * another mechanism after a NO.  With one, libcurl 7.88 uses SASL only: the
 * IMAP LOGIN command (which it would send a non-ASCII password with unquoted)
 * and POP3 USER/PASS are never sent. */
static char *
compute_login_options (HdMailbox *self)
{
  switch (self->auth)
    {
    case HD_MAILBOX_AUTH_XOAUTH2:
      return g_strdup ("AUTH=XOAUTH2");
    case HD_MAILBOX_AUTH_OAUTHBEARER:
      return g_strdup ("AUTH=OAUTHBEARER");
    case HD_MAILBOX_AUTH_PASSWORD:
    default:
      break;
    }

  /* PLAIN alone carries an authorization identity, and it is the one
   * mechanism that "Prevent text-only login" leaves. */
  if (self->authzid != NULL || hd_account_get_prevent_text_only_login (self->account))
    return g_strdup ("AUTH=PLAIN");

  /* The SASL LOGIN mechanism base64-encodes the password as it is, so it
   * carries UTF-8 too; PLAIN still goes first, and libcurl picks it when the
   * server offers both.  NTLM, when the account allows it, is tried only
   * when neither is offered (see hd_mailbox_perform()). */
  return g_strdup ("AUTH=PLAIN;AUTH=LOGIN");
}

static char *
describe_allowed (const char *login_options)
{
  g_auto(GStrv) parts = g_strsplit (login_options, ";", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, g_str_has_prefix (parts[i], "AUTH=") ? parts[i] + 5 : parts[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A second, credential-less connection that accepts any certificate, only to
 * learn which key the server presents, so that the admin can pin it. */
static char *
probe_server_pin (HdMailbox *self)
{
  CURL *probe = curl_easy_init ();
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  struct curl_certinfo *info = NULL;
  char *pin;

  if (probe == NULL)
    return NULL;

  base = base_url (self);
  url = g_strconcat (base, "/", NULL);
  set_connection_options (self, probe);
  curl_easy_setopt (probe, CURLOPT_PINNEDPUBLICKEY, NULL);
  curl_easy_setopt (probe, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (probe, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt (probe, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt (probe, CURLOPT_URL, url);
  curl_easy_setopt (probe, CURLOPT_CUSTOMREQUEST, "NOOP");
  curl_easy_setopt (probe, CURLOPT_NOBODY, is_imap (self) ? 0L : 1L);
  curl_easy_setopt (probe, CURLOPT_WRITEDATA, NULL);
  curl_easy_setopt (probe, CURLOPT_WRITEFUNCTION, NULL);
  curl_easy_setopt (probe, CURLOPT_XFERINFODATA, self);
  (void) curl_easy_perform (probe);
  curl_easy_getinfo (probe, CURLINFO_CERTINFO, &info);
  pin = hd_mailbox_pin_from_certinfo (info);
  curl_easy_cleanup (probe);
  return pin;
}

static gboolean
fail_from_curl (HdMailbox  *self,
                CURLcode    rc,
                GError    **error)
{
  const char *host = hd_account_get_host (self->account);
  guint port = hd_account_get_effective_port (self->account);
  const char *detail = self->errbuf[0] != '\0' ? self->errbuf : curl_easy_strerror (rc);

  if (self->sink_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->sink_error));
      return FALSE;
    }

  if (rc == CURLE_ABORTED_BY_CALLBACK && g_cancellable_set_error_if_cancelled (self->cancellable,
                                                                              error))
    return FALSE;

  switch ((int) rc)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_HOST_NOT_FOUND,
                   _("Host not found: %s"), host);
      return FALSE;

    case CURLE_COULDNT_CONNECT:
      {
        long os_errno = 0;

        curl_easy_getinfo (self->curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_REFUSED,
                       _("Connection refused by %s port %u"), host, port);
        else
          g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_REFUSED,
                       _("Cannot connect to %s port %u: %s"), host, port, detail);
        return FALSE;
      }

    case CURLE_OPERATION_TIMEDOUT:
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_TIMED_OUT,
                   _("Timed out: %s port %u did not answer in time (%s)"), host, port, detail);
      return FALSE;

    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      g_clear_pointer (&self->server_pin, g_free);
      self->server_pin = probe_server_pin (self);
      if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_TLS_NOT_TRUSTED,
                     _("TLS certificate not trusted: the server’s key %s does not match the "
                       "pinned %s"),
                     self->server_pin != NULL ? self->server_pin : _("(unknown)"),
                     hd_account_get_pinned_certificate (self->account));
      else
        g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_TLS_NOT_TRUSTED,
                     _("TLS certificate not trusted (%s); its key fingerprint is %s — pin it "
                       "in the account if you trust this server"),
                     detail, self->server_pin != NULL ? self->server_pin : _("(unknown)"));
      return FALSE;

    case CURLE_USE_SSL_FAILED:
      g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_TLS_UNAVAILABLE,
                   _("%s port %u does not offer STARTTLS, which the account requires; "
                     "nothing was sent unencrypted"), host, port);
      return FALSE;

    case CURLE_LOGIN_DENIED:
      if (self->failure_reply != NULL || self->sasl_error != NULL)
        {
          g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED,
                               self->failure_reply != NULL ? self->failure_reply
                                                           : self->sasl_error);
        }
      else
        {
          g_autofree char *allowed = describe_allowed (self->login_options);
          const char *offered = self->mechanisms != NULL && *self->mechanisms != '\0'
                                ? self->mechanisms : _("none");

          if (self->login_disabled)
            g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NO_COMMON_MECHANISM,
                         _("No common login mechanism: the server offers %s and refuses "
                           "plain-text login on this connection; the account allows %s"),
                         offered, allowed);
          else
            g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NO_COMMON_MECHANISM,
                         _("No common login mechanism: the server offers %s; the account "
                           "allows %s"), offered, allowed);
        }
      return FALSE;

    default:
      break;
    }

  if (self->failure_reply != NULL)
    g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_SERVER_REFUSED,
                         self->failure_reply);
  else if (!self->saw_server_line)
    g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED,
                 _("%s port %u closed the connection without answering (%s)"), host, port,
                 detail);
  else
    g_set_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED, "%s", detail);
  return FALSE;
}

/* One transfer on the session's connection (libcurl reuses it; it logs in
 * only when it has to open a new one). */
gboolean
hd_mailbox_perform (HdMailbox     *self,
                    const char    *path,
                    const char    *custom,
                    gboolean       nobody,
                    GOutputStream *sink,
                    GString       *body,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  CURL *curl;
  CURLcode rc;
  long connects = 0;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (!ensure_curl_initialized () || (curl = ensure_session (self)) == NULL)
    {
      g_set_error_literal (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_FAILED,
                           _("The mail transport library could not be initialised"));
      return FALSE;
    }

  base = base_url (self);
  url = g_strconcat (base, path, NULL);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, custom);
  curl_easy_setopt (curl, CURLOPT_NOBODY, nobody ? 1L : 0L);

  self->sink = sink;
  self->body = body;
  self->cancellable = cancellable;
  g_clear_error (&self->sink_error);
  self->sink_bytes = 0;
  g_clear_pointer (&self->failure_reply, g_free);
  g_clear_pointer (&self->sasl_error, g_free);
  self->saw_server_line = FALSE;
  self->errbuf[0] = '\0';

  rc = curl_easy_perform (curl);

  curl_easy_getinfo (curl, CURLINFO_NUM_CONNECTS, &connects);
  self->n_connections += (guint) connects;

  /* NTLM comes last in our order: only when the account allows it and the
   * server offers neither PLAIN nor LOGIN, on a fresh connection. */
  if (rc == CURLE_LOGIN_DENIED && self->failure_reply == NULL
      && self->auth == HD_MAILBOX_AUTH_PASSWORD && self->authzid == NULL
      && !hd_account_get_prevent_ntlm_login (self->account)
      && !hd_account_get_prevent_text_only_login (self->account)
      && self->mechanisms != NULL && g_strstr_len (self->mechanisms, -1, "NTLM") != NULL
      && !g_str_equal (self->login_options, "AUTH=NTLM"))
    {
      replace_str (&self->login_options, "AUTH=NTLM");
      curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, self->login_options);
      self->errbuf[0] = '\0';
      rc = curl_easy_perform (curl);
      curl_easy_getinfo (curl, CURLINFO_NUM_CONNECTS, &connects);
      self->n_connections += (guint) connects;
    }

  self->sink = NULL;
  self->body = NULL;

  if (rc != CURLE_OK || self->sink_error != NULL)
    {
      gboolean ret = fail_from_curl (self, rc, error);

      self->cancellable = NULL;
      return ret;
    }

  self->cancellable = NULL;
  return TRUE;
}

static char *
clean_greeting (const char *greeting)
{
  const char *text = greeting;

  if (text == NULL)
    return NULL;
  if (g_str_has_prefix (text, "* OK "))
    text += 5;
  else if (g_str_has_prefix (text, "* PREAUTH "))
    text += 10;
  else if (g_str_has_prefix (text, "+OK "))
    text += 4;
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close != NULL)
        text = close[1] == ' ' ? close + 2 : close + 1;
    }
  return g_strdup (text);
}

static void
check_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  HdMailbox *self = source_object;
  GError *error = NULL;
  HdMailboxCheckResult *result = hd_mailbox_check_sync (self, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) hd_mailbox_check_result_free);
}

static void
hd_mailbox_finalize (GObject *object)
{
  HdMailbox *self = HD_MAILBOX (object);

  hd_mailbox_close (self);
  g_clear_pointer (&self->unseen_to_restore, g_hash_table_unref);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_clear_pointer (&self->secret, g_free);
  g_clear_pointer (&self->authcid, g_free);
  g_clear_pointer (&self->authzid, g_free);
  g_clear_pointer (&self->login_options, g_free);
  g_clear_object (&self->account);
  g_string_free (self->transcript, TRUE);
  reset_connection_state (self);
  g_clear_pointer (&self->failure_reply, g_free);
  g_clear_pointer (&self->sasl_error, g_free);
  g_clear_pointer (&self->last_status, g_free);
  g_clear_pointer (&self->server_pin, g_free);
  g_clear_error (&self->sink_error);

  G_OBJECT_CLASS (hd_mailbox_parent_class)->finalize (object);
}

static void
hd_mailbox_class_init (HdMailboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hd_mailbox_finalize;
}

static void
hd_mailbox_init (HdMailbox *self)
{
  self->transcript = g_string_new (NULL);
  self->unseen_to_restore = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
  self->low_speed_timeout = DEFAULT_LOW_SPEED_TIMEOUT;
}

/**
 * hd_mailbox_new:
 * @account: the account to connect for; it is copied, so that the session
 *   can run in a worker thread while the window edits the original
 * @auth: how to log in
 * @secret: the password, or the OAuth 2.0 access token
 *
 * Creates a session to the account's server.  Nothing is sent until the first
 * call; all calls then share one connection and one login.  With a password,
 * a user name `Domain\User\SharedAlias` logs in as `Domain\User` and opens the
 * shared mailbox `SharedAlias` (SASL PLAIN authorization identity).
 *
 * Returns: (transfer full): a new #HdMailbox
 */
HdMailbox *
hd_mailbox_new (HdAccount     *account,
                HdMailboxAuth  auth,
                const char    *secret)
{
  HdMailbox *self;
  const char *username;
  const char *last_backslash;
  const char *first_backslash;

  g_return_val_if_fail (HD_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (secret != NULL, NULL);

  self = g_object_new (HD_TYPE_MAILBOX, NULL);
  self->account = hd_account_copy (account);
  self->auth = auth;
  self->secret = g_strdup (secret);

  username = hd_account_get_username (self->account);
  first_backslash = strchr (username, '\\');
  last_backslash = strrchr (username, '\\');
  if (auth == HD_MAILBOX_AUTH_PASSWORD && first_backslash != NULL
      && first_backslash != last_backslash && last_backslash[1] != '\0')
    {
      self->authcid = g_strndup (username, last_backslash - username);
      self->authzid = g_strdup (last_backslash + 1);
    }
  else
    self->authcid = g_strdup (username);

  self->login_options = compute_login_options (self);

  return self;
}

/**
 * hd_mailbox_set_timeouts:
 * @self: a #HdMailbox
 * @connect_timeout_seconds: how long connecting, TLS and login may take
 * @low_speed_timeout_seconds: how long the server may stay silent mid-transfer
 *
 * Sets the timeouts for connections opened from now on (defaults 30 and 60).
 */
void
hd_mailbox_set_timeouts (HdMailbox *self,
                         guint      connect_timeout_seconds,
                         guint      low_speed_timeout_seconds)
{
  g_return_if_fail (HD_IS_MAILBOX (self));

  self->connect_timeout = MAX (connect_timeout_seconds, 1);
  self->low_speed_timeout = MAX (low_speed_timeout_seconds, 1);
  if (self->curl != NULL)
    set_connection_options (self, self->curl);
}

/**
 * hd_mailbox_get_account:
 * @self: a #HdMailbox
 *
 * Returns: (transfer none): the session's own copy of the account
 */
HdAccount *
hd_mailbox_get_account (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  return self->account;
}

/**
 * hd_mailbox_dup_transcript:
 * @self: a #HdMailbox
 *
 * Returns: (transfer full): the dialogue so far, one line each, prefixed
 *   "C: " (sent), "S: " (received) or "== " (libcurl's remarks), with every
 *   secret redacted by hd_redact_line()
 */
char *
hd_mailbox_dup_transcript (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  return g_strdup (self->transcript->str);
}

/**
 * hd_mailbox_get_server_pin:
 * @self: a #HdMailbox
 *
 * Returns: (nullable): after a TLS trust failure, the server's public key as a
 *   pin for `incoming.pinned_certificate` ("sha256//…")
 */
const char *
hd_mailbox_get_server_pin (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);

  return self->server_pin;
}

/**
 * hd_mailbox_get_n_connections:
 * @self: a #HdMailbox
 *
 * Returns: how many connections the session has opened (each one logs in)
 */
guint
hd_mailbox_get_n_connections (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), 0);

  return self->n_connections;
}

/**
 * hd_mailbox_check_sync:
 * @self: a #HdMailbox
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects, negotiates TLS, reads the capabilities, logs in and then SELECTs
 * the folder (IMAP) or asks for STAT (POP3).  Every failure of the server or
 * the network is described in the result; @error is set only when the check
 * was cancelled.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL when cancelled
 */
HdMailboxCheckResult *
hd_mailbox_check_sync (HdMailbox     *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autoptr(GError) local_error = NULL;
  guint count = 0;
  gboolean ok;

  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (is_imap (self))
    ok = hd_mailbox_imap_select_and_count (self, &count, cancellable, &local_error);
  else
    ok = hd_mailbox_pop3_stat (self, &count, cancellable, &local_error);

  if (!ok && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  result = g_new0 (HdMailboxCheckResult, 1);
  result->ok = ok;
  result->greeting = clean_greeting (self->greeting);
  result->mechanisms = g_strdup (self->mechanisms);
  result->transcript = g_strdup (self->transcript->str);

  if (ok)
    {
      g_autofree char *messages = NULL;

      result->message_count = count;
      if (is_imap (self))
        messages = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message in %s",
                                                 "%u messages in %s", count),
                                    count, hd_account_get_folder (self->account));
      else
        messages = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u message",
                                                 "%u messages", count), count);
      result->summary = g_strdup_printf (_("%s — logged in as %s; server offers %s; %s"),
                                         result->greeting != NULL ? result->greeting : "",
                                         hd_account_get_username (self->account),
                                         result->mechanisms != NULL && *result->mechanisms
                                         ? result->mechanisms : _("no SASL mechanisms"),
                                         messages);
    }
  else
    {
      result->message = g_strdup (local_error->message);
      result->error_code = local_error->domain == HD_MAILBOX_ERROR
                           ? (HdMailboxError) local_error->code : HD_MAILBOX_ERROR_FAILED;
      if (result->error_code == HD_MAILBOX_ERROR_AUTHENTICATION_FAILED
          || result->error_code == HD_MAILBOX_ERROR_SERVER_REFUSED)
        result->server_reply = g_strdup (local_error->message);
      result->server_pin = g_strdup (self->server_pin);
    }

  return g_steal_pointer (&result);
}

/**
 * hd_mailbox_check_async:
 * @self: a #HdMailbox, not used by anyone else until the check finishes
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context when done
 * @user_data: data for @callback
 *
 * Runs hd_mailbox_check_sync() in a worker thread, for the window.
 */
void
hd_mailbox_check_async (HdMailbox           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HD_IS_MAILBOX (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hd_mailbox_check_async);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, check_thread_cb);
}

/**
 * hd_mailbox_check_finish:
 * @self: a #HdMailbox
 * @result: the #GAsyncResult
 * @error: return location for a #GError (set only when cancelled)
 *
 * Returns: (transfer full) (nullable): the check result
 */
HdMailboxCheckResult *
hd_mailbox_check_finish (HdMailbox     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hd_mailbox_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hd_mailbox_list_sync:
 * @self: a #HdMailbox
 * @out_uidvalidity: (out) (optional): IMAP: the folder's UIDVALIDITY; POP3: 0
 * @out_uids: (out) (optional) (transfer full): IMAP: the UIDs of the folder,
 *   as decimal strings; POP3: the UIDLs of the maildrop
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_list_sync (HdMailbox     *self,
                      guint32       *out_uidvalidity,
                      GStrv         *out_uids,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (is_imap (self))
    return hd_mailbox_imap_list (self, out_uidvalidity, out_uids, cancellable, error);

  if (out_uidvalidity != NULL)
    *out_uidvalidity = 0;
  return hd_mailbox_pop3_list (self, out_uids, cancellable, error);
}

/**
 * hd_mailbox_fetch_sync:
 * @self: a #HdMailbox
 * @uid: IMAP: the UID (decimal); POP3: the UIDL
 * @stream: where the raw RFC 5322 message goes, as it arrives
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Streams one message.  On IMAP, a message that was unseen stays unseen:
 * libcurl's fetch sets \Seen, so it is taken off again afterwards.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_fetch_sync (HdMailbox     *self,
                       const char    *uid,
                       GOutputStream *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (uid != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (is_imap (self))
    return hd_mailbox_imap_fetch (self, uid, stream, cancellable, error);
  return hd_mailbox_pop3_fetch (self, uid, stream, cancellable, error);
}

/**
 * hd_mailbox_fetch_to_file_sync:
 * @self: a #HdMailbox
 * @uid: IMAP: the UID (decimal); POP3: the UIDL
 * @file: the file to write; replaced, and removed again on failure
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like hd_mailbox_fetch_sync(), into a file.
 *
 * Returns: %TRUE on success
 */
gboolean
hd_mailbox_fetch_to_file_sync (HdMailbox     *self,
                               const char    *uid,
                               GFile         *file,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GFileOutputStream) stream = NULL;

  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE, cancellable, error);
  if (stream == NULL)
    return FALSE;
  if (!hd_mailbox_fetch_sync (self, uid, G_OUTPUT_STREAM (stream), cancellable, error))
    {
      (void) g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, NULL);
      (void) g_file_delete (file, NULL, NULL);
      return FALSE;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (stream), cancellable, error);
}

/**
 * hd_mailbox_delete_sync:
 * @self: a #HdMailbox
 * @uids: IMAP: UIDs (decimal); POP3: UIDLs
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Deletes messages for good.  IMAP: UID STORE +FLAGS.SILENT (\Deleted), then
 * UID EXPUNGE of just these when the server offers UIDPLUS, else EXPUNGE
 * when no other mail of the folder is marked deleted (else nothing, and an
 * error).  POP3: DELE each; they take effect at hd_mailbox_finish_sync()
 * (QUIT), once per session.  Every command carries the identity the UIDs
 * were listed under (IMAP UIDVALIDITY, the POP3 connection), and nothing is
 * deleted when it changed.  A UID that is no longer on the server is not an
 * error: it is gone, as asked.
 *
 * Returns: %TRUE when the server confirmed the deletion
 */
gboolean
hd_mailbox_delete_sync (HdMailbox          *self,
                        const char * const *uids,
                        GCancellable       *cancellable,
                        GError            **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (uids == NULL || uids[0] == NULL)
    return TRUE;

  if (is_imap (self))
    return hd_mailbox_imap_delete (self, uids, cancellable, error);
  return hd_mailbox_pop3_delete (self, uids, cancellable, error);
}

/**
 * hd_mailbox_set_defer_seen_restore:
 *
 * With @defer, a fetch of an unseen IMAP mail leaves taking \Seen off again
 * to hd_mailbox_restore_seen_sync() (or close): a poll that deletes most of
 * what it fetches then spends one command per batch instead of one per mail.
 */
void
hd_mailbox_set_defer_seen_restore (HdMailbox *self,
                                   gboolean   defer)
{
  g_return_if_fail (HD_IS_MAILBOX (self));
  self->defer_seen_restore = defer;
}

/**
 * hd_mailbox_restore_seen_sync:
 *
 * Takes \Seen off every mail that was unseen before a deferred fetch and has
 * not been deleted since, in one command.
 *
 * Returns: %TRUE on success (and when there was nothing to do)
 */
gboolean
hd_mailbox_restore_seen_sync (HdMailbox     *self,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);

  if (g_hash_table_size (self->unseen_to_restore) == 0 || !is_imap (self))
    return TRUE;

  return hd_mailbox_imap_restore_seen (self, cancellable, error);
}

/**
 * hd_mailbox_finish_sync:
 * @self: a #HdMailbox
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends the session so that the deletes sent on it take effect: POP3 QUIT
 * (only it commits the DELEs, RFC 1939 §6), IMAP LOGOUT after \Seen is
 * restored. Fails, and the DELEs count as not done, when the connection
 * that carried them is gone.
 *
 * Returns: %TRUE when every delete sent in this session is final
 */
gboolean
hd_mailbox_finish_sync (HdMailbox     *self,
                        GCancellable  *cancellable,
                        GError       **error)
{
  g_autoptr (GError) seen_error = NULL;

  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);

  if (!is_imap (self))
    return hd_mailbox_pop3_quit (self, cancellable, error);
  if (self->curl != NULL && !hd_mailbox_restore_seen_sync (self, cancellable, &seen_error))
    g_debug ("Could not restore \\Seen: %s", seen_error->message);
  hd_mailbox_close (self);
  return TRUE;
}

/**
 * hd_mailbox_get_deletes_wait_for_finish:
 *
 * Returns: %TRUE when a delete takes effect only at hd_mailbox_finish_sync()
 *   (POP3), %FALSE when the server confirms it at once (IMAP EXPUNGE)
 */
gboolean
hd_mailbox_get_deletes_wait_for_finish (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  return !is_imap (self);
}

/**
 * hd_mailbox_get_keys_may_be_reused:
 *
 * Returns: %TRUE when the server may give a new mail the key of an old one
 *   (POP3 UIDLs are only unique among the mails present); IMAP UIDs are
 *   never reused within one UIDVALIDITY
 */
gboolean
hd_mailbox_get_keys_may_be_reused (HdMailbox *self)
{
  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  return !is_imap (self);
}

/**
 * hd_mailbox_handle_needs_content_key:
 * @handle: a handle from hd_mailbox_list_sync()
 * @out_base: (out) (optional) (transfer full): the server's own key (UIDL)
 *
 * A POP3 server that lists one UIDL for two mails gives each a handle of its
 * own that names the message number of this session only; such a mail is
 * keyed by its UIDL and a hash of its content.
 *
 * Returns: %TRUE when @handle needs the content in its key
 */
gboolean
hd_mailbox_handle_needs_content_key (HdMailbox   *self,
                                     const char  *handle,
                                     char       **out_base)
{
  const char *tab;

  g_return_val_if_fail (HD_IS_MAILBOX (self), FALSE);
  g_return_val_if_fail (handle != NULL, FALSE);

  tab = strchr (handle, '\t');
  if (tab == NULL)
    return FALSE;
  if (out_base != NULL)
    *out_base = g_strndup (handle, tab - handle);
  return TRUE;
}

/**
 * hd_mailbox_close:
 * @self: a #HdMailbox
 *
 * Ends the session's connection (LOGOUT / QUIT).  A later call opens a new
 * one.  Finalizing the session does this too.
 */
void
hd_mailbox_close (HdMailbox *self)
{
  g_return_if_fail (HD_IS_MAILBOX (self));

  if (self->curl != NULL)
    hd_mailbox_restore_seen_sync (self, NULL, NULL);
  g_clear_pointer (&self->curl, curl_easy_cleanup);
  g_clear_pointer (&self->uidl_numbers, g_hash_table_unref);
  self->n_deles = 0;
}

/**
 * hd_mailbox_check_result_free:
 * @result: (nullable): a check result
 *
 * Frees @result.
 */
void
hd_mailbox_check_result_free (HdMailboxCheckResult *result)
{
  if (result == NULL)
    return;

  g_free (result->summary);
  g_free (result->greeting);
  g_free (result->mechanisms);
  g_free (result->message);
  g_free (result->server_reply);
  g_free (result->server_pin);
  g_free (result->transcript);
  g_free (result);
}
