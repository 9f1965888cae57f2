from datetime import date

import time_machine
from django.test import override_settings

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import (
    Channel,
    Flag,
    Person,
    Status,
    Submission,
    TallyCounter,
)
from tuidang.hotline.models import Call

URL = "/{lang}/staff/intake/"


def intake_data(*people, channel="phone", declared_on="2026-11-20", **extra):
    """The intake form as a browser posts it: one row per (name, orgs, region, statement)."""
    data = {
        "person-TOTAL_FORMS": str(len(people)),
        "person-INITIAL_FORMS": "0",
        "person-MIN_NUM_FORMS": "1",
        "person-MAX_NUM_FORMS": "10",
        "channel": channel,
        "declared_on": declared_on,
        "contact": "",
        "log_call": "on",  # ticked by default
        "save": "1",
    }
    for i, (name, orgs, region, statement) in enumerate(people):
        data[f"person-{i}-name"] = name
        data[f"person-{i}-organisations"] = list(orgs)
        data[f"person-{i}-region"] = region
        data[f"person-{i}-statement"] = statement
    data.update(extra)
    return data


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class IntakeTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.val)

    def test_the_empty_form_in_every_language(self):
        for lang, heading, add in [
            ("zh-hans", "志愿者录入", "添加一人"),
            ("zh-hant", "志願者錄入", "添加一人"),
            ("en", "Volunteer intake", "Add person"),
        ]:
            response = self.client.get(URL.format(lang=lang))
            self.assertContains(response, heading)
            self.assertContains(response, add)
            self.assertContains(response, f'<html lang="{lang}">')
            # Fast entry: the cursor starts in the first name, the channel defaults to phone,
            # the date to today, and the page says which keys do what.
            self.assertContains(response, 'name="person-0-name"')
            self.assertRegex(
                response.content.decode(), r'<input[^>]*name="person-0-name"[^>]*autofocus'
            )
            self.assertContains(response, '<option value="phone" selected>')
            self.assertContains(response, 'value="2026-11-23"')
            self.assertContains(response, 'accesskey="a"')
            self.assertContains(response, "<kbd>Ctrl</kbd>+<kbd>Enter</kbd>")
            self.assertContains(response, "/static/declarations/intake.js")
            self.assertContains(response, 'name="person-1-name"')

    def test_a_volunteer_enters_a_phone_declaration(self):
        response = self.client.post(
            URL.format(lang="en"),
            intake_data(
                ("松山", ["party", "league"], "CN-SX", "我退出"),
                ("明月", ["pioneers"], "CN-SX", ""),
                ("", [], "", ""),  # a blank row left over is ignored
            ),
            follow=True,
        )
        self.assertRedirects(response, URL.format(lang="en"))
        submission = Submission.objects.get()
        self.assertContains(
            response,
            f"Declaration #{submission.pk} saved, 2 people (Telephone, 2026-11-20): waiting for review: "
            "Entered by staff: a second person must accept it.",
        )
        self.assertEqual(submission.channel, Channel.PHONE)
        self.assertEqual(submission.entered_by, self.val)
        # Four eyes: what a volunteer types in counts only once a moderator accepted it.
        self.assertEqual(submission.status, Status.PENDING)
        self.assertEqual(submission.flags, [Flag.STAFF_ENTERED])
        login_verified(self.client, self.mo)
        self.client.post("/en/staff/queue/", {"submissions": [submission.pk], "action": "accept"})
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.moderated_by), (Status.ACCEPTED, self.mo))
        self.assertEqual(submission.declared_on, date(2026, 11, 20))
        self.assertEqual(
            [(p.name, p.region) for p in submission.people.all()],
            [("松山", "CN-SX"), ("明月", "CN-SX")],
        )
        # The checkbox "this was a call" is on by default for phone declarations.
        call = Call.objects.get()
        self.assertEqual(
            (call.outcome, call.submission, call.taken_by), ("declaration", submission, self.val)
        )
        self.assertIsNone(call.sealed_caller_number)
        run_sequencer()
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["total"], 2)
        self.assertEqual(counts["channel:phone"], 2)
        self.assertEqual(counts["org:league"], 1)
        event = AuditEvent.objects.get(action="declarations.intake")
        self.assertEqual(event.actor, self.val)
        self.assertEqual(event.object_id, str(submission.pk))
        self.assertEqual(event.detail["channel"], "phone")
        self.assertEqual(event.detail["people"], 2)
        self.assertTrue(
            AuditEvent.objects.filter(action="declarations.call", object_id=str(call.pk)).exists()
        )

    def test_a_letter_is_not_logged_as_a_call(self):
        # The box is ticked by default; for a letter it is ignored rather than refused.
        self.client.post(
            URL.format(lang="en"), intake_data(("清风", ["party"], "", ""), channel="post")
        )
        self.assertEqual(Submission.objects.get().channel, Channel.POST)
        self.assertFalse(Call.objects.exists())

    def test_a_phone_declaration_need_not_be_a_hotline_call(self):
        data = intake_data(("清风", ["party"], "", ""))
        del data["log_call"]
        self.client.post(URL.format(lang="en"), data)
        self.assertEqual(Submission.objects.get().channel, Channel.PHONE)
        self.assertFalse(Call.objects.exists())

    def test_a_queued_submission_names_its_flags(self):
        make_submission("青松", region="CN-BJ")
        response = self.client.post(
            URL.format(lang="zh-hans"),
            intake_data(("青松", ["party"], "CN-BJ", "")),
            follow=True,
        )
        submission = Submission.objects.get(entered_by=self.val)
        self.assertEqual(submission.status, Status.PENDING)
        self.assertEqual(submission.flags, [Flag.DUPLICATE, Flag.STAFF_ENTERED])
        self.assertContains(response, f"第 {submission.pk} 号声明已保存，1 人")
        self.assertContains(response, "等待审核")

    def test_errors_keep_what_was_typed(self):
        for lang, message in [
            ("zh-hans", "请改正下面标出的错误"),
            ("zh-hant", "請改正下面標出的錯誤"),
            ("en", "Correct the errors marked below"),
        ]:
            response = self.client.post(
                URL.format(lang=lang),
                intake_data(
                    ("松山", [], "CN-SX", "我退出"),
                    ("明月", ["league"], "XX", ""),
                    declared_on="2030-01-01",
                ),
            )
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, message)
            self.assertContains(response, 'value="松山"')
            self.assertContains(response, "我退出</textarea>")
            self.assertContains(response, 'value="league" id="id_person-1-organisations_1" checked')
            self.assertContains(response, 'value="2030-01-01"')
            # The cursor goes to the first field in error.
            self.assertRegex(
                response.content.decode(), r'name="person-0-organisations"[^>]*autofocus'
            )
        self.assertFalse(Submission.objects.exists())

    def test_add_person_without_javascript_keeps_the_data(self):
        data = intake_data(("松山", ["party"], "CN-SX", "我退出"), ("明月", ["league"], "", ""))
        del data["save"]
        data["add"] = "1"
        response = self.client.post(URL.format(lang="en"), data)
        self.assertContains(response, 'name="person-2-name"')
        self.assertContains(response, 'value="3" id="id_person-TOTAL_FORMS"')
        self.assertContains(response, 'value="松山"')
        self.assertContains(response, 'value="明月"')
        self.assertRegex(response.content.decode(), r'name="person-2-name"[^>]*autofocus')
        self.assertNotContains(response, "errorlist")
        self.assertFalse(Submission.objects.exists())
        # Then saving the three rows (the new one filled in) keeps all three.
        data = intake_data(
            ("松山", ["party"], "CN-SX", "我退出"),
            ("明月", ["league"], "", ""),
            ("清风", ["pioneers"], "", ""),
        )
        self.client.post(URL.format(lang="en"), data)
        self.assertEqual(Person.objects.count(), 3)

    def test_no_more_than_ten_rows(self):
        data = intake_data(*[(f"人{i}", ["party"], "", "") for i in range(10)])
        data["add"] = "1"
        del data["save"]
        response = self.client.post(URL.format(lang="zh-hans"), data)
        self.assertContains(response, 'value="10" id="id_person-TOTAL_FORMS"')
        self.assertNotContains(response, 'name="person-10-name"')

    def test_receipt_is_shown_once_and_stored_only_as_hash(self):
        response = self.client.post(
            URL.format(lang="en"), intake_data(("守夜人", ["party"], "", ""), want_receipt="on")
        )
        self.assertContains(response, "Receipt code for the declarant")
        code = response.context["receipt"]
        submission = Submission.objects.get()
        self.assertEqual(submission.receipt_hash, Submission.hash_receipt(code))
        self.assertNotIn(code, str(self.client.session.items()))
        # A fresh form follows, with the cursor in the first name again.
        self.assertNotContains(response, 'value="守夜人"')

    def test_contact_is_sealed(self):
        self.client.post(
            URL.format(lang="en"), intake_data(("守夜人", ["party"], "", ""), contact="+1 555 0100")
        )
        sealed = bytes(Submission.objects.get().sealed_contact)
        self.assertNotIn(b"555", sealed)

    @override_settings(AUTO_ACCEPT=False, STAFF_DAILY_QUOTA=5)
    def test_manual_review_queues_everything(self):
        # Within the volunteer's daily quota, so the site-wide policy is what queues it.
        response = self.client.post(
            URL.format(lang="en"), intake_data(("夜行", ["party"], "", "")), follow=True
        )
        self.assertContains(response, "waiting for review: Automatic acceptance is off")
        self.assertEqual(Submission.objects.get().status, Status.PENDING)

    def test_moderators_may_enter_declarations_too(self):
        login_verified(self.client, self.mo)
        response = self.client.get(URL.format(lang="en"))
        self.assertEqual(response.status_code, 200)
        # The intake form itself, not a refusal page that happens to answer 200.
        self.assertContains(response, 'name="person-0-name"')
        self.assertContains(response, 'name="person-TOTAL_FORMS"')


class IntakeAccessTestCase(BaseTestCase):
    def test_anonymous_is_sent_to_log_in(self):
        for path in ("intake", "import", "calls", "queue"):
            response = self.client.get(f"/en/staff/{path}/")
            self.assertEqual(response.status_code, 302)
            self.assertIn("/en/staff/login/", response["Location"])

    def test_without_second_factor_is_sent_to_log_in(self):
        self.client.force_login(self.val)
        response = self.client.get(URL.format(lang="en"))
        self.assertEqual(response.status_code, 302)

    def test_a_post_without_login_stores_nothing(self):
        self.client.post(URL.format(lang="en"), intake_data(("松山", ["party"], "", "")))
        self.assertFalse(Submission.objects.exists())
