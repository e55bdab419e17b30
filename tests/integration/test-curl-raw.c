/* test-curl-raw.c: HdCurlSession's raw mode against a real Dovecot
 * (tests/fixtures/dovecot-fixture.py), and against a loopback peer that
 * cuts the connection in the middle of a literal, which Dovecot never does;
 * and the IMAP batched fetch that HdMailbox builds on it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "hd-account.h"
#include "hd-curl-session.h"
#include "hd-mailbox.h"

#include "dovecot-test-util.h"

/* A session to the fixture's Dovecot, logged in as alice. */
static HdCurlSession *
open_dovecot (const char *scheme,
              const char *port_name,
              guint       low_speed_timeout)
{
  HdCurlSession *session = hd_curl_session_new (scheme, info_string ("host"),
                                                info_port (port_name),
                                                g_str_has_prefix (scheme, "imap")
                                                ? "imap,imaps" : "pop3,pop3s");
  g_autoptr (GError) error = NULL;

  hd_curl_session_set_timeouts (session, 10, low_speed_timeout);
  hd_curl_session_set_tls (session, TRUE, NULL);
  hd_curl_session_set_login (session, user_field ("ascii", 0), user_field ("ascii", 1), NULL,
                             NULL, "AUTH=PLAIN;AUTH=LOGIN");
  g_assert_true (hd_curl_session_open_raw (session, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hd_curl_session_is_raw (session));
  return session;
}

/* Reads lines up to the tagged reply of @tag and returns it. */
static char *
read_until_tagged (HdCurlSession *session,
                   const char    *tag)
{
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      char *line = hd_curl_session_raw_read_line (session, 0, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      if (g_str_has_prefix (line, prefix))
        return line;
      g_free (line);
    }
}

static void
assert_no_password (HdCurlSession *session)
{
  const char *transcript = hd_curl_session_get_transcript (session);

  g_assert_null (strstr (transcript, user_field ("ascii", 1)));
  /* The base64 of "\0alice\0alice-Secret-42", as AUTHENTICATE PLAIN sends it. */
  g_assert_null (strstr (transcript, "AGFsaWNlAGFsaWNlLVNlY3JldC00Mg=="));
}

/* One UID FETCH brings every mail of the folder, each literal read whole
 * into its own stream, and the line after it still parses. */
static void
test_imap_batch_literals (void)
{
  g_autoptr (HdCurlSession) session = open_dovecot ("imaps", "imaps", 10);
  g_autoptr (GError) error = NULL;
  g_autofree char *selected = NULL;
  g_autofree char *fetched = NULL;
  g_autofree char *bye = NULL;
  guint n_mails = 0;

  g_assert_true (hd_curl_session_raw_send_line (session, "R1 EXAMINE INBOX", NULL, &error));
  selected = read_until_tagged (session, "R1");
  g_assert_true (g_str_has_prefix (selected, "R1 OK"));
  g_assert_true (hd_curl_session_raw_send_line (session,
                                                "R2 UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])",
                                                NULL, &error));
  for (;;)
    {
      g_autofree char *line = hd_curl_session_raw_read_line (session, 0, NULL, &error);
      g_autoptr (GOutputStream) mail = NULL;
      g_autofree char *text = NULL;
      g_autofree char *tail = NULL;
      const char *brace;
      guint64 size;

      g_assert_no_error (error);
      if (g_str_has_prefix (line, "R2 "))
        {
          g_assert_true (g_str_has_prefix (line, "R2 OK"));
          break;
        }
      brace = strrchr (line, '{');
      g_assert_nonnull (brace);
      size = g_ascii_strtoull (brace + 1, NULL, 10);
      g_assert_cmpuint (size, >, 0);
      mail = g_memory_output_stream_new_resizable ();
      g_assert_true (hd_curl_session_raw_read_literal (session, (goffset) size, mail, NULL,
                                                       &error));
      g_assert_no_error (error);
      g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mail)),
                        ==, size);
      text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mail)), size);
      g_assert_nonnull (strstr (text, "Subject: "));
      tail = hd_curl_session_raw_read_line (session, 0, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (tail, ==, ")");
      n_mails++;
    }
  g_assert_cmpuint (n_mails, ==, 3);

  g_assert_true (hd_curl_session_raw_send_line (session, "R3 LOGOUT", NULL, &error));
  bye = read_until_tagged (session, "R3");
  g_assert_true (g_str_has_prefix (bye, "R3 OK"));

  g_assert_nonnull (strstr (hd_curl_session_get_transcript (session),
                            "C: R2 UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])\n"));
  g_assert_nonnull (strstr (hd_curl_session_get_transcript (session), "S: R2 OK"));
  assert_no_password (session);
  hd_curl_session_close (session);
  g_assert_false (hd_curl_session_is_raw (session));
}

