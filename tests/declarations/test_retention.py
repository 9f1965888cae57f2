"""Nothing kept that need not be: removal deletes everything that ties a submission to a person,
housekeeping expires and strips what waited or was rejected, and nothing of a declarant's lands
in a session, a cache or a persistent cookie."""

import json
import os
import pickle
import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

import time_machine
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tests.declarations.test_contacts import keygen
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tests.declarations.test_intake import intake_data
from tuidang.accounts.models import AuditEvent
from tuidang.declarations import contacts
from tuidang.declarations.management.commands import serve
from tuidang.declarations.models import (
    Person,
    RejectionReason,
    Status,
    Submission,
    TallyCounter,
)
from tuidang.hotline.models import Call, CallOutcome

ALIAS = "Ｓｉｌｅｎｔ Ｐｉｎｅ 静松"
CONTACT = "Signal +86 138 0000 1989"
CALLER = "+86 138 0000 6464"
STATEMENT = "我在此声明退出中国共产党，化名静松。"
NOTE = "Second copy of 静松's declaration"
LANGUAGES = ("zh-hans", "zh-hant", "en")


class WithContactsKey(BaseTestCase):
    """A public key configured the way an operator configures it (the private half offline)."""

    def setUp(self):
        super().setUp()
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        self.public, self.private = keygen(Path(temp.name))
        env = mock.patch.dict(
            os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": self.public.read_text().strip()}
        )
        env.start()
        self.addCleanup(env.stop)

    def assertNowhereInTheDatabase(self, *texts: str):
        """No column of any row holds ``texts`` (nor, for binary columns, their UTF-8)."""
        for model in apps.get_models():
            for row in model.objects.values_list():
                for value in row:
                    data = bytes(value) if isinstance(value, bytes | memoryview) else str(value)
                    for text in texts:
                        needle = text.encode() if isinstance(data, bytes) else text
                        self.assertNotIn(needle, data, f"{model.__name__}: {row}")

    def reveal_all(self) -> str:
        """What ``contacts reveal`` opens with the private key: contacts, then caller numbers."""
        out = StringIO()
        call_command("contacts", "reveal", "--key", str(self.private), stdout=out)
        call_command("contacts", "reveal", "--key", str(self.private), "--calls", stdout=out)
        return out.getvalue()


class RemovalTestCase(WithContactsKey):
    def declare(self) -> tuple[Submission, str]:
        data = form_data(
            person(ALIAS, ["party"], STATEMENT, "CN-SX"), contact=CONTACT, want_receipt=True
        )
        response = self.client.post("/en/declare/", data)
        code = receipt_code_in(response.content.decode())
        self.assertIsNotNone(code)
        return Submission.objects.get(), code

    def test_removal_on_the_receipt_page_leaves_nothing_that_names_the_person(self):
        submission, code = self.declare()
        call = Call.objects.create(
            taken_by=self.val,
            outcome=CallOutcome.DECLARATION,
            submission=submission,
            notes=NOTE,
            sealed_caller_number=contacts.seal(CALLER),
        )
        run_sequencer()
        self.assertIn(CONTACT, self.reveal_all())  # the control: it was there and opened
        counts = TallyCounter.snapshot()
        leaf = Person.objects.get().leaf_index

        page = self.client.post(
            "/en/receipt/", {"code": code, "action": "remove", "confirm": "yes"}
        )
        self.assertContains(page, "this receipt code no longer works")

        submission.refresh_from_db()
        self.assertIsNone(submission.sealed_contact)
        self.assertIsNone(submission.receipt_hash)
        self.assertEqual(submission.removal_requested_at, midnight())
        removed = Person.objects.get()
        self.assertEqual((removed.name, removed.name_key, removed.statement), ("", "", ""))
        self.assertEqual((removed.statement_fingerprint, removed.salt), ("", None))
        self.assertEqual(removed.removed_at, midnight())
        call.refresh_from_db()
        self.assertEqual((call.submission, call.notes, call.sealed_caller_number), (None, "", None))
        self.assertEqual(call.outcome, CallOutcome.DECLARATION)  # the call log still counts it
        # What is counted stays: the log entry, its region and organisations, the tally.
        self.assertEqual((removed.leaf_index, removed.region), (leaf, "CN-SX"))
        self.assertEqual(list(removed.organisations.values_list("slug", flat=True)), ["party"])
        self.assertEqual(TallyCounter.snapshot(), counts)

        self.assertNowhereInTheDatabase(ALIAS, "silentpine静松", STATEMENT, NOTE)
        self.assertNotIn(CONTACT, self.reveal_all())
        self.assertNotIn(CALLER, self.reveal_all())
        # A code found on a seized phone now proves nothing.
        again = self.client.post("/en/receipt/", {"code": code})
        self.assertContains(again, "No declaration has this receipt code", status_code=404)

    def test_admin_removal_is_audited_with_counts_only(self):
        submission, _ = make_submission(ALIAS, "明月", statement=STATEMENT, contact=CONTACT)
        login_verified(self.client, self.alice)
        form = {
            "action": "remove_statements",
            "_selected_action": [submission.pk],
            "confirm": "yes",
        }
        response = self.client.post("/en/admin/declarations/submission/", form)
        self.assertEqual(response.status_code, 302)
        submission.refresh_from_db()
        self.assertIsNone(submission.sealed_contact)
        event = AuditEvent.objects.get(action="declarations.remove_statements")
        self.assertEqual(event.detail, {"people": 2, "contacts": 1, "notes": 0, "calls": 0})
        self.assertNowhereInTheDatabase(ALIAS, STATEMENT, CONTACT)


