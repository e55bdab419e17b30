"""bench/ingest: our full import against fetchmail's bare download and the floor.

Fills a loopback Dovecot with N mails of mixed size (2 KB to 200 KB, every
fifth with an attachment) in three identical mailboxes, then times, side by
side in one run:

- `helpdesk-mailctl poll` (fetch, parse, store, commit, delete);
- fetchmail (`--all --nokeep --mda 'cat >/dev/null'`), download and delete;
- the floor: one `UID FETCH 1:* (BODY.PEEK[])` of the whole mailbox over
  IMAPS, streamed into a file, then fsync (the small client below).

It also polls a mailbox of a quarter the size to show whether our peak memory
grows with the mail count. Targets (issue 14): ours <= 0.45x fetchmail and
<= 2x the floor, peak memory flat from N/4 to N mails.

`bench/ingest --pop3 [N]` polls over POP3 (and fetchmail too); the floor
stays the IMAP one, the raw download of the same mail.

Run it with `bench/ingest [N]` (default 2000; `bench/ingest 20000` fills
about 2.3 GB per mailbox, hard-linked, so about 2.3 GB of disk for the three
plus the database). `HD_CTL` names another helpdesk-mailctl to time. Not a
test: it prints numbers.
"""

import base64
import json
import socket
import ssl
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

CTL = os.environ.get("HD_CTL") or os.path.join(ROOT, "build", "src", "ctl", "helpdesk-mailctl")
TARGET_FETCHMAIL = 0.45
TARGET_FLOOR = 2.0


