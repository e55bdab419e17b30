"""OAuth end to end: the test authorization server (tests/fixtures/oauth_server.py)
on loopback, headless Chromium following the URL that `oauth authorize
--print-url` prints, and Dovecot's oauth2 passdb asking that server about every
token, so each login at the end is a real XOAUTH2 / OAUTHBEARER login."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdmail import Dovecot, mail  # noqa: E402
from hdtest import CTL, CtlTestCase, keyring_lookup  # noqa: E402
from oauth_server import EXPIRED_SECRET, REVOKED, OAuthServer  # noqa: E402

SERVER = None
DOVECOT = None
USERS = [f"oauth{i}" for i in range(30)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def setUpModule():
    global SERVER, DOVECOT
    SERVER = OAuthServer()
    os.environ["HD_OAUTH_INTROSPECTION_URL"] = SERVER.url + "/introspect"
    DOVECOT = Dovecot()
    os.environ["HELPDESK_MAIL_CA_FILE"] = DOVECOT.ca_file
    DOVECOT.add_users({user: "pw-" + user for user in USERS})


def tearDownModule():
    DOVECOT.stop()
    SERVER.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class OAuthTestCase(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.user = USERS.pop()
        SERVER.user = SERVER.app_user = self.user
        SERVER.deny = False
        SERVER.rotate = True
        SERVER.access_ttl = 3600
        SERVER.secret_expired = False
        SERVER.clients = {SERVER.client_id: None}
        self.outputs = []

    def ctl(self, *args, **kw):
        proc = super().ctl(*args, **kw)
        self.outputs += [proc.stdout, proc.stderr]
        return proc

    def add_connection(self, grant="authorization_code", sasl="XOAUTH2", secret=None):
        conn = SERVER.connection(grant=grant, sasl=sasl)
        path = self.write("conn.json", conn)
        if secret is not None:
            SERVER.clients[SERVER.client_id] = secret
            self.ctl("oauth", "add", path, "--client-secret-stdin", stdin=secret, check=0)
        else:
            self.ctl("oauth", "add", path, check=0)
        return conn["name"]

    def add_account(self, name="Desk", user=None, connection="Test IdP"):
        account = DOVECOT.account(name, user or self.user)
        account["oauth_connection"] = connection
        self.ctl("accounts", "add", self.write(name + ".json", account), check=0)

    def start_authorize(self, name="Desk", *flags):
        proc = subprocess.Popen([CTL, "--db", self.db, "oauth", "authorize", name, *flags,
                                 "--timeout", "120"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        first = proc.stdout.readline().strip()
        return proc, first

    def finish(self, proc):
        out, err = proc.communicate(timeout=120)
        self.outputs += [out, err]
        return proc.returncode, out, err

    def chromium(self, url):
        """Headless Chromium follows the URL; the server consents at once and
        redirects to the loopback listener of helpdesk-mailctl."""
        profile = tempfile.mkdtemp(prefix="hd-chromium-")
        try:
            proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                                   "--disable-quic", "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync",
                                   f"--user-data-dir={profile}", "--dump-dom", url],
                                  capture_output=True, text=True, timeout=120)
            return proc.stdout
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def sign_in_browser(self, name="Desk"):
        proc, url = self.start_authorize(name, "--print-url")
        self.assertTrue(url.startswith(SERVER.url + "/authorize?"), url)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertGreaterEqual(len(query["state"]), 20)
        dom = self.chromium(url)
        rc, out, err = self.finish(proc)
        return rc, out, err, dom

    def deliver(self, n, user=None):
        DOVECOT.deliver(user or self.user, mail(n, subject=f"OAuth request {n}"))

    def health(self, name="Desk"):
        shown = self.ctl_json("accounts", "show", name, "--json")
        if "health" in shown:
            return shown["health"]
        # Until `accounts show --json` prints the health (another branch adds
        # it), read the row it will print from.
        con = sqlite3.connect(self.db)
        try:
            row = con.execute("SELECT h.state, h.message FROM account_health h JOIN accounts a"
                              " ON a.id = h.account_id WHERE a.name = ?", (name,)).fetchone()
        finally:
            con.close()
        return {"state": row[0], "message": row[1]} if row else {"state": "never-polled"}

    def subjects(self):
        return sorted(t["subject"] for t in self.ctl_json("tickets", "list", "--json"))

    def keyring_tokens(self, name="Desk"):
        text = keyring_lookup(self.db, "oauth-refresh-token", name)
        return json.loads(text) if text else None

    def assert_no_token_leaked(self):
        secrets_seen = SERVER.issued_access + SERVER.issued_refresh
        secrets_seen += [s for s in SERVER.clients.values() if s]
        data = self.db_files_bytes()
        text = "\n".join(self.outputs)
        for secret in secrets_seen:
            self.assertNotIn(secret.encode(), data)
            self.assertNotIn(secret, text)


class SignIn(OAuthTestCase):
    def test_browser_sign_in_to_ticket_and_no_token_at_rest(self):
        self.add_connection()
        self.add_account()
        self.deliver(1)
        rc, out, err, dom = self.sign_in_browser()
        self.assertEqual(rc, 0, err)
        self.assertIn("You can close this tab", dom)
        self.assertIn("signed in", out)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(self.subjects(), ["OAuth request 1"])
        self.assertEqual(self.health()["state"], "ok")
        check = self.ctl("check", "Desk", "--transcript", check=0)
        self.assertTrue(check.stdout.startswith("OK:"), check.stdout)
        self.assertIn("XOAUTH2", check.stdout)
        self.ctl("log", "Desk", "--json", check=0)
        self.assert_no_token_leaked()

    def test_device_code_sign_in_with_oauthbearer_to_ticket(self):
        self.add_connection(sasl="OAUTHBEARER")
        self.add_account()
        self.deliver(2)
        proc, first = self.start_authorize("Desk", "--device")
        uri, code = first.split(" ")
        self.assertEqual(uri, SERVER.url + "/device")
        time.sleep(2.5)  # authorization_pending, at least twice
        self.assertIsNone(proc.poll())
        urllib.request.urlopen(f"{uri}?user_code={code}").read()
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(self.subjects(), ["OAuth request 2"])
        check = self.ctl("check", "Desk", "--transcript", check=0)
        self.assertIn("OAUTHBEARER", check.stdout)
        self.assert_no_token_leaked()

    def test_app_only_client_credentials_to_ticket(self):
        self.add_connection(grant="client_credentials", secret="app-secret-" + self.user)
        self.add_account()
        self.deliver(3)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(self.subjects(), ["OAuth request 3"])
        self.assertNotIn("refresh_token", self.keyring_tokens())
        # A new access token whenever one is needed: here, when it is refused.
        before = SERVER.grants.count("client_credentials")
        SERVER.expire_access_tokens()
        self.deliver(4)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(SERVER.grants.count("client_credentials"), before + 1)
        self.assertEqual(len(self.subjects()), 2)
        self.assert_no_token_leaked()

    def test_state_mismatch_and_wrong_verifier_refused(self):
        self.add_connection()
        self.add_account()
        proc, url = self.start_authorize("Desk", "--print-url")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        forged = query["redirect_uri"] + "?code=forged&state=not-our-state"
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(forged)
        self.assertEqual(cm.exception.code, 400)
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 1)
        self.assertIn("state", err)
        self.assertIsNone(self.keyring_tokens())

        # The server checks the PKCE verifier: a code with another one is refused.
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(url)
        except urllib.error.HTTPError as e:
            location = e.headers["Location"]
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
        form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                       "redirect_uri": query["redirect_uri"],
                                       "client_id": SERVER.client_id,
                                       "code_verifier": "x" * 43}).encode()
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(SERVER.url + "/token", data=form)
        answer = json.loads(cm.exception.read())
        self.assertEqual(answer["error"], "invalid_grant")
        self.assertIn("verifier", answer["error_description"])

    def test_access_denied_shown(self):
        self.add_connection()
        self.add_account()
        SERVER.deny = True
        rc, out, err, dom = self.sign_in_browser()
        self.assertEqual(rc, 1)
        self.assertIn("access_denied: The user declined the consent.", err)
        self.assertIn("refused", dom)


class Refresh(OAuthTestCase):
    def sign_in_device(self):
        proc, first = self.start_authorize("Desk", "--device")
        uri, code = first.split(" ")
        urllib.request.urlopen(f"{uri}?user_code={code}").read()
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err)

    def setUp(self):
        super().setUp()
        self.add_connection()
        self.add_account()

    def test_expired_access_token_refreshed_silently(self):
        SERVER.access_ttl = 61  # less than a minute left after a second
        self.sign_in_device()
        time.sleep(1.5)
        refreshes = SERVER.grants.count("refresh_token")
        self.deliver(1)
        poll = self.ctl("poll", "Desk", check=0)
        self.assertEqual(SERVER.grants.count("refresh_token"), refreshes + 1)
        self.assertNotIn("token", poll.stderr.lower())
        # A token the server forgot early: the refused login is retried once.
        SERVER.access_ttl = 3600
        self.sign_in_device()
        SERVER.expire_access_tokens()
        self.deliver(2)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(len(self.subjects()), 2)
        self.assertEqual(self.health()["state"], "ok")
        self.assert_no_token_leaked()

    def test_rotated_refresh_token_kept_across_three_refreshes(self):
        self.sign_in_device()
        for n in range(3):
            SERVER.expire_access_tokens()
            self.deliver(n)
            self.ctl("poll", "Desk", check=0)
            self.assertEqual(self.keyring_tokens()["refresh_token"], SERVER.issued_refresh[-1])
        self.assertEqual(len(self.subjects()), 3)
        # No rotation: the old refresh token stays.
        SERVER.rotate = False
        kept = self.keyring_tokens()["refresh_token"]
        SERVER.expire_access_tokens()
        self.ctl("check", "Desk", check=0)
        self.assertEqual(self.keyring_tokens()["refresh_token"], kept)

    def test_two_processes_refreshing_at_once_keep_a_working_token(self):
        SERVER.access_ttl = 61
        self.sign_in_device()
        time.sleep(1.5)
        SERVER.access_ttl = 3600
        refreshes = SERVER.grants.count("refresh_token")
        procs = [subprocess.Popen([CTL, "--db", self.db, "check", "Desk"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.outputs += [out, err]
            self.assertEqual(proc.returncode, 0, out + err)
        # One refresh: the second process found the first one's token.
        self.assertEqual(SERVER.grants.count("refresh_token"), refreshes + 1)
        self.deliver(1)
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(len(self.subjects()), 1)
        self.assert_no_token_leaked()

    def test_revoked_token_sign_in_required_while_other_account_polls(self):
        other = USERS.pop()
        self.ctl("accounts", "add", self.write("other.json", DOVECOT.account("Other", other)),
                 "--password-stdin", stdin="pw-" + other, check=0)
        self.sign_in_device()
        SERVER.revoke(self.user)
        self.deliver(1)
        DOVECOT.deliver(other, mail(9, subject="Password account"))
        poll = self.ctl("poll", check=1)
        health = self.health()
        self.assertEqual(health["state"], "sign-in-required", health)
        self.assertIn("invalid_grant: " + REVOKED, health["message"])
        self.assertEqual(self.subjects(), ["Password account"])
        self.assertEqual(self.health("Other")["state"], "ok")
        check = self.ctl("check", "Desk", check=1)
        self.assertIn("FAILED:", check.stdout)
        self.assertIn(REVOKED, check.stdout)
        self.assertIn("Desk", poll.stdout + poll.stderr)
        # Signing in again clears the state, and mail flows again.
        self.sign_in_device()
        self.assertNotEqual(self.health()["state"], "sign-in-required")
        self.ctl("poll", "Desk", check=0)
        self.assertEqual(len(self.subjects()), 2)


class AppOnly(OAuthTestCase):
    def test_expired_client_secret_says_so(self):
        self.add_connection(grant="client_credentials", secret="old-secret")
        self.add_account()
        SERVER.secret_expired = True
        self.ctl("poll", "Desk", check=1)
        health = self.health()
        self.assertEqual(health["state"], "sign-in-required")
        self.assertIn("invalid_client: AADSTS7000222", health["message"])
        check = self.ctl("check", "Desk", check=1)
        self.assertIn(EXPIRED_SECRET.format(client=SERVER.client_id), check.stdout)
        self.assert_no_token_leaked()


class Connections(CtlTestCase):
    def test_add_list_remove_and_validation(self):
        conn = {"name": "Contoso 365", "provider": "microsoft", "tenant": "contoso.example",
                "client_id": "abc"}
        self.ctl("oauth", "add", self.write("c.json", conn), check=0)
        listed = self.ctl_json("oauth", "list", "--json")
        self.assertEqual(listed[0]["token_url"],
                         "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token")
        self.assertIn("offline_access", listed[0]["scopes"])
        bad = dict(conn, name="Plain", provider="custom", authorize_url="https://a.example/",
                   token_url="http://idp.example/token")
        err = self.ctl("oauth", "add", self.write("b.json", bad), check=2).stderr
        self.assertIn("token_url", err)
        self.ctl("oauth", "add", self.write("c.json", conn), check=2)
        account = {"name": "M", "incoming": {"host": "127.0.0.1", "protocol": "imap"},
                   "login": {"username": "m@contoso.example"}, "oauth_connection": "Contoso 365"}
        self.ctl("accounts", "add", self.write("a.json", account), check=0)
        self.ctl("oauth", "remove", "Contoso 365", check=2)
        self.ctl("accounts", "remove", "M", check=0)
        self.ctl("oauth", "remove", "Contoso 365", check=0)
        self.assertEqual(self.ctl_json("oauth", "list", "--json"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
