/* test-bounded.c: what a poll keeps while it runs stays small however many
 * mails it reads: the listing (HdHandles), the errors of its result, and the
 * transcript of its connections.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "hd-curl-session-private.h"
#include "hd-handles.h"
#include "hd-poll-job-private.h"

static void
test_handles_order_and_lookup (void)
{
  g_autoptr (HdHandles) handles = hd_handles_new ();
  const char * const *strv;
  guint index = 0;

  hd_handles_add_uid (handles, 7);
  hd_handles_add (handles, "UIDL-b");
  hd_handles_add_uid (handles, 4294967295u);
  hd_handles_add (handles, "UIDL-a\t3");

  g_assert_cmpuint (hd_handles_get_length (handles), ==, 4);
  strv = hd_handles_peek_strv (handles);
  g_assert_cmpstr (strv[0], ==, "7");
  g_assert_cmpstr (strv[1], ==, "UIDL-b");
  g_assert_cmpstr (strv[2], ==, "4294967295");
  g_assert_cmpstr (strv[3], ==, "UIDL-a\t3");
  g_assert_null (strv[4]);
  g_assert_cmpstr (hd_handles_get (handles, 1), ==, "UIDL-b");

  /* The listing's own copy comes back, found through the sorted index. */
  g_assert_true (hd_handles_lookup (handles, "UIDL-b") == strv[1]);
  g_assert_true (hd_handles_lookup (handles, "7") == strv[0]);
  g_assert_true (hd_handles_lookup (handles, "UIDL-a\t3") == strv[3]);
  g_assert_true (hd_handles_find (handles, "UIDL-a\t3", &index));
  g_assert_cmpuint (index, ==, 3);
  g_assert_true (hd_handles_find (handles, "4294967295", &index));
  g_assert_cmpuint (index, ==, 2);
  g_assert_false (hd_handles_find (handles, "UIDL", &index));
  g_assert_null (hd_handles_lookup (handles, "8"));
  g_assert_null (hd_handles_lookup (handles, "UIDL-a"));
  g_assert_null (hd_handles_lookup (handles, ""));
}

static void
test_handles_empty (void)
{
  g_autoptr (HdHandles) handles = hd_handles_new_from_strv (NULL);
  g_auto (GStrv) copy = NULL;

  g_assert_cmpuint (hd_handles_get_length (handles), ==, 0);
  g_assert_null (hd_handles_peek_strv (handles)[0]);
  g_assert_null (hd_handles_lookup (handles, "1"));
  copy = hd_handles_dup_strv (handles);
  g_assert_cmpuint (g_strv_length (copy), ==, 0);
}

/* 20,000 UIDs in a few allocations of about 20 bytes a UID; a GStrv and
 * the key table it replaces took more than 100. */
static void
test_handles_compact (void)
{
  g_autoptr (HdHandles) handles = hd_handles_new ();
  const guint n = 20000;

  for (guint i = 0; i < n; i++)
    hd_handles_add_uid (handles, 100000 + 3 * i);

  g_assert_cmpuint (hd_handles_get_length (handles), ==, n);
  g_assert_cmpuint (hd_handles_get_memory_size (handles), <=, 20 * n + 1024);
  for (guint i = 0; i < n; i++)
    {
      char uid[16];

      g_snprintf (uid, sizeof uid, "%u", 100000 + 3 * i);
      g_assert_true (hd_handles_lookup (handles, uid) == hd_handles_get (handles, i));
      g_snprintf (uid, sizeof uid, "%u", 100000 + 3 * i + 1);
      g_assert_null (hd_handles_lookup (handles, uid));
    }
}

/* The result of a run with 25 errors keeps the first ten, a note of the
 * five left out, and the latest ten; the count is all 25. */
