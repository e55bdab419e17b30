/* hd-message-headers.c: a first pass over a raw message's header block,
 * before GMime sees it: where the headers start, pasted banners before them,
 * unindented continuation lines, and caps on what the headers may cost.
 *
 * GMime holds every header in memory twice (raw and unfolded), so a 100 MB
 * header would cost hundreds of megabytes; here the block is read in chunks
 * and only a bounded copy of each field is kept. When nothing needs fixing
 * GMime reads the original stream untouched.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* G_DEFINE_AUTOPTR_CLEANUP_FUNC for GMime types lives in each file: GMime
 * 3.2 ships none. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)

/* One header field may keep this much; References keeps its first and its
 * last ids within the same budget (the parent is the last one). */
#define FIELD_MAX (64 * 1024)
#define REFERENCES_HEAD (8 * 1024)
#define REFERENCES_TAIL (FIELD_MAX - REFERENCES_HEAD)
/* The header block as a whole. */
#define BLOCK_MAX (1024 * 1024)
#define FIELDS_MAX 1000
#define ESSENTIAL_EXTRA_MAX 100
/* Lines before the first header that are skipped as a pasted banner. */
#define BANNER_LINES_MAX 3

typedef struct
{
  HdMessage  *self;
  GByteArray *block;       /* the header block GMime will read */
  GString    *head;        /* the current field, up to FIELD_MAX bytes */
  GString    *tail;        /* its last bytes, when it is longer */
  guint64     field_length;
  guint       fields;
  guint       essential_kept;  /* essential fields kept beyond the caps */
  gboolean    changed;
  gboolean    dropped_fields;
} Pass;

static gboolean
is_header_line (const char *line,
                gsize       length)
{
  gsize i = 0;

  while (i < length && i < 100 && line[i] > ' ' && line[i] < 0x7F && line[i] != ':')
    i++;
  if (i == 0)
    return FALSE;
  while (i < length && (line[i] == ' ' || line[i] == '\t'))
    i++;
  return i < length && line[i] == ':';
}

static gboolean
is_blank_line (const char *line,
               gsize       length)
{
  return length == 0 || (length == 1 && line[0] == '\r');
}

static gboolean
field_is (const GString *field,
          const char    *name)
{
  gsize n = strlen (name);

  return field->len > n && g_ascii_strncasecmp (field->str, name, n) == 0
         && (field->str[n] == ':' || field->str[n] == ' ' || field->str[n] == '\t');
}

/* The fields that a ticket is made of; they survive the caps on the number
 * of fields and the size of the block, so that junk before them cannot hide
 * who sent the mail. */
static gboolean
is_essential (const GString *field)
{
  static const char * const names[] = {
    "From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Subject", "Date",
    "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted", "Precedence",
    "List-Id", "X-Auto-Response-Suppress", "X-Autoreply", NULL
  };

  for (guint i = 0; names[i] != NULL; i++)
    if (field_is (field, names[i]))
      return TRUE;
  return FALSE;
}

/* Appends the finished field to the block, cut to its budget. */
static void
flush_field (Pass *pass)
{
  if (pass->head->len == 0)
    return;

  if ((pass->fields >= FIELDS_MAX
       || pass->block->len + MIN (pass->head->len, FIELD_MAX) > BLOCK_MAX)
      && !(is_essential (pass->head) && pass->essential_kept++ < ESSENTIAL_EXTRA_MAX))
    {
      pass->dropped_fields = TRUE;
      pass->changed = TRUE;
    }
  else if (pass->field_length <= FIELD_MAX)
    g_byte_array_append (pass->block, (guint8 *) pass->head->str, pass->head->len);
  else if (field_is (pass->head, "References") || field_is (pass->head, "In-Reply-To"))
    {
      /* The first ids up to the last complete one, then the last ids from
       * the first complete one. */
      const char *head_end = g_strrstr_len (pass->head->str, REFERENCES_HEAD, ">");
      const char *tail_start = strchr (pass->tail->str, '<');
      gsize head_length = head_end != NULL ? (gsize) (head_end - pass->head->str) + 1
                                           : REFERENCES_HEAD;

      g_byte_array_append (pass->block, (guint8 *) pass->head->str, head_length);
      if (tail_start != NULL)
        {
          g_byte_array_append (pass->block, (guint8 *) "\n ", 2);
          g_byte_array_append (pass->block, (guint8 *) tail_start, strlen (tail_start));
        }
      g_byte_array_append (pass->block, (guint8 *) "\n", 1);
      hd_message_add_warning (pass->self, _("A References header was too long; only its first "
                                            "and last ids were kept"));
      pass->changed = TRUE;
    }
  else
    {
      gsize keep = FIELD_MAX;

      /* Not in the middle of a UTF-8 character. */
      while (keep > 0 && ((guint8) pass->head->str[keep] & 0xC0) == 0x80)
        keep--;
      g_byte_array_append (pass->block, (guint8 *) pass->head->str, keep);
      g_byte_array_append (pass->block, (guint8 *) "\n", 1);
      hd_message_add_warning (pass->self, _("A header field was too long and was cut"));
      pass->changed = TRUE;
    }

  pass->fields++;
  g_string_truncate (pass->head, 0);
  g_string_truncate (pass->tail, 0);
  pass->field_length = 0;
}

