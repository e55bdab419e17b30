"""helpdesk-mailctl accounts …: the contract of DESIGN.md, against a real keyring."""

import copy
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdtest import CtlTestCase, keyring_lookup, sample_account  # noqa: E402

PASSWORD = "Zebra-Pässwort-7731!"


class AccountsAdd(CtlTestCase):
    def add_sample(self):
        path = self.write("account.json", sample_account())
        return self.ctl("accounts", "add", path, "--password-stdin", stdin=PASSWORD + "\n", check=0)

    def test_round_trip_every_field(self):
        self.add_sample()
        self.assertEqual(self.ctl_json("accounts", "show", "Support", "--json"), sample_account())
        self.assertEqual(self.ctl_json("accounts", "export"), [sample_account()])
        self.assertEqual(self.ctl_json("accounts", "export", "Support"), [sample_account()])
        self.assertEqual(self.ctl_json("accounts", "list", "--json"), [sample_account()])

    def test_password_only_in_keyring(self):
        self.add_sample()
        self.assertEqual(keyring_lookup(self.db, "account-password", "Support"), PASSWORD)
        raw = self.db_files_bytes()
        self.assertGreater(len(raw), 0)
        for encoding in ("utf-8", "utf-16-le", "latin-1"):
            self.assertNotIn(PASSWORD.encode(encoding), raw)
        # Nor a recognizable part of it.
        self.assertNotIn(b"Zebra-P", raw)
        for args in (("accounts", "show", "Support"), ("accounts", "show", "Support", "--json"),
                     ("accounts", "export"), ("accounts", "list")):
            self.assertNotIn("Zebra", self.ctl(*args, check=0).stdout)

    def test_remove_clears_keyring(self):
        self.add_sample()
        self.assertIsNotNone(keyring_lookup(self.db, "account-password", "Support"))
        self.ctl("accounts", "remove", "Support", check=0)
        self.assertIsNone(keyring_lookup(self.db, "account-password", "Support"))
        self.assertEqual(self.ctl_json("accounts", "export"), [])
        # Removing again is an error that names the account.
        proc = self.ctl("accounts", "remove", "Support", check=2)
        self.assertIn("Support", proc.stderr)

    def test_set_password(self):
        self.add_sample()
        self.ctl("accounts", "set-password", "Support", "--password-stdin", stdin="second\n", check=0)
        self.assertEqual(keyring_lookup(self.db, "account-password", "Support"), "second")
        proc = self.ctl("accounts", "set-password", "Nobody", "--password-stdin", stdin="x", check=2)
        self.assertIn("Nobody", proc.stderr)
        self.assertIsNone(keyring_lookup(self.db, "account-password", "Nobody"))

    def test_add_from_stdin_and_defaults(self):
        minimal = {"name": "Pop", "incoming": {"host": "pop.example.com", "protocol": "pop3"},
                   "login": {"username": "pop"}}
        import json
        self.ctl("accounts", "add", "-", stdin=json.dumps(minimal), check=0)
        shown = self.ctl_json("accounts", "show", "Pop", "--json")
        self.assertEqual(shown["incoming"]["port"], 995)
        self.assertEqual(shown["incoming"]["security"], "tls")
        self.assertTrue(shown["tickets"]["create_unknown_users"])
        self.assertIsNone(keyring_lookup(self.db, "account-password", "Pop"))

    def test_import_what_was_exported(self):
        self.add_sample()
        exported = self.ctl("accounts", "export", check=0).stdout
        other = CtlTestCase("run")
        other.setUp()
        try:
            path = other.write("export.json", exported)
            other.ctl("accounts", "add", path, check=0)
            self.assertEqual(other.ctl_json("accounts", "export"), [sample_account()])
        finally:
            other.tearDown()


