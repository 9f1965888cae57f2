"""The log's tables and the call log moved to their own apps with every row in place.

``transparency.0001`` and ``hotline.0001`` take the models over under their old table names
and ``declarations.0009`` lets go of them; nothing is copied, so nothing can be lost. These
tests fill a database at ``declarations.0008`` (before the move) and migrate it forward.
"""

from datetime import UTC, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from tests.base import make_staff, make_submission, restore_reference_data
from tuidang.declarations import sequencer
from tuidang.hotline.models import Call
from tuidang.ledger import Checkpoint as CheckpointText
from tuidang.ledger import (
    LogClient,
    new_verifier,
    open_note,
    prove_consistency,
    verify_consistency,
)
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint, LogState, LogTile
from tuidang.transparency.witnessing import WitnessCosignature

BEFORE = [("declarations", "0008_checkpoint_times_truncated_to_batch")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


class RoomsMigrationTestCase(TransactionTestCase):
    def setUp(self):
        restore_reference_data()

    def tearDown(self):
        migrate(latest())
        restore_reference_data()

    def fetch(self, path: str) -> bytes:
        response = self.client.get(f"/log/{path}")
        if response.status_code != 200:
            raise LookupError(f"{path}: {response.status_code}")
        return response.content

    def test_a_populated_log_and_call_log_migrate_forward_intact(self):
        # A real log of 300 entries and its checkpoint, made before the move.
        for start in range(0, 300, 10):
            make_submission(*[f"人{start}-{i}" for i in range(10)], region="CN-HB")
        sequencer.run_until_idle(limit=128)
        note = Checkpoint.objects.latest_signed().note
        tiles = {(t.level, t.index): bytes(t.data) for t in LogTile.objects.all()}
        volunteer = make_staff("val", "volunteer")

        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        self.assertEqual(old.get_model("declarations", "LogState").objects.get().size, 300)
        checkpoint = old.get_model("declarations", "Checkpoint").objects.get(size=300)
        old.get_model("declarations", "WitnessCosignature").objects.create(
            checkpoint=checkpoint, witness="w+1+AAAA", line="— w AAAA\n"
        )
        old.get_model("declarations", "Call").objects.create(
            taken_by_id=volunteer.pk,
            taken_at=datetime(2026, 5, 20, 10, tzinfo=UTC),
            outcome="threat",
            notes="threatened to find the volunteer",
            sealed_caller_number=b"sealed",
        )

        migrate(latest())
        # Same tables, same rows, now read through the new apps' models.
        self.assertEqual(LogState._meta.db_table, "declarations_logstate")
        self.assertEqual(LogState.objects.get().size, 300)
        self.assertEqual({(t.level, t.index): bytes(t.data) for t in LogTile.objects.all()}, tiles)
        self.assertEqual(Checkpoint.objects.latest_signed().note, note)
        self.assertEqual(WitnessCosignature.objects.get().checkpoint.size, 300)
        self.assertTrue(self.fetch("checkpoint").endswith("— w AAAA\n".encode()))
        call = Call.objects.get()
        self.assertEqual(call._meta.app_label, "hotline")
        self.assertEqual(
            (call.outcome, call.notes, bytes(call.sealed_caller_number), call.taken_by_id),
            ("threat", "threatened to find the volunteer", b"sealed", volunteer.pk),
        )

        # And the log goes on growing from where it was: the next checkpoint extends the old
        # one, and a tlog client walks all 310 entries against it.
        make_submission(*[f"后{i}" for i in range(10)], region="CN-HB")
        sequencer.run_until_idle()
        verifier = new_verifier(logstore.vkeys()[0])
        served = self.fetch("checkpoint")
        new = CheckpointText.parse(open_note(served, [verifier]).text)
        old_tree = CheckpointText.parse(open_note(note.encode(), [verifier]).text)
        self.assertEqual(new.size, 310)
        proof = prove_consistency(300, 310, logstore.TileReader(310))
        verify_consistency(300, 310, old_tree.root_hash, new.root_hash, proof)
        client = LogClient(self.fetch, [verifier], origin=new.origin)
        self.assertEqual(len(list(client.entries(client.checkpoint()))), 310)
