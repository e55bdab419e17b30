#!/usr/bin/python3
"""Prints the messages of the sources that po/LANG.po does not translate yet,
as a block of PO entries to fill in and append to it.

    tools/po-missing.py [LANG]      (default: de)
"""
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "po"))
lang = sys.argv[1] if len(sys.argv) > 1 else "de"
spec = {}
with open(os.path.join(root, "po", "check-catalogue.py")) as f:
    source = f.read()
start = source.index("KEYWORDS")
exec(source[start:source.index("\n\n", start)], spec)
with open(os.path.join(root, "po", "POTFILES.in")) as f:
    files = [line.strip() for line in f if line.strip() and not line.startswith("#")]
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "all.pot")
    subprocess.run(["xgettext", "--from-code=UTF-8", "--directory", root, "--add-comments",
                    *[f"--keyword={k}" for k in spec["KEYWORDS"]], "--output", pot, *files],
                   check=True)
    merged = os.path.join(tmp, "merged.po")
    subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--output-file", merged,
                    os.path.join(root, "po", f"{lang}.po"), pot], check=True)
    out = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", "--no-wrap", merged],
                         check=True, capture_output=True, text=True).stdout
print(out.split("\n\n", 1)[1] if "\n\n" in out else out, end="")
