/* test-mailbox.c: HdMailbox against a real Dovecot (tests/fixtures/dovecot-fixture.py).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "hd-account.h"
#include "hd-mailbox.h"

#include "dovecot-test-util.h"

/* The fixture's dovecot.conf, for doveadm. */
static char *fixture_conf;

static HdAccount *
make_account (HdProtocol  protocol,
              HdSecurity  security,
              const char *username)
{
  HdAccount *account = hd_account_new ();
  const char *port_name;

  if (protocol == HD_PROTOCOL_IMAP)
    port_name = security == HD_SECURITY_TLS ? "imaps" : "imap";
  else
    port_name = security == HD_SECURITY_TLS ? "pop3s" : "pop3";

  g_object_set (account,
                "name", "Test",
                "host", info_string ("host"),
                "port", info_port (port_name),
                "protocol", protocol,
                "security", security,
                "username", username,
                NULL);
  return account;
}

/* The secret must not show up anywhere: not as is, not as the base64 of a
 * SASL PLAIN response that holds it. */
static void
assert_no_secret (const char *text,
                  const char *username,
                  const char *secret)
{
  g_autoptr(GString) plain = g_string_new (NULL);
  g_autofree char *plain_b64 = NULL;

  if (text == NULL || secret == NULL || *secret == '\0')
    return;
  g_assert_null (strstr (text, secret));
  g_string_append_c (plain, '\0');
  g_string_append (plain, username);
  g_string_append_c (plain, '\0');
  g_string_append (plain, secret);
  plain_b64 = g_base64_encode ((guchar *) plain->str, plain->len);
  g_assert_null (strstr (text, plain_b64));
}

static void
assert_result_clean (HdMailboxCheckResult *result,
                     const char           *username,
                     const char           *secret)
{
  assert_no_secret (result->transcript, username, secret);
  assert_no_secret (result->message, username, secret);
  assert_no_secret (result->summary, username, secret);
  assert_no_secret (result->server_reply, username, secret);
}

static HdMailboxCheckResult *
check (HdAccount     *account,
       HdMailboxAuth  auth,
       const char    *secret)
{
  g_autoptr(HdMailbox) mailbox = hd_mailbox_new (account, auth, secret);
  g_autoptr(GError) error = NULL;
  HdMailboxCheckResult *result;

  hd_mailbox_set_timeouts (mailbox, 10, 10);
  result = hd_mailbox_check_sync (mailbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_nonnull (result->transcript);
  if (g_test_verbose ())
    g_printerr ("%s\n%s\n", result->ok ? result->summary : result->message, result->transcript);
  assert_result_clean (result, hd_account_get_username (account), secret);
  return result;
}

static char *
read_log (void)
{
  g_autofree char *log = NULL;

  g_assert_true (g_file_get_contents (info_string ("log"), &log, NULL, NULL));
  return g_steal_pointer (&log);
}

/* The transcript lines that we sent. */
static char *
client_lines (const char *transcript)
{
  g_auto(GStrv) lines = g_strsplit (transcript, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "C: "))
        g_string_append_printf (out, "%s\n", lines[i] + 3);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
count_matches (const char *text,
               const char *pattern)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) info = NULL;
  guint n = 0;

  g_assert_nonnull (regex);
  g_regex_match (regex, text, 0, &info);
  while (g_match_info_matches (info))
    {
      n++;
      g_match_info_next (info, NULL);
    }
  return n;
}

static const char *
expected_auth_failure (HdProtocol protocol)
{
  return protocol == HD_PROTOCOL_IMAP ? "NO [AUTHENTICATIONFAILED] Authentication failed."
                                      : "-ERR [AUTH] Authentication failed.";
}

/* ------------------------------------------------------ fake peers */

typedef struct {
  GSocket *socket;
  GThread *thread;
  GCancellable *cancellable;
  guint port;
} FakeServer;

static gpointer
close_at_once_thread (gpointer data)
{
  FakeServer *server = data;

  for (;;)
    {
      g_autoptr(GSocket) client = g_socket_accept (server->socket, server->cancellable, NULL);

      if (client == NULL)
        return NULL;
      g_socket_close (client, NULL);
    }
}

/* A loopback port that listens and then either never answers or closes
 * every connection at once. */
