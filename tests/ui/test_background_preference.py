#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Preferences → "Run in background at login", through AT-SPI, on the host:
switched on, the poller's autostart entry appears in the user's autostart
folder (a copy of the installed one, switched on, started under systemd
sessions too); switched off, it goes again; the switch shows the state it
finds when the window opens; and a failure (the poller not installed) is
shown in the window and the switch stays off.

XDG_CONFIG_HOME and XDG_CONFIG_DIRS point into a temporary folder; the
"installed" entry is the one the build configured. Run by meson (suite 'ui')
inside tests/session.sh. Prints TAP.
"""

import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Atspi", "2.0")
import pyatspi  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hdui import Tap, descendants, find_application, first, stop, wait_for  # noqa: E402

ENTRY = "io.github.helpdeskmail.HelpDeskMail.Poller.desktop"
SWITCH = "Run in background at login"


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


def open_window(db, env):
    proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
    app = wait_for("the application on the accessibility bus", lambda: find_application(proc.pid))
    window = wait_for("the main window", lambda: first(
        app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
    return proc, app, window


def open_preferences(app, window):
    """Main Menu → Preferences, as a screen reader user picks it."""
    menu_button = wait_for("the main menu button", lambda: first(
        window, lambda n: n.name == "Main Menu" and has_action(n)))
    do_action(menu_button)
    item = wait_for("the Preferences menu item", lambda: first(
        app, lambda n: n.name in ("Preferences", "_Preferences") and has_action(n)))
    do_action(item)
    return wait_for("the Preferences window", lambda: first(
        app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "Preferences"))


def switch_of(preferences):
    # GTK 4.8 names the switch by its own label and the row's title.
    return wait_for("the background switch", lambda: first(
        preferences, lambda n: n.name.startswith(SWITCH) and n.getRole() in (
            pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX)))


def checked(accessible):
    return accessible.getState().contains(pyatspi.STATE_CHECKED) or \
        accessible.getState().contains(pyatspi.STATE_PRESSED)


def sensitive(accessible):
    return accessible.getState().contains(pyatspi.STATE_SENSITIVE)


def labels(root):
    return [n.name for n in descendants(root, lambda n: n.getRole() == pyatspi.ROLE_LABEL)]


def read_entry(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def main():
    tap = Tap()
    print("1..8", flush=True)

    tmp = tempfile.mkdtemp(prefix="hd-test-background-")
    db = os.path.join(tmp, "helpdesk.sqlite3")
    system = os.path.join(tmp, "xdg")
    os.makedirs(os.path.join(system, "autostart"))
    shutil.copy(os.environ["HD_POLLER_AUTOSTART"], os.path.join(system, "autostart", ENTRY))
    user_entry = os.path.join(tmp, "config", "autostart", ENTRY)
    env = dict(os.environ)
    env.setdefault("GTK_A11Y", "atspi")
    env.update({"LANGUAGE": "en", "LC_ALL": "C.UTF-8",
                "XDG_CONFIG_HOME": os.path.join(tmp, "config"), "XDG_CONFIG_DIRS": system})
    proc = None
    try:
        proc, app, window = open_window(db, env)
        preferences = open_preferences(app, window)
        switch = switch_of(preferences)
        tap.ok(not checked(switch) and not os.path.exists(user_entry),
               "the switch starts off, with no autostart entry of the user's")

        do_action(switch)
        try:
            wait_for("the user's autostart entry", lambda: os.path.exists(user_entry))
            entry = read_entry(user_entry)
            tap.ok(entry.get("Exec", "").endswith("helpdesk-mail-poller")
                   and entry.get("X-GNOME-Autostart-enabled") == "true"
                   and "X-GNOME-HiddenUnderSystemd" not in entry and "Hidden" not in entry,
                   "switched on, the poller's entry is in the user's autostart folder",
                   dict(entry))
        except TimeoutError as e:
            tap.ok(False, "switched on, the poller's entry is in the user's autostart folder", e)
        wait_for("the switch to settle", lambda: sensitive(switch))
        tap.ok(checked(switch), "the switch shows it on")

        # The state is read back when the window opens again.
        stop(proc)
        proc, app, window = open_window(db, env)
        preferences = open_preferences(app, window)
        switch = switch_of(preferences)
        tap.ok(checked(switch), "a new window finds it on")

        do_action(switch)
        try:
            wait_for("the entry to go", lambda: not os.path.exists(user_entry))
            tap.ok(True, "switched off, the entry is gone")
        except TimeoutError as e:
            tap.ok(False, "switched off, the entry is gone", e)
        wait_for("the switch to settle", lambda: sensitive(switch))
        tap.ok(not checked(switch), "the switch shows it off")

        # Not installed: the error is shown, the switch stays off, nothing is written.
        os.remove(os.path.join(system, "autostart", ENTRY))
        do_action(switch)
        deadline = time.monotonic() + 30
        shown, seen = [], set()
        while time.monotonic() < deadline and not shown:
            seen.update(labels(preferences))
            shown = [text for text in seen
                     if text.startswith("Could not change starting at login: The poller is not "
                                        "installed")]
            time.sleep(0.25)
        tap.ok(bool(shown), "a failure is shown in the window", sorted(seen))
        wait_for("the switch to settle", lambda: sensitive(switch))
        tap.ok(not checked(switch) and not os.path.exists(user_entry),
               "after the failure the switch is off and nothing was written")
    finally:
        if proc is not None:
            stop(proc)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