/* POP3 with STARTTLS: libcurl's connect phase does STLS and the login. */
static void
test_pop3_starttls (void)
{
  g_autoptr (HdCurlSession) session = open_dovecot ("pop3", "pop3", 10);
  g_autoptr (GError) error = NULL;
  g_autofree char *stat = NULL;

  g_assert_true (hd_curl_session_raw_send_line (session, "STAT", NULL, &error));
  stat = hd_curl_session_raw_read_line (session, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (stat, "+OK 3 "));
  g_assert_nonnull (strstr (hd_curl_session_get_transcript (session), "C: STLS\n"));
  assert_no_password (session);
}

/* A long session (tens of thousands of commands) keeps a bounded
 * transcript: its start with the login, a note of what was left out, and
 * its latest lines. */
static void
test_transcript_bounded (void)
{
  g_autoptr (HdCurlSession) session = open_dovecot ("pop3", "pop3", 10);
  g_autoptr (GError) error = NULL;
  g_autofree char *stat = NULL;
  const char *transcript;
  const char *left_out;

  /* Pipelined in bursts: 40,000 lines of "C: NOOP" and "S: +OK". */
  for (guint burst = 0; burst < 80; burst++)
    {
      for (guint i = 0; i < 500; i++)
        g_assert_true (hd_curl_session_raw_send_line (session, "NOOP", NULL, &error));
      for (guint i = 0; i < 500; i++)
        {
          g_autofree char *reply = hd_curl_session_raw_read_line (session, 0, NULL, &error);

          g_assert_no_error (error);
          g_assert_true (g_str_has_prefix (reply, "+OK"));
        }
    }
  g_assert_true (hd_curl_session_raw_send_line (session, "STAT", NULL, &error));
  stat = hd_curl_session_raw_read_line (session, 0, NULL, &error);
  g_assert_no_error (error);

  transcript = hd_curl_session_get_transcript (session);
  g_assert_cmpuint (strlen (transcript), <=, 512 * 1024);
  left_out = strstr (transcript, " bytes of the dialogue left out)\n");
  g_assert_nonnull (left_out);
  g_assert_nonnull (strstr (transcript, "C: STLS\n"));
  g_assert_true (strstr (transcript, "C: STLS\n") < left_out);
  g_assert_nonnull (strstr (left_out, "C: STAT\n"));
  assert_no_password (session);
}

static gpointer
cancel_later_thread (gpointer data)
{
  g_usleep (300 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* A wait on a server that says nothing ends with the cancellation, long
 * before the low-speed timeout (an hour here), and the connection goes. */
static void
test_cancel_while_waiting (void)
{
  g_autoptr (HdCurlSession) session = open_dovecot ("imaps", "imaps", 3600);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GThread) thread = NULL;
  g_autofree char *line = NULL;

  thread = g_thread_new ("cancel-later", cancel_later_thread, cancellable);
  line = hd_curl_session_raw_read_line (session, 0, cancellable, &error);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_null (line);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (hd_curl_session_is_raw (session));

  g_clear_error (&error);
  g_assert_false (hd_curl_session_raw_send_line (session, "R1 NOOP", NULL, &error));
  g_assert_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED);
}