static FakeServer *
fake_server_new (gboolean close_at_once)
{
  FakeServer *server = g_new0 (FakeServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server->socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (server->socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->socket, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  server->cancellable = g_cancellable_new ();
  if (close_at_once)
    server->thread = g_thread_new ("close-at-once", close_at_once_thread, server);
  return server;
}

static void
fake_server_free (FakeServer *server)
{
  g_cancellable_cancel (server->cancellable);
  if (server->thread != NULL)
    g_thread_join (server->thread);
  g_socket_close (server->socket, NULL);
  g_object_unref (server->socket);
  g_object_unref (server->cancellable);
  g_free (server);
}

static guint
refused_port (void)
{
  FakeServer *server = fake_server_new (FALSE);
  guint port = server->port;

  /* Nothing listens there any more once it is closed. */
  fake_server_free (server);
  return port;
}

/* ---------------------------------------------------------------- tests */

typedef struct {
  HdProtocol protocol;
  HdSecurity security;
  HdMailboxAuth auth;
} Case;

static void
test_security_ok (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user_field ("ascii", 0));
  g_autoptr(HdMailboxCheckResult) result = check (account, HD_MAILBOX_AUTH_PASSWORD,
                                                  user_field ("ascii", 1));
  g_autofree char *sent = client_lines (result->transcript);

  g_assert_true (result->ok);
  g_assert_cmpuint (result->message_count, ==, 3);
  g_assert_nonnull (strstr (result->summary, "Dovecot"));
  g_assert_nonnull (strstr (result->summary, "3"));
  g_assert_nonnull (result->mechanisms);
  g_assert_nonnull (strstr (result->mechanisms, "PLAIN"));
  if (c->security == HD_SECURITY_STARTTLS)
    g_assert_cmpuint (count_matches (sent, c->protocol == HD_PROTOCOL_IMAP ? " STARTTLS$" : "^STLS$"),
                      ==, 1);
  else
    g_assert_cmpuint (count_matches (sent, "STARTTLS|^STLS"), ==, 0);
  /* Exactly one login, by SASL PLAIN, and never NTLM although offered. */
  g_assert_cmpuint (count_matches (sent, "AUTHENTICATE PLAIN|^AUTH PLAIN"), ==, 1);
  g_assert_cmpuint (count_matches (sent, "NTLM"), ==, 0);
}

static void
test_wrong_password (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user_field ("ascii", 0));
  g_autoptr(HdMailboxCheckResult) result = check (account, HD_MAILBOX_AUTH_PASSWORD,
                                                  "Wrong-Password-123");

  g_assert_false (result->ok);
  g_assert_cmpint (result->error_code, ==, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED);
  g_assert_cmpstr (result->message, ==, expected_auth_failure (c->protocol));
  g_assert_cmpstr (result->server_reply, ==, expected_auth_failure (c->protocol));
}

static void
test_refused (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, "alice");
  g_autoptr(HdMailboxCheckResult) result = NULL;

  g_object_set (account, "port", refused_port (), NULL);
  result = check (account, HD_MAILBOX_AUTH_PASSWORD, "irrelevant-secret");
  g_assert_false (result->ok);
  g_assert_cmpint (result->error_code, ==, HD_MAILBOX_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (result->message, "refused"));
  g_assert_null (result->server_reply);
}

static void
test_closed (gconstpointer data)
{
  const Case *c = data;
  FakeServer *server = fake_server_new (TRUE);
  g_autoptr(HdAccount) account = make_account (c->protocol, HD_SECURITY_NONE, "alice");
  g_autoptr(HdMailboxCheckResult) result = NULL;

  g_object_set (account, "port", server->port, NULL);
  result = check (account, HD_MAILBOX_AUTH_PASSWORD, "irrelevant-secret");
  fake_server_free (server);
  g_assert_false (result->ok);
  g_assert_cmpint (result->error_code, ==, HD_MAILBOX_ERROR_CONNECTION_CLOSED);
  g_assert_nonnull (strstr (result->message, "closed the connection"));
}

