/* hd-settings.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-settings.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "hd-account.h"
#include "hd-store.h"

/* The keys an admin may set; store.id is internal and not among them. */
static const char *const keys[] = {
  "auto_emails.new_request",
  "auto_emails.max_per_sender_per_day",
  "smtp.host",
  "smtp.port",
  "smtp.security",
  "smtp.username",
  "reference.keywords",
  "reference.prefix",
  "reference.suffix",
  NULL,
};

const char *const *
hd_settings_get_keys (void)
{
  return keys;
}

static gboolean
invalid (GError    **error,
         const char *key,
         const char *message)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s", key, message);
  return FALSE;
}

static gboolean
parse_number (const char *value,
              guint64     min,
              guint64     max)
{
  guint64 number;

  return g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL);
}

static gboolean
is_keyword (const char *word)
{
  if (*word == '\0')
    return FALSE;
  for (const char *p = word; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }
  return TRUE;
}

/**
 * hd_settings_split_keywords:
 *
 * Returns: (transfer full): the extra reference keywords of the setting,
 *   trimmed, without empty entries
 */
GStrv
hd_settings_split_keywords (const char *keywords)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) parts = g_strsplit (keywords ? keywords : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

gboolean
hd_settings_validate (const char *key,
                      const char *value,
                      GError    **error)
{
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (!g_strv_contains (keys, key))
    return invalid (error, key, _("is not a setting"));
  if (!g_utf8_validate (value, -1, NULL) || strpbrk (value, "\r\n") != NULL)
    return invalid (error, key, _("must be one line of text"));
  /* A control character in the SMTP user name or host would end the SMTP
   * command or the URL it is put in. */
  if (!hd_text_is_one_line (value))
    return invalid (error, key, _("must not contain line breaks or other control characters"));
  if (strlen (value) > HD_SETTINGS_VALUE_MAX_LENGTH
      && g_utf8_strlen (value, -1) > HD_SETTINGS_VALUE_MAX_LENGTH)
    {
      g_autofree char *message = g_strdup_printf (_("is longer than %u characters"),
                                                  HD_SETTINGS_VALUE_MAX_LENGTH);
      return invalid (error, key, message);
    }

  if (g_str_equal (key, "auto_emails.new_request"))
    {
      if (!g_str_equal (value, "true") && !g_str_equal (value, "false"))
        return invalid (error, key, _("must be “true” or “false”"));
    }
  else if (g_str_equal (key, "auto_emails.max_per_sender_per_day"))
    {
      if (!parse_number (value, 0, 1000))
        return invalid (error, key, _("must be a whole number from 0 to 1000"));
    }
  else if (g_str_equal (key, "smtp.port"))
    {
      if (!parse_number (value, 1, 65535))
        return invalid (error, key, _("must be between 1 and 65535"));
    }
  else if (g_str_equal (key, "smtp.security"))
    {
      if (!g_str_equal (value, "tls") && !g_str_equal (value, "starttls")
          && !g_str_equal (value, "none"))
        return invalid (error, key, _("must be “tls”, “starttls” or “none”"));
    }
  else if (g_str_equal (key, "smtp.host"))
    {
      /* Empty means that no SMTP server is set. */
      if (*value != '\0' && !hd_host_name_is_valid (value))
        return invalid (error, key, _("is not a host name"));
    }
  else if (g_str_equal (key, "reference.keywords"))
    {
      g_auto (GStrv) words = hd_settings_split_keywords (value);

      for (guint i = 0; words[i] != NULL; i++)
        {
          if (!is_keyword (words[i]))
            return invalid (error, key,
                            _("keywords are letters, digits, “-” and “_”, separated by commas"));
        }
    }
  else if (g_str_equal (key, "reference.prefix") || g_str_equal (key, "reference.suffix"))
    {
      /* A letter or digit here would run into the keyword or the token. */
      if (*value == '\0' || g_utf8_strlen (value, -1) > 3)
        return invalid (error, key, _("must be one to three characters"));
      for (const char *p = value; *p; p = g_utf8_next_char (p))
        {
          if (g_unichar_isalnum (g_utf8_get_char (p)) || g_unichar_isspace (g_utf8_get_char (p)))
            return invalid (error, key, _("must not hold letters, digits or spaces"));
        }
    }
  return TRUE;
}

gboolean
hd_settings_get_auto_answers_enabled (HdStore *store)
{
  g_autofree char *value = hd_store_dup_setting (store, "auto_emails.new_request");

  return g_strcmp0 (value, "true") == 0;
}

guint
hd_settings_get_max_per_sender_per_day (HdStore *store)
{
  g_autofree char *value = hd_store_dup_setting (store, "auto_emails.max_per_sender_per_day");
  guint64 cap = 3;

  if (value != NULL)
    g_ascii_string_to_unsigned (value, 10, 0, 1000, &cap, NULL);
  return (guint) cap;
}
