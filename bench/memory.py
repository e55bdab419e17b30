"""bench/memory: peak memory of `helpdesk-mailctl poll` against the number of mails.

Issue 14 wants the peak flat: a poll of 20,000 mails (760 MB) must take no
more memory than one of 500. This fills a loopback Dovecot with the same
mixed mails as bench/ingest (written once, hard-linked into one mailbox per
run), polls each mailbox into an empty database of its own, and prints the
peak RSS of each poll (wait4's ru_maxrss) and its ratio to the smallest.

    bench/memory [--repeat R] N…      (default: 500 2000 5000)

Each N is polled R times (default 1), each time into a new mailbox and a new
database; the table gives every run, so that the noise shows. `HD_CTL` names
another helpdesk-mailctl; `BENCH_WRAP` a command to run it under (for
example `heaptrack -o /tmp/hd`; its peak is then that of the wrapper too).
Not a test: it prints numbers.
"""

import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
from hdmail import Dovecot  # noqa: E402
from ingest import make_mail, timed  # noqa: E402

CTL = os.environ.get("HD_CTL") or os.path.join(ROOT, "build", "src", "ctl", "helpdesk-mailctl")


def fill_pool(dovecot, n):
    """Writes N mails once into a folder beside the Maildirs; returns their
    paths in order and their total size. The mails are those of
    bench/ingest, so that the first K of them are its K-mail mailbox."""
    pool = os.path.join(dovecot.dir, "pool")
    os.mkdir(pool)
    rng = random.Random(42)
    paths, total = [], 0
    for i in range(n):
        raw = make_mail("bench", i, rng)
        total += len(raw)
        path = os.path.join(pool, f"{i:06d}.bench")
        with open(path, "wb") as f:
            f.write(raw)
        os.chown(path, dovecot.nobody.pw_uid, dovecot.nobody.pw_gid)
        paths.append(path)
    return paths, total


def main():
    args = sys.argv[1:]
    repeat = 1
    if len(args) >= 2 and args[0] == "--repeat":
        repeat = int(args[1])
        args = args[2:]
    sizes = [int(a) for a in args] or [500, 2000, 5000]
    runs = [(n, r) for n in sizes for r in range(repeat)]
    wrap = shlex.split(os.environ.get("BENCH_WRAP", ""))
    work = tempfile.mkdtemp(prefix="hd-bench-memory-")
    dovecot = Dovecot()
    try:
        users = {f"m{i}": f"pw-m{i}" for i in range(len(runs))}
        dovecot.add_users(users)
        env = dict(os.environ, HELPDESK_MAIL_CA_FILE=dovecot.ca_file)
        start = time.monotonic()
        pool, size = fill_pool(dovecot, max(sizes))
        print(f"pool: {len(pool)} mails, {size / 1e6:.1f} MB (written in "
              f"{time.monotonic() - start:.0f} s)", flush=True)

        results = []
        for i, (n, _) in enumerate(runs):
            user = f"m{i}"
            db = os.path.join(work, f"{user}.sqlite3")
            account = os.path.join(work, f"{user}.json")
            with open(account, "w") as f:
                json.dump(dovecot.account(user, user, "imap"), f)
            subprocess.run([CTL, "--db", db, "accounts", "add", account, "--password-stdin"],
                           input=users[user], text=True, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            new = os.path.join(dovecot.maildir(user), "new")
            for path in pool[:n]:
                os.link(path, os.path.join(new, os.path.basename(path)))
            seconds, rss = timed(wrap + [CTL, "--db", db, "poll", user], env=env,
                                 stdout=subprocess.DEVNULL)
            left = dovecot.count(user)
            wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
            results.append((n, rss))
            print(f"{n:6d} mails: peak {rss / 1024:6.1f} MiB  {seconds:7.2f} s  "
                  f"({left} left on the server, WAL {wal / 2**20:.1f} MiB)", flush=True)
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)

        base = min(rss for n, rss in results if n == min(sizes))
        print(f"\n{'mails':>6}  {'peak MiB':>8}  {'vs ' + str(min(sizes)):>8}")
        for n, rss in results:
            print(f"{n:6d}  {rss / 1024:8.1f}  {rss / base:7.3f}x")
    finally:
        # The pool's gigabytes go here, not in the fixture's bounded stop.
        shutil.rmtree(os.path.join(dovecot.dir, "pool"), ignore_errors=True)
        dovecot.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
