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

/* Issue 13: what reached the URL libcurl connects to, or a command line of
 * the mail protocols, or the store without a word. */
static void
test_bad_text (void)
{
  static const Rule rules[] = {
    { "host", "mail.example.com#.evil.test", 0, "incoming.host" },
    { "host", "mail.example.com?", 0, "incoming.host" },
    { "host", "mail.example.com/x", 0, "incoming.host" },
    { "host", "user@mail.example.com", 0, "incoming.host" },
    { "host", "mail.example.com:25", 0, "incoming.host" },
    { "host", "mail.example.com\x01", 0, "incoming.host" },
    { "host", "mail.example.com\x7f", 0, "incoming.host" },
    { "host", "mail\\example.com", 0, "incoming.host" },
    { "host", "mail%2eexample.com", 0, "incoming.host" },
    { "host", "fe80::1%25eth0", 0, "incoming.host" },
    { "host", "[::1]", 0, "incoming.host" },
    { "host", "mail..example.com", 0, "incoming.host" },
    { "name", "Sup\x01port", 0, "name" },
    { "name", "Sup\xc2\x85port", 0, "name" },
    { "name", "Sup\xe2\x80\xa8port", 0, "name" },
    { "username", "support\r\nA1 DELETE INBOX", 0, "login.username" },
    { "username", "support\n", 0, "login.username" },
    { "username", "sup\x1bport", 0, "login.username" },
    { "folder", "INBOX\r\nA1 DELETE INBOX", 0, "incoming.folder" },
    { "folder", "INBOX\t", 0, "incoming.folder" },
    { "sender-alias", "Support\r\nBcc: all@example.com", 0, "account_info.sender_alias" },
    { "sender-alias", "Support\x07", 0, "account_info.sender_alias" },
    { "sender-address", "support@example.com\x7f", 0, "account_info.sender_address" },
    { "account-address", "support@example.com\xc2\x9b", 0, "account_info.account_address" },
    { "pinned-certificate", "sha256//AAAA\n", 0, "incoming.pinned_certificate" },
    { "oauth-connection", "Contoso\n", 0, "oauth_connection" },
    { "fallback-user", "carol\r", 0, "tickets.fallback_user" },
    { "auto-answer-template", "default\n", 0, "tickets.auto_answer_template" },
    { "resource", "Vans\x01", 0, "tickets.resource" },
    { "category", "Misc\x01", 0, "tickets.category" },
    { "priority", "High\x01", 0, "tickets.priority" },
    { "username", "sup\xffport", 0, "login.username" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autoptr (HdAccount) account = valid_account ();
      g_autofree char *shown = g_strescape (rules[i].string_value, NULL);

      g_test_message ("%s = %s", rules[i].property, shown);
      g_object_set (account, rules[i].property, rules[i].string_value, NULL);
      assert_invalid (account, rules[i].field);
    }
}

static void
test_good_hosts (void)
{
  static const char *const hosts[] = {
    "mail.example.com", "mail.example.com.", "127.0.0.1", "::1", "2001:db8::25", "localhost",
    "mail-1.example_host.com", "mail.bücher.example",
  };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr (HdAccount) account = valid_account ();
      g_autoptr (GError) error = NULL;

      g_object_set (account, "host", hosts[i], NULL);
      g_assert_true (hd_account_validate (account, &error));
      g_assert_no_error (error);
      g_assert_true (hd_host_name_is_valid (hosts[i]));
    }
}