def midnight():
    return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)


def housekeeping() -> str:
    out = StringIO()
    call_command("housekeeping", "--once", stdout=out)
    return out.getvalue()


@time_machine.travel("2026-06-01 12:00Z", tick=False)
class HousekeepingTestCase(WithContactsKey):
    def test_serve_starts_housekeeping_beside_the_sequencer(self):
        self.assertIn(["housekeeping"], serve.runnable_background_commands())

    def test_a_submission_nobody_reviewed_in_time_expires_and_is_counted(self):
        stale, _ = make_submission(ALIAS, statement=STATEMENT, contact=CONTACT)
        Submission.objects.filter(pk=stale.pk).update(status=Status.PENDING)
        with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
            fresh, _ = make_submission("明月", region="CN-BJ", contact="fresh contact")
            Submission.objects.filter(pk=fresh.pk).update(status=Status.PENDING)

        with time_machine.travel(timezone.now() + timedelta(days=89), tick=False):
            self.assertEqual(housekeeping(), "housekeeping: nothing to do\n")
        with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
            self.assertEqual(housekeeping(), "housekeeping: contacts 1, expired 1, people 1\n")
            stale.refresh_from_db()
            self.assertEqual(
                (stale.status, stale.rejection_reason), (Status.REJECTED, RejectionReason.EXPIRED)
            )
            self.assertIsNone(stale.sealed_contact)
            self.assertEqual(stale.people.get().name, "")
            self.assertNowhereInTheDatabase(ALIAS, STATEMENT)
            self.assertNotIn(CONTACT, self.reveal_all())
            # The one 31 days younger still waits, with its text.
            fresh.refresh_from_db()
            self.assertEqual((fresh.status, fresh.people.get().name), (Status.PENDING, "明月"))
            self.assertIn("fresh contact", self.reveal_all())

            self.assertEqual(TallyCounter.snapshot("rejected:"), {"rejected:expired": 1})
            for lang, label in [
                ("en", "Not reviewed in time"),
                ("zh-hans", "未能及时审核"),
                ("zh-hant", "未能及時審核"),
            ]:
                self.assertContains(self.client.get(f"/{lang}/tally/"), label)
            event = AuditEvent.objects.get(action="housekeeping.purged")
            self.assertEqual((event.actor, event.object_id), (None, ""))
            self.assertEqual(event.detail, {"expired": 1, "people": 1, "contacts": 1})

    def test_rejected_submissions_lose_their_text_and_keep_their_count(self):
        spam, _ = make_submission(ALIAS, "明月", statement=STATEMENT, contact=CONTACT)
        Submission.objects.filter(pk=spam.pk).update(status=Status.PENDING)
        call = Call.objects.create(
            taken_by=self.val,
            outcome=CallOutcome.DECLARATION,
            submission=spam,
            sealed_caller_number=contacts.seal(CALLER),
        )
        spam.reject(RejectionReason.DUPLICATE, by=self.mo, note=NOTE)
        self.assertEqual(spam.people.filter(name=ALIAS).count(), 1)  # the moderator's until then

        self.assertEqual(housekeeping(), "housekeeping: calls 1, contacts 1, notes 1, people 2\n")
        spam.refresh_from_db()
        self.assertEqual((spam.status, spam.rejection_reason), ("rejected", "duplicate"))
        self.assertEqual((spam.rejection_note, spam.sealed_contact), ("", None))
        self.assertEqual(spam.moderated_by, self.mo)
        call.refresh_from_db()
        self.assertEqual((call.submission, call.sealed_caller_number), (None, None))
        self.assertNowhereInTheDatabase(ALIAS, STATEMENT, NOTE)
        self.assertEqual(self.reveal_all().count("+86"), 0)
        self.assertEqual(TallyCounter.snapshot("rejected:"), {"rejected:duplicate": 2})
        # A second run finds nothing left to delete and records nothing.
        self.assertEqual(housekeeping(), "housekeeping: nothing to do\n")
        self.assertEqual(AuditEvent.objects.filter(action="housekeeping.purged").count(), 1)

    def test_accepted_submissions_are_left_alone(self):
        make_submission(ALIAS, statement=STATEMENT, contact=CONTACT)
        with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
            self.assertEqual(housekeeping(), "housekeeping: nothing to do\n")
        self.assertEqual(Person.objects.get().name, ALIAS)
        self.assertIn(CONTACT, self.reveal_all())

    def test_expired_sessions_are_cleared(self):
        login_verified(self.client, self.val)
        live_key = self.client.session.session_key
        old = SessionStore()
        old["x"] = 1
        old.set_expiry(60)
        old.save()
        with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
            self.assertEqual(housekeeping(), "housekeeping: sessions 1\n")
        self.assertFalse(Session.objects.filter(session_key=old.session_key).exists())
        self.assertTrue(Session.objects.filter(session_key=live_key).exists())

    def test_the_retention_period_is_a_setting(self):
        stale, _ = make_submission(ALIAS)
        Submission.objects.filter(pk=stale.pk).update(status=Status.PENDING)
        with (
            self.settings(RETENTION_DAYS=7),
            time_machine.travel(timezone.now() + timedelta(days=8), tick=False),
        ):
            housekeeping()
        stale.refresh_from_db()
        self.assertEqual(stale.rejection_reason, RejectionReason.EXPIRED)

    def test_moderators_cannot_choose_expired(self):
        pending, _ = make_submission(ALIAS)
        Submission.objects.filter(pk=pending.pk).update(status=Status.PENDING)
        login_verified(self.client, self.mo)
        page = self.client.get("/en/staff/queue/")
        self.assertContains(page, "within the hour its names, statements, contact details")
        self.assertContains(page, 'value="spam"')
        self.assertNotContains(page, 'value="expired"')


