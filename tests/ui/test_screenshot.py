#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Starts the real helpdesk-mail on a database with accounts, reads the window
through AT-SPI as assistive technology does, and saves a screenshot.

Run by meson (suite 'ui') inside tests/session.sh, with /usr/bin/python3,
which has Debian's python3-pyatspi. Prints TAP.
"""

import json
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
from hdui import Tap, descendants, find_application, first, press, showing, stop, wait_for  # noqa: E402,E501

ACCOUNTS = [
    ("Support", "imap", "imap.example.com", True),
    ("Billing", "pop3", "pop.example.org", False),
]
# The X modifier mask of Alt.
MOD1 = 1 << 3


def seed(db):
    """Adds the accounts the way an admin's script would."""
    for name, protocol, host, enabled in ACCOUNTS:
        account = {
            "name": name,
            "enabled": enabled,
            "incoming": {"host": host, "protocol": protocol, "security": "tls"},
            "login": {"username": "helpdesk@example.com"},
        }
        subprocess.run([os.environ["HD_CTL"], "--db", db, "accounts", "add", "-"],
                       input=json.dumps(account), text=True, check=True,
                       stdout=subprocess.DEVNULL)


def press_view(window, key, title):
    """Switches to another view as a keyboard user does: Alt and the view's
    number (GTK 4.8 reports no screen coordinates under X for a pointer to
    aim at). Waits until the view switcher's tab called title is selected;
    GTK 4.8 does not keep the showing state of the page's rows up to date."""
    # Alt is Mod1 under X; it is held by locking it around the key.
    pyatspi.Registry.generateKeyboardEvent(MOD1, None, pyatspi.KEY_LOCKMODIFIERS)
    try:
        pyatspi.Registry.generateKeyboardEvent(ord(key), None, pyatspi.KEY_SYM)
    finally:
        pyatspi.Registry.generateKeyboardEvent(MOD1, None, pyatspi.KEY_UNLOCKMODIFIERS)

    def selected():
        tabs = descendants(window, lambda n: n.getRole() == pyatspi.ROLE_PAGE_TAB
                           and n.name == title)
        return tabs and all(t.getState().contains(pyatspi.STATE_SELECTED) for t in tabs)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if selected():
            return
        time.sleep(0.25)
    raise LookupError(f"Alt+{key} does not select the view {title!r}")


# The seed's names of the options, as the editor must read in each language.
SEED_WORDS = {
    "en": ["Emails Do Not Create New Tickets",
           "Create a New User From the Local Part if Unknown",
           "Use the Domain for a New Location/Customer", "Ticket User if Unknown",
           "Auto-Bundle Tickets", "Template for Auto-Answer", "New Ticket for Resource",
           "Category of the New Ticket", "Priority of the New Ticket",
           "Check Connection to E-Mail Server", "Prevent Text-Only Login"],
    "de": ["E-Mails erzeugen keine neuen Tickets",
           "Neuen Benutzer aus dem lokalen Teil anlegen, falls unbekannt",
           "Domäne für einen neuen Standort/Kunden verwenden", "Ticket-Benutzer, falls unbekannt",
           "Tickets automatisch bündeln", "Vorlage für die automatische Antwort",
           "Neues Ticket für Ressource", "Kategorie des neuen Tickets",
           "Priorität des neuen Tickets", "Verbindung zum E-Mail-Server prüfen",
           "Klartext-Anmeldung verhindern"],
}


def check_seed_words(tap, window, lang, scheme):
    """Reads the option titles of the editor as a screen reader does."""
    names = {n.name for n in descendants(window, lambda n: bool(n.name))}
    missing = [w for w in SEED_WORDS[lang] if w not in names]
    tap.ok(not missing, f"{lang} {scheme}: the editor names the options in the seed's words",
           f"missing {missing}")