def make_mail(tag, n, rng):
    size = rng.randint(2 * 1024, 200 * 1024)
    head = (f"From: Customer {n % 97} <c{n % 97}@example.org>\r\nTo: bench@example.com\r\n"
            f"Subject: Benchmark request {n}\r\nMessage-ID: <{tag}.{n}@example.org>\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n")
    words = ("printer network password invoice laptop screen broken please help "
             "thanks regards urgent today office").split()
    if n % 5 == 0:
        body_len = size // 4
        text = " ".join(rng.choices(words, k=body_len // 7))
        blob = base64.encodebytes(rng.randbytes(size - body_len)).replace(b"\n", b"\r\n")
        return (head + "Content-Type: multipart/mixed; boundary=BOUNDARY\r\n\r\n"
                "--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text +
                "\r\n--BOUNDARY\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n").encode() + blob + b"--BOUNDARY--\r\n"
    text = " ".join(rng.choices(words, k=size // 7))
    lines = "\r\n".join(text[i:i + 72] for i in range(0, len(text), 72))
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + lines + "\r\n").encode()


def fill(dovecot, users, n):
    """Delivers the same N mails to each of @users: written once, then hard
    links (a Maildir file is never changed in place; an expunge unlinks only
    its own name), so that a 20,000-mail run fills in about a minute."""
    rng = random.Random(42)
    total = 0
    first, *others = users
    for i in range(n):
        raw = make_mail("bench", i, rng)
        total += len(raw)
        dovecot.deliver(first, raw)
    new = os.path.join(dovecot.maildir(first), "new")
    for user in others:
        target = os.path.join(dovecot.maildir(user), "new")
        for name in os.listdir(new):
            os.link(os.path.join(new, name), os.path.join(target, name))
    return total


def floor_client(host, port, user, password, ca_file, out_path):
    """The floor: log in, one UID FETCH of every mail's body, each literal
    streamed into @out_path, fsync. Runs as a process of its own so that it is
    timed like the others."""
    context = ssl.create_default_context(cafile=ca_file)
    with socket.create_connection((host, port)) as raw_sock, \
            context.wrap_socket(raw_sock, server_hostname=host) as sock, \
            open(out_path, "wb") as out:
        reader = sock.makefile("rb", buffering=1 << 20)

        def command(tag, text):
            sock.sendall(f"{tag} {text}\r\n".encode())
            while True:
                line = reader.readline()
                if not line:
                    raise RuntimeError(f"connection closed after {tag} {text.split()[0]}")
                if line.endswith(b"}\r\n"):
                    size = int(line[line.rindex(b"{") + 1:-3])
                    while size > 0:
                        chunk = reader.read(min(size, 1 << 20))
                        if not chunk:
                            raise RuntimeError("connection closed inside a literal")
                        out.write(chunk)
                        size -= len(chunk)
                elif line.startswith(tag.encode() + b" "):
                    if not line.startswith(tag.encode() + b" OK"):
                        raise RuntimeError(line.decode(errors="replace").strip())
                    return

        reader.readline()  # greeting
        command("a1", f'LOGIN "{user}" "{password}"')
        command("a2", "SELECT INBOX")
        command("a3", "UID FETCH 1:* (BODY.PEEK[])")
        out.flush()
        os.fsync(out.fileno())
        command("a4", "LOGOUT")


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
    args = [a for a in sys.argv[1:] if a != "--pop3"]
    protocol = "pop3" if "--pop3" in sys.argv[1:] else "imap"
    n = int(args[0]) if args else 2000
    work = tempfile.mkdtemp(prefix="hd-bench-")
    dovecot = Dovecot()
    try:
        users = {"bench": "pw-bench", "fetch": "pw-fetch", "floor": "pw-floor",
                 "small": "pw-small"}
        dovecot.add_users(users)
        env = dict(os.environ, HELPDESK_MAIL_CA_FILE=dovecot.ca_file)
        # Each account in a database of its own, so that both memory peaks
        # start from the same empty store.
        dbs = {user: os.path.join(work, f"{user}.sqlite3") for user in ("bench", "small")}
        db = dbs["bench"]
        for user in ("bench", "small"):
            path = os.path.join(work, f"{user}.json")
            with open(path, "w") as f:
                json.dump(dovecot.account(user, user, protocol), f)
            subprocess.run([CTL, "--db", dbs[user], "accounts", "add", path, "--password-stdin"],
                           input=users[user], text=True, env=env, check=True,
                           stdout=subprocess.DEVNULL)

        start = time.monotonic()
        size = fill(dovecot, ["bench", "fetch", "floor"], n)
        fill(dovecot, ["small"], n // 4)
        print(f"mailbox: {n} mails, {size / 1e6:.1f} MB (three, filled in "
              f"{time.monotonic() - start:.0f} s); we and fetchmail poll over "
              f"{protocol.upper()}", flush=True)

        rc = os.path.join(work, "fetchmailrc")
        with open(rc, "w") as f:
            f.write(f'set no syslog\npoll localhost via 127.0.0.1 protocol {protocol.upper()} '
                    f'port {dovecot.ports[protocol + "s"]}\n'
                    f'  user "fetch" password "pw-fetch" ssl sslcertck sslcommonname "localhost" '
                    f'sslcertfile "{dovecot.ca_file}" mda "cat >/dev/null"\n')
        os.chmod(rc, 0o600)

        ours, ours_rss = timed([CTL, "--db", db, "poll", "bench"], env=env,
                               stdout=subprocess.DEVNULL)
        db_sizes = [os.path.getsize(db + suffix) if os.path.exists(db + suffix) else 0
                    for suffix in ("", "-wal")]
        db_size = sum(db_sizes)
        theirs, theirs_rss = timed(["fetchmail", "--all", "--nokeep", "-f", rc,
                                    "--pidfile", os.path.join(work, "fm.pid")],
                                   env=dict(env, HOME=work), stdout=subprocess.DEVNULL)
        floor, floor_rss = timed([sys.executable, os.path.abspath(__file__), "--floor-client",
                                  dovecot.host, str(dovecot.ports["imaps"]), "floor", "pw-floor",
                                  dovecot.ca_file, os.path.join(work, "floor.mbox")])
        floor_size = os.path.getsize(os.path.join(work, "floor.mbox"))
        if floor_size != size:
            raise RuntimeError(f"the floor client got {floor_size} bytes of {size}")
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
        print(f"floor (one UID FETCH): {floor:7.2f} s  peak {floor_rss / 1024:6.1f} MiB  "
              f"({n / floor:.0f} mails/s, {floor_size / 1e6:.1f} MB written and synced)")
        print(f"ratio (ours / fetchmail): {ours / theirs:.2f}  (target <= {TARGET_FETCHMAIL})")
        print(f"ratio (ours / floor):     {ours / floor:.2f}  (target <= {TARGET_FLOOR})")
        print(f"database after the poll: {db_size / 1e6:.1f} MB, {db_sizes[1] / 1e6:.1f} MB of "
              f"it the WAL ({db_size / size:.2f}x the {size / 1e6:.1f} MB of mail)")
        print(f"peak memory at {n // 4} mails: {small_rss / 1024:.1f} MiB, at {n} mails: "
              f"{ours_rss / 1024:.1f} MiB (growth {ours_rss / small_rss:.2f}x)")
    finally:
        dovecot.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "--floor-client":
        floor_client(sys.argv[2], int(sys.argv[3]), *sys.argv[4:8])
    else:
        main()
