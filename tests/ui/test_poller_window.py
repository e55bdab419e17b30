#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window watching the real poller, through AT-SPI: helpdesk-mail-poller
runs on the test's session bus with accounts against the Dovecot fixture,
one with its password and one with a wrong one (and a third behind a proxy
that slows it down). The window's rows show the
health the poller reports (OK; failing with Dovecot's own reply), the next
poll, and follow the poller live: a fixed password and a press on the row's
Poll Now button turn the failing row OK, Poll Now imports a mail delivered
meanwhile, the row shows the progress while the poller reads a mailbox,
Poll All Now in the main menu polls every account, the rows follow a pause,
a stopped poller leaves
the rows with the health the store kept, and a window opened while no poller
runs starts it by D-Bus activation (and says so when it cannot start).

Run by meson (suite 'ui') inside tests/session.sh. Prints TAP.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Atspi", "2.0")
import dbus  # noqa: E402
import pyatspi  # noqa: E402
from dbus.mainloop.glib import DBusGMainLoop  # noqa: E402
from gi.repository import GLib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ["HD_TEST_FIXTURES"])
from hdmail import Dovecot, mail  # noqa: E402
from hdui import Tap, find_application, first, stop, wait_for  # noqa: E402

NAME = "io.github.helpdeskmail.HelpDeskMail.Poller"
PATH = "/io/github/helpdeskmail/HelpDeskMail/Poller"
GOOD, GOOD_USER, GOOD_PASSWORD = "Good Desk", "livegood", "pw-livegood"
BAD, BAD_USER, BAD_PASSWORD = "Bad Desk", "livebad", "pw-livebad"
SLOW, SLOW_USER, SLOW_PASSWORD = "Slow Desk", "liveslow", "pw-liveslow"
DOVECOT_FAILURE = "NO [AUTHENTICATIONFAILED] Authentication failed."
# Enough mail that a poll takes a while to read, for its progress to be told.
MANY = 60

DBusGMainLoop(set_as_default=True)


class SlowProxy:
    """Forwards TCP to Dovecot, holding each of the client's commands back a
    little and trickling the server's replies in small pieces, so that a poll
    of many mails (fetched with one batched command) lasts long enough to be
    watched."""

    def __init__(self, target_port, delay=0.03):
        self.target, self.delay = target_port, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return
            threading.Thread(target=self.pump, args=(client, server, self.delay, 65536),
                             daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, 0.02, 1024),
                             daemon=True).start()

    @staticmethod
    def pump(source, sink, delay, chunk):
        try:
            while True:
                data = source.recv(chunk)
                if not data:
                    break
                time.sleep(delay)
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def ctl(db, *args, stdin=None):
    return subprocess.run([os.environ["HD_CTL"], "--db", db, *args], input=stdin,
                          capture_output=True, text=True, check=True).stdout


