/* hd-curl-session-error.c: a failed libcurl transfer in words: the
 * server's own reply where it gave one, else what libcurl saw, with the host
 * and port, and for an untrusted certificate the key to pin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>

static void
set_tls_error (HdCurlSession  *self,
               CURLcode        rc,
               const char     *detail,
               GError        **error)
{
  g_clear_pointer (&self->server_pin, g_free);
  if (self->probe_command == NULL)
    {
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TLS_NOT_TRUSTED,
                   _("TLS certificate of %s port %u not trusted (%s)"), self->host, self->port,
                   detail);
      return;
    }

  self->server_pin = hd_curl_session_probe_pin (self);
  if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
    g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TLS_NOT_TRUSTED,
                 _("TLS certificate not trusted: the server’s key %s does not match the "
                   "pinned %s"),
                 self->server_pin != NULL ? self->server_pin : _("(unknown)"),
                 self->pinned_key);
  else
    g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TLS_NOT_TRUSTED,
                 _("TLS certificate not trusted (%s); its key fingerprint is %s — pin it "
                   "in the account if you trust this server"),
                 detail, self->server_pin != NULL ? self->server_pin : _("(unknown)"));
}

/* Says what failed in words: the server's own reply where it gave one, else
 * what libcurl saw, with the host and port it was talking to. */
void
hd_curl_session_set_error (HdCurlSession  *self,
                           CURLcode        rc,
                           GError        **error)
{
  const char *detail = self->errbuf[0] != '\0' ? self->errbuf : curl_easy_strerror (rc);

  if (self->sink_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->sink_error));
      return;
    }
  if (rc == CURLE_ABORTED_BY_CALLBACK
      && g_cancellable_set_error_if_cancelled (self->cancellable, error))
    return;

  switch ((int) rc)
    {
    case CURLE_COULDNT_RESOLVE_HOST:
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_HOST_NOT_FOUND,
                   _("Host not found: %s"), self->host);
      return;

    case CURLE_COULDNT_CONNECT:
      {
        long os_errno = 0;

        curl_easy_getinfo (self->curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
          g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_REFUSED,
                       _("Connection refused by %s port %u"), self->host, self->port);
        else
          g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_REFUSED,
                       _("Cannot connect to %s port %u: %s"), self->host, self->port, detail);
        return;
      }

    case CURLE_OPERATION_TIMEDOUT:
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TIMED_OUT,
                   _("Timed out: %s port %u did not answer in time (%s)"), self->host,
                   self->port, detail);
      return;

    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      set_tls_error (self, rc, detail, error);
      return;

    case CURLE_USE_SSL_FAILED:
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TLS_UNAVAILABLE,
                   _("%s port %u does not offer STARTTLS, which the account requires; "
                     "nothing was sent unencrypted"), self->host, self->port);
      return;

    case CURLE_LOGIN_DENIED:
      g_set_error_literal (error, HD_CURL_ERROR, HD_CURL_ERROR_LOGIN_DENIED,
                           self->failure_reply != NULL ? self->failure_reply : detail);
      return;

    default:
      break;
    }

  if (self->failure_reply != NULL)
    g_set_error_literal (error, HD_CURL_ERROR, HD_CURL_ERROR_SERVER_REFUSED,
                         self->failure_reply);
  else if (!self->saw_server_line)
    g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
                 _("%s port %u closed the connection without answering (%s)"), self->host,
                 self->port, detail);
  else
    g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_FAILED, "%s", detail);
}