/* Adds part of a line (or a whole one) to the current field. */
static void
add_to_field (Pass       *pass,
              const char *data,
              gsize       length)
{
  pass->field_length += length;
  if (pass->head->len < FIELD_MAX + 1)
    g_string_append_len (pass->head, data, MIN (length, FIELD_MAX + 1 - pass->head->len));
  if (pass->field_length > FIELD_MAX)
    {
      gsize skip = length > REFERENCES_TAIL ? length - REFERENCES_TAIL : 0;

      if (length >= REFERENCES_TAIL)
        g_string_assign (pass->tail, "");
      g_string_append_len (pass->tail, data + skip, length - skip);
      if (pass->tail->len > 2 * REFERENCES_TAIL)
        g_string_erase (pass->tail, 0, pass->tail->len - REFERENCES_TAIL);
    }
}

/* Reads lines from @stream; a line longer than the buffer comes in pieces,
 * with @complete FALSE for all but the last. */
typedef struct
{
  GMimeStream *stream;
  char         buffer[HD_MESSAGE_CHUNK_SIZE];
  gsize        start;
  gsize        end;
  gint64       offset;       /* of buffer[start] in the stream */
  gint64       line_offset;  /* of the line read last */
  gboolean     eof;
} LineReader;

static gboolean
read_line (LineReader  *reader,
           const char **line,
           gsize       *length,
           gboolean    *complete)
{
  const char *newline;

  if (reader->start == reader->end)
    {
      ssize_t n;

      if (reader->eof)
        return FALSE;
      n = hd_message_stream_read (reader->stream, reader->buffer, sizeof reader->buffer);
      if (n <= 0)
        {
          reader->eof = TRUE;
          return FALSE;
        }
      reader->start = 0;
      reader->end = n;
    }

  reader->line_offset = reader->offset;
  newline = memchr (reader->buffer + reader->start, '\n', reader->end - reader->start);
  *line = reader->buffer + reader->start;
  if (newline != NULL)
    {
      *length = newline - *line;
      *complete = TRUE;
      reader->start += *length + 1;
      reader->offset += *length + 1;
    }
  else if (reader->start > 0 && !reader->eof)
    {
      /* Move the partial line to the front and read more behind it. */
      gsize rest = reader->end - reader->start;
      ssize_t n;

      memmove (reader->buffer, reader->buffer + reader->start, rest);
      reader->start = 0;
      reader->end = rest;
      n = hd_message_stream_read (reader->stream, reader->buffer + rest,
                                  sizeof reader->buffer - rest);
      if (n <= 0)
        reader->eof = TRUE;
      else
        reader->end += n;
      return read_line (reader, line, length, complete);
    }
  else
    {
      *length = reader->end - reader->start;
      *complete = reader->eof;
      reader->start = reader->end;
      reader->offset += *length;
      if (!reader->eof)
        {
          /* A piece of a very long line; its end comes with a later read. */
          *complete = FALSE;
        }
    }
  return TRUE;
}

/**
 * hd_message_prepare_headers:
 * @self: the message being parsed, for warnings
 * @stream: the raw message
 * @content: (out) (transfer full): what GMime should parse
 * @error: return location for an error
 *
 * Finds the header block, skips white space and a pasted banner before it,
 * indents unindented continuation lines, and caps the length of each field,
 * the number of fields and the size of the block. @content is the original
 * stream (from the first header on) when nothing had to change.
 *
 * Returns: %FALSE with @error set when the message is empty
 */
