#!/bin/bash
# bench/message-limits.sh: what one hostile mail costs `helpdesk-mailctl preview`
# (issue 11 and 13 limits): the time for a mail with 200,000 References and the
# peak RSS for a mail with a 100 MB header. Not a test; prints the numbers.
#
#   bench/message-limits.sh [BUILD-DIR]     (default: build)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$top/build}
ctl=$build/src/ctl/helpdesk-mailctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export HELPDESK_MAIL_DB=$tmp/db.sqlite3
"$ctl" accounts add "$top/tests/fixtures/account.json" >/dev/null

/usr/bin/python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
with open(f"{tmp}/refs.eml", "w") as f:
    f.write("From: a@example.com\nTo: support@example.com\nSubject: refs\n"
            "Message-ID: <refs@example.com>\nReferences:")
    for i in range(200000):
        f.write(f"\n <id-{i}@example.com>")
    f.write("\n\nbody\n")
with open(f"{tmp}/header.eml", "w") as f:
    f.write("From: a@example.com\nTo: support@example.com\nMessage-ID: <big@example.com>\n"
            "Subject: ")
    chunk = "x" * 1023 + " "
    for _ in range(100 * 1024):
        f.write(chunk)
    f.write("\n\nbody\n")
PY

name=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' \
       "$top/tests/fixtures/account.json")
for mail in refs header; do
  size=$(stat -c %s "$tmp/$mail.eml")
  /usr/bin/time -v "$ctl" preview --account "$name" "$tmp/$mail.eml" >/dev/null 2>"$tmp/time"
  elapsed=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$tmp/time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
  printf '%-7s %10d bytes  %s wall  %6d KiB peak RSS\n' "$mail" "$size" "$elapsed" "$rss"
done
