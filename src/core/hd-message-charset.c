/* hd-message-charset.c: charset conversion of HdMessage text: declared
 * charsets, their supersets, and guesses from the bytes when a label lies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-message-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gmime/gmime.h>
#include <string.h>

/* Only this much of a text is looked at to judge a guess. */
#define SAMPLE_BYTES (16 * 1024)

typedef enum {
  FAMILY_OTHER,
  FAMILY_JAPANESE,
  FAMILY_KOREAN,
  FAMILY_CHINESE,
  FAMILY_CYRILLIC,
  FAMILY_LATIN,
} Family;

/* The charsets tried, in this order, when nothing declared fits the bytes.
 * GB2312 comes before Big5 because Big5 text never passes as GB2312 (its
 * second bytes go down to 0x40), while GB2312 text often passes as Big5. */
static const char * const legacy_charsets[] = {
  "CP50220", "CP932", "EUC-JP-MS", "CP949", "GB2312", "BIG5-HKSCS", "GB18030",
  "KOI8-R", "WINDOWS-1251", "WINDOWS-1252", NULL
};

/* Normalizing ------------------------------------------------------------- */

/* Removes NUL bytes (they would end a C string early) and turns CRLF and lone
 * CR into LF, so that the text the ticket shows has one kind of line end.
 * The runs between those bytes are copied whole: a body of hundreds of
 * kilobytes is normalized at memcpy speed, not a byte at a time. */
static char *
normalize_text (const char *data,
                gsize       length)
{
  char *out = g_malloc (length + 1);
  const char *end = data + length;
  const char *p = data;
  char *o = out;

  while (p < end)
    {
      const char *cr = memchr (p, '\r', end - p);
      const char *stop = cr != NULL ? cr : end;
      const char *nul;

      while ((nul = memchr (p, '\0', stop - p)) != NULL)
        {
          memcpy (o, p, nul - p);
          o += nul - p;
          p = nul + 1;
        }
      memcpy (o, p, stop - p);
      o += stop - p;
      p = stop;
      if (p < end)
        {
          *o++ = '\n';
          p++;
          if (p < end && *p == '\n')
            p++;
        }
    }
  *o = '\0';
  return out;
}

/* Names ------------------------------------------------------------------- */