class AccountsBadInput(CtlTestCase):
    """Each bad input: exit 2, one stderr line naming the field, database unchanged."""

    def setUp(self):
        super().setUp()
        # An existing account, so that "unchanged" has something to compare.
        self.ctl("accounts", "add", self.write("first.json", sample_account()), check=0)
        self.before = self.db_dump()

    def assert_rejected(self, content, field, password=None):
        path = self.write("bad.json", content)
        args = ["accounts", "add", path] + (["--password-stdin"] if password else [])
        proc = self.ctl(*args, stdin=password, check=2)
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(field, lines[0])
        self.assertEqual(self.db_dump(), self.before)
        return lines[0]

    def variant(self, edit):
        account = copy.deepcopy(sample_account())
        account["name"] = "Second"
        edit(account)
        return account

    def test_malformed_json(self):
        line = self.assert_rejected('{"name": "Second", "incoming": {', "bad.json")
        self.assertIn("JSON", line)

    def test_missing_required_field(self):
        self.assert_rejected(self.variant(lambda a: a["incoming"].pop("host")), "incoming.host")
        self.assert_rejected(self.variant(lambda a: a.pop("name")), "name")
        self.assert_rejected(self.variant(lambda a: a["login"].pop("username")), "login.username")

    def test_port_out_of_range(self):
        self.assert_rejected(self.variant(lambda a: a["incoming"].update(port=0)), "incoming.port")
        self.assert_rejected(self.variant(lambda a: a["incoming"].update(port=70000)),
                             "incoming.port")

    def test_unknown_priority(self):
        line = self.assert_rejected(self.variant(lambda a: a["tickets"].update(priority="Meh")),
                                    "tickets.priority")
        self.assertIn("Meh", line)

    def test_other_unknown_references(self):
        self.assert_rejected(self.variant(lambda a: a["tickets"].update(fallback_user="zed")),
                             "tickets.fallback_user")
        self.assert_rejected(self.variant(lambda a: a["tickets"].update(resource="Van")),
                             "tickets.resource")
        self.assert_rejected(self.variant(lambda a: a["tickets"].update(category="Misc")),
                             "tickets.category")
        self.assert_rejected(self.variant(lambda a: a.update(oauth_connection="Contoso")),
                             "oauth_connection")

    def test_bad_addresses(self):
        self.assert_rejected(
            self.variant(lambda a: a["account_info"].update(sender_address="support")),
            "account_info.sender_address")

    def test_fallback_user_required(self):
        self.assert_rejected(
            self.variant(lambda a: a["tickets"].update(create_unknown_users=False)),
            "tickets.fallback_user")

    def test_duplicate_name(self):
        line = self.assert_rejected(sample_account(), "name", password="secret-dup")
        self.assertIn("Support", line)
        # The password of the rejected duplicate did not replace the first one's.
        self.assertIsNone(keyring_lookup(self.db, "account-password", "Support"))

    def test_array_is_all_or_nothing(self):
        good = self.variant(lambda a: None)
        bad = self.variant(lambda a: a["incoming"].update(port=0))
        bad["name"] = "Third"
        self.assert_rejected([good, bad], "incoming.port")

    def test_empty_password(self):
        self.assert_rejected(self.variant(lambda a: None), "password", password="\n")

    # Issue 13, item 9: input that used to be stored, or to crash.

    def test_host_that_changes_the_url(self):
        # "#", "?" and control bytes silently changed the host or port curl connected to.
        for host in ("mail.example.com#.evil.test", "mail.example.com?x", "mail.example.com/x",
                     "support@mail.example.com", "mail example.com", "mail.example.com:25",
                     "mail.example.com\x01", "mail.example.com\r\n", "mail.example.com\x00",
                     "mail%2eexample.com"):
            with self.subTest(host=host):
                self.assert_rejected(self.variant(lambda a: a["incoming"].update(host=host)),
                                     "incoming.host")

    def test_control_characters(self):
        cases = (
            ("login.username", lambda a, v: a["login"].update(username="support" + v)),
            ("incoming.folder", lambda a, v: a["incoming"].update(folder="INBOX" + v)),
            ("account_info.sender_alias",
             lambda a, v: a["account_info"].update(sender_alias="Support" + v)),
            ("account_info.sender_address",
             lambda a, v: a["account_info"].update(sender_address="support@example.com" + v)),
            ("account_info.account_address",
             lambda a, v: a["account_info"].update(account_address="support@example.com" + v)),
            ("name", lambda a, v: a.update(name="Second" + v)),
        )
        for field, edit in cases:
            for bad in ("\r\nA1 DELETE INBOX", "\x1b", "\x7f", "\u0085", "\u2028"):
                with self.subTest(field=field, bad=bad):
                    self.assert_rejected(self.variant(lambda a: edit(a, bad)), field)

    def test_nul_escape(self):
        # "\u0000" cut the string short: "Sec\u0000ond" was stored as "Sec".
        for field, edit in (
                ("name", lambda a: a.update(name="Sec\x00ond")),
                ("login.username", lambda a: a["login"].update(username="support\x00x")),
                ("incoming.folder", lambda a: a["incoming"].update(folder="INBOX\x00.Trash")),
                ("account_info.sender_alias",
                 lambda a: a["account_info"].update(sender_alias="Support\x00"))):
            with self.subTest(field=field):
                text = json.dumps(self.variant(edit))
                self.assertIn("\\u0000", text)
                line = self.assert_rejected(text, field)
                self.assertIn("\\u0000", line)
        # In an array, the account is named by its number.
        line = self.assert_rejected([self.variant(lambda a: None),
                                     self.variant(lambda a: a.update(name="Thi\x00rd"))], "name")
        self.assertIn("2", line)

    def test_absurd_lengths(self):
        line = self.assert_rejected(self.variant(lambda a: a.update(name="N" * 300)), "name")
        self.assertIn("255", line)
        self.assert_rejected(self.variant(lambda a: a["login"].update(username="u" * 1000)),
                             "login.username")
        self.assert_rejected(self.variant(lambda a: a["incoming"].update(host="a" * 254)),
                             "incoming.host")
        self.assert_rejected(self.variant(lambda a: a["account_info"].update(
            sender_address="s" * 250 + "@example.com")), "account_info.sender_address")
        # A 10 MB name: the file is refused by its size, before it is parsed.
        line = self.assert_rejected(self.variant(lambda a: a.update(name="N" * 10_000_000)),
                                    "bad.json")
        self.assertIn("MiB", line)

    def test_oversize_stdin(self):
        text = json.dumps(self.variant(lambda a: None)) + " " * (5 * 1024 * 1024)
        proc = self.ctl("accounts", "add", "-", stdin=text, check=2)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn("MiB", proc.stderr)
        self.assertEqual(self.db_dump(), self.before)

    def test_deep_nesting(self):
        # 100,000 levels crashed json-glib's recursive parser (a stack overflow).
        line = self.assert_rejected("[" * 100_000 + "]" * 100_000, "bad.json")
        self.assertIn("nested", line)
        account = json.dumps(self.variant(lambda a: None))
        nested = account[:-1] + ', "x": ' + "{\"a\": " * 100_000 + "1" + "}" * 100_000 + "}"
        line = self.assert_rejected(nested, "bad.json")
        self.assertIn("nested", line)

    def test_directory(self):
        proc = self.ctl("accounts", "add", self.tmp.name, check=2)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn(self.tmp.name, proc.stderr)
        self.assertEqual(self.db_dump(), self.before)

    def test_bad_usage(self):
        proc = self.ctl("accounts", "add", check=2)
        self.assertIn("usage", proc.stderr)
        proc = self.ctl("accounts", "frobnicate", check=2)
        proc = self.ctl("accounts", "show", "Support", "--bogus", check=2)
        self.assertIn("--bogus", proc.stderr)
        self.assertEqual(self.db_dump(), self.before)


