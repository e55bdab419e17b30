"""helpdesk-mailctl settings …, tickets …, log on an empty helpdesk."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdtest import CtlTestCase, keyring_lookup  # noqa: E402


class Settings(CtlTestCase):
    def test_defaults(self):
        s = self.ctl_json("settings", "show", "--json")
        self.assertEqual(s["auto_emails.new_request"], "false")
        self.assertEqual(s["reference.prefix"], "[")
        self.assertEqual(s["reference.suffix"], "]")
        self.assertNotIn("store.id", s)

    def test_set_valid(self):
        self.ctl("settings", "set", "smtp.host", "127.0.0.1", check=0)
        self.ctl("settings", "set", "smtp.port", "2525", check=0)
        self.ctl("settings", "set", "auto_emails.new_request", "true", check=0)
        self.ctl("settings", "set", "reference.keywords", "Ticket, Case-No", check=0)
        s = self.ctl_json("settings", "show", "--json")
        self.assertEqual(s["smtp.port"], "2525")
        self.assertEqual(s["auto_emails.new_request"], "true")
        self.assertIn("smtp.host = 127.0.0.1", self.ctl("settings", "show", check=0).stdout)

    def test_set_invalid(self):
        before = self.db_dump() if os.path.exists(self.db) else None
        self.ctl("settings", "show", check=0)
        before = self.db_dump()
        for key, value in (("smtp.port", "0"), ("smtp.port", "http"),
                           ("smtp.security", "ssl"), ("auto_emails.new_request", "yes"),
                           ("reference.prefix", "T"), ("reference.keywords", "a b"),
                           ("store.id", "x"), ("nonsense", "1")):
            proc = self.ctl("settings", "set", key, value, check=2)
            self.assertEqual(len(proc.stderr.strip().splitlines()), 1)
            self.assertIn(key, proc.stderr)
        self.assertEqual(self.db_dump(), before)

    def test_set_refuses_what_changes_commands(self):
        # Issue 13, item 9: these were stored, and went into the SMTP URL or an SMTP command.
        self.ctl("settings", "show", check=0)
        before = self.db_dump()
        for key, value in (("smtp.host", "smtp.example.com#.evil.test"),
                           ("smtp.host", "smtp.example.com?x"),
                           ("smtp.host", "smtp.example.com:25"),
                           ("smtp.host", "smtp.example.com\x01"),
                           ("smtp.host", "smtp.example.com%2f"),
                           ("smtp.host", "a" * 254),
                           ("smtp.username", "helpdesk\x1b"),
                           ("smtp.username", "helpdesk\x7f"),
                           ("smtp.username", "helpdesk\u0085"),
                           ("smtp.username", "helpdesk\tx"),
                           ("smtp.username", "u" * 100_000),
                           ("reference.keywords", "Ticket," + "K" * 300)):
            with self.subTest(key=key, value=value[:40]):
                proc = self.ctl("settings", "set", key, value, check=2)
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
                self.assertIn(key, proc.stderr)
        self.assertEqual(self.db_dump(), before)
        # What is right still is: an IPv6 address, an internationalised name, no host at all.
        for value in ("::1", "smtp.bücher.example", ""):
            self.ctl("settings", "set", "smtp.host", value, check=0)

    def test_smtp_password(self):
        self.ctl("settings", "set-smtp-password", "--password-stdin", stdin="smtp-Geheim\n",
                 check=0)
        self.assertEqual(keyring_lookup(self.db, "smtp-password", "smtp"), "smtp-Geheim")
        self.assertNotIn(b"smtp-Geheim", self.db_files_bytes())
        self.ctl("settings", "set-smtp-password", check=2)


class Templates(CtlTestCase):
    def test_default_always_and_custom(self):
        self.assertIn("default", self.ctl("templates", "list", check=0).stdout.split())
        folder = os.path.join(self.tmp.name, "templates")
        os.mkdir(folder)
        with open(os.path.join(folder, "billing.txt"), "w") as f:
            f.write("Subject: We got your invoice question\n\nHello {sender_name}\n")
        env = dict(os.environ, HELPDESK_MAIL_TEMPLATE_DIR=folder)
        import subprocess
        from hdtest import CTL
        out = subprocess.run([CTL, "--db", self.db, "templates", "list"], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        self.assertEqual(out, sorted(out))
        self.assertIn("billing", out)
        self.assertIn("default", out)


class EmptyHelpdesk(CtlTestCase):
    def test_tickets_and_log(self):
        self.assertEqual(self.ctl_json("tickets", "list", "--json"), [])
        self.assertEqual(self.ctl_json("log", "--json"), [])
        proc = self.ctl("tickets", "show", "12", check=2)
        self.assertIn("12", proc.stderr)
        self.ctl("tickets", "show", "abc", check=2)
        proc = self.ctl("log", "Nobody", check=2)
        self.assertIn("Nobody", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
