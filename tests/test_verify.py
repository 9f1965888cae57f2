"""``tuidang verify``: a whole audit passes on an honest log, and every kind of tampering fails
with a message naming what is wrong.

The first half builds log exports with ``tuidang.ledger`` alone (no Django, like the auditor);
the second half runs the audit against a live tuidang site and its ``tuidang log export``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import io
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import LiveServerTestCase

from tests.base import make_submission, restore_reference_data, run_sequencer
from tests.ledger.ledgertest import build_log
from tuidang import verify
from tuidang.declarations.models import Submission
from tuidang.ledger import Checkpoint, Ed25519Signer, format_proof, leaf_hash, sign
from tuidang.ledger.entry import DossierAnchor, Entry, Rejection, counter_keys, decode_any
from tuidang.ledger.errors import FormatError
from tuidang.ledger.tree import inclusion_proof_from_leaf_hashes
from tuidang.transparency import logstore

ORIGIN = "audit.tuidang.test/log"
LOG_KEY = Ed25519Signer(ORIGIN, bytes(range(32)))
OTHER_KEY = Ed25519Signer(ORIGIN, bytes(range(1, 33)))
DAYS = [datetime.date(2026, 11, 1), datetime.date(2026, 11, 2)]
ORGS = [("party",), ("league",), ("league", "party"), ("pioneers",)]
REGIONS = ["CN-SX", "CN-BJ", "", "US"]
CHANNELS = ["web", "phone", "post"]


def people(n: int) -> list[dict]:
    """``n`` declarations as the site would publish them (with their salts and leaf indexes)."""
    result = []
    for i in range(n):
        salt = bytes([i % 256, i // 256]) * 16
        result.append(
            {
                "alias": f"自由人{i}",
                "statement": f"I quit, {i}." if i % 3 else "",
                "organisations": list(ORGS[i % len(ORGS)]),
                "region": REGIONS[i % len(REGIONS)],
                "channel": CHANNELS[i % len(CHANNELS)],
                "date": DAYS[i * len(DAYS) // n].isoformat(),
                "leaf_index": i,
                "salt": base64.b64encode(salt).decode(),
            }
        )
    return result


def entry_of(person: dict) -> bytes:
    return Entry.make(
        salt=base64.b64decode(person["salt"]),
        alias=person["alias"],
        statement=person["statement"],
        organisations=person["organisations"],
        region=person["region"] or "unknown",
        date=datetime.date.fromisoformat(person["date"]),
        channel=person["channel"],
    ).encode()


def tally_of(entries: list[bytes]) -> dict:
    counts: Counter[str] = Counter()
    for raw in entries:
        try:
            counts.update(counter_keys(decode_any(raw)))
        except FormatError:
            continue  # a malformed entry planted by a test: an honest site never counts it
    tally = {"total": counts["total"], "today": 0}
    for section, prefix in verify.TALLY_SECTIONS.items():
        tally[section] = {k[len(prefix) :]: v for k, v in counts.items() if k.startswith(prefix)}
    tally["anchored"] = {"dossier": counts["anchored:dossier"]}
    tally["regions"].setdefault("CN-XZ", 0)  # the site lists every province, zeros included
    tally["rejected"].setdefault("abuse", 0)  # and every reason
    return tally


def write_export(
    directory: Path, published: list[dict], signer=LOG_KEY, rejections: list[bytes] = ()
) -> Path:
    """A directory in the layout of ``tuidang log export``, built with the ledger alone;
    ``rejections`` (rejection entries) follow the declarations in the log."""
    entries = [entry_of(p) for p in published] + list(rejections)
    for path, data in build_log(entries, signer, ORIGIN).items():
        target = directory / "log" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    api = directory / "api" / "v1"
    (api / "statements").mkdir(parents=True)
    (api / "tally").write_text(json.dumps(tally_of(entries)))
    for day in DAYS:
        results = [p for p in published if p["date"] == day.isoformat()]
        (api / "statements" / day.isoformat()).write_text(
            json.dumps({"date": day.isoformat(), "results": results}, ensure_ascii=False)
        )
    return directory


def run(*args: str, vkey: str = LOG_KEY.vkey) -> tuple[int, str, str]:
    """Run ``tuidang verify`` in this process; return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = verify.main([*args, "--vkey", vkey])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def export(tmp_path) -> Path:
    return write_export(tmp_path / "export", people(600))