class Entities(CtlTestCase):
    def test_users_and_lists(self):
        self.ctl("users", "add", "carol", "--email", "carol@example.org", check=0)
        self.assertEqual(self.ctl_json("users", "list", "--json"),
                         [{"name": "carol", "email": "carol@example.org"}])
        proc = self.ctl("users", "add", "carol", "--email", "c2@example.org", check=2)
        self.assertIn("carol", proc.stderr)
        proc = self.ctl("users", "add", "dave", "--email", "nope", check=2)
        self.assertIn("email", proc.stderr)
        self.ctl("resources", "add", "Printers", check=0)
        self.ctl("categories", "add", "Hardware", check=0)
        self.assertEqual(self.ctl_json("resources", "list", "--json"), [{"name": "Printers"}])
        self.assertEqual(self.ctl_json("categories", "list", "--json"), [{"name": "Hardware"}])
        self.assertEqual(self.ctl_json("customers", "list", "--json"), [])
        self.assertEqual([p["name"] for p in self.ctl_json("priorities", "list", "--json")],
                         ["Low", "Normal", "High", "Urgent"])

    def test_account_may_name_entities(self):
        self.ctl("users", "add", "carol", "--email", "carol@example.org", check=0)
        self.ctl("resources", "add", "Printers", check=0)
        account = sample_account()
        account["tickets"].update(create_unknown_users=False, fallback_user="carol",
                                  resource="Printers", priority="High")
        self.ctl("accounts", "add", self.write("a.json", account), check=0)
        self.assertEqual(self.ctl_json("accounts", "show", "Support", "--json"), account)

    def test_env_database(self):
        env_db = os.path.join(self.tmp.name, "env.sqlite3")
        import subprocess
        from hdtest import CTL
        env = dict(os.environ, HELPDESK_MAIL_DB=env_db)
        proc = subprocess.run([CTL, "resources", "add", "Vans"], env=env, capture_output=True,
                              text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.exists(env_db))
        self.assertFalse(os.path.exists(self.db))


if __name__ == "__main__":
    unittest.main(verbosity=2)
