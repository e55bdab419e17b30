/* hd-curl-session-raw.c: raw mode of HdCurlSession. libcurl connects, does
 * TLS or STARTTLS and logs in (CURLOPT_CONNECT_ONLY, which on an IMAP or
 * POP3 URL runs the protocol's whole connect phase, login included); then
 * the protocol speaks on the connection itself with curl_easy_send() and
 * curl_easy_recv(): a command line out, a line in, or exactly N bytes (an
 * IMAP literal, a POP3 message) into a stream. Every line goes through the
 * protocol's hook and, redacted, into the transcript, as libcurl's do; every
 * wait watches the socket and the GCancellable together, bounded by the
 * session's low-speed timeout. This is what lets one command bring several
 * mails (a batched UID FETCH, pipelined RETRs), which libcurl's own IMAP
 * and POP3 transfers cannot, and a connection wait for the server to speak
 * first (IMAP IDLE).
 *
 * After any failure (the connection closed or cut, a timeout, a
 * cancellation, a line too long) the connection is dropped without a word,
 * because where the dialogue stands is no longer known; a later call fails
 * at once and the caller opens a new one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <poll.h>
#include <string.h>

/* What one curl_easy_recv() asks for; and the longest line we accept, so
 * that a server that never ends its line cannot make us hold it all. */
#define RAW_CHUNK    (64 * 1024)
#define RAW_MAX_LINE (1024 * 1024)

/* Forgets the raw connection's state; the handle itself is the caller's. */
void
hd_curl_session_raw_reset (HdCurlSession *self)
{
  self->raw = FALSE;
  self->raw_fd = CURL_SOCKET_BAD;
  g_clear_pointer (&self->raw_buffer, g_free);
  self->raw_capacity = 0;
  self->raw_start = 0;
  self->raw_end = 0;
}

/* A failure in the middle of the dialogue: the connection goes, unannounced,
 * and @error says why in the session's terms. */
static void
drop_connection (HdCurlSession *self)
{
  hd_curl_session_abort (self);
}

static gboolean
fail_closed (HdCurlSession  *self,
             const char     *detail,
             GError        **error)
{
  drop_connection (self);
  g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
               _("%s port %u closed the connection (%s)"), self->host, self->port, detail);
  return FALSE;
}

static gboolean
check_open (HdCurlSession  *self,
            GCancellable   *cancellable,
            GError        **error)
{
  if (!self->raw || self->curl == NULL)
    {
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
                   _("The connection to %s port %u is not open"), self->host, self->port);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      drop_connection (self);
      return FALSE;
    }
  return TRUE;
}

/* Polls the raw socket for @events and the cancellable's fd until either is
 * ready or @timeout_usec pass; poll()'s result (0: the time ran out). */
int
hd_curl_session_raw_poll (HdCurlSession *self,
                          short          events,
                          gint64         timeout_usec,
                          GCancellable  *cancellable)
{
  struct pollfd fds[2] = { { self->raw_fd, events, 0 }, { -1, POLLIN, 0 } };
  GPollFD cancel_fd = { -1, 0, 0 };
  gboolean have_cancel_fd = cancellable != NULL
                            && g_cancellable_make_pollfd (cancellable, &cancel_fd);
  gint64 deadline = g_get_monotonic_time () + timeout_usec;
  int n;

  if (have_cancel_fd)
    fds[1].fd = cancel_fd.fd;
  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      n = left > 0 ? poll (fds, have_cancel_fd ? 2 : 1, (int) ((left + 999) / 1000)) : 0;
      if (n >= 0 || errno != EINTR)
        break;
    }
  if (have_cancel_fd)
    g_cancellable_release_fd (cancellable);
  return n;
}

/* Waits until the socket is ready for @events, the cancellable fires, or
 * @timeout_seconds pass without either. */
static gboolean
wait_socket (HdCurlSession  *self,
             short           events,
             guint           timeout_seconds,
             GCancellable   *cancellable,
             GError        **error)
{
  int n = hd_curl_session_raw_poll (self, events,
                                    (gint64) timeout_seconds * G_USEC_PER_SEC, cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      drop_connection (self);
      return FALSE;
    }
  if (n < 0)
    return fail_closed (self, g_strerror (errno), error);
  if (n == 0)
    {
      drop_connection (self);
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TIMED_OUT,
                   _("Timed out: %s port %u sent nothing for %u seconds"), self->host,
                   self->port, timeout_seconds);
      return FALSE;
    }
  /* Readiness, a hang-up or an error: the next send or receive tells which. */
  return TRUE;
}

/* Reads what the connection has (at least one byte) behind the unread part
 * of the buffer, growing it when a line does not fit. */
