/* hd-test-seed.c: writes accounts into a test database through the core.
 *
 *   hd-test-seed DB NAME:PROTOCOL:HOST[:disabled]…
 *
 * The UI tests start the real program on a database that this helper
 * prepared, the same way the store writes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>

#include "hd-store.h"

static gboolean
add_account (HdStore    *store,
             const char *spec,
             GError    **error)
{
  g_auto (GStrv) parts = g_strsplit (spec, ":", 4);
  g_autoptr (HdAccount) account = NULL;
  HdProtocol protocol;

  if (g_strv_length (parts) < 3 || !hd_protocol_from_string (parts[1], &protocol))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "“%s” is not NAME:PROTOCOL:HOST[:disabled]", spec);
      return FALSE;
    }

  account = hd_account_new ();
  g_object_set (account,
                "name", parts[0],
                "protocol", (guint) protocol,
                "host", parts[2],
                "username", "helpdesk@example.com",
                "enabled", g_strcmp0 (parts[3], "disabled") != 0,
                NULL);
  g_object_set (account, "port", hd_account_get_effective_port (account), NULL);

  return hd_account_validate (account, error) && hd_store_add_account (store, account, error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (HdStore) store = NULL;
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      g_printerr ("Usage: %s DB NAME:PROTOCOL:HOST[:disabled]…\n", argv[0]);
      return 2;
    }

  store = hd_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  for (int i = 2; i < argc; i++)
    {
      if (!add_account (store, argv[i], &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  return 0;
}
