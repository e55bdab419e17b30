#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An admin's first account, end to end: the real helpdesk-mail against the
Dovecot fixture, driven and read through AT-SPI only. The account is typed
into the Add Account dialog, saved, checked (the success line and Dovecot's
own failure text are read from the message line), and a check that hangs on
a silent server leaves the window answering until it is cancelled.

GTK 4.8 does not return an entry's text through AT-SPI, so what was saved
is read back from the store with helpdesk-mailctl and from the keyring with
secret-tool. Run by meson (suite 'ui') inside tests/session.sh. Prints TAP.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import gi

gi.require_version("Atspi", "2.0")
import pyatspi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.environ["HD_TEST_FIXTURES"])
from hdmail import Dovecot  # noqa: E402
from hdui import Tap, descendants, find_application, first, press, stop, wait_for  # noqa: E402

ACCOUNT = "Support Desk"
# A user of its own: the fixture's own users have passwords of their own.
USER = "frontdesk"
PASSWORD = "pw-frontdesk"
WRONG_PASSWORD = "not-the-frontdesk-password"
DOVECOT_FAILURE = "NO [AUTHENTICATIONFAILED] Authentication failed."
# How long an answer from the window may take while a check runs; the
# window answers at once when its main loop is free.
RESPONSIVE = 0.5


