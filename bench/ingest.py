"""bench/ingest: our full import against fetchmail's bare download.

Fills a loopback Dovecot with N mails of mixed size (2 KB to 200 KB, every
fifth with an attachment), then times `helpdesk-mailctl poll` (fetch, parse,
store, commit, delete) and fetchmail (`--all --nokeep --mda 'cat >/dev/null'`)
on the same mailbox, side by side in one run. It also polls a mailbox of a
quarter the size to show whether our peak memory grows with the mail count.

Run it with `bench/ingest [N]` (default 2000). Not a test: it prints numbers.
"""

import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from hdmail import Dovecot  # noqa: E402

CTL = os.path.join(ROOT, "build", "src", "ctl", "helpdesk-mailctl")


def make_mail(tag, n, rng):
    size = rng.randint(2 * 1024, 200 * 1024)
    head = (f"From: Customer {n % 97} <c{n % 97}@example.org>\r\nTo: bench@example.com\r\n"
            f"Subject: Benchmark request {n}\r\nMessage-ID: <{tag}.{n}@example.org>\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n")
    words = ("printer network password invoice laptop screen broken please help "
             "thanks regards urgent today office").split()
    if n % 5 == 0:
        body_len = size // 4
        text = " ".join(rng.choice(words) for _ in range(body_len // 7))
        blob = base64.encodebytes(rng.randbytes(size - body_len)).replace(b"\n", b"\r\n")
        return (head + "Content-Type: multipart/mixed; boundary=BOUNDARY\r\n\r\n"
                "--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
                "\r\n--BOUNDARY\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n").encode() + blob + b"--BOUNDARY--\r\n"
    text = " ".join(rng.choice(words) for _ in range(size // 7))
    lines = "\r\n".join(text[i:i + 72] for i in range(0, len(text), 72))
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + lines + "\r\n").encode()


def fill(dovecot, user, n):
    rng = random.Random(42)
    total = 0
    for i in range(n):
        raw = make_mail(user, i, rng)
        total += len(raw)
        dovecot.deliver(user, raw)
    return total


def timed(argv, **kw):
    """Runs a command; returns (seconds, peak RSS in KiB of that command)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{argv[0]} exited with {status}")
    return elapsed, usage.ru_maxrss


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    work = tempfile.mkdtemp(prefix="hd-bench-")
    dovecot = Dovecot()
    try:
        users = {"bench": "pw-bench", "fetch": "pw-fetch", "small": "pw-small"}
        dovecot.add_users(users)
        env = dict(os.environ, HELPDESK_MAIL_CA_FILE=dovecot.ca_file)
        # Each account in a database of its own, so that both memory peaks
        # start from the same empty store.
        dbs = {user: os.path.join(work, f"{user}.sqlite3") for user in ("bench", "small")}
        db = dbs["bench"]
        for user in ("bench", "small"):
            path = os.path.join(work, f"{user}.json")
            with open(path, "w") as f:
                json.dump(dovecot.account(user, user, "imap"), f)
            subprocess.run([CTL, "--db", dbs[user], "accounts", "add", path, "--password-stdin"],
                           input=users[user], text=True, env=env, check=True,
                           stdout=subprocess.DEVNULL)

        size = fill(dovecot, "bench", n)
        fill(dovecot, "fetch", n)
        fill(dovecot, "small", n // 4)
        print(f"mailbox: {n} mails, {size / 1e6:.1f} MB", flush=True)

        rc = os.path.join(work, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f'set no syslog\npoll localhost via 127.0.0.1 protocol IMAP port {dovecot.ports["imaps"]}\n'
                    f'  user "fetch" password "pw-fetch" ssl sslcertck sslcommonname "localhost" '
                    f'sslcertfile "{dovecot.ca_file}" mda "cat >/dev/null"\n')
        os.chmod(rc, 0o600)

        ours, ours_rss = timed([CTL, "--db", db, "poll", "bench"], env=env,
                               stdout=subprocess.DEVNULL)
        theirs, theirs_rss = timed(["fetchmail", "--all", "--nokeep", "-f", rc,
                                    "--pidfile", os.path.join(work, "fm.pid")],
                                   env=dict(env, HOME=work), stdout=subprocess.DEVNULL)
        small, small_rss = timed([CTL, "--db", dbs["small"], "poll", "small"], env=env,
                                 stdout=subprocess.DEVNULL)

        left = dovecot.count("bench"), dovecot.count("fetch")
        tickets = [t for t in json.loads(subprocess.run([CTL, "--db", db, "tickets", "list",
                                                         "--json"], capture_output=True,
                                                        text=True, check=True).stdout)
                   if t["account"] == "bench"]
        print(f"helpdesk-mailctl poll: {ours:7.2f} s  peak {ours_rss / 1024:6.1f} MiB  "
              f"({n / ours:.0f} mails/s, {len(tickets)} tickets, {left[0]} left)")
        print(f"fetchmail:             {theirs:7.2f} s  peak {theirs_rss / 1024:6.1f} MiB  "
              f"({n / theirs:.0f} mails/s, {left[1]} left)")
        print(f"ratio (ours / fetchmail): {ours / theirs:.2f}  (target <= 1.0)")
        print(f"peak memory at {n // 4} mails: {small_rss / 1024:.1f} MiB, at {n} mails: "
              f"{ours_rss / 1024:.1f} MiB (growth {ours_rss / small_rss:.2f}x)")
    finally:
        dovecot.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
