"""The audit log is a hash chain: `tuidang audit verify` finds any edited, deleted or reordered
event, and an export kept elsewhere shows a chain rebuilt from scratch."""

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from tests.base import BaseTestCase, login_verified, make_staff, restore_reference_data
from tuidang.accounts.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditEvent,
    canonical_event,
    chain_hash,
    verify_chain,
)


def audit(*args) -> tuple[int, str, str]:
    """Run ``tuidang audit …``; return (exit status, standard output, standard error)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def rebuild_chain() -> None:
    """What an insider who controls the database can do: recompute every hash after a change."""
    prev = GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = prev = event.computed_hash()
        event.save()
    AuditChainHead.objects.filter(pk=1).update(hash=prev)


@time_machine.travel("2026-11-23 10:00Z")
class AuditChainTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        for n in range(5):
            AuditEvent.record(self.mo, "declarations.accept", self.val, people=n)
        self.events = list(AuditEvent.objects.order_by("seq"))

    def test_each_event_links_to_the_one_before(self):
        self.assertEqual([e.seq for e in self.events], [1, 2, 3, 4, 5])
        self.assertEqual(self.events[0].prev_hash, GENESIS_HASH)
        for before, after in zip(self.events, self.events[1:], strict=False):
            self.assertEqual(after.prev_hash, before.hash)
        # The hash is SHA-256 over the previous hash and the canonical JSON, as documented.
        last = self.events[-1]
        canonical = canonical_event(
            seq=5,
            at=last.at,
            actor_id=self.mo.pk,
            action="declarations.accept",
            object_type="auth.user",
            object_id=str(self.val.pk),
            detail={"people": 4},
        )
        self.assertEqual(last.hash, chain_hash(self.events[-2].hash, canonical))
        head = AuditChainHead.objects.get()
        self.assertEqual((head.seq, head.hash), (5, last.hash))

    def test_an_intact_chain_verifies(self):
        status, out, _ = audit("verify")
        self.assertEqual(status, 0)
        self.assertEqual(out.strip(), f"5 events, chain intact, head {self.events[-1].hash}")

    def test_an_edited_event_is_named(self):
        third = self.events[2]
        AuditEvent.objects.filter(pk=third.pk).update(detail={"people": 99})
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn(f"event 3 (id {third.pk}, declarations.accept)", err)
        self.assertIn("no longer match its hash", err)

    def test_an_event_with_another_author_is_named(self):
        AuditEvent.objects.filter(pk=self.events[1].pk).update(actor=self.alice)
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn(f"event 2 (id {self.events[1].pk}", err)

    def test_a_deleted_event_is_found(self):
        AuditEvent.objects.filter(pk=self.events[1].pk).delete()
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn(f"event 3 (id {self.events[2].pk}, declarations.accept): comes after", err)

    def test_deleting_the_newest_events_is_found(self):
        AuditEvent.objects.filter(seq__gte=4).delete()
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn("the chain ends at event 3 but its head records event 5", err)

    def test_reordered_events_are_found(self):
        second, third = self.events[1], self.events[2]
        AuditEvent.objects.filter(pk=second.pk).update(seq=-1)
        AuditEvent.objects.filter(pk=third.pk).update(seq=2)
        AuditEvent.objects.filter(pk=second.pk).update(seq=3)
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn(f"event 2 (id {third.pk}, declarations.accept): does not link", err)

    def test_an_event_slipped_in_past_the_head_is_found(self):
        last = self.events[-1]
        AuditEvent.objects.create(
            action="forged",
            seq=6,
            at=last.at,
            prev_hash=last.hash,
            hash=chain_hash(last.hash, b"{}"),
        )
        status, _, err = audit("verify")
        self.assertEqual(status, 1)
        self.assertIn("event 6 lies beyond the chain's head", err)

    def test_an_export_shows_a_rewritten_history_even_when_the_chain_was_rebuilt(self):
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "audit.jsonl"
            status, out, _ = audit("export", "--out", str(export))
            self.assertEqual(status, 0)
            self.assertEqual(out.strip(), f"6 events written to {export}")  # its own event too
            lines = [json.loads(line) for line in export.read_text().splitlines()]
            self.assertEqual([line["seq"] for line in lines], [1, 2, 3, 4, 5, 6])
            self.assertEqual(lines[0]["actor_username"], "mo")
            self.assertEqual(lines[-1]["action"], "audit.exported")
            self.assertEqual(lines[-1]["detail"]["via"], "command line")
            status, out, _ = audit("verify", "--against", str(export))
            self.assertEqual(status, 0)
            self.assertIn("events 1 to 6 unchanged in the live chain", out)

            # More events later do not matter; a changed old one does, chain rebuilt or not.
            AuditEvent.record(self.alice, "logout", self.alice)
            self.assertEqual(audit("verify", "--against", str(export))[0], 0)
            AuditEvent.objects.filter(pk=self.events[1].pk).update(actor=None)
            rebuild_chain()
            self.assertEqual(audit("verify")[0], 0)  # on its own, the server cannot tell
            status, _, err = audit("verify", "--against", str(export))
            self.assertEqual(status, 1)
            self.assertIn("event 2 in the database differs from the export", err)

            # A history cut short is found too.
            AuditEvent.objects.all().delete()
            AuditChainHead.objects.all().delete()
            status, _, err = audit("verify", "--against", str(export))
            self.assertEqual(status, 1)
            self.assertIn("event 1 of the export is no longer in the database", err)

    def test_an_edited_export_proves_nothing(self):
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "audit.jsonl"
            audit("export", "--out", str(export))
            lines = export.read_text().splitlines()
            row = json.loads(lines[1])
            row["detail"]["people"] = 7
            lines[1] = json.dumps(row)
            export.write_text("\n".join(lines) + "\n")
            status, _, err = audit("verify", "--against", str(export))
        self.assertEqual(status, 1)
        self.assertIn("line 2 of the export (event 2) does not match its hash", err)

    def test_export_since_writes_only_the_newer_events(self):
        status, out, _ = audit("export", "--since", "4")
        self.assertEqual(status, 0)
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([line["seq"] for line in lines], [5, 6])
        self.assertEqual(lines[0]["prev_hash"], self.events[3].hash)

    def test_the_audit_page_shows_the_head(self):
        login_verified(self.client, self.alice)
        head = AuditChainHead.objects.get()
        for lang, words in [
            ("zh-hans", "这些事件组成一条哈希链；链头是第 5 号事件，其哈希为"),
            ("zh-hant", "這些事件組成一條雜湊鏈；鏈頭是第 5 號事件，其雜湊為"),
            ("en", "The events form a hash chain; event 5 is its head, with the hash"),
        ]:
            response = self.client.get(f"/{lang}/staff/audit/")
            self.assertContains(response, f"{words} <code>{head.hash}</code>")

    def test_command_line_actions_name_the_command(self):
        AuditEvent.record(None, "audit.exported", via="command line", operator="root")
        login_verified(self.client, self.alice)
        response = self.client.get("/en/staff/audit/")
        self.assertContains(response, "<td>command line (operator root)</td>")


class ChainExistingEventsMigrationTestCase(TransactionTestCase):
    before = [("accounts", "0002_add_role_groups")]
    after = [("accounts", "0004_audit_seq_required")]

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        restore_reference_data()

    def test_events_recorded_before_the_chain_are_chained_in_time_order(self):
        restore_reference_data()
        user = make_staff("val", "volunteer")
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        old = executor.loader.project_state(self.before).apps.get_model("accounts", "AuditEvent")
        # Made out of order: the migration numbers them by time.
        for hour, action in [(12, "logout"), (9, "login.succeeded"), (10, "declarations.intake")]:
            old.objects.create(
                actor_id=user.pk,
                at=datetime(2026, 11, 20, hour, tzinfo=UTC),
                action=action,
                detail={"hour": hour},
            )
        executor = MigrationExecutor(connection)
        executor.migrate(self.after)
        actions = list(AuditEvent.objects.order_by("seq").values_list("seq", "action"))
        self.assertEqual(
            actions, [(1, "login.succeeded"), (2, "declarations.intake"), (3, "logout")]
        )
        self.assertEqual(verify_chain(), (3, AuditEvent.objects.get(seq=3).hash))
        # The next event continues the chain.
        AuditEvent.record(user, "logout", user)
        self.assertEqual(verify_chain()[0], 4)


WRITER = """
import os, sys
import django
django.setup()
from tuidang.accounts.models import AuditEvent
print("ready", flush=True)
sys.stdin.read()  # the test closes every writer's stdin at once: a starting gun
for n in range(int(os.environ["EVENTS"])):
    AuditEvent.record(None, "test.concurrent", writer=os.environ["WRITER"], n=n)
