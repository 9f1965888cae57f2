"""``collectstatic`` compresses a file again only when it changed (``tuidang serve`` collects on
every start), and a changed file gets fresh gzip and Brotli copies."""

import gzip
import io
import os
import stat
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase, override_settings


class CompressOnlyWhatChanged(SimpleTestCase):
    def collect(self, source, root) -> str:
        out = io.StringIO()
        with override_settings(
            STATICFILES_DIRS=[str(source)],
            STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
            STATIC_ROOT=str(root),
        ):
            call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
        return out.getvalue()

    def test_second_collect_compresses_nothing_and_a_change_is_compressed_again(self):
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            source, root = tmp / "source", tmp / "static"
            source.mkdir()
            (source / "site.css").write_text("body { color: black; }\n" * 200)
            (source / "print.css").write_text("@page { margin: 2cm; }\n" * 200)

            first = self.collect(source, root)
            assert "2 static files copied" in first and "4 post-processed" in first
            second = self.collect(source, root)
            assert "0 static files copied" in second and "post-processed" not in second

            # A file's source changes: it is copied and compressed again, the other is not.
            (source / "site.css").write_text("body { color: navy; }\n" * 200)
            later = os.stat(source / "site.css").st_mtime_ns + 2_000_000_000
            os.utime(source / "site.css", ns=(later, later))
            third = self.collect(source, root)
            assert "1 static file copied" in third and "2 post-processed" in third
            compressed = gzip.decompress((root / "site.css.gz").read_bytes()).decode()
            assert compressed.startswith("body { color: navy; }")

            # The record lives beside the static root, never in it (so it is never served),
            # and is the service's alone.
            record = tmp / "static.compressed.json"
            assert record.exists() and not list(root.glob("*.json"))
            assert stat.S_IMODE(record.stat().st_mode) == 0o600
