"""helpdesk-mailctl check NAME: OK/FAILED lines and exit statuses against a real Dovecot."""

import copy
import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdtest import FIXTURES, CtlTestCase, sample_account  # noqa: E402

DOVECOT = None


def setUpModule():
    global DOVECOT
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(FIXTURES, "dovecot-fixture.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError("the Dovecot fixture did not start")
    DOVECOT = json.loads(line)
    DOVECOT["process"] = proc


def tearDownModule():
    # Closing its stdin stops Dovecot and removes its directory.
    DOVECOT["process"].stdin.close()
    DOVECOT["process"].wait(30)


class Check(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.env = dict(os.environ, HELPDESK_MAIL_CA_FILE=DOVECOT["ca_file"])

    def run_ctl(self, *args, env=None, stdin=None):
        return subprocess.run([os.environ.get("HD_CTL", "helpdesk-mailctl"), "--db", self.db, *args],
                              input=stdin, capture_output=True, text=True, timeout=120,
                              env=env or self.env)

    def add(self, protocol="imap", security="tls", user="ascii", password=None, port=None,
            pin=None, name="Support"):
        account = copy.deepcopy(sample_account())
        account["name"] = name
        port_name = {"tls": protocol + "s"}.get(security, protocol)
        account["incoming"].update(host=DOVECOT["host"], protocol=protocol, security=security,
                                   port=port or DOVECOT["ports"][port_name],
                                   pinned_certificate=pin)
        account["login"]["username"] = DOVECOT["users"][user][0]
        # Two accounts may not share an account address.
        account["account_info"]["account_address"] = f"{name.lower()}@example.com"
        path = self.write(name + ".json", account)
        secret = DOVECOT["users"][user][1] if password is None else password
        proc = self.run_ctl("accounts", "add", path, "--password-stdin", stdin=secret + "\n")
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def assertNoSecret(self, proc, secret):
        self.assertNotIn(secret, proc.stdout)
        self.assertNotIn(secret, proc.stderr)

    def test_ok_every_protocol_and_security(self):
        for protocol in ("imap", "pop3"):
            for security in ("tls", "starttls", "none"):
                with self.subTest(protocol=protocol, security=security):
                    name = f"{protocol}-{security}"
                    self.add(protocol, security, name=name)
                    proc = self.run_ctl("check", name)
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                    self.assertTrue(proc.stdout.startswith("OK: "), proc.stdout)
                    self.assertIn("Dovecot", proc.stdout)
                    self.assertIn("3 messages", proc.stdout)
                    self.assertEqual(len(proc.stdout.splitlines()), 1)
                    self.assertNoSecret(proc, DOVECOT["users"]["ascii"][1])

    def test_wrong_password_is_the_server_reply_verbatim(self):
        expected = {"imap": "FAILED: NO [AUTHENTICATIONFAILED] Authentication failed.\n",
                    "pop3": "FAILED: -ERR [AUTH] Authentication failed.\n"}
        for protocol in ("imap", "pop3"):
            with self.subTest(protocol=protocol):
                self.add(protocol, "tls", password="Wrong-Pässword-1", name=protocol)
                proc = self.run_ctl("check", protocol)
                self.assertEqual(proc.returncode, 1)
                self.assertEqual(proc.stdout, expected[protocol])
                self.assertNoSecret(proc, "Wrong-Pässword-1")

    def test_transcript_is_redacted(self):
        self.add("imap", "starttls", user="utf8")
        proc = self.run_ctl("check", "Support", "--transcript")
        self.assertEqual(proc.returncode, 0, proc.stdout)
        lines = proc.stdout.splitlines()
        self.assertTrue(lines[0].startswith("OK: "))
        self.assertIn("C: A002 STARTTLS", lines)
        self.assertTrue(any(l.endswith(" AUTHENTICATE PLAIN [redacted]") for l in lines), lines)
        self.assertNoSecret(proc, DOVECOT["users"]["utf8"][1])

    def test_untrusted_certificate_names_the_pin_then_pinned_works(self):
        env = dict(os.environ)
        env.pop("HELPDESK_MAIL_CA_FILE", None)
        self.add("pop3", "tls")
        proc = self.run_ctl("check", "Support", env=env)
        self.assertEqual(proc.returncode, 1)
        self.assertTrue(proc.stdout.startswith("FAILED: TLS certificate not trusted"), proc.stdout)
        self.assertIn(DOVECOT["pin"], proc.stdout)

        self.add("pop3", "tls", pin=DOVECOT["pin"], name="Pinned")
        proc = self.run_ctl("check", "Pinned", env=env)
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_silent_server_times_out_within_the_timeout(self):
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            self.add("imap", "none", port=silent.getsockname()[1])
            start = time.monotonic()
            proc = self.run_ctl("check", "Support", "--timeout", "2")
            elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 1)
        self.assertTrue(proc.stdout.startswith("FAILED: Timed out"), proc.stdout)
        self.assertLess(elapsed, 6)

    def test_refused(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.add("pop3", "none", port=port)
        proc = self.run_ctl("check", "Support")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, f"FAILED: Connection refused by 127.0.0.1 port {port}\n")

    def test_unknown_account_and_bad_usage(self):
        proc = self.run_ctl("check", "Nobody")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("Nobody", proc.stderr)
        self.assertEqual(self.run_ctl("check").returncode, 2)
        self.add()
        self.assertEqual(self.run_ctl("check", "Support", "--timeout", "zero").returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
