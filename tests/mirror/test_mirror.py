"""``tuidang mirror export|verify|vkey``: a signed static mirror, and tampered ones refused."""

import io
import re
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.ledger import generate_key, new_signer
from tuidang.mirror import export, manifest

ROOT = Path(__file__).resolve().parent.parent.parent
LINK = re.compile(r"""\s(?:href|src)="([^"]*)\"""")


class MirrorTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        for i in range(6):
            make_submission(
                f"甲{i}", statement=f"我退出了{i}", declared_on=date(2026, 11, 1 + i % 2)
            )
        run_sequencer()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = Path(self.tmp.name) / "mirror"
        out = io.StringIO()
        call_command(
            "mirror", "export", str(self.dir), "--origin", "https://tuidang.example", stdout=out
        )
        self.summary = out.getvalue()
        vkey = io.StringIO()
        call_command("mirror", "vkey", stdout=vkey)
        self.vkey = vkey.getvalue().strip()

    def verify(self) -> manifest.Report:
        return manifest.verify(self.dir, self.vkey)

    def test_the_export_holds_pages_log_and_static_files_and_verifies(self):
        for path in [
            "index.html",
            "zh-hans/index.html",
            "zh-hant/tally/index.html",
            f"en/statements/{date.today().isoformat()}/index.html",
            "zh-hant/statements/2026-11-02/index.html",
            "en/log/index.html",
            "log/checkpoint",
            "api/v1/tally",
            "static/tuidang/site.css",
            manifest.MANIFEST_NAME,
        ]:
            self.assertTrue((self.dir / path).is_file(), path)
        report = self.verify()
        self.assertTrue(report.ok, report.problems)
        self.assertEqual(report.signer, "tuidang.localhost/mirror")
        self.assertGreater(report.files, 20)

    def test_every_link_between_mirrored_pages_is_relative_and_resolves(self):
        pages = list(self.dir.rglob("*.html"))
        self.assertGreater(len(pages), 12)
        for page in pages:
            text = page.read_text()
            self.assertNotIn('href="/', text, page)
            self.assertNotIn('src="/', text, page)
            for link in LINK.findall(text):
                if link.startswith(("https://", "#", "data:")):
                    continue
                target = (page.parent / link.split("#")[0]).resolve()
                self.assertTrue(target.is_file(), f"{page}: {link}")
        home = (self.dir / "en" / "index.html").read_text()
        self.assertIn('href="../static/tuidang/site.css"', home)
        self.assertIn('href="tally/index.html"', home)
        # A form that needs the live site points at it.
        self.assertIn('href="https://tuidang.example/en/declare/"', home)
        self.assertNotIn("/staff/", "".join(str(p) for p in pages))

    def test_the_mirror_key_is_not_the_log_key(self):
        from tuidang.transparency import logstore

        self.assertNotIn(self.vkey, logstore.vkeys())

    def test_a_changed_byte_is_refused(self):
        page = self.dir / "zh-hans" / "tally" / "index.html"
        data = bytearray(page.read_bytes())
        data[100] ^= 1
        page.write_bytes(bytes(data))
        report = self.verify()
        self.assertEqual(report.problems, ["zh-hans/tally/index.html: changed (SHA-256 differs)"])

    def test_an_added_file_is_refused(self):
        (self.dir / "en" / "extra.html").write_text("<p>planted</p>")
        self.assertEqual(self.verify().problems, ["en/extra.html: not in the manifest"])

    def test_a_removed_file_is_refused(self):
        (self.dir / "log" / "checkpoint").unlink()
        self.assertEqual(self.verify().problems, ["log/checkpoint: missing"])

    def test_a_bad_signature_or_another_key_is_refused(self):
        note = self.dir / manifest.MANIFEST_NAME
        text = note.read_text()
        body, _, signature = text.rpartition("\n\n")
        # A manifest edited to cover a planted file, signature unchanged.
        (self.dir / "en" / "extra.html").write_text("<p>planted</p>")
        forged = manifest.manifest_text(self.dir)
        note.write_text(forged + "\n" + signature)
        problems = self.verify().problems
        self.assertEqual(len(problems), 1)
        self.assertIn("not signed by", problems[0])
        # Re-signed by a key that is not the mirror's.
        other = new_signer(generate_key("tuidang.localhost/mirror")[0])
        manifest.sign_directory(self.dir, other)
        self.assertIn("not signed by", self.verify().problems[0])
        self.assertTrue(manifest.verify(self.dir, other.vkey).ok)
        self.assertTrue(body)

    def test_the_command_line_verifies_without_django_and_exits_nonzero_when_tampered(self):
        command = [sys.executable, "-c", "from tuidang.cli import main; main()", "mirror", "verify"]
        env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "nonexistent.settings"}
        ok = subprocess.run(
            [*command, str(self.dir), "--vkey", self.vkey],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("mirror intact", ok.stdout)
        (self.dir / "zh-hant" / "index.html").unlink()
        bad = subprocess.run(
            [*command, str(self.dir), "--vkey", self.vkey],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.assertEqual(bad.returncode, 1)
        self.assertIn("FAIL zh-hant/index.html: missing", bad.stdout)
        with self.assertRaises(CommandError):
            call_command(
                "mirror", "verify", str(self.dir), "--vkey", self.vkey, stdout=io.StringIO()
            )

    def test_export_refuses_a_directory_that_is_not_empty(self):
        with self.assertRaises(CommandError):
            call_command("mirror", "export", str(self.dir), stdout=io.StringIO())

    def test_file_names_for_directories_queries_and_feeds(self):
        self.assertEqual(
            export._file_for("/en/tally/", "text/html; charset=utf-8"), "en/tally/index.html"
        )
        self.assertEqual(
            export._file_for("/en/log/checkpoints/?page=2", "text/html"),
            "en/log/checkpoints/index.page-2.html",
        )
        self.assertEqual(
            export._file_for("/en/news/feed/", "application/rss+xml"), "en/news/feed/index.xml"
        )

    def test_paths_that_leave_the_directory_are_refused(self):
        for path in ["../x", "/etc/passwd", "a/../../b", "a b", "./x"]:
            self.assertIsNone(manifest.SAFE_PATH.match(path), path)
        with self.assertRaises(ValueError):
            manifest.parse_manifest(f"{manifest.HEADER}\n1\n{'0' * 64}  ../../etc/passwd\n")
