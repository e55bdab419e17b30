"""A locked keyring during a poll, against the Dovecot fixture.

Locking the test session's login collection reaches every test that uses the
keyring at that moment, so this file runs alone (is_parallel: false in
meson.build): a test that stored a password a moment before would otherwise
find its keyring locked under it.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CTL, CtlTestCase  # noqa: E402

DOVECOT = None
USER = "locked0"


def setUpModule():
    global DOVECOT
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({USER: "pw-" + USER})


def tearDownModule():
    DOVECOT.stop()


def set_keyring_locked(locked):
    """Locks the login collection over the Secret Service API, or unlocks it
    again with gnome-keyring's own call and the test session's password."""
    import dbus
    bus = dbus.SessionBus()
    collection = "/org/freedesktop/secrets/collection/login"
    service = dbus.Interface(bus.get_object("org.freedesktop.secrets", "/org/freedesktop/secrets"),
                             "org.freedesktop.Secret.Service")
    if locked:
        service.Lock([dbus.ObjectPath(collection)])
        return
    _, session = service.OpenSession("plain", dbus.String("", variant_level=1))
    internal = dbus.Interface(bus.get_object("org.freedesktop.secrets", "/org/freedesktop/secrets"),
                              "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
    internal.UnlockWithMasterPassword(
        dbus.ObjectPath(collection),
        dbus.Struct((session, dbus.ByteArray(b""), dbus.ByteArray(b"helpdesk-test"),
                     "text/plain")))


class KeyringLocked(CtlTestCase):
    def test_keyring_locked(self):
        """A locked keyring fails the poll at once (no unlock prompt that nobody
        answers) and touches no mail; unlocked again, the next poll imports
        every mail exactly once."""
        account = DOVECOT.account("Support", USER, "imap")
        self.ctl("accounts", "add", self.write("a.json", account), "--password-stdin",
                 stdin="pw-" + USER, check=0)
        delivered = [f"<req.{30000 + n}@example.org>" for n in range(5)]
        for n in range(5):
            DOVECOT.deliver(USER, mail(30000 + n))
        set_keyring_locked(True)
        try:
            proc = subprocess.run([CTL, "--db", self.db, "poll"], capture_output=True,
                                  text=True, timeout=60)
        finally:
            set_keyring_locked(False)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("locked", proc.stderr)
        self.assertNotIn("pw-" + USER, proc.stdout + proc.stderr)
        self.assertEqual(DOVECOT.count(USER), 5)
        self.ctl("poll", check=0)
        steps = [s["message_id"] for t in self.ctl_json("tickets", "list", "--json")
                 for s in self.ctl_json("tickets", "show", str(t["id"]), "--json")["steps"]]
        self.assertEqual(sorted(steps), sorted(delivered))
        self.assertEqual(DOVECOT.count(USER), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