# The views as a German or English admin sees them, light and dark.
VARIANTS = [
    ("en", "light", {"LANGUAGE": "en", "LC_ALL": "C.UTF-8"},
     ("HelpDesk Mail", "Tickets", "Poll Log", "Printer broken", "Your newsletter")),
    ("en", "dark", {"LANGUAGE": "en", "LC_ALL": "C.UTF-8", "ADW_DEBUG_COLOR_SCHEME": "prefer-dark"},
     ("HelpDesk Mail", "Tickets", "Poll Log", "Printer broken", "Your newsletter")),
    ("de", "light", {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"},
     ("HelpDesk Mail", "Tickets", "Abrufprotokoll", "Printer broken", "Your newsletter")),
    ("de", "dark", {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8",
                    "ADW_DEBUG_COLOR_SCHEME": "prefer-dark"},
     ("HelpDesk Mail", "Tickets", "Abrufprotokoll", "Printer broken", "Your newsletter")),
]

# The accessible name of the button that saves the seeded step's attachment.
SAVE_BUTTON = {"en": "Save “last-page.pdf”…", "de": "„last-page.pdf“ speichern …"}


def shoot_variants(tap, tmp, shots):
    dbs = {}
    for lang, scheme, extra, (title, tickets, log, subject, skipped) in VARIANTS:
        env = dict(os.environ)
        env.setdefault("GTK_A11Y", "atspi")
        env.update(extra)
        if lang not in dbs:
            # A database per language: the poll log keeps the reasons in
            # the words of the poller that wrote them.
            db = dbs[lang] = os.path.join(tmp, f"views-{lang}.sqlite3")
            seed(db)
            subprocess.run([os.environ["HD_SEED_VIEWS"], db, "Support"], env=env, check=True)
        db = dbs[lang]
        proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
        try:
            app = wait_for("the application", lambda: find_application(proc.pid))
            window = wait_for("the main window", lambda: first(
                app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == title
                and showing(n)))
            time.sleep(1.0)
            check_seed_words(tap, window, lang, scheme)
            names = {}
            for page, key, view, expect in (("editor", None, None, None),
                                            ("tickets", "2", tickets, subject),
                                            ("poll-log", "3", log, skipped)):
                if key is not None:
                    press_view(window, key, view)
                    if not first(window, lambda n: n.name == expect):
                        raise LookupError(f"the {page} view has no {expect!r}")
                if page == "tickets":
                    save = first(window, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON
                                 and n.name == SAVE_BUTTON[lang])
                    tap.ok(save is not None,
                           f"{lang} {scheme}: the attachment has a button "
                           f"{SAVE_BUTTON[lang]!r}")
                    # Let the crossfade finish before the picture.
                    time.sleep(0.5)
                png = os.path.join(shots, f"{page}-{lang}-{scheme}.png")
                subprocess.run(["/usr/bin/import", "-window", "root", png], check=True)
                names[page] = png
            tap.ok(all(colours(p) > 1 for p in names.values()),
                   f"{lang} {scheme}: the editor, tickets and poll log are saved as "
                   + ", ".join(os.path.basename(p) for p in names.values()))
        except (TimeoutError, LookupError) as e:
            tap.ok(False, f"{lang} {scheme}: screenshots of the views", e)
        finally:
            stop(proc)


def colours(png):
    out = subprocess.run(["/usr/bin/identify", "-format", "%k", png],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def main():
    tap = Tap()
    print(f"1..{9 + 3 * len(VARIANTS)}", flush=True)

    shots = os.environ["HD_SCREENSHOT_DIR"]
    os.makedirs(shots, exist_ok=True)
    png = os.path.join(shots, "main-window.png")
    if os.path.exists(png):
        os.unlink(png)

    tmp = tempfile.mkdtemp(prefix="hd-test-screenshot-")
    db = os.path.join(tmp, "helpdesk.sqlite3")
    seed(db)

    env = dict(os.environ)
    env.setdefault("GTK_A11Y", "atspi")
    env["LC_ALL"] = "C.UTF-8"
    env["LANGUAGE"] = "en"
    proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
    try:
        try:
            app = wait_for("the application on the accessibility bus",
                           lambda: find_application(proc.pid))
            tap.ok(True, "the application is on the accessibility bus")
        except TimeoutError as e:
            tap.ok(False, "the application is on the accessibility bus", e)
            return 1

        def frame():
            frames = descendants(app, lambda n: n.getRole() == pyatspi.ROLE_FRAME
                                 and n.name == "HelpDesk Mail" and showing(n))
            return frames[0] if frames else None

        try:
            window = wait_for("the main window", frame)
            tap.ok(True, "the main window is showing")
        except TimeoutError as e:
            tap.ok(False, "the main window is showing", e)
            return 1

        def account_items():
            names = {name for name, _, _, _ in ACCOUNTS}
            items = descendants(window, lambda n: n.getRole() == pyatspi.ROLE_LIST_ITEM
                                and n.name in names)
            return items if len(items) == len(ACCOUNTS) else None

        try:
            items = wait_for("the account rows", account_items)
            tap.ok(sorted(i.name for i in items) == sorted(a[0] for a in ACCOUNTS),
                   "every account is a list item named after it",
                   [i.name for i in items])
        except TimeoutError as e:
            tap.ok(False, "every account is a list item named after it", e)
            return 1

        # GTK 4.8 exposes GtkSwitch as a check box; later versions as a switch.
        switches = descendants(window, lambda n: n.getRoleName() in ("check box", "switch",
                                                                      "toggle button"))
        states = {s.name: s.getState().contains(pyatspi.STATE_CHECKED) for s in switches
                  if s.name.startswith("Read “")}
        expected = {f"Read “{name}”": enabled for name, _, _, enabled in ACCOUNTS}
        tap.ok(states == expected, "each account's switch is labelled and shows its state",
               f"got {states}, expected {expected}")

        buttons = {b.name for b in descendants(window,
                                               lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON)}
        wanted = {"Add Account", "Main Menu", "Duplicate", "Remove…", "Save", "Revert",
                  "Check Connection"}
        tap.ok(wanted <= buttons, "the icon buttons have accessible names",
               f"missing {wanted - buttons}")

        # Let the crossfade and the first frames finish before the picture.
        time.sleep(1.0)
        subprocess.run(["/usr/bin/import", "-window", "root", png], check=True)
        tap.ok(os.path.getsize(png) > 0, f"the screenshot is saved as {png}")
        n = colours(png)
        tap.ok(n > 1, "the screenshot is not blank", f"{n} colour(s)")

        # The dialog, as a keyboard or screen reader user reaches it: press
        # "Add Account". Nothing is red before a field was touched, and Add
        # waits for a valid account.
        press(window, "Add Account")
        try:
            dialog = wait_for("the Add Account dialog", lambda: first(
                app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "Add Account"))
        except TimeoutError as e:
            tap.ok(False, "the Add Account dialog opens", e)
            return 1
        time.sleep(0.5)
        add = first(dialog, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == "Add")
        red = first(dialog, lambda n: n.getRole() == pyatspi.ROLE_LABEL
                    and "needs a name" in (n.name or "") and showing(n))
        tap.ok(add is not None and not add.getState().contains(pyatspi.STATE_SENSITIVE)
               and red is None,
               "the new dialog shows no error and Add is insensitive",
               f"Add: {add and add.getState().getStates()}, error: {red and red.name}")
        time.sleep(0.5)
        dialog_png = os.path.join(shots, "add-account-dialog.png")
        subprocess.run(["/usr/bin/import", "-window", "root", dialog_png], check=True)
        n = colours(dialog_png)
        tap.ok(n > 1, f"the dialog screenshot is saved as {dialog_png}", f"{n} colour(s)")
    finally:
        stop(proc)

    try:
        shoot_variants(tap, tmp, shots)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
