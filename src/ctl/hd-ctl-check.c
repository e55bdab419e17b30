/* hd-ctl-check.c: helpdesk-mailctl check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-ctl.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "hd-account.h"
#include "hd-mailbox.h"
#include "hd-accounts.h"

/* A result line is one line, always: scripts read "OK: …" / "FAILED: …". */
static void
print_result_line (const char *prefix,
                   const char *text)
{
  g_autofree char *line = g_strdup (text != NULL ? text : "");

  g_strdelimit (line, "\r\n", ' ');
  printf ("%s %s\n", prefix, line);
}

static int
check (HdCtl *ctl,
       int    argc,
       char **argv)
{
  HdCtlFlag flags[] = { { "--transcript" }, { "--timeout", TRUE } };
  const char *usage = "check NAME [--transcript] [--timeout SECONDS]";
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (HdMailboxCheckResult) result = NULL;
  g_autoptr (HdCredentials) credentials = NULL;
  guint64 timeout = 0;
  int status = 0;
  HdStore *store;

  store = hd_ctl_prepare (ctl, argc, argv, flags, G_N_ELEMENTS (flags), 1, 1, usage, &words,
                          &status);
  if (store == NULL)
    return status;
  if (flags[1].value != NULL
      && (!g_ascii_string_to_unsigned (flags[1].value, 10, 1, 3600, &timeout, NULL)))
    return hd_ctl_fail (HD_CTL_EXIT_USAGE, _("--timeout: must be between 1 and 3600 seconds"));

  account = hd_store_lookup_account (store, words->pdata[0], &error);
  if (account == NULL)
    return hd_ctl_fail_error (error);

  /* Without a credential there is nothing to check; that is a failed check,
   * and the line says what to do about it. */
  {
    g_autoptr (HdAccounts) accounts = hd_accounts_new (store);

    credentials = hd_accounts_get_credentials_sync (accounts, account,
                                                    HD_CREDENTIALS_INTERACTIVE, NULL, &error);
  }
  if (credentials == NULL)
    {
      if (error->domain != HD_ACCOUNTS_ERROR)
        return hd_ctl_fail_error (error);
      print_result_line ("FAILED:", error->message);
      return HD_CTL_EXIT_FAILED;
    }

  mailbox = hd_mailbox_new (account, (HdMailboxAuth) credentials->kind, credentials->secret);
  if (timeout > 0)
    hd_mailbox_set_timeouts (mailbox, (guint) timeout, (guint) timeout);

  result = hd_mailbox_check_sync (mailbox, NULL, &error);
  if (result == NULL)
    return hd_ctl_fail_error (error);
  if (!result->ok && credentials->kind != HD_CREDENTIALS_PASSWORD
      && result->error_code == HD_MAILBOX_ERROR_AUTHENTICATION_FAILED)
    {
      /* A refused access token: once more with a fresh one (hd-oauth). */
      g_autoptr (HdAccounts) accounts = hd_accounts_new (store);

      g_clear_pointer (&credentials, hd_credentials_free);
      credentials = hd_accounts_get_credentials_full_sync (accounts, account,
                                                           HD_CREDENTIALS_INTERACTIVE, TRUE,
                                                           NULL, &error);
      if (credentials == NULL)
        {
          print_result_line ("FAILED:", error->message);
          return HD_CTL_EXIT_FAILED;
        }
      g_clear_object (&mailbox);
      g_clear_pointer (&result, hd_mailbox_check_result_free);
      mailbox = hd_mailbox_new (account, (HdMailboxAuth) credentials->kind, credentials->secret);
      if (timeout > 0)
        hd_mailbox_set_timeouts (mailbox, (guint) timeout, (guint) timeout);
      result = hd_mailbox_check_sync (mailbox, NULL, &error);
      if (result == NULL)
        return hd_ctl_fail_error (error);
    }

  if (result->ok)
    print_result_line ("OK:", result->summary);
  else
    print_result_line ("FAILED:", result->message);

  if (flags[0].seen)
    {
      /* Already redacted, line by line, by hd_redact_line(). */
      printf ("%s", result->transcript);
    }

  return result->ok ? HD_CTL_EXIT_OK : HD_CTL_EXIT_FAILED;
}

const HdCtlCommand hd_ctl_check_commands[] = {
  { "check", NULL, check, "check NAME [--transcript] [--timeout SECONDS]" },
  { NULL }
};
