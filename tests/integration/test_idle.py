"""Push: helpdesk-mail-poller holds an IMAP IDLE connection (RFC 2177) per
account whose server announces IDLE, against a real Dovecot. New mail becomes
a ticket without waiting for the interval; push off, or a server without
IDLE, keeps the interval; a cut IDLE connection falls back to the interval
and comes back, losing and doubling nothing; the IDLE is renewed (DONE, IDLE).

The client's lines are read at a recording TCP proxy in front of Dovecot's
plain IMAP port (127.0.0.1 talking to 127.0.0.1 counts as secured there)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CtlTestCase  # noqa: E402
from scripted_server import ImapServer  # noqa: E402

BUILD = os.environ.get("HD_BUILD_ROOT", "build")
POLLER = os.path.join(BUILD, "src", "poller", "helpdesk-mail-poller")
NAME = "io.github.helpdeskmail.HelpDeskMail.Poller"
PATH = "/io/github/helpdeskmail/HelpDeskMail/Poller"
IFACE = NAME
# An hour: no poll in these tests comes from the interval unless they say so.
LONG_INTERVAL = 3600

DOVECOT = None
USERS = [f"idle{i}" for i in range(20)]
BUS = None
DBusGMainLoop(set_as_default=True)


def setUpModule():
    global DOVECOT, BUS
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})
    BUS = dbus.SessionBus()


def tearDownModule():
    DOVECOT.stop()


def spin(condition, what, limit=120):
    """Runs the main loop until condition() holds. The limit only stops a
    hung test; no assertion depends on how long anything took."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        context.iteration(False)
        time.sleep(0.005)


class RecordingProxy:
    """Forwards connections to a port and records each client line by
    connection; can cut every connection and refuse new ones."""

    def __init__(self, target_port):
        self.target = target_port
        self.lock = threading.Lock()
        self.lines = {}  # connection number -> client lines
        self.socks = []
        self.refusing = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def close(self):
        self.listener.close()
        self.cut()

    def accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                number = len(self.lines)
                self.lines[number] = []
                self.socks += [client, server]
            threading.Thread(target=self.pump, args=(client, server, number), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, None), daemon=True).start()

    def pump(self, src, dst, number):
        pending = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if number is not None:
                    pending += data
                    while b"\n" in pending:
                        line, _, pending = pending.partition(b"\n")
                        with self.lock:
                            self.lines[number].append(line.rstrip(b"\r").decode("utf-8",
                                                                                 "replace"))
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            socks, self.socks = self.socks, []
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def commands(self, number):
        """The command words of one connection's client lines (tags dropped)."""
        with self.lock:
            out = []
            for line in self.lines[number]:
                words = line.split(" ")
                out.append(words[1].upper() if len(words) > 1 else words[0].upper())
            return out

    def idle_connections(self):
        with self.lock:
            numbers = list(self.lines)
        return [n for n in numbers if "IDLE" in self.commands(n)]


class RecordingImapServer(ImapServer):
    """The scripted IMAP server (no IDLE in its capabilities), with every
    client line kept."""

    def __init__(self, *args, **kwargs):
        self.lines = []
        super().__init__(*args, **kwargs)

    def readline(self, reader):
        line = ImapServer.readline(reader)
        with self.lock:
            self.lines.append(line)
        return line


