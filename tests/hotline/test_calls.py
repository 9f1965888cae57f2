import base64
import os
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import time_machine
from nacl.public import PrivateKey

from tests.base import BaseTestCase, login_verified
from tuidang.accounts.models import AuditEvent
from tuidang.declarations import contacts
from tuidang.hotline.models import Call, CallOutcome

URL = "/{lang}/staff/calls/"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday


@time_machine.travel(NOW, tick=False)
class CallLogTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.val)
        self.private_key = PrivateKey.generate()
        public = base64.b64encode(bytes(self.private_key.public_key)).decode()
        env = mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": public})
        env.start()
        self.addCleanup(env.stop)

    def test_the_page_in_every_language(self):
        for lang, heading, outcome in [
            ("zh-hans", "热线来电记录", "骚扰和威胁（每周）"),
            ("zh-hant", "熱線來電記錄", "騷擾和威脅（每週）"),
            ("en", "Hotline call log", "Harassment and threats per week"),
        ]:
            response = self.client.get(URL.format(lang=lang))
            self.assertContains(response, heading)
            self.assertContains(response, outcome)
            self.assertContains(response, 'value="2026-11-23T10:00"')  # the time defaults to now
            self.assertContains(response, 'accesskey="1"')
            self.assertContains(response, '<svg class="chart" role="img"')
            self.assertNotContains(response, "<script")

    def test_a_volunteer_logs_a_harassing_call(self):
        response = self.client.post(
            URL.format(lang="en"),
            {"outcome": "harassment", "taken_at": "2026-11-23T09:41", "notes": "shouting, hung up"},
            follow=True,
        )
        self.assertContains(response, "Call logged: Harassment, 2026-11-23 09:41.")
        call = Call.objects.get()
        self.assertEqual(call.outcome, CallOutcome.HARASSMENT)
        self.assertEqual(call.taken_by, self.val)
        self.assertEqual(call.taken_at, datetime(2026, 11, 23, 9, 41, tzinfo=UTC))
        self.assertEqual(call.notes, "shouting, hung up")
        self.assertIsNone(call.sealed_caller_number)
        event = AuditEvent.objects.get(action="declarations.call")
        self.assertEqual((event.actor, event.object_id), (self.val, str(call.pk)))
        self.assertEqual(event.detail, {"outcome": "harassment", "caller_number_recorded": False})
        self.assertContains(response, "shouting, hung up")  # in the recent calls

    def test_a_caller_number_is_refused_unless_the_call_was_a_threat(self):
        for lang, message in [
            ("zh-hans", "只有威胁来电才记录来电号码"),
            ("zh-hant", "只有威脅來電才記錄來電號碼"),
            ("en", "A caller&#x27;s number is kept only for a threat."),
        ]:
            response = self.client.post(
                URL.format(lang=lang),
                {
                    "outcome": "harassment",
                    "taken_at": "2026-11-23T09:41",
                    "caller_number": "+86 10 1234 5678",
                    "notes": "again",
                },
            )
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, message)
            # Nothing typed is lost: the volunteer can change the outcome or remove the number.
            self.assertContains(response, 'value="+86 10 1234 5678"')
            self.assertContains(response, "again</textarea>")
        self.assertFalse(Call.objects.exists())
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_threat_keeps_the_number_but_the_audit_log_does_not(self):
        self.client.post(
            URL.format(lang="en"),
            {
                "outcome": "threat",
                "taken_at": "2026-11-23T09:41",
                "caller_number": "+86 10 1234 5678",
            },
        )
        call = Call.objects.get()
        # Sealed at rest: the number is nowhere in the row in clear.
        self.assertNotIn(b"1234 5678", bytes(call.sealed_caller_number))
        self.assertEqual(
            contacts.reveal(call.sealed_caller_number, self.private_key), "+86 10 1234 5678"
        )
        event = AuditEvent.objects.get(action="declarations.call")
        self.assertEqual(event.detail, {"outcome": "threat", "caller_number_recorded": True})
        self.assertNotIn("1234", str(event.detail))

    def test_bad_input_is_explained(self):
        for lang, outcome_error, time_error, number_error in [
            ("zh-hans", "请选择这次来电的结果。", "来电时间不能在将来。", "号码只能包含数字"),
            ("zh-hant", "請選擇這次來電的結果。", "來電時間不能在將來。", "號碼只能包含數字"),
            (
                "en",
                "Choose the outcome of the call.",
                "The time of the call cannot be in the future.",
                "Enter the number with digits only",
            ),
        ]:
            response = self.client.post(URL.format(lang=lang), {"taken_at": "2026-11-24T09:00"})
            self.assertContains(response, outcome_error)
            self.assertContains(response, time_error)
            response = self.client.post(
                URL.format(lang=lang),
                {
                    "outcome": "threat",
                    "taken_at": "2026-11-23T09:00",
                    "caller_number": "call me maybe",
                },
            )
            self.assertContains(response, number_error)
        self.assertFalse(Call.objects.exists())

    def test_weekly_summary_and_chart(self):
        def log(outcome, days_ago, n=1):
            for _ in range(n):
                Call.objects.create(
                    taken_by=self.val, outcome=outcome, taken_at=NOW - timedelta(days=days_ago)
                )

        log("harassment", 0, 2)  # this week (from Monday 23 November)
        log("threat", 0)
        log("question", 1)  # Sunday: last week
        log("harassment", 8, 4)  # the week of 9 November
        log("threat", 200)  # long ago: outside the last 12 weeks
        response = self.client.get(URL.format(lang="en"))
        weeks = {w["start"]: w for w in response.context["weeks"]}
        self.assertEqual(len(weeks), 12)
        outcomes = [value for value, _label in response.context["outcomes"]]
        this_week = weeks[date(2026, 11, 23)]
        self.assertEqual(this_week["total"], 3)
        self.assertEqual(this_week["counts"][outcomes.index("threat")], 1)
        self.assertEqual(weeks[date(2026, 11, 16)]["counts"][outcomes.index("question")], 1)
        self.assertEqual(weeks[date(2026, 11, 9)]["counts"][outcomes.index("harassment")], 4)
        self.assertNotIn(date(2026, 5, 4), weeks)
        bars = {bar["week"]: bar for bar in response.context["chart"]["bars"]}
        self.assertEqual(bars[date(2026, 11, 23)]["value"], 3)
        self.assertEqual(bars[date(2026, 11, 16)]["value"], 0)
        # The busiest week draws the full height; the others are scaled to it.
        self.assertEqual(bars[date(2026, 11, 9)]["height"], 120)
        self.assertEqual(bars[date(2026, 11, 23)]["height"], 90)
        self.assertContains(response, "<title>2026-11-09: 4</title>", html=False)

    def test_recent_calls_show_who_took_them(self):
        Call.objects.create(taken_by=self.mo, outcome="hang_up", taken_at=NOW, notes="silence")
        response = self.client.get(URL.format(lang="en"))
        self.assertContains(response, "<td>mo</td>", html=False)
        self.assertContains(response, "Caller hung up")

    def test_a_moderator_may_log_calls(self):
        login_verified(self.client, self.mo)
        self.client.post(
            URL.format(lang="en"), {"outcome": "question", "taken_at": "2026-11-23T09:00"}
        )
        self.assertEqual(Call.objects.get().taken_by, self.mo)
