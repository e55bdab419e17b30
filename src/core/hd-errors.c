/* hd-errors.c
 *
 * Every error domain of the core, registered with GDBus once per process:
 * g_dbus_error_encode_gerror() then names an error, for example
 * "io.github.helpdeskmail.HelpDeskMail.Error.Mailbox.AuthenticationFailed",
 * and the other side gets the same GError domain and code back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-errors.h"

#include <gio/gio.h>

#include "hd-account.h"
#include "hd-accounts.h"
#include "hd-auto-answer.h"
#include "hd-mailbox.h"
#include "hd-message.h"
#include "hd-poll-job.h"
#include "hd-secrets.h"
#include "hd-store.h"

typedef struct {
  GQuark (*quark) (void);
  const char *domain;
  const char *const *codes;   /* the D-Bus name of each code, in enum order */
} Domain;

static const char *const account_codes[] = { "Invalid", NULL };
static const char *const accounts_codes[] = { "NoSecret", "SignInRequired", NULL };
static const char *const auto_answer_codes[] = { "NoTemplate", "BadTemplate", "NotConfigured",
                                                 "Smtp", NULL };
static const char *const mailbox_codes[] = {
  "Failed", "HostNotFound", "ConnectionRefused", "ConnectionClosed", "TimedOut",
  "TlsNotTrusted", "TlsUnavailable", "NoCommonMechanism", "AuthenticationFailed",
  "ServerRefused", "NotFound", "Invalid", "IdentityChanged", NULL
};
static const char *const message_codes[] = { "Empty", "NotAMessage", "Io", NULL };
static const char *const poll_codes[] = { "Busy", "NoSecret", NULL };
static const char *const secrets_codes[] = { "Locked", NULL };
static const char *const store_codes[] = { "Failed", "NotFound", "Exists", "TooNew", NULL };

/**
 * hd_errors_register_dbus:
 *
 * Registers every error domain of the core with GDBus. Safe to call more
 * than once, from any thread.
 */
void
hd_errors_register_dbus (void)
{
  static gsize registered = 0;
  const Domain domains[] = {
    { hd_account_error_quark, "Account", account_codes },
    { hd_accounts_error_quark, "Accounts", accounts_codes },
    { hd_auto_answer_error_quark, "AutoAnswer", auto_answer_codes },
    { hd_mailbox_error_quark, "Mailbox", mailbox_codes },
    { hd_message_error_quark, "Message", message_codes },
    { hd_poll_error_quark, "Poll", poll_codes },
    { hd_secrets_error_quark, "Secrets", secrets_codes },
    { hd_store_error_quark, "Store", store_codes },
  };

  if (!g_once_init_enter (&registered))
    return;
  for (guint d = 0; d < G_N_ELEMENTS (domains); d++)
    {
      for (int code = 0; domains[d].codes[code] != NULL; code++)
        {
          g_autofree char *name = g_strconcat (HD_DBUS_ERROR_PREFIX, domains[d].domain, ".",
                                               domains[d].codes[code], NULL);

          g_dbus_error_register_error (domains[d].quark (), code, name);
        }
    }
  g_once_init_leave (&registered, 1);
}
