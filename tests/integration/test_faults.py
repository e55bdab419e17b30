"""Mail servers that misbehave, and a database that fails: nothing is deleted
from a server that is not stored, and nothing but the mail that was stored.

The scripted servers (tests/fixtures/scripted_server.py) log every FETCH,
RETR, DELE and EXPUNGE with the mail's Message-ID; after each case every
Message-ID delivered is in exactly one ticket step, still on the server, or
in the poll log with its raw copy, and every mail that left the server is
one that was stored.
"""

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CTL, CtlTestCase  # noqa: E402
from scripted_server import ImapServer, Pop3Server  # noqa: E402

DOVECOT = None
USERS = [f"fault{i}" for i in range(12)]


def setUpModule():
    global DOVECOT
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})


def tearDownModule():
    DOVECOT.stop()


class FaultTestCase(CtlTestCase):
    def tearDown(self):
        for server in getattr(self, "servers", []):
            server.close()
        super().tearDown()

    def scripted(self, server, protocol, name="Scripted"):
        self.servers = getattr(self, "servers", []) + [server]
        account = {
            "name": name,
            "incoming": {"host": "127.0.0.1", "port": server.port, "protocol": protocol,
                         "security": "none"},
            "login": {"username": server.user},
            "account_info": {"sender_address": "desk@example.com",
                             "account_address": "desk@example.com"},
            "tickets": {},
        }
        self.ctl("accounts", "add", self.write(f"{name}.json", account), "--password-stdin",
                 stdin=server.password, check=0)
        return account

    def stored_ids(self):
        """Message-IDs in ticket steps, one entry per step."""
        ids = []
        for t in self.ctl_json("tickets", "list", "--json"):
            ids += [s["message_id"] for s in self.ctl_json("tickets", "show", str(t["id"]),
                                                           "--json")["steps"]]
        return ids

    def logged_with_raw(self, name):
        return {e["message_id"] for run in self.ctl_json("log", name, "--json")
                for e in run["events"] if e.get("raw_size")}

    def assert_nothing_lost(self, delivered, on_server, removed, name="Scripted"):
        """Each delivered mail in exactly one step, or on the server, or logged
        with its raw copy; and only stored mail removed from the server."""
        stored = self.stored_ids()
        logged = self.logged_with_raw(name)
        self.assertEqual(len(stored), len(set(stored)), f"a mail stored twice: {stored}")
        for mid in delivered:
            self.assertTrue(mid in stored or mid in on_server or mid in logged,
                            f"{mid} is lost: not stored, not logged, not on the server")
        for mid in removed:
            self.assertTrue(mid in stored or mid in logged,
                            f"{mid} was deleted from the server but never stored")


def ids(*numbers):
    return [f"<req.{n}@example.org>" for n in numbers]


class ImapFaults(FaultTestCase):
    def test_uidvalidity_changes_during_a_reconnect(self):
        """The folder is rebuilt (new UIDVALIDITY, a new mail first) while the
        client reconnects: no UID of the old numbering is deleted."""
        server = ImapServer([mail(n) for n in range(1, 5)])
        server.after_body_fetches = (4, lambda s: s.rebuild(first=mail(99)))
        self.scripted(server, "imap")
        self.ctl("poll")
        self.assertNotIn("<req.99@example.org>", server.logged("EXPUNGE"))
        self.assertNotIn("<req.99@example.org>", server.logged("STORE-DELETED"))
        self.assert_nothing_lost(ids(1, 2, 3, 4, 99), server.message_ids(),
                                 server.logged("EXPUNGE"))
        # The next poll reads the rebuilt folder: the new mail becomes a ticket,
        # the old ones are known by their Message-ID, and the folder empties.
        self.ctl("poll", check=0)
        self.assertIn("<req.99@example.org>", self.stored_ids())
        self.assertEqual(server.message_ids(), [])
        self.assert_nothing_lost(ids(1, 2, 3, 4, 99), [], server.logged("EXPUNGE"))

    def test_without_uidplus_another_clients_deleted_mail_stays(self):
        """Another client flags a mail \\Deleted during the poll; with no
        UIDPLUS a plain EXPUNGE would take it along: it is not sent."""
        server = ImapServer([mail(n) for n in range(1, 4)], uidplus=False)
        other = []

        def another_client(s):
            if not other:
                other.append(s.add(mail(50), flags=("\\Deleted",)))
        server.on_body_fetch = another_client
        self.scripted(server, "imap")
        proc = self.ctl("poll")
        self.assertNotIn("<req.50@example.org>", server.logged("EXPUNGE"))
        self.assertIn("<req.50@example.org>", server.message_ids())
        self.assertIn("marked as deleted", proc.stderr + proc.stdout
                      + str(self.ctl_json("log", "Scripted", "--json")))
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3))
        # Once the other client is done with its mail, the next poll deletes ours.
        with server.lock:
            server.mails = [m for m in server.mails if m.message_id != "<req.50@example.org>"]
        self.ctl("poll", check=0)
        self.assertEqual(server.message_ids(), [])
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3))

    def test_refused_select_is_the_servers_own_reply(self):
        server = ImapServer([])
        server.select_reply = "NO Mailbox does not exist"
        self.scripted(server, "imap")
        proc = self.ctl("check", "Scripted", check=1)
        self.assertIn("NO Mailbox does not exist", proc.stdout + proc.stderr)
        self.assertNotIn("BYE", proc.stdout + proc.stderr)


