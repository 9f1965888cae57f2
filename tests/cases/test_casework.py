"""Casework for people at risk over HTTP, as each role reaches it, in the three languages."""

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.accounts.models import AuditEvent
from tuidang.cases.models import (
    Case,
    CaseGrant,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    MovementLeg,
    ProtectionApplication,
    Team,
)

LANGUAGES = ("zh-hans", "zh-hant", "en")
THAILAND = {"zh-hans": "泰国", "zh-hant": "泰國", "en": "Thailand"}
HEADINGS = {
    "zh-hans": "保护申请",
    "zh-hant": "保護申請",
    "en": "Protection applications",
}


def at_risk(owner, codename="Lotus", **fields) -> Case:
    return make_case(owner, codename, kind=Case.Kind.AT_RISK, risk=Case.Risk.HIGH, **fields)


class CaseworkFlowTests(CasesTestCase):
    def test_a_caseworker_records_a_whole_case_in_each_language(self):
        for language in LANGUAGES:
            login_verified(self.client, self.cas)
            case = at_risk(self.cas, f"Lotus-{language}", backup=self.rita)
            base = f"/{language}/cases/{case.pk}/casework"
            page = self.client.get(f"{base}/")
            self.assertEqual(page.status_code, 200)
            self.assertContains(page, HEADINGS[language])
            in_seven = (timezone.localdate() + timedelta(days=7)).isoformat()
            posts = {
                "stay": {
                    "status": "visa_free",
                    "country": "CN-HK",
                    "document": "Visitor permit 12345",
                    "valid_until": in_seven,
                    "notes": "refused asylum twice",
                },
                "leg": {
                    "kind": "flight",
                    "from_country": "CN-HK",
                    "to_country": "TH",
                    "left_on": in_seven,
                },
                "application": {
                    "kind": "unhcr",
                    "country": "TH",
                    "authority": "UNHCR Bangkok",
                    "reference": "UNHCR-889-2026",
                    "status": "submitted",
                    "submitted_on": "2026-01-05",
                    "decision": "",
                },
                "contact": {
                    "party_kind": "embassy",
                    "party": "Consular section",
                    "channel": "letter",
                    "contacted_on": "2026-01-06",
                    "summary": "asked for an urgent visa",
                    "reply_expected_by": "2026-01-20",
                },
                "task": {"title": "Book the bus ticket", "assignee": self.rita.pk},
                "plan": {"every_hours": "24", "grace_hours": "2", "active": "on"},
                "checkin": {
                    "at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                    "channel": "message",
                    "safe": "on",
                    "note": "arrived safely",
                },
            }
            for part, data in posts.items():
                self.assertEqual(self.client.get(f"{base}/{part}/new/").status_code, 200, part)
                response = self.client.post(f"{base}/{part}/new/", data)
                self.assertRedirects(response, f"{base}/", msg_prefix=f"{language} {part}")
            stay = LegalStay.objects.get(case=case)
            self.assertEqual((stay.country, stay.document), ("CN-HK", "Visitor permit 12345"))
            self.assertEqual(MovementLeg.objects.get(case=case).to_country, "TH")
            self.assertEqual(
                ProtectionApplication.objects.get(case=case).reference, "UNHCR-889-2026"
            )
            self.assertEqual(Contact.objects.get(case=case).party, "Consular section")
            self.assertEqual(CaseTask.objects.get(case=case).assignee, self.rita)
            self.assertEqual(CheckInPlan.objects.get(case=case).every_hours, 24)
            self.assertEqual(CheckIn.objects.get(case=case).recorded_by, self.cas)

            # Locations and references are hidden until shown with a reason, in the language.
            page = self.client.get(f"{base}/")
            self.assertContains(page, "Book the bus ticket")
            self.assertContains(page, "7")  # days left
            self.assertNotContains(page, THAILAND[language])
            self.assertNotContains(page, "UNHCR-889-2026")
            self.assertNotContains(page, "Visitor permit 12345")
            refused = self.client.post(f"{base}/reveal/", {"reason": ""})
            self.assertNotContains(refused, THAILAND[language])
            shown = self.client.post(f"{base}/reveal/", {"reason": "booking the escape route"})
            self.assertContains(shown, THAILAND[language])
            self.assertContains(shown, "UNHCR-889-2026")
            event = AuditEvent.objects.filter(action="cases.identity_viewed").latest("seq")
            self.assertEqual(event.detail["reason"], "booking the escape route")
            self.assertIn("to_country", event.detail["fields"])
            # Every save was audited, naming fields, never their values.
            saved = AuditEvent.objects.filter(action="cases.casework_saved", object_id=str(case.pk))
            self.assertEqual(saved.count(), len(posts))
            self.assertNotIn("Visitor permit", str(list(saved.values_list("detail", flat=True))))

    def test_editing_never_shows_an_identity_and_keeps_it_when_left_empty(self):
        case = at_risk(self.cas)
        stay = LegalStay.objects.create(
            case=case,
            status="visa",
            country="TH",
            document="Visa 777",
            valid_until=date(2027, 1, 1),
        )
        login_verified(self.client, self.cas)
        url = f"/en/cases/{case.pk}/casework/stay/{stay.pk}/"
        form = self.client.get(url)
        self.assertNotContains(form, "Visa 777")
        self.assertNotContains(form, 'value="TH" selected')
        self.assertContains(form, "Leave empty to keep what is recorded")
        self.client.post(
            url, {"status": "refugee", "country": "", "document": "", "valid_until": "2027-06-30"}
        )
        stay.refresh_from_db()
        self.assertEqual(
            (stay.status, stay.country, stay.document, stay.valid_until),
            ("refugee", "TH", "Visa 777", date(2027, 6, 30)),
        )

    def test_bad_input_is_explained_and_loses_nothing_valid(self):
        case = at_risk(self.cas)
        login_verified(self.client, self.cas)
        for language, message in (
            ("en", "An appeal deadline follows a refusal"),
            ("zh-hans", "上诉期限在拒绝之后"),
            ("zh-hant", "上訴期限在拒絕之後"),
        ):
            response = self.client.post(
                f"/{language}/cases/{case.pk}/casework/application/new/",
                {
                    "kind": "asylum",
                    "authority": "Immigration Department",
                    "status": "submitted",
                    "appeal_deadline": "2026-02-01",
                    "decision": "",
                },
            )
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, message)
            self.assertContains(response, 'value="Immigration Department"')
        self.assertFalse(ProtectionApplication.objects.exists())

    def test_backup_team_and_grantee_work_on_the_case_others_get_404(self):
        team = Team.objects.create(name="Bangkok desk")
        team.members.add(self.rob)
        case = at_risk(self.cas, backup=self.rita, team=team)
        granted = self._staff("gina", "caseworker")
        CaseGrant.objects.create(case=case, user=granted, granted_by=self.cas)
        for user in (self.cas, self.rita, self.rob, granted):
            login_verified(self.client, user)
            self.assertEqual(self.client.get(f"/en/cases/{case.pk}/casework/").status_code, 200)
            response = self.client.post(
                f"/en/cases/{case.pk}/casework/contact/new/",
                {"party_kind": "ngo", "channel": "phone", "contacted_on": "2026-03-01"},
            )
            self.assertEqual(response.status_code, 302, user)
        self.assertEqual(Contact.objects.filter(case=case).count(), 4)
        outsider = self._staff("otto", "caseworker")
        for user in (outsider, self.alice):
            login_verified(self.client, user)
            self.assertEqual(self.client.get(f"/en/cases/{case.pk}/casework/").status_code, 404)

    def test_a_documentation_case_has_no_casework(self):
        case = make_case(self.rita, "Peony")
        login_verified(self.client, self.rita)
        self.assertEqual(self.client.get(f"/en/cases/{case.pk}/casework/").status_code, 404)

    def test_the_overview_counts_down_soonest_first(self):
        today = timezone.localdate()
        later = at_risk(self.cas, "Later")
        LegalStay.objects.create(case=later, status="visa", valid_until=today + timedelta(days=60))
        soon = at_risk(self.cas, "Soon")
        LegalStay.objects.create(case=soon, status="visa", valid_until=today + timedelta(days=6))
        # Only the latest recorded stay counts: Soon's older stay ended long ago.
        LegalStay.objects.create(
            case=soon,
            status="visa",
            valid_until=today - timedelta(days=100),
            recorded=timezone.now() - timedelta(days=200),
        )
        for language in LANGUAGES:
            login_verified(self.client, self.cas)
            page = self.client.get(f"/{language}/cases/casework/").content.decode()
            self.assertLess(page.index("Soon"), page.index("Later"))
            self.assertIn('<td class="num">6</td>', page)
        self.assertTrue(AuditEvent.objects.filter(action="cases.casework_listed").exists())

    def test_locations_are_sealed_in_the_database(self):
        case = at_risk(self.cas)
        LegalStay.objects.create(case=case, status="visa", country="TH", document="Visa 9988")
        with connection.cursor() as cursor:
            cursor.execute("SELECT country, document FROM cases_legalstay")
            country, document = cursor.fetchone()
        # Ciphertext only: the code's two letters cannot be told from noise, the number can.
        self.assertGreater(len(bytes(country)), 40)
        self.assertNotIn(b"Visa 9988", bytes(document))

    def _staff(self, name, role):
        from tests.base import make_staff

        return make_staff(name, role)
