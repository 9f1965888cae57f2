"""Four eyes on what staff enter: a second person accepts it, above a daily quota at least."""

import csv
import io
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import time_machine
from django.core.management import call_command
from django.test import override_settings

from tests.base import BaseTestCase, login_verified, make_staff, make_submission, run_sequencer
from tests.declarations.test_import import HEADER, csv_file
from tests.declarations.test_intake import intake_data
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import (
    Channel,
    Flag,
    SelfApproval,
    Status,
    Submission,
    TallyCounter,
)

QUEUE = "/{lang}/staff/queue/"
THREE_ROWS = (
    HEADER
    + "松山,party,CN-SX,,2026-11-20,phone,\n"
    + "明月,league,CN-SD,,2026-11-20,post,\n"
    + "清风,pioneers,,,2026-11-19,fax,\n"
)


def accept(client, *submissions, lang="en"):
    return client.post(
        QUEUE.format(lang=lang),
        {"submissions": [s.pk for s in submissions], "action": "accept"},
        follow=True,
    )


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class FourEyesTestCase(BaseTestCase):
    def test_a_volunteers_csv_import_waits_for_a_moderator(self):
        login_verified(self.client, self.val)
        response = self.client.post("/en/staff/import/", {"file": csv_file(THREE_ROWS)})
        self.assertContains(response, "0 accepted, 3 waiting for review")
        self.assertContains(response, "Entered by staff: a second person must accept it")
        self.assertContains(response, "every declaration entered here waits in the moderation")
        submissions = list(Submission.objects.order_by("pk"))
        self.assertEqual({s.status for s in submissions}, {Status.PENDING})
        self.assertEqual({tuple(s.flags) for s in submissions}, {(Flag.STAFF_ENTERED,)})
        run_sequencer()
        self.assertNotIn("total", TallyCounter.snapshot())
        # The volunteer has no way into the queue at all …
        self.assertEqual(accept(self.client, *submissions).status_code, 403)
        # … and a moderator accepts them: only now are they counted.
        login_verified(self.client, self.mo)
        response = accept(self.client, *submissions)
        self.assertContains(response, "Accepted 3 submissions (3 people).")
        run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["total"], 3)
        self.assertEqual(
            set(Submission.objects.values_list("moderated_by", flat=True)), {self.mo.pk}
        )

    def test_nobody_accepts_what_they_entered_not_even_an_admin(self):
        # Alice is an admin, so she may both enter and moderate.
        login_verified(self.client, self.alice)
        self.client.post("/en/staff/intake/", intake_data(("松山", ["party"], "CN-SX", "")))
        self.client.post("/en/staff/import/", {"file": csv_file(THREE_ROWS)})
        own = list(Submission.objects.order_by("pk"))
        self.assertEqual(len(own), 4)
        queue = self.client.get(QUEUE.format(lang="en"))
        self.assertContains(queue, "You entered this submission: another moderator must accept", 4)
        for lang, refused in [
            ("zh-hans", "有 4 份提交是您录入的：须由另一位审核员接受。"),
            ("zh-hant", "有 4 份提交是您錄入的：須由另一位審核員接受。"),
            ("en", "4 submissions were entered by you: another moderator must accept them."),
        ]:
            # In bulk, as the queue's "select all" sends them.
            response = accept(self.client, *own, lang=lang)
            self.assertContains(response, refused)
        self.assertEqual({s.status for s in Submission.objects.all()}, {Status.PENDING})
        self.assertFalse(AuditEvent.objects.filter(action="declarations.accept").exists())
        # The model refuses too, whoever calls it, and so does accepting on nobody's behalf.
        with self.assertRaises(SelfApproval):
            own[0].accept(by=self.alice)
        with self.assertRaises(SelfApproval):
            own[0].accept()
        # Rejecting one's own mistaken entry needs no second person.
        own[0].reject("test", by=self.alice)
        self.assertEqual(Submission.objects.get(pk=own[0].pk).status, Status.REJECTED)
        login_verified(self.client, self.mo)
        accept(self.client, *own)
        self.assertEqual(Submission.objects.filter(status=Status.ACCEPTED).count(), 3)

    def test_the_admin_cannot_change_a_submissions_status(self):
        submission, _ = make_submission("松山", entered_by=self.alice, channel=Channel.PHONE)
        login_verified(self.client, self.alice)
        url = f"/en/admin/declarations/submission/{submission.pk}/change/"
        response = self.client.post(url, {"status": "accepted", "channel": "phone"})
        self.assertEqual(response.status_code, 403)
        submission.refresh_from_db()
        self.assertEqual(submission.status, Status.PENDING)

    def test_the_command_line_import_waits_too_and_names_the_terminal(self):
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "batch.csv"
            path.write_text(THREE_ROWS, encoding="utf-8")
            out = StringIO()
            call_command("importcsv", str(path), "--user", "val", stdout=out)
        self.assertIn("(0 accepted, 3 waiting for review)", out.getvalue())
        self.assertEqual(Submission.objects.pending().count(), 3)
        event = AuditEvent.objects.get(action="declarations.import")
        self.assertEqual((event.actor, event.detail["via"]), (self.val, "command line"))
        self.assertTrue(event.detail["operator"])

    def test_the_queue_labels_staff_entries_in_every_language(self):
        make_submission("松山", entered_by=self.val, channel=Channel.PHONE)
        login_verified(self.client, self.mo)
        for lang, label in [
            ("zh-hans", "由工作人员录入：须由另一人接受"),
            ("zh-hant", "由工作人員錄入：須由另一人接受"),
            ("en", "Entered by staff: a second person must accept it"),
        ]:
            response = self.client.get(QUEUE.format(lang=lang))
            self.assertContains(response, f"<li>{label}</li>")
            # The filter by flag offers it too.
            self.assertContains(response, f'<a href="?flag=staff_entered">{label} (1)</a>')


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class DailyQuotaTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.val)

    def enter(self, *names):
        response = self.client.post(
            "/en/staff/intake/", intake_data(*((name, ["party"], "", "") for name in names))
        )
        self.assertRedirects(response, "/en/staff/intake/", fetch_redirect_response=False)
        return Submission.objects.latest("pk")

    @override_settings(STAFF_DAILY_QUOTA=3)
    def test_the_first_people_of_the_day_pass_then_they_wait(self):
        page = self.client.get("/en/staff/intake/")
        self.assertContains(page, "the first 3 people you enter each day are checked like web")
        self.assertEqual(self.enter("一", "二").status, Status.ACCEPTED)
        self.assertEqual(self.enter("三").status, Status.ACCEPTED)
        over = self.enter("四")
        self.assertEqual((over.status, over.flags), (Status.PENDING, [Flag.STAFF_ENTERED]))
        # Another account has its own quota.
        other = make_staff("vic", "volunteer")
        login_verified(self.client, other)
        self.assertEqual(self.enter("五").status, Status.ACCEPTED)
        # A new day, a new quota; a family that would cross it waits whole.
        with time_machine.travel("2026-11-24 10:00Z", tick=False):
            login_verified(self.client, self.val)  # yesterday's session has expired
            self.assertEqual(self.enter("六", "七").status, Status.ACCEPTED)
            family = self.enter("八", "九")
            self.assertEqual(family.status, Status.PENDING)
            # On that day: the sequencer logs only what was accepted before its own now.
            run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["total"], 6)

    @override_settings(STAFF_DAILY_QUOTA=3)
    def test_within_the_quota_the_usual_flags_still_hold(self):
        make_submission("一")
        duplicate = self.enter("一")
        self.assertEqual((duplicate.status, duplicate.flags), (Status.PENDING, [Flag.DUPLICATE]))

    def test_by_default_every_staff_entry_waits(self):
        self.assertEqual(self.enter("一").status, Status.PENDING)
        # Web declarations are untouched.
        web, _ = make_submission("二")
        self.assertEqual(web.status, Status.ACCEPTED)


