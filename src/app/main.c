/* main.c: starts the HelpDesk Mail window.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "hd-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr (HdApplication) app = NULL;
  const char *localedir = g_getenv ("HELPDESK_MAIL_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* The tests run the window from the build tree in German, with the
   * catalogues that were just compiled there. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("HelpDesk Mail"));
  gtk_window_set_default_icon_name (APP_ID);

  app = hd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