static void
test_result_errors_bounded (void)
{
  HdPollResult *result = hd_poll_result_new ();
  const char * const *errors;

  for (guint i = 1; i <= 25; i++)
    {
      g_autofree char *message = g_strdup_printf ("error %u", i);

      hd_poll_result_add_error (result, message);
    }

  g_assert_cmpuint (hd_poll_result_get_n_errors (result), ==, 25);
  errors = hd_poll_result_get_errors (result);
  g_assert_cmpuint (g_strv_length ((GStrv) errors), ==, 21);
  g_assert_cmpstr (errors[0], ==, "error 1");
  g_assert_cmpstr (errors[9], ==, "error 10");
  g_assert_cmpstr (errors[10], ==, "(5 more errors left out)");
  g_assert_cmpstr (errors[11], ==, "error 16");
  g_assert_cmpstr (errors[20], ==, "error 25");
  g_assert_null (errors[21]);

  /* Another 20,000 change nothing but the count and the latest ones. */
  for (guint i = 26; i <= 20025; i++)
    {
      g_autofree char *message = g_strdup_printf ("error %u", i);

      hd_poll_result_add_error (result, message);
    }
  g_assert_cmpuint (hd_poll_result_get_n_errors (result), ==, 20025);
  errors = hd_poll_result_get_errors (result);
  g_assert_cmpuint (g_strv_length ((GStrv) errors), ==, 21);
  g_assert_cmpstr (errors[9], ==, "error 10");
  g_assert_cmpstr (errors[10], ==, "(20005 more errors left out)");
  g_assert_cmpstr (errors[11], ==, "error 20016");
  g_assert_cmpstr (errors[20], ==, "error 20025");
  hd_poll_result_unref (result);
}

static void
test_result_errors_few (void)
{
  HdPollResult *result = hd_poll_result_new ();
  const char * const *errors;

  g_assert_null (hd_poll_result_get_errors (result)[0]);
  for (guint i = 1; i <= 20; i++)
    {
      g_autofree char *message = g_strdup_printf ("error %u", i);

      hd_poll_result_add_error (result, message);
    }
  errors = hd_poll_result_get_errors (result);
  g_assert_cmpuint (g_strv_length ((GStrv) errors), ==, 20);
  g_assert_cmpstr (errors[10], ==, "error 11");
  g_assert_cmpuint (hd_poll_result_get_n_errors (result), ==, 20);
  hd_poll_result_unref (result);
}

/* A session given a small limit keeps its start and its latest lines within
 * it, and says what it left out. */
static void
test_transcript_limit (void)
{
  g_autoptr (HdCurlSession) session = hd_curl_session_new ("imaps", "127.0.0.1", 993, "imaps");
  const char *transcript;
  const char *left_out;

  hd_curl_session_set_transcript_limit (session, 32 * 1024);
  hd_curl_session_note_line (session, HD_REDACT_SERVER, "* OK greeting");
  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *line = g_strdup_printf ("* %u FETCH (UID %u RFC822.SIZE 1234 BODY[] {1234}",
                                               i + 1, i + 1);

      hd_curl_session_note_line (session, HD_REDACT_SERVER, line);
    }
  hd_curl_session_note_line (session, HD_REDACT_CLIENT, "A9 LOGOUT");

  transcript = hd_curl_session_get_transcript (session);
  g_assert_cmpuint (strlen (transcript), <=, 32 * 1024);
  g_assert_true (g_str_has_prefix (transcript, "S: * OK greeting\n"));
  left_out = strstr (transcript, " bytes of the dialogue left out)\n");
  g_assert_nonnull (left_out);
  g_assert_true (g_str_has_suffix (transcript, "S: * 20000 FETCH (UID 20000 RFC822.SIZE 1234 "
                                               "BODY[] {1234}\nC: A9 LOGOUT\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bounded/handles/order-and-lookup", test_handles_order_and_lookup);
  g_test_add_func ("/bounded/handles/empty", test_handles_empty);
  g_test_add_func ("/bounded/handles/compact", test_handles_compact);
  g_test_add_func ("/bounded/result/errors", test_result_errors_bounded);
  g_test_add_func ("/bounded/result/few-errors", test_result_errors_few);
  g_test_add_func ("/bounded/transcript-limit", test_transcript_limit);

  return g_test_run ();
}
