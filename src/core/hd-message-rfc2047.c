/* hd-message-rfc2047.c: RFC 2047 encoded words in HdMessage's headers,
 * decoded here rather than by GMime.
 *
 * GMime 3.2.13 drops the B-encoded words that follow one ending in "="
 * padding, and it cuts a display name at a comma that sits inside an encoded
 * word. Mailers split every long non-ASCII subject and name into adjacent
 * encoded words, often in the middle of a multibyte character, so adjacent
 * words of one charset are joined as bytes before their charset is converted
 * (RFC 2047 §6.2 needs this for split characters anyway).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <string.h>

typedef struct
{
  char       *charset;  /* NULL for plain text */
  GByteArray *bytes;
} Segment;

static void
segment_free (Segment *segment)
{
  g_free (segment->charset);
  g_byte_array_unref (segment->bytes);
  g_free (segment);
}

/* Decoding one encoded word ---------------------------------------------- */

static void
decode_q (const char *text,
          gsize       length,
          GByteArray *out)
{
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = (guint8) text[i];

      if (c == '_')
        c = ' ';
      else if (c == '=' && i + 2 < length && g_ascii_isxdigit (text[i + 1])
               && g_ascii_isxdigit (text[i + 2]))
        {
          c = (guint8) (g_ascii_xdigit_value (text[i + 1]) * 16
                        + g_ascii_xdigit_value (text[i + 2]));
          i += 2;
        }
      g_byte_array_append (out, &c, 1);
    }
}

static void
decode_b (const char *text,
          gsize       length,
          GByteArray *out)
{
  /* Each word is padded on its own, so each is decoded on its own. */
  gsize old_length = out->len;
  gint state = 0;
  guint save = 0;
  gsize n;

  g_byte_array_set_size (out, old_length + length * 3 / 4 + 3);
  n = g_base64_decode_step (text, length, out->data + old_length, &state, &save);
  g_byte_array_set_size (out, old_length + n);
}

/* Parses the encoded word at @s, "=?charset?B|Q?text?=". Returns its length
 * in bytes, 0 when @s is not one. */
static gsize
parse_encoded_word (const char  *s,
                    gsize        length,
                    char       **charset,
                    char        *encoding,
                    const char **text,
                    gsize       *text_length)
{
  gsize i = 2;
  gsize charset_end;
  const char *end;

  if (length < 8 || s[0] != '=' || s[1] != '?')
    return 0;
  while (i < length && s[i] != '?' && !g_ascii_isspace (s[i]) && i < 80)
    i++;
  if (i == 2 || i + 3 >= length || s[i] != '?')
    return 0;
  charset_end = i;
  *encoding = g_ascii_toupper (s[i + 1]);
  if ((*encoding != 'B' && *encoding != 'Q') || s[i + 2] != '?')
    return 0;

  *text = s + i + 3;
  end = g_strstr_len (*text, length - (i + 3), "?=");
  if (end == NULL)
    return 0;
  for (const char *p = *text; p < end; p++)
    {
      /* Not a word at all when its text cannot be in its encoding. */
      if (g_ascii_isspace (*p) || (guint8) *p >= 0x7F || *p < ' ')
        return 0;
      if (*encoding == 'B' && !g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
        return 0;
    }
  *text_length = end - *text;

  /* "charset*language" (RFC 2231): the language is dropped. */
  *charset = g_strndup (s + 2, charset_end - 2);
  if (strchr (*charset, '*') != NULL)
    *strchr (*charset, '*') = '\0';
  return (end + 2) - s;
}

/* Splitting a value into text and encoded words --------------------------- */

static Segment *
segment_new (const char *charset)
{
  Segment *segment = g_new0 (Segment, 1);

  segment->charset = g_strdup (charset);
  segment->bytes = g_byte_array_new ();
  return segment;
}

/* Splits @value into plain-text segments and encoded-word segments; white
 * space between two encoded words vanishes, and adjacent words of one
 * charset become one segment. */
static GPtrArray *
split_segments (const char *value,
                gsize       length)
{
  GPtrArray *segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  Segment *current = NULL;
  gboolean last_was_word = FALSE;
  gsize i = 0;

  while (i < length)
    {
      g_autofree char *charset = NULL;
      const char *text = NULL;
      gsize text_length = 0;
      char encoding = 0;
      gsize used = 0;

      if (value[i] == '=' && i + 1 < length && value[i + 1] == '?')
        used = parse_encoded_word (value + i, length - i, &charset, &encoding, &text,
                                   &text_length);
      if (used > 0)
        {
          if (current == NULL || current->charset == NULL
              || g_ascii_strcasecmp (current->charset, charset) != 0 || !last_was_word)
            {
              current = segment_new (charset);
              g_ptr_array_add (segments, current);
            }
          if (encoding == 'B')
            decode_b (text, text_length, current->bytes);
          else
            decode_q (text, text_length, current->bytes);
          last_was_word = TRUE;
          i += used;
          continue;
        }

      if (current == NULL || current->charset != NULL)
        {
          if (last_was_word && g_ascii_isspace (value[i]))
            {
              /* Maybe only the space between two words: held apart so that it
               * can be dropped when another word follows. */
              gsize j = i;

              while (j < length && g_ascii_isspace (value[j]))
                j++;
              if (j + 1 < length && value[j] == '=' && value[j + 1] == '?')
                {
                  g_autofree char *next_charset = NULL;
                  const char *next_text;
                  gsize next_length;
                  char next_encoding;

                  if (parse_encoded_word (value + j, length - j, &next_charset,
                                          &next_encoding, &next_text, &next_length) > 0)
                    {
                      i = j;
                      continue;
                    }
                }
            }
          current = segment_new (NULL);
          g_ptr_array_add (segments, current);
        }
      g_byte_array_append (current->bytes, (const guint8 *) value + i, 1);
      last_was_word = FALSE;
      i++;
    }

  return segments;
}

/* Public ------------------------------------------------------------------ */

/**
 * hd_message_decode_header:
 * @self: a #HdMessage, for the charset hints and the warnings
 * @raw: (nullable): a raw header value, possibly folded, possibly 8-bit
 *
 * Decodes an unstructured header value (a Subject, a display name): folding
 * removed, encoded words decoded with adjacent words of one charset joined,
 * 8-bit text read as UTF-8 or guessed.
 *
 * Returns: (transfer full) (nullable): UTF-8 text, %NULL for %NULL
 */
char *
hd_message_decode_header (HdMessage  *self,
                          const char *raw)
{
  g_autoptr(GPtrArray) segments = NULL;
  GString *unfolded;
  GString *out;

  if (raw == NULL)
    return NULL;

  unfolded = g_string_sized_new (strlen (raw));
  for (const char *p = raw; *p != '\0'; p++)
    if (*p != '\r' && *p != '\n')
      g_string_append_c (unfolded, *p);

  segments = split_segments (unfolded->str, unfolded->len);
  out = g_string_sized_new (unfolded->len);
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *segment = segments->pdata[i];
      g_autofree char *text = NULL;

      text = hd_message_decode_text_noting (self, (const char *) segment->bytes->data,
                                            segment->bytes->len, segment->charset);
      g_string_append (out, text);
    }
  g_string_free (unfolded, TRUE);

  return g_string_free (out, FALSE);
}