static gboolean
name_in (const char         *name,
         const char * const *list)
{
  for (guint i = 0; list[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The iconv name for a charset label, or NULL for UTF-8 and US-ASCII, which
 * need no conversion. */
static const char *
iconv_name_for (const char *label)
{
  const char *canonical;

  if (label == NULL || *label == '\0')
    return NULL;
  canonical = g_mime_charset_canon_name (label);
  if (canonical == NULL || g_ascii_strcasecmp (canonical, "utf-8") == 0
      || g_ascii_strcasecmp (canonical, "us-ascii") == 0
      || g_ascii_strcasecmp (canonical, "utf8") == 0)
    return NULL;
  return g_mime_charset_iconv_name (canonical);
}

/* The superset that mailers really mean when they write @name. */
static const char *
superset_for (const char *name)
{
  static const char * const latin1[] = { "ISO-8859-1", "ISO_8859-1", "LATIN1", NULL };
  static const char * const gb[] = { "GB2312", "GBK", "EUC-CN", "CP936", "X-GBK", NULL };
  static const char * const big5[] = { "BIG5", "BIG-5", "CN-BIG5", NULL };
  static const char * const sjis[] = { "SHIFT_JIS", "SHIFT-JIS", "SJIS", "MS_KANJI", NULL };
  static const char * const eucjp[] = { "EUC-JP", "EUCJP", NULL };
  static const char * const euckr[] = { "EUC-KR", "EUCKR", "KS_C_5601-1987", NULL };
  static const char * const iso2022jp[] = { "ISO-2022-JP", "CSISO2022JP", NULL };

  if (name_in (name, latin1))
    return "WINDOWS-1252";
  if (name_in (name, gb))
    return "GB18030";
  if (name_in (name, big5))
    return "BIG5-HKSCS";
  if (name_in (name, sjis))
    return "CP932";
  if (name_in (name, eucjp))
    return "EUC-JP-MS";
  if (name_in (name, euckr))
    return "CP949";
  if (name_in (name, iso2022jp))
    return "CP50220";
  return NULL;
}

static Family
family_of (const char *name)
{
  static const char * const japanese[] = {
    "CP932", "SHIFT_JIS", "SJIS", "EUC-JP", "EUC-JP-MS", "ISO-2022-JP", "CP50220", NULL
  };
  static const char * const korean[] = { "CP949", "EUC-KR", "UHC", "ISO-2022-KR", NULL };
  static const char * const chinese[] = {
    "GB2312", "GBK", "GB18030", "EUC-CN", "CP936", "BIG5", "BIG5-HKSCS", "HZ", NULL
  };
  static const char * const cyrillic[] = {
    "KOI8-R", "KOI8-U", "WINDOWS-1251", "CP1251", "ISO-8859-5", "CP866", NULL
  };

  if (name_in (name, japanese))
    return FAMILY_JAPANESE;
  if (name_in (name, korean))
    return FAMILY_KOREAN;
  if (name_in (name, chinese))
    return FAMILY_CHINESE;
  if (name_in (name, cyrillic))
    return FAMILY_CYRILLIC;
  if (g_ascii_strncasecmp (name, "ISO-8859-", 9) == 0
      || g_ascii_strncasecmp (name, "WINDOWS-125", 11) == 0)
    return FAMILY_LATIN;
  return FAMILY_OTHER;
}

/* ISO-2022-JP with the NEC and IBM extensions (CP50220) ------------------ */

/* glibc has no CP50220: the JIS X 0208 pairs are rewritten as CP932 (Shift_JIS
 * with the NEC rows such as ①), which glibc converts. */
static GByteArray *
iso2022jp_to_cp932 (const guint8 *data,
                    gsize         length)
{
  GByteArray *out = g_byte_array_sized_new (length);
  enum { ASCII, KANJI, KATAKANA } mode = ASCII;

  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (c == 0x1B && i + 2 < length)
        {
          if (data[i + 1] == '$' && (data[i + 2] == 'B' || data[i + 2] == '@'))
            mode = KANJI;
          else if (data[i + 1] == '(' && data[i + 2] == 'I')
            mode = KATAKANA;
          else if (data[i + 1] == '(')
            mode = ASCII;
          else
            continue;
          i += 2;
          continue;
        }
      if (c == '\r' || c == '\n')
        {
          /* A line end resets the mode in practice, even when it should not. */
          g_byte_array_append (out, &c, 1);
          continue;
        }
      if (mode == KANJI && i + 1 < length && c >= 0x21 && c <= 0x7E
          && data[i + 1] >= 0x21 && data[i + 1] <= 0x7E)
        {
          guint8 j1 = c;
          guint8 j2 = data[++i];
          guint8 s[2];

          s[0] = (guint8) (((j1 + 1) >> 1) + (j1 <= 0x5E ? 0x70 : 0xB0));
          if (j1 & 1)
            s[1] = (guint8) (j2 + (j2 <= 0x5F ? 0x1F : 0x20));
          else
            s[1] = (guint8) (j2 + 0x7E);
          g_byte_array_append (out, s, 2);
        }
      else if (mode == KATAKANA && c >= 0x21 && c <= 0x5F)
        {
          guint8 k = c + 0x80;

          g_byte_array_append (out, &k, 1);
        }
      else
        g_byte_array_append (out, &c, 1);
    }

  return out;
}

/* Conversion -------------------------------------------------------------- */

/* Converts with iconv; a byte that does not convert becomes U+FFFD and
 * counts in @n_bad, or with @strict ends the conversion. Returns NULL when
 * iconv does not know @charset. */
static char *
convert_with (const char *data,
              gsize       length,
              const char *charset,
              gboolean    strict,
              guint      *n_bad)
{
  g_autoptr(GByteArray) transcoded = NULL;
  GIConv cd;
  GString *out;
  char *in;
  gsize in_left;

  *n_bad = 0;
  if (g_ascii_strcasecmp (charset, "CP50220") == 0)
    {
      transcoded = iso2022jp_to_cp932 ((const guint8 *) data, length);
      data = (const char *) transcoded->data;
      length = transcoded->len;
      charset = "CP932";
    }

  cd = g_iconv_open ("UTF-8", charset);
  if (cd == (GIConv) -1)
    return NULL;

  out = g_string_sized_new (length + length / 2 + 16);
  in = (char *) data;
  in_left = length;
  while (in_left > 0)
    {
      char buffer[4096];
      char *o = buffer;
      gsize o_left = sizeof buffer;
      gsize r = g_iconv (cd, &in, &in_left, &o, &o_left);
      int saved_errno = errno;

      g_string_append_len (out, buffer, o - buffer);
      if (r != (gsize) -1 || saved_errno == E2BIG)
        continue;

      /* EILSEQ or EINVAL: one byte that fits nothing. */
      (*n_bad)++;
      if (strict)
        break;
      g_string_append (out, "\xEF\xBF\xBD");
      in++;
      in_left--;
      g_iconv (cd, NULL, NULL, NULL, NULL);
    }
  g_iconv_close (cd);

  return g_string_free (out, FALSE);
}

/* Converts without a single substitution, or returns NULL. */
static char *
convert_strict (const char *data,
                gsize       length,
                const char *charset)
{
  guint n_bad = 0;
  char *result;

  if (charset == NULL)
    return g_utf8_validate_len (data, length, NULL) ? g_strndup (data, length) : NULL;

  /* ISO-2022-JP is 7-bit: 8-bit bytes under its label are another charset. */
  if (g_ascii_strcasecmp (charset, "CP50220") == 0)
    for (gsize i = 0; i < length; i++)
      if ((guint8) data[i] >= 0x80)
        return NULL;

  result = convert_with (data, length, charset, TRUE, &n_bad);
  if (result != NULL && n_bad > 0)
    g_clear_pointer (&result, g_free);
  return result;
}

/* Guessing ---------------------------------------------------------------- */

/* Whether text in @family reads as that language rather than as mojibake:
 * the characters of its script, mostly in runs of their own rather than
 * glued to Latin letters; kana for Japanese, Hangul for Korean, more small
 * than capital letters for Cyrillic; few runs of accents for Latin. */
static gboolean
is_plausible (const char *text,
              Family      family)
{
  guint non_ascii = 0, script = 0, kana = 0, half_kana = 0, han = 0, hangul = 0;
  guint glued = 0, lower = 0, upper = 0, in_runs = 0, odd = 0, run = 0;
  gunichar previous = 0;
  const char *end = text + MIN (strlen (text), SAMPLE_BYTES);

  for (const char *p = text; p < end && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gunichar next = p + 1 < end ? g_utf8_get_char (g_utf8_next_char (p)) : 0;

      if (c < 0x80)
        {
          if (run >= 4)
            in_runs += run;
          run = 0;
          previous = c;
          continue;
        }
      non_ascii++;
      run++;
      if ((previous < 0x80 && g_ascii_isalpha (previous))
          || (next < 0x80 && g_ascii_isalpha (next)))
        glued++;
      if (c >= 0x3040 && c <= 0x30FF)
        kana++;
      else if (c >= 0xFF61 && c <= 0xFF9F)
        half_kana++;
      else if (c >= 0x4E00 && c <= 0x9FFF)
        han++;
      else if (c >= 0xAC00 && c <= 0xD7A3)
        hangul++;
      else if (c >= 0x0400 && c <= 0x04FF)
        {
          script++;
          if (g_unichar_islower (c))
            lower++;
          else
            upper++;
        }
      if (c == 0xFFFD || (c >= 0xE000 && c <= 0xF8FF) || (c >= 0x80 && c < 0xA0))
        odd++;
      previous = c;
    }
  if (run >= 4)
    in_runs += run;

  if (non_ascii == 0)
    return TRUE;
  if (odd > 0)
    return FALSE;

  switch (family)
    {
    case FAMILY_JAPANESE:
      return kana * 10 >= non_ascii && half_kana * 5 <= non_ascii && glued * 3 <= non_ascii;
    case FAMILY_KOREAN:
      return hangul * 10 >= non_ascii * 9 && glued * 3 <= non_ascii;
    case FAMILY_CHINESE:
      return (han + kana) * 10 >= non_ascii * 6 && half_kana == 0 && glued * 3 <= non_ascii;
    case FAMILY_CYRILLIC:
      return script * 10 >= non_ascii * 6 && lower >= upper && glued * 3 <= non_ascii;
    case FAMILY_LATIN:
      return in_runs * 2 <= non_ascii;
    case FAMILY_OTHER:
    default:
      return TRUE;
    }
}

/* Whether @data holds a byte beyond ASCII or an ESC (ISO-2022). Looked at
 * in blocks without a branch per byte, which the compiler vectorizes: most
 * bodies are ASCII and are read to their end. */
static gboolean
has_8bit (const char *data,
          gsize       length)
{
  const guint8 *bytes = (const guint8 *) data;
  gsize i = 0;

  for (; i + 64 <= length; i += 64)
    {
      guint8 found = 0;

      for (gsize j = 0; j < 64; j++)
        found |= (bytes[i + j] & 0x80) | (bytes[i + j] == 0x1B);
      if (found)
        return TRUE;
    }
  for (; i < length; i++)
    if (bytes[i] >= 0x80 || bytes[i] == 0x1B)
      return TRUE;
  return FALSE;
}

static char *
finish (char *converted)
{
  char *result = normalize_text (converted, strlen (converted));

  g_free (converted);
  if (!g_utf8_validate (result, -1, NULL))
    {
      char *valid = g_utf8_make_valid (result, -1);

      g_free (result);
      result = valid;
    }
  return result;
}

/**
 * hd_message_decode_text:
 * @data: the decoded bytes of a text part or header
 * @length: length of @data
 * @charset: (nullable): the declared charset label, if any
 * @hints: (nullable): charsets that other parts of the same mail declare
 * @guessed: (out) (optional): the charset guessed, or %NULL
 * @note: (out) (optional) (transfer full): what was guessed or replaced, as a
 *   translated sentence, or %NULL when the text converted as declared
 *
 * Converts text to UTF-8 on a best-effort basis. The declared charset comes
 * first, then the superset that mailers mean by it (windows-1252 for
 * ISO-8859-1, GB18030 for GB2312, CP50220 for ISO-2022-JP…). When neither
 * converts every byte, or nothing was declared, the charset is guessed from
 * the bytes: UTF-8, then @hints, then the legacy CJK and Cyrillic sets, each
 * only when the result reads as its script. When nothing fits, what converts
 * is kept and the rest becomes U+FFFD.
 *
 * Returns: (transfer full): valid UTF-8 with LF line ends and no NUL bytes
 */
char *
hd_message_decode_text (const char         *data,
                        gsize               length,
                        const char         *charset,
                        const char * const *hints,
                        const char        **guessed,
                        char              **note)
{
  const char *declared = iconv_name_for (charset);
  const char *superset = declared != NULL ? superset_for (declared) : NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  char *converted = NULL;
  guint n_bad = 0;

  if (note != NULL)
    *note = NULL;
  if (guessed != NULL)
    *guessed = NULL;
  if (data == NULL || length == 0)
    return g_strdup ("");
  if (!has_8bit (data, length))
    return normalize_text (data, length);

  if (declared != NULL)
    {
      if (superset == NULL || g_ascii_strcasecmp (superset, "WINDOWS-1252") != 0)
        converted = convert_strict (data, length, declared);
      if (converted == NULL && superset != NULL)
        converted = convert_strict (data, length, superset);
      if (converted != NULL)
        return finish (converted);
    }
  else if (charset == NULL || *charset == '\0' || g_mime_charset_canon_name (charset) != NULL)
    {
      /* Declared UTF-8 (or nothing) that is valid UTF-8. */
      if (g_utf8_validate_len (data, length, NULL))
        return normalize_text (data, length);
    }

  g_ptr_array_add (candidates, (gpointer) "UTF-8");
  for (guint i = 0; hints != NULL && hints[i] != NULL; i++)
    {
      const char *hint = iconv_name_for (hints[i]);

      if (hint != NULL)
        g_ptr_array_add (candidates, (gpointer) (superset_for (hint) != NULL
                                                 ? superset_for (hint) : hint));
    }
  for (guint i = 0; legacy_charsets[i] != NULL; i++)
    g_ptr_array_add (candidates, (gpointer) legacy_charsets[i]);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *candidate = candidates->pdata[i];
      gboolean is_utf8 = g_ascii_strcasecmp (candidate, "UTF-8") == 0;

      if ((declared != NULL && g_ascii_strcasecmp (candidate, declared) == 0)
          || (superset != NULL && g_ascii_strcasecmp (candidate, superset) == 0))
        continue;
      converted = convert_strict (data, length, is_utf8 ? NULL : candidate);
      if (converted != NULL && (is_utf8 || is_plausible (converted, family_of (candidate))))
        {
          if (note != NULL && charset != NULL && *charset != '\0')
            *note = g_strdup_printf (_("Text declared as %s was read as %s"), charset, candidate);
          else if (note != NULL)
            *note = g_strdup_printf (_("Text without a charset was read as %s"), candidate);
          if (guessed != NULL)
            *guessed = candidate;
          return finish (converted);
        }
      g_clear_pointer (&converted, g_free);
    }

  /* Nothing fits every byte: keep what converts. */
  converted = convert_with (data, length, superset != NULL ? superset
                                          : declared != NULL ? declared : "WINDOWS-1252",
                            FALSE, &n_bad);
  if (converted == NULL)
    converted = convert_with (data, length, "WINDOWS-1252", FALSE, &n_bad);
  if (note != NULL && n_bad > 0)
    *note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u byte of text in %s did not convert and was "
                                          "replaced",
                                          "%u bytes of text in %s did not convert and were "
                                          "replaced",
                                          n_bad),
                             n_bad, charset != NULL && *charset != '\0' ? charset : "windows-1252");
  return finish (converted);
}