@time_machine.travel("2026-11-25 10:00Z", tick=False)  # a Wednesday
class StaffCountsTestCase(BaseTestCase):
    URL = "/{lang}/staff/entered/"

    def setUp(self):
        super().setUp()
        with time_machine.travel("2026-11-20 10:00Z", tick=False):  # last week
            make_submission("旧", entered_by=self.val, channel=Channel.POST)
        with time_machine.travel("2026-11-24 10:00Z", tick=False):  # this Tuesday
            rejected, _ = make_submission("甲", "乙", entered_by=self.val, channel=Channel.PHONE)
            rejected.reject("spam", by=self.mo)
        accepted, _ = make_submission("丙", entered_by=self.val, channel=Channel.PHONE)
        accepted.accept(by=self.mo)
        make_submission("丁", entered_by=self.mo, channel=Channel.FAX)
        make_submission("网")  # from the web: nobody's entry

    def test_admins_see_each_accounts_counts(self):
        login_verified(self.client, self.alice)
        home = self.client.get("/en/staff/")
        self.assertContains(home, 'href="/en/staff/entered/"')
        for lang, heading in [
            ("zh-hans", "各账号录入的声明"),
            ("zh-hant", "各帳號錄入的聲明"),
            ("en", "Declarations entered by each account"),
        ]:
            response = self.client.get(self.URL.format(lang=lang))
            self.assertContains(response, f"<h1>{heading}</h1>")
        # today, this week, in all, people, accepted, rejected, waiting
        self.assertContains(
            response,
            '<th scope="row">val</th><td class="num">1</td><td class="num">2</td>'
            '<td class="num">3</td><td class="num">4</td><td class="num">1</td>'
            '<td class="num">1</td><td class="num">1</td>',
        )
        self.assertContains(
            response,
            '<th scope="row">mo</th><td class="num">1</td><td class="num">1</td>'
            '<td class="num">1</td><td class="num">1</td><td class="num">0</td>'
            '<td class="num">0</td><td class="num">1</td>',
        )
        self.assertNotContains(response, '<th scope="row">alice</th>')
        download = self.client.get(self.URL.format(lang="en") + "?format=csv")
        self.assertEqual(download["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(download.content.decode())))
        self.assertEqual(
            rows,
            [
                ["account", "today", "week", "total", "people", "accepted", "rejected", "waiting"],
                ["val", "1", "2", "3", "4", "1", "1", "1"],
                ["mo", "1", "1", "1", "1", "0", "0", "1"],
            ],
        )

    def test_only_admins(self):
        for user in (self.mo, self.val):
            login_verified(self.client, user)
            self.assertEqual(self.client.get(self.URL.format(lang="en")).status_code, 403)
            self.assertNotContains(self.client.get("/en/staff/"), "/staff/entered/")
        self.client.logout()
        response = self.client.get(self.URL.format(lang="en"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/en/staff/login/", response["Location"])
