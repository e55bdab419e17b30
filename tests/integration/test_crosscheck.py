"""helpdesk-mailctl preview against a second parser: Python's email package.

Every fixture mail in tests/fixtures/mail goes through `helpdesk-mailctl
preview` and through /usr/bin/python3's `email` with email.policy.default; the
two must agree on the From address and name, the Subject and the text (white
space collapsed; HTML turned into text on the Python side by a small
html.parser converter). The disagreements that are allowed are listed in
ALLOWED, each with the reason why our answer is the better one.
"""

import email
import email.policy
import html.parser
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.environ.get("HD_SOURCE_ROOT", "."), "tests", "fixtures"))
from hdtest import FIXTURES, CtlTestCase, sample_account  # noqa: E402

# (fixture, field): why we differ from Python on purpose.
ALLOWED = {
    ("from-unparseable.eml", "from"):
        "Python keeps the 8-bit name as surrogate escapes and takes \"<>\" as the address; "
        "we read the name as UTF-8, leave the address empty and take the sender from Reply-To",
    ("banner-first-line.eml", "from"):
        "Python reads the pasted banner line as the end of the headers and finds no From; "
        "we skip the banner (issue 11 class 9)",
    ("banner-first-line.eml", "subject"):
        "as above: Python has no headers after the banner line",
    ("banner-first-line.eml", "text"):
        "as above: for Python the whole mail is the body",
    ("iso2022jp-nec-extension.eml", "text"):
        "Python's iso-2022-jp codec has no NEC row 13, so ① fails and it substitutes; "
        "we read it as CP50220 (issue 11 class 5)",
    ("charset-lies-sjis.eml", "text"):
        "the label says ISO-2022-JP but the bytes are Shift_JIS: Python shows mojibake, "
        "we guess CP932 (issue 11 class 6)",
    ("charset-undeclared-gb2312.eml", "subject"):
        "undeclared 8-bit GB2312: Python substitutes every byte, we guess GB2312 (class 6)",
    ("charset-undeclared-gb2312.eml", "text"):
        "undeclared 8-bit GB2312: Python substitutes every byte, we guess GB2312 (class 6)",
    ("charset-undeclared-koi8r.eml", "text"):
        "undeclared 8-bit KOI8-R: Python substitutes every byte, we guess KOI8-R (class 6)",
    ("charset-undeclared-euckr.eml", "text"):
        "undeclared 8-bit EUC-KR: Python substitutes every byte, we guess CP949 (class 6)",
    ("charset-gbk-superset.eml", "subject"):
        "镕 is GBK, not GB2312: Python's gb2312 codec fails, we use the GB18030 superset (class 5)",
    ("charset-gbk-superset.eml", "text"):
        "镕 is GBK, not GB2312: Python's gb2312 codec fails, we use the GB18030 superset (class 5)",
    ("charset-big5-hkscs.eml", "text"):
        "屋 here is an HKSCS character: Python's big5 codec fails, we use Big5-HKSCS (class 5)",
    ("charset-latin1-is-cp1252.eml", "subject"):
        "0x80 under an ISO-8859-1 label is the euro sign of windows-1252, as browsers read it",
    ("charset-latin1-is-cp1252.eml", "text"):
        "0x80 and 0x96 under an ISO-8859-1 label are € and – of windows-1252, as browsers read it",
    ("boundary-never-appears.eml", "text"):
        "Python finds no body in a multipart whose boundary never appears; we read the "
        "body as one quoted-printable text part (issue 11 class 8)",
    ("uuencode-in-text.eml", "text"):
        "we take the uuencoded block out of the text as an attachment (class 10)",
    ("wrong-charset.eml", "text"):
        "the label lies (UTF-8 bytes under another label): we read UTF-8",
    ("unknown-charset.eml", "text"):
        "an unknown charset label: Python gives no text, we guess from the bytes",
    ("headers-8bit-latin1.eml", "from"):
        "8-bit latin-1 in the header: Python substitutes, we read windows-1252",
    ("headers-8bit-latin1.eml", "subject"):
        "8-bit latin-1 in the header: Python substitutes, we read windows-1252",
    ("broken-boundary.eml", "text"):
        "the declared boundary differs from the one used; we recover the parts",
    ("no-boundary-at-all.eml", "text"):
        "a multipart without a boundary: Python shows nothing, we recover the parts",
    ("format-flowed.eml", "text"):
        "we join format=flowed lines (RFC 3676); Python keeps the soft breaks",
    ("subject-broken-encoded-word.eml", "subject"):
        "Python decodes the invalid B word as if it were text and glues it to the word "
        "before; we keep a word that is not valid base64 as written",
    ("alternative-empty-plain.eml", "text"):
        "Python shows the empty text/plain alternative; we pass over it to the HTML one "
        "(issue 11 class 4)",
    ("headers-8bit-utf8.eml", "from"):
        "raw UTF-8 in a header: Python keeps the bytes as surrogate escapes, we read UTF-8",
    ("html-only.eml", "text"):
        "our HTML to text marks list items with \"- \" and shows where a link leads; "
        "the small converter on the Python side does neither",
    ("leading-blank-lines.eml", "from"):
        "blank lines before the headers end the headers for Python; we skip them",
    ("leading-blank-lines.eml", "subject"):
        "as above",
    ("leading-blank-lines.eml", "text"):
        "as above: for Python the headers are the body",
}


