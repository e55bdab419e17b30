"""helpdesk-mailctl preview: DESIGN.md's JSON line per file, and nothing changed."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdtest import FIXTURES, CtlTestCase, sample_account  # noqa: E402

MEMBERS = {"file", "message_id", "from", "to", "cc", "subject", "date", "auto_submitted",
           "body_text", "attachments", "action", "ticket", "reason", "user", "customer",
           "resource", "category", "priority", "auto_answer"}

MAIL = ("From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.de>\r\n"
        "To: support@example.com\r\n"
        "Subject: =?ISO-8859-1?Q?Drucker_f=E4llt_aus?=\r\n"
        "Message-ID: <preview-1@example.de>\r\n"
        "Date: Fri, 27 Nov 2026 10:00:00 +0100\r\n"
        "Content-Type: text/plain; charset=ISO-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Gr=FC=DFe, der Drucker ist kaputt.\r\n")


class Preview(CtlTestCase):
    def setUp(self):
        super().setUp()
        account = sample_account()
        account["account_info"]["account_address"] = "support@example.com"
        account["tickets"]["priority"] = "High"
        account["tickets"]["create_customer_from_domain"] = True
        self.ctl("accounts", "add", self.write("a.json", account), check=0)

    def preview(self, *files, check=0):
        proc = self.ctl("preview", "--account", "Support", *files, check=check)
        return [json.loads(line) for line in proc.stdout.splitlines()]

    def test_one_line_per_file(self):
        path = self.write("m.eml", MAIL.encode("latin-1"))
        before = self.db_dump()
        [line] = self.preview(path)
        self.assertEqual(set(line), MEMBERS)
        self.assertEqual(line["file"], path)
        self.assertEqual(line["subject"], "Drucker fällt aus")
        self.assertEqual(line["from"], {"name": "Jürgen Müller", "address": "juergen@example.de"})
        self.assertEqual(line["to"], ["support@example.com"])
        self.assertIn("Grüße, der Drucker ist kaputt.", line["body_text"])
        self.assertEqual(line["action"], "new-ticket")
        self.assertIsNone(line["ticket"])
        self.assertEqual(line["user"], "juergen")
        self.assertEqual(line["customer"], "example.de")
        self.assertEqual(line["priority"], "High")
        self.assertFalse(line["auto_answer"])
        self.assertTrue(line["reason"])
        # A preview creates no user, customer, ticket or log entry.
        self.assertEqual(self.db_dump(), before)
        self.assertEqual(self.ctl_json("users", "list", "--json"), [])
        self.assertEqual(self.ctl_json("tickets", "list", "--json"), [])

    def test_unreadable_files_and_the_rest(self):
        good = self.write("good.eml", MAIL.encode("latin-1"))
        empty = self.write("empty.eml", b"")
        missing = os.path.join(self.tmp.name, "missing.eml")
        lines = self.preview(empty, good, missing, check=2)
        self.assertEqual(len(lines), 3)
        self.assertEqual(set(lines[0]), {"file", "error"})
        self.assertEqual(lines[0]["file"], empty)
        self.assertEqual(lines[1]["action"], "new-ticket")
        self.assertIn("missing.eml", lines[2]["error"])

    def test_fixture_mails_never_fail(self):
        """Every malformed fixture previews to a decision: nothing is lost."""
        folder = os.path.join(FIXTURES, "mail")
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".eml"))
        self.assertGreater(len(files), 5)
        lines = self.preview(*files)
        self.assertEqual(len(lines), len(files))
        for line in lines:
            self.assertNotIn("error", line, line["file"])
            self.assertIn(line["action"], ("new-ticket", "skip-other-account"))

    def test_usage(self):
        self.ctl("preview", self.write("m.eml", MAIL), check=2)
        proc = self.ctl("preview", "--account", "Nobody", self.write("n.eml", MAIL), check=2)
        self.assertIn("Nobody", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