gboolean
hd_curl_session_raw_fill (HdCurlSession  *self,
                          guint           timeout_seconds,
                          GCancellable   *cancellable,
                          GError        **error)
{
  if (self->raw_start > 0)
    {
      memmove (self->raw_buffer, self->raw_buffer + self->raw_start,
               self->raw_end - self->raw_start);
      self->raw_end -= self->raw_start;
      self->raw_start = 0;
    }
  if (self->raw_capacity - self->raw_end < RAW_CHUNK)
    {
      self->raw_capacity = self->raw_end + RAW_CHUNK;
      self->raw_buffer = g_realloc (self->raw_buffer, self->raw_capacity);
    }

  for (;;)
    {
      size_t n = 0;
      CURLcode rc;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          drop_connection (self);
          return FALSE;
        }
      /* TLS may hold decrypted bytes that the socket no longer shows: ask
       * libcurl first, and wait only when it has nothing. */
      rc = curl_easy_recv (self->curl, self->raw_buffer + self->raw_end,
                           self->raw_capacity - self->raw_end, &n);
      if (rc == CURLE_OK && n == 0)
        return fail_closed (self, _("end of stream"), error);
      if (rc == CURLE_OK)
        {
          self->raw_end += n;
          return TRUE;
        }
      if (rc != CURLE_AGAIN)
        return fail_closed (self, curl_easy_strerror (rc), error);
      if (!wait_socket (self, POLLIN, timeout_seconds, cancellable, error))
        return FALSE;
    }
}

/**
 * hd_curl_session_new_sibling:
 * @self: a #HdCurlSession
 *
 * A second session to the same server, set up the same way (TLS, pin,
 * timeouts, login), with its own connection and transcript and no hooks:
 * for a raw connection beside the one that libcurl conducts.
 *
 * Returns: (transfer full): a new #HdCurlSession
 */
HdCurlSession *
hd_curl_session_new_sibling (HdCurlSession *self)
{
  HdCurlSession *sibling;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  sibling = g_object_new (HD_TYPE_CURL_SESSION, NULL);
  sibling->base_url = g_strdup (self->base_url);
  sibling->host = g_strdup (self->host);
  sibling->port = self->port;
  sibling->protocols = g_strdup (self->protocols);
  hd_curl_session_set_timeouts (sibling, self->connect_timeout, self->low_speed_timeout);
  hd_curl_session_set_tls (sibling, self->tls_required, self->pinned_key);
  hd_curl_session_set_pin_probe (sibling, self->probe_command, self->probe_nobody);
  hd_curl_session_set_login (sibling, self->username, self->password, self->bearer,
                             self->authzid, self->login_options);
  return sibling;
}

/**
 * hd_curl_session_open_raw:
 * @self: a #HdCurlSession
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends the session's connection, if any, and opens a new one in raw mode:
 * libcurl connects, does TLS or STARTTLS and logs in, as for a transfer,
 * and then leaves the connection to the hd_curl_session_raw_…() calls. The
 * login's failures are reported as hd_curl_session_perform() reports them.
 * hd_curl_session_close() or hd_curl_session_abort() end raw mode.
 *
 * Returns: %TRUE when the connection is open and logged in
 */
gboolean
hd_curl_session_open_raw (HdCurlSession  *self,
                          GCancellable   *cancellable,
                          GError        **error)
{
  curl_socket_t fd = CURL_SOCKET_BAD;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  hd_curl_session_close (self);
  if (hd_curl_session_ensure_handle (self, error) == NULL)
    return FALSE;
  curl_easy_setopt (self->curl, CURLOPT_CONNECT_ONLY, 1L);
  if (!hd_curl_session_perform (self, "/", NULL, FALSE, NULL, NULL, cancellable, error))
    {
      hd_curl_session_close (self);
      return FALSE;
    }
  if (curl_easy_getinfo (self->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK
      || fd == CURL_SOCKET_BAD)
    {
      hd_curl_session_close (self);
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
                   _("%s port %u closed the connection after the login"), self->host,
                   self->port);
      return FALSE;
    }

  self->raw = TRUE;
  self->raw_fd = fd;
  self->raw_start = self->raw_end = 0;
  return TRUE;
}

/**
 * hd_curl_session_is_raw:
 * @self: a #HdCurlSession
 *
 * Returns: whether the session has an open connection in raw mode
 */
gboolean
hd_curl_session_is_raw (HdCurlSession *self)
{
  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);

  return self->raw && self->curl != NULL;
}

/**
 * hd_curl_session_raw_send_line:
 * @self: a #HdCurlSession in raw mode
 * @line: one command line, without its line end (CRLF is added)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends one line, after it has gone through the line hook and, redacted,
 * into the transcript.
 *
 * Returns: %TRUE when all of it was sent
 */
