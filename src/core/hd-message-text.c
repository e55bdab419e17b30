/* hd-message-text.c: charset conversion, HTML to text and safe file names
 * for HdMessage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <gmime/gmime.h>
#include <string.h>

/* Limits how much of a file name survives; file systems allow 255 bytes and
 * the store and the UI add their own prefixes. */
#define MAX_FILENAME_BYTES 200
#define MAX_EXTENSION_BYTES 16

/* Charset conversion ----------------------------------------------------- */

/* Removes NUL bytes (they would end a C string early) and turns CRLF and lone
 * CR into LF, so that the text the ticket shows has one kind of line end. */
static char *
normalize_text (const char *data,
                gsize       length)
{
  GString *out = g_string_sized_new (length + 1);

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (c == '\0')
        continue;
      if (c == '\r')
        {
          g_string_append_c (out, '\n');
          if (i + 1 < length && data[i + 1] == '\n')
            i++;
          continue;
        }
      g_string_append_c (out, c);
    }

  return g_string_free (out, FALSE);
}

static char *
try_convert (const char *data,
             gsize       length,
             const char *from_charset,
             gsize      *out_length)
{
  g_autoptr(GError) error = NULL;
  gsize bytes_read = 0;
  gsize bytes_written = 0;
  char *converted;

  converted = g_convert (data, length, "UTF-8", from_charset,
                         &bytes_read, &bytes_written, &error);
  if (converted == NULL)
    return NULL;

  /* A stateful charset may stop short of the end without an error; a partial
   * conversion would silently cut the text, so it counts as a failure. */
  if (bytes_read != length)
    {
      g_free (converted);
      return NULL;
    }

  *out_length = bytes_written;
  return converted;
}

static gboolean
charset_is (const char *canonical,
            const char *name)
{
  return canonical != NULL && g_ascii_strcasecmp (canonical, name) == 0;
}

/**
 * hd_message_text_to_utf8:
 * @data: the decoded bytes of a text part or header
 * @length: length of @data
 * @charset: (nullable): the declared charset, if any
 *
 * Converts text to UTF-8 on a best-effort basis: the declared charset first,
 * then UTF-8, then windows-1252 and finally ISO-8859-1, which accepts every
 * byte. Labels for ISO-8859-1 and US-ASCII are read as windows-1252, as web
 * browsers do, because mailers that say latin-1 routinely send windows-1252.
 *
 * Returns: (transfer full): valid UTF-8 with LF line ends and no NUL bytes
 */
char *
hd_message_text_to_utf8 (const char *data,
                         gsize       length,
                         const char *charset)
{
  g_autofree char *converted = NULL;
  gsize converted_length = 0;
  const char *canonical = NULL;
  char *result;

  if (data == NULL || length == 0)
    return g_strdup ("");

  if (charset != NULL && *charset != '\0')
    canonical = g_mime_charset_canon_name (charset);

  if (canonical != NULL && !charset_is (canonical, "utf-8")
      && !charset_is (canonical, "us-ascii"))
    {
      if (charset_is (canonical, "iso-8859-1"))
        converted = try_convert (data, length, "WINDOWS-1252", &converted_length);
      else
        converted = try_convert (data, length, g_mime_charset_iconv_name (canonical),
                                 &converted_length);
    }

  if (converted == NULL && g_utf8_validate_len (data, length, NULL))
    {
      converted = g_strndup (data, length);
      converted_length = length;
    }
  if (converted == NULL)
    converted = try_convert (data, length, "WINDOWS-1252", &converted_length);
  if (converted == NULL)
    converted = try_convert (data, length, "ISO-8859-1", &converted_length);
  if (converted == NULL)
    {
      /* Only reachable when iconv itself is unusable; keep what is valid. */
      converted = g_utf8_make_valid (data, length);
      converted_length = strlen (converted);
    }

  result = normalize_text (converted, converted_length);
  if (!g_utf8_validate (result, -1, NULL))
    {
      char *valid = g_utf8_make_valid (result, -1);

      g_free (result);
      result = valid;
    }

  return result;
}

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
 * hd_message_sniff_html_charset:
 * @html: the start of an HTML document
 * @length: length of @html
 *
 * Finds a `charset=` declaration in the first kilobytes of an HTML part that
 * came without a charset parameter, as a browser would.
 *
 * Returns: (transfer full) (nullable): the charset label, or %NULL
 */
