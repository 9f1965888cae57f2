"""Contact details are sealed on arrival; only ``contacts reveal`` with the private key opens them."""

import base64
import io
import json
import os
import stat
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import time_machine
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.base import BaseTestCase
from tests.declarations.test_declare import form_data, person
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import Submission

CONTACT = "Telegram @pine_tree_1989, 晚上九点以后"


def keygen(directory: Path, name: str = "centre") -> tuple[Path, Path]:
    public, private = directory / f"{name}-public.key", directory / f"{name}-private.key"
    call_command(
        "contacts", "keygen", "--public", str(public), "--private", str(private), stdout=StringIO()
    )
    return public, private


def reveal(*args: str) -> str:
    out = StringIO()
    call_command("contacts", "reveal", *args, stdout=out)
    return out.getvalue()


class ContactsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.dir = Path(temp.name)
        self.public, self.private = keygen(self.dir)
        env = mock.patch.dict(
            os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": self.public.read_text().strip()}
        )
        env.start()
        self.addCleanup(env.stop)

    def declare(self, name, contact=CONTACT):
        response = self.client.post(
            "/zh-hans/declare/", form_data(person(name, ["party"]), contact=contact)
        )
        self.assertEqual(response.status_code, 200)
        return Submission.objects.get(people__name=name)

    def assertNowhereInTheDatabase(self, text: str):
        needles = [text, text.encode(), base64.b64encode(text.encode()).decode()]
        for model in apps.get_models():
            for row in model.objects.values_list():
                for value in row:
                    data = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                    for needle in needles:
                        if isinstance(needle, bytes) == isinstance(data, bytes):
                            self.assertNotIn(needle, data, f"{model.__name__}: {row}")

    def test_keygen_writes_a_private_key_only_its_owner_can_read(self):
        self.assertEqual(stat.S_IMODE(self.private.stat().st_mode), 0o600)
        self.assertEqual(len(base64.b64decode(self.public.read_text())), 32)
        with self.assertRaisesMessage(CommandError, "never overwritten"):
            keygen(self.dir)
        self.assertEqual(stat.S_IMODE(self.private.stat().st_mode), 0o600)

    def test_the_form_seals_contact_details_and_reveal_opens_them(self):
        submission = self.declare("松山")
        self.assertIsNotNone(submission.sealed_contact)
        self.assertNowhereInTheDatabase(CONTACT)
        self.assertNowhereInTheDatabase("pine_tree_1989")

        output = reveal("--key", str(self.private))
        self.assertIn(f"#{submission.pk}", output)
        self.assertIn("松山", output)
        self.assertIn(f"declared {submission.declared_on}", output)
        self.assertIn("web", output)
        self.assertIn(CONTACT, output)

        event = AuditEvent.objects.get(action="contacts.reveal")
        self.assertIsNone(event.actor)
        self.assertEqual(event.detail["submissions"], [submission.pk])
        self.assertNotIn(CONTACT, json.dumps(event.detail, ensure_ascii=False))

    def test_the_api_seals_contact_details_too(self):
        body = {"people": [{"name": "明月", "organisations": ["league"]}], "contact": CONTACT}
        response = self.client.post("/api/v1/declarations", body, content_type="application/json")
        self.assertEqual(response.status_code, 201)
        self.assertNowhereInTheDatabase(CONTACT)
        # The API's answer names no submission (its id would tell arrival order): the operator
        # finds it in the database, offline.
        self.assertNotIn("id", response.json())
        submission = Submission.objects.get(channel="api")
        output = reveal("--key", str(self.private), "--submission", str(submission.pk))
        self.assertIn("api", output)
        self.assertIn(CONTACT, output)

    def test_choosing_submissions_by_id_and_date(self):
        with time_machine.travel(timezone.now() - timedelta(days=10)):
            old = self.declare("旧人", contact="old@example.org")
        first = self.declare("一", contact="first@example.org")
        second = self.declare("二", contact="second@example.org")
        self.declare("无", contact="")

        output = reveal("--key", str(self.private), "--submission", str(first.pk), str(old.pk))
        self.assertIn("first@example.org", output)
        self.assertIn("old@example.org", output)
        self.assertNotIn("second@example.org", output)

        since = (timezone.localdate() - timedelta(days=1)).isoformat()
        output = reveal("--key", str(self.private), "--since", since)
        self.assertNotIn("old@example.org", output)
        self.assertIn("first@example.org", output)
        self.assertIn("second@example.org", output)
        self.assertNotIn("无", output)
        latest = AuditEvent.objects.filter(action="contacts.reveal").first()
        self.assertEqual(latest.detail["submissions"], [first.pk, second.pk])

        self.assertIn("No submission", reveal("--key", str(self.private), "--submission", "999999"))

    def test_a_wrong_key_is_a_clear_error(self):
        self.declare("松山")
        _, other_private = keygen(self.dir, "other")
        with self.assertRaisesMessage(CommandError, "wrong key"):
            reveal("--key", str(other_private))
        event = AuditEvent.objects.get(action="contacts.reveal")
        self.assertEqual(event.detail["submissions"], [])
        self.assertEqual(len(event.detail["failed"]), 1)

        with self.assertRaisesMessage(CommandError, "Cannot read"):
            reveal("--key", str(self.dir / "missing.key"))
        not_a_key = self.dir / "not-a.key"
        not_a_key.write_text("hello\n")
        with self.assertRaisesMessage(CommandError, "is not a private key"):
            reveal("--key", str(not_a_key))

    def test_some_contacts_sealed_to_another_key(self):
        mine = self.declare("松山")
        other_public, _ = keygen(self.dir, "other")
        with mock.patch.dict(
            os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": other_public.read_text().strip()}
        ):
            theirs = self.declare("明月", contact="elsewhere")
        out = StringIO()
        with self.assertRaisesMessage(
            CommandError, f"does not open the contact details of #{theirs.pk}"
        ):
            call_command("contacts", "reveal", "--key", str(self.private), stdout=out)
        self.assertIn(CONTACT, out.getvalue())
        self.assertNotIn("elsewhere", out.getvalue())
        self.assertEqual(
            AuditEvent.objects.get(action="contacts.reveal").detail["submissions"], [mine.pk]
        )


class CallerNumberTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        public, self.private = keygen(Path(temp.name))
        env = mock.patch.dict(
            os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": public.read_text().strip()}
        )
        env.start()
        self.addCleanup(env.stop)

    def test_reveal_calls_opens_the_sealed_caller_numbers(self):
        from tests.base import login_verified
        from tuidang.hotline.models import Call

        login_verified(self.client, self.val)
        self.client.post(
            "/en/staff/calls/",
            {"outcome": "threat", "taken_at": "2026-01-05T09:00", "caller_number": "+86 555 0100"},
        )
        call = Call.objects.get()
        self.assertNotIn(b"555 0100", bytes(call.sealed_caller_number))
        out = io.StringIO()
        call_command("contacts", "reveal", "--calls", "--key", str(self.private), stdout=out)
        self.assertIn(f"call #{call.pk}", out.getvalue())
        self.assertIn("+86 555 0100", out.getvalue())
        event = AuditEvent.objects.filter(action="contacts.reveal").get()
        self.assertEqual(event.detail["calls"], [call.pk])