"""


@pytest.mark.slow
class ConcurrentAppendsTestCase(TransactionTestCase):
    """Several processes append at once, as web workers do: the chain never forks."""

    WRITERS, EVENTS = 4, 40

    def setUp(self):
        super().setUp()
        restore_reference_data()

    def environment(self, data_dir: str) -> dict:
        env = {
            **os.environ,
            "TUIDANG_DATA_DIR": data_dir,
            "DJANGO_SETTINGS_MODULE": "tuidang.settings",
        }
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            # The test database itself: a TransactionTestCase commits, so the writers see it.
            auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
            env["TUIDANG_DATABASE_URL"] = (
                f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
            )
        else:
            # The in-memory test database is one connection: the writers share a file instead.
            env.pop("TUIDANG_DATABASE_URL", None)
            subprocess.run(
                [sys.executable, "-m", "tuidang.cli", "migrate", "--verbosity", "0"],
                env=env,
                check=True,
            )
        return env

    def test_concurrent_writers_keep_one_valid_chain(self):
        with tempfile.TemporaryDirectory() as data_dir:
            env = self.environment(data_dir)
            writers = [
                subprocess.Popen(
                    [sys.executable, "-c", WRITER],
                    env={**env, "WRITER": str(w), "EVENTS": str(self.EVENTS)},
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for w in range(self.WRITERS)
            ]
            for writer in writers:
                self.assertEqual(writer.stdout.readline().strip(), "ready")
            for writer in writers:
                writer.stdin.close()
            for writer in writers:
                self.assertEqual(writer.wait(timeout=120), 0)
                writer.stdout.close()
            verify = subprocess.run(
                [sys.executable, "-m", "tuidang.cli", "audit", "verify"],
                env=env,
                capture_output=True,
                text=True,
            )
        total = self.WRITERS * self.EVENTS
        self.assertEqual(verify.returncode, 0, verify.stderr)
        self.assertRegex(verify.stdout, rf"^{total} events, chain intact, head [0-9a-f]{{64}}$")
        if connection.vendor == "postgresql":
            # Every writer's events are there, numbered 1 … total with no gap.
            self.assertEqual(
                list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
                list(range(1, total + 1)),
            )
