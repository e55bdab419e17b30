#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A Save while another process holds the database's write lock, as the
poller does while it writes a batch: the real helpdesk-mail, driven and read
through AT-SPI only. The save waits in its worker thread, and meanwhile the
window answers every AT-SPI question at once and says it is saving; once the
lock is released, the change lands and the window says it is saved.

What was saved is read back with helpdesk-mailctl. Run by meson (suite 'ui')
inside tests/session.sh. Prints TAP.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Atspi", "2.0")
import pyatspi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hdui import Tap, find_application, first, press, stop, wait_for  # noqa: E402

ACCOUNT = "Support"
ALIAS = "Example Support While Locked"
# How long an answer from the window may take while the save waits; the
# window answers at once when its main loop is free. The save itself waits
# up to 30 s in SQLite's busy handler, far longer than this.
RESPONSIVE = 0.5
LOCK_SECONDS = 4

ACCOUNT_JSON = {
    "name": ACCOUNT,
    "enabled": False,
    "incoming": {"host": "imap.example.com", "port": 993, "protocol": "imap",
                 "security": "tls"},
    "login": {"username": "support@example.com"},
    "account_info": {"sender_address": "support@example.com"},
}


def ctl(db, *args, stdin=None):
    return subprocess.run([os.environ["HD_CTL"], "--db", db, *args], input=stdin,
                          capture_output=True, text=True, check=True).stdout


def stored_alias(db):
    account = json.loads(ctl(db, "accounts", "show", ACCOUNT, "--json"))
    return account["account_info"].get("sender_alias")


def sensitive(accessible):
    return accessible.getState().contains(pyatspi.STATE_SENSITIVE)


def visible(accessible):
    return accessible.getState().contains(pyatspi.STATE_VISIBLE)


def button(root, name):
    found = first(root, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == name)
    if found is None:
        raise LookupError(f"no button named {name!r}")
    return found


def saving_label(root):
    return first(root, lambda n: n.getRole() == pyatspi.ROLE_LABEL and n.name == "Saving…")


def type_into(root, name, text):
    entry = first(root, lambda n: n.name == name and n.getRole() == pyatspi.ROLE_TEXT)
    if entry is None:
        raise LookupError(f"no entry named {name!r}")
    if not entry.queryEditableText().setTextContents(text):
        raise RuntimeError(f"{name!r} did not take the text")


def main():
    tap = Tap()
    print("1..5", flush=True)

    tmp = tempfile.mkdtemp(prefix="hd-test-locked-")
    db = os.path.join(tmp, "helpdesk.sqlite3")
    proc = None
    lock = None
    try:
        ctl(db, "accounts", "add", "-", stdin=json.dumps(ACCOUNT_JSON))

        env = dict(os.environ)
        env.setdefault("GTK_A11Y", "atspi")
        env.update({"LANGUAGE": "en", "LC_ALL": "C.UTF-8"})
        proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
        app = wait_for("the application on the accessibility bus",
                       lambda: find_application(proc.pid))
        window = wait_for("the main window", lambda: first(
            app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
        wait_for("the account in the list", lambda: first(
            window, lambda n: n.getRole() == pyatspi.ROLE_LIST_ITEM and n.name == ACCOUNT))

        # Another process takes the write lock, as a poll's batch does.
        lock = sqlite3.connect(db, isolation_level=None, timeout=60)
        lock.execute("BEGIN IMMEDIATE")

        type_into(window, "Sender Alias", ALIAS)
        save = wait_for("Save to be enabled by the edit",
                        lambda: (lambda b: b if sensitive(b) else None)(button(window, "Save")))
        press(window, "Save")

        label = wait_for("the window to say it is saving", lambda: (
            lambda n: n if n is not None and visible(n) else None)(saving_label(window)))
        slowest = 0.0
        answers = 0
        end = time.monotonic() + LOCK_SECONDS
        while time.monotonic() < end:
            start = time.monotonic()
            # Each of these is a round trip to the window's main loop.
            waiting = not sensitive(save) and visible(label)
            slowest = max(slowest, time.monotonic() - start)
            answers += waiting
            time.sleep(0.1)
        print(f"# {answers} answers while locked, the slowest in {slowest:.3f} s", flush=True)
        tap.ok(answers >= 10 and slowest < RESPONSIVE,
               "while the lock is held, the window answers, Save is off and it says Saving…",
               f"{answers} answers, the slowest in {slowest:.3f} s")
        tap.ok(stored_alias(db) != ALIAS, "nothing is saved while the lock is held",
               f"the store has {stored_alias(db)!r}")

        lock.rollback()
        lock.close()
        lock = None
        # The toast shows for a few seconds from the moment the save lands:
        # it is looked for from the release on, beside the stored change.
        toast_seen = []

        def landed():
            if not toast_seen and first(window, lambda n: n.name == f"Saved “{ACCOUNT}”"):
                toast_seen.append(True)
            return stored_alias(db) == ALIAS
        try:
            wait_for("the saved alias", landed)
            tap.ok(True, "once the lock is released, the change lands")
        except TimeoutError as e:
            tap.ok(False, "once the lock is released, the change lands", e)
        try:
            wait_for("the toast", lambda: landed() and bool(toast_seen))
        except TimeoutError:
            pass
        try:
            wait_for("Saving… to go", lambda: saving_label(window) is None
                     or not visible(saving_label(window)))
            tap.ok(True, "the window no longer says Saving…")
        except TimeoutError as e:
            tap.ok(False, "the window no longer says Saving…", e)
        tap.ok(not sensitive(button(window, "Save")) and bool(toast_seen),
               "Save is off again, and the window says it saved",
               f"toast found: {bool(toast_seen)}")
    except (TimeoutError, LookupError, RuntimeError, subprocess.CalledProcessError) as e:
        tap.ok(False, "a save under another process's write lock", e)
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