def collapse(text):
    return re.sub(r"\s+", " ", text or "").strip()


class _HtmlText(html.parser.HTMLParser):
    SKIP = {"script", "style", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        self.parts.append(" ")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def python_view(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    view = {"from": None, "subject": "", "text": ""}
    try:
        addresses = msg["From"].addresses if msg["From"] is not None else ()
        if addresses:
            view["from"] = {"name": addresses[0].display_name or None,
                            "address": addresses[0].addr_spec}
    except Exception:  # noqa: BLE001 - a defect in the header is a disagreement
        view["from"] = None
    try:
        view["subject"] = collapse(str(msg["Subject"] or ""))
    except Exception:  # noqa: BLE001
        view["subject"] = ""
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            content = body.get_content()
            if body.get_content_subtype() == "html":
                parser = _HtmlText()
                parser.feed(content)
                content = "".join(parser.parts)
            view["text"] = collapse(content.replace("\u00a0", " "))
    except Exception:  # noqa: BLE001
        view["text"] = ""
    return view


class CrossCheck(CtlTestCase):
    def setUp(self):
        super().setUp()
        self.ctl("accounts", "add", self.write("a.json", sample_account()), check=0)

    def test_agrees_with_python_email(self):
        folder = os.path.join(FIXTURES, "mail")
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".eml"))
        name = sample_account()["name"]
        proc = self.ctl("preview", "--account", name, *files, check=0)
        lines = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual(len(lines), len(files))

        disagreements = []
        used = set()
        for path, ours in zip(files, lines):
            fixture = os.path.basename(path)
            theirs = python_view(path)
            mine = {
                "from": ours["from"],
                "subject": collapse(ours["subject"]),
                "text": collapse(ours["body_text"]),
            }
            if mine["from"] is not None and mine["from"]["address"] is None:
                mine["from"] = None  # the JSON's way of saying "no From"
            for view in (mine, theirs):
                if view["from"] is not None:
                    # Python keeps the folding white space between encoded words
                    # (RFC 2047 §6.2 says to drop it); names are compared collapsed.
                    view["from"] = {"name": collapse(view["from"]["name"]) or None,
                                    "address": view["from"]["address"]}
            for field in ("from", "subject", "text"):
                if mine[field] == theirs[field]:
                    continue
                if (fixture, field) in ALLOWED:
                    used.add((fixture, field))
                    continue
                disagreements.append(f"{fixture} {field}: ours {mine[field]!r}, "
                                     f"Python {theirs[field]!r}")

        self.assertEqual(disagreements, [], "\n".join(disagreements))
        # An allowance that is no longer needed is a stale reason: drop it.
        stale = sorted(set(ALLOWED) - used)
        self.assertEqual(stale, [], f"allowed disagreements that no longer occur: {stale}")


if __name__ == "__main__":
    unittest.main()