static void
test_timeout (gconstpointer data)
{
  const Case *c = data;
  FakeServer *server = fake_server_new (FALSE);
  g_autoptr(HdAccount) account = make_account (c->protocol, HD_SECURITY_NONE, "alice");
  g_autoptr(HdMailbox) mailbox = NULL;
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 elapsed;

  g_object_set (account, "port", server->port, NULL);
  mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, "irrelevant-secret");
  hd_mailbox_set_timeouts (mailbox, 2, 2);
  start = g_get_monotonic_time ();
  result = hd_mailbox_check_sync (mailbox, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  fake_server_free (server);

  g_assert_no_error (error);
  g_assert_false (result->ok);
  g_assert_cmpint (result->error_code, ==, HD_MAILBOX_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (result->message, "Timed out"));
  g_assert_cmpint (elapsed, >=, 1 * G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
}

static void
test_untrusted_then_pinned (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user_field ("ascii", 0));
  g_autoptr(HdMailboxCheckResult) untrusted = NULL;
  g_autoptr(HdMailboxCheckResult) pinned = NULL;
  g_autoptr(HdMailboxCheckResult) wrong_pin = NULL;
  g_autofree char *ca_file = g_strdup (g_getenv ("HELPDESK_MAIL_CA_FILE"));

  /* Without the fixture's CA the server is a stranger. */
  g_unsetenv ("HELPDESK_MAIL_CA_FILE");
  untrusted = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
  g_assert_false (untrusted->ok);
  g_assert_cmpint (untrusted->error_code, ==, HD_MAILBOX_ERROR_TLS_NOT_TRUSTED);
  g_assert_cmpstr (untrusted->server_pin, ==, info_string ("pin"));
  g_assert_nonnull (strstr (untrusted->message, info_string ("pin")));
  g_assert_nonnull (strstr (untrusted->message, "not trusted"));
  /* Nothing may have been sent after the failed handshake. */
  g_assert_cmpuint (count_matches (untrusted->transcript, "AUTHENTICATE|^C: AUTH"), ==, 0);

  /* Pinning the key the admin was shown lets the check through. */
  g_object_set (account, "pinned-certificate", untrusted->server_pin, NULL);
  pinned = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
  g_assert_true (pinned->ok);
  g_assert_cmpuint (pinned->message_count, ==, 3);

  g_object_set (account, "pinned-certificate",
                "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL);
  wrong_pin = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
  g_assert_false (wrong_pin->ok);
  g_assert_cmpint (wrong_pin->error_code, ==, HD_MAILBOX_ERROR_TLS_NOT_TRUSTED);
  g_assert_nonnull (strstr (wrong_pin->message, info_string ("pin")));

  g_setenv ("HELPDESK_MAIL_CA_FILE", ca_file, TRUE);
}

static void
test_utf8_password (gconstpointer data)
{
  const Case *c = data;

  for (guint prevent = 0; prevent <= 1; prevent++)
    {
      g_autoptr(HdAccount) account = make_account (c->protocol, c->security,
                                                   user_field ("utf8", 0));
      g_autoptr(HdMailboxCheckResult) result = NULL;

      g_object_set (account, "prevent-text-only-login", (gboolean) prevent, NULL);
      result = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("utf8", 1));
      g_assert_true (result->ok);
      g_assert_cmpuint (result->message_count, ==, 1);
    }
}

static void
test_prevent_text_only (gconstpointer data)
{
  const Case *c = data;
  const char *user = user_field ("ascii", 0);
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user);
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *log = NULL;
  g_autofree char *pattern = NULL;

  g_object_set (account, "prevent-text-only-login", TRUE, NULL);
  result = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
  g_assert_true (result->ok);

  sent = client_lines (result->transcript);
  g_assert_cmpuint (count_matches (sent, "^\\S+ LOGIN |AUTHENTICATE LOGIN|^AUTH LOGIN|^USER |^PASS "),
                    ==, 0);
  g_assert_cmpuint (count_matches (sent, "AUTHENTICATE PLAIN|^AUTH PLAIN"), ==, 1);

  /* Dovecot's own account of the login: the last one of this user was PLAIN. */
  log = read_log ();
  pattern = g_strdup_printf ("Login: user=<%s>, method=(\\w+)", user);
  {
    g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
    g_autoptr(GMatchInfo) info = NULL;
    g_autofree char *method = NULL;

    g_regex_match (regex, log, 0, &info);
    while (g_match_info_matches (info))
      {
        g_free (method);
        method = g_match_info_fetch (info, 1);
        g_match_info_next (info, NULL);
      }
    g_assert_cmpstr (method, ==, "PLAIN");
  }
}

