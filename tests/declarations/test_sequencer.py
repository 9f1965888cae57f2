"""The sequencer appends accepted people to the log, counts them, and signs checkpoints."""

import json
import os
import subprocess
import sys
from base64 import b64decode
from datetime import date
from pathlib import Path

from tests.base import BaseTestCase, make_submission, run_sequencer
from tests.test_scaling import drop_database, scratch_database
from tuidang.declarations import sequencer
from tuidang.declarations.models import Person, Submission, TallyCounter
from tuidang.ledger import Checkpoint as CheckpointText
from tuidang.ledger import leaf_hash, new_verifier, open_note, root_from_leaf_hashes, tree_hash
from tuidang.ledger.entry import Entry, recount
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint, LogState, LogTile


def log_entries() -> list[bytes]:
    return logstore.read_entries(0, LogState.objects.get(pk=1).size)


def counters_from_log() -> dict[str, int]:
    return dict(recount(Entry.decode(e) for e in log_entries()))


def published_counters() -> dict[str, int]:
    return {k: v for k, v in TallyCounter.snapshot().items() if not k.startswith("rejected:")}


class SequencerTestCase(BaseTestCase):
    def test_accepted_people_get_consecutive_leaf_indexes_and_are_counted(self):
        make_submission(
            "松山",
            "明月",
            orgs=("party", "league"),
            region="CN-SX",
            declared_on=date(2026, 11, 23),
            statement="我退出",
        )
        make_submission("远方", region="UA", declared_on=date(2026, 11, 24))
        self.assertEqual(TallyCounter.snapshot(), {})
        self.assertEqual(Person.objects.published().count(), 0)

        self.assertEqual(sequencer.run_until_idle(), 3)

        indexes = list(Person.objects.order_by("leaf_index").values_list("leaf_index", flat=True))
        self.assertEqual(indexes, [0, 1, 2])
        self.assertEqual(Person.objects.published().count(), 3)
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["total"], 3)
        self.assertEqual(counts["org:league"], 2)
        self.assertEqual(counts["region:CN-SX"], 2)
        self.assertEqual(counts["country:UA"], 1)
        self.assertEqual(counts["region:abroad"], 1)
        self.assertEqual(counts["day:2026-11-23"], 2)
        self.assertEqual(counts["month:2026-11"], 3)
        self.assertEqual(counts["channel:web"], 3)

        first = Person.objects.get(name="松山")
        entry = Entry.decode(log_entries()[first.leaf_index])
        self.assertEqual(entry.organisations, ("league", "party"))
        self.assertEqual(entry.region, "CN-SX")
        self.assertEqual(entry.date, date(2026, 11, 23))
        self.assertTrue(entry.matches(bytes(first.salt), first.name, first.statement))
        self.assertFalse(entry.matches(bytes(first.salt), first.name, "我不退出"))

    def test_nothing_to_do_is_a_no_op_but_the_empty_tree_gets_a_checkpoint(self):
        self.assertEqual(sequencer.sequence_batch(), 0)
        self.assertEqual(sequencer.run_until_idle(), 0)
        (checkpoint,) = Checkpoint.objects.all()
        self.assertEqual(checkpoint.size, 0)
        self.assertIsNone(sequencer.sign_checkpoint())

    def test_checkpoint_verifies_with_the_vkey_and_matches_the_tree(self):
        for i in range(5):
            make_submission(f"人{i}", region="CN-BJ")
        run_sequencer()
        checkpoint = Checkpoint.objects.latest_signed()
        opened = open_note(checkpoint.note, [new_verifier(logstore.vkeys()[0])])
        text = CheckpointText.parse(opened.text)
        self.assertEqual(text.size, 5)
        self.assertEqual(
            text.root_hash, root_from_leaf_hashes([leaf_hash(e) for e in log_entries()])
        )
        self.assertEqual(text.root_hash, tree_hash(5, logstore.TileReader(5)))

    def test_three_hundred_entries_in_batches_fill_and_replace_the_partial_tile(self):
        make_submission(*[f"甲{i}" for i in range(7)])
        sequencer.run_until_idle(limit=3)
        self.assertEqual(LogTile.objects.get(level=0, index=0).width, 7)
        for batch in range(29):
            make_submission(*[f"乙{batch}-{i}" for i in range(10)], region="CN-SH")
            for submission in Submission.objects.filter(people__leaf_index__isnull=True).distinct():
                self.assertEqual(submission.status, "accepted")
            sequencer.run_until_idle(limit=37)
        size = LogState.objects.get(pk=1).size
        self.assertEqual(size, 297)
        full = LogTile.objects.get(level=0, index=0)
        self.assertEqual((full.width, len(full.data)), (256, 256 * 32))
        self.assertEqual(LogTile.objects.get(level=0, index=1).width, 41)
        self.assertEqual(LogTile.objects.get(level=1, index=0).width, 1)
        self.assertEqual(LogTile.objects.get(level=-1, index=0).width, 256)
        self.assertEqual(LogTile.objects.get(level=-1, index=1).width, 41)
        leaves = [leaf_hash(e) for e in log_entries()]
        self.assertEqual(len(leaves), 297)
        self.assertEqual(bytes(full.data), b"".join(leaves[:256]))
        root = root_from_leaf_hashes(leaves)
        self.assertEqual(bytes(LogState.objects.get(pk=1).root), root)
        self.assertEqual(tree_hash(size, logstore.TileReader(size)), root)
        self.assertEqual(bytes(Checkpoint.objects.latest_signed().root), root)
        self.assertEqual(counters_from_log(), published_counters())

    def test_rejections_are_counted_at_once_and_never_logged(self):
        make_submission("青松", region="CN-BJ")
        second, _ = make_submission("青 松", region="CN-BJ")
        second.reject("duplicate", by=self.mo)
        self.assertEqual(TallyCounter.snapshot(), {"rejected:duplicate": 1})
        run_sequencer()
        self.assertEqual(len(log_entries()), 1)
        self.assertEqual(TallyCounter.snapshot()["rejected:duplicate"], 1)
        self.assertIsNone(second.people.get().leaf_index)

    def test_pending_people_wait_until_accepted(self):
        pending, _ = make_submission("广告", statement="see www.example.com now")
        run_sequencer()
        self.assertIsNone(pending.people.get().leaf_index)
        pending.accept(by=self.mo)
        run_sequencer()
        self.assertEqual(pending.people.get().leaf_index, 0)

    def test_removal_keeps_entry_tree_and_counts_and_deletes_salt_and_fields(self):
        submission, _ = make_submission("夜行", "晨星", statement="我退出", region="CN-GD")
        make_submission("旁人")
        run_sequencer()
        before = (log_entries(), bytes(LogState.objects.get(pk=1).root), TallyCounter.snapshot())
        submission.remove_statements()
        for person in submission.people.all():
            self.assertIsNone(person.salt)
            self.assertEqual((person.name, person.statement), ("", ""))
            self.assertIsNotNone(person.leaf_index)
        run_sequencer()
        after = (log_entries(), bytes(LogState.objects.get(pk=1).root), TallyCounter.snapshot())
        self.assertEqual(before, after)
        self.assertEqual(Person.objects.published().count(), 1)

    def test_removed_before_logging_is_logged_without_a_salt(self):
        submission, _ = make_submission("夜行", statement="我退出")
        submission.remove_statements()
        run_sequencer()
        person = submission.people.get()
        self.assertEqual(person.leaf_index, 0)
        self.assertIsNone(person.salt)
        self.assertEqual(TallyCounter.snapshot()["total"], 1)

    def test_counters_are_recomputable_from_the_log(self):
        for i, (region, orgs, channel) in enumerate(
            [
                ("CN-SX", ("party",), "web"),
                ("", ("league", "pioneers"), "phone"),
                ("US", ("party", "league", "pioneers"), "email"),
                ("CN-BJ", ("pioneers",), "post"),
            ]
        ):
            make_submission(
                f"甲{i}",
                f"乙{i}",
                region=region,
                orgs=orgs,
                channel=channel,
                declared_on=date(2026, 10 + i % 3, 1 + i),
            )
        run_sequencer()
        self.assertEqual(counters_from_log(), published_counters())
        self.assertEqual(published_counters()["region:unknown"], 2)

    def test_old_checkpoints_are_kept(self):
        make_submission("一")
        run_sequencer()
        make_submission("二")
        run_sequencer()
        self.assertEqual(list(Checkpoint.objects.values_list("size", flat=True)), [2, 1])
        for checkpoint in Checkpoint.objects.all():
            self.assertIn(b64decode(checkpoint.root_b64), [bytes(checkpoint.root)])