class TruncatedMail(FaultTestCase):
    """The server hangs up in the middle of a mail: nothing of it is stored,
    and it is read whole next time."""

    def run_truncated(self, server, protocol):
        server.truncate_once = 700
        self.scripted(server, protocol)
        self.ctl("poll", check=1)
        self.assertEqual(self.stored_ids(), [])
        self.assertEqual(server.logged("EXPUNGE"), [])
        self.ctl("poll", check=0)
        [ticket] = self.ctl_json("tickets", "list", "--json")
        [step] = self.ctl_json("tickets", "show", str(ticket["id"]), "--json")["steps"]
        self.assertEqual(step["message_id"], "<req.1@example.org>")
        self.assertTrue(step["text"].rstrip().endswith("THE END"), step["text"][-80:])
        self.assertEqual(server.message_ids(), [])

    def test_pop3_retr_cut_short(self):
        body = "".join(f"line {i} of a long mail\r\n" for i in range(200)) + "THE END\r\n"
        self.run_truncated(Pop3Server([(mail(1, body=body), "u-1")]), "pop3")

    def test_imap_fetch_cut_short(self):
        body = "".join(f"line {i} of a long mail\r\n" for i in range(200)) + "THE END\r\n"
        self.run_truncated(ImapServer([mail(1, body=body)]), "imap")


