"""``tuidang log export DIR`` and ``tuidang log vkey``: a static mirror a tlog client can read."""

import io
import json
import tempfile
from base64 import b64decode
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations.models import TallyCounter
from tuidang.ledger import LogClient, new_verifier
from tuidang.ledger.entry import Entry, recount
from tuidang.transparency import logstore


class LogExportTestCase(BaseTestCase):
    def test_vkey_prints_the_verifier_key(self):
        out = io.StringIO()
        call_command("log", "vkey", stdout=out)
        vkey = out.getvalue().strip()
        self.assertEqual(vkey, logstore.vkeys()[0])
        self.assertEqual(new_verifier(vkey).name, "tuidang.localhost/log")

    def test_export_is_a_mirror_a_client_verifies_with_statements_that_open_their_entries(self):
        for i in range(30):
            make_submission(
                f"甲{i}",
                f"乙{i}",
                region=["CN-SX", "US", ""][i % 3],
                orgs=("party", "league"),
                statement=f"我在第{i}天退出",
                declared_on=date(2026, 11, 1 + i % 2),
            )
        run_sequencer()
        make_submission("丙", statement="最后一个", declared_on=date(2026, 11, 1))
        run_sequencer()
        removed, _ = make_submission("丁", statement="请撤下", declared_on=date(2026, 11, 2))
        run_sequencer()
        removed.remove_statements()

        with tempfile.TemporaryDirectory() as tmp:
            out = io.StringIO()
            call_command("log", "export", tmp, stdout=out)
            summary = json.loads(out.getvalue())
            root = Path(tmp)
            self.assertEqual(summary["size"], 62)
            self.assertEqual(summary["checkpoints"], 3)

            def fetch(path: str) -> bytes:
                return (root / "log" / path).read_bytes()

            client = LogClient(fetch, [new_verifier(logstore.vkeys()[0])])
            checkpoint = client.checkpoint()
            entries = dict(client.entries(checkpoint))
            self.assertEqual(len(entries), 62)
            self.assertEqual((root / "log" / "checkpoints" / "61").read_text().count("\n"), 5)

            tally = json.loads((root / "api" / "v1" / "tally").read_text())
            self.assertTrue(tally)
            recounted = recount(Entry.decode(e) for e in entries.values())
            published = {k: v for k, v in TallyCounter.snapshot().items() if "rejected" not in k}
            self.assertEqual(dict(recounted), published)

            history = json.loads((root / "api" / "v1" / "checkpoints").read_text())
            self.assertEqual([c["size"] for c in history["results"]], [62, 61, 60])

            opened = 0
            for day in ("2026-11-01", "2026-11-02"):
                data = json.loads((root / "api" / "v1" / "statements" / day).read_text())
                self.assertEqual((data["date"], data["pages"]), (day, 1))
                for row in data["results"]:
                    entry = Entry.decode(entries[row["leaf_index"]])
                    self.assertTrue(
                        entry.matches(b64decode(row["salt"]), row["alias"], row["statement"])
                    )
                    opened += 1
            # The removed statement is in the log and the count, not in the lists.
            self.assertEqual(opened, 61)

    def test_export_before_any_checkpoint_fails_clearly(self):
        with tempfile.TemporaryDirectory() as tmp, self.assertRaises(CommandError):
            call_command("log", "export", tmp, stdout=io.StringIO())
