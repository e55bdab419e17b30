/* hd-curl-session-transcript.c: what libcurl shows of the dialogue: split
 * into lines, each handed to the protocol's hook and, through
 * hd_redact_line(), into the transcript; a new connection is noticed here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-curl-session-private.h"

#include <string.h>

/* A long session (an IDLE connection held for days, a poll of tens of
 * thousands of mails) keeps the start of its dialogue, where the greeting
 * and the login are, and its most recent part; the middle goes. The head is
 * an eighth of the limit. */
#define TRANSCRIPT_LIMIT (512 * 1024)
#define TRANSCRIPT_MIN_LIMIT (4 * 1024)

static void
transcript_trim (HdCurlSession *self)
{
  GString *t = self->transcript;
  gsize limit = self->transcript_limit != 0 ? self->transcript_limit : TRANSCRIPT_LIMIT;
  gsize head = limit / 8;
  const char *head_end;
  const char *keep_from;
  g_autofree char *marker = NULL;

  if (t->len <= limit)
    return;
  head_end = memchr (t->str + head, '\n', t->len - head);
  keep_from = head_end != NULL ? memchr (t->str + t->len - limit / 2, '\n', limit / 2)
                               : NULL;
  if (head_end == NULL || keep_from == NULL || keep_from <= head_end)
    return;
  marker = g_strdup_printf ("== (%" G_GSIZE_FORMAT " bytes of the dialogue left out)\n",
                            (gsize) (keep_from - head_end));
  g_string_erase (t, head_end + 1 - t->str, keep_from - head_end);
  g_string_insert (t, head_end + 1 - t->str, marker);
}

static void
transcript_add (HdCurlSession  *self,
                HdRedactSource  source,
                const char     *line)
{
  static const char * const prefixes[] = { "C: ", "S: ", "== " };
  g_autofree char *redacted = hd_redact_line (&self->redact, source, line);

  /* The redaction is line-based and protocol-aware; this guard is for the
   * line it did not foresee. */
  if ((self->password != NULL && *self->password != '\0'
       && strstr (redacted, self->password) != NULL)
      || (self->bearer != NULL && *self->bearer != '\0'
          && strstr (redacted, self->bearer) != NULL))
    {
      g_free (redacted);
      redacted = g_strdup ("[redacted]");
    }

  g_string_append (self->transcript, prefixes[source]);
  g_string_append (self->transcript, redacted);
  g_string_append_c (self->transcript, '\n');
  transcript_trim (self);
}

/* libcurl hands its debug data over in pieces that may hold several lines
 * (a multi-line reply) or end in a line end; each line goes to the
 * protocol and to the transcript on its own. */
static void
handle_lines (HdCurlSession  *self,
              HdRedactSource  source,
              const char     *data,
              size_t          size)
{
  g_autofree char *copy = g_strndup (data, size);
  g_auto (GStrv) lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0 && lines[i + 1] == NULL)
        break;

      if (source == HD_REDACT_INFO && g_str_has_prefix (line, "Connected to "))
        {
          /* A new connection: numbers and identities the protocol learnt
           * on the previous one are void, and so is the redaction state. */
          memset (&self->redact, 0, sizeof self->redact);
          self->generation++;
          if (self->connected_func != NULL)
            self->connected_func (self->hook_data);
        }
      else if (source == HD_REDACT_SERVER)
        self->saw_server_line = TRUE;

      if (self->line_func != NULL)
        self->line_func (self->hook_data, source, line);
      transcript_add (self, source, line);
    }
}

/**
 * hd_curl_session_set_transcript_limit:
 * @limit: the most bytes the transcript keeps (at least 4 KiB), or 0 for the
 *   default of 512 KiB
 *
 * Bounds the transcript: past @limit, its middle goes, and the first eighth
 * of @limit (greeting, login) and the latest part stay.
 */
void
hd_curl_session_set_transcript_limit (HdCurlSession *self,
                                      gsize          limit)
{
  g_return_if_fail (HD_IS_CURL_SESSION (self));

  self->transcript_limit = limit != 0 ? MAX (limit, TRANSCRIPT_MIN_LIMIT) : 0;
  transcript_trim (self);
}

/* One line of a dialogue that the caller conducts itself (raw mode), to the
 * protocol's hook and, redacted, into the transcript like libcurl's own. */
void
hd_curl_session_note_line (HdCurlSession  *self,
                           HdRedactSource  source,
                           const char     *line)
{
  handle_lines (self, source, line, strlen (line));
}

int
hd_curl_session_debug_cb (CURL          *handle,
                          curl_infotype  type,
                          char          *data,
                          size_t         size,
                          void          *user_data)
{
  HdCurlSession *self = user_data;

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
