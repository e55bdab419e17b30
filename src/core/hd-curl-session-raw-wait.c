/* hd-curl-session-raw-wait.c: waiting on a raw connection without reading.
 *
 * hd_curl_session_raw_read_line() drops the connection when its wait times
 * out or is cancelled, as it must in the middle of a reply. An IMAP IDLE
 * waits on purpose, for as long as it likes, and must still be able to say
 * DONE when its time is up or when it is told to stop: this wait leaves the
 * connection as it is in both cases.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <glib/gi18n-lib.h>
#include <poll.h>

/**
 * hd_curl_session_raw_wait:
 * @self: a #HdCurlSession in raw mode
 * @timeout_ms: how long to wait at most
 * @cancellable: (nullable): a #GCancellable; it ends the wait at once
 * @error: return location for a #GError
 *
 * Waits until the server has sent something (or ended the connection: the
 * next read says which), or @timeout_ms pass. Neither a timeout nor a
 * cancellation closes the connection.
 *
 * Returns: %TRUE when there is something to read; %FALSE without @error
 *   when the time ran out; %FALSE with @error when cancelled or when the
 *   session is not in raw mode
 */
gboolean
hd_curl_session_raw_wait (HdCurlSession  *self,
                          guint           timeout_ms,
                          GCancellable   *cancellable,
                          GError        **error)
{
  int n;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);

  if (!hd_curl_session_is_raw (self))
    {
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
                   _("The connection to %s port %u is not open"), self->host, self->port);
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* A line that came with the last one is read already. */
  if (self->raw_end > self->raw_start)
    return TRUE;

  n = hd_curl_session_raw_poll (self, POLLIN, (gint64) timeout_ms * 1000, cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* An error of poll() itself, or readiness: the read that follows tells. */
  return n != 0;
}