def cached_values() -> str:
    """Everything in the (local-memory) test cache, unpickled, as one string."""
    values = cache._cache.values()  # type: ignore[attr-defined]
    return " ".join(repr(pickle.loads(value)) for value in values)  # noqa: S301 - our own cache


class ReceiptCodeKeptNowhereTestCase(BaseTestCase):
    def test_a_post_not_followed_by_a_redirect_leaves_the_code_nowhere(self):
        data = form_data(person(ALIAS, ["party"]), want_receipt=True)
        response = self.client.post("/en/declare/", data, follow=False)
        self.assertEqual(response.status_code, 200)  # the answer itself, no redirect to follow
        code = receipt_code_in(response.content.decode())
        self.assertIsNotNone(code)
        self.assertIn("no-store", response["Cache-Control"])
        self.assertContains(response, "Do not reload it")

        bare = code.replace("-", "")
        self.assertFalse(Session.objects.exists())  # a declarant never gets a session
        for row in Session.objects.all():
            self.assertNotIn(bare, row.session_data + json.dumps(row.get_decoded()))
        self.assertNotIn(code, cached_values())
        self.assertNotIn(bare, cached_values())
        self.assertNotIn("sessionid", response.cookies)
        # An old link to the thanks page shows nothing.
        self.assertContains(self.client.get("/en/declare/thanks/"), "Nothing more to show")

    def test_a_reloaded_form_arrives_as_a_duplicate_waiting_for_review(self):
        data = form_data(person(ALIAS, ["party"], "", "CN-SX"), want_receipt=True)
        first = self.client.post("/zh-hans/declare/", data)
        again = self.client.post("/zh-hans/declare/", data)
        self.assertContains(first, "已接受")
        self.assertContains(again, "等待审核")
        self.assertNotEqual(
            receipt_code_in(first.content.decode()), receipt_code_in(again.content.decode())
        )
        self.assertEqual(
            list(Submission.objects.order_by("pk").values_list("status", "flags")),
            [(Status.ACCEPTED, []), (Status.PENDING, ["duplicate"])],
        )


