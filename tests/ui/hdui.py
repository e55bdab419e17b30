# SPDX-License-Identifier: GPL-3.0-or-later
"""What the tests of the real window share: TAP output, and finding and
pressing things through AT-SPI as assistive technology does.

Imported by the scripts in tests/ui, which run with /usr/bin/python3 (it has
Debian's python3-pyatspi) inside tests/session.sh."""

import subprocess
import time

import gi

gi.require_version("Atspi", "2.0")
import pyatspi  # noqa: E402

TIMEOUT = 30


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = False

    def ok(self, passed, description, diagnostics=""):
        self.count += 1
        if not passed:
            self.failed = True
        print(f"{'ok' if passed else 'not ok'} {self.count} - {description}", flush=True)
        if diagnostics and not passed:
            for line in str(diagnostics).splitlines():
                print(f"# {line}", flush=True)
        return passed


def find_application(pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def descendants(accessible, predicate):
    found = []

    def walk(node, depth):
        if node is None or depth > 60:
            return
        try:
            if predicate(node):
                found.append(node)
            children = [node.getChildAtIndex(i) for i in range(node.childCount)]
        except Exception:  # a node that went away while walking
            return
        for child in children:
            walk(child, depth + 1)

    walk(accessible, 0)
    return found


def first(accessible, predicate):
    found = descendants(accessible, predicate)
    return found[0] if found else None


def press(accessible, name):
    button = first(accessible, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == name)
    if button is None:
        raise LookupError(f"no button named {name!r}")
    action = button.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    action.doAction(0)


def showing(node):
    return node.getState().contains(pyatspi.STATE_SHOWING)


def wait_for(what, function):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = function()
        if result:
            return result
        time.sleep(0.25)
    raise TimeoutError(f"timed out waiting for {what}")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
