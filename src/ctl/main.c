/* main.c: helpdesk-mailctl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

int
main (int    argc,
      char **argv)
{
  return hd_ctl_main (argc, argv);
}