class IdleTestCase(CtlTestCase):
    second_ms = 1000

    def setUp(self):
        super().setUp()
        self.runs = []
        self.proc = None
        self.proxy = None
        self.match = BUS.add_signal_receiver(self.on_run_finished, signal_name="RunFinished",
                                             dbus_interface=IFACE, path=PATH)

    def tearDown(self):
        self.match.remove()
        self.stop_poller()
        if self.proxy is not None:
            self.proxy.close()
        super().tearDown()

    def on_run_finished(self, account, ok, counts, error, run_id):
        self.runs.append((str(account), bool(ok), {str(k): int(v) for k, v in counts.items()},
                          str(error)))

    def add_account(self, name, interval=LONG_INTERVAL, push=None, port=None, user=None,
                    password=None):
        """An account on Dovecot's plain IMAP port through the recording proxy
        (or on @port, another server)."""
        if user is None:
            user = USERS.pop()
            password = "pw-" + user
        if port is None:
            self.proxy = RecordingProxy(DOVECOT.ports["imap"])
            port = self.proxy.port
        account = DOVECOT.account(name, user)
        account["incoming"].update({"host": "127.0.0.1", "port": port, "security": "none"})
        account["poll_interval"] = interval
        if push is not None:
            account["push"] = push
        self.ctl("accounts", "add", self.write(f"{name}.json", account), "--password-stdin",
                 stdin=password, check=0)
        return user

    def start_poller(self, **extra_env):
        env = dict(os.environ, HELPDESK_MAIL_DB=self.db,
                   HELPDESK_MAIL_POLLER_SECOND_MS=str(self.second_ms), **extra_env)
        self.proc = subprocess.Popen([POLLER], env=env)
        spin(lambda: BUS.name_has_owner(NAME), "the poller owns its name")
        self.props = dbus.Interface(BUS.get_object(NAME, PATH), dbus.PROPERTIES_IFACE)

    def stop_poller(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.assertEqual(self.proc.wait(60), 0)
        if self.proc is not None:
            spin(lambda: not BUS.name_has_owner(NAME), "the name is released")
        self.proc = None

    def account_prop(self, name, key):
        return self.props.Get(IFACE, "Accounts").get(name, {}).get(key)

    def push_is(self, name, value):
        return bool(self.account_prop(name, "push")) == value

    def runs_of(self, name):
        return [r for r in self.runs if r[0] == name]

    def subjects(self):
        return [t["subject"] for t in self.ctl_json("tickets", "list", "--json")]


class Push(IdleTestCase):
    def test_new_mail_becomes_a_ticket_without_the_interval(self):
        user = self.add_account("Support")
        self.start_poller()
        spin(lambda: self.push_is("Support", True), "push is up")
        # The first poll is done (the folder was empty when examined: no other).
        spin(lambda: len(self.runs_of("Support")) >= 1
             and not self.account_prop("Support", "polling"), "the start-up polls end")
        runs_before = len(self.runs_of("Support"))
        DOVECOT.deliver(user, mail(1, subject="Pushed in"))
        spin(lambda: "Pushed in" in self.subjects(), "the pushed mail is a ticket", limit=60)
        # A poll of its own brought it, long before the hour of the interval.
        spin(lambda: len(self.runs_of("Support")) > runs_before, "the push poll reports")
        self.assertEqual(self.runs_of("Support")[runs_before][2]["imported"], 1)
        self.assertEqual(DOVECOT.count(user), 0)
        # The watcher EXAMINEs (read-only) and IDLEs on a connection of its own.
        [idle] = self.proxy.idle_connections()
        commands = self.proxy.commands(idle)
        self.assertIn("EXAMINE", commands)
        self.assertNotIn("SELECT", commands)
        self.assertNotIn("FETCH", commands)

        # Stopping the poller ends the IDLE cleanly: DONE, then LOGOUT.
        self.stop_poller()
        self.assertEqual(self.proxy.commands(idle)[-2:], ["DONE", "LOGOUT"])

    def test_push_off_keeps_the_interval(self):
        self.second_ms = 20
        user = self.add_account("Quiet", interval=10, push=False)
        self.assertFalse(self.ctl_json("accounts", "show", "Quiet", "--json")["push"])
        self.start_poller()
        spin(lambda: len(self.runs_of("Quiet")) >= 3, "three polls on the interval")
        DOVECOT.deliver(user, mail(2, subject="Polled in"))
        spin(lambda: "Polled in" in self.subjects(), "the mail is a ticket")
        self.assertFalse(self.account_prop("Quiet", "push"))
        self.assertEqual(self.proxy.idle_connections(), [])

        # Turned on and reloaded, the account gets its IDLE connection.
        account = self.ctl_json("accounts", "show", "Quiet", "--json")
        self.assertEqual(self.ctl("accounts", "remove", "Quiet").returncode, 0)
        account.pop("health")
        account["push"] = True
        self.ctl("accounts", "add", self.write("on.json", account), "--password-stdin",
                 stdin="pw-" + user, check=0)
        dbus.Interface(BUS.get_object(NAME, PATH), IFACE).Reload()
        spin(lambda: self.push_is("Quiet", True), "push is up after the reload")
        [idle] = self.proxy.idle_connections()

        # Removed and reloaded, the account's IDLE ends cleanly at once.
        self.assertEqual(self.ctl("accounts", "remove", "Quiet").returncode, 0)
        dbus.Interface(BUS.get_object(NAME, PATH), IFACE).Reload()
        spin(lambda: self.proxy.commands(idle)[-2:] == ["DONE", "LOGOUT"],
             "DONE and LOGOUT on the IDLE connection")
        self.assertNotIn("Quiet", self.props.Get(IFACE, "Accounts"))

    def test_server_without_idle_keeps_the_interval(self):
        self.second_ms = 20
        server = RecordingImapServer([mail(3, subject="Scripted one")])
        try:
            self.add_account("Plain", interval=10, port=server.port, user="desk",
                             password="secret")
            self.start_poller()
            spin(lambda: "Scripted one" in self.subjects(), "the first mail")
            server.add(mail(4, subject="Scripted two"))
            spin(lambda: "Scripted two" in self.subjects(), "the second mail, on the interval")
            spin(lambda: len(self.runs_of("Plain")) >= 4, "more polls on the interval")
            self.assertFalse(self.account_prop("Plain", "push"))
            # The watcher asked once whether the server has IDLE, took the
            # answer, and neither tried IDLE nor asked again.
            with server.lock:
                lines = list(server.lines)
            self.assertEqual([line for line in lines if line.startswith("W")],
                             ["W1 CAPABILITY", "W2 LOGOUT"])
            self.assertFalse([line for line in lines if "IDLE" in line.upper()])
        finally:
            server.close()

    def test_cut_falls_back_and_reconnects(self):
        self.second_ms = 20
        user = self.add_account("Cut")
        self.start_poller()
        spin(lambda: self.push_is("Cut", True), "push is up")
        spin(lambda: len(self.runs_of("Cut")) >= 1 and not self.account_prop("Cut", "polling"),
             "the start-up polls end")

        # The connection goes and cannot come back for now: push is down.
        self.proxy.refusing = True
        self.proxy.cut()
        spin(lambda: self.push_is("Cut", False), "push is down")
        DOVECOT.deliver(user, mail(5, subject="While cut"))

        # Back: it reconnects, and the mail that came meanwhile is polled once.
        self.proxy.refusing = False
        spin(lambda: self.push_is("Cut", True), "push is up again")
        spin(lambda: "While cut" in self.subjects(), "the mail from the gap")
        DOVECOT.deliver(user, mail(6, subject="After the cut"))
        spin(lambda: "After the cut" in self.subjects(), "the mail after the cut")
        spin(lambda: not self.account_prop("Cut", "polling"), "the polls end")
        subjects = self.subjects()
        self.assertEqual(subjects.count("While cut"), 1)
        self.assertEqual(subjects.count("After the cut"), 1)
        self.assertEqual(DOVECOT.count(user), 0)
        self.assertGreaterEqual(len(self.proxy.idle_connections()), 2)

    def test_idle_is_renewed(self):
        user = self.add_account("Renew")
        self.start_poller(HELPDESK_MAIL_IDLE_RENEW_MS="300")
        spin(lambda: self.push_is("Renew", True), "push is up")
        [idle] = self.proxy.idle_connections()
        spin(lambda: self.proxy.commands(idle).count("IDLE") >= 3, "two renewals")
        commands = self.proxy.commands(idle)
        first = commands.index("IDLE")
        self.assertEqual(commands[first:first + 4], ["IDLE", "DONE", "IDLE", "DONE"])
        # Still watching after renewals: new mail is pushed.
        DOVECOT.deliver(user, mail(7, subject="After renewals"))
        spin(lambda: "After renewals" in self.subjects(), "the mail after renewals", limit=60)
        self.assertEqual(self.proxy.idle_connections(), [idle])


if __name__ == "__main__":
    unittest.main()