def persistent(response) -> dict[str, str]:
    """The cookies a response sets that outlive the browser session, with their headers."""
    return {
        name: morsel.OutputString()
        for name, morsel in response.cookies.items()
        if morsel["expires"] or morsel["max-age"] not in ("", None)
    }


class CookieTestCase(BaseTestCase):
    def public_pages(self, lang: str) -> list[str]:
        today = timezone.localdate().isoformat()
        return [
            f"/{lang}/",
            f"/{lang}/declare/",
            f"/{lang}/declare/thanks/",
            f"/{lang}/receipt/",
            f"/{lang}/statements/",
            f"/{lang}/statements/{today}/",
            f"/{lang}/tally/",
            f"/{lang}/log/",
            f"/{lang}/log/checkpoints/",
            f"/{lang}/staff/login/",
        ]

    def test_the_csrf_cookie_dies_with_the_browser_session(self):
        response = self.client.get("/zh-hans/declare/")
        header = response.cookies["csrftoken"].OutputString()
        self.assertNotIn("expires", header.lower())
        self.assertNotIn("max-age", header.lower())

    def test_no_public_page_leaves_a_persistent_cookie(self):
        make_submission(ALIAS, statement=STATEMENT)
        run_sequencer()
        for lang in LANGUAGES:
            for url in self.public_pages(lang):
                self.client.cookies.clear()
                response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
                self.assertIn(response.status_code, (200, 302), url)
                self.assertEqual(persistent(response), {}, url)
            declared = self.client.post(
                f"/{lang}/declare/", form_data(person("明月", ["party"]), want_receipt=True)
            )
            code = receipt_code_in(declared.content.decode())
            looked_up = self.client.post(f"/{lang}/receipt/", {"code": code})
            for response in (declared, looked_up):
                self.assertEqual(response.status_code, 200)
                self.assertEqual(persistent(response), {}, lang)
                self.assertEqual(set(response.cookies) - {"csrftoken"}, set(), lang)

    def test_a_staff_intake_puts_no_name_in_a_cookie(self):
        login_verified(self.client, self.val)
        response = self.client.post("/en/staff/intake/", intake_data((ALIAS, ["party"], "", "")))
        self.assertEqual(response.status_code, 302)
        submission = Submission.objects.get()
        self.assertNotIn("messages", response.cookies)
        escaped = json.dumps(ALIAS)[1:-1]
        for morsel in response.cookies.values():
            self.assertNotIn(ALIAS, morsel.value)
            self.assertNotIn(escaped, morsel.value)
        # The message waits in the session table, and names the declaration, not the person.
        for row in Session.objects.all():
            decoded = row.get_decoded()
            self.assertNotIn(ALIAS, json.dumps(decoded, ensure_ascii=False))
            self.assertNotIn(escaped, decoded.get("_messages", ""))
        page = self.client.get("/en/staff/intake/")
        self.assertContains(page, f"Declaration #{submission.pk} saved, 1 person")
        self.assertNotContains(page, ALIAS)