class BatchedFetch(FaultTestCase):
    """IMAP mail comes in batches: one UID FETCH for many mails on a raw
    connection, each literal checked whole before it is stored."""

    def test_one_command_fetches_the_batch(self):
        server = ImapServer([mail(n) for n in range(1, 8)])
        self.scripted(server, "imap")
        self.ctl("poll", check=0)
        fetches = [c for c in server.commands if c.upper().startswith("UID FETCH")
                   and "BODY" in c.upper()]
        self.assertEqual(fetches, ["UID FETCH 1,2,3,4,5,6,7 (UID RFC822.SIZE BODY.PEEK[])"])
        self.assertEqual(sorted(self.stored_ids()), ids(*range(1, 8)))
        self.assertEqual(server.message_ids(), [])
        # BODY.PEEK leaves \Seen alone: nothing to restore afterwards.
        self.assertFalse([c for c in server.commands if "-FLAGS" in c.upper()])

    def test_cut_in_the_middle_of_a_batch_loses_and_doubles_nothing(self):
        """The connection breaks inside the third literal of a batch: the two
        mails before it are stored and deleted, the third is not stored as a
        whole nor lost, and the next poll reads the rest exactly once."""
        server = ImapServer([mail(n, body=f"mail {n}\r\n" * 200) for n in range(1, 7)])
        seen = []

        def cut_the_third(s):
            seen.append(1)
            if len(seen) == 3:
                s.truncate_once = 900
        server.on_body_fetch = cut_the_third
        self.scripted(server, "imap")
        self.ctl("poll", check=1)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2))
        self.assertEqual(sorted(server.logged("EXPUNGE")), ids(1, 2))
        self.assertEqual(server.message_ids(), ids(3, 4, 5, 6))
        self.assert_nothing_lost(ids(*range(1, 7)), server.message_ids(),
                                 server.logged("EXPUNGE"))
        server.on_body_fetch = None
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(*range(1, 7)))
        self.assertEqual(server.message_ids(), [])

    def test_cut_after_a_commit_during_read_ahead_loses_and_doubles_nothing(self):
        """The server sends the whole batch at once, so the reader is mails
        ahead of the store when the connection breaks inside the 60th
        literal, after the first 50 were committed: the 59 whole mails are
        stored and deleted once each, the rest stays, and the next poll
        reads it exactly once."""
        server = ImapServer([mail(n, body=f"mail {n}\r\n" * 100) for n in range(1, 71)])
        seen = []

        def cut_the_sixtieth(s):
            seen.append(1)
            if len(seen) == 60:
                s.truncate_once = 700
        server.on_body_fetch = cut_the_sixtieth
        self.scripted(server, "imap")
        self.ctl("poll", check=1)
        self.assertEqual(sorted(self.stored_ids()), sorted(ids(*range(1, 60))))
        self.assertEqual(sorted(server.logged("EXPUNGE")), sorted(ids(*range(1, 60))))
        self.assertEqual(server.message_ids(), ids(*range(60, 71)))
        server.on_body_fetch = None
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), sorted(ids(*range(1, 71))))
        self.assertEqual(server.message_ids(), [])
        self.assertEqual(sorted(server.logged("FETCH")),
                         sorted(ids(*range(1, 61)) + ids(*range(60, 71))))

    def test_renumbered_folder_is_not_fetched_on_the_raw_connection(self):
        """The folder is rebuilt between the list and the batched fetch: the
        raw connection's SELECT shows the new UIDVALIDITY, and nothing is
        fetched or deleted under the old numbering."""
        server = ImapServer([mail(n) for n in range(1, 4)])
        real_session = server.session

        def session(sock, reader):
            # The second connection is the raw one of the batched fetch.
            if server.connections == 2:
                server.rebuild(first=mail(77))
            return real_session(sock, reader)
        server.session = session
        self.scripted(server, "imap")
        proc = self.ctl("poll", check=1)
        self.assertIn("UIDVALIDITY", proc.stderr + proc.stdout)
        self.assertEqual(server.logged("FETCH"), [])
        self.assertEqual(server.logged("EXPUNGE"), [])
        self.assertEqual(self.stored_ids(), [])
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 77))
        self.assertEqual(server.message_ids(), [])


class Pop3Faults(FaultTestCase):
    def test_uidl_listed_twice(self):
        """Two mails under one UIDL: both are read and stored, none deleted unread."""
        server = Pop3Server([(mail(1), "u-1"), (mail(2), "same"), (mail(3), "same"),
                             (mail(4), "u-4")])
        self.scripted(server, "pop3")
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))
        self.assertEqual(sorted(server.logged("RETR")), ids(1, 2, 3, 4))
        self.assertEqual(server.message_ids(), [])
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))

    def test_reused_uidl_is_read_before_anything_is_deleted(self):
        server = Pop3Server([(mail(1), "u-1"), (mail(2), "u-2")])
        self.scripted(server, "pop3")
        self.ctl("poll", check=0)
        self.assertEqual(server.message_ids(), [])
        # The server hands the UIDL of a deleted mail to a new one.
        server.add(mail(3), "u-1")
        self.ctl("poll", check=0)
        self.assertIn("<req.3@example.org>", server.logged("RETR"))
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3))
        self.assertEqual(server.message_ids(), [])

    def test_maildrop_shifts_during_a_reconnect(self):
        """The connection drops after the second RETR and another client deletes
        the first mail meanwhile: numbers of the old session are never used on
        the new one."""
        server = Pop3Server([(mail(n), f"u-{n}") for n in range(1, 7)])

        def other_client_deletes_first(s):
            with s.lock:
                s.mails = [m for m in s.mails if m.message_id != "<req.1@example.org>"]
        server.after_retrs = (2, other_client_deletes_first)
        self.scripted(server, "pop3")
        self.ctl("poll")
        for got, mid in [(m, m) for m in server.logged("RETR")]:
            self.assertIn(got, ids(1, 2, 3, 4, 5, 6))
        # Every stored step holds the mail its key named: the step's Message-ID
        # and the RETR log agree, and nothing unread was deleted.
        self.assert_nothing_lost(ids(2, 3, 4, 5, 6), server.message_ids(),
                                 server.logged("EXPUNGE"))
        self.ctl("poll", check=0)
        self.ctl("poll", check=0)
        self.assertEqual(server.message_ids(), [])
        self.assert_nothing_lost(ids(2, 3, 4, 5, 6), [], server.logged("EXPUNGE"))
        self.assertEqual(sorted(set(self.stored_ids()) - set(ids(1))), ids(2, 3, 4, 5, 6))

    def test_one_login_per_poll(self):
        """A server that allows one login per user and minute (Cyrus's
        popminpoll) still gives up a big maildrop in one poll."""
        server = Pop3Server([(mail(n), f"u-{n}") for n in range(1, 121)], one_login_only=True)
        self.scripted(server, "pop3")
        proc = self.ctl("poll")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(server.logins, 1)
        self.assertEqual(len(self.stored_ids()), 120)
        self.assertEqual(server.message_ids(), [])


