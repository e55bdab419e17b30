/* hd-redact.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-redact.h"

#include <string.h>

#define REDACTED "[redacted]"

/* Client commands whose arguments never hold a secret.  Anything we send that
 * is not one of these (or LOGIN, AUTHENTICATE, PASS, AUTH, APOP, handled
 * below) is redacted as a whole: a line we do not recognise may be a SASL
 * continuation or a literal, and a transcript that hides too much is a far
 * smaller harm than one that shows a password. */
static const char * const imap_commands[] = {
  "CAPABILITY", "STARTTLS", "NOOP", "LOGOUT", "SELECT", "EXAMINE", "LIST", "LSUB",
  "STATUS", "FETCH", "STORE", "SEARCH", "EXPUNGE", "UID", "CLOSE", "UNSELECT",
  "ID", "ENABLE", "NAMESPACE", "CHECK", "IDLE", "DONE", "APPEND",
  NULL
};

static const char * const pop3_commands[] = {
  "CAPA", "STLS", "USER", "STAT", "LIST", "UIDL", "RETR", "DELE", "NOOP", "RSET",
  "QUIT", "TOP",
  NULL
};

static gboolean
word_in (const char         *word,
         gsize               len,
         const char * const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (strlen (words[i]) == len && g_ascii_strncasecmp (word, words[i], len) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
word_is (const char *word,
         gsize       len,
         const char *expected)
{
  return strlen (expected) == len && g_ascii_strncasecmp (word, expected, len) == 0;
}

static gboolean
is_tag (const char *word,
        gsize       len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (word[i]) && word[i] != '.' && word[i] != '-' && word[i] != '_')
        return FALSE;
    }
  return TRUE;
}

/* Hides the value after "Bearer " wherever it appears, case-insensitively:
 * an access token must not leak through an error text either. */
static void
redact_bearer (GString *line)
{
  gsize from = 0;

  while (from < line->len)
    {
      char *hit = NULL;
      gsize start;
      gsize end;

      for (gsize i = from; i + 7 <= line->len; i++)
        {
          /* A whole word only: OAUTHBEARER in a capability list is no token. */
          if (g_ascii_strncasecmp (line->str + i, "bearer ", 7) == 0
              && (i == 0 || !g_ascii_isalnum (line->str[i - 1])))
            {
              hit = line->str + i;
              break;
            }
        }
      if (hit == NULL)
        return;

      start = (hit - line->str) + 7;
      while (start < line->len && line->str[start] == ' ')
        start++;
      end = start;
      while (end < line->len && line->str[end] != ' ' && line->str[end] != '\x01'
             && line->str[end] != '"' && line->str[end] != ',')
        end++;
      if (end > start)
        {
          g_string_erase (line, start, end - start);
          g_string_insert (line, start, REDACTED);
          end = start + strlen (REDACTED);
        }
      from = end;
    }
}

static char *
redact_client (HdRedactState *state,
               const char    *line)
{
  const char *first_end;
  const char *second;
  const char *second_end;
  gsize first_len;
  gsize second_len;

  if (*line == '\0')
    return g_strdup ("");

  /* Inside a SASL exchange every line we send is a credential (or the "*"
   * that cancels it, which hiding costs nothing). */
  if (state->in_sasl)
    return g_strdup (REDACTED);

  first_end = strchr (line, ' ');
  first_len = first_end != NULL ? (gsize) (first_end - line) : strlen (line);

  /* POP3: VERB [ARGS] */
  if (word_is (line, first_len, "PASS"))
    return g_strdup ("PASS " REDACTED);
  if (word_is (line, first_len, "AUTH"))
    {
      g_autofree char *mech = NULL;

      if (first_end == NULL)
        return g_strdup (line); /* a bare AUTH lists the mechanisms */
      second = first_end + 1;
      second_end = strchr (second, ' ');
      mech = g_strndup (second, second_end != NULL ? (gsize) (second_end - second) : strlen (second));
      state->in_sasl = TRUE;
      return second_end != NULL ? g_strdup_printf ("AUTH %s " REDACTED, mech)
                                : g_strdup_printf ("AUTH %s", mech);
    }
  if (word_is (line, first_len, "APOP"))
    return g_strdup ("APOP " REDACTED);
  if (first_end == NULL || !is_tag (line, first_len))
    {
      /* An IMAP command always has a tag and a space; a lone word can only
       * be a POP3 command, or else a SASL response we must hide. */
      if (word_in (line, first_len, pop3_commands))
        return g_strdup (line);
      return g_strdup (REDACTED);
    }

  if (word_in (line, first_len, pop3_commands))
    return g_strdup (line);

  /* IMAP: TAG SP COMMAND [SP ARGS] */
  second = first_end + 1;
  second_end = strchr (second, ' ');
  second_len = second_end != NULL ? (gsize) (second_end - second) : strlen (second);

  if (word_is (second, second_len, "LOGIN"))
    {
      /* A LOGIN with literals continues on the next lines. */
      state->in_sasl = TRUE;
      return g_strdup_printf ("%.*s LOGIN " REDACTED, (int) first_len, line);
    }
  if (word_is (second, second_len, "AUTHENTICATE"))
    {
      const char *mech = second_end != NULL ? second_end + 1 : "";
      const char *mech_end = strchr (mech, ' ');
      gsize mech_len = mech_end != NULL ? (gsize) (mech_end - mech) : strlen (mech);

      state->in_sasl = TRUE;
      return g_strdup_printf ("%.*s AUTHENTICATE %.*s%s", (int) first_len, line,
                              (int) mech_len, mech, mech_end != NULL ? " " REDACTED : "");
    }
  if (word_in (second, second_len, imap_commands))
    return g_strdup (line);

  return g_strdup_printf ("%.*s " REDACTED, (int) first_len, line);
}

/**
 * hd_redact_line:
 * @state: the redaction state of this connection
 * @source: who wrote @line
 * @line: one protocol line, with or without its line ending
 *
 * Returns @line as it may appear in a transcript, a log or on a screen: the
 * arguments of IMAP LOGIN and POP3 PASS/APOP, every SASL payload (initial
 * responses and continuation lines, whatever the mechanism) and every bearer
 * token are replaced by "[redacted]".  This is the only redaction function of
 * HelpDesk Mail; every transcript line passes through it.
 *
 * Returns: (transfer full): the redacted line, without line ending
 */
char *
hd_redact_line (HdRedactState  *state,
                HdRedactSource  source,
                const char     *line)
{
  g_autoptr(GString) out = NULL;
  gsize len;

  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (line != NULL, NULL);

  len = strcspn (line, "\r\n");
  out = g_string_new_len (line, len);

  switch (source)
    {
    case HD_REDACT_CLIENT:
      {
        g_autofree char *redacted = redact_client (state, out->str);

        g_string_assign (out, redacted);
      }
      break;

    case HD_REDACT_SERVER:
      /* A continuation ("+ …") keeps the SASL exchange going; any other
       * server line (tagged result, +OK, -ERR) ends it. */
      if (state->in_sasl && !(out->len >= 1 && out->str[0] == '+'
                              && (out->len == 1 || out->str[1] == ' ')))
        state->in_sasl = FALSE;
      break;

    case HD_REDACT_INFO:
    default:
      break;
    }

  redact_bearer (out);

  return g_string_free (g_steal_pointer (&out), FALSE);
}