static void
test_lengths (void)
{
  static const struct
  {
    const char *property;
    const char *field;
    guint max;
  } cases[] = {
    { "name", "name", HD_ACCOUNT_TEXT_MAX_LENGTH },
    { "username", "login.username", HD_ACCOUNT_TEXT_MAX_LENGTH },
    { "sender-alias", "account_info.sender_alias", HD_ACCOUNT_TEXT_MAX_LENGTH },
    { "folder", "incoming.folder", HD_ACCOUNT_FOLDER_MAX_LENGTH },
    { "priority", "tickets.priority", HD_ACCOUNT_TEXT_MAX_LENGTH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (HdAccount) account = valid_account ();
      g_autoptr (GString) text = g_string_new (NULL);
      g_autoptr (GError) error = NULL;

      /* Counted in characters, not bytes: "ü" is two bytes. */
      for (guint n = 0; n < cases[i].max; n++)
        g_string_append (text, "ü");
      g_object_set (account, cases[i].property, text->str, NULL);
      g_assert_true (hd_account_validate (account, &error));
      g_assert_no_error (error);

      g_string_append_c (text, 'x');
      g_object_set (account, cases[i].property, text->str, NULL);
      assert_invalid (account, cases[i].field);
    }

  {
    /* 10 MB, as a runaway script might write it. */
    g_autoptr (HdAccount) account = valid_account ();
    gsize size = 10 * 1024 * 1024;
    g_autofree char *huge = g_malloc (size + 1);

    memset (huge, 'x', size);
    huge[size] = '\0';
    g_object_set (account, "name", huge, NULL);
    assert_invalid (account, "name");
  }

  {
    g_autoptr (HdAccount) account = valid_account ();
    g_autofree char *host = g_strnfill (HD_HOST_NAME_MAX_LENGTH + 1, 'a');

    g_object_set (account, "host", host, NULL);
    assert_invalid (account, "incoming.host");
  }

  {
    g_autoptr (HdAccount) account = valid_account ();
    g_autofree char *local = g_strnfill (250, 'a');
    g_autofree char *address = g_strconcat (local, "@example.com", NULL);

    g_object_set (account, "sender-address", address, NULL);
    assert_invalid (account, "account_info.sender_address");
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
  /* Member names that are no field's name are quoted (fuzz-account-json found
   * that an empty one gave an error that named no field). */
  assert_json_invalid ("{\"name\": \"S\", \"\": {\"username\": \"u\"}}", "\"\"");
  assert_json_invalid ("{\"name\": \"S\", \": x\": 1}", "\"\\u003a x\"");
  assert_json_invalid ("{\"name\": \"S\", \"login\": {\"a\\nb\": 1}}", "login.\"a\\nb\"");
}

/* What hd_account_json_parse() refuses before json-glib sees it. */
static void
assert_parse_refused (const char *text,
                      gssize      length,
                      const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = hd_account_json_parse (text, length < 0 ? strlen (text) : (gsize) length,
                                                     "bad.json", &error);

  g_assert_null (node);
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, words));
}

static void
test_json_parse_limits (void)
{
  g_autoptr (GString) deep = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *big = NULL;
  gsize big_size = HD_ACCOUNT_JSON_MAX_SIZE + 1;

  /* json-glib's parser recurses: 100,000 levels overflow its stack. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  assert_parse_refused (deep->str, -1, "bad.json: line 1: nested more than");

  g_string_truncate (deep, 0);
  g_string_append (deep, MINIMAL_START "}, \"login\": {\"username\": \"u\"}, \"tickets\": {\"x\": ");
  for (guint i = 0; i < 1000; i++)
    g_string_append_c (deep, '{');
  assert_parse_refused (deep->str, -1, "bad.json: line 1: nested more than");

  /* "\u0000" would cut the string short: "Sup\u0000port" became "Sup". */
  assert_parse_refused ("{\"name\": \"Sup\\u0000port\"}", -1, "name: ");
  assert_parse_refused (MINIMAL_START ", \"folder\": \"IN\\u0000BOX\"" MINIMAL_END, -1,
                        "incoming.folder: ");
  assert_parse_refused ("[{}, " MINIMAL_START MINIMAL_END ", {\"login\": {\"username\": \"\\u0000\"}}]",
                        -1, "account 3: login.username: ");
  /* In a member name, the object that holds it is named. */
  assert_parse_refused (MINIMAL_START ", \"fol\\u0000der\": \"x\"" MINIMAL_END, -1, "incoming: ");
  assert_parse_refused ("{\"name\": \"Sup\0port\"}", 20, "bad.json: line 1 holds a NUL");

  big = g_malloc (big_size);
  memset (big, ' ', big_size);
  assert_parse_refused (big, big_size, "bad.json: larger than");

  /* An escaped backslash before "u0000" is text, not an escape. */
  node = hd_account_json_parse ("{\"name\": \"a\\\\u0000\"}", 20, "ok.json", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==,
                   "a\\u0000");
  g_clear_pointer (&node, json_node_unref);

  /* Bad syntax is json-glib's error, with the file's name. */
  node = hd_account_json_parse ("{\"name\": ", 9, "bad.json", &error);
  g_assert_null (node);
  g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, "bad.json: "));
}

