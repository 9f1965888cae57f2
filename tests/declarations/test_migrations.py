"""Data migrations do what their names say."""

import base64
import os
from datetime import UTC, datetime
from unittest import mock

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from nacl.public import PrivateKey

from tests.base import make_staff, restore_reference_data
from tuidang.declarations import contacts


class SealCallerNumbersTestCase(TransactionTestCase):
    before = [("declarations", "0005_index_people_not_yet_logged")]
    after = [("declarations", "0006_seal_caller_numbers")]

    def tearDown(self):
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        restore_reference_data()

    def test_existing_caller_numbers_are_sealed(self):
        key = PrivateKey.generate()
        public = base64.b64encode(bytes(key.public_key)).decode()
        restore_reference_data()
        user = make_staff("val", "volunteer")
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        old = executor.loader.project_state(self.before).apps
        old.get_model("declarations", "Call").objects.create(
            taken_by_id=user.pk,
            taken_at=datetime(2026, 1, 1, tzinfo=UTC),
            outcome="threat",
            caller_number="+86 555 0199",
        )
        with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": public}):
            executor = MigrationExecutor(connection)
            executor.migrate(self.after)
        new = executor.loader.project_state(self.after).apps
        call = new.get_model("declarations", "Call").objects.get()
        self.assertEqual(contacts.reveal(call.sealed_caller_number, key), "+86 555 0199")


class CheckpointTimesTruncatedTestCase(TransactionTestCase):
    before = [("declarations", "0006_seal_caller_numbers")]
    after = [("declarations", "0008_checkpoint_times_truncated_to_batch")]

    def tearDown(self):
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        restore_reference_data()

    def test_existing_checkpoint_times_are_cut_down_to_their_batch(self):
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        old = executor.loader.project_state(self.before).apps
        Checkpoint = old.get_model("declarations", "Checkpoint")
        Checkpoint.objects.all().delete()
        Checkpoint.objects.create(
            size=1,
            root=b"\0" * 32,
            note="n",
            created_at=datetime(2026, 5, 20, 10, 17, 23, 456000, tzinfo=UTC),
        )
        Checkpoint.objects.create(
            size=2,
            root=b"\1" * 32,
            note="m",
            created_at=datetime(2026, 5, 20, 11, 0, 0, 1, tzinfo=UTC),
        )
        executor = MigrationExecutor(connection)
        executor.migrate(self.after)
        new = executor.loader.project_state(self.after).apps
        times = new.get_model("declarations", "Checkpoint").objects.order_by("size")
        self.assertEqual(
            list(times.values_list("batch_time", flat=True)),
            [datetime(2026, 5, 20, 10, tzinfo=UTC), datetime(2026, 5, 20, 11, tzinfo=UTC)],
        )


class RejectionsCountedFromTheLogTestCase(TransactionTestCase):
    """Rejections made before they were log entries are logged by the next batch and counted
    once: the migration drops the counters they were given at the moment of rejection."""

    before = [("declarations", "0009_log_and_calls_moved_out")]
    after = [("declarations", "0010_rejections_counted_from_the_log")]

    def tearDown(self):
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        restore_reference_data()

    def test_existing_rejections_are_logged_in_the_next_batch_and_counted_once(self):
        from collections import Counter

        from tests.base import make_submission, run_sequencer
        from tuidang.declarations.models import TallyCounter
        from tuidang.ledger.entry import Rejection, decode_any, recount
        from tuidang.transparency import logstore
        from tuidang.transparency.logstore import LogState

        restore_reference_data()
        make_submission("青松", region="CN-BJ")
        run_sequencer()
        with self.settings(AUTO_ACCEPT=False):
            spam, _ = make_submission("广告一", "广告二")
            dup, _ = make_submission("青 松", region="CN-BJ")
        spam.reject("spam")
        dup.reject("duplicate")

        # The database as the old code left it: counted at rejection, not in the log.
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        self.assertEqual(
            TallyCounter.snapshot("rejected:"), {"rejected:spam": 2, "rejected:duplicate": 1}
        )
        self.assertEqual(LogState.objects.get().size, 1)

        MigrationExecutor(connection).migrate(self.after)
        self.assertEqual(TallyCounter.snapshot("rejected:"), {})
        run_sequencer()
        entries = logstore.read_entries(0, LogState.objects.get().size)
        self.assertEqual(len(entries), 4)
        self.assertEqual(
            TallyCounter.snapshot("rejected:"), {"rejected:spam": 2, "rejected:duplicate": 1}
        )
        self.assertEqual(recount(map(decode_any, entries)), Counter(TallyCounter.snapshot()))
        self.assertIn(Rejection(spam.moderated_at.date(), "spam").encode(), entries)
