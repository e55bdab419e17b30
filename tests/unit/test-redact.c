/* test-redact.c: the one redaction function of transcripts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-redact.h"

typedef struct {
  HdRedactSource source;
  const char *line;
  const char *expected;
} Step;

static void
run_dialogue (const Step *steps,
              gsize       n_steps)
{
  HdRedactState state = { 0 };

  for (gsize i = 0; i < n_steps; i++)
    {
      g_autofree char *out = hd_redact_line (&state, steps[i].source, steps[i].line);

      g_assert_cmpstr (out, ==, steps[i].expected);
    }
}

static void
test_imap (void)
{
  const Step steps[] = {
    { HD_REDACT_SERVER, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n",
      "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready." },
    { HD_REDACT_CLIENT, "A001 CAPABILITY\r\n", "A001 CAPABILITY" },
    { HD_REDACT_CLIENT, "A002 LOGIN alice \"s3cret pass\"\r\n", "A002 LOGIN [redacted]" },
    { HD_REDACT_SERVER, "A002 NO [AUTHENTICATIONFAILED] Authentication failed.",
      "A002 NO [AUTHENTICATIONFAILED] Authentication failed." },
    { HD_REDACT_CLIENT, "A003 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==",
      "A003 AUTHENTICATE PLAIN [redacted]" },
    { HD_REDACT_SERVER, "A003 OK Logged in", "A003 OK Logged in" },
    /* After the login, ordinary commands show again. */
    { HD_REDACT_CLIENT, "A004 SELECT INBOX", "A004 SELECT INBOX" },
    { HD_REDACT_CLIENT, "A005 UID STORE 1,2 +FLAGS.SILENT (\\Deleted)",
      "A005 UID STORE 1,2 +FLAGS.SILENT (\\Deleted)" },
    /* A command we do not know could carry anything. */
    { HD_REDACT_CLIENT, "A006 XSECRET hunter2", "A006 [redacted]" },
  };

  run_dialogue (steps, G_N_ELEMENTS (steps));
}

static void
test_imap_continuations (void)
{
  const Step steps[] = {
    /* SASL LOGIN without an initial response: both answers are secrets. */
    { HD_REDACT_CLIENT, "A001 AUTHENTICATE LOGIN", "A001 AUTHENTICATE LOGIN" },
    { HD_REDACT_SERVER, "+ VXNlcm5hbWU6", "+ VXNlcm5hbWU6" },
    { HD_REDACT_CLIENT, "YWxpY2U=", "[redacted]" },
    { HD_REDACT_SERVER, "+ UGFzc3dvcmQ6", "+ UGFzc3dvcmQ6" },
    { HD_REDACT_CLIENT, "aHVudGVyMg==", "[redacted]" },
    { HD_REDACT_SERVER, "A001 OK Logged in", "A001 OK Logged in" },
    /* XOAUTH2 failure: the server's error and our empty/dummy answer. */
    { HD_REDACT_CLIENT, "A002 AUTHENTICATE XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHRvawEB",
      "A002 AUTHENTICATE XOAUTH2 [redacted]" },
    { HD_REDACT_SERVER, "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=",
      "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=" },
    { HD_REDACT_CLIENT, "AQ==", "[redacted]" },
    { HD_REDACT_SERVER, "A002 NO [AUTHENTICATIONFAILED] Authentication failed.",
      "A002 NO [AUTHENTICATIONFAILED] Authentication failed." },
    /* A LOGIN with literals: what follows the continuation is hidden. */
    { HD_REDACT_CLIENT, "A003 LOGIN {5}", "A003 LOGIN [redacted]" },
    { HD_REDACT_SERVER, "+ Ready for literal data", "+ Ready for literal data" },
    { HD_REDACT_CLIENT, "alice {7}", "[redacted]" },
    { HD_REDACT_SERVER, "+ Ready for literal data", "+ Ready for literal data" },
    { HD_REDACT_CLIENT, "hunter2", "[redacted]" },
    { HD_REDACT_SERVER, "A003 OK Logged in", "A003 OK Logged in" },
    { HD_REDACT_CLIENT, "A004 NOOP", "A004 NOOP" },
  };

  run_dialogue (steps, G_N_ELEMENTS (steps));
}

static void
test_pop3 (void)
{
  const Step steps[] = {
    { HD_REDACT_CLIENT, "CAPA\r\n", "CAPA" },
    { HD_REDACT_CLIENT, "USER alice", "USER alice" },
    { HD_REDACT_CLIENT, "PASS hunter2", "PASS [redacted]" },
    { HD_REDACT_CLIENT, "APOP alice c4c9334bac560ecc979e58001b3e22fb", "APOP [redacted]" },
    { HD_REDACT_CLIENT, "AUTH PLAIN", "AUTH PLAIN" },
    { HD_REDACT_SERVER, "+ ", "+ " },
    { HD_REDACT_CLIENT, "AGFsaWNlAGh1bnRlcjI=", "[redacted]" },
    { HD_REDACT_SERVER, "-ERR [AUTH] Authentication failed.",
      "-ERR [AUTH] Authentication failed." },
    { HD_REDACT_CLIENT, "AUTH OAUTHBEARER bixhPWEsAWF1dGg9QmVhcmVy", "AUTH OAUTHBEARER [redacted]" },
    { HD_REDACT_SERVER, "+OK Logged in.", "+OK Logged in." },
    /* POP3's XOAUTH2 with the initial response on the AUTH line. */
    { HD_REDACT_CLIENT, "AUTH XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHRvawEB", "AUTH XOAUTH2 [redacted]" },
    { HD_REDACT_SERVER, "+OK Logged in.", "+OK Logged in." },
    { HD_REDACT_CLIENT, "STAT", "STAT" },
    { HD_REDACT_CLIENT, "DELE 3", "DELE 3" },
    { HD_REDACT_CLIENT, "QUIT", "QUIT" },
    /* A lone word that is no POP3 command is hidden. */
    { HD_REDACT_CLIENT, "c2VjcmV0", "[redacted]" },
  };

  run_dialogue (steps, G_N_ELEMENTS (steps));
}

static void
test_bearer (void)
{
  const Step steps[] = {
    { HD_REDACT_INFO, "sending Authorization: Bearer eyJhbGciOi.abc-def_ghi",
      "sending Authorization: Bearer [redacted]" },
    { HD_REDACT_SERVER, "{\"error\":\"bad\",\"auth\":\"bearer tok-123\"}",
      "{\"error\":\"bad\",\"auth\":\"bearer [redacted]\"}" },
    { HD_REDACT_INFO, "n,a=u,\001auth=Bearer tok-9\001\001", "n,a=u,\001auth=Bearer [redacted]\001\001" },
    { HD_REDACT_INFO, "Connected to 127.0.0.1 port 993", "Connected to 127.0.0.1 port 993" },
    /* A mechanism name is not a token. */
    { HD_REDACT_SERVER, "* CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER AUTH=NTLM",
      "* CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER AUTH=NTLM" },
  };

  run_dialogue (steps, G_N_ELEMENTS (steps));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/redact/imap", test_imap);
  g_test_add_func ("/redact/imap-continuations", test_imap_continuations);
  g_test_add_func ("/redact/pop3", test_pop3);
  g_test_add_func ("/redact/bearer", test_bearer);

  return g_test_run ();
}