def add_account(db, tmp, dovecot, name, user, password, port=None, push=None):
    account = dovecot.account(name, user)
    account["poll_interval"] = 3600
    if port is not None:
        account["incoming"]["port"] = port
    if push is not None:
        account["push"] = push
    path = os.path.join(tmp, f"{user}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(account, f)
    ctl(db, "accounts", "add", path, "--password-stdin", stdin=password)


def spin(condition, what, limit=60):
    """Runs the GLib main loop (for D-Bus signals) until condition() holds."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + limit
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        while context.iteration(False):
            pass
        time.sleep(0.05)


def row(window, name):
    return first(window, lambda n: n.getRole() == pyatspi.ROLE_LIST_ITEM and n.name == name)


def row_text(window, name):
    found = row(window, name)
    return found.description if found is not None else ""


def wait_row(window, name, what, predicate, limit=60):
    try:
        return spin(lambda: predicate(row_text(window, name)), what, limit)
    except TimeoutError:
        return False


def has_action(accessible):
    try:
        return accessible.queryAction().nActions > 0
    except NotImplementedError:
        return False


def do_action(accessible):
    action = accessible.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate", "toggle"):
            action.doAction(i)
            return
    action.doAction(0)


def press_poll_now(window, name):
    label = f"Poll “{name}” Now"
    button = wait_for(label, lambda: first(
        window, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == label))
    do_action(button)
    return button


def main():
    tap = Tap()
    print("1..15", flush=True)

    dovecot = Dovecot()
    slow = SlowProxy(dovecot.ports["imaps"])
    tmp = tempfile.mkdtemp(prefix="hd-test-live-")
    db = os.path.join(tmp, "helpdesk.sqlite3")
    bus = dbus.SessionBus()
    poller = window_proc = None
    told = []

    def on_properties(interface, changed, invalidated):
        if "Accounts" in changed:
            told.append({str(k): {str(kk): vv for kk, vv in v.items()}
                         for k, v in changed["Accounts"].items()})

    bus.add_signal_receiver(on_properties, signal_name="PropertiesChanged",
                            dbus_interface=dbus.PROPERTIES_IFACE, path=PATH)
    try:
        dovecot.add_users({GOOD_USER: GOOD_PASSWORD, BAD_USER: BAD_PASSWORD,
                           SLOW_USER: SLOW_PASSWORD})
        add_account(db, tmp, dovecot, GOOD, GOOD_USER, GOOD_PASSWORD)
        add_account(db, tmp, dovecot, BAD, BAD_USER, "not-the-password")
        # Push off: an IDLE poll started by the first of the 60 deliveries
        # would read part of them before Poll Now, and tell another total.
        add_account(db, tmp, dovecot, SLOW, SLOW_USER, SLOW_PASSWORD, port=slow.port, push=False)

        env = dict(os.environ)
        env.setdefault("GTK_A11Y", "atspi")
        env.update({"LANGUAGE": "en", "LC_ALL": "C.UTF-8", "HELPDESK_MAIL_DB": db,
                    "HELPDESK_MAIL_CA_FILE": dovecot.ca_file,
                    "XDG_CONFIG_HOME": os.path.join(tmp, "config")})
        poller = subprocess.Popen([os.environ["HD_POLLER"]], env=env)
        spin(lambda: bus.name_has_owner(NAME), "the poller on the bus")
        props = dbus.Interface(bus.get_object(NAME, PATH), dbus.PROPERTIES_IFACE)

        def accounts():
            return props.Get(NAME, "Accounts")

        # Started, the poller polls both accounts once.
        spin(lambda: all(accounts().get(n, {}).get("state") in ("ok", "failing")
                         and not accounts()[n]["polling"] for n in (GOOD, BAD, SLOW)),
             "the first polls")

        window_proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
        app = wait_for("the application on the accessibility bus",
                       lambda: find_application(window_proc.pid))
        window = wait_for("the main window", lambda: first(
            app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
        wait_for("the account rows", lambda: row(window, GOOD) and row(window, BAD))

        good = wait_row(window, GOOD, "the healthy row", lambda t: "\nOK\nNext poll at " in t)
        tap.ok(good, "the healthy row shows OK and the next poll", row_text(window, GOOD))
        bad = wait_row(window, BAD, "the failing row",
                       lambda t: f"\nFailing: {DOVECOT_FAILURE} since " in t)
        tap.ok(bad, "the failing row shows Dovecot's own reply and since when",
               row_text(window, BAD))

        # What the admin sees, for the docs and for review (not compared).
        shots = os.environ.get("HD_SCREENSHOT_DIR")
        if shots:
            os.makedirs(shots, exist_ok=True)
            subprocess.run(["/usr/bin/import", "-window", "root",
                            os.path.join(shots, "poller-rows.png")], check=True)

        button = press_poll_now(window, GOOD)
        tap.ok(button.getState().contains(pyatspi.STATE_FOCUSABLE),
               "the row's Poll Now button is reachable by keyboard")

        # A mail delivered meanwhile: Poll Now on its row makes it a ticket.
        dovecot.deliver(GOOD_USER, mail(1, to=f"{GOOD_USER}@example.com",
                                        subject="Printer on fire"))
        press_poll_now(window, GOOD)
        try:
            spin(lambda: any(t["subject"] == "Printer on fire"
                             for t in json.loads(ctl(db, "tickets", "list", "--json"))),
                 "the ticket from Poll Now")
            tap.ok(True, "Poll Now on the row imports the mail delivered to its mailbox")
        except TimeoutError as e:
            tap.ok(False, "Poll Now on the row imports the mail delivered to its mailbox", e)
        tap.ok(dovecot.count(GOOD_USER) == 0, "the imported mail left the server")

        # The password is fixed; Poll Now on the failing row turns it OK.
        ctl(db, "accounts", "set-password", BAD, "--password-stdin", stdin=BAD_PASSWORD)
        press_poll_now(window, BAD)
        fixed = wait_row(window, BAD, "the fixed row", lambda t: "\nOK\nNext poll at " in t)
        tap.ok(fixed, "the row follows the poller: OK once the password is fixed",
               row_text(window, BAD))

        # Progress while a poll reads a mailbox: "progress_done" of "progress_total".
        for n in range(MANY):
            dovecot.deliver(SLOW_USER, mail(100 + n, to=f"{SLOW_USER}@example.com"))
        told.clear()
        rows_seen = set()
        press_poll_now(window, SLOW)

        def polled_many():
            rows_seen.add(row_text(window, SLOW).rpartition("\n")[2])
            return (len(json.loads(ctl(db, "tickets", "list", "--json"))) == MANY + 1
                    and not accounts()[SLOW]["polling"])

        try:
            spin(polled_many, "the poll of many mails", limit=240)
            progress = [(int(t[SLOW]["progress_done"]), int(t[SLOW]["progress_total"]))
                        for t in told if SLOW in t and t[SLOW]["polling"]]
            tap.ok(any(total == MANY and 1 <= done <= MANY for done, total in progress),
                   f"the poller tells 'mail n of {MANY}' while it polls", progress)
        except TimeoutError as e:
            tap.ok(False, f"the poller tells 'mail n of {MANY}' while it polls", e)
        tap.ok(any(line.startswith("Polling… mail ") and line.endswith(f" of {MANY}")
                   for line in rows_seen),
               f"the row shows 'Polling… mail n of {MANY}' while the poll runs", sorted(rows_seen))
        idle = accounts()[SLOW]
        tap.ok((idle["polling"], idle["progress_done"], idle["progress_total"]) == (False, 0, 0),
               "no progress is told while no poll runs", dict(idle))

        # Main Menu → Poll All Now polls every account.
        dovecot.deliver(GOOD_USER, mail(2, to=f"{GOOD_USER}@example.com", subject="All of them"))
        dovecot.deliver(BAD_USER, mail(3, to=f"{BAD_USER}@example.com", subject="Every one"))
        do_action(wait_for("the main menu button", lambda: first(
            window, lambda n: n.name == "Main Menu" and has_action(n))))
        do_action(wait_for("the Poll All Now menu item", lambda: first(
            app, lambda n: n.name in ("Poll All Now", "Poll _All Now") and has_action(n))))
        try:
            spin(lambda: {"All of them", "Every one"}
                 <= {t["subject"] for t in json.loads(ctl(db, "tickets", "list", "--json"))},
                 "the tickets from Poll All Now")
            tap.ok(True, "Poll All Now in the main menu polls every account")
        except TimeoutError as e:
            tap.ok(False, "Poll All Now in the main menu polls every account", e)

        # Paused from the tray (or over D-Bus), the rows say so, and resume.
        poller_iface = dbus.Interface(bus.get_object(NAME, PATH), NAME)
        poller_iface.Pause(True)
        paused = wait_row(window, GOOD, "the paused row",
                          lambda t: t.endswith("\nOK\nPolling is paused"))
        poller_iface.Pause(False)
        resumed = wait_row(window, GOOD, "the resumed row", lambda t: "\nOK\nNext poll at " in t)
        tap.ok(paused and resumed, "the rows follow the poller's pause and resume",
               row_text(window, GOOD))

        # The poller stops: the rows keep the health the store kept.
        poller.send_signal(signal.SIGTERM)
        poller.wait(60)
        poller = None
        gone = wait_row(window, GOOD, "the row without the poller",
                        lambda t: t.endswith("\nOK\nThe poller is not running"))
        tap.ok(gone, "without the poller the row shows the stored health and says so",
               row_text(window, GOOD))
        tap.ok(window_proc.poll() is None, "the window runs on without the poller")
        stop(window_proc)

        # A window that opens while no poller runs starts it (D-Bus activation
        # from the service file, where the test's bus looks for services).
        services = os.path.join(os.environ["XDG_DATA_HOME"], "dbus-1", "services")
        os.makedirs(services, exist_ok=True)
        service_file = os.path.join(services, NAME + ".service")
        with open(service_file, "w", encoding="utf-8") as f:
            f.write(f"[D-BUS Service]\nName={NAME}\nExec=/usr/bin/env HELPDESK_MAIL_DB={db} "
                    f"HELPDESK_MAIL_CA_FILE={dovecot.ca_file} {os.environ['HD_POLLER']}\n")
        daemon = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                "org.freedesktop.DBus")
        daemon.ReloadConfig()
        try:
            window_proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
            app = wait_for("the application on the accessibility bus",
                           lambda: find_application(window_proc.pid))
            window = wait_for("the main window", lambda: first(
                app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
            started = wait_row(window, GOOD, "the started poller's word",
                               lambda t: "\nOK\nNext poll at " in t)
            tap.ok(started and bus.name_has_owner(NAME),
                   "a window opened without a poller starts it and shows it live",
                   row_text(window, GOOD))
        finally:
            if bus.name_has_owner(NAME):
                os.kill(int(daemon.GetConnectionUnixProcessID(NAME)), signal.SIGTERM)
                spin(lambda: not bus.name_has_owner(NAME), "the started poller to stop")
            stop(window_proc)

        # A poller that cannot start: the rows say so instead of waiting for it.
        with open(service_file, "w", encoding="utf-8") as f:
            f.write(f"[D-BUS Service]\nName={NAME}\nExec=/bin/false\n")
        daemon.ReloadConfig()
        try:
            window_proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
            app = wait_for("the application on the accessibility bus",
                           lambda: find_application(window_proc.pid))
            window = wait_for("the main window", lambda: first(
                app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
            failed = wait_row(window, GOOD, "the failed start",
                              lambda t: t.endswith("\nOK\nThe poller could not be started"))
            tap.ok(failed, "a poller that cannot start is told in the rows",
                   row_text(window, GOOD))
        finally:
            os.remove(service_file)
            daemon.ReloadConfig()
    finally:
        if window_proc is not None:
            stop(window_proc)
        if poller is not None and poller.poll() is None:
            poller.send_signal(signal.SIGTERM)
            poller.wait(60)
        slow.close()
        dovecot.stop()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