/* A server silent for longer than the low-speed timeout times out. */
static void
test_timeout (void)
{
  g_autoptr (HdCurlSession) session = open_dovecot ("imaps", "imaps", 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *line = hd_curl_session_raw_read_line (session, 0, NULL, &error);

  g_assert_null (line);
  g_assert_error (error, HD_CURL_ERROR, HD_CURL_ERROR_TIMED_OUT);
  g_assert_false (hd_curl_session_is_raw (session));
}

static void
test_login_refused (void)
{
  g_autoptr (HdCurlSession) session = hd_curl_session_new ("imaps", info_string ("host"),
                                                           info_port ("imaps"), "imap,imaps");
  g_autoptr (GError) error = NULL;

  hd_curl_session_set_timeouts (session, 10, 10);
  hd_curl_session_set_login (session, user_field ("ascii", 0), "wrong-password", NULL, NULL,
                             "AUTH=PLAIN");
  g_assert_false (hd_curl_session_open_raw (session, NULL, &error));
  g_assert_error (error, HD_CURL_ERROR, HD_CURL_ERROR_LOGIN_DENIED);
  g_assert_false (hd_curl_session_is_raw (session));
}

/* ------------------------------------------- a peer that cuts a literal */

typedef struct {
  GSocketListener *listener;
  guint16 port;
  GThread *thread;
} CuttingPeer;

static void
peer_write (GOutputStream *out,
            const char    *text)
{
  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
}

/* Speaks IMAP just far enough for libcurl's login, then answers the first
 * command with a literal of 1000 bytes of which only 400 come before the
 * connection closes. */
static gpointer
cutting_peer_thread (gpointer data)
{
  CuttingPeer *peer = data;
  g_autoptr (GSocketConnection) connection = g_socket_listener_accept (peer->listener, NULL,
                                                                       NULL, NULL);
  g_autoptr (GDataInputStream) in = NULL;
  GOutputStream *out;
  char part[401];

  if (connection == NULL)
    return NULL;
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  peer_write (out, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      g_autofree char *tag = NULL;

      if (line == NULL)
        return NULL;
      g_strchomp (line);
      tag = g_strndup (line, strcspn (line, " "));
      if (strstr (line, " CAPABILITY") != NULL)
        {
          g_autofree char *reply = g_strdup_printf ("* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n"
                                                    "%s OK done\r\n", tag);
          peer_write (out, reply);
        }
      else if (strstr (line, " AUTHENTICATE ") != NULL)
        {
          g_autofree char *reply = g_strdup_printf ("%s OK logged in\r\n", tag);
          peer_write (out, reply);
        }
      else
        break;
    }
  memset (part, 'x', 400);
  part[400] = '\0';
  peer_write (out, "* 1 FETCH (UID 7 RFC822.SIZE 1000 BODY[] {1000}\r\n");
  peer_write (out, part);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

static void
test_cut_in_literal (void)
{
  CuttingPeer peer = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (HdCurlSession) session = NULL;
  g_autoptr (GOutputStream) mail = g_memory_output_stream_new_resizable ();
  g_autofree char *line = NULL;
  g_autofree char *after = NULL;

  peer.listener = g_socket_listener_new ();
  {
    g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
    g_autoptr (GSocketAddress) bound = NULL;

    g_socket_listener_add_address (peer.listener, address, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
    g_assert_no_error (error);
    peer.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }
  peer.thread = g_thread_new ("cutting-peer", cutting_peer_thread, &peer);

  session = hd_curl_session_new ("imap", "127.0.0.1", peer.port, "imap,imaps");
  hd_curl_session_set_timeouts (session, 10, 10);
  hd_curl_session_set_tls (session, FALSE, NULL);
  hd_curl_session_set_login (session, "alice", "irrelevant-secret", NULL, NULL, "AUTH=PLAIN");
  g_assert_true (hd_curl_session_open_raw (session, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hd_curl_session_raw_send_line (session, "F1 UID FETCH 7 (UID BODY.PEEK[])", NULL,
                                                &error));
  line = hd_curl_session_raw_read_line (session, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (line, "{1000}"));

  g_assert_false (hd_curl_session_raw_read_literal (session, 1000, mail, NULL, &error));
  g_assert_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mail)), ==,
                    400);
  g_assert_false (hd_curl_session_is_raw (session));

  g_clear_error (&error);
  after = hd_curl_session_raw_read_line (session, 0, NULL, &error);
  g_assert_null (after);
  g_assert_error (error, HD_CURL_ERROR, HD_CURL_ERROR_CONNECTION_CLOSED);

  g_thread_join (peer.thread);
  g_socket_listener_close (peer.listener);
  g_object_unref (peer.listener);
}

/* ------------------------------------------------ the batched fetch */

typedef struct {
  GPtrArray *subjects;
  GCancellable *cancel_after_first;
} Batch;

static gboolean
fetched_cb (HdMailbox   *mailbox,
            const char  *uid,
            GBytes      *bytes,
            GFile       *file,
            gpointer     user_data,
            GError     **error)
{
  Batch *batch = user_data;
  g_autofree char *text = NULL;
  const char *subject;

  /* Mail of this size arrives in memory. */
  g_assert_nonnull (bytes);
  g_assert_null (file);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  subject = strstr (text, "Subject: ");
  g_assert_nonnull (subject);
  g_ptr_array_add (batch->subjects, g_strndup (subject + 9, strcspn (subject + 9, "\r\n")));
  if (batch->cancel_after_first != NULL)
    g_cancellable_cancel (batch->cancel_after_first);
  return TRUE;
}

static HdMailbox *
alice_mailbox (void)
{
  g_autoptr (HdAccount) account = hd_account_new ();

  g_object_set (account, "name", "Test", "host", info_string ("host"),
                "port", info_port ("imaps"), "protocol", HD_PROTOCOL_IMAP,
                "security", HD_SECURITY_TLS, "username", user_field ("ascii", 0), NULL);
  return hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, user_field ("ascii", 1));
}

