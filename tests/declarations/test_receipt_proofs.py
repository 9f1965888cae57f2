"""The receipt page shows each person's log entry, the latest checkpoint and an inclusion proof,
and hands out the proof as a c2sp.org/tlog-proof file that ``tuidang verify --receipt`` checks."""

import contextlib
import io
import json
import tempfile
from pathlib import Path

from tests.base import BaseTestCase, make_submission, run_sequencer
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tuidang import verify
from tuidang.declarations.models import Person
from tuidang.ledger import parse_proof
from tuidang.ledger.entry import Entry
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint


class ReceiptProofTestCase(BaseTestCase):
    def declare(self, *people, lang="en"):
        response = self.client.post(f"/{lang}/declare/", form_data(*people, want_receipt=True))
        self.assertEqual(response.status_code, 200)
        return receipt_code_in(response.content.decode())

    def look_up(self, code, lang="en", **extra):
        return self.client.post(f"/{lang}/receipt/", {"code": code, **extra})

    def verify(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = verify.main([*args, "--vkey", logstore.vkeys()[0]])
        return status, out.getvalue(), err.getvalue()

    def test_the_page_shows_entries_checkpoint_and_proofs_in_each_language(self):
        make_submission("先来的人", region="CN-BJ")  # so the family's entries are not alone
        code = self.declare(
            person("守夜人", ["party"], "我退出。", "CN-HB"), person("守夜人之妻", ["league"])
        )
        page = self.look_up(code)
        self.assertNotContains(page, "Inclusion proof")  # accepted, not logged yet
        run_sequencer()
        checkpoint = Checkpoint.objects.latest_signed()
        self.assertEqual(checkpoint.size, 3)
        for lang, texts in [
            (
                "zh-hans",
                ["在公开日志中", "收录证明", "下载证明（.tlog-proof 文件）", "涵盖 3 个条目"],
            ),
            (
                "zh-hant",
                ["在公開日誌中", "收錄證明", "下載證明（.tlog-proof 檔案）", "涵蓋 3 個條目"],
            ),
            (
                "en",
                ["In the public log", "Inclusion proof", "Download the proof", "covers 3 entries"],
            ),
        ]:
            with self.subTest(lang=lang):
                page = self.look_up(code, lang=lang)
                for text in texts:
                    self.assertContains(page, text)
                self.assertContains(page, checkpoint.root_b64)
                self.assertContains(page, "c2sp.org/tlog-proof@v1", count=2)
                for name in ("守夜人", "守夜人之妻"):
                    leaf = Person.objects.get(name=name).leaf_index
                    self.assertContains(page, f'name="leaf" value="{leaf}"')
                other = Person.objects.get(name="先来的人").leaf_index
                self.assertNotContains(page, f'name="leaf" value="{other}"')
                # The code travels in POST bodies only, never in a link or a form's URL.
                self.assertNotContains(page, f"?code={code}")
                self.assertNotContains(page, 'method="get"')

    def test_the_proof_file_downloads_and_verifies(self):
        code = self.declare(person("长夜", ["party", "league"], "从此与它无关。", "CN-SX"))
        run_sequencer()
        response = self.look_up(code, action="proof", leaf="0")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="declaration-0.tlog-proof"'
        )
        self.assertIn("no-cache", response["Cache-Control"])
        receipt = parse_proof(response.content)
        entry = Entry.decode(receipt.extra)
        self.assertEqual((entry.region, entry.organisations), ("CN-SX", ("league", "party")))

        directory = Path(self.enterContext(tempfile.TemporaryDirectory()))
        (directory / "mine.tlog-proof").write_bytes(response.content)
        day = Person.objects.get().submission.declared_on.isoformat()
        published = self.client.get("/api/v1/statements", {"date": day}).json()
        (directory / "statement.json").write_text(json.dumps(published, ensure_ascii=False))
        status, out, err = self.verify(
            "--receipt",
            str(directory / "mine.tlog-proof"),
            "--statement-json",
            str(directory / "statement.json"),
        )
        self.assertEqual(status, 0, err)
        self.assertIn("receipt: entry 0 is in tuidang.localhost/log at size 1", out)
        self.assertIn("statement: alias and statement open the entry's commitment", out)

    def test_only_the_declarations_own_entries(self):
        make_submission("别人", region="CN-GD")
        code = self.declare(person("自己", ["pioneers"]))
        run_sequencer()
        other = str(Person.objects.get(name="别人").leaf_index)
        own = str(Person.objects.get(name="自己").leaf_index)
        for leaf in [other, "7", "-1", "x", ""]:
            with self.subTest(leaf=leaf):
                response = self.look_up(code, lang="zh-hans", action="proof", leaf=leaf)
                self.assertNotIn("Content-Disposition", response)
                self.assertContains(response, "这份声明没有这个日志条目。")
        response = self.look_up(code, lang="zh-hant", action="proof", leaf=other)
        self.assertContains(response, "這份聲明沒有這個日誌條目。")
        self.assertEqual(self.look_up(code, action="proof", leaf=own).status_code, 200)

    def test_an_unknown_code_gets_no_proof(self):
        make_submission("某人")
        run_sequencer()
        response = self.look_up("AAAAA-BBBBB-CCCCC", action="proof", leaf="0")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Content-Disposition", response)
