"""Reads of declarants' data by staff leave audit events, one per page seen."""

import time_machine

from tests.base import BaseTestCase, login_verified, make_submission
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import Channel


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class AuditedReadsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.waiting = [
            make_submission("广告", statement="see www.example.com")[0],
            make_submission("松山", entered_by=self.val, channel=Channel.PHONE)[0],
        ]

    def test_the_queue_records_what_each_page_showed(self):
        login_verified(self.client, self.mo)
        response = self.client.get("/en/staff/queue/")
        self.assertContains(response, "松山")
        self.client.get("/en/staff/queue/?flag=staff_entered")
        first, second = events("declarations.queue_viewed")
        self.assertEqual(first.actor, self.mo)
        self.assertEqual(
            first.detail, {"flag": "", "page": 1, "submissions": [s.pk for s in self.waiting]}
        )
        self.assertEqual(
            second.detail, {"flag": "staff_entered", "page": 1, "submissions": [self.waiting[1].pk]}
        )
        # The audit log names it in every language.
        login_verified(self.client, self.alice)
        for lang, label in [
            ("zh-hans", "打开了审核队列"),
            ("zh-hant", "打開了審核佇列"),
            ("en", "Moderation queue opened"),
        ]:
            self.assertContains(self.client.get(f"/{lang}/staff/audit/"), label)

    def test_searching_people_in_the_admin_is_recorded_with_what_was_found(self):
        login_verified(self.client, self.alice)
        response = self.client.get("/en/admin/declarations/person/?q=松山")
        self.assertContains(response, "松山")
        (event,) = events("admin.viewed_list")
        person = self.waiting[1].people.get()
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(
            event.detail,
            {
                "model": "declarations.person",
                "search": "松山",
                "filters": {},
                "page": 1,
                "ids": [person.pk],
            },
        )
        self.client.get("/en/admin/declarations/submission/?status__exact=pending")
        listed = events("admin.viewed_list")[-1]
        self.assertEqual(listed.detail["filters"], {"status__exact": "pending"})
        self.assertEqual(sorted(listed.detail["ids"]), sorted(s.pk for s in self.waiting))

    def test_opening_a_submission_in_the_admin_is_recorded(self):
        login_verified(self.client, self.alice)
        submission = self.waiting[1]
        response = self.client.get(f"/en/admin/declarations/submission/{submission.pk}/change/")
        self.assertContains(response, "松山")
        self.client.get(f"/en/admin/declarations/submission/{submission.pk}/history/")
        opened, history = events("admin.viewed")
        self.assertEqual(
            (opened.actor, opened.object_type, opened.object_id),
            (self.alice, "declarations.submission", str(submission.pk)),
        )
        self.assertEqual(history.detail, {"view": "history"})
        # One event per page: the admin's own queries add none.
        self.assertEqual(AuditEvent.objects.count(), 2)

    def test_searching_the_audit_log_is_recorded_but_plain_pages_are_not(self):
        login_verified(self.client, self.alice)
        self.client.get("/en/staff/audit/")
        self.assertFalse(AuditEvent.objects.exists())
        self.client.get(f"/en/staff/audit/?object_id={self.waiting[1].pk}")
        (event,) = events("audit.searched")
        self.assertEqual(
            event.detail, {"filters": {"object_id": str(self.waiting[1].pk)}, "page": 1}
        )
