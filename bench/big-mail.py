"""bench/big-mail: what one huge mail costs in memory.

Delivers one mail of SIZE MB (default 200: a short text and one base64
attachment) to a loopback Dovecot and measures the peak RSS of
`helpdesk-mailctl poll` importing it, against a poll of an empty mailbox.
Target (issue 13): under 64 MiB above the empty poll. A second mail of the
same size but with a duplicate Message-ID goes the other way: it is deleted
with its raw copy in the poll log, streamed there the same way.

Run it with `bench/big-mail [SIZE-MB]`. Not a test: it prints numbers.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from hdmail import Dovecot  # noqa: E402

CTL = os.path.join(ROOT, "build", "src", "ctl", "helpdesk-mailctl")


def big_mail(path, megabytes, message_id):
    """Writes the mail in pieces, so that this script stays small too."""
    chunk = os.urandom(57 * 1024)
    with open(path, "wb") as f:
        f.write(b"From: Big Sender <big@example.org>\r\nTo: support@example.com\r\n"
                b"Subject: A very big attachment\r\nMessage-ID: " + message_id.encode() + b"\r\n"
                b"Date: Fri, 27 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n--b\r\n"
                b"Content-Type: application/octet-stream\r\n"
                b"Content-Disposition: attachment; filename=\"big.bin\"\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n")
        written = 0
        while written < megabytes * 1024 * 1024:
            encoded = base64.encodebytes(chunk).replace(b"\n", b"\r\n")
            f.write(encoded)
            written += len(encoded)
        f.write(b"--b--\r\n")


def deliver_file(dovecot, user, path):
    """Copies the mail into the Maildir without reading it into this process:
    a forked child starts with its parent's peak memory, which would count."""
    import shutil
    import uuid
    base = dovecot.maildir(user)
    name = f"{uuid.uuid4().hex}.big"
    tmp = os.path.join(base, "tmp", name)
    shutil.copyfile(path, tmp)
    os.chown(tmp, dovecot.nobody.pw_uid, dovecot.nobody.pw_gid)
    os.rename(tmp, os.path.join(base, "new", name))


def peak_of(argv, env):
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} exited with {status}")
    return time.monotonic() - start, usage.ru_maxrss / 1024


def main():
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    work = tempfile.mkdtemp(prefix="hd-bench-big-")
    dovecot = Dovecot()
    try:
        dovecot.add_users({"big": "pw-big"})
        env = dict(os.environ, HELPDESK_MAIL_CA_FILE=dovecot.ca_file)
        db = os.path.join(work, "big.sqlite3")
        account = os.path.join(work, "big.json")
        with open(account, "w") as f:
            json.dump(dovecot.account("Big", "big", "imap"), f)
        subprocess.run([CTL, "--db", db, "accounts", "add", account, "--password-stdin"],
                       input="pw-big", text=True, env=env, check=True, stdout=subprocess.DEVNULL)

        _, empty = peak_of([CTL, "--db", db, "poll"], env)
        mail = os.path.join(work, "big.eml")
        big_mail(mail, megabytes, "<big-1@example.org>")
        deliver_file(dovecot, "big", mail)
        size = os.path.getsize(mail)
        seconds, peak = peak_of([CTL, "--db", db, "poll"], env)
        # The same mail once more: a duplicate, deleted with its raw copy logged.
        deliver_file(dovecot, "big", mail)
        dup_seconds, dup_peak = peak_of([CTL, "--db", db, "poll"], env)
        left = dovecot.count("big")
        print(f"mail: {size / 1e6:.0f} MB; mailbox left with {left} mails")
        print(f"empty poll:           peak {empty:6.1f} MiB")
        print(f"import of the mail:   peak {peak:6.1f} MiB  (+{peak - empty:.1f} MiB, "
              f"{seconds:.1f} s; target < +64 MiB)")
        print(f"duplicate, logged:    peak {dup_peak:6.1f} MiB  (+{dup_peak - empty:.1f} MiB, "
              f"{dup_seconds:.1f} s; target < +64 MiB)")
    finally:
        dovecot.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
