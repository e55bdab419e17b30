#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write from a ticket and make a ticket from the poll log, in the real
helpdesk-mail, driven and read through AT-SPI only, against the SMTP fixture.

"Write E-Mail" on a ticket opens the compose dialog with the account's Sender
Alias and Sender E-Mail Address; Send delivers the mail to the SMTP server
with that From, the ticket reference in the subject and the thread headers,
and the ticket shows it as an outgoing step. A server that refuses leaves the
dialog open with its reply and no step. "Make Ticket" on a poll log entry
with a kept copy makes one ticket, once. Screenshots of the compose dialog
and of the ticket with its outgoing and bounce steps, light and dark, English
and German, go to HD_SCREENSHOT_DIR.

Run by meson (suite 'ui') inside tests/session.sh. Prints TAP.
"""

import email
import email.policy
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
from hdui import Tap, descendants, find_application, first, stop, wait_for  # noqa: E402

MOD1 = 1 << 3
ALIAS = "Example Support"
SENDER = "support@example.com"

VARIANTS = [
    ("en", "light", {"LANGUAGE": "en", "LC_ALL": "C.UTF-8"},
     ("HelpDesk Mail", "Tickets", "Write E-Mail", "Send", "Out: support@example.com",
      "Undeliverable: MAILER-DAEMON@mx.example.org")),
    ("en", "dark", {"LANGUAGE": "en", "LC_ALL": "C.UTF-8", "ADW_DEBUG_COLOR_SCHEME": "prefer-dark"},
     ("HelpDesk Mail", "Tickets", "Write E-Mail", "Send", "Out: support@example.com",
      "Undeliverable: MAILER-DAEMON@mx.example.org")),
    ("de", "light", {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"},
     ("HelpDesk Mail", "Tickets", "E-Mail schreiben", "Senden", "Aus: support@example.com",
      "Unzustellbar: MAILER-DAEMON@mx.example.org")),
    ("de", "dark", {"LANGUAGE": "de", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8",
                    "ADW_DEBUG_COLOR_SCHEME": "prefer-dark"},
     ("HelpDesk Mail", "Tickets", "E-Mail schreiben", "Senden", "Aus: support@example.com",
      "Unzustellbar: MAILER-DAEMON@mx.example.org")),
]


def ctl(db, *args, stdin=None):
    return subprocess.run([os.environ["HD_CTL"], "--db", db, *args], input=stdin,
                          capture_output=True, text=True, check=True).stdout


def seed(db, smtp_port):
    account = {
        "name": "Support",
        "incoming": {"host": "imap.example.com", "protocol": "imap", "security": "tls"},
        "login": {"username": SENDER},
        "account_info": {"sender_address": SENDER, "sender_alias": ALIAS,
                         "account_address": SENDER},
    }
    ctl(db, "accounts", "add", "-", stdin=json.dumps(account))
    for key, value in (("smtp.host", "127.0.0.1"), ("smtp.port", str(smtp_port)),
                       ("smtp.security", "none")):
        ctl(db, "settings", "set", key, value)
    subprocess.run([os.environ["HD_SEED_VIEWS"], db, "Support"], check=True)


def key(keysym, alt=False):
    if alt:
        pyatspi.Registry.generateKeyboardEvent(MOD1, None, pyatspi.KEY_LOCKMODIFIERS)
    try:
        pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
    finally:
        if alt:
            pyatspi.Registry.generateKeyboardEvent(MOD1, None, pyatspi.KEY_UNLOCKMODIFIERS)


def press_named(root, prefix):
    """Presses the button whose accessible name starts with prefix (GTK 4.8
    appends the label of the button's child to the name it was given)."""
    button = first(root, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON
                   and (n.name or "").startswith(prefix))
    if button is None:
        raise LookupError(f"no button named {prefix!r}…")
    button.queryAction().doAction(0)


def tickets_view(window, title):
    key(ord("2"), alt=True)
    wait_for(f"the {title} view", lambda: all(
        t.getState().contains(pyatspi.STATE_SELECTED)
        for t in descendants(window, lambda n: n.getRole() == pyatspi.ROLE_PAGE_TAB
                             and n.name == title)) or None)
    time.sleep(0.5)


def top_level(app, title):
    """A window of the application by its title (GTK 4.8 gives a modal
    AdwWindow the role of a frame or of a filler)."""
    for i in range(app.childCount):
        child = app.getChildAtIndex(i)
        if child is not None and child.name == title:
            return child
    return None


def open_compose(app, window, title):
    press_named(window, f"{title}: Printer broken")
    return wait_for("the compose dialog", lambda: top_level(app, title))


def set_text(root, name, text, roles=(pyatspi.ROLE_TEXT,)):
    entry = first(root, lambda n: n.name == name and n.getRole() in roles)
    if entry is None:
        raise LookupError(f"no text field named {name!r}")
    if not entry.queryEditableText().setTextContents(text):
        raise RuntimeError(f"{name!r} did not take the text")


def outbox_mails(outbox):
    mails = []
    for name in sorted(os.listdir(outbox)):
        if name.endswith(".eml"):
            with open(os.path.join(outbox, name), "rb") as f:
                mails.append(email.message_from_binary_file(f, policy=email.policy.default))
    return mails


def colours(png):
    out = subprocess.run(["/usr/bin/identify", "-format", "%k", png],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def shoot(path):
    subprocess.run(["/usr/bin/import", "-window", "root", path], check=True)
    return colours(path) > 1


def start(db, extra):
    env = dict(os.environ)
    env.setdefault("GTK_A11Y", "atspi")
    env.update(extra)
    proc = subprocess.Popen([os.environ["HD_HELPDESK_MAIL"], "--db", db], env=env)
    app = wait_for("the application", lambda: find_application(proc.pid))
    window = wait_for("the main window", lambda: first(
        app, lambda n: n.getRole() == pyatspi.ROLE_FRAME and n.name == "HelpDesk Mail"))
    time.sleep(1.0)
    return proc, app, window


def send_and_refuse(tap, db, outbox):
    proc, app, window = start(db, {"LANGUAGE": "en", "LC_ALL": "C.UTF-8"})
    try:
        tickets_view(window, "Tickets")
        ticket = json.loads(ctl(db, "tickets", "list", "--json"))
        carol = next(t for t in ticket if t["subject"] == "Printer broken")
        before = len(json.loads(ctl(db, "tickets", "show", str(carol["id"]), "--json"))["steps"])

        dialog = open_compose(app, window, "Write E-Mail")
        sender = first(dialog, lambda n: n.name == f"{ALIAS} <{SENDER}>")
        tap.ok(sender is not None, "the Sender field shows the Sender Alias and Sender Address",
               [n.name for n in descendants(dialog, lambda n: n.getRole() == pyatspi.ROLE_LABEL)])
        set_text(dialog, "Text", "A technician comes by at three.\n")
        set_text(dialog, "Cc", "boss@example.org")
        press_named(dialog, "Send")
        wait_for("the dialog to close after sending",
                 lambda: top_level(app, "Write E-Mail") is None)
        mails = wait_for("the mail at the SMTP server", lambda: outbox_mails(outbox) or None)
        mail = mails[-1]
        tap.ok(str(mail["From"]) == f"{ALIAS} <{SENDER}>", "From is the Sender Alias <address>",
               mail["From"])
        tap.ok(carol["reference"] in mail["Subject"] and mail["Subject"].startswith("Re: "),
               f"the subject carries the reference: {mail['Subject']}")
        tap.ok(mail["In-Reply-To"] == "<2@example.org>" and mail["To"] == "carol@example.org"
               and mail["Cc"] == "boss@example.org",
               "To, Cc and In-Reply-To are the ticket's", f"{mail['To']} {mail['Cc']} "
               f"{mail['In-Reply-To']}")
        steps = json.loads(ctl(db, "tickets", "show", str(carol["id"]), "--json"))["steps"]
        tap.ok(len(steps) == before + 1 and steps[-1]["direction"] == "out"
               and steps[-1]["message_id"] == mail["Message-ID"],
               "the mail is an outgoing step of the ticket", steps[-1])
        out_row = wait_for("the outgoing step in the ticket", lambda: first(
            window, lambda n: (n.name or "").startswith(f"Out: {SENDER}")))
        tap.ok(out_row is not None, "the ticket view shows the outgoing step")

        # A server that refuses: the dialog stays, with the server's reply.
        dialog = open_compose(app, window, "Write E-Mail")
        set_text(dialog, "To", "refuse-me@example.org")
        set_text(dialog, "Text", "Hello\n")
        press_named(dialog, "Send")
        try:
            reply = wait_for("the server's reply", lambda: first(
                dialog, lambda n: n.getRole() == pyatspi.ROLE_LABEL
                and "550 5.1.1 <refuse-me@example.org>" in (n.name or "")))
            tap.ok(True, f"a refusing server's reply shows: {reply.name!r}")
        except TimeoutError as e:
            tap.ok(False, "a refusing server's reply shows", e)
        steps = json.loads(ctl(db, "tickets", "show", str(carol["id"]), "--json"))["steps"]
        tap.ok(len(steps) == before + 1 and len(outbox_mails(outbox)) == 1,
               "a refused mail leaves no step")
        press_named(dialog, "Cancel")
    finally:
        stop(proc)


def make_ticket(tap, db):
    proc, app, window = start(db, {"LANGUAGE": "en", "LC_ALL": "C.UTF-8"})
    try:
        key(ord("3"), alt=True)
        time.sleep(1.0)
        before = len(json.loads(ctl(db, "tickets", "list", "--json")))
        press_named(window, "Make Ticket: Your newsletter")
        made = wait_for("the entry to name its ticket", lambda: first(
            window, lambda n: (n.name or "").startswith("Made into ticket ")))
        tickets = json.loads(ctl(db, "tickets", "list", "--json"))
        tap.ok(len(tickets) == before + 1 and made.name == f"Made into ticket {tickets[0]['id']}"
               and tickets[0]["subject"] == "Your newsletter",
               f"Make Ticket makes one ticket and the entry names it: {made.name!r}")
        again = first(window, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON
                      and (n.name or "").startswith("Make Ticket: Your newsletter"))
        tap.ok(again is None, "the entry offers Make Ticket no more")
    finally:
        stop(proc)


def shoot_variants(tap, tmp, shots, smtp_port):
    for lang, scheme, extra, (title, tickets, write, send, out, bounce) in VARIANTS:
        db = os.path.join(tmp, f"shots-{lang}-{scheme}.sqlite3")
        seed(db, smtp_port)
        proc = None
        try:
            proc, app, window = start(db, extra)
            tickets_view(window, tickets)
            steps = [first(window, lambda n, p=p: (n.name or "").startswith(p))
                     for p in (out, bounce)]
            ticket_png = os.path.join(shots, f"ticket-steps-{lang}-{scheme}.png")
            ok = all(steps) and shoot(ticket_png)
            dialog = open_compose(app, window, write)
            set_text(dialog, "Text", "Der Techniker kommt um drei." if lang == "de"
                     else "A technician comes by at three.")
            time.sleep(0.5)
            compose_png = os.path.join(shots, f"compose-{lang}-{scheme}.png")
            ok = ok and first(dialog, lambda n: (n.name or "").startswith(send)) is not None
            ok = ok and shoot(compose_png)
            tap.ok(ok, f"{lang} {scheme}: the ticket's out and bounce steps and the compose "
                   f"dialog read and saved as {os.path.basename(ticket_png)}, "
                   f"{os.path.basename(compose_png)}", f"steps found: {steps}")
        except (TimeoutError, LookupError, RuntimeError) as e:
            tap.ok(False, f"{lang} {scheme}: screenshots of the ticket and the compose dialog", e)
        finally:
            if proc is not None:
                stop(proc)


def main():
    tap = Tap()
    print(f"1..{10 + len(VARIANTS)}", flush=True)
    shots = os.environ["HD_SCREENSHOT_DIR"]
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="hd-test-compose-")
    outbox = os.path.join(tmp, "outbox")
    smtp = subprocess.Popen(["/usr/bin/python3",
                             os.path.join(os.environ["HD_TEST_FIXTURES"], "smtp_server.py"),
                             outbox], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(smtp.stdout.readline().strip())
        db = os.path.join(tmp, "helpdesk.sqlite3")
        seed(db, port)
        for part in (send_and_refuse, make_ticket):
            try:
                part(tap, db, outbox) if part is send_and_refuse else part(tap, db)
            except (TimeoutError, LookupError, RuntimeError) as e:
                tap.ok(False, part.__name__, e)
        shoot_variants(tap, tmp, shots, port)
    finally:
        smtp.stdin.close()
        smtp.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
