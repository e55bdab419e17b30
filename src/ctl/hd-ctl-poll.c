/* hd-ctl-poll.c: helpdesk-mailctl poll, templates list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>

#include "hd-auto-answer.h"
#include "hd-poll-job.h"

static int
poll (HdCtl *ctl,
      int    argc,
      char **argv)
{
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  gboolean all_ok = TRUE;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, NULL, 0, 0, G_MAXUINT, "poll [NAME…]", &words, &status);
  if (store == NULL)
    return status;

  accounts = g_ptr_array_new_with_free_func (g_object_unref);
  if (words->len > 0)
    {
      for (guint i = 0; i < words->len; i++)
        {
          HdAccount *account = hd_store_lookup_account (store, words->pdata[i], &error);

          if (account == NULL)
            return hd_ctl_fail_error (error);
          g_ptr_array_add (accounts, account);
        }
    }
  else
    {
      g_autoptr (GPtrArray) all = hd_store_list_accounts (store, &error);

      if (all == NULL)
        return hd_ctl_fail_error (error);
      for (guint i = 0; i < all->len; i++)
        {
          if (hd_account_get_enabled (all->pdata[i]))
            g_ptr_array_add (accounts, g_object_ref (all->pdata[i]));
        }
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      HdAccount *account = accounts->pdata[i];
      g_autoptr (HdPollJob) job = hd_poll_job_new (store, account);
      g_autoptr (GError) poll_error = NULL;
      g_autoptr (HdPollResult) result = hd_poll_job_run_sync (job, NULL, &poll_error);
      const HdPollCounts *c;

      if (result == NULL)
        {
          hd_ctl_fail (HD_CTL_EXIT_FAILED, "%s: %s", hd_account_get_name (account),
                       poll_error->message);
          all_ok = FALSE;
          continue;
        }
      c = hd_poll_result_get_counts (result);
      printf (_("%s: %s — %u listed, %u imported, %u skipped, %u failed, %u deleted\n"),
              hd_account_get_name (account), hd_poll_result_get_ok (result) ? _("OK") : _("FAILED"),
              c->listed, c->imported, c->skipped, c->failed, c->deleted);
      if (!hd_poll_result_get_ok (result))
        {
          hd_ctl_fail (HD_CTL_EXIT_FAILED, "%s: %s", hd_account_get_name (account),
                       hd_poll_result_get_failure (result));
          all_ok = FALSE;
        }
    }

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
