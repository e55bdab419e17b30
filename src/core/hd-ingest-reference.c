/* hd-ingest-reference.c: finding "[TicketID 42QKXB]" in a subject.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ingest.h"

#include <string.h>

#include "hd-settings.h"
#include "hd-store-tickets.h"

/* Parses "<digits><letters><suffix>" at *p; returns TRUE and the parts when
 * the whole shape is there. */
static gboolean
parse_id_and_token (const char *p,
                    const char *suffix,
                    gint64     *out_id,
                    char      **out_token)
{
  const char *digits, *letters;
  g_autofree char *number = NULL;
  guint64 id;

  while (*p == ' ' || *p == ':' || *p == '#')
    p++;
  digits = p;
  while (g_ascii_isdigit (*p))
    p++;
  if (p == digits || p - digits > 18)
    return FALSE;
  letters = p;
  while (g_ascii_isalpha (*p))
    p++;
  if (p == letters || !g_str_has_prefix (p, suffix))
    return FALSE;

  number = g_strndup (digits, letters - digits);
  if (!g_ascii_string_to_unsigned (number, 10, 1, G_MAXINT64, &id, NULL))
    return FALSE;
  *out_id = (gint64) id;
  *out_token = g_strndup (letters, p - letters);
  return TRUE;
}

/**
 * hd_ingest_find_reference:
 * @out_has_keyword: (out): whether the subject carries a reference keyword
 *   at all, valid or not
 *
 * Returns: the ticket whose number and token the subject names, or 0. A
 *   number with the wrong token is no match: nobody adds to a ticket by
 *   guessing its number.
 */
gint64
hd_ingest_find_reference (HdStore    *store,
                          const char *subject,
                          gboolean   *out_has_keyword)
{
  g_autofree char *prefix = hd_store_dup_setting (store, "reference.prefix");
  g_autofree char *suffix = hd_store_dup_setting (store, "reference.suffix");
  g_autofree char *extra = hd_store_dup_setting (store, "reference.keywords");
  g_auto (GStrv) keywords = hd_settings_split_keywords (extra);
  const char *p = subject;

  *out_has_keyword = FALSE;
  if (subject == NULL || prefix == NULL || *prefix == '\0' || suffix == NULL)
    return 0;

  while ((p = strstr (p, prefix)) != NULL)
    {
      const char *after = p + strlen (prefix);

      for (int k = -1; k < (int) g_strv_length (keywords); k++)
        {
          const char *keyword = k < 0 ? "TicketID" : keywords[k];
          g_autofree char *token = NULL;
          g_autofree char *stored = NULL;
          gint64 id;

          if (g_ascii_strncasecmp (after, keyword, strlen (keyword)) != 0)
            continue;
          *out_has_keyword = TRUE;
          if (!parse_id_and_token (after + strlen (keyword), suffix, &id, &token))
            continue;
          stored = hd_store_dup_ticket_token (store, id);
          if (stored != NULL && g_str_equal (stored, token))
            return id;
        }
      p = after;
    }

  return 0;
}
