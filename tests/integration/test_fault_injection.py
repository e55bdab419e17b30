"""Fault injection against the Dovecot fixture: connections cut at random
points of FETCH/RETR, STORE, EXPUNGE, DELE and QUIT; polls killed at random
moments; the database locked by another writer or read-only; the keyring
gone. After each run one clean poll, and then every Message-ID delivered is
in exactly one ticket step and the mailbox is empty. (A locked keyring is
test_keyring_locked.py: locking the shared keyring must not meet other tests.)

HD_SOAK=1 (the `soak` suite: `./dev test --suite soak`) runs the long
variants: 100 cuts in a row, and 100 kills over a 500-mail mailbox.
"""

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from fault_proxy import FaultProxy  # noqa: E402
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CTL, CtlTestCase  # noqa: E402

SOAK = os.environ.get("HD_SOAK") == "1"
CUTS = 100 if SOAK else 12
KILLS = 100 if SOAK else 10
KILL_MAILS = 500 if SOAK else 120
DOVECOT = None
USERS = [f"inject{i}" for i in range(16)]


def setUpModule():
    global DOVECOT
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})


def tearDownModule():
    DOVECOT.stop()


class InjectionTestCase(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.user = USERS.pop()
        self.delivered = []
        self.seed = int(os.environ.get("HD_FAULT_SEED", str(os.getpid())))

    def deliver(self, count, size=0):
        for _ in range(count):
            n = 20000 + len(self.delivered)
            self.delivered.append(f"<req.{n}@example.org>")
            DOVECOT.deliver(self.user, mail(n, body=("z" * size) + f"Request {n}.\r\n"))

    def add_account(self, protocol, port=None, security="tls"):
        account = DOVECOT.account("Support", self.user, protocol)
        if port is not None:
            account["incoming"].update(port=port, security=security)
        self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                 stdin="pw-" + self.user, check=0)

    def stored_ids(self):
        """Message-IDs of every ticket step, read straight from the database:
        one query instead of a `tickets show` per ticket keeps the long runs
        short (the poll tests read them through helpdesk-mailctl)."""
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=60)
        try:
            return [row[0] for row in con.execute("SELECT message_id FROM ticket_steps")]
        finally:
            con.close()

    def assert_exactly_once(self):
        self.assertEqual(sorted(self.stored_ids()), sorted(self.delivered))
        self.assertEqual(DOVECOT.count(self.user), 0)

    def on_server_ids(self):
        """Message-IDs of the mail files in the Maildir (also those flagged
        \\Deleted and not yet expunged: they are still there)."""
        base = DOVECOT.maildir(self.user)
        found = set()
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(base, sub)):
                try:
                    with open(os.path.join(base, sub, name), "rb") as f:
                        head = f.read(4096)
                except FileNotFoundError:
                    continue
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"message-id:"):
                        found.add(line.split(b":", 1)[1].strip().decode())
        return found

    def assert_nothing_lost_yet(self):
        """Mid-run: every mail is stored (once) or still on the server."""
        stored = self.stored_ids()
        self.assertEqual(len(stored), len(set(stored)), "a mail was stored twice")
        on_server = self.on_server_ids()
        lost = [mid for mid in self.delivered if mid not in stored and mid not in on_server]
        self.assertEqual(lost, [], "mail left the server without being stored")


class Cuts(InjectionTestCase):
    def run_cuts(self, protocol, keywords, max_offset=6000):
        proxy = FaultProxy(DOVECOT.ports[protocol], keywords, self.seed, max_offset=max_offset)
        self.addCleanup(proxy.close)
        self.add_account(protocol, port=proxy.port, security="none")
        self.deliver(30, size=3000)
        # A connection whose command never comes (nothing to expunge) or whose
        # answer is shorter than its cut point is not cut: poll until CUTS
        # connections were, within a bound.
        polls = 0
        while len(proxy.cuts) < CUTS and polls < CUTS * 4:
            if DOVECOT.count(self.user) < 5:
                self.deliver(20, size=3000)
            self.ctl("poll")
            polls += 1
            if polls % 4 == 0:
                self.assert_nothing_lost_yet()
        self.assertGreaterEqual(len(proxy.cuts), CUTS, proxy.cuts)
        proxy.cutting = False
        self.ctl("poll", check=0)
        self.assert_exactly_once()

    def test_imap_cut_during_fetch_store_expunge(self):
        self.run_cuts("imap", ["FETCH", "STORE", "EXPUNGE", "LOGOUT"])

    def test_imap_cut_anywhere_in_a_batched_fetch(self):
        """Cuts land anywhere in the reply to one UID FETCH of the whole batch
        (30 mails of 3 KB and more): what arrived whole is stored and deleted
        once, the mail cut short is neither stored nor lost."""
        self.run_cuts("imap", ["BODY.PEEK[]"], max_offset=120000)

    def test_pop3_cut_during_retr_dele_quit(self):
        self.run_cuts("pop3", ["RETR", "DELE", "QUIT", "UIDL"])


class Kills(InjectionTestCase):
    def run_kills(self, protocol):
        import signal
        self.add_account(protocol)
        self.deliver(KILL_MAILS)
        rng = random.Random(self.seed)
        for _ in range(KILLS):
            if DOVECOT.count(self.user) == 0:
                self.deliver(KILL_MAILS // 5)
            proc = subprocess.Popen([CTL, "--db", self.db, "poll"], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.02, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        self.assert_nothing_lost_yet()
        self.ctl("poll", check=0)
        self.assert_exactly_once()

    def test_kills_imap(self):
        self.run_kills("imap")

    def test_kills_pop3(self):
        self.run_kills("pop3")


class Database(InjectionTestCase):
    def test_locked_by_another_writer(self):
        """Another process holds the write lock for longer than the poll waits:
        the poll fails, deletes nothing, and the next one imports everything."""
        self.add_account("imap")
        self.deliver(20)
        con = sqlite3.connect(self.db, isolation_level=None, timeout=60)
        con.execute("BEGIN IMMEDIATE")
        release = threading.Timer(40, con.rollback)
        try:
            proc = self.ctl("poll")
            self.assertEqual(proc.returncode, 1, proc.stdout)
            self.assertIn("locked", proc.stderr)
            self.assertEqual(DOVECOT.count(self.user), 20)
        finally:
            con.rollback()
            con.close()
            release.cancel()
        self.ctl("poll", check=0)
        self.assert_exactly_once()

    def test_read_only_database(self):
        self.add_account("imap")
        self.deliver(10)
        folder = os.path.dirname(self.db)
        proc = subprocess.run(["unshare", "-m", "sh", "-c",
                               'mount --bind -o ro "$1" "$1" && exec "$2" --db "$3" poll',
                               "sh", folder, CTL, self.db], capture_output=True, text=True,
                              timeout=120)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertTrue(proc.stderr.strip())
        self.assertEqual(DOVECOT.count(self.user), 10)
        self.ctl("poll", check=0)
        self.assert_exactly_once()


class Keyring(InjectionTestCase):
    def test_keyring_gone(self):
        """No Secret Service on the bus: the poll says so and touches no mail."""
        self.add_account("imap")
        self.deliver(5)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
        proc = subprocess.run([CTL, "--db", self.db, "poll"], capture_output=True, text=True,
                              env=env, timeout=120)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertTrue(proc.stderr.strip())
        self.assertEqual(DOVECOT.count(self.user), 5)
        self.ctl("poll", check=0)
        self.assert_exactly_once()


if __name__ == "__main__":
    unittest.main(verbosity=2)
