"""Who may open a case: owner, backup, team, explicit grant — nobody else, admins included."""

from django.http import Http404

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.accounts.models import AuditEvent
from tuidang.cases.access import cases_for_user, get_case_for_user
from tuidang.cases.models import CaseGrant, Team


class CaseAccessTests(CasesTestCase):
    def test_owner_backup_team_and_grant_open_a_case_and_nobody_else(self):
        team = Team.objects.create(name="Documentation")
        team.members.add(self.rob)
        owned = make_case(self.rita, "Owned")
        backed = make_case(self.cas, "Backed", backup=self.rita)
        teamed = make_case(self.cas, "Teamed", team=team)
        granted = make_case(self.cas, "Granted")
        CaseGrant.objects.create(case=granted, user=self.rita, granted_by=self.cas)
        self.assertEqual(
            set(cases_for_user(self.rita).values_list("codename", flat=True)),
            {"Owned", "Backed", "Granted"},
        )
        self.assertEqual(list(cases_for_user(self.rob)), [teamed])
        # An admin is not let in by the role alone; a volunteer or moderator never.
        for outsider in (self.alice, self.mo, self.val):
            self.assertFalse(cases_for_user(outsider).exists())
            with self.assertRaises(Http404):
                get_case_for_user(outsider, owned.pk)
        self.assertEqual(get_case_for_user(self.rita, backed.pk), backed)
        for missing in (999999, "x", None):
            with self.assertRaises(Http404):
                get_case_for_user(self.rita, missing)

    def test_a_user_who_leaves_the_role_loses_every_case(self):
        case = make_case(self.rita)
        self.rita.groups.clear()
        with self.assertRaises(Http404):
            get_case_for_user(self.rita, case.pk)


class CasePagesTests(CasesTestCase):
    def test_pages_answer_404_for_missing_and_forbidden_alike(self):
        case = make_case(self.rita, "Camellia")
        login_verified(self.client, self.rob)
        for language in ("zh-hans", "zh-hant", "en"):
            for url in (f"/{language}/cases/{case.pk}/", f"/{language}/cases/999999/"):
                self.assertEqual(self.client.get(url).status_code, 404, url)
            response = self.client.get(f"/{language}/cases/")
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, "Camellia")

    def test_volunteers_are_refused_the_cases_pages(self):
        login_verified(self.client, self.val)
        self.assertEqual(self.client.get("/en/cases/").status_code, 403)

    def test_opening_a_case_and_showing_its_identities_with_a_reason(self):
        login_verified(self.client, self.cas)
        response = self.client.post(
            "/en/cases/new/", {"codename": "Lotus", "kind": "at_risk", "risk": "high"}
        )
        case = cases_for_user(self.cas).get(codename="Lotus")
        self.assertRedirects(response, f"/en/cases/{case.pk}/")
        case.current_country = "TH"
        case.save()
        page = self.client.get(f"/en/cases/{case.pk}/")
        self.assertContains(page, "Lotus")
        self.assertNotContains(page, "<dd>TH</dd>", html=False)
        # No reason, nothing shown and nothing recorded.
        self.client.post(f"/en/cases/{case.pk}/identities/", {"reason": ""})
        self.assertFalse(AuditEvent.objects.filter(action="cases.identity_viewed").exists())
        page = self.client.post(f"/en/cases/{case.pk}/identities/", {"reason": "call back"})
        self.assertContains(page, "<dd>TH</dd>", html=True)
        event = AuditEvent.objects.get(action="cases.identity_viewed")
        self.assertEqual((event.actor, event.object_id), (self.cas, str(case.pk)))
        self.assertEqual(event.detail["reason"], "call back")


class StaffHomeTests(CasesTestCase):
    def test_the_staff_home_links_to_cases_for_case_roles_only(self):
        for user, shown in ((self.rita, True), (self.cas, True), (self.val, False)):
            login_verified(self.client, user)
            response = self.client.get("/en/staff/")
            self.assertEqual("/en/cases/" in response.content.decode(), shown, user)