gboolean
hd_curl_session_raw_send_line (HdCurlSession  *self,
                               const char     *line,
                               GCancellable   *cancellable,
                               GError        **error)
{
  g_autofree char *wire = NULL;
  gsize length;
  gsize sent = 0;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);
  g_return_val_if_fail (line != NULL && strpbrk (line, "\r\n") == NULL, FALSE);

  if (!check_open (self, cancellable, error))
    return FALSE;

  hd_curl_session_note_line (self, HD_REDACT_CLIENT, line);
  wire = g_strconcat (line, "\r\n", NULL);
  length = strlen (wire);
  while (sent < length)
    {
      size_t n = 0;
      CURLcode rc = curl_easy_send (self->curl, wire + sent, length - sent, &n);

      if (rc == CURLE_OK)
        sent += n;
      else if (rc != CURLE_AGAIN)
        return fail_closed (self, curl_easy_strerror (rc), error);
      else if (!wait_socket (self, POLLOUT, self->low_speed_timeout, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_curl_session_raw_read_line:
 * @self: a #HdCurlSession in raw mode
 * @timeout_seconds: how long the server may stay silent; 0 for the
 *   session's low-speed timeout (an IDLE waits longer)
 * @cancellable: (nullable): a #GCancellable; it ends the wait at once
 * @error: return location for a #GError
 *
 * Reads one line, which goes through the line hook and, redacted, into the
 * transcript.
 *
 * Returns: (transfer full) (nullable): the line without its line end, or
 *   %NULL on failure (and the connection is dropped)
 */
char *
hd_curl_session_raw_read_line (HdCurlSession  *self,
                               guint           timeout_seconds,
                               GCancellable   *cancellable,
                               GError        **error)
{
  gsize scanned = 0;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), NULL);

  if (!check_open (self, cancellable, error))
    return NULL;
  if (timeout_seconds == 0)
    timeout_seconds = self->low_speed_timeout;

  for (;;)
    {
      const guint8 *start = self->raw_buffer + self->raw_start;
      gsize available = self->raw_end - self->raw_start;
      const guint8 *newline = available > scanned
                              ? memchr (start + scanned, '\n', available - scanned) : NULL;

      if (newline != NULL)
        {
          gsize length = newline - start;
          char *line;

          self->raw_start += length + 1;
          if (length > 0 && start[length - 1] == '\r')
            length--;
          line = g_strndup ((const char *) start, length);
          hd_curl_session_note_line (self, HD_REDACT_SERVER, line);
          return line;
        }
      scanned = available;
      if (available >= RAW_MAX_LINE)
        {
          drop_connection (self);
          g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_FAILED,
                       _("%s port %u sent a line longer than %u bytes"), self->host,
                       self->port, (guint) RAW_MAX_LINE);
          return NULL;
        }
      if (!hd_curl_session_raw_fill (self, timeout_seconds, cancellable, error))
        return NULL;
    }
}

/**
 * hd_curl_session_raw_read_literal:
 * @self: a #HdCurlSession in raw mode
 * @size: how many bytes follow (an IMAP literal's length)
 * @sink: (nullable): where they go, in pieces as they arrive; %NULL to
 *   read them past
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads exactly @size bytes. They stay out of the transcript. When the
 * connection ends before the last one, this fails: what @sink received is
 * then a mail cut short, and the caller must not keep it as whole.
 *
 * Returns: %TRUE when all @size bytes went into @sink
 */
gboolean
hd_curl_session_raw_read_literal (HdCurlSession  *self,
                                  goffset         size,
                                  GOutputStream  *sink,
                                  GCancellable   *cancellable,
                                  GError        **error)
{
  goffset left = size;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);
  g_return_val_if_fail (size >= 0, FALSE);
  g_return_val_if_fail (sink == NULL || G_IS_OUTPUT_STREAM (sink), FALSE);

  if (!check_open (self, cancellable, error))
    return FALSE;

  while (left > 0)
    {
      gsize available = self->raw_end - self->raw_start;
      gsize take;

      if (available == 0)
        {
          if (!hd_curl_session_raw_fill (self, self->low_speed_timeout, cancellable, error))
            return FALSE;
          available = self->raw_end - self->raw_start;
        }
      take = (gsize) MIN ((goffset) available, left);
      if (sink != NULL
          && !g_output_stream_write_all (sink, self->raw_buffer + self->raw_start, take, NULL,
                                         cancellable, error))
        {
          drop_connection (self);
          return FALSE;
        }
      self->raw_start += take;
      left -= take;
    }
  return TRUE;
}