static void
append_quoted (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, g_ascii_iscntrl (*p) ? ' ' : *p);
    }
  g_string_append_c (out, '"');
}

/* Returns the end of the quoted string, comment or angle address that
 * starts at @p (just after its closing character). */
static const char *
skip_delimited (const char *p)
{
  char open = *p;
  char close = open == '"' ? '"' : open == '(' ? ')' : '>';
  int depth = 0;

  for (p++; *p != '\0'; p++)
    {
      if (*p == '\\' && open != '<' && p[1] != '\0')
        {
          p++;
          continue;
        }
      if (open == '(' && *p == '(')
        depth++;
      else if (*p == close)
        {
          if (depth == 0)
            return p + 1;
          depth--;
        }
    }
  return p;
}

/**
 * hd_message_prepare_address_header:
 * @self: a #HdMessage
 * @raw: a raw address header value (From, To, Cc, Reply-To…)
 *
 * Rewrites an address header so that GMime's address parser cannot go
 * wrong on encoded words: each run of encoded words in a display name, and
 * each quoted string that holds one, becomes a quoted string of the decoded
 * UTF-8 text. A comma inside an encoded word then stays in the name.
 *
 * Returns: (transfer full): the header value to parse, in UTF-8
 */
char *
hd_message_prepare_address_header (HdMessage  *self,
                                   const char *raw)
{
  g_autofree char *unfolded = NULL;
  GString *out;
  const char *p;

  {
    GString *u = g_string_new (NULL);

    for (p = raw; *p != '\0'; p++)
      if (*p != '\r' && *p != '\n')
        g_string_append_c (u, *p);
    unfolded = g_string_free (u, FALSE);
  }

  /* 8-bit names are read (or guessed) first; encoded words are ASCII. */
  if (!g_utf8_validate (unfolded, -1, NULL))
    {
      char *text = hd_message_decode_text_noting (self, unfolded, strlen (unfolded), NULL);

      g_free (unfolded);
      unfolded = text;
    }

  out = g_string_sized_new (strlen (unfolded) + 16);
  p = unfolded;
  while (*p != '\0')
    {
      if (*p == '"')
        {
          const char *end = skip_delimited (p);
          g_autofree char *inner = g_strndup (p + 1, MAX (end - p - 2, 0));

          if (strstr (inner, "=?") != NULL)
            {
              g_autofree char *decoded = hd_message_decode_header (self, inner);

              append_quoted (out, decoded);
            }
          else
            g_string_append_len (out, p, end - p);
          p = end;
        }
      else if (*p == '(' || *p == '<')
        {
          const char *end = skip_delimited (p);

          g_string_append_len (out, p, end - p);
          p = end;
        }
      else if (p[0] == '=' && p[1] == '?')
        {
          /* The run of encoded words and the white space between them. */
          const char *end = p;
          const char *scan = p;

          while (*scan != '\0')
            {
              g_autofree char *charset = NULL;
              const char *text;
              gsize text_length;
              char encoding;
              gsize used = parse_encoded_word (scan, strlen (scan), &charset, &encoding,
                                               &text, &text_length);

              if (used == 0)
                break;
              end = scan + used;
              scan = end;
              while (*scan == ' ' || *scan == '\t')
                scan++;
            }
          if (end == p)
            {
              g_string_append_c (out, *p++);
              continue;
            }
          {
            g_autofree char *run = g_strndup (p, end - p);
            g_autofree char *decoded = hd_message_decode_header (self, run);

            append_quoted (out, decoded);
          }
          p = end;
        }
      else
        g_string_append_c (out, *p++);
    }

  return g_string_free (out, FALSE);
}
