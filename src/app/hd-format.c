/* hd-format.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-format.h"

#include <glib/gi18n.h>

/**
 * hd_format_date:
 * @iso8601: (nullable): a date as the store keeps it
 *
 * Returns: (transfer full): the date in local time, as the locale writes
 *   it; the text itself when it is not a date the store wrote
 */
char *
hd_format_date (const char *iso8601)
{
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) date = NULL;
  g_autoptr (GDateTime) local = NULL;

  if (iso8601 == NULL)
    return g_strdup (C_("date", "Unknown"));

  date = g_date_time_new_from_iso8601 (iso8601, utc);
  if (date == NULL)
    return g_strdup (iso8601);
  local = g_date_time_to_local (date);
  /* Translators: A date and time, in g_date_time_format() notation. */
  return g_date_time_format (local, _("%x %H:%M"));
}

/**
 * hd_format_action:
 * @action: what the poller did with one mail, as DESIGN.md spells it
 *
 * Returns: the action in words
 */
const char *
hd_format_action (const char *action)
{
  static const struct {
    const char *action;
    const char *words;
  } actions[] = {
    { "new-ticket", N_("New ticket") },
    { "add-step", N_("Added to a ticket") },
    { "bundle", N_("Bundled into a ticket") },
    { "skip-no-new-tickets", N_("Skipped: no new tickets") },
    { "skip-other-account", N_("Skipped: for another account") },
    { "skip-duplicate", N_("Skipped: imported before") },
    { "reject-invalid-reference", N_("Rejected: invalid ticket reference") },
    { "error", N_("Failed") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      if (g_strcmp0 (actions[i].action, action) == 0)
        return _(actions[i].words);
    }
  return action != NULL ? action : "";
}
