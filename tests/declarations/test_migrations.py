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
