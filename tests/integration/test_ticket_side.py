"""The ticket side, end to end through helpdesk-mailctl against a real Dovecot
and a real SMTP server: mail written from a ticket, bounces that find their
ticket, mail made into a ticket from the poll log, and one account per
account address."""

import email
import email.policy
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import FIXTURES, CtlTestCase  # noqa: E402

DOVECOT = None
USERS = [f"side{i}" for i in range(20)]


def setUpModule():
    global DOVECOT
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})


def tearDownModule():
    DOVECOT.stop()


class TicketSide(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.user = USERS.pop()
        self.me = f"{self.user}@example.com"

    def add_account(self, name="Support", **tickets):
        account = DOVECOT.account(name, self.user, "imap", **tickets)
        account["account_info"]["sender_alias"] = "Example Support"
        self.ctl("accounts", "add", self.write(f"{name}.json", account), "--password-stdin",
                 stdin="pw-" + self.user, check=0)
        return account

    def deliver(self, *mails):
        for raw in mails:
            DOVECOT.deliver(self.user, raw)

    def tickets(self):
        return self.ctl_json("tickets", "list", "--json")

    def ticket(self, ticket_id):
        return self.ctl_json("tickets", "show", str(ticket_id), "--json")

    def users(self):
        return [u["name"] for u in self.ctl_json("users", "list", "--json")]

    def runs(self):
        return self.ctl_json("log", "Support", "--json")


class Rescue(TicketSide):
    def test_duplicate_made_into_ticket_once(self):
        self.add_account()
        # A careless mailer reuses a Message-ID for a different mail.
        self.deliver(mail(60), mail(60, subject="Another question entirely"))
        self.ctl("poll", check=0)
        self.assertEqual(len(self.tickets()), 1)
        [run] = self.runs()
        [skipped] = [e for e in run["events"] if e["action"] == "skip-duplicate"]
        self.assertIsNone(skipped["made_ticket"])
        self.assertIn(f"log import {run['id']} {skipped['server_key']}",
                      self.ctl("log", check=0).stdout)

        out = self.ctl("log", "import", str(run["id"]), skipped["server_key"], check=0).stdout
        tickets = self.tickets()
        self.assertEqual(len(tickets), 2)
        new = next(t for t in tickets if t["subject"] == "Another question entirely")
        self.assertIn(f"Ticket {new['id']}:", out)
        [step] = self.ticket(new["id"])["steps"]
        self.assertEqual(step["message_id"], "<req.60@example.org>")
        self.assertIn("Body of request 60.", step["text"])

        # The log entry links the ticket, and a second import is refused.
        [again] = [e for e in self.runs()[0]["events"] if e["action"] == "skip-duplicate"]
        self.assertEqual(again["made_ticket"], new["id"])
        self.assertIn(f"made into ticket {new['id']}", self.ctl("log", check=0).stdout)
        proc = self.ctl("log", "import", str(run["id"]), skipped["server_key"], check=2)
        self.assertIn(f"made into ticket {new['id']} already", proc.stderr)
        self.assertEqual(len(self.tickets()), 2)

    def test_unknown_entry(self):
        self.add_account()
        self.deliver(mail(61))
        self.ctl("poll", check=0)
        [run] = self.runs()
        [event] = run["events"]
        # A mail that became a ticket has no raw copy in the log to import.
        proc = self.ctl("log", "import", str(run["id"]), event["server_key"], check=2)
        self.assertIn("kept no copy", proc.stderr)
        self.ctl("log", "import", "x", "1/1", check=2)


class AccountAddress(TicketSide):
    def test_second_account_with_the_same_address_is_refused(self):
        self.add_account()
        other = DOVECOT.account("Other", USERS.pop(), "imap")
        other["account_info"]["account_address"] = self.me.upper()
        before = self.db_dump()
        proc = self.ctl("accounts", "add", self.write("o.json", other), check=2)
        self.assertIn("account_info.account_address", proc.stderr)
        self.assertIn("“Support” already has the address", proc.stderr)
        self.assertEqual(self.db_dump(), before)


if __name__ == "__main__":
    unittest.main()
