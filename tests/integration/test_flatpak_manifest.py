"""The Flatpak manifest: a supported GNOME runtime, the poller inside it, only
the permissions it uses, and every file it builds from or installs exists
(a real build needs the network, which tests do not have)."""

import json
import os
import subprocess
import unittest

ROOT = os.environ.get("HD_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("HD_BUILD_ROOT", os.path.join(ROOT, "build"))
MANIFEST = os.path.join(ROOT, "flatpak", "io.github.helpdeskmail.HelpDeskMail.json")


class Manifest(unittest.TestCase):
    def setUp(self):
        with open(MANIFEST) as f:
            self.m = json.load(f)

    def test_runtime(self):
        self.assertEqual(self.m["id"], "io.github.helpdeskmail.HelpDeskMail.Devel")
        self.assertEqual(self.m["runtime"], "org.gnome.Platform")
        self.assertEqual(self.m["sdk"], "org.gnome.Sdk")
        self.assertIn(self.m["runtime-version"], ("47", "48"))
        self.assertEqual(self.m["command"], "helpdesk-mail")

    def test_permissions(self):
        args = self.m["finish-args"]
        self.assertEqual(len(args), len(set(args)))
        allowed = {
            "--share=network",         # IMAP, POP3, SMTP, OAuth
            "--share=ipc", "--socket=fallback-x11", "--socket=wayland", "--device=dri",
            "--own-name=io.github.helpdeskmail.HelpDeskMail.Poller",  # the poller's bus name
            "--talk-name=org.kde.StatusNotifierWatcher",             # the tray
        }
        self.assertEqual(set(args) - allowed, set())
        self.assertIn("--own-name=io.github.helpdeskmail.HelpDeskMail.Poller", args)
        # Secrets through the Secret portal, notifications and autostart through portals.
        for forbidden in ("org.freedesktop.secrets", "org.freedesktop.Notifications",
                          "--filesystem=home", "--filesystem=host", "--socket=session-bus",
                          "--socket=x11"):
            self.assertFalse(any(forbidden in a for a in args), forbidden)

    def test_modules_and_sources_exist(self):
        modules = self.m["modules"]
        self.assertEqual(modules[-1]["name"], "helpdesk-mail")
        self.assertEqual(modules[-1]["buildsystem"], "meson")
        for module in modules:
            self.assertIn("name", module)
            for source in module["sources"]:
                if source["type"] in ("dir", "file"):
                    path = os.path.join(os.path.dirname(MANIFEST), source["path"])
                    self.assertTrue(os.path.exists(path), path)
                elif source["type"] == "archive":
                    self.assertTrue(source["url"].startswith("https://"))
                    self.assertEqual(len(source["sha256"]), 64)

    def test_installed_files_exist(self):
        """What `meson install` puts into the Flatpak: the two programs and
        every data file, each built or present in the tree."""
        out = subprocess.run(["meson", "introspect", "--installed", BUILD], capture_output=True,
                             text=True, check=True).stdout
        installed = json.loads(out)
        names = {os.path.basename(dest) for dest in installed.values()}
        for wanted in ("helpdesk-mail", "helpdesk-mail-poller", "helpdesk-mailctl",
                       "io.github.helpdeskmail.HelpDeskMail.Poller.service",
                       "helpdesk-mail-poller.service",
                       "io.github.helpdeskmail.HelpDeskMail.Poller.desktop",
                       "io.github.helpdeskmail.HelpDeskMail.Poller.xml"):
            self.assertIn(wanted, names)
        for source in installed:
            self.assertTrue(os.path.exists(source), source)


if __name__ == "__main__":
    unittest.main(verbosity=2)
