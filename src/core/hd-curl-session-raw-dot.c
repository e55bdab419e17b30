/* hd-curl-session-raw-dot.c: a POP3 multi-line reply on a raw connection
 * (RFC 1939 §3): the lines after the status line up to the one that holds a
 * single ".", with the dot that the server put before every line starting
 * with one taken off again. A mail comes this way (RETR), and so does a
 * listing (UIDL). The bytes go to a stream as they arrive, in runs as long
 * as the buffer holds, and stay out of the transcript as a literal does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* What a line that starts with the termination octet is, from the bytes
 * that follow it: the end of the reply (".CRLF", or ".LF" from a server that
 * ends its lines so), a stuffed line whose first dot goes, or not known yet
 * because the buffer ends too soon. */
typedef enum {
  DOT_END,
  DOT_STUFFED,
  DOT_NEED_MORE,
} DotLine;

static DotLine
classify_dot (const guint8 *p,
              gsize         available,
              gsize        *out_end_length)
{
  g_assert (available >= 1 && p[0] == '.');

  if (available < 2)
    return DOT_NEED_MORE;
  if (p[1] == '\n')
    {
      *out_end_length = 2;
      return DOT_END;
    }
  if (p[1] != '\r')
    return DOT_STUFFED;
  if (available < 3)
    return DOT_NEED_MORE;
  if (p[2] == '\n')
    {
      *out_end_length = 3;
      return DOT_END;
    }
  /* ".CR" and then not LF: octets other than CRLF follow the dot, so it
   * goes (RFC 1939 §3). */
  return DOT_STUFFED;
}

static gboolean
write_run (HdCurlSession  *self,
           GOutputStream  *sink,
           const guint8   *start,
           const guint8   *end,
           GCancellable   *cancellable,
           GError        **error)
{
  if (sink == NULL || end == start)
    return TRUE;
  if (g_output_stream_write_all (sink, start, end - start, NULL, cancellable, error))
    return TRUE;
  hd_curl_session_abort (self);
  return FALSE;
}

/**
 * hd_curl_session_raw_read_dot_body:
 * @self: a #HdCurlSession in raw mode, just past a POP3 "+OK" status line
 *   that a multi-line reply follows
 * @sink: (nullable): where the reply goes, dot-unstuffed, each line with
 *   its line end and without the terminating "."; %NULL to read it past
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads one multi-line reply to its terminating line. It stays out of the
 * transcript. When the connection ends before that line, this fails: what
 * @sink received is then a reply cut short (a mail the caller must not keep
 * as whole), and the connection is dropped.
 *
 * Returns: %TRUE when the reply was read to its end
 */
gboolean
hd_curl_session_raw_read_dot_body (HdCurlSession  *self,
                                   GOutputStream  *sink,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  gboolean line_start = TRUE;

  g_return_val_if_fail (HD_IS_CURL_SESSION (self), FALSE);
  g_return_val_if_fail (sink == NULL || G_IS_OUTPUT_STREAM (sink), FALSE);

  if (!hd_curl_session_is_raw (self))
    {
      g_set_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED,
                   _("The connection to %s port %u is not open"), self->host, self->port);
      return FALSE;
    }

  for (;;)
    {
      const guint8 *p = self->raw_buffer + self->raw_start;
      const guint8 *end = self->raw_buffer + self->raw_end;
      const guint8 *run = p;
      gboolean need_more = FALSE;

      while (p < end && !need_more)
        {
          const guint8 *newline;
          gsize end_length = 0;

          if (line_start && *p == '.')
            {
              switch (classify_dot (p, end - p, &end_length))
                {
                case DOT_END:
                  if (!write_run (self, sink, run, p, cancellable, error))
                    return FALSE;
                  self->raw_start = (p + end_length) - self->raw_buffer;
                  return TRUE;
                case DOT_STUFFED:
                  if (!write_run (self, sink, run, p, cancellable, error))
                    return FALSE;
                  run = ++p;
                  break;
                case DOT_NEED_MORE:
                default:
                  need_more = TRUE;
                  continue;
                }
            }
          newline = memchr (p, '\n', end - p);
          if (newline == NULL)
            {
              line_start = FALSE;
              p = end;
              break;
            }
          p = newline + 1;
          line_start = TRUE;
        }

      /* What is written goes out of the buffer; a dot whose line is not
       * known yet stays at its start for the next read. */
      if (!write_run (self, sink, run, p, cancellable, error))
        return FALSE;
      self->raw_start = p - self->raw_buffer;
      if (!hd_curl_session_raw_fill (self, self->low_speed_timeout, cancellable, error))
        return FALSE;
    }
}