static void
test_ntlm_never (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(HdAccount) account = make_account (c->protocol, HD_SECURITY_NONE,
                                               user_field ("ascii", 0));
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autofree char *sent = NULL;

  /* On 127.0.0.2 without TLS, Dovecot refuses plain-text logins and offers
   * NTLM alone (through winbind).  An account that prevents NTLM must not
   * take it; the check says what was offered and what is allowed. */
  g_object_set (account, "host", info_string ("unsecured_host"), "prevent-ntlm-login", TRUE, NULL);
  result = check (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
  sent = client_lines (result->transcript);
  g_assert_false (result->ok);
  g_assert_cmpint (result->error_code, ==, HD_MAILBOX_ERROR_NO_COMMON_MECHANISM);
  g_assert_cmpuint (count_matches (sent, "NTLM|AUTHENTICATE|^AUTH |LOGIN|^USER|^PASS"), ==, 0);
  g_assert_nonnull (strstr (result->message, "offers NTLM"));
  g_assert_nonnull (strstr (result->message, "allows PLAIN LOGIN"));
}

static void
test_shared_mailbox (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *username = g_strdup_printf ("%s\\Support", user_field ("master", 0));
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, username);
  g_autoptr(HdMailbox) mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD,
                                                 user_field ("master", 1));
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uids = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *log = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *text = NULL;

  result = hd_mailbox_check_sync (mailbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (result->ok);
  /* The shared mailbox, not the agent's own (which does not exist). */
  g_assert_cmpuint (result->message_count, ==, 2);

  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (uids), ==, 2);
  g_assert_true (hd_mailbox_fetch_sync (mailbox, uids[0], out, NULL, &error));
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, NULL);
  text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
  g_assert_nonnull (strstr (text, "Subject: Shared one\r\n"));

  log = read_log ();
  g_assert_nonnull (strstr (log, "Login: user=<support>, method=PLAIN"));
  transcript = hd_mailbox_dup_transcript (mailbox);
  assert_no_secret (transcript, username, user_field ("master", 1));
  g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 1);
}

static void
test_oauth (gconstpointer data)
{
  const Case *c = data;
  const char *mech = c->auth == HD_MAILBOX_AUTH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER";
  const char *user = user_field ("oauth", 0);
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user);
  g_autoptr(HdMailboxCheckResult) valid = check (account, c->auth, info_string ("valid_token"));
  g_autoptr(HdMailboxCheckResult) revoked = check (account, c->auth, info_string ("revoked_token"));
  g_autofree char *sent = client_lines (valid->transcript);
  g_autofree char *used = g_strdup_printf (c->protocol == HD_PROTOCOL_IMAP ? "AUTHENTICATE %s"
                                                                          : "^AUTH %s", mech);

  g_assert_true (valid->ok);
  g_assert_cmpuint (valid->message_count, ==, 1);
  g_assert_cmpuint (count_matches (sent, used), ==, 1);
  g_assert_cmpuint (count_matches (sent, "PLAIN|LOGIN|NTLM"), ==, 0);

  g_assert_false (revoked->ok);
  g_assert_cmpint (revoked->error_code, ==, HD_MAILBOX_ERROR_AUTHENTICATION_FAILED);
  if (c->auth == HD_MAILBOX_AUTH_OAUTHBEARER)
    g_assert_cmpstr (revoked->message, ==, expected_auth_failure (c->protocol));
  else
    /* libcurl 7.88 hangs up on an XOAUTH2 error challenge instead of
     * answering it, so the server's last word is that challenge's JSON. */
    g_assert_true (g_str_has_prefix (revoked->message, "{\"status\":"));
  g_assert_cmpstr (revoked->server_reply, ==, revoked->message);
  /* The token is neither in the transcript nor in the bearer string form. */
  g_assert_null (strstr (valid->transcript, "tok-valid"));
  g_assert_null (strstr (revoked->transcript, "tok-revoked"));
}

