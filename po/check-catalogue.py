#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when a translation is not complete: a file that marks strings for
translation is missing from POTFILES.in, or a catalogue lacks a string of
the sources, has an untranslated or fuzzy entry, or a broken format.

    check-catalogue.py SOURCE_ROOT

The languages are those of po/LINGUAS.

Run by meson (suite 'po'). Prints TAP.
"""

import os
import re
import subprocess
import sys
import tempfile

# What marks a string for translation in C (gi18n's macros and the
# gettext calls the code uses) and in GtkBuilder files.
C_MARK = re.compile(r"\b(?:_|N_|C_|NC_|g_dgettext|g_dcgettext|g_dngettext|g_dpgettext2|"
                    r"ngettext|gettext)\s*\(\s*(?:\"|GETTEXT_PACKAGE)")
UI_MARK = re.compile(r'translatable="yes"')
# The same keywords as meson's 'glib' preset.
KEYWORDS = ["_", "N_", "C_:1c,2", "NC_:1c,2", "g_dcgettext:2", "g_dngettext:2,3",
            "g_dpgettext2:2c,3"]


def potfiles(root):
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def marked_files(root):
    found = []
    for top in ("src", "data"):
        for base, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                path = os.path.join(base, name)
                if name.endswith((".c", ".h")):
                    mark = C_MARK
                elif name.endswith(".ui"):
                    mark = UI_MARK
                else:
                    continue
                with open(path, encoding="utf-8") as f:
                    if mark.search(f.read()):
                        found.append(os.path.relpath(path, root))
    return sorted(found)


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "po", "LINGUAS"), encoding="utf-8") as f:
        langs = [w for line in f if not line.startswith("#") for w in line.split()]
    listed = potfiles(root)
    failed = False
    count = 0

    def ok(passed, description, diagnostics=""):
        nonlocal failed, count
        count += 1
        failed |= not passed
        print(f"{'ok' if passed else 'not ok'} {count} - {description}", flush=True)
        if not passed:
            for line in str(diagnostics).splitlines():
                print(f"# {line}", flush=True)

    print(f"1..{2 + 2 * len(langs)}", flush=True)
    missing = [f for f in marked_files(root) if f not in listed]
    ok(not missing, "every file with translatable strings is in POTFILES.in",
       "missing: " + ", ".join(missing))
    gone = [f for f in listed if not os.path.exists(os.path.join(root, f))]
    ok(not gone, "every file in POTFILES.in exists", "gone: " + ", ".join(gone))

    with tempfile.TemporaryDirectory(prefix="hd-check-po-") as tmp:
        pot = os.path.join(tmp, "helpdesk-mail.pot")
        subprocess.run(["xgettext", "--from-code=UTF-8", "--directory", root,
                        "--files-from", os.path.join(root, "po", "POTFILES.in"),
                        *[f"--keyword={k}" for k in KEYWORDS], "--output", pot],
                       check=True, stderr=subprocess.DEVNULL)
        for lang in langs:
            po = os.path.join(root, "po", f"{lang}.po")
            # msgcmp counts untranslated and fuzzy entries as missing.
            out = subprocess.run(["msgcmp", po, pot], capture_output=True, text=True)
            ok(out.returncode == 0,
               f"{lang}.po translates every string of the sources, none fuzzy",
               out.stderr)
            out = subprocess.run(["msgfmt", "--check", "--statistics", "--output-file",
                                  os.devnull, po], capture_output=True, text=True)
            ok(out.returncode == 0 and "untranslated" not in out.stderr
               and "fuzzy" not in out.stderr,
               f"{lang}.po compiles with checked formats: {out.stderr.strip()}", out.stderr)

    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