gboolean
hd_message_prepare_headers (HdMessage    *self,
                            GMimeStream  *stream,
                            GMimeStream **content,
                            GError      **error)
{
  g_autofree LineReader *reader = g_new0 (LineReader, 1);
  Pass pass = { self, NULL, NULL, NULL, 0, 0, 0, FALSE, FALSE };
  gint64 start = -1;
  gint64 body_start = -1;
  guint banner_lines = 0;
  gboolean in_line = FALSE;   /* inside a long line that comes in pieces */
  g_autoptr(GString) pending = NULL;
  gint64 pending_offset = -1;
  const char *line;
  gsize length;
  gboolean complete;

  pass.block = g_byte_array_new ();
  pass.head = g_string_new (NULL);
  pass.tail = g_string_new (NULL);

  reader->stream = g_mime_stream_substream (stream, stream->bound_start, stream->bound_end);
  g_mime_stream_reset (reader->stream);

  while (read_line (reader, &line, &length, &complete))
    {
      gint64 line_start = reader->line_offset;

      if (in_line)
        {
          if (pending != NULL)
            {
              if (pending->len + length > FIELD_MAX)
                break;  /* too long for a continuation: the body */
              g_string_append_len (pending, line, length);
            }
          else
            add_to_field (&pass, line, length);
          if (complete)
            {
              if (pending == NULL)
                add_to_field (&pass, "\n", 1);
              in_line = FALSE;
            }
          continue;
        }

      if (start < 0)
        {
          gsize i = 0;

          while (i < length && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
          if (i == length && complete)
            continue;  /* white space before the headers */
          if (!is_header_line (line, length) && banner_lines < BANNER_LINES_MAX)
            {
              banner_lines++;
              pass.changed = TRUE;
              while (!complete && read_line (reader, &line, &length, &complete))
                ;
              continue;
            }
          start = line_start;
        }

      if (pending != NULL)
        {
          /* The line held back was a continuation only when a header
           * follows it; otherwise it was the first line of the body. */
          if (!is_header_line (line, length))
            break;
          add_to_field (&pass, " ", 1);
          add_to_field (&pass, pending->str, pending->len);
          add_to_field (&pass, "\n", 1);
          g_string_free (g_steal_pointer (&pending), TRUE);
          pass.changed = TRUE;
        }

      if (is_blank_line (line, length) && complete)
        {
          body_start = reader->offset;
          break;
        }

      if (is_header_line (line, length))
        flush_field (&pass);
      else if (line[0] != ' ' && line[0] != '\t')
        {
          pending = g_string_new_len (line, length);
          pending_offset = line_start;
          in_line = !complete;
          continue;
        }
      add_to_field (&pass, line, length);
      if (complete)
        add_to_field (&pass, "\n", 1);
      else
        in_line = TRUE;
    }
  if (pending != NULL)
    {
      /* A line that is not a header ends the headers; GMime refuses some
       * such messages (a header cut off before its colon), so the block is
       * handed over with the blank line it lacks. */
      body_start = pending_offset;
      pass.changed = TRUE;
      g_string_free (g_steal_pointer (&pending), TRUE);
    }
  flush_field (&pass);
  g_clear_object (&reader->stream);

  if (start < 0)
    {
      g_byte_array_unref (pass.block);
      g_string_free (pass.head, TRUE);
      g_string_free (pass.tail, TRUE);
      if (banner_lines > 0)
        g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_NOT_A_MESSAGE,
                             _("The data is not an e-mail message: no header fields were found"));
      else
        g_set_error_literal (error, HD_MESSAGE_ERROR, HD_MESSAGE_ERROR_EMPTY,
                             _("The message is empty"));
      return FALSE;
    }

  if (banner_lines > 0)
    hd_message_add_warning (self, _("Lines before the first header were skipped"));
  if (pass.dropped_fields)
    hd_message_add_warning (self,
                            _("The message has too many header fields; the rest were dropped"));

  if (!pass.changed)
    {
      *content = g_mime_stream_substream (stream, stream->bound_start + start, stream->bound_end);
    }
  else
    {
      GMimeStream *cat = g_mime_stream_cat_new ();
      g_autoptr(GMimeStream) header = NULL;

      g_byte_array_append (pass.block, (guint8 *) "\n", 1);
      header = g_mime_stream_mem_new_with_byte_array (g_steal_pointer (&pass.block));
      g_mime_stream_cat_add_source (GMIME_STREAM_CAT (cat), header);
      if (body_start >= 0)
        {
          g_autoptr(GMimeStream) body = g_mime_stream_substream (stream,
                                                                  stream->bound_start + body_start,
                                                                  stream->bound_end);

          g_mime_stream_cat_add_source (GMIME_STREAM_CAT (cat), body);
        }
      *content = cat;
    }

  if (pass.block != NULL)
    g_byte_array_unref (pass.block);
  g_string_free (pass.head, TRUE);
  g_string_free (pass.tail, TRUE);
  g_mime_stream_reset (*content);
  return TRUE;
}