char *
hd_message_sniff_html_charset (const char *html,
                               gsize       length)
{
  gsize limit = MIN (length, 4096);
  static const char needle[] = "charset=";

  for (gsize i = 0; i + sizeof needle - 1 < limit; i++)
    {
      gsize start;
      gsize end;

      if (g_ascii_strncasecmp (html + i, needle, sizeof needle - 1) != 0)
        continue;

      start = i + sizeof needle - 1;
      while (start < limit && (html[start] == '"' || html[start] == '\''
                               || html[start] == ' '))
        start++;
      end = start;
      while (end < limit && (g_ascii_isalnum (html[end]) || html[end] == '-'
                             || html[end] == '_' || html[end] == ':'
                             || html[end] == '.'))
        end++;
      if (end > start)
        return g_strndup (html + start, end - start);
    }

  return NULL;
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
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_sized_new (strlen (text));
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

/* HTML to text ------------------------------------------------------------ */

typedef struct
{
  const char *name;
  gunichar    code;
} NamedEntity;

/* The entities that actually occur in mail; anything else stays literal. */
static const NamedEntity named_entities[] = {
  { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
  { "nbsp", ' ' }, { "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 },
  { "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 }, { "euro", 0x20AC },
  { "pound", 0xA3 }, { "yen", 0xA5 }, { "cent", 0xA2 }, { "sect", 0xA7 },
  { "deg", 0xB0 }, { "plusmn", 0xB1 }, { "middot", 0xB7 }, { "para", 0xB6 },
  { "laquo", 0xAB }, { "raquo", 0xBB }, { "lsaquo", 0x2039 }, { "rsaquo", 0x203A },
  { "ldquo", 0x201C }, { "rdquo", 0x201D }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
  { "sbquo", 0x201A }, { "bdquo", 0x201E }, { "ndash", 0x2013 }, { "mdash", 0x2014 },
  { "hellip", 0x2026 }, { "bull", 0x2022 }, { "times", 0xD7 }, { "divide", 0xF7 },
  { "iexcl", 0xA1 }, { "iquest", 0xBF }, { "micro", 0xB5 },
  { "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC }, { "Auml", 0xC4 },
  { "Ouml", 0xD6 }, { "Uuml", 0xDC }, { "szlig", 0xDF }, { "euml", 0xEB },
  { "iuml", 0xEF }, { "aacute", 0xE1 }, { "eacute", 0xE9 }, { "iacute", 0xED },
  { "oacute", 0xF3 }, { "uacute", 0xFA }, { "Aacute", 0xC1 }, { "Eacute", 0xC9 },
  { "Iacute", 0xCD }, { "Oacute", 0xD3 }, { "Uacute", 0xDA }, { "agrave", 0xE0 },
  { "egrave", 0xE8 }, { "igrave", 0xEC }, { "ograve", 0xF2 }, { "ugrave", 0xF9 },
  { "Agrave", 0xC0 }, { "Egrave", 0xC8 }, { "acirc", 0xE2 }, { "ecirc", 0xEA },
  { "icirc", 0xEE }, { "ocirc", 0xF4 }, { "ucirc", 0xFB }, { "ccedil", 0xE7 },
  { "Ccedil", 0xC7 }, { "ntilde", 0xF1 }, { "Ntilde", 0xD1 }, { "atilde", 0xE3 },
  { "otilde", 0xF5 }, { "aring", 0xE5 }, { "Aring", 0xC5 }, { "aelig", 0xE6 },
  { "AElig", 0xC6 }, { "oslash", 0xF8 }, { "Oslash", 0xD8 }, { "yuml", 0xFF },
};

/* HTML maps character references in the C1 range to windows-1252, because
 * that is what authors meant; 0 marks the five holes of windows-1252. */
static const gunichar windows_1252_c1[32] = {
  0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
  0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

typedef struct
{
  GString  *out;
  gboolean  pending_space;
  gboolean  pending_bullet;
  guint     pre_depth;
  char     *href;
  gsize     link_start;
} HtmlState;

static gboolean
at_line_start (HtmlState *st)
{
  return st->out->len == 0 || st->out->str[st->out->len - 1] == '\n';
}

static void
emit_text (HtmlState  *st,
           const char *text,
           gssize      length)
{
  if (st->pending_bullet)
    {
      /* The marker waits for the item's text, so that a paragraph inside
       * the item does not leave it alone on a line. */
      g_string_append (st->out, "- ");
      st->pending_bullet = FALSE;
      st->pending_space = FALSE;
    }
  if (st->pending_space && !at_line_start (st))
    g_string_append_c (st->out, ' ');
  st->pending_space = FALSE;
  g_string_append_len (st->out, text, length);
}

static void
trim_trailing_blanks (GString *out)
{
  while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
    g_string_truncate (out, out->len - 1);
}

/* Makes sure the output ends in at least @count line breaks, so that blocks
 * are separated without piling up empty lines. */
static void
emit_break (HtmlState *st,
            guint      count)
{
  guint have = 0;

  if (st->pending_bullet)
    return;
  st->pending_space = FALSE;
  trim_trailing_blanks (st->out);
  if (st->out->len == 0)
    return;

  for (gsize i = st->out->len; i > 0 && st->out->str[i - 1] == '\n'; i--)
    have++;
  for (; have < count; have++)
    g_string_append_c (st->out, '\n');
}

static void
emit_newline (HtmlState *st)
{
  st->pending_space = FALSE;
  trim_trailing_blanks (st->out);
  g_string_append_c (st->out, '\n');
}

static void
append_unichar_safe (GString *out,
                     gunichar c)
{
  if (c == 0)
    return;
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    c = 0xFFFD;
  g_string_append_unichar (out, c);
}

/* Decodes the character reference at @s (which starts with '&') into @dst.
 * Returns how many bytes it used, or 0 when @s is not a reference. */
static gsize
decode_entity (const char *s,
               gsize       length,
               GString    *dst)
{
  gsize i = 1;

  if (length > 2 && s[1] == '#')
    {
      gboolean hex = (s[2] == 'x' || s[2] == 'X');
      guint64 value = 0;
      gsize digits = 0;

      i = hex ? 3 : 2;
      while (i < length && digits < 8
             && (hex ? g_ascii_isxdigit (s[i]) : g_ascii_isdigit (s[i])))
        {
          value = value * (hex ? 16 : 10)
                  + (hex ? (guint64) g_ascii_xdigit_value (s[i]) : (guint64) (s[i] - '0'));
          i++;
          digits++;
        }
      if (digits == 0)
        return 0;
      while (i < length && (hex ? g_ascii_isxdigit (s[i]) : g_ascii_isdigit (s[i])))
        {
          /* Too many digits: certainly out of range. */
          value = 0x110000;
          i++;
        }
      if (i < length && s[i] == ';')
        i++;

      if (value >= 0x80 && value <= 0x9F)
        value = windows_1252_c1[value - 0x80] ? windows_1252_c1[value - 0x80] : 0xFFFD;
      else if (value == 0)
        value = 0xFFFD;
      append_unichar_safe (dst, (gunichar) MIN (value, 0x110000));
      return i;
    }

  while (i < length && i < 34 && g_ascii_isalnum (s[i]))
    i++;
  if (i == 1 || i >= length || s[i] != ';')
    return 0;

  for (guint k = 0; k < G_N_ELEMENTS (named_entities); k++)
    {
      const char *name = named_entities[k].name;

      if (strlen (name) == i - 1 && strncmp (s + 1, name, i - 1) == 0)
        {
          append_unichar_safe (dst, named_entities[k].code);
          return i + 1;
        }
    }

  return 0;
}

static gboolean
tag_in (const char        *name,
        const char * const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (strcmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Returns the value of attribute @wanted within the text between a tag name
 * and its closing '>', with entities decoded. */
static char *
get_attribute (const char *attrs,
               gsize       length,
               const char *wanted)
{
  gsize i = 0;

  while (i < length)
    {
      gsize name_start;
      gsize name_end;
      gsize value_start;
      gsize value_end;

      while (i < length && (g_ascii_isspace (attrs[i]) || attrs[i] == '/'))
        i++;
      name_start = i;
      while (i < length && !g_ascii_isspace (attrs[i]) && attrs[i] != '=' && attrs[i] != '/')
        i++;
      name_end = i;
      if (name_end == name_start)
        break;
      while (i < length && g_ascii_isspace (attrs[i]))
        i++;
      if (i >= length || attrs[i] != '=')
        continue;
      i++;
      while (i < length && g_ascii_isspace (attrs[i]))
        i++;
      if (i < length && (attrs[i] == '"' || attrs[i] == '\''))
        {
          char quote = attrs[i++];

          value_start = i;
          while (i < length && attrs[i] != quote)
            i++;
          value_end = i;
          if (i < length)
            i++;
        }
      else
        {
          value_start = i;
          while (i < length && !g_ascii_isspace (attrs[i]))
            i++;
          value_end = i;
        }

      if (name_end - name_start == strlen (wanted)
          && g_ascii_strncasecmp (attrs + name_start, wanted, name_end - name_start) == 0)
        {
          GString *value = g_string_new (NULL);

          for (gsize k = value_start; k < value_end;)
            {
              gsize used = attrs[k] == '&' ? decode_entity (attrs + k, value_end - k, value) : 0;

              if (used == 0)
                g_string_append_c (value, attrs[k++]);
              else
                k += used;
            }
          return g_strstrip (g_string_free (value, FALSE));
        }
    }

  return NULL;
}

static void
finish_link (HtmlState *st)
{
  g_autofree char *href = g_steal_pointer (&st->href);
  g_autofree char *label = NULL;

  if (href == NULL || st->link_start > st->out->len)
    return;
  if (!g_str_has_prefix (href, "http://") && !g_str_has_prefix (href, "https://"))
    return;

  /* Readers of a plain-text ticket cannot click "here"; show where it led,
   * unless the link text already is the address. */
  label = g_strstrip (g_strndup (st->out->str + st->link_start,
                                 st->out->len - st->link_start));
  if (*label == '\0')
    emit_text (st, href, -1);
  else if (strstr (label, href) == NULL && strstr (href, label) == NULL)
    {
      g_autofree char *suffix = g_strdup_printf ("<%s>", href);

      st->pending_space = TRUE;
      emit_text (st, suffix, -1);
    }
}

static void
handle_tag (HtmlState  *st,
            const char *name,
            gboolean    closing,
            const char *attrs,
            gsize       attrs_length)
{
  static const char * const paragraph_tags[] = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
    "ul", "ol", "dl", "hr", NULL
  };
  static const char * const line_tags[] = {
    "div", "tr", "dt", "dd", "section", "article", "header", "footer", "form",
    "address", "center", "fieldset", "nav", "aside", "main", "figure",
    "figcaption", "caption", "thead", "tbody", "tfoot", "body", "html", NULL
  };

  if (strcmp (name, "br") == 0)
    emit_newline (st);
  else if (tag_in (name, paragraph_tags))
    {
      emit_break (st, 2);
      if (strcmp (name, "pre") == 0)
        {
          if (!closing)
            st->pre_depth++;
          else if (st->pre_depth > 0)
            st->pre_depth--;
        }
    }
  else if (tag_in (name, line_tags))
    emit_break (st, 1);
  else if (strcmp (name, "li") == 0)
    {
      st->pending_bullet = FALSE;
      emit_break (st, 1);
      st->pending_bullet = !closing;
    }
  else if (strcmp (name, "td") == 0 || strcmp (name, "th") == 0)
    st->pending_space = TRUE;
  else if (strcmp (name, "a") == 0)
    {
      if (closing)
        finish_link (st);
      else
        {
          g_free (st->href);
          st->href = get_attribute (attrs, attrs_length, "href");
          st->link_start = st->out->len;
        }
    }
}

/* Finds the end of a raw-text element such as <script>: the position just
 * after its closing tag, or @length when it never closes. */
static gsize
skip_raw_text (const char *html,
               gsize       length,
               gsize       from,
               const char *name)
{
  gsize name_length = strlen (name);

  for (gsize i = from; i + 2 + name_length <= length; i++)
    {
      if (html[i] == '<' && html[i + 1] == '/'
          && g_ascii_strncasecmp (html + i + 2, name, name_length) == 0)
        {
          const char *end = memchr (html + i, '>', length - i);

          return end != NULL ? (gsize) (end - html) + 1 : length;
        }
    }

  return length;
}

/* Collapses what the conversion left behind: blanks at line ends, more than
 * one empty line in a row, and empty lines at the start and the end. */
static char *
tidy_lines (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  guint blank = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        {
          blank++;
          continue;
        }
      if (out->len > 0)
        g_string_append (out, blank > 0 ? "\n\n" : "\n");
      blank = 0;
      g_string_append (out, lines[i]);
    }

  return g_string_free (out, FALSE);
}

/**
 * hd_message_html_to_text:
 * @html: HTML in UTF-8
 * @length: length of @html in bytes, or -1 if it is nul-terminated
 *
 * Turns an HTML mail body into readable text: tags are removed, script,
 * style and title dropped, character references decoded, block elements and
 * `<br>` become line breaks, list items start with "- ", white space outside
 * `<pre>` is collapsed, and a link whose text is not its address is followed
 * by the address in angle brackets.
 *
 * Returns: (transfer full): the text, never %NULL
 */
char *
hd_message_html_to_text (const char *html,
                         gssize      length)
{
  static const char * const raw_text_tags[] = {
    "script", "style", "title", "template", NULL
  };
  HtmlState st = { 0 };
  g_autofree char *raw = NULL;
  gsize len;
  gsize i = 0;

  g_return_val_if_fail (html != NULL || length == 0, NULL);

  if (html == NULL)
    return g_strdup ("");

  len = length < 0 ? strlen (html) : (gsize) length;
  st.out = g_string_sized_new (len / 2 + 1);

  while (i < len)
    {
      char c = html[i];

      if (c == '<')
        {
          gboolean closing = (i + 1 < len && html[i + 1] == '/');
          gsize j = i + 1 + (closing ? 1 : 0);

          if (len - i >= 4 && strncmp (html + i, "<!--", 4) == 0)
            {
              const char *end = g_strstr_len (html + i + 4, len - i - 4, "-->");

              i = end != NULL ? (gsize) (end - html) + 3 : len;
              continue;
            }

          if (j < len && g_ascii_isalpha (html[j]))
            {
              char name[16];
              gsize n = 0;
              gsize attrs_start;
              gsize k;
              char quote = 0;

              while (j < len && (g_ascii_isalnum (html[j])))
                {
                  if (n < sizeof name - 1)
                    name[n++] = g_ascii_tolower (html[j]);
                  j++;
                }
              name[n] = '\0';

              attrs_start = j;
              for (k = j; k < len; k++)
                {
                  if (quote != 0)
                    {
                      if (html[k] == quote)
                        quote = 0;
                    }
                  else if (html[k] == '"' || html[k] == '\'')
                    quote = html[k];
                  else if (html[k] == '>')
                    break;
                }

              handle_tag (&st, name, closing, html + attrs_start, k - attrs_start);

              if (!closing && tag_in (name, raw_text_tags))
                i = skip_raw_text (html, len, MIN (k + 1, len), name);
              else
                i = MIN (k + 1, len);
              continue;
            }

          if (i + 1 < len && (html[i + 1] == '!' || html[i + 1] == '?' || closing))
            {
              const char *end = memchr (html + i, '>', len - i);

              i = end != NULL ? (gsize) (end - html) + 1 : len;
              continue;
            }

          emit_text (&st, "<", 1);
          i++;
        }
      else if (c == '&')
        {
          GString *decoded = g_string_new (NULL);
          gsize used = decode_entity (html + i, len - i, decoded);

          if (used == 0)
            {
              emit_text (&st, "&", 1);
              i++;
            }
          else
            {
              if (decoded->len > 0)
                emit_text (&st, decoded->str, decoded->len);
              i += used;
            }
          g_string_free (decoded, TRUE);
        }
      else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')
        {
          if (st.pre_depth > 0)
            {
              if (c != '\r')
                g_string_append_c (st.out, c);
            }
          else
            st.pending_space = TRUE;
          i++;
        }
      else
        {
          gsize start = i;

          while (i < len && html[i] != '<' && html[i] != '&' && html[i] != ' '
                 && html[i] != '\t' && html[i] != '\n' && html[i] != '\r' && html[i] != '\f')
            i++;
          emit_text (&st, html + start, i - start);
        }
    }

  g_free (st.href);
  raw = g_string_free (st.out, FALSE);
  if (!g_utf8_validate (raw, -1, NULL))
    {
      char *valid = g_utf8_make_valid (raw, -1);

      g_free (raw);
      raw = valid;
    }

  return tidy_lines (raw);
}

/* File names ------------------------------------------------------------- */

typedef struct
{
  const char *content_type;
  const char *extension;
} TypeExtension;

static const TypeExtension type_extensions[] = {
  { "text/plain", ".txt" },
  { "text/html", ".html" },
  { "text/calendar", ".ics" },
  { "text/csv", ".csv" },
  { "text/xml", ".xml" },
  { "text/rtf", ".rtf" },
  { "text/enriched", ".txt" },
  { "image/png", ".png" },
  { "image/jpeg", ".jpg" },
  { "image/jpg", ".jpg" },
  { "image/pjpeg", ".jpg" },
  { "image/gif", ".gif" },
  { "image/webp", ".webp" },
  { "image/bmp", ".bmp" },
  { "image/tiff", ".tif" },
  { "image/svg+xml", ".svg" },
  { "audio/mpeg", ".mp3" },
  { "audio/wav", ".wav" },
  { "video/mp4", ".mp4" },
  { "application/pdf", ".pdf" },
  { "application/zip", ".zip" },
  { "application/gzip", ".gz" },
  { "application/x-gzip", ".gz" },
  { "application/json", ".json" },
  { "application/xml", ".xml" },
  { "application/rtf", ".rtf" },
  { "application/ics", ".ics" },
  { "application/msword", ".doc" },
  { "application/vnd.ms-excel", ".xls" },
  { "application/vnd.ms-powerpoint", ".ppt" },
  { "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx" },
  { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx" },
  { "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx" },
  { "application/vnd.oasis.opendocument.text", ".odt" },
  { "application/vnd.oasis.opendocument.spreadsheet", ".ods" },
  { "application/pgp-signature", ".asc" },
  { "application/pgp-encrypted", ".asc" },
  { "application/pgp-keys", ".asc" },
  { "application/pkcs7-signature", ".p7s" },
  { "application/x-pkcs7-signature", ".p7s" },
  { "application/pkcs7-mime", ".p7m" },
  { "application/ms-tnef", ".dat" },
  { "message/rfc822", ".eml" },
  { "message/global", ".eml" },
  { "message/delivery-status", ".txt" },
  { "message/disposition-notification", ".txt" },
};

/**
 * hd_message_extension_for_type:
 * @content_type: (nullable): a lower-case `type/subtype`
 *
 * Returns: the file name extension, with its dot, for a content type;
 *   ".bin" when the type is not known
 */
const char *
hd_message_extension_for_type (const char *content_type)
{
  if (content_type != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (type_extensions); i++)
        if (g_ascii_strcasecmp (content_type, type_extensions[i].content_type) == 0)
          return type_extensions[i].extension;
    }

  return ".bin";
}

/* Characters that must never reach a file name: controls (C0, DEL, C1),
 * the separators and wildcards that Windows forbids, and the invisible
 * direction overrides that make "gpj.exe" look like "exe.jpg". */
static gboolean
is_forbidden_char (gunichar c)
{
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)
         || (c >= 0x200E && c <= 0x200F) || (c >= 0x202A && c <= 0x202E)
         || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029
         || c == 0xFEFF;
}

static gboolean
is_replaced_char (gunichar c)
{
  return c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|';
}

/* Cuts @name to at most MAX_FILENAME_BYTES at a character boundary, keeping a
 * short extension so that the file still opens with the right program. */
static void
limit_length (GString *name)
{
  const char *dot;
  g_autofree char *extension = NULL;
  gsize keep;
  const char *cut;

  if (name->len <= MAX_FILENAME_BYTES)
    return;

  dot = strrchr (name->str, '.');
  if (dot != NULL && dot != name->str && strlen (dot) <= MAX_EXTENSION_BYTES)
    extension = g_strdup (dot);

  keep = MAX_FILENAME_BYTES - (extension != NULL ? strlen (extension) : 0);
  cut = g_utf8_find_prev_char (name->str, name->str + keep + 1);
  while (cut != NULL && (gsize) (cut - name->str) > keep)
    cut = g_utf8_find_prev_char (name->str, cut);
  g_string_truncate (name, cut != NULL ? (gsize) (cut - name->str) : 0);
  if (extension != NULL)
    g_string_append (name, extension);
}

static void
strip_ends (GString *name)
{
  gsize start = 0;

  while (start < name->len && (name->str[start] == '.' || name->str[start] == ' '))
    start++;
  g_string_erase (name, 0, start);

  /* Windows drops trailing dots and spaces, which would change the name. */
  while (name->len > 0 && (name->str[name->len - 1] == '.' || name->str[name->len - 1] == ' '))
    g_string_truncate (name, name->len - 1);
}

/**
 * hd_message_sanitize_filename:
 * @filename: (nullable): the decoded file name the sender proposed
 * @content_type: (nullable): the part's content type, for the extension of
 *   a fallback name
 * @number: the 1-based number of the attachment, for a fallback name
 *
 * Makes a file name safe to store and to offer for saving: only the last
 * path component is kept, control and direction-override characters are
 * dropped, characters that Windows forbids become "_", leading dots and
 * trailing dots and spaces are removed, and the result is cut to 200 bytes.
 * When nothing usable is left the name is "attachment-N" with an extension
 * from the content type.
 *
 * Returns: (transfer full): a non-empty file name in UTF-8
 */
char *
hd_message_sanitize_filename (const char *filename,
                              const char *content_type,
                              guint       number)
{
  g_autofree char *valid = NULL;
  g_auto(GStrv) components = NULL;
  const char *last = NULL;
  GString *name;

  if (filename != NULL)
    {
      valid = g_utf8_make_valid (filename, -1);
      g_strdelimit (valid, "\\", '/');
      components = g_strsplit (valid, "/", -1);
      for (guint i = 0; components[i] != NULL; i++)
        {
          g_autofree char *trimmed = g_strstrip (g_strdup (components[i]));

          if (*trimmed != '\0' && strcmp (trimmed, ".") != 0 && strcmp (trimmed, "..") != 0)
            last = components[i];
        }
    }

  name = g_string_new (NULL);
  if (last != NULL)
    {
      for (const char *p = last; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (is_forbidden_char (c))
            continue;
          if (is_replaced_char (c))
            g_string_append_c (name, '_');
          else
            g_string_append_unichar (name, c);
        }
      g_strstrip (name->str);
      g_string_set_size (name, strlen (name->str));
      strip_ends (name);
      limit_length (name);
      strip_ends (name);
    }

  if (name->len == 0)
    g_string_printf (name, "attachment-%u%s", number,
                     hd_message_extension_for_type (content_type));

  return g_string_free (name, FALSE);
}