class Pop3Pipelining(FaultTestCase):
    """A POP3 server that announces PIPELINING gets its mail over a second,
    read-only connection with the RETRs in flight together; the DELEs and the
    QUIT that commits them stay on the listing connection."""

    def test_retrs_are_pipelined(self):
        server = Pop3Server([(mail(n), f"u-{n}") for n in range(1, 7)], pipelining=True)
        self.scripted(server, "pop3")
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(*range(1, 7)))
        self.assertEqual(sorted(server.logged("RETR")), ids(*range(1, 7)))
        self.assertGreaterEqual(server.pipelined_retrs, 5)
        self.assertEqual(server.connections, 2)
        self.assertEqual(sorted(server.logged("EXPUNGE")), ids(*range(1, 7)))
        self.assertEqual(server.message_ids(), [])

    def test_cut_in_the_third_retr_reply(self):
        """The connection breaks inside the third mail of the pipelined
        replies: the two before it are stored and deleted, the third is
        neither stored nor deleted, and the next poll reads the rest once."""
        server = Pop3Server([(mail(n, body=f"mail {n}\r\n" * 200), f"u-{n}")
                             for n in range(1, 7)], pipelining=True)
        seen = []

        def cut_the_third(s):
            seen.append(1)
            if len(seen) == 3:
                s.truncate_once = 900
        server.on_retr = cut_the_third
        self.scripted(server, "pop3")
        self.ctl("poll", check=1)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2))
        self.assertEqual(sorted(server.logged("DELE")), ids(1, 2))
        self.assertEqual(sorted(server.logged("EXPUNGE")), ids(1, 2))
        self.assertEqual(server.message_ids(), ids(3, 4, 5, 6))
        self.assert_nothing_lost(ids(*range(1, 7)), server.message_ids(),
                                 server.logged("EXPUNGE"))
        server.on_retr = None
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(*range(1, 7)))
        self.assertEqual(server.message_ids(), [])

    def test_refused_retr_leaves_that_mail_alone(self):
        """One RETR of the pipeline gets -ERR: that mail is neither stored
        nor deleted, the others are, and it comes with the next poll."""
        server = Pop3Server([(mail(n), f"u-{n}") for n in range(1, 5)], pipelining=True)
        server.refused_retrs = {"<req.2@example.org>"}
        self.scripted(server, "pop3")
        self.ctl("poll")
        self.assertEqual(sorted(self.stored_ids()), ids(1, 3, 4))
        self.assertNotIn("<req.2@example.org>", server.logged("DELE"))
        self.assertEqual(server.message_ids(), ids(2))
        server.refused_retrs = set()
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))
        self.assertEqual(server.message_ids(), [])

    def test_uidl_listed_twice_comes_over_the_listing_connection(self):
        """Two mails under one UIDL are named by the listing connection's
        numbers: those two come by RETR there, the others pipelined; all
        four are stored once and deleted."""
        server = Pop3Server([(mail(1), "u-1"), (mail(2), "same"), (mail(3), "same"),
                             (mail(4), "u-4")], pipelining=True)
        self.scripted(server, "pop3")
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))
        self.assertEqual(sorted(server.logged("RETR")), ids(1, 2, 3, 4))
        self.assertEqual(server.message_ids(), [])
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))

    def test_second_session_refused(self):
        """A server that allows one session at a time refuses the second
        login: the mail comes one RETR after the other on the first."""
        server = Pop3Server([(mail(n), f"u-{n}") for n in range(1, 5)], pipelining=True,
                            one_login_only=True)
        self.scripted(server, "pop3")
        proc = self.ctl("poll")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(server.logins, 1)
        self.assertEqual(sorted(self.stored_ids()), ids(1, 2, 3, 4))
        self.assertEqual(server.message_ids(), [])