/**
 * hd_message_text_to_utf8:
 * @data: the decoded bytes of a text part or header
 * @length: length of @data
 * @charset: (nullable): the declared charset, if any
 *
 * hd_message_decode_text() without hints and without a note.
 *
 * Returns: (transfer full): valid UTF-8 with LF line ends and no NUL bytes
 */
char *
hd_message_text_to_utf8 (const char *data,
                         gsize       length,
                         const char *charset)
{
  return hd_message_decode_text (data, length, charset, NULL, NULL, NULL);
}

/**
 * hd_message_decode_text_noting:
 * @self: a #HdMessage
 * @data: the decoded bytes
 * @length: length of @data
 * @charset: (nullable): the declared charset
 *
 * hd_message_decode_text() with the charsets @self declares elsewhere as
 * hints, recording a guess or a replacement in the message's warnings.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *
hd_message_decode_text_noting (HdMessage  *self,
                               const char *data,
                               gsize       length,
                               const char *charset)
{
  g_autofree char *note = NULL;
  const char *guessed = NULL;
  char *text;

  text = hd_message_decode_text (data, length, charset,
                                 (const char * const *) self->charsets->pdata, &guessed, &note);
  if (note != NULL)
    hd_message_add_warning (self, note);
  /* What one part turned out to be is the best guess for the next one. */
  if (guessed != NULL)
    hd_message_add_charset (self, guessed);
  return text;
}
