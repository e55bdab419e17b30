/* hd-message-text.c: text clean-up for HdMessage: header values on one line
 * and format=flowed bodies. Charsets live in hd-message-charset.c, HTML in
 * hd-message-html.c and file names in hd-message-filename.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <string.h>

/**
 * hd_message_clean_header_text:
 * @text: (nullable): a decoded header value
 *
 * Makes a decoded header value fit for one line of a ticket: valid UTF-8,
 * control characters turned into spaces, runs of white space collapsed and
 * the ends trimmed.
 *
 * Returns: (transfer full) (nullable): the cleaned text, %NULL for %NULL
 */
char *
hd_message_clean_header_text (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, -1);
  out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/**
 * hd_message_unflow_text:
 * @text: text/plain; format=flowed content, in UTF-8 with LF line ends
 * @delsp: whether the part said delsp=yes
 *
 * Joins the soft line breaks of RFC 3676 text, so that paragraphs that the
 * sender's mailer wrapped read as paragraphs again. Quoted lines are only
 * joined with lines of the same quote depth; the signature separator
 * "-- " is never joined.
 *
 * Returns: (transfer full): the unflowed text
 */
char *
hd_message_unflow_text (const char *text,
                        gboolean    delsp)
{
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GString *out = g_string_sized_new (text != NULL ? strlen (text) : 0);
  guint open_depth = 0;
  gboolean open = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      guint depth = 0;
      gsize length;
      gboolean soft;

      while (line[depth] == '>')
        depth++;
      line += depth;
      /* Space-stuffing protects lines that begin with a space, ">" or "From ". */
      if (*line == ' ')
        line++;

      if (open && depth != open_depth)
        {
          /* A flowed line followed by another quote depth ends there. */
          g_string_append_c (out, '\n');
          open = FALSE;
        }
      if (!open)
        {
          for (guint d = 0; d < depth; d++)
            g_string_append_c (out, '>');
          if (depth > 0)
            g_string_append_c (out, ' ');
        }

      length = strlen (line);
      soft = length > 0 && line[length - 1] == ' ' && strcmp (line, "-- ") != 0;
      if (soft && delsp)
        length--;
      g_string_append_len (out, line, length);

      if (soft && lines[i + 1] != NULL)
        {
          open = TRUE;
          open_depth = depth;
        }
      else
        {
          open = FALSE;
          if (lines[i + 1] != NULL)
            g_string_append_c (out, '\n');
        }
    }

  return g_string_free (out, FALSE);
}