static char *
doveadm_flags (const char *user,
               const char *uid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *query = g_strdup_printf ("%s", uid);
  const char *argv[] = { "doveadm", "-c", fixture_conf, "fetch", "-u", user, "flags",
                         "mailbox", "INBOX", "uid", query, NULL };
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

static void
test_list_fetch_delete (gconstpointer data)
{
  const Case *c = data;
  gboolean imap = c->protocol == HD_PROTOCOL_IMAP;
  const char *which = imap ? "imap_delete" : "pop3_delete";
  const char *user = user_field (which, 0);
  g_autoptr(HdAccount) account = make_account (c->protocol, c->security, user);
  g_autoptr(HdMailbox) mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD,
                                                 user_field (which, 1));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) uids = NULL;
  g_auto(GStrv) left = NULL;
  g_autofree char *transcript = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *before_delete = NULL;
  guint32 uidvalidity = 0;
  const char *subjects[] = { "Delete one", "Delete two", "Delete three" };
  const char *pop_subjects[] = { "Pop one", "Pop two", "Pop three" };

  g_assert_true (hd_mailbox_list_sync (mailbox, &uidvalidity, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (uids), ==, 4);
  if (imap)
    g_assert_cmpuint (uidvalidity, !=, 0);
  else
    g_assert_cmpuint (uidvalidity, ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
      g_autofree char *text = NULL;
      g_autofree char *expected_subject = g_strdup_printf ("Subject: %s\r\n",
                                                           imap ? subjects[i] : pop_subjects[i]);

      g_assert_true (hd_mailbox_fetch_sync (mailbox, uids[i], out, NULL, &error));
      g_assert_no_error (error);
      g_output_stream_close (out, NULL, NULL);
      text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                        g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
      g_assert_true (g_str_has_prefix (text, "From: Customer"));
      g_assert_nonnull (strstr (text, expected_subject));
      /* The POP3 dot-stuffing is undone, and the message is whole. */
      g_assert_true (g_str_has_suffix (text, "\r\n.A line that starts with a dot.\r\n"));
      g_assert_null (strstr (text, "\r\n..A line"));

      if (imap)
        {
          /* Fetching must not leave an unseen message \Seen. */
          g_autofree char *flags = doveadm_flags (user, uids[i]);

          g_assert_null (strstr (flags, "\\Seen"));
        }
    }

  /* A UID that is not there is an error of its own kind. */
  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(GError) missing = NULL;

    g_assert_false (hd_mailbox_fetch_sync (mailbox, imap ? "999" : "no-such-uidl", out, NULL,
                                           &missing));
    g_assert_error (missing, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_NOT_FOUND);
  }

  before_delete = hd_mailbox_dup_transcript (mailbox);
  g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 1);

  uids[3] = (g_free (uids[3]), NULL);
  g_assert_true (hd_mailbox_delete_sync (mailbox, (const char * const *) uids, NULL, &error));
  g_assert_no_error (error);
  if (imap)
    g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 1);
  else
    {
      /* POP3 DELEs take effect at QUIT, which finish sends once per poll. */
      g_assert_true (hd_mailbox_get_deletes_wait_for_finish (mailbox));
      g_assert_true (hd_mailbox_finish_sync (mailbox, NULL, &error));
      g_assert_no_error (error);
    }

  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &left, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (left), ==, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (left[0], !=, uids[i]);

  transcript = hd_mailbox_dup_transcript (mailbox);
  sent = client_lines (transcript);
  if (imap)
    {
      g_autofree char *store = g_strdup_printf ("UID STORE %s,%s,%s \\+FLAGS.SILENT \\(\\\\Deleted\\)",
                                                uids[0], uids[1], uids[2]);

      /* One connection and one login for list, fetch × 3, delete and list. */
      g_assert_cmpuint (count_matches (sent, "AUTHENTICATE"), ==, 1);
      g_assert_cmpuint (count_matches (sent, store), ==, 1);
      g_assert_cmpuint (count_matches (sent, "UID EXPUNGE "), ==, 1);
      g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 1);
    }
  else
    {
      /* One login up to the deletion, which QUIT commits; the list after it
       * needs a second session. */
      g_autofree char *sent_before = client_lines (before_delete);

      g_assert_cmpuint (count_matches (sent_before, "^AUTH "), ==, 1);
      g_assert_cmpuint (count_matches (sent, "^DELE "), ==, 3);
      g_assert_cmpuint (count_matches (sent, "^QUIT$"), >=, 1);
      g_assert_nonnull (strstr (transcript, "S: +OK Logging out, messages deleted."));
      g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 2);
    }
  assert_no_secret (transcript, user, user_field (which, 1));
}

static void
check_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  HdMailboxCheckResult **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hd_mailbox_check_finish (HD_MAILBOX (source), res, &error);
  if (*out == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      *out = g_new0 (HdMailboxCheckResult, 1);
      (*out)->message = g_strdup ("cancelled");
    }
}

