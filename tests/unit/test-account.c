/* test-account.c: every validation rule of an account, and its JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "hd-account-json.h"

#include <string.h>

static HdAccount *
valid_account (void)
{
  return g_object_new (HD_TYPE_ACCOUNT,
                       "name", "Support",
                       "host", "mail.example.com",
                       "port", 993,
                       "username", "support@example.com",
                       "sender-address", "support@example.com",
                       "account-address", "support@example.com",
                       NULL);
}

static void
assert_invalid (HdAccount  *account,
                const char *field)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *got = NULL;

  g_assert_false (hd_account_validate (account, &error));
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  got = hd_account_error_dup_field (error);
  g_assert_cmpstr (got, ==, field);
  /* The message says more than the field name. */
  g_assert_cmpuint (strlen (error->message), >, strlen (field) + 4);
}

static void
test_valid (void)
{
  g_autoptr (HdAccount) account = valid_account ();
  g_autoptr (GError) error = NULL;

  g_assert_true (hd_account_validate (account, &error));
  g_assert_no_error (error);
}

typedef struct
{
  const char *property;
  const char *string_value;
  guint uint_value;
  const char *field;
} Rule;

static void
test_rules (void)
{
  static const Rule rules[] = {
    { "name", "", 0, "name" },
    { "name", "two\nlines", 0, "name" },
    { "host", "", 0, "incoming.host" },
    { "host", "mail example.com", 0, "incoming.host" },
    { "port", NULL, 0, "incoming.port" },
    { "port", NULL, 70000, "incoming.port" },
    { "poll-interval", NULL, 0, "poll_interval" },
    { "folder", "", 0, "incoming.folder" },
    { "pinned-certificate", "AAAA", 0, "incoming.pinned_certificate" },
    { "username", "", 0, "login.username" },
    { "sender-address", "support", 0, "account_info.sender_address" },
    { "sender-address", "a@b@c", 0, "account_info.sender_address" },
    { "sender-address", "a b@example.com", 0, "account_info.sender_address" },
    { "account-address", "@example.com", 0, "account_info.account_address" },
    { "account-address", "support@", 0, "account_info.account_address" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autoptr (HdAccount) account = valid_account ();

      if (rules[i].string_value != NULL)
        g_object_set (account, rules[i].property, rules[i].string_value, NULL);
      else
        g_object_set (account, rules[i].property, rules[i].uint_value, NULL);
      assert_invalid (account, rules[i].field);
    }
}

static void
test_fallback_user_rule (void)
{
  g_autoptr (HdAccount) account = valid_account ();
  g_autoptr (GError) error = NULL;

  g_object_set (account, "create-unknown-users", FALSE, NULL);
  assert_invalid (account, "tickets.fallback_user");

  g_object_set (account, "fallback-user", "carol", NULL);
  g_assert_true (hd_account_validate (account, &error));
}

static void
test_optional_empty_is_null (void)
{
  g_autoptr (HdAccount) account = valid_account ();

  /* An empty entry in the window means "not set", never "" in the store. */
  g_object_set (account, "sender-alias", "", "priority", "", NULL);
  g_assert_null (hd_account_get_sender_alias (account));
  g_assert_null (hd_account_get_priority (account));
  g_assert_true (hd_account_validate (account, NULL));
}

static void
test_copy (void)
{
  g_autoptr (HdAccount) account = valid_account ();
  g_autoptr (HdAccount) copy = NULL;
  g_autoptr (JsonNode) a = NULL;
  g_autoptr (JsonNode) b = NULL;

  g_object_set (account, "priority", "High", "protocol", HD_PROTOCOL_POP3, "auto-bundle", FALSE,
                NULL);
  copy = hd_account_copy (account);
  g_assert_true (copy != account);
  a = hd_account_to_json (account);
  b = hd_account_to_json (copy);
  g_assert_true (json_node_equal (a, b));
  g_assert_cmpstr (hd_account_get_priority (copy), ==, "High");
  g_assert_cmpint (hd_account_get_protocol (copy), ==, HD_PROTOCOL_POP3);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static void
assert_json_invalid (const char *text,
                     const char *field)
{
  g_autoptr (JsonNode) node = parse (text);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) account = hd_account_new_from_json (node, &error);
  g_autofree char *got = NULL;

  g_assert_null (account);
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  got = hd_account_error_dup_field (error);
  g_assert_cmpstr (got, ==, field);
}

#define MINIMAL_START "{\"name\": \"S\", \"incoming\": {\"host\": \"h\", \"protocol\": \"imap\""
#define MINIMAL_END "}, \"login\": {\"username\": \"u\"}}"

static void
test_json_errors (void)
{
  assert_json_invalid ("[]", "account");
  assert_json_invalid ("{\"incoming\": {\"host\": \"h\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\"}}", "name");
  assert_json_invalid ("{\"name\": \"S\", \"login\": {\"username\": \"u\"}}", "incoming.host");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": {\"host\": \"h\"}, "
                       "\"login\": {\"username\": \"u\"}}", "incoming.protocol");
  assert_json_invalid (MINIMAL_START "}}", "login.username");
  assert_json_invalid (MINIMAL_START ", \"port\": 0" MINIMAL_END, "incoming.port");
  assert_json_invalid (MINIMAL_START ", \"port\": 70000" MINIMAL_END, "incoming.port");
  assert_json_invalid (MINIMAL_START ", \"port\": -5" MINIMAL_END, "incoming.port");
  assert_json_invalid (MINIMAL_START ", \"port\": \"993\"" MINIMAL_END, "incoming.port");
  assert_json_invalid (MINIMAL_START ", \"security\": \"ssl\"" MINIMAL_END, "incoming.security");
  assert_json_invalid (MINIMAL_START ", \"prot\": 1" MINIMAL_END, "incoming.prot");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": {\"host\": \"h\", \"protocol\": \"smtp\"}, "
                       "\"login\": {\"username\": \"u\"}}", "incoming.protocol");
  assert_json_invalid ("{\"name\": 5, \"incoming\": {\"host\": \"h\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\"}}", "name");
  assert_json_invalid ("{\"name\": \"S\", \"enabled\": \"yes\", \"incoming\": {\"host\": \"h\", "
                       "\"protocol\": \"imap\"}, \"login\": {\"username\": \"u\"}}", "enabled");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": [], \"login\": {\"username\": \"u\"}}",
                       "incoming");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": {\"host\": \"h\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\"}, \"password\": \"x\"}", "password");
}

