/* hd-message-html.c: HTML mail bodies turned into readable text for HdMessage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <string.h>

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

/* HTML to text ------------------------------------------------------------ */

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

/* A no-break space reads as a space in a ticket, and the invisible joiners
 * and soft hyphens would only confuse a search. */
static void
append_entity (GString            *dst,
               const HdHtmlEntity *entity)
{
  if (entity->code == 0xA0)
    g_string_append_c (dst, ' ');
  else if (entity->code != 0xAD && entity->code != 0x200C && entity->code != 0x200D)
    append_unichar_safe (dst, entity->code);
  if (entity->code2 != 0)
    append_unichar_safe (dst, entity->code2);
}

/* Decodes the character reference at @s (which starts with '&') into @dst.
 * Returns how many bytes it used, or 0 when @s is not a reference. */
static gsize
decode_entity (const char *s,
               gsize       length,
               GString    *dst)
{
  const HdHtmlEntity *entity;
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

  while (i < length && i < 40 && g_ascii_isalnum (s[i]))
    i++;
  if (i == 1)
    return 0;

  if (i < length && s[i] == ';')
    {
      g_autofree char *name = g_strndup (s + 1, i);  /* with the ';' */

      entity = hd_message_lookup_html_entity (name);
      if (entity != NULL)
        {
          append_entity (dst, entity);
          return i + 1;
        }
    }

  /* The legacy references (&amp, &copy, &eacute…) also work without the
   * semicolon, and then the longest one that fits wins, as in browsers. */
  for (gsize n = i - 1; n >= 2; n--)
    {
      g_autofree char *name = g_strndup (s + 1, n);

      entity = hd_message_lookup_html_entity (name);
      if (entity != NULL)
        {
          append_entity (dst, entity);
          return n + 1;
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
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
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