static char *
doveadm_flags (const char *user)
{
  g_autofree char *conf = g_build_filename (info_string ("dir"), "dovecot.conf", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { "doveadm", "-c", conf, "fetch", "-u", user, "uid flags",
                         "mailbox", "INBOX", "all", NULL };
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&out);
}

/* The listed mail in one batch, a UID that is gone left out, the flags as
 * they were, on a second connection whose dialogue is in the transcript
 * without the password. */
static void
test_mailbox_batch (void)
{
  g_autoptr (HdMailbox) mailbox = alice_mailbox ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) uids = NULL;
  g_auto (GStrv) asked = NULL;
  g_autofree char *flags_before = doveadm_flags (user_field ("ascii", 0));
  g_autofree char *flags_after = NULL;
  g_autofree char *transcript = NULL;
  Batch batch = { subjects, NULL };
  guint32 uidvalidity = 0;

  g_assert_true (hd_mailbox_list_sync (mailbox, &uidvalidity, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (uids), ==, 3);
  g_strv_builder_addv (builder, (const char **) uids);
  g_strv_builder_add (builder, "999");
  asked = g_strv_builder_end (builder);

  g_assert_true (hd_mailbox_fetch_batch_sync (mailbox, (const char * const *) asked, fetched_cb,
                                              &batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (subjects->len, ==, 3);
  g_assert_cmpstr (subjects->pdata[0], ==, "Printer broken");
  g_assert_cmpstr (subjects->pdata[1], ==, "VPN down");
  g_assert_cmpstr (subjects->pdata[2], ==, "Password reset");
  g_assert_cmpuint (hd_mailbox_get_n_connections (mailbox), ==, 2);

  transcript = hd_mailbox_dup_transcript (mailbox);
  g_assert_nonnull (strstr (transcript, " UID FETCH "));
  g_assert_nonnull (strstr (transcript, ",999 (UID RFC822.SIZE BODY.PEEK[])"));
  g_assert_null (strstr (transcript, user_field ("ascii", 1)));
  g_assert_null (strstr (transcript, "AGFsaWNlAGFsaWNlLVNlY3JldC00Mg=="));

  hd_mailbox_close (mailbox);
  flags_after = doveadm_flags (user_field ("ascii", 0));
  g_assert_cmpstr (flags_after, ==, flags_before);
}

/* A cancellation while the batch is arriving ends it after the mail in
 * hand: nothing more is handed over, and the error says cancelled. */
static void
test_mailbox_batch_cancelled (void)
{
  g_autoptr (HdMailbox) mailbox = alice_mailbox ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) subjects = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) uids = NULL;
  Batch batch = { subjects, cancellable };

  g_assert_true (hd_mailbox_list_sync (mailbox, NULL, &uids, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (hd_mailbox_fetch_batch_sync (mailbox, (const char * const *) uids, fetched_cb,
                                               &batch, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (subjects->len, ==, 1);
}

/* ------------------------------------- a peer that cuts a read-ahead */

/* Speaks IMAP far enough for a mailbox's login and SELECT, then answers the
 * batched UID FETCH with @n_whole mails of @mail_size bytes, sent at once
 * (the reader takes them ahead of the consumer), and then the first
 * @cut_at bytes of one more. It then closes the connection, or, with
 * @stall, keeps it open and silent until released. */
typedef struct {
  GSocketListener *listener;
  guint16 port;
  GThread *thread;
  guint n_whole;
  gsize mail_size;
  gsize cut_at;
  gboolean stall;

  GMutex lock;
  GCond cond;
  gboolean cut_sent;
  gboolean released;
} AheadPeer;

static char *
ahead_mail (guint n,
            gsize size)
{
  g_autofree char *head = g_strdup_printf ("Subject: Mail %u\r\nMessage-ID: <ahead.%u@example.org>"
                                           "\r\n\r\n", n, n);
  char *mail = g_malloc (size + 1);
  gsize head_length = strlen (head);

  memcpy (mail, head, head_length);
  for (gsize i = head_length; i < size; i++)
    mail[i] = (i % 72 == 71) ? '\n' : (char) ('a' + n % 26);
  mail[size] = '\0';
  return mail;
}

static gpointer
ahead_peer_thread (gpointer data)
{
  AheadPeer *peer = data;
  g_autoptr (GSocketConnection) connection = g_socket_listener_accept (peer->listener, NULL,
                                                                       NULL, NULL);
  g_autoptr (GDataInputStream) in = NULL;
  GOutputStream *out;

  if (connection == NULL)
    return NULL;
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  peer_write (out, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n");
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      g_autofree char *tag = NULL;
      g_autofree char *reply = NULL;

      if (line == NULL)
        return NULL;
      g_strchomp (line);
      tag = g_strndup (line, strcspn (line, " "));
      if (strstr (line, " UID FETCH ") != NULL)
        break;
      if (strstr (line, " CAPABILITY") != NULL)
        reply = g_strdup_printf ("* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN UIDPLUS\r\n"
                                 "%s OK done\r\n", tag);
      else if (strstr (line, " SELECT ") != NULL)
        reply = g_strdup_printf ("* 9 EXISTS\r\n* OK [UIDVALIDITY 5] ok\r\n"
                                 "%s OK [READ-WRITE] selected\r\n", tag);
      else
        reply = g_strdup_printf ("%s OK done\r\n", tag);
      peer_write (out, reply);
    }

  for (guint n = 1; n <= peer->n_whole + 1; n++)
    {
      g_autofree char *mail = ahead_mail (n, peer->mail_size);
      g_autofree char *head = g_strdup_printf ("* %u FETCH (UID %u RFC822.SIZE %zu BODY[] {%zu}\r\n",
                                               n, n, peer->mail_size, peer->mail_size);

      peer_write (out, head);
      if (n > peer->n_whole)
        {
          g_output_stream_write_all (out, mail, peer->cut_at, NULL, NULL, NULL);
          break;
        }
      peer_write (out, mail);
      peer_write (out, ")\r\n");
    }

  g_mutex_lock (&peer->lock);
  peer->cut_sent = TRUE;
  g_cond_broadcast (&peer->cond);
  while (peer->stall && !peer->released)
    g_cond_wait (&peer->cond, &peer->lock);
  g_mutex_unlock (&peer->lock);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return NULL;
}

static void
ahead_peer_start (AheadPeer *peer)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  g_mutex_init (&peer->lock);
  g_cond_init (&peer->cond);
  peer->listener = g_socket_listener_new ();
  g_socket_listener_add_address (peer->listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  peer->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  peer->thread = g_thread_new ("ahead-peer", ahead_peer_thread, peer);
}

static void
ahead_peer_wait_cut (AheadPeer *peer)
{
  g_mutex_lock (&peer->lock);
  while (!peer->cut_sent)
    g_cond_wait (&peer->cond, &peer->lock);
  g_mutex_unlock (&peer->lock);
}

static void
ahead_peer_stop (AheadPeer *peer)
{
  g_mutex_lock (&peer->lock);
  peer->released = TRUE;
  g_cond_broadcast (&peer->cond);
  g_mutex_unlock (&peer->lock);
  g_thread_join (peer->thread);
  g_socket_listener_close (peer->listener);
  g_clear_object (&peer->listener);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->cond);
}

static HdMailbox *
ahead_mailbox (AheadPeer *peer)
{
  g_autoptr (HdAccount) account = hd_account_new ();
  HdMailbox *mailbox;

  g_object_set (account, "name", "Ahead", "host", "127.0.0.1", "port", (guint) peer->port,
                "protocol", HD_PROTOCOL_IMAP, "security", HD_SECURITY_NONE,
                "username", "desk", NULL);
  mailbox = hd_mailbox_new (account, HD_MAILBOX_AUTH_PASSWORD, "irrelevant-secret");
  /* Far longer than any test runs: only a cancellation ends a wait. */
  hd_mailbox_set_timeouts (mailbox, 10, 3600);
  return mailbox;
}

typedef struct {
  AheadPeer *peer;
  GPtrArray *uids;
  gsize mail_size;
  gboolean all_whole;
  GCancellable *cancellable;
} Ahead;

/* Holds the first mail until the peer has cut the connection, so that the
 * reader meets the cut while mails it read ahead still wait in its queue. */
static gboolean
ahead_fetched_cb (HdMailbox   *mailbox,
                  const char  *uid,
                  GBytes      *bytes,
                  GFile       *file,
                  gpointer     user_data,
                  GError     **error)
{
  Ahead *ahead = user_data;
  g_autofree char *expected = ahead_mail ((guint) g_ascii_strtoull (uid, NULL, 10),
                                          ahead->mail_size);

  g_assert_nonnull (bytes);
  g_assert_null (file);
  if (g_bytes_get_size (bytes) != ahead->mail_size
      || memcmp (g_bytes_get_data (bytes, NULL), expected, ahead->mail_size) != 0)
    ahead->all_whole = FALSE;
  if (ahead->uids->len == 0)
    {
      ahead_peer_wait_cut (ahead->peer);
      /* Time for the reader to read up to the cut. */
      g_usleep (G_USEC_PER_SEC / 5);
    }
  g_ptr_array_add (ahead->uids, g_strdup (uid));
  return TRUE;
}

/* The connection breaks inside the fifth literal while the first mail is
 * still being handled: the four whole ones are handed over once each, in
 * order and whole, the cut one never, and the error says the connection
 * closed. */
static void
test_cut_during_read_ahead (void)
{
  AheadPeer peer = { .n_whole = 4, .mail_size = 40000, .cut_at = 1500 };
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (GPtrArray) uids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *asked[] = { "1", "2", "3", "4", "5", "6", NULL };
  Ahead ahead = { &peer, uids, peer.mail_size, TRUE, NULL };

  ahead_peer_start (&peer);
  mailbox = ahead_mailbox (&peer);
  g_assert_false (hd_mailbox_fetch_batch_sync (mailbox, asked, ahead_fetched_cb, &ahead, NULL,
                                               &error));
  g_assert_error (error, HD_MAILBOX_ERROR, HD_MAILBOX_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (uids->len, ==, 4);
  for (guint i = 0; i < uids->len; i++)
    {
      g_autofree char *want = g_strdup_printf ("%u", i + 1);

      g_assert_cmpstr (uids->pdata[i], ==, want);
    }
  g_assert_true (ahead.all_whole);
  g_clear_object (&mailbox);
  ahead_peer_stop (&peer);
}

static gpointer
cancel_after_cut_thread (gpointer data)
{
  Ahead *ahead = data;

  ahead_peer_wait_cut (ahead->peer);
  g_usleep (G_USEC_PER_SEC / 5);
  g_cancellable_cancel (ahead->cancellable);
  return NULL;
}

/* The server stalls in the middle of a literal and the reader waits for
 * it: a cancellation ends that wait at once (the session's timeout is an
 * hour), with the whole mail before it handed over and the cut one not. */
static void
test_cancel_during_read_ahead (void)
{
  AheadPeer peer = { .n_whole = 1, .mail_size = 30000, .cut_at = 700, .stall = TRUE };
  g_autoptr (HdMailbox) mailbox = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) uids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *asked[] = { "1", "2", "3", NULL };
  Ahead ahead = { &peer, uids, peer.mail_size, TRUE, cancellable };
  GThread *canceller;

  ahead_peer_start (&peer);
  mailbox = ahead_mailbox (&peer);
  canceller = g_thread_new ("canceller", cancel_after_cut_thread, &ahead);
  g_assert_false (hd_mailbox_fetch_batch_sync (mailbox, asked, ahead_fetched_cb, &ahead,
                                               cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (uids->len, ==, 1);
  g_assert_cmpstr (uids->pdata[0], ==, "1");
  g_assert_true (ahead.all_whole);
  g_thread_join (canceller);
  g_clear_object (&mailbox);
  ahead_peer_stop (&peer);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  start_fixture ();
  g_setenv ("HELPDESK_MAIL_CA_FILE", info_string ("ca_file"), TRUE);

  g_test_add_func ("/curl-raw/imap/batch-literals", test_imap_batch_literals);
  g_test_add_func ("/curl-raw/pop3/starttls", test_pop3_starttls);
  g_test_add_func ("/curl-raw/transcript-bounded", test_transcript_bounded);
  g_test_add_func ("/curl-raw/cancel-while-waiting", test_cancel_while_waiting);
  g_test_add_func ("/curl-raw/timeout", test_timeout);
  g_test_add_func ("/curl-raw/login-refused", test_login_refused);
  g_test_add_func ("/curl-raw/cut-in-literal", test_cut_in_literal);
  g_test_add_func ("/mailbox-batch/imap/fetch", test_mailbox_batch);
  g_test_add_func ("/mailbox-batch/imap/cancelled", test_mailbox_batch_cancelled);
  g_test_add_func ("/mailbox-batch/imap/cut-during-read-ahead", test_cut_during_read_ahead);
  g_test_add_func ("/mailbox-batch/imap/cancel-during-read-ahead",
                   test_cancel_during_read_ahead);

  status = g_test_run ();
  stop_fixture ();
  return status;
}
