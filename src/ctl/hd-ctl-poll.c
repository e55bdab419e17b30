/* hd-ctl-poll.c: helpdesk-mailctl poll, templates list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "hd-auto-answer.h"
#include "hd-poller.h"

/* The summary of `poll`, one line per account in the order asked for. Returns whether every poll ran
 * and succeeded. */
static gboolean
print_outcomes (GPtrArray *outcomes)
{
  gboolean all_ok = TRUE;

  for (guint i = 0; i < outcomes->len; i++)
    {
      HdPollerOutcome *outcome = outcomes->pdata[i];
      const HdPollCounts *c;

      if (outcome->result == NULL)
        {
          hd_ctl_fail (HD_CTL_EXIT_FAILED, "%s: %s", outcome->name, outcome->error->message);
          all_ok = FALSE;
          continue;
        }
      c = hd_poll_result_get_counts (outcome->result);
      printf (_("%s: %s — %u listed, %u imported, %u skipped, %u failed, %u deleted\n"),
              outcome->name, hd_poll_result_get_ok (outcome->result) ? _("OK") : _("FAILED"),
              c->listed, c->imported, c->skipped, c->failed, c->deleted);
      if (!hd_poll_result_get_ok (outcome->result))
        {
          hd_ctl_fail (HD_CTL_EXIT_FAILED, "%s: %s", outcome->name,
                       hd_poll_result_get_failure (outcome->result));
          all_ok = FALSE;
        }
    }
  return all_ok;
}

static int
poll (HdCtl *ctl,
      int    argc,
      char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (HdPoller) poller = NULL;
  g_autoptr (GPtrArray) outcomes = NULL;
  g_autoptr (GError) error = NULL;
  gboolean all_ok;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 0, G_MAXUINT, "poll [NAME…]", &words, &status);
  if (store == NULL)
    return status;

  g_ptr_array_add (words, NULL);
  poller = hd_poller_new (store);
  outcomes = hd_poller_run_once_sync (poller, (const char * const *) words->pdata, NULL, &error);
  if (outcomes == NULL)
    return hd_ctl_fail_error (error);
  all_ok = print_outcomes (outcomes);
  return all_ok ? HD_CTL_EXIT_OK : HD_CTL_EXIT_FAILED;
}

static int
templates_list (HdCtl *ctl,
                int    argc,
                char **argv)
{
  g_auto (GStrv) names = NULL;

  if (argc != 0)
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("usage: %s"), "templates list");

  names = hd_auto_answer_list_templates ();
  for (guint i = 0; names[i] != NULL; i++)
    printf ("%s\n", names[i]);
  return HD_CTL_EXIT_OK;
}

const HdCtlCommand hd_ctl_poll_commands[] = {
  { "poll", NULL, poll, "poll [NAME…]" },
  { "templates", "list", templates_list, "templates list" },
  { NULL },
};
