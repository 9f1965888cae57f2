from datetime import date

import time_machine

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import (
    Channel,
    Flag,
    RejectionReason,
    Status,
    Submission,
    TallyCounter,
)
from tuidang.declarations.views.queue import PER_PAGE

URL = "/{lang}/staff/queue/"


def flagged(name="广告", **kwargs):
    """A submission the moderation policy holds for review (it carries a link)."""
    submission, _ = make_submission(name, statement="see www.example.com now", **kwargs)
    assert submission.status == Status.PENDING
    return submission


@time_machine.travel("2026-11-23 10:00Z")
class QueueTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.mo)

    def test_the_queue_in_every_language(self):
        flagged(region="CN-SX")
        for lang, heading, flag, accept in [
            ("zh-hans", "审核队列", "1 份提交等待审核", "接受所选"),
            ("zh-hant", "審核佇列", "1 份提交等待審核", "接受所選"),
            ("en", "Moderation queue", "1 submission is waiting for review", "Accept selected"),
        ]:
            response = self.client.get(URL.format(lang=lang))
            self.assertContains(response, heading)
            self.assertContains(response, flag)
            self.assertContains(response, accept)
            self.assertContains(response, 'accesskey="a"')
            self.assertContains(response, 'accesskey="r"')
            self.assertContains(response, "see www.example.com now")

    def test_a_flagged_submission_waits_and_a_moderator_rejects_it_with_a_reason(self):
        submission = flagged()
        response = self.client.post(
            URL.format(lang="en"),
            {
                "submissions": [submission.pk],
                "action": "reject",
                "reason": "spam",
                "note": "advert",
            },
            follow=True,
        )
        self.assertRedirects(response, URL.format(lang="en"))
        self.assertContains(response, "Rejected 1 submission (1 person) as “Spam or advertising”.")
        self.assertContains(response, "Nothing is waiting for review.")
        submission.refresh_from_db()
        self.assertEqual(submission.status, Status.REJECTED)
        self.assertEqual(submission.rejection_reason, RejectionReason.SPAM)
        self.assertEqual(submission.rejection_note, "advert")
        self.assertEqual(submission.moderated_by, self.mo)
        self.assertEqual(submission.people.count(), 1)  # nothing is deleted
        run_sequencer()
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["rejected:spam"], 1)
        self.assertNotIn("total", counts)
        event = AuditEvent.objects.get(action="declarations.reject")
        self.assertEqual((event.actor, event.object_id), (self.mo, str(submission.pk)))
        self.assertEqual(event.detail["reason"], "spam")
        self.assertEqual(event.detail["note"], "advert")

    def test_bulk_accept(self):
        first, second, third = flagged("甲"), flagged("乙"), flagged("丙")
        response = self.client.post(
            URL.format(lang="zh-hant"),
            {"submissions": [first.pk, third.pk], "action": "accept", "reason": "", "note": ""},
            follow=True,
        )
        self.assertContains(response, "已接受 2 份提交（2 人）。")
        statuses = dict(Submission.objects.values_list("pk", "status"))
        self.assertEqual(
            statuses,
            {first.pk: Status.ACCEPTED, second.pk: Status.PENDING, third.pk: Status.ACCEPTED},
        )
        run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["total"], 2)
        self.assertEqual(
            AuditEvent.objects.filter(action="declarations.accept", actor=self.mo).count(), 2
        )

    def test_rejecting_needs_a_reason_and_a_selection(self):
        submission = flagged()
        for lang, no_reason, no_selection in [
            ("zh-hans", "请选择拒绝的理由。", "请至少选择一份提交。"),
            ("zh-hant", "請選擇拒絕的理由。", "請至少選擇一份提交。"),
            ("en", "Choose a reason for rejecting.", "Select at least one submission."),
        ]:
            response = self.client.post(
                URL.format(lang=lang),
                {"submissions": [submission.pk], "action": "reject", "note": "kept"},
            )
            self.assertContains(response, no_reason)
            # The selection and the note survive the error.
            self.assertContains(
                response, f'value="{submission.pk}" id="select-{submission.pk}" checked'
            )
            self.assertContains(response, 'value="kept"')
            response = self.client.post(URL.format(lang=lang), {"action": "accept"})
            self.assertContains(response, no_selection)
        submission.refresh_from_db()
        self.assertEqual(submission.status, Status.PENDING)
        # Only the pages shown were recorded (reads are audited); no decision was.
        self.assertEqual(
            set(AuditEvent.objects.values_list("action", flat=True)),
            {"declarations.queue_viewed"},
        )

    def test_enter_in_the_note_field_does_nothing(self):
        submission = flagged()
        # The hidden first button, which Enter presses, sends an empty action.
        response = self.client.post(
            URL.format(lang="en"), {"submissions": [submission.pk], "action": "", "note": "x"}
        )
        self.assertContains(response, "Press “Accept” or “Reject”.")
        submission.refresh_from_db()
        self.assertEqual(submission.status, Status.PENDING)

    def test_a_decided_submission_is_left_alone(self):
        submission = flagged()
        submission.accept(by=self.alice)
        response = self.client.post(
            URL.format(lang="en"),
            {"submissions": [submission.pk], "action": "reject", "reason": "spam"},
            follow=True,
        )
        self.assertContains(response, "1 submission was no longer waiting")
        submission.refresh_from_db()
        self.assertEqual(
            (submission.status, submission.moderated_by), (Status.ACCEPTED, self.alice)
        )
        self.assertFalse(AuditEvent.objects.filter(action="declarations.reject").exists())

    def test_oldest_first_paginated_with_select_all(self):
        with time_machine.travel("2026-11-20 10:00Z"):
            oldest = flagged("最早")
        for i in range(PER_PAGE):
            flagged(f"人{i}")
        response = self.client.get(URL.format(lang="en"))
        submissions = response.context["submissions"]
        self.assertEqual(len(submissions), PER_PAGE)
        self.assertEqual(submissions[0], oldest)
        self.assertContains(response, "Page 1 of 2")
        self.assertNotContains(response, "checked")
        response = self.client.get(URL.format(lang="en") + "?page=2&select=all")
        self.assertEqual(len(response.context["submissions"]), 1)
        self.assertContains(response, " checked", count=1)

    def test_filter_by_flag_and_earlier_matches_for_duplicates(self):
        earlier, _ = make_submission("青松", region="CN-BJ", declared_on=date(2026, 11, 1))
        duplicate, _ = make_submission("青 松", region="CN-BJ", channel=Channel.PHONE)
        link = flagged()
        self.assertEqual(duplicate.flags, [Flag.DUPLICATE])
        response = self.client.get(URL.format(lang="en") + "?flag=duplicate")
        self.assertEqual(response.context["submissions"], [duplicate])
        self.assertContains(response, "Earlier matching declarations:")
        self.assertContains(
            response, f'<span lang="zh">青松</span> (#{earlier.pk}, 2026-11-01, Accepted)'
        )
        response = self.client.get(URL.format(lang="en") + "?flag=link")
        self.assertEqual(response.context["submissions"], [link])
        response = self.client.get(URL.format(lang="en") + "?flag=nonsense")
        self.assertEqual(len(response.context["submissions"]), 2)

    def test_acting_keeps_the_filter(self):
        submission = flagged()
        response = self.client.post(
            URL.format(lang="en") + "?flag=link",
            {"submissions": [submission.pk], "action": "accept"},
        )
        self.assertRedirects(response, URL.format(lang="en") + "?flag=link")

    def test_a_volunteer_cannot_see_the_queue(self):
        flagged()
        login_verified(self.client, self.val)
        self.assertEqual(self.client.get(URL.format(lang="en")).status_code, 403)
        submission = Submission.objects.get()
        response = self.client.post(
            URL.format(lang="en"), {"submissions": [submission.pk], "action": "accept"}
        )
        self.assertEqual(response.status_code, 403)
        submission.refresh_from_db()
        self.assertEqual(submission.status, Status.PENDING)

    def test_the_menu_shows_the_queue_only_to_moderators(self):
        response = self.client.get("/en/staff/intake/")
        self.assertContains(response, 'href="/en/staff/queue/"')
        login_verified(self.client, self.val)
        response = self.client.get("/en/staff/intake/")
        self.assertNotContains(response, 'href="/en/staff/queue/"')

    def test_admins_may_moderate(self):
        submission = flagged()
        login_verified(self.client, self.alice)
        self.client.post(
            URL.format(lang="en"), {"submissions": [submission.pk], "action": "accept"}
        )
        submission.refresh_from_db()
        self.assertEqual(submission.moderated_by, self.alice)

    def test_unauthenticated_is_sent_to_log_in(self):
        self.client.logout()
        response = self.client.get(URL.format(lang="zh-hans"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