def test_an_honest_export_verifies(export):
    status, out, err = run(str(export))
    assert status == 0, err
    assert f"checkpoint: {ORIGIN}, size 600, signature verified" in out
    assert "log: 600 entries and every tile match the checkpoint root" in out
    assert "statements: 600 on 2 day(s) match their entries" in out
    assert out.endswith("OK: everything matches\n")
    assert err == ""


REJECTIONS = [
    Rejection(DAYS[0], "spam").encode(),
    Rejection(DAYS[1], "duplicate").encode(),
    Rejection(DAYS[1], "spam").encode(),
]


def test_rejection_counts_are_recomputed_from_the_log(tmp_path):
    export = write_export(tmp_path / "export", people(300), rejections=REJECTIONS)
    tally = json.loads((export / "api" / "v1" / "tally").read_text())
    assert tally["total"] == 300
    assert tally["rejected"] == {"spam": 2, "duplicate": 1, "abuse": 0}
    status, out, err = run(str(export))
    assert status == 0, err
    assert "log: 303 entries and every tile match the checkpoint root" in out

    # A rejection count that is not the log's fails, in either direction.
    tally["rejected"]["spam"] = 1
    tally["rejected"]["abuse"] = 1
    (export / "api" / "v1" / "tally").write_text(json.dumps(tally))
    status, _, err = run(str(export))
    assert status == 1
    assert "tally: rejected.spam is 1 but the log has 2" in err
    assert "tally: rejected.abuse is 1 but the log has 0" in err


def test_a_tally_that_hides_rejected_entries_fails(tmp_path):
    # The rejections are in the log but the site publishes none: the log's size gives it away.
    export = write_export(tmp_path / "export", people(300), rejections=REJECTIONS)
    tally = json.loads((export / "api" / "v1" / "tally").read_text())
    tally["rejected"] = {}
    (export / "api" / "v1" / "tally").write_text(json.dumps(tally))
    status, _, err = run(str(export))
    assert status == 1
    assert "tally: rejected.spam is 0 but the log has 2" in err


def test_dossier_anchors_are_recounted_and_verify_passes(tmp_path):
    anchors = [
        DossierAnchor(DAYS[1], "ab" * 32).encode(),
        DossierAnchor(DAYS[1], "cd" * 32).encode(),
    ]
    export = write_export(tmp_path / "export", people(300), rejections=[*REJECTIONS, *anchors])
    tally = json.loads((export / "api" / "v1" / "tally").read_text())
    assert (tally["total"], tally["anchored"]) == (300, {"dossier": 2})
    status, out, err = run(str(export))
    assert status == 0, err
    assert "log: 305 entries and every tile match the checkpoint root" in out
    # A tally that leaves the anchors out does not add up to the log.
    del tally["anchored"]
    (export / "api" / "v1" / "tally").write_text(json.dumps(tally))
    status, _, err = run(str(export))
    assert status == 1
    assert "tally: anchored.dossier is 0 but the log has 2" in err
    malformed = b"tuidang/dossier/v1\ndate 2026-11-01\nsha256 AB\n"
    export = write_export(tmp_path / "other", people(10), rejections=[malformed])
    status, _, err = run(str(export))
    assert status == 1
    assert "entry 10: malformed (malformed entry: invalid digest 'AB')" in err


def test_malformed_or_unknown_entries_are_not_counted(tmp_path):
    bad = b"tuidang/rejection/v1\ndate 2026-11-01\nreason Spam!\n"
    export = write_export(tmp_path / "export", people(10), rejections=[bad])
    status, _, err = run(str(export))
    assert status == 1
    assert "entry 10: malformed (malformed entry: invalid reason 'Spam!')" in err
    unknown = b"tuidang/rejection/v2\ndate 2026-11-01\nreason spam\n"
    export = write_export(tmp_path / "other", people(10), rejections=[unknown])
    status, _, err = run(str(export))
    assert status == 1
    assert "entry 10: malformed" in err


