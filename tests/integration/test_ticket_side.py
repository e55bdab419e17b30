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
        # Which of the two came second and was skipped depends on the server's order.
        new = max(tickets, key=lambda t: t["id"])
        self.assertEqual(new["subject"], skipped["subject"])
        self.assertIn(f"Ticket {new['id']}:", out)
        [step] = self.ticket(new["id"])["steps"]
        self.assertEqual(step["message_id"], "<req.60@example.org>")

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


class Reply(TicketSide):
    """Mail written from a ticket, through a real SMTP server."""

    def setUp(self):
        super().setUp()
        self.outbox = os.path.join(self.tmp.name, "outbox")
        os.mkdir(self.outbox)
        self.smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(FIXTURES, "smtp_server.py"),
                                      self.outbox], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        port = self.smtp.stdout.readline().strip()
        for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", port),
                           ("smtp.security", "none"), ("auto_emails.new_request", "true")):
            self.ctl("settings", "set", key, value, check=0)
        self.add_account(auto_answer_template="default")
        self.deliver(mail(70, sender="Carol <carol@example.org>", subject="Printer broken"))
        self.ctl("poll", check=0)
        [self.carol] = self.tickets()
        # The auto-answer to Carol's mail.
        self.assertEqual(len(self.sent()), 1)

    def tearDown(self):
        self.smtp.stdin.close()
        self.smtp.wait(10)
        super().tearDown()

    def sent(self):
        out = []
        for name in sorted(os.listdir(self.outbox)):
            if name.endswith(".eml"):
                with open(os.path.join(self.outbox, name), "rb") as f:
                    msg = email.message_from_binary_file(f, policy=email.policy.default)
                with open(os.path.join(self.outbox, name[:-4] + ".json")) as f:
                    msg.envelope = json.load(f)
                out.append(msg)
        return out

    def reply(self, text, *args, check=0):
        return self.ctl("tickets", "reply", str(self.carol["id"]), *args, "--text-file", "-",
                        stdin=text, check=check)

    def test_reply_goes_out_as_the_sender_alias_and_is_a_step(self):
        out = self.reply("Grüße, der Techniker kommt morgen.\n", "--cc", "boss@example.org")
        self.assertIn(f"Example Support <{self.me}>", out.stdout)
        answer = self.sent()[-1]
        self.assertEqual(answer["From"].addresses[0].display_name, "Example Support")
        self.assertEqual(answer["From"].addresses[0].addr_spec, self.me)
        self.assertEqual(answer["To"].addresses[0].addr_spec, "carol@example.org")
        self.assertEqual(answer["Cc"].addresses[0].addr_spec, "boss@example.org")
        self.assertEqual(sorted(answer.envelope["rcpt_tos"]),
                         ["boss@example.org", "carol@example.org"])
        self.assertEqual(answer["Subject"], f"Re: Printer broken {self.carol['reference']}")
        self.assertEqual(answer["In-Reply-To"], "<req.70@example.org>")
        self.assertIn("<req.70@example.org>", answer["References"])
        self.assertIsNone(answer["Auto-Submitted"])
        self.assertIn("Grüße, der Techniker kommt morgen.", answer.get_content())

        steps = self.ticket(self.carol["id"])["steps"]
        self.assertEqual([s["direction"] for s in steps], ["in", "out"])
        self.assertEqual(steps[1]["message_id"], answer["Message-ID"])
        self.assertEqual(steps[1]["to"], ["carol@example.org"])
        self.assertEqual(steps[1]["cc"], ["boss@example.org"])
        self.assertFalse(steps[1]["undeliverable"])

        # Carol's answer to it finds the ticket by In-Reply-To alone, and
        # another by the reference alone.
        self.deliver(mail(71, sender="Carol <carol@example.org>", subject="Danke",
                          extra=f"In-Reply-To: {answer['Message-ID']}\r\n"),
                     mail(72, sender="Carol <carol@example.org>",
                          subject=f"Nochmal {self.carol['reference']}"))
        self.ctl("poll", check=0)
        self.assertEqual(len(self.tickets()), 1)
        steps = self.ticket(self.carol["id"])["steps"]
        self.assertEqual(sorted(s["message_id"] for s in steps[2:]),
                         ["<req.71@example.org>", "<req.72@example.org>"])

    def test_refused_mail_leaves_no_step(self):
        self.ctl("users", "add", "refuser", "--email", "refuse-me@example.org", check=0)
        before = self.ticket(self.carol["id"])["steps"]
        proc = self.reply("Hello\n", "--cc", "refuse-me@example.org", check=1)
        self.assertIn("550 5.1.1 <refuse-me@example.org>: Recipient address rejected", proc.stderr)
        self.assertEqual(self.ticket(self.carol["id"])["steps"], before)
        self.reply("", check=2)
        self.reply("Hello\n", "--from", "Nobody", check=2)
        self.reply("Hello\n", "--cc", "not an address", check=2)
        self.assertEqual(self.ticket(self.carol["id"])["steps"], before)

    def test_bounce_of_the_reply_lands_on_the_ticket(self):
        self.reply("We are on it.\n")
        answer = self.sent()[-1]
        users = self.users()
        for shape in ("postfix.eml", "gmail.eml", "exim.eml"):
            with open(os.path.join(FIXTURES, "mail", "bounces", shape), "rb") as f:
                raw = f.read().replace(b"<out.1@helpdesk.test>", answer["Message-ID"].encode())
            self.deliver(raw.replace(b"support@helpdesk.test", self.me.encode()))
        with open(os.path.join(FIXTURES, "mail", "bounces", "out-of-office.eml"), "rb") as f:
            raw = f.read().replace(b"<out.1@helpdesk.test>", answer["Message-ID"].encode())
        self.deliver(raw.replace(b"carol@example.org", b"carol.ooo@example.org"))
        self.ctl("poll", check=0)

        self.assertEqual(len(self.tickets()), 1)
        steps = self.ticket(self.carol["id"])["steps"]
        bounces = [s for s in steps if s["undeliverable"]]
        self.assertEqual(sorted(s["failed_recipient"] for s in bounces),
                         ["carol.typo@example.org", "dave@nowhere.example.net",
                          "frank@example.com"])
        [ooo] = [s for s in steps if s["from"] == "carol.ooo@example.org"]
        self.assertFalse(ooo["undeliverable"])
        # No MAILER-DAEMON user, no user for the out-of-office sender, and no
        # auto-answer to any of them (only the first one, to Carol's mail).
        self.assertEqual(self.users(), users)
        self.assertEqual(len(self.sent()), 2)
        actions = [e["action"] for e in self.runs()[0]["events"]]
        self.assertEqual(actions.count("bounce"), 3)


class PreviewBounces(TicketSide):
    def test_preview_names_bounces_and_changes_nothing(self):
        self.add_account(fallback_user=None)
        folder = os.path.join(FIXTURES, "mail", "bounces")
        shapes = ["postfix.eml", "exim.eml", "exchange.eml", "gmail.eml"]
        before = self.db_dump()
        proc = self.ctl("preview", "--account", "Support",
                        *[os.path.join(folder, f) for f in shapes + ["out-of-office.eml"]],
                        check=0)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        for line in lines[:4]:
            self.assertEqual(line["action"], "bounce", line["file"])
            self.assertIsNone(line["user"])
            self.assertIsNone(line["customer"])
            self.assertFalse(line["auto_answer"])
            self.assertIn("not delivered to", line["reason"])
        ooo = lines[4]
        self.assertEqual(ooo["action"], "new-ticket")
        self.assertIsNone(ooo["user"])
        self.assertIn("an automatic reply", ooo["reason"])
        self.assertEqual(self.db_dump(), before)


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
