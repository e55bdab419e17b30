"""helpdesk-mailctl poll against a real Dovecot: every rule on IMAP and POP3,
exactly once, delete after commit, malformed mail, and a crash test."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CTL, FIXTURES, CtlTestCase  # noqa: E402

DOVECOT = None


USERS = [f"desk{i}" for i in range(80)]


def setUpModule():
    global DOVECOT
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})


def tearDownModule():
    DOVECOT.stop()


class PollTestCase(CtlTestCase):
    protocol = "imap"

    def setUp(self):
        super().setUp()
        self.user = self.new_user()

    def new_user(self):
        """A user of its own for every test, from the pool made at start."""
        return USERS.pop()

    def add_account(self, name="Support", user=None, password=None, **tickets):
        user = user or self.user
        account = DOVECOT.account(name, user, self.protocol, **tickets)
        self.ctl("accounts", "add", self.write(f"{name}.json", account), "--password-stdin",
                 stdin=password or "pw-" + user, check=0)
        return account

    def deliver(self, *mails, user=None):
        for raw in mails:
            DOVECOT.deliver(user or self.user, raw)

    def poll(self, *names, check=0):
        return self.ctl("poll", *names, check=check)

    def tickets(self):
        return self.ctl_json("tickets", "list", "--json")

    def ticket(self, ticket_id):
        return self.ctl_json("tickets", "show", str(ticket_id), "--json")

    def all_steps(self):
        steps = []
        for t in self.tickets():
            steps += [(t["id"], s) for s in self.ticket(t["id"])["steps"]]
        return steps

    def events(self, name="Support"):
        return [e for run in self.ctl_json("log", name, "--json") for e in run["events"]]


class Rules:
    """The same rules on IMAP and on POP3 (mixed into the two classes below)."""

    def test_new_tickets_users_and_emptied_mailbox(self):
        self.ctl("priorities", "list", check=0)
        self.ctl("resources", "add", "Printers", check=0)
        self.add_account(create_customer_from_domain=True, resource="Printers", priority="High")
        self.deliver(mail(1), mail(2, sender="Zoë Ärger <zoe@example.net>",
                                   subject="=?UTF-8?Q?Drucker_f=C3=A4llt_aus?="))
        out = self.poll().stdout
        self.assertIn("2 imported", out)
        self.assertEqual(DOVECOT.count(self.user), 0)

        tickets = {t["subject"]: t for t in self.tickets()}
        self.assertEqual(set(tickets), {"Request number 1", "Drucker fällt aus"})
        zoe = tickets["Drucker fällt aus"]
        self.assertEqual(zoe["user"], "zoe")
        self.assertEqual(zoe["customer"], "example.net")
        self.assertEqual(zoe["resource"], "Printers")
        self.assertEqual(zoe["priority"], "High")
        self.assertRegex(zoe["reference"], r"^\[TicketID \d+[A-Z]{5}\]$")
        step = self.ticket(zoe["id"])["steps"][0]
        self.assertEqual(step["from"], "zoe@example.net")
        self.assertEqual(step["message_id"], "<req.2@example.org>")
        self.assertIn("Body of request 2.", step["text"])
        users = {u["name"]: u["email"] for u in self.ctl_json("users", "list", "--json")}
        self.assertEqual(users, {"customer1": "customer1@example.org", "zoe": "zoe@example.net"})

        # A second poll adds nothing.
        self.assertIn("0 imported", self.poll().stdout)
        self.assertEqual(len(self.tickets()), 2)

    def test_reply_by_reference_and_by_thread(self):
        self.add_account()
        self.deliver(mail(10, subject="Printer broken"))
        self.poll()
        [t] = self.tickets()
        self.deliver(mail(11, subject=f"Re: Printer broken {t['reference']}"),
                     mail(12, subject="thanks", extra="In-Reply-To: <req.10@example.org>\r\n"),
                     mail(13, subject=f"Re: [TicketID {t['id']}ZZZZZ] guessing"))
        self.poll()
        self.assertEqual(len(self.tickets()), 1)
        steps = self.ticket(t["id"])["steps"]
        # POP3 lists the mail in the server's order, not the order of delivery.
        self.assertEqual(sorted(s["message_id"] for s in steps),
                         ["<req.10@example.org>", "<req.11@example.org>", "<req.12@example.org>"])
        actions = {e["message_id"]: (e["action"], e["reason"]) for e in self.events()}
        self.assertEqual(actions["<req.13@example.org>"][0], "reject-invalid-reference")
        self.assertIn(t["reference"], actions["<req.11@example.org>"][1])
        self.assertEqual(DOVECOT.count(self.user), 0)

    def test_no_new_tickets_keeps_mail_and_logs_once(self):
        self.add_account(no_new_tickets=True)
        self.deliver(mail(20))
        self.poll()
        self.poll()
        self.assertEqual(self.tickets(), [])
        self.assertEqual(DOVECOT.count(self.user), 1)
        # IMAP: read twice, yet still unseen for whoever reads the mailbox next.
        # (POP3 has no flags to keep; Dovecot marks what RETR read.)
        if self.protocol == "imap":
            self.assertEqual(DOVECOT.seen(self.user), 0)
        skipped = [e for e in self.events() if e["action"] == "skip-no-new-tickets"]
        self.assertEqual(len(skipped), 1)
        self.assertIn("stays on the server", skipped[0]["reason"])

    def test_auto_bundle(self):
        self.add_account()
        carol = "Carol <carol@example.org>"
        self.deliver(mail(30, subject="Same", sender=carol), mail(31, subject="Same", sender=carol),
                     mail(32, subject="Same", sender="Other <other@example.org>"))
        self.poll()
        tickets = self.tickets()
        self.assertEqual(len(tickets), 2)
        bundled = [t for t in tickets if t["steps"] == 2]
        self.assertEqual(len(bundled), 1)

    def test_fallback_user(self):
        self.ctl("users", "add", "desk", "--email", "desk@example.com", check=0)
        self.add_account(create_unknown_users=False, fallback_user="desk")
        self.deliver(mail(40))
        self.poll()
        [t] = self.tickets()
        self.assertEqual(t["user"], "desk")
        self.assertEqual([u["name"] for u in self.ctl_json("users", "list", "--json")], ["desk"])

    def test_two_accounts_one_import(self):
        other = self.new_user()
        self.add_account("Support")
        self.add_account("Sales", user=other)
        both = mail(50, to=f"Sales <{other}@example.com>, {self.user}@example.com")
        self.deliver(both)
        self.deliver(both, user=other)
        self.poll()
        [t] = self.tickets()
        self.assertEqual(t["account"], "Sales")
        self.assertEqual(DOVECOT.count(self.user), 0)
        self.assertEqual(DOVECOT.count(other), 0)
        [event] = self.events("Support")
        self.assertEqual(event["action"], "skip-other-account")

    def test_duplicate_message_id(self):
        self.add_account()
        self.deliver(mail(60), mail(60))
        self.poll()
        self.assertEqual(len(self.tickets()), 1)
        events = {e["action"]: e for e in self.events()}
        self.assertEqual(sorted(events), ["new-ticket", "skip-duplicate"])
        # The duplicate leaves the server, so the log keeps its raw copy.
        self.assertEqual(events["skip-duplicate"]["raw_size"], len(mail(60)))
        self.assertIsNone(events["new-ticket"]["raw_size"])
        self.assertEqual(DOVECOT.count(self.user), 0)

    def test_malformed_mail_is_never_lost(self):
        self.add_account()
        folder = os.path.join(FIXTURES, "mail")
        names = sorted(f for f in os.listdir(folder) if f.endswith(".eml"))
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                self.deliver(f.read())
        garbage = b"\x00\x01 this is not a mail at all \xff\xfe\r\n"
        self.deliver(garbage)
        self.poll()
        events = self.events()
        imported = [e for e in events if e["action"] in ("new-ticket", "bundle", "add-step",
                                                         "skip-duplicate")]
        self.assertEqual(len(imported), len(names))
        errors = [e for e in events if e["action"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertIn("could not read the mail", errors[0]["reason"])
        # The unreadable one stays on the server; everything else is stored and gone.
        self.assertEqual(DOVECOT.count(self.user), 1)
        self.poll()
        self.assertEqual(len([e for e in self.events() if e["action"] == "error"]), 1)

    def test_large_attachment(self):
        self.add_account()
        payload = os.urandom((50 if self.protocol == "imap" else 5) * 1024 * 1024)
        import base64
        encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
        raw = (b"From: big@example.org\r\nTo: support@example.com\r\nSubject: Big\r\n"
               b"Message-ID: <big@example.org>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
               b"Content-Type: text/plain\r\n\r\nsee attachment\r\n--XX\r\n"
               b"Content-Type: application/octet-stream; name=\"../../data.bin\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--XX--\r\n")
        self.deliver(raw)
        self.poll()
        [t] = self.tickets()
        [step] = self.ticket(t["id"])["steps"]
        [attachment] = step["attachments"]
        attachment_id = attachment.pop("id")
        self.assertEqual(attachment, {"filename": "data.bin",
                                      "content_type": "application/octet-stream",
                                      "size": len(payload)})
        self.assertEqual(DOVECOT.count(self.user), 0)
        # Stored once: the attachment is a range of the raw mail, read back decoded.
        self.assertEqual(self.stored_copies(), [(attachment_id, 0)])
        out = os.path.join(self.tmp.name, "out.bin")
        self.ctl("tickets", "attachment", str(attachment_id), "--output", out, check=0)
        with open(out, "rb") as f:
            self.assertTrue(f.read() == payload, "the attachment came back changed")

    def stored_copies(self):
        """(attachment id, whether it keeps a decoded copy) of every attachment."""
        con = sqlite3.connect(self.db)
        try:
            return con.execute("SELECT id, data IS NOT NULL FROM attachments"
                               " ORDER BY id").fetchall()
        finally:
            con.close()

    def test_attachments_read_back_identical(self):
        self.add_account()
        binary = bytes(range(256)) * 300 + os.urandom(4096)
        # One long line: quoted-printable breaks it softly, and the soft breaks go.
        text = "Grüße, eine Zeile mit = und Umlauten äöü. ".encode("utf-8") * 50
        eight = "Straße 8bit ñ\r\n".encode("utf-8") * 20
        import base64
        import quopri
        raw = (b"From: files@example.org\r\nTo: support@example.com\r\nSubject: Files\r\n"
               b"Message-ID: <files@example.org>\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=OUT\r\n\r\n--OUT\r\n"
               b"Content-Type: multipart/related; boundary=IN\r\n\r\n--IN\r\n"
               b"Content-Type: text/html\r\n\r\n<p>see <img src=cid:logo></p>\r\n--IN\r\n"
               b"Content-Type: image/png\r\nContent-ID: <logo>\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n"
               + base64.encodebytes(binary[:3000]).replace(b"\n", b"\r\n") + b"--IN--\r\n"
               b"--OUT\r\nContent-Type: application/octet-stream; name=blob.bin\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n"
               + base64.encodebytes(binary).replace(b"\n", b"\r\n") +
               b"--OUT\r\nContent-Type: text/plain; charset=utf-8; name=notes.txt\r\n"
               b"Content-Disposition: attachment; filename=notes.txt\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
               + quopri.encodestring(text).replace(b"\n", b"\r\n") +
               b"\r\n--OUT\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Disposition: attachment; filename=eight.txt\r\n"
               b"Content-Transfer-Encoding: 8bit\r\n\r\n" + eight + b"\r\n--OUT--\r\n")
        self.deliver(raw)
        self.poll()
        [t] = self.tickets()
        [step] = self.ticket(t["id"])["steps"]
        got = {}
        for a in step["attachments"]:
            # Written to stdout, byte for byte.
            proc = subprocess.run([CTL, "--db", self.db, "tickets", "attachment", str(a["id"])],
                                  capture_output=True, timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(len(proc.stdout), a["size"])
            got[a["filename"]] = proc.stdout
        self.assertEqual(got["blob.bin"], binary)
        self.assertEqual(got["notes.txt"], text)
        self.assertEqual(got["eight.txt"], eight)
        [logo] = [v for k, v in got.items() if k not in ("blob.bin", "notes.txt", "eight.txt")]
        self.assertEqual(logo, binary[:3000])
        self.assertEqual([copy for _, copy in self.stored_copies()], [0, 0, 0, 0])
        # An attachment that does not exist is bad input.
        proc = self.ctl("tickets", "attachment", "999999", check=2)
        self.assertIn("999999", proc.stderr)

    def test_wrong_password_fails_and_deletes_nothing(self):
        self.add_account(password="wrong")
        self.deliver(mail(70))
        proc = self.poll(check=1)
        self.assertIn("Support", proc.stderr)
        self.assertEqual(DOVECOT.count(self.user), 1)
        [run] = self.ctl_json("log", "Support", "--json")
        self.assertEqual(run["status"], "failed")
        self.assertTrue(run["error"])

    def test_hundreds_exactly_once(self):
        self.add_account()
        n = 250
        for i in range(n):
            self.deliver(mail(1000 + i, sender=f"c{i % 7}@example.org"))
        self.assertIn(f"{n} imported", self.poll().stdout)
        self.assertEqual(DOVECOT.count(self.user), 0)
        ids = [s["message_id"] for _, s in self.all_steps()]
        self.assertEqual(len(ids), n)
        self.assertEqual(len(set(ids)), n)
        self.assertIn("0 listed", self.poll().stdout)


class ImapRules(Rules, PollTestCase):
    protocol = "imap"


class Pop3Rules(Rules, PollTestCase):
    protocol = "pop3"


class AutoAnswer(PollTestCase):
    """Auto-answers through a real SMTP server, and every loop guard, end to end."""

    def setUp(self):
        super().setUp()
        self.outbox = os.path.join(self.tmp.name, "outbox")
        os.mkdir(self.outbox)
        self.smtp = subprocess.Popen(["/usr/bin/python3", os.path.join(FIXTURES, "smtp_server.py"),
                                      self.outbox], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        port = self.smtp.stdout.readline().strip()
        for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", port),
                           ("smtp.security", "none"), ("auto_emails.new_request", "true"),
                           ("auto_emails.max_per_sender_per_day", "2")):
            self.ctl("settings", "set", key, value, check=0)
        account = DOVECOT.account("Support", self.user, "imap", auto_answer_template="default")
        account["account_info"]["sender_alias"] = "Example Support"
        self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                 stdin="pw-" + self.user, check=0)

    def tearDown(self):
        self.smtp.stdin.close()
        self.smtp.wait(10)
        super().tearDown()

    def sent(self):
        """The mails the SMTP server received, parsed, by recipient."""
        import email
        import email.policy
        out = []
        for name in sorted(os.listdir(self.outbox)):
            if name.endswith(".eml"):
                with open(os.path.join(self.outbox, name), "rb") as f:
                    out.append(email.message_from_binary_file(f, policy=email.policy.default))
        return out

    def test_answer_and_loop_guards(self):
        me = f"{self.user}@example.com"
        self.deliver(
            mail(900, sender="Jürgen <juergen@example.org>", subject="Drucker kaputt"),
            mail(901, sender="bot@example.org", extra="Auto-Submitted: auto-replied\r\n"),
            mail(902, sender="list@example.org", extra="Precedence: bulk\r\n"),
            mail(903, sender="news@example.org", extra="List-Id: <news.example.org>\r\n"),
            mail(904, sender="ooo@example.org", extra="X-Auto-Response-Suppress: All\r\n"),
            mail(905, sender="bounce@example.org", extra="Return-Path: <>\r\n"),
            mail(906, sender="MAILER-DAEMON@example.org"),
            mail(907, sender="noreply@example.org"),
            mail(908, sender=me),
            mail(909, sender="loop@example.org", subject="one"),
            mail(910, sender="loop@example.org", subject="two"),
            mail(911, sender="loop@example.org", subject="three"),
        )
        self.poll()
        self.assertEqual(len(self.tickets()), 12)
        sent = self.sent()
        self.assertEqual(sorted(m["To"].addresses[0].addr_spec for m in sent),
                         ["juergen@example.org", "loop@example.org", "loop@example.org"])
        answer = next(m for m in sent if m["To"].addresses[0].addr_spec == "juergen@example.org")
        ticket = next(t for t in self.tickets() if t["subject"] == "Drucker kaputt")
        self.assertEqual(answer["Auto-Submitted"], "auto-replied")
        self.assertEqual(answer["In-Reply-To"], "<req.900@example.org>")
        self.assertIn("<req.900@example.org>", answer["References"])
        self.assertIn(ticket["reference"], answer["Subject"])
        self.assertEqual(answer["From"].addresses[0].display_name, "Example Support")
        self.assertEqual(answer["From"].addresses[0].addr_spec, me)
        self.assertIn("Jürgen", answer.get_content())

        # A reply to the answer joins the ticket through In-Reply-To, and gets no answer.
        self.deliver(mail(920, sender="Jürgen <juergen@example.org>", subject="Re: danke",
                          extra=f"In-Reply-To: {answer['Message-ID']}\r\n"))
        self.poll()
        self.assertEqual(self.ticket(ticket["id"])["steps"][-1]["message_id"],
                         "<req.920@example.org>")
        self.assertEqual(len(self.sent()), 3)

    def test_notice_for_invalid_reference(self):
        self.deliver(mail(930, sender="eve@example.org", subject="Re: [TicketID 99ABCDE] hello"))
        self.poll()
        self.assertEqual(self.tickets(), [])
        [notice] = self.sent()
        self.assertEqual(notice["To"].addresses[0].addr_spec, "eve@example.org")
        self.assertEqual(notice["Auto-Submitted"], "auto-replied")
        [event] = self.events()
        self.assertEqual(event["action"], "reject-invalid-reference")
        self.assertEqual(DOVECOT.count(self.user), 0)


class Crash(PollTestCase):
    """SIGKILL the poll at random moments; then one poll finishes the job."""

    def run_crash(self, protocol, n, kills):
        self.protocol = protocol
        self.add_account()
        delivered = []

        def refill():
            for i in range(n):
                number = 5000 + len(delivered)
                delivered.append(f"<req.{number}@example.org>")
                self.deliver(mail(number, sender=f"c{number % 11}@example.org"))

        refill()
        rng = random.Random(os.getpid())
        killed = 0
        while killed < kills:
            if DOVECOT.count(self.user) == 0:
                refill()
            proc = subprocess.Popen([CTL, "--db", self.db, "poll"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.01, 0.3))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait()
        self.poll()
        # Every mail is in exactly one ticket step, none duplicated, none left on the server.
        ids = [s["message_id"] for _, s in self.all_steps()]
        self.assertEqual(sorted(ids), sorted(delivered))
        self.assertEqual(DOVECOT.count(self.user), 0)

    def test_crash_imap(self):
        self.run_crash("imap", 300, 24)

    def test_crash_pop3(self):
        self.run_crash("pop3", 300, 24)


class CuttingProxy:
    """Forwards a TCP port to Dovecot and cuts every connection once `limit`
    bytes have come from the server: a server that drops the connection in
    the middle of a poll."""

    def __init__(self, port, limit):
        import socket
        import threading
        self.target, self.limit = port, limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        import socket
        import threading
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, self.limit),
                             daemon=True).start()

    def pump(self, src, dst, limit):
        import socket
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) > limit:
                    dst.sendall(data[:limit - sent])
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self):
        self.listener.close()


class DroppedConnection(PollTestCase):
    def test_server_drops_the_connection_mid_poll(self):
        """Nothing is lost and nothing doubled when the server hangs up mid-poll."""
        for i in range(60):
            self.deliver(mail(9000 + i, body="x" * 20000 + "\r\n"))
        proxy = CuttingProxy(DOVECOT.ports["imaps"], 300_000)
        try:
            account = DOVECOT.account("Support", self.user, "imap")
            account["incoming"]["port"] = proxy.port
            self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                     stdin="pw-" + self.user, check=0)
            proc = self.poll(check=1)
            self.assertGreaterEqual(proxy.cuts, 1)
            self.assertIn("Support", proc.stderr)
            [run] = self.ctl_json("log", "Support", "--json")
            self.assertEqual(run["status"], "failed")
            self.assertTrue(run["error"])
            stored = len(self.all_steps())
            self.assertLess(stored, 60)
            # Whatever was stored is gone from the server; the rest is still there.
            self.assertEqual(DOVECOT.count(self.user) + stored, 60)
        finally:
            proxy.close()
        # Straight to the server, the next poll finishes the job exactly once.
        account["incoming"]["port"] = DOVECOT.ports["imaps"]
        self.ctl("accounts", "remove", "Support", check=0)
        self.ctl("accounts", "add", self.write("b.json", account), "--password-stdin",
                 stdin="pw-" + self.user, check=0)
        self.poll()
        ids = [s["message_id"] for _, s in self.all_steps()]
        self.assertEqual(sorted(ids), sorted(f"<req.{9000 + i}@example.org>" for i in range(60)))
        self.assertEqual(DOVECOT.count(self.user), 0)


class Concurrency(PollTestCase):
    def test_two_polls_never_overlap(self):
        self.add_account()
        for i in range(200):
            self.deliver(mail(8000 + i))
        procs = [subprocess.Popen([CTL, "--db", self.db, "poll"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outs = [p.communicate(timeout=120) for p in procs]
        busy = [err for _, err in outs if "already running" in err]
        self.assertGreaterEqual(len(busy), 1)
        ids = [s["message_id"] for _, s in self.all_steps()]
        self.assertEqual(len(ids), len(set(ids)))
        self.poll()
        self.assertEqual(len(self.all_steps()), 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