static void
test_async (void)
{
  g_autoptr(HdAccount) account = make_account (HD_PROTOCOL_IMAP, HD_SECURITY_TLS,
                                               user_field ("ascii", 0));
  g_autoptr(HdMailbox) mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD,
                                                 user_field ("ascii", 1));
  g_autoptr(HdMailboxCheckResult) result = NULL;

  hd_mailbox_check_async (mailbox, NULL, check_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (result->ok);
  g_assert_cmpuint (result->message_count, ==, 3);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (void)
{
  FakeServer *server = fake_server_new (FALSE);
  g_autoptr(HdAccount) account = make_account (HD_PROTOCOL_IMAP, HD_SECURITY_NONE, "alice");
  g_autoptr(HdMailbox) mailbox = NULL;
  g_autoptr(HdMailboxCheckResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 start = g_get_monotonic_time ();

  g_object_set (account, "port", server->port, NULL);
  mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, "irrelevant-secret");
  hd_mailbox_set_timeouts (mailbox, 30, 30);
  hd_mailbox_check_async (mailbox, cancellable, check_done_cb, &result);
  g_timeout_add (300, cancel_cb, cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  fake_server_free (server);

  g_assert_cmpstr (result->message, ==, "cancelled");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

/* ---------------------------------------------------------------- main */

static void
add (const char    *name,
     HdProtocol     protocol,
     HdSecurity     security,
     HdMailboxAuth  auth,
     GTestDataFunc  func)
{
  Case *c = g_new0 (Case, 1);
  g_autofree char *path = g_strdup_printf ("/mailbox/%s/%s",
                                           protocol == HD_PROTOCOL_IMAP ? "imap" : "pop3", name);

  c->protocol = protocol;
  c->security = security;
  c->auth = auth;
  g_test_add_data_func_full (path, c, func, g_free);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  start_fixture ();
  fixture_conf = g_build_filename (info_string ("dir"), "dovecot.conf", NULL);
  g_setenv ("HELPDESK_MAIL_CA_FILE", info_string ("ca_file"), TRUE);

  for (HdProtocol p = HD_PROTOCOL_IMAP; p <= HD_PROTOCOL_POP3; p++)
    {
      add ("ok/tls", p, HD_SECURITY_TLS, 0, test_security_ok);
      add ("ok/starttls", p, HD_SECURITY_STARTTLS, 0, test_security_ok);
      add ("ok/none", p, HD_SECURITY_NONE, 0, test_security_ok);
      add ("wrong-password/tls", p, HD_SECURITY_TLS, 0, test_wrong_password);
      add ("wrong-password/none", p, HD_SECURITY_NONE, 0, test_wrong_password);
      add ("refused", p, HD_SECURITY_NONE, 0, test_refused);
      add ("closed", p, HD_SECURITY_NONE, 0, test_closed);
      add ("timeout", p, HD_SECURITY_NONE, 0, test_timeout);
      add ("untrusted-then-pinned/tls", p, HD_SECURITY_TLS, 0, test_untrusted_then_pinned);
      add ("untrusted-then-pinned/starttls", p, HD_SECURITY_STARTTLS, 0,
           test_untrusted_then_pinned);
      add ("utf8-password", p, HD_SECURITY_STARTTLS, 0, test_utf8_password);
      add ("prevent-text-only", p, HD_SECURITY_TLS, 0, test_prevent_text_only);
      add ("ntlm-never", p, HD_SECURITY_NONE, 0, test_ntlm_never);
      add ("shared-mailbox", p, HD_SECURITY_TLS, 0, test_shared_mailbox);
      add ("oauth/xoauth2", p, HD_SECURITY_TLS, HD_MAILBOX_AUTH_XOAUTH2, test_oauth);
      add ("oauth/oauthbearer", p, HD_SECURITY_STARTTLS, HD_MAILBOX_AUTH_OAUTHBEARER, test_oauth);
      add ("list-fetch-delete", p, HD_SECURITY_TLS, 0, test_list_fetch_delete);
    }
  g_test_add_func ("/mailbox/imap/check-async", test_async);
  g_test_add_func ("/mailbox/imap/cancel", test_cancel);

  status = g_test_run ();
  stop_fixture ();
  g_clear_pointer (&fixture_conf, g_free);
  return status;
}