static void
test_json_default_port (void)
{
  static const struct
  {
    const char *protocol;
    const char *security;
    guint port;
  } cases[] = {
    { "imap", "tls", 993 }, { "imap", "starttls", 143 }, { "imap", "none", 143 },
    { "pop3", "tls", 995 }, { "pop3", "starttls", 110 }, { "pop3", "none", 110 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"name\": \"S\", \"incoming\": {\"host\": \"h\", "
                                               "\"protocol\": \"%s\", \"security\": \"%s\"}, "
                                               "\"login\": {\"username\": \"u\"}}",
                                               cases[i].protocol, cases[i].security);
      g_autoptr (JsonNode) node = parse (text);
      g_autoptr (GError) error = NULL;
      g_autoptr (HdAccount) account = hd_account_new_from_json (node, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (hd_account_get_port (account), ==, cases[i].port);
    }
}

static void
test_json_round_trip (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "account.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) account = NULL;
  g_autoptr (JsonNode) back = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  account = hd_account_new_from_json (json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  back = hd_account_to_json (account);
  g_assert_true (json_node_equal (json_parser_get_root (parser), back));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/valid", test_valid);
  g_test_add_func ("/account/rules", test_rules);
  g_test_add_func ("/account/fallback-user", test_fallback_user_rule);
  g_test_add_func ("/account/optional-empty-is-null", test_optional_empty_is_null);
  g_test_add_func ("/account/copy", test_copy);
  g_test_add_func ("/account/json/errors", test_json_errors);
  g_test_add_func ("/account/json/default-port", test_json_default_port);
  g_test_add_func ("/account/json/round-trip", test_json_round_trip);

  return g_test_run ();
}
