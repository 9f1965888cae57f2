"""Casework alerts with time travel, delivered through a real SMTP server by the task worker."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tests.mailserver import MailServerMixin
from tuidang import worker
from tuidang.accounts.models import AuditEvent
from tuidang.cases import alerts
from tuidang.cases.models import (
    AlertLanguage,
    Case,
    CaseAlert,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    ProtectionApplication,
)
from tuidang.cases.tasks import check_casework_alerts
from tuidang.conf import NO_MAIL_BACKEND

START = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("UTC"))


def subject(message) -> str:
    # Django folds a long non-ASCII subject onto a continuation line: the parsed header then
    # starts with the folding space, which mail clients drop.
    return str(message["Subject"]).strip()


def check() -> None:
    """One round as the worker does it: the periodic task enqueued, then run."""
    check_casework_alerts.enqueue()
    worker.run_ready_tasks()


class AlertTestCase(MailServerMixin, CasesTestCase):
    def setUp(self):
        super().setUp()
        self.cas.email = "cas@centre.test"
        self.cas.save()
        self.rita.email = "rita@centre.test"
        self.rita.save()
        AlertLanguage.objects.create(user=self.cas, language="en")
        AlertLanguage.objects.create(user=self.rita, language="zh-hant")
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.case = make_case(
            self.cas, "Lotus", kind=Case.Kind.AT_RISK, backup=self.rita, current_country="TH"
        )

    def tearDown(self):
        self.traveller.stop()
        super().tearDown()

    def at(self, **delta):
        self.clock.move_to(START + timedelta(**delta))

    def subjects(self, address):
        return [subject(message) for message in self.mailserver.to(address)]


class StayAlertTests(AlertTestCase):
    def test_each_threshold_is_sent_once_to_owner_and_backup_in_their_language(self):
        LegalStay.objects.create(
            case=self.case,
            status="visa_free",
            country="CN-HK",
            document="Permit 4242",
            valid_until=START.date() + timedelta(days=40),
        )
        check()
        self.assertEqual(self.mailserver.messages, [])  # 40 days left: beyond every threshold
        expected = []
        for day, days_left in ((10, 30), (33, 7), (39, 1)):
            self.at(days=day)
            check()
            check()  # a second round (or a second worker) sends nothing more
            expected.append(days_left)
            self.assertEqual(len(self.mailserver.to("cas@centre.test")), len(expected))
            self.assertEqual(len(self.mailserver.to("rita@centre.test")), len(expected))
        self.at(days=41)
        check()
        owner = self.mailserver.to("cas@centre.test")
        self.assertEqual(len(owner), 4)
        self.assertIn("The legal stay ends in 30 days", self.mailserver.text(owner[0]))
        self.assertIn("The legal stay ends in 7 days", self.mailserver.text(owner[1]))
        self.assertIn("The legal stay ends in 1 day,", self.mailserver.text(owner[2]))
        self.assertIn("The legal stay ended on", self.mailserver.text(owner[3]))
        self.assertEqual(subject(owner[0]), "[tuidang] Case Lotus: legal stay ending")
        backup = self.mailserver.to("rita@centre.test")
        self.assertEqual(subject(backup[1]), "[tuidang] 個案 Lotus：合法居留即將到期")
        self.assertIn("合法居留將在7天後", self.mailserver.text(backup[1]))
        self.assertIn(f"/zh-hant/cases/{self.case.pk}/casework/", self.mailserver.text(backup[1]))
        self.assertEqual(CaseAlert.objects.filter(case=self.case).count(), 4)

    def test_an_alert_carries_no_location_name_or_note(self):
        LegalStay.objects.create(
            case=self.case,
            status="visa",
            country="TH",
            document="Passport E1234567",
            valid_until=START.date() + timedelta(days=3),
            notes="hiding with a friend in Chiang Mai",
        )
        check()
        [message] = self.mailserver.to("cas@centre.test")
        raw = message.as_string()
        for secret in ("Thailand", "E1234567", "Chiang Mai", "泰國", "泰国"):
            self.assertNotIn(secret, raw)

    def test_a_stay_first_recorded_close_to_its_end_raises_only_the_nearest_threshold(self):
        LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=5)
        )
        check()
        [message] = self.mailserver.to("cas@centre.test")
        self.assertIn("ends in 5 days", self.mailserver.text(message))
        self.at(days=1)
        check()  # still within 7 days: already alerted
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 1)

    def test_an_extended_stay_counts_down_again(self):
        stay = LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=6)
        )
        check()
        stay.valid_until = START.date() + timedelta(days=36)
        stay.save()
        self.at(days=6)  # 30 days left of the new date
        check()
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 2)

    def test_the_thresholds_are_a_setting(self):
        LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=14)
        )
        with override_settings(CASES_STAY_ALERT_DAYS=[3]):
            check()
            self.assertEqual(self.mailserver.messages, [])
            self.at(days=11)
            check()
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 1)

    def test_a_documentation_case_raises_no_alert(self):
        other = make_case(self.cas, "Peony")
        LegalStay.objects.create(
            case=other, status="visa", valid_until=START.date() + timedelta(days=1)
        )
        self.assertEqual(alerts.raise_due(), 0)


class OtherAlertTests(AlertTestCase):
    def test_missed_checkin_alert_once_and_a_new_checkin_resets_it(self):
        CheckInPlan.objects.create(case=self.case, every_hours=24, grace_hours=2, started=START)
        self.at(hours=25)
        check()
        self.assertEqual(self.mailserver.messages, [])  # due, but within the grace period
        self.at(hours=26, minutes=1)
        check()
        check()
        [message] = self.mailserver.to("cas@centre.test")
        self.assertEqual(subject(message), "[tuidang] Case Lotus: check-in missed")
        self.assertIn("A safety check-in was due at", self.mailserver.text(message))
        CheckIn.objects.create(case=self.case, at=timezone.now(), channel="call")
        self.at(hours=40)
        check()
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 1)
        self.at(hours=26 + 24 + 2, minutes=2)
        check()  # the next one missed too
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 2)

    def test_a_paused_plan_raises_nothing(self):
        CheckInPlan.objects.create(case=self.case, every_hours=1, active=False, started=START)
        self.at(days=3)
        self.assertEqual(alerts.raise_due(), 0)

    def test_a_checkin_asking_for_help_is_emailed_at_once(self):
        login_verified(self.client, self.cas)
        response = self.client.post(
            f"/en/cases/{self.case.pk}/casework/checkin/new/",
            {"at": "2026-03-01T08:30", "channel": "third_party", "note": "police at the door"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.mailserver.messages, [])  # a task, not in the request
        worker.run_ready_tasks()
        [message] = self.mailserver.to("cas@centre.test")
        self.assertIn("A check-in said the person needs help.", self.mailserver.text(message))
        self.assertNotIn("police", message.as_string())

    def test_reply_overdue_task_due_interview_and_appeal(self):
        contact = Contact.objects.create(
            case=self.case,
            party_kind="embassy",
            channel="letter",
            contacted_on=START.date(),
            reply_expected_by=START.date() + timedelta(days=10),
        )
        CaseTask.objects.create(
            case=self.case, title="Call the lawyer", remind_at=START + timedelta(days=2)
        )
        ProtectionApplication.objects.create(
            case=self.case,
            kind="asylum",
            status="decided",
            decision="refused",
            interview_on=START.date() + timedelta(days=3),
            appeal_deadline=START.date() + timedelta(days=14),
        )
        check()
        self.assertEqual(
            [subject(m) for m in self.mailserver.to("cas@centre.test")],
            [
                "[tuidang] Case Lotus: interview coming",
                "[tuidang] Case Lotus: appeal deadline coming",
            ],
        )
        self.at(days=11)
        check()
        texts = [self.mailserver.text(m) for m in self.mailserver.to("cas@centre.test")]
        self.assertTrue(any("A reply from the embassy was expected by" in t for t in texts))
        self.assertTrue(any("A task is due" in t for t in texts))
        self.assertNotIn("Call the lawyer", "".join(texts))
        # A follow-up stops the reply being counted as overdue again (it was alerted once).
        Contact.objects.create(
            case=self.case,
            party_kind="embassy",
            channel="phone",
            follow_up_of=contact,
            contacted_on=START.date() + timedelta(days=11),
        )
        self.assertFalse(Contact.objects.awaiting_reply(START.date() + timedelta(days=12)))

    def test_without_a_relay_alerts_wait_and_go_once_one_is_configured(self):
        LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=2)
        )
        with override_settings(EMAIL_BACKEND=NO_MAIL_BACKEND):
            result = check_casework_alerts.enqueue()
            worker.run_ready_tasks()
        failed = DBTaskResult.objects.get(id=result.id)
        self.assertEqual(failed.status, TaskResultStatus.FAILED)
        self.assertIn("TUIDANG_EMAIL_URL", failed.traceback)
        self.assertEqual(CaseAlert.objects.get().emailed, None)
        check()
        self.assertEqual(len(self.mailserver.to("cas@centre.test")), 1)
        self.assertIsNotNone(CaseAlert.objects.get().emailed)


class AlertPanelTests(AlertTestCase):
    def test_the_panel_shows_open_alerts_in_each_language_and_seen_ones_go(self):
        LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=7)
        )
        alerts.raise_due()
        alert = CaseAlert.objects.get()
        outsider_case = make_case(self.rob, "Orchid", kind=Case.Kind.AT_RISK)
        LegalStay.objects.create(
            case=outsider_case, status="visa", valid_until=START.date() + timedelta(days=1)
        )
        alerts.raise_due()
        login_verified(self.client, self.cas)
        for language, text in (
            ("en", "The legal stay ends in 7 days"),
            ("zh-hans", "合法居留将在7天后"),
            ("zh-hant", "合法居留將在7天後"),
        ):
            page = self.client.get(f"/{language}/cases/casework/")
            self.assertContains(page, text)
            self.assertNotContains(page, "Orchid")
        # Another person's alert cannot be acknowledged through this case or that one.
        other_alert = CaseAlert.objects.get(case=outsider_case)
        for url in (
            f"/en/cases/{self.case.pk}/casework/alerts/{other_alert.pk}/acknowledge/",
            f"/en/cases/{outsider_case.pk}/casework/alerts/{other_alert.pk}/acknowledge/",
        ):
            self.assertEqual(self.client.post(url).status_code, 404)
        self.client.post(
            f"/en/cases/{self.case.pk}/casework/alerts/{alert.pk}/acknowledge/",
            {"next": "dashboard"},
        )
        self.assertNotContains(
            self.client.get("/en/cases/casework/"), "The legal stay ends in 7 days"
        )
        alert.refresh_from_db()
        self.assertEqual(alert.acknowledged_by, self.cas)
        self.assertTrue(AuditEvent.objects.filter(action="cases.alert_acknowledged").exists())

    def test_staff_panel_for_the_home_page(self):
        from django.apps import apps
        from django.test import RequestFactory

        LegalStay.objects.create(
            case=self.case, status="visa", valid_until=START.date() + timedelta(days=1)
        )
        alerts.raise_due()
        request = RequestFactory().get("/en/staff/")
        request.user = self.cas
        html = apps.get_app_config("cases").staff_panel(request)
        self.assertIn("Lotus", html)
        request.user = self.val
        self.assertEqual(apps.get_app_config("cases").staff_panel(request), "")

    def test_alert_language_is_chosen_on_the_overview(self):
        login_verified(self.client, self.cas)
        self.client.post("/en/cases/casework/language/", {"language": "zh-hans"})
        self.assertEqual(AlertLanguage.objects.get(user=self.cas).language, "zh-hans")
        response = self.client.post("/en/cases/casework/language/", {"language": "xx"}, follow=True)
        self.assertContains(response, "Choose one of the languages offered.")
