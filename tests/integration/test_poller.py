"""helpdesk-mail-poller on the session bus against a real Dovecot: the name,
PollNow, Reload, backoff, Pause, stopping mid-poll, notifications once per
change, a second instance, --once and D-Bus activation."""

import os
import signal
import subprocess
import sys
import time
import unittest

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CtlTestCase  # noqa: E402

BUILD = os.environ.get("HD_BUILD_ROOT", "build")
POLLER = os.path.join(BUILD, "src", "poller", "helpdesk-mail-poller")
NAME = "io.github.helpdeskmail.HelpDeskMail.Poller"
PATH = "/io/github/helpdeskmail/HelpDeskMail/Poller"
IFACE = NAME
# One "second" of a poll interval lasts this many milliseconds in these tests.
SECOND_MS = 20

DOVECOT = None
USERS = [f"poll{i}" for i in range(40)]
DBusGMainLoop(set_as_default=True)


class Notifications(dbus.service.Object):
    """A notification server on the bus that remembers what it was sent."""

    def __init__(self, bus):
        self.sent = []
        self.bus_name = dbus.service.BusName("org.freedesktop.Notifications", bus)
        super().__init__(self.bus_name, "/org/freedesktop/Notifications")

    @dbus.service.method("org.freedesktop.Notifications", in_signature="susssasa{sv}i",
                         out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        self.sent.append((str(summary), str(body)))
        return len(self.sent)

    @dbus.service.signal("org.freedesktop.Notifications", signature="us")
    def ActionInvoked(self, nid, action_key):
        pass

    @dbus.service.method("org.freedesktop.Notifications", out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method("org.freedesktop.Notifications", out_signature="ssss")
    def GetServerInformation(self):
        return ("test", "hd", "1", "1.2")

    @dbus.service.method("org.freedesktop.Notifications", in_signature="u")
    def CloseNotification(self, nid):
        pass


class Watcher(dbus.service.Object):
    """A StatusNotifierWatcher, as a tray host puts on the bus."""

    def __init__(self, bus):
        self.items = []
        self.bus_name = dbus.service.BusName("org.kde.StatusNotifierWatcher", bus)
        super().__init__(self.bus_name, "/StatusNotifierWatcher")

    @dbus.service.method("org.kde.StatusNotifierWatcher", in_signature="s",
                         sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        self.items.append((str(sender), str(service)))


class Window(dbus.service.Object):
    """Stands in for the window's GApplication (io.github.helpdeskmail.HelpDeskMail)."""

    def __init__(self, bus):
        self.calls = []
        self.bus_name = dbus.service.BusName("io.github.helpdeskmail.HelpDeskMail", bus)
        super().__init__(self.bus_name, "/io/github/helpdeskmail/HelpDeskMail")

    @dbus.service.method("org.freedesktop.Application", in_signature="a{sv}")
    def Activate(self, platform_data):
        self.calls.append(("Activate",))

    @dbus.service.method("org.freedesktop.Application", in_signature="sava{sv}")
    def ActivateAction(self, name, parameter, platform_data):
        self.calls.append(("ActivateAction", str(name), [str(p) for p in parameter]))

    def close(self):
        self.bus_name.get_bus().release_name("io.github.helpdeskmail.HelpDeskMail")
        self.remove_from_connection()


BUS = None
NOTIFICATIONS = None


def setUpModule():
    global DOVECOT, BUS, NOTIFICATIONS
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})
    BUS = dbus.SessionBus()
    NOTIFICATIONS = Notifications(BUS)


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


def wait_a_while(ms):
    """Lets the main loop run for a while (to see that nothing happens)."""
    done = []
    GLib.timeout_add(ms, lambda: done.append(1))
    spin(lambda: done, "the pause")


class PollerTestCase(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.runs = []
        self.proc = None
        self.match = BUS.add_signal_receiver(self.on_run_finished, signal_name="RunFinished",
                                             dbus_interface=IFACE, path=PATH)
        NOTIFICATIONS.sent.clear()

    def tearDown(self):
        self.match.remove()
        self.stop_poller()
        super().tearDown()

    def on_run_finished(self, account, ok, counts, error, run_id):
        self.runs.append((str(account), bool(ok), {str(k): int(v) for k, v in counts.items()},
                          str(error)))

    def runs_of(self, name):
        return [r for r in self.runs if r[0] == name]

    def add_account(self, name, interval=3600, password=None):
        user = USERS.pop()
        account = DOVECOT.account(name, user)
        account["poll_interval"] = interval
        # These tests count the polls of the interval engine; push (IMAP
        # IDLE), which polls when mail arrives, is tested in test_idle.py.
        account["push"] = False
        self.ctl("accounts", "add", self.write(f"{name}.json", account), "--password-stdin",
                 stdin=password or "pw-" + user, check=0)
        return user

    def env(self):
        env = dict(os.environ, HELPDESK_MAIL_DB=self.db,
                   HELPDESK_MAIL_POLLER_SECOND_MS=str(SECOND_MS))
        return env

    def start_poller(self):
        self.proc = subprocess.Popen([POLLER], env=self.env())
        spin(lambda: BUS.name_has_owner(NAME), "the poller owns its name")
        self.poller = dbus.Interface(BUS.get_object(NAME, PATH), IFACE)
        self.props = dbus.Interface(BUS.get_object(NAME, PATH), dbus.PROPERTIES_IFACE)

    def stop_poller(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)
        if self.proc is not None:
            spin(lambda: not BUS.name_has_owner(NAME), "the name is released")
        self.proc = None

    def prop(self, name):
        return self.props.Get(IFACE, name)

    def tickets(self):
        return self.ctl_json("tickets", "list", "--json")


class Service(PollerTestCase):
    def test_owns_name_and_poll_now_imports(self):
        user = self.add_account("Support")
        for n in range(2):
            DOVECOT.deliver(user, mail(n))
        self.start_poller()
        # Started, it polls every enabled account once.
        spin(lambda: self.runs_of("Support"), "the first run")
        self.assertEqual(self.runs_of("Support")[0][1:3],
                         (True, {"listed": 2, "imported": 2, "skipped": 0, "failed": 0,
                                 "deleted": 2}))
        DOVECOT.deliver(user, mail(7))
        self.poller.PollNow(["Support"])
        spin(lambda: len(self.runs_of("Support")) == 2, "the run asked for")
        self.assertEqual(self.runs_of("Support")[1][2]["imported"], 1)
        self.assertEqual(sorted(t["subject"] for t in self.tickets()),
                         ["Request number 0", "Request number 1", "Request number 7"])
        self.assertEqual(DOVECOT.count(user), 0)

        accounts = self.prop("Accounts")
        self.assertEqual(accounts["Support"]["state"], "ok")
        self.assertEqual(accounts["Support"]["imported"], 1)
        self.assertNotEqual(accounts["Support"]["next_poll"], "")
        self.assertEqual(self.prop("State"), "idle")
        health = self.ctl_json("accounts", "show", "Support", "--json")["health"]
        self.assertEqual(health["state"], "ok")
        self.assertEqual(health["next_poll"], accounts["Support"]["next_poll"])

        # An unknown account is a registered D-Bus error, and nothing is polled.
        with self.assertRaises(dbus.DBusException) as raised:
            self.poller.PollNow(["Nobody"])
        self.assertEqual(raised.exception.get_dbus_name(),
                         "io.github.helpdeskmail.HelpDeskMail.Error.Store.NotFound")

    def test_reload_adds_and_drops(self):
        self.add_account("First")
        self.start_poller()
        spin(lambda: self.runs_of("First"), "First polled")
        self.add_account("Second")
        self.poller.Reload()
        spin(lambda: self.runs_of("Second"), "the new account polled")
        self.assertEqual(sorted(self.prop("Accounts").keys()), ["First", "Second"])

        self.ctl("accounts", "remove", "First", check=0)
        self.poller.Reload()
        self.assertEqual(sorted(self.prop("Accounts").keys()), ["Second"])
        with self.assertRaises(dbus.DBusException):
            self.poller.PollNow(["First"])
        before = len(self.runs_of("First"))
        self.poller.PollNow([])
        spin(lambda: len(self.runs_of("Second")) == 2, "Second polled again")
        self.assertEqual(len(self.runs_of("First")), before)

    def test_backoff_and_notifications(self):
        self.add_account("Good", interval=10)
        bad_user = self.add_account("Bad", interval=10, password="wrong")
        self.start_poller()
        spin(lambda: len(self.runs_of("Bad")) >= 4, "four runs of Bad")
        bad = self.runs_of("Bad")
        self.assertFalse(any(ok for _, ok, _, _ in bad))
        self.assertTrue(all(ok for _, ok, _, _ in self.runs_of("Good")))

        # Good runs between Bad's runs: more as Bad waits 2, 4, then 8 intervals.
        def good_between(k):
            seen_bad, good = 0, 0
            for name, *_ in self.runs:
                if name == "Bad":
                    seen_bad += 1
                elif seen_bad == k:
                    good += 1
            return good
        self.assertGreaterEqual(good_between(1), 1)
        self.assertGreater(good_between(3), good_between(1))
        # "error" between polls (Good may be running just now).
        self.assertIn(self.prop("State"), ("error", "polling"))
        self.assertEqual(self.prop("FailingAccounts"), 1)

        # Told once that it fails, not once per poll.
        failing = [n for n in NOTIFICATIONS.sent if "Bad" in n[0]]
        self.assertEqual(len(failing), 1)
        self.assertIn("AUTHENTICATIONFAILED", failing[0][1])

        # Fixed, it is polled again: one more notification, and the error state goes.
        self.ctl("accounts", "set-password", "Bad", "--password-stdin", stdin="pw-" + bad_user,
                 check=0)
        self.poller.PollNow(["Bad"])
        spin(lambda: self.runs_of("Bad")[-1][1], "Bad recovers")
        spin(lambda: len([n for n in NOTIFICATIONS.sent if "Bad" in n[0]]) == 2,
             "the recovery notification")
        self.assertNotIn("Good", " ".join(s for s, _ in NOTIFICATIONS.sent))

        # Its action opens the window on that account.
        window = Window(BUS)
        try:
            NOTIFICATIONS.ActionInvoked(len(NOTIFICATIONS.sent), "default")
            spin(lambda: window.calls, "the window is asked to open")
            self.assertEqual(window.calls[0], ("ActivateAction", "open-account", ["Bad"]))
        finally:
            window.close()
        self.assertEqual(self.prop("FailingAccounts"), 0)

    def test_pause_and_resume(self):
        self.add_account("Good", interval=10)
        self.start_poller()
        spin(lambda: len(self.runs_of("Good")) >= 2, "two runs")
        self.poller.Pause(True)
        spin(lambda: self.prop("State") == "paused", "paused")
        spin(lambda: not self.prop("Accounts")["Good"]["polling"], "the running poll ends")
        paused_at = len(self.runs_of("Good"))
        self.assertEqual(self.prop("Accounts")["Good"]["next_poll"], "")
        wait_a_while(10 * SECOND_MS * 10)  # ten intervals
        self.assertEqual(len(self.runs_of("Good")), paused_at)
        self.poller.Pause(False)
        spin(lambda: len(self.runs_of("Good")) >= paused_at + 2, "polling resumed")

    def test_stop_during_poll_loses_and_doubles_nothing(self):
        user = self.add_account("Busy")
        for n in range(150):
            DOVECOT.deliver(user, mail(1000 + n))
        self.start_poller()
        spin(lambda: self.prop("Accounts").get("Busy", {}).get("polling"), "the poll runs")
        self.stop_poller()
        imported = self.tickets()
        # Whatever was stopped: every mail is either a ticket or still on the server.
        self.assertEqual(len(imported) + DOVECOT.count(user), 150)
        self.ctl("poll", check=0)
        subjects = [t["subject"] for t in self.tickets()]
        self.assertEqual(len(subjects), 150)
        self.assertEqual(len(set(subjects)), 150)
        self.assertEqual(DOVECOT.count(user), 0)

    def test_second_instance_does_not_poll(self):
        self.add_account("Support")
        self.start_poller()
        spin(lambda: self.runs_of("Support"), "the first run")
        runs = len(self.ctl_json("log", "Support", "--json"))
        second = subprocess.run([POLLER], env=self.env(), timeout=60)
        self.assertEqual(second.returncode, 0)
        self.assertEqual(self.proc.poll(), None)
        self.assertEqual(len(self.ctl_json("log", "Support", "--json")), runs)
        self.assertEqual(len(self.runs_of("Support")), 1)

    def test_once_exit_codes(self):
        user = self.add_account("Support")
        DOVECOT.deliver(user, mail(3))
        once = subprocess.run([POLLER, "--once"], env=self.env(), capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(once.returncode, 0, once.stderr)
        self.assertIn("Support: OK — 1 listed, 1 imported", once.stdout)
        self.assertFalse(BUS.name_has_owner(NAME))
        self.add_account("Bad", password="wrong")
        once = subprocess.run([POLLER, "--once"], env=self.env(), capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(once.returncode, 1)
        self.assertIn("Bad: FAILED", once.stdout)


class Tray(PollerTestCase):
    def test_item_registers_and_menu_polls(self):
        self.add_account("Support")
        self.start_poller()
        spin(lambda: self.runs_of("Support"), "the first run")
        # The watcher appears after the poller: the item registers with it.
        watcher = Watcher(BUS)
        try:
            spin(lambda: watcher.items, "the item registers")
            sender, path = watcher.items[0]
            self.assertEqual(sender, BUS.get_name_owner(NAME))
            item = dbus.Interface(BUS.get_object(sender, path), dbus.PROPERTIES_IFACE)
            self.assertEqual(item.Get("org.kde.StatusNotifierItem", "Status"), "Active")
            tooltip = item.Get("org.kde.StatusNotifierItem", "ToolTip")
            self.assertEqual(str(tooltip[3]), "Every account is polled")
            menu_path = item.Get("org.kde.StatusNotifierItem", "Menu")
            menu = dbus.Interface(BUS.get_object(sender, menu_path), "com.canonical.dbusmenu")
            revision, (root, props, children) = menu.GetLayout(0, -1, [])
            labels = {str(c[1]["label"]): int(c[0]) for c in children}
            self.assertEqual(sorted(labels), sorted(["Poll Now", "Pause", "Open HelpDesk Mail",
                                                     "Quit"]))

            menu.Event(labels["Poll Now"], "clicked", dbus.Int32(0, variant_level=1), 0)
            spin(lambda: len(self.runs_of("Support")) == 2, "the run the menu asked for")

            menu.Event(labels["Pause"], "clicked", dbus.Int32(0, variant_level=1), 0)
            spin(lambda: self.prop("State") == "paused", "paused from the menu")
            _, (_, _, children) = menu.GetLayout(0, -1, [])
            self.assertIn("Resume", [str(c[1]["label"]) for c in children])
            tooltip = item.Get("org.kde.StatusNotifierItem", "ToolTip")
            self.assertEqual(str(tooltip[3]), "Polling is paused")

            window = Window(BUS)
            try:
                menu.Event(labels["Open HelpDesk Mail"], "clicked",
                           dbus.Int32(0, variant_level=1), 0)
                spin(lambda: window.calls, "the window is opened")
                self.assertEqual(window.calls, [("Activate",)])
            finally:
                window.close()

            menu.Event(labels["Quit"], "clicked", dbus.Int32(0, variant_level=1), 0)
            self.assertEqual(self.proc.wait(60), 0)
        finally:
            watcher.bus_name.get_bus().release_name("org.kde.StatusNotifierWatcher")
            watcher.remove_from_connection()

    def test_tooltip_counts_failing_accounts(self):
        watcher = Watcher(BUS)
        try:
            self.add_account("Bad", password="wrong")
            self.add_account("Worse", password="wrong")
            self.start_poller()
            spin(lambda: self.runs_of("Bad") and self.runs_of("Worse"), "both failed")
            spin(lambda: watcher.items, "the item registers")
            sender, path = watcher.items[-1]
            item = dbus.Interface(BUS.get_object(sender, path), dbus.PROPERTIES_IFACE)
            spin(lambda: item.Get("org.kde.StatusNotifierItem", "Status") == "NeedsAttention",
                 "needs attention")
            tooltip = item.Get("org.kde.StatusNotifierItem", "ToolTip")
            self.assertEqual(str(tooltip[3]), "2 accounts need attention")
        finally:
            watcher.bus_name.get_bus().release_name("org.kde.StatusNotifierWatcher")
            watcher.remove_from_connection()


class Activation(PollerTestCase):
    """The installed service file, put where the test session's bus looks
    for services ($XDG_DATA_HOME/dbus-1/services, a throw-away folder of
    tests/session.sh): a call to the poller starts it, and it imports."""

    def test_dbus_activation_imports(self):
        user = self.add_account("Support")
        DOVECOT.deliver(user, mail(5))
        services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
        os.makedirs(services, exist_ok=True)
        with open(os.path.join(BUILD, "data", NAME + ".service")) as f:
            service = f.read()
        exec_line = next(line for line in service.splitlines() if line.startswith("Exec="))
        self.assertTrue(exec_line.endswith("/helpdesk-mail-poller"))
        self.assertIn(f"Name={NAME}", service)
        # The built binary with the test's database, instead of the installed one.
        env = " ".join(f"{k}={v}" for k, v in self.env().items()
                       if k.startswith("HELPDESK_MAIL_"))
        target = os.path.join(services, NAME + ".service")
        with open(target, "w") as f:
            f.write(service.replace(exec_line,
                                    f"Exec=/usr/bin/env {env} {os.path.abspath(POLLER)}"))
        bus_iface = dbus.Interface(BUS.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                   "org.freedesktop.DBus")
        try:
            bus_iface.ReloadConfig()
            self.assertFalse(BUS.name_has_owner(NAME))
            self.assertIn(NAME, bus_iface.ListActivatableNames())
            # The call starts the service; the window closed, the mail becomes a ticket.
            poller = dbus.Interface(BUS.get_object(NAME, PATH), IFACE)
            poller.PollNow(["Support"])
            self.assertTrue(BUS.name_has_owner(NAME))
            spin(lambda: any(ok and counts["imported"] == 1
                             for _, ok, counts, _ in self.runs_of("Support")),
                 "the activated poller imports the mail")
            self.assertEqual([t["subject"] for t in self.tickets()], ["Request number 5"])
            pid = int(bus_iface.GetConnectionUnixProcessID(NAME))
            os.kill(pid, signal.SIGTERM)
            spin(lambda: not BUS.name_has_owner(NAME), "the activated poller ends")
        finally:
            os.unlink(target)
            bus_iface.ReloadConfig()


if __name__ == "__main__":
    unittest.main(verbosity=2)