def test_no_django_module_is_imported(export):
    """The auditor's tool runs without Django: checked in a fresh interpreter."""
    script = (
        "import sys\n"
        "from tuidang import cli\n"
        "try:\n"
        f"    cli.main(['tuidang', 'verify', {str(export)!r}, '--vkey', {LOG_KEY.vkey!r}, '--quiet'])\n"
        "except SystemExit as e:\n"
        "    status = e.code\n"
        "print(status, sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    assert done.stdout.strip() == "0 []"


def test_flipped_byte_in_a_tile(export):
    tile = export / "log" / "tile" / "0" / "001"
    data = bytearray(tile.read_bytes())
    data[5] ^= 1
    tile.write_bytes(bytes(data))
    status, _, err = run(str(export))
    assert status == 1
    assert err.startswith("tile/0/001: hash mismatch")


def test_changed_entry_in_a_bundle(export):
    bundle = export / "log" / "tile" / "entries" / "000"
    bundle.write_bytes(bundle.read_bytes().replace(b"region CN-SX", b"region CN-BJ", 1))
    status, _, err = run(str(export))
    assert status == 1
    assert err.startswith("tile/entries/000: hash mismatch")


def test_checkpoint_signed_by_another_key(export):
    note = export / "log" / "checkpoint"
    text = note.read_text().split("\n\n")[0] + "\n"
    note.write_bytes(sign(text, OTHER_KEY))
    status, _, err = run(str(export))
    assert status == 1
    assert err.startswith("checkpoint: signature does not verify with the given vkey")


def test_checkpoint_with_another_root(export):
    note = export / "log" / "checkpoint"
    forged = Checkpoint(ORIGIN, 600, leaf_hash(b"forged")).format()
    note.write_bytes(sign(forged, LOG_KEY))
    status, _, err = run(str(export))
    assert status == 1
    assert "hash mismatch (tiles do not match the checkpoint root)" in err


def test_edited_tally_number(export):
    tally = json.loads((export / "api" / "v1" / "tally").read_text())
    tally["organisations"]["party"] += 1
    (export / "api" / "v1" / "tally").write_text(json.dumps(tally))
    status, _, err = run(str(export))
    assert status == 1
    party = tally["organisations"]["party"]
    assert f"tally: organisations.party is {party} but the log has {party - 1}" in err


def test_edited_total_and_invented_breakdown(export):
    tally = json.loads((export / "api" / "v1" / "tally").read_text())
    tally["total"] = 601
    tally["countries"]["FR"] = 1
    (export / "api" / "v1" / "tally").write_text(json.dumps(tally))
    status, _, err = run(str(export))
    assert status == 1
    assert "tally: total is 601 but the log has 600" in err
    assert "tally: countries.FR is 1 but the log has 0" in err


def test_changed_alias_of_a_published_statement(export):
    path = export / "api" / "v1" / "statements" / "2026-11-02"
    page = json.loads(path.read_text())
    page["results"][33]["alias"] = "someone else"
    path.write_text(json.dumps(page))
    leaf = page["results"][33]["leaf_index"]
    status, _, err = run(str(export), "--day", "2026-11-02")
    assert status == 1
    assert f"statement 2026-11-02 #34 (leaf {leaf}): commitment does not match" in err


def test_statement_pointing_at_another_entry(export):
    path = export / "api" / "v1" / "statements" / "2026-11-01"
    page = json.loads(path.read_text())
    page["results"][0]["region"] = "CN-GD"
    page["results"][1]["leaf_index"] = page["results"][2]["leaf_index"]
    path.write_text(json.dumps(page))
    status, _, err = run(str(export), "--day", "all")
    assert status == 1
    assert "statement 2026-11-01 #1 (leaf 0): region is CN-GD but the entry has CN-SX" in err
    assert "statement 2026-11-01 #3 (leaf 2): the same entry as statement 2026-11-01 #2" in err


def test_removing_a_statement_keeps_verify_passing(export):
    path = export / "api" / "v1" / "statements" / "2026-11-01"
    page = json.loads(path.read_text())
    del page["results"][10]
    path.write_text(json.dumps(page))
    status, out, _ = run(str(export), "--day", "all")
    assert status == 0
    assert "statements: 599 on 2 day(s) match their entries" in out
    assert json.loads((export / "api" / "v1" / "tally").read_text())["total"] == 600


def test_state_detects_rollback_and_split_view(tmp_path):
    published = people(600)
    state = tmp_path / "state"
    big = write_export(tmp_path / "big", published)
    assert run(str(big), "--state", str(state))[0] == 0
    assert state.read_bytes() == (big / "log" / "checkpoint").read_bytes()

    older = write_export(tmp_path / "older", published[:500])
    status, _, err = run(str(older), "--state", str(state), "--day", "2026-11-01")
    assert status == 1
    assert "consistency: new checkpoint (size 500) is not an extension of saved (size 600)" in err
    assert state.read_bytes() == (big / "log" / "checkpoint").read_bytes()

    forked = [dict(p) for p in published] + people(700)[600:]
    forked[7]["alias"] = "a different history"
    fork = write_export(tmp_path / "fork", forked)
    status, _, err = run(str(fork), "--state", str(state))
    assert status == 1
    assert "consistency: new checkpoint (size 700) is not an extension of saved (size 600)" in err

    grown = write_export(tmp_path / "grown", published + people(700)[600:])
    status, out, _ = run(str(grown), "--state", str(state))
    assert status == 0
    assert "consistency: extends the checkpoint saved in" in out
    assert state.read_bytes() == (grown / "log" / "checkpoint").read_bytes()


def test_cache_makes_a_second_run_read_nothing_it_has(export, tmp_path):
    cache = tmp_path / "cache"
    assert run(str(export), "--cache", str(cache))[0] == 0
    shutil.rmtree(export / "log" / "tile")
    status, _, err = run(str(export), "--cache", str(cache))
    assert status == 0, err


def receipt_for(published: list[dict], index: int, extra: bool = True) -> bytes:
    entries = [entry_of(p) for p in published]
    leaves = [leaf_hash(e) for e in entries]
    files = build_log(entries, LOG_KEY, ORIGIN)
    proof = inclusion_proof_from_leaf_hashes(leaves, index)
    return format_proof(index, proof, files["checkpoint"], entries[index] if extra else None)


def test_receipt(tmp_path, export):
    published = people(600)
    path = tmp_path / "mine.tlog-proof"
    path.write_bytes(receipt_for(published, 123))
    statement = tmp_path / "statement.json"
    statement.write_text(json.dumps(published[123]))
    status, out, err = run("--receipt", str(path), "--statement-json", str(statement), str(export))
    assert status == 0, err
    assert f"receipt: entry 123 is in {ORIGIN} at size 600" in out
    assert "statement: alias and statement open the entry's commitment" in out
    assert "site: its log (size 600) still contains the entry" in out

    statement.write_text(json.dumps({**published[123], "alias": "not me"}))
    status, _, err = run("--receipt", str(path), "--statement-json", str(statement))
    assert status == 1
    assert "statement (leaf 123): commitment does not match" in err


def test_receipt_without_entry_fetches_it_from_the_site(tmp_path, export):
    path = tmp_path / "mine.tlog-proof"
    path.write_bytes(receipt_for(people(600), 5, extra=False))
    assert run("--receipt", str(path))[0] == 1
    status, out, err = run("--receipt", str(path), str(export))
    assert status == 0, err
    assert "receipt: entry 5 is in" in out


def test_tampered_receipt(tmp_path):
    published = people(600)
    path = tmp_path / "mine.tlog-proof"
    other = entry_of(published[124])
    receipt = receipt_for(published, 123).decode()
    extra = receipt.split("\n")[1]
    path.write_text(receipt.replace(extra, "extra " + base64.b64encode(other).decode()))
    status, _, err = run("--receipt", str(path))
    assert status == 1
    assert err.startswith("receipt: inclusion proof does not verify")

    path.write_bytes(receipt_for(published, 123))
    status, _, err = run("--receipt", str(path), vkey=OTHER_KEY.vkey)
    assert status == 1
    assert "receipt: checkpoint signature does not verify with the given vkey" in err


def test_usage_errors(export, capsys):
    with pytest.raises(SystemExit) as exit_:
        verify.main(["--vkey", LOG_KEY.vkey])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        verify.main([str(export), "--vkey", LOG_KEY.vkey, "--day", "2026-13-01"])
    status, _, err = run(str(export), vkey="not a key")
    assert status == 1
    assert err.startswith("vkey 'not a key': malformed verifier key")


# ---------------------------------------------------------------------------
# Against a live tuidang site and its `tuidang log export`
# ---------------------------------------------------------------------------


class LiveSiteTestCase(LiveServerTestCase):
    """A small demo dataset served by a real HTTP server, audited over HTTP."""

    def setUp(self):
        super().setUp()
        restore_reference_data()
        today = datetime.date.today()
        regions = ["CN-SX", "CN-BJ", "", "US", "CN-GD", "TW"]
        orgs = [("party",), ("league",), ("league", "party"), ("pioneers",)]
        self.submissions = []
        for i in range(60):
            family = [f"家{i}-{j}" for j in range(1 + i % 4)]
            submission, _ = make_submission(
                *family,
                orgs=orgs[i % len(orgs)],
                region=regions[i % len(regions)],
                channel=CHANNELS[i % len(CHANNELS)],
                declared_on=today - datetime.timedelta(days=i % 3),
                statement=f"退出，声明{i}" if i % 2 else "",
            )
            self.submissions.append(submission)
        run_sequencer()
        self.vkey = logstore.vkeys()[0]
        self.size = sum(1 + i % 4 for i in range(60))

    def test_live_site_and_its_export_verify(self):
        status, out, err = run(self.live_server_url, "--day", "all", vkey=self.vkey)
        self.assertEqual(status, 0, err)
        self.assertIn(f"log: {self.size} entries and every tile match the checkpoint root", out)
        self.assertIn(f"statements: {self.size} on 3 day(s) match their entries", out)

        export = Path(self.enterContext(tempfile.TemporaryDirectory())) / "export"
        call_command("log", "export", str(export), stdout=io.StringIO())
        status, out, err = run(str(export), "--day", "all", vkey=self.vkey)
        self.assertEqual(status, 0, err)
        self.assertIn(f"statements: {self.size} on 3 day(s) match their entries", out)

        # Tampering with the export is caught (each kind is tested in detail above).
        tally_path = export / "api" / "v1" / "tally"
        tally = json.loads(tally_path.read_text())
        tally["channels"]["phone"] += 1
        tally_path.write_text(json.dumps(tally))
        status, _, err = run(str(export), vkey=self.vkey)
        self.assertEqual(status, 1)
        phone = tally["channels"]["phone"]
        self.assertIn(f"tally: channels.phone is {phone} but the log has {phone - 1}", err)

    def test_an_anchored_dossier_keeps_verify_passing_and_is_counted(self):
        from django.utils import timezone

        from tuidang.cases import anchoring
        from tuidang.cases.models import Dossier, RedactionProfile, Term
        from tuidang.declarations import sequencer

        kind, _ = Term.objects.get_or_create(
            vocabulary="recipient_kind", code="verify-test",
            defaults={"label_zh_hans": "测试", "label_zh_hant": "測試", "label_en": "Test"},
        )  # fmt: skip
        profile = RedactionProfile.objects.create(name="verify-test", recipient_kind=kind)
        handed = Dossier.objects.create(
            title="T", recipient="R", profile=profile, handed_over_at=timezone.now(),
            files={"dossier.pdf": "ef" * 32},
        )  # fmt: skip
        index = anchoring.anchor(handed, None)
        self.assertEqual(index, self.size)
        sequencer.sign_checkpoint()
        status, out, err = run(self.live_server_url, "--day", "all", vkey=self.vkey)
        self.assertEqual(status, 0, err)
        self.assertIn(f"log: {self.size + 1} entries and every tile match the checkpoint root", out)

    def test_removal_for_safety_keeps_verify_passing_and_the_count(self):
        state = Path(self.enterContext(tempfile.TemporaryDirectory())) / "state"
        self.assertEqual(run(self.live_server_url, "--state", str(state), vkey=self.vkey)[0], 0)
        self.submissions[5].remove_statements()
        self.submissions[6].remove_statements()
        status, out, err = run(
            self.live_server_url, "--state", str(state), "--day", "all", vkey=self.vkey
        )
        self.assertEqual(status, 0, err)
        removed = (1 + 5 % 4) + (1 + 6 % 4)
        self.assertIn(f"statements: {self.size - removed} on 3 day(s) match their entries", out)
        self.assertIn(f"log: {self.size} entries", out)
        self.assertIn("tally: all", out)
        self.assertEqual(Submission.objects.count(), 60)

    def test_receipt_from_the_proof_api(self):
        receipt = Path(self.enterContext(tempfile.TemporaryDirectory())) / "mine.tlog-proof"
        with urllib.request.urlopen(f"{self.live_server_url}/api/v1/proof?index=7") as response:
            receipt.write_bytes(response.read())
        status, out, err = run("--receipt", str(receipt), self.live_server_url, vkey=self.vkey)
        self.assertEqual(status, 0, err)
        self.assertIn(f"receipt: entry 7 is in tuidang.localhost/log at size {self.size}", out)
        self.assertIn(f"site: its log (size {self.size}) still contains the entry", out)

    def test_verify_falls_back_to_the_full_tile_when_a_partial_tile_is_gone(self):
        mirror = FrozenMirror(self.live_server_url)
        self.addCleanup(mirror.close)
        status, out, err = run(mirror.url, "--day", "all", vkey=self.vkey)
        self.assertEqual(status, 0, err)
        mirror.freeze()

        # The site logs another batch: its level-0 tile and bundle 0 are full now, and it no
        # longer serves them at the frozen checkpoint's width.
        for i in range(30):
            make_submission(*[f"新{i}-{j}" for j in range(4)], region="CN-HB")
        run_sequencer()
        partial = f"/log/tile/0/000.p/{self.size}"
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(self.live_server_url + partial)
        self.assertEqual(refused.exception.code, 404)

        status, out, err = run(mirror.url, "--day", "all", vkey=self.vkey)
        self.assertEqual(status, 0, err)
        self.assertIn(f"log: {self.size} entries and every tile match the checkpoint root", out)
        self.assertIn(f"statements: {self.size} on 3 day(s) match their entries", out)
        # It did meet the 404s, and read the full tiles instead.
        self.assertIn(partial, mirror.not_found)
        self.assertIn(f"/log/tile/entries/000.p/{self.size}", mirror.not_found)
        self.assertIn("/log/tile/0/000", mirror.recorded)
        self.assertIn("/log/tile/entries/000", mirror.recorded)


class FrozenMirror:
    """A mirror in front of a live site that stopped updating its checkpoint, tally and lists
    (a cache, a slow mirror, or a site read while it logs a batch): it forwards ``/log/tile/``
    to the site and serves everything else as it was when ``freeze`` was called.

    The live site serves tiles only at the widths of its own latest tree, so once it has grown,
    the partial tiles of the frozen, smaller tree answer 404.
    """

    def __init__(self, site: str) -> None:
        import http.server
        import threading

        self.site = site
        self.frozen: dict[str, bytes] | None = None
        self.recorded: dict[str, bytes] = {}
        self.not_found: list[str] = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = mirror.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, bytes]:
        if self.frozen is not None and not path.startswith("/log/tile/"):
            return 200, self.frozen[path]
        try:
            with urllib.request.urlopen(self.site + path) as response:
                body = response.read()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                self.not_found.append(path)
            return e.code, b""
        self.recorded[path] = body
        return 200, body

    def freeze(self) -> None:
        self.frozen = dict(self.recorded)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