static void
test_json_control_characters (void)
{
  assert_json_invalid ("{\"name\": \"S\\u0001\", \"incoming\": {\"host\": \"h\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\"}}", "name");
  assert_json_invalid (MINIMAL_START ", \"folder\": \"INBOX\\r\\nA1 LOGOUT\"" MINIMAL_END,
                       "incoming.folder");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": {\"host\": \"h#x\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\"}}", "incoming.host");
  assert_json_invalid ("{\"name\": \"S\", \"incoming\": {\"host\": \"h\", \"protocol\": \"imap\"}, "
                       "\"login\": {\"username\": \"u\\u2028\"}}", "login.username");
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

/* Push (IMAP IDLE) is on unless the JSON turns it off, and only a boolean does. */
static void
test_json_push (void)
{
#define PUSH_BASE "{\"name\": \"S\", \"incoming\": {\"host\": \"h\", " \
                  "\"protocol\": \"imap\"}, \"login\": {\"username\": \"u\"}%s}"
  g_autofree char *without = g_strdup_printf (PUSH_BASE, "");
  g_autofree char *off = g_strdup_printf (PUSH_BASE, ", \"push\": false");
  g_autofree char *wrong = g_strdup_printf (PUSH_BASE, ", \"push\": \"no\"");
#undef PUSH_BASE
  g_autoptr (JsonNode) without_node = parse (without);
  g_autoptr (JsonNode) off_node = parse (off);
  g_autoptr (JsonNode) wrong_node = parse (wrong);
  g_autoptr (GError) error = NULL;
  g_autoptr (HdAccount) on_account = hd_account_new_from_json (without_node, &error);
  g_autoptr (HdAccount) off_account = NULL;
  g_autoptr (HdAccount) copy = NULL;
  g_autoptr (JsonNode) back = NULL;
  g_autoptr (HdAccount) wrong_account = NULL;

  g_assert_no_error (error);
  g_assert_true (hd_account_get_push (on_account));
  off_account = hd_account_new_from_json (off_node, &error);
  g_assert_no_error (error);
  g_assert_false (hd_account_get_push (off_account));
  copy = hd_account_copy (off_account);
  g_assert_false (hd_account_get_push (copy));
  back = hd_account_to_json (off_account);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (back), "push"));

  wrong_account = hd_account_new_from_json (wrong_node, &error);
  g_assert_null (wrong_account);
  g_assert_error (error, HD_ACCOUNT_ERROR, HD_ACCOUNT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "push: "));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/valid", test_valid);
  g_test_add_func ("/account/rules", test_rules);
  g_test_add_func ("/account/bad-text", test_bad_text);
  g_test_add_func ("/account/good-hosts", test_good_hosts);
  g_test_add_func ("/account/lengths", test_lengths);
  g_test_add_func ("/account/fallback-user", test_fallback_user_rule);
  g_test_add_func ("/account/optional-empty-is-null", test_optional_empty_is_null);
  g_test_add_func ("/account/copy", test_copy);
  g_test_add_func ("/account/json/errors", test_json_errors);
  g_test_add_func ("/account/json/parse-limits", test_json_parse_limits);
  g_test_add_func ("/account/json/control-characters", test_json_control_characters);
  g_test_add_func ("/account/json/default-port", test_json_default_port);
  g_test_add_func ("/account/json/round-trip", test_json_round_trip);
  g_test_add_func ("/account/json/push", test_json_push);

  return g_test_run ();
}