class SilentServer:
    """A TCP server that accepts connections and never says a word, as a
    mail server does that hangs: a check against it only ends when it is
    cancelled."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.clients = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)

    def close(self):
        self.sock.close()
        for client in self.clients:
            client.close()


def ctl(db, *args):
    return subprocess.run([os.environ["HD_CTL"], "--db", db, *args],
                          capture_output=True, text=True, check=True).stdout


def keyring_password(db, owner):
    """The account's password as the keyring holds it, or None."""
    with sqlite3.connect(db) as conn:
        store_id = conn.execute("SELECT value FROM settings WHERE key = 'store.id'").fetchone()[0]
    out = subprocess.run(["secret-tool", "lookup", "kind", "account-password",
                          "store", store_id, "owner", owner],
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def node(root, role, name):
    found = first(root, lambda n: n.getRole() == role and n.name == name)
    if found is None:
        raise LookupError(f"no {role} named {name!r}")
    return found


def type_into(root, name, text):
    """Types into the entry row called name as assistive technology types:
    through its EditableText interface, the same path a screen reader's
    dictation or an on-screen keyboard takes."""
    entry = first(root, lambda n: n.name == name and n.getRole() in (pyatspi.ROLE_TEXT,
                                                                    pyatspi.ROLE_PASSWORD_TEXT))
    if entry is None:
        raise LookupError(f"no entry named {name!r}")
    if not entry.queryEditableText().setTextContents(text):
        raise RuntimeError(f"{name!r} did not take the text")


def set_number(root, name, value):
    spin = node(root, pyatspi.ROLE_SPIN_BUTTON, name)
    spin.queryValue().currentValue = value


def message_lines(root):
    """The check's result line: a label that starts as the window writes it."""
    return [n.name for n in descendants(root, lambda n: n.getRole() == pyatspi.ROLE_LABEL
                                        and n.name.startswith(("OK: ", "Failed: ",
                                                               "The check was cancelled")))]


def wait_message(root, what, predicate, timeout=60):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        lines = message_lines(root)
        for line in lines:
            if predicate(line):
                return line
        time.sleep(0.25)
    raise TimeoutError(f"no {what} in the message line; it says {lines}")


def visible(accessible):
    return accessible.getState().contains(pyatspi.STATE_VISIBLE)


def sensitive(accessible):
    return accessible.getState().contains(pyatspi.STATE_SENSITIVE)


def main():
    tap = Tap()
    print("1..12", flush=True)

    dovecot = Dovecot()
    silent = SilentServer()
    tmp = tempfile.mkdtemp(prefix="hd-test-e2e-")
    db = os.path.join(tmp, "helpdesk.sqlite3")
    proc = None
    try:
        dovecot.add_users({USER: PASSWORD})

        env = dict(os.environ)
        env.setdefault("GTK_A11Y", "atspi")
        env.update({"LANGUAGE": "en", "LC_ALL": "C.UTF-8",
                    "HELPDESK_MAIL_CA_FILE": dovecot.ca_file})
        proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
        app = wait_for("the application on the accessibility bus",
                       lambda: find_application(proc.pid))
        window = wait_for("the main window", lambda: first(
            app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))

        # The empty window says what to do first.
        wait_for("the empty state", lambda: first(window, lambda n: n.name == "No Mail Accounts"))
        press(window, "Add Account")
        dialog = wait_for("the Add Account dialog", lambda: first(
            app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "Add Account"))
        type_into(dialog, "Account Name", ACCOUNT)
        type_into(dialog, "Host Name", dovecot.host)
        set_number(dialog, "Port", dovecot.ports["imaps"])
        type_into(dialog, "User Name", USER)
        type_into(dialog, "Password", PASSWORD)
        type_into(dialog, "Sender E-Mail Address", "support@example.com")
        press(dialog, "Add")

        def saved():
            try:
                return json.loads(ctl(db, "accounts", "show", ACCOUNT, "--json"))
            except subprocess.CalledProcessError:
                return None

        account = wait_for("the saved account", saved)
        incoming = account["incoming"]
        tap.ok((incoming["host"], incoming["port"], incoming["protocol"], incoming["security"],
                account["login"]["username"], account["account_info"]["sender_address"])
               == (dovecot.host, dovecot.ports["imaps"], "imap", "tls", USER,
                   "support@example.com"),
               "the typed account is in the store", json.dumps(account, indent=2))
        tap.ok("password" not in json.dumps(account), "the store holds no password")
        try:
            got = wait_for("the password in the keyring",
                           lambda: keyring_password(db, ACCOUNT) == PASSWORD)
        except TimeoutError:
            got = False
        tap.ok(got, "the keyring holds the typed password",
               f"keyring has {keyring_password(db, ACCOUNT)!r}")
        wait_for("the dialog to close", lambda: first(
            app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "Add Account") is None)
        wait_for("the account in the list", lambda: first(
            window, lambda n: n.getRole() == pyatspi.ROLE_LIST_ITEM and n.name == ACCOUNT))
        tap.ok(True, "the dialog closes and the account is in the list")

        # The saved password, from the keyring: the password field is empty.
        press(window, "Check Connection")
        try:
            line = wait_message(window, "success", lambda m: m.startswith("OK: "))
            tap.ok(True, f"Check Connection succeeds: {line!r}")
        except TimeoutError as e:
            tap.ok(False, "Check Connection succeeds", e)

        # A wrong password as typed, before it is saved: Dovecot's words.
        type_into(window, "Password", WRONG_PASSWORD)
        press(window, "Check Connection")
        try:
            line = wait_message(window, "failure", lambda m: m.startswith("Failed: "))
            tap.ok(line == f"Failed: {DOVECOT_FAILURE}",
                   "a wrong password shows Dovecot's reply verbatim", f"got {line!r}")
        except TimeoutError as e:
            tap.ok(False, "a wrong password shows Dovecot's reply verbatim", e)
        details = first(window, lambda n: n.name == "Details")
        tap.ok(details is not None and visible(details),
               "the transcript is offered under Details")
        press(window, "Revert")
        tap.ok(keyring_password(db, ACCOUNT) == PASSWORD,
               "the checked wrong password never reached the keyring")

        # A server that accepts and never answers: the check waits on its
        # worker thread while the window goes on answering.
        type_into(window, "Host Name", "127.0.0.1")
        set_number(window, "Port", silent.port)
        press(window, "Check Connection")
        cancel = wait_for("the Cancel Check button", lambda: first(
            window, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON
            and n.name == "Cancel Check" and visible(n)))
        wait_for("the connection to the silent server", lambda: silent.clients)
        check = node(window, pyatspi.ROLE_PUSH_BUTTON, "Check Connection")
        spinner = first(window, lambda n: n.name == "Checking the connection")
        slowest = 0.0
        answers = 0
        end = time.monotonic() + 3
        while time.monotonic() < end:
            start = time.monotonic()
            # Each of these is a round trip to the window's main loop.
            running = (not sensitive(check) and visible(cancel)
                       and spinner is not None and visible(spinner))
            slowest = max(slowest, time.monotonic() - start)
            answers += running
            time.sleep(0.1)
        tap.ok(answers >= 10 and slowest < RESPONSIVE,
               "while the check waits, the window answers and shows the spinner",
               f"{answers} answers, the slowest in {slowest:.3f} s")
        press(window, "Cancel Check")
        try:
            line = wait_message(window, "cancellation", lambda m: m == "The check was cancelled",
                                timeout=10)
            tap.ok(sensitive(node(window, pyatspi.ROLE_PUSH_BUTTON, "Check Connection")),
                   "Cancel Check ends the check at once")
        except TimeoutError as e:
            tap.ok(False, "Cancel Check ends the check at once", e)
        press(window, "Revert")

        # An edit in the window is saved as it is typed.
        type_into(window, "Sender Alias", "Example Support")
        press(window, "Save")
        try:
            wait_for("the saved alias", lambda: (saved() or {}).get("account_info", {})
                     .get("sender_alias") == "Example Support")
            tap.ok(saved()["incoming"]["host"] == dovecot.host,
                   "Save stores the edit, and the reverted host stayed")
        except TimeoutError as e:
            tap.ok(False, "Save stores the edit", e)
        tap.ok(keyring_password(db, ACCOUNT) == PASSWORD,
               "saving without typing a password keeps the keyring's")
    except (TimeoutError, LookupError, RuntimeError) as e:
        tap.ok(False, "the account end to end", e)
    finally:
        if proc is not None:
            stop(proc)
        silent.close()
        dovecot.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