class DatabaseFaults(FaultTestCase):
    def add_dovecot_account(self, user, protocol="imap", **extra):
        account = DOVECOT.account("Support", user, protocol)
        account["incoming"].update(extra)
        self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                 stdin="pw-" + user, check=0)

    def test_failed_commit_deletes_nothing(self):
        """The database cannot grow (a full disk): the batch's COMMIT fails and
        none of its mail leaves the server."""
        user = USERS.pop()
        self.add_dovecot_account(user)
        for i in range(60):
            DOVECOT.deliver(user, mail(3000 + i, body="y" * 30000 + "\r\n"))
        self.ctl("tickets", "list")  # the database and its WAL exist at their size
        limit = max(os.path.getsize(self.db), 1 << 20) + 256 * 1024

        def full_disk():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        proc = subprocess.run([CTL, "--db", self.db, "poll"], capture_output=True, text=True,
                              preexec_fn=full_disk, timeout=120)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        stored = self.stored_ids()
        self.assertLess(len(stored), 60)
        # Exactly the stored mail left the server.
        self.assertEqual(DOVECOT.count(user) + len(stored), 60)
        # With room again, one poll finishes the job exactly once.
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(*range(3000, 3060)))
        self.assertEqual(DOVECOT.count(user), 0)

    def test_killed_poll_is_closed_as_interrupted(self):
        user = USERS.pop()
        self.add_dovecot_account(user)
        for i in range(400):
            DOVECOT.deliver(user, mail(4000 + i))
        # Killed once its run is on record as running: watch the database for it.
        proc = subprocess.Popen([CTL, "--db", self.db, "poll"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        running = False
        while not running and proc.poll() is None and time.monotonic() < deadline:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
            try:
                running = con.execute("SELECT count(*) FROM poll_runs"
                                      " WHERE status = 'running'").fetchone()[0] > 0
            finally:
                con.close()
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertTrue(running, "the poll was never seen running")
        runs = self.ctl_json("log", "Support", "--json")
        self.assertEqual(runs[0]["status"], "running")
        self.ctl("poll", check=0)
        runs = self.ctl_json("log", "Support", "--json")
        self.assertEqual(runs[0]["status"], "ok")
        self.assertNotIn("running", [r["status"] for r in runs])
        self.assertIn("interrupted", [r["status"] for r in runs])
        self.assertEqual(len(self.stored_ids()), 400)


class NonAsciiFolder(FaultTestCase):
    def test_folder_name_in_modified_utf7(self):
        """A folder "Anfragen-Ü" is asked for as "Anfragen-&ANw-" (RFC 3501 §5.1.3)."""
        user = USERS.pop()
        base = DOVECOT.maildir(user)
        folder = os.path.join(base, ".Anfragen-&ANw-")
        nobody = DOVECOT.nobody
        for sub in ("", "new", "cur", "tmp"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
            os.chown(os.path.join(folder, sub), nobody.pw_uid, nobody.pw_gid)
        for n in (7001, 7002):
            path = os.path.join(folder, "new", f"{n}.hdtest")
            with open(path, "wb") as f:
                f.write(mail(n))
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        account = DOVECOT.account("Support", user, "imap")
        account["incoming"]["folder"] = "Anfragen-Ü"
        self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                 stdin="pw-" + user, check=0)
        check = self.ctl("check", "Support", check=0)
        self.assertIn("2 messages in Anfragen-Ü", check.stdout)
        self.ctl("poll", check=0)
        self.assertEqual(sorted(self.stored_ids()), ids(7001, 7002))
        self.assertEqual(len(os.listdir(os.path.join(folder, "new")))
                         + len(os.listdir(os.path.join(folder, "cur"))), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