ROOT = Path(__file__).resolve().parents[2]

# Two sequencers at once need two real connections to one database, which SQLite's in-memory
# test database cannot give: the test runs in processes of its own on a scratch PostgreSQL
# database (tests/test_scaling.py's server), in the SQLite pass of the suite too.
CONCURRENT_SEQUENCERS = """
import json, threading, django
django.setup()
from collections import Counter
from django.db import connection
from tests.base import make_submission
from tuidang.declarations import sequencer
from tuidang.transparency import logstore
from tuidang.transparency.logstore import LogState
from tuidang.declarations.models import Person, TallyCounter
from tuidang.ledger import leaf_hash, root_from_leaf_hashes
from tuidang.ledger.entry import Entry, recount
for i in range(60):
    make_submission(*[f"人{i}-{j}" for j in range(5)], region="CN-BJ")
barrier = threading.Barrier(2)
results = []
def run():
    try:
        barrier.wait()
        total = 0
        while count := sequencer.sequence_batch(limit=7):
            total += count
        results.append(total)
    finally:
        connection.close()
threads = [threading.Thread(target=run) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
entries = logstore.read_entries(0, LogState.objects.get(pk=1).size)
print(json.dumps({
    "results": results,
    "indexes": sorted(Person.objects.values_list("leaf_index", flat=True)),
    "root_ok": bytes(LogState.objects.get(pk=1).root)
        == root_from_leaf_hashes([leaf_hash(e) for e in entries]),
    "counters_ok": dict(recount(Entry.decode(e) for e in entries))
        == dict(Counter(TallyCounter.snapshot())),
}))
"""


def test_two_sequencers_never_fork_the_log(tmp_path):
    """Two sequencers at once on PostgreSQL: the second waits on the lock, the log never forks."""
    url = scratch_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUIDANG_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(TUIDANG_DATA_DIR=str(tmp_path), TUIDANG_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    try:
        for args in (["-m", "tuidang.cli", "migrate", "--no-input"], ["-c", CONCURRENT_SEQUENCERS]):
            done = subprocess.run(
                [sys.executable, *args],
                env={**env, "DJANGO_SETTINGS_MODULE": "tuidang.settings"},
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
    finally:
        drop_database(url)
    result = json.loads(done.stdout)
    assert len(result["results"]) == 2
    assert sum(result["results"]) == 300
    assert result["indexes"] == list(range(300))
    assert result["root_ok"]
    assert result["counters_ok"]
