"""The IDOR matrix for the casework pages: every URL × every role.

Those the case is open to get the page; every other researcher or caseworker, and admins, get
404, the same answer as for a case that does not exist; staff without a case role get 403 on
every case URL alike; anonymous visitors are sent to the login. An item of another case,
reached through a case one may open, is a 404 too.
"""

from django.utils import timezone

from tests.base import login_verified, make_staff
from tests.cases.base import CasesTestCase, make_case
from tuidang.cases.casework import PARTS
from tuidang.cases.models import (
    Case,
    CaseAlert,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    MovementLeg,
    ProtectionApplication,
    Team,
)

MISSING = 999999


def fill(case: Case) -> dict[str, int]:
    """One item of every part in ``case``; returns part → item id (and the alert's id)."""
    return {
        "stay": LegalStay.objects.create(case=case, status="visa", country="TH").pk,
        "leg": MovementLeg.objects.create(case=case, kind="deportation", to_country="CN").pk,
        "application": ProtectionApplication.objects.create(case=case, kind="asylum").pk,
        "contact": Contact.objects.create(case=case, party_kind="unhcr", channel="email").pk,
        "task": CaseTask.objects.create(case=case, title="Find a lawyer").pk,
        "checkin": CheckIn.objects.create(case=case, channel="call", at=timezone.now()).pk,
        "plan": CheckInPlan.objects.create(case=case).pk,
        "alert": CaseAlert.objects.create(
            case=case, kind="task_due", key=f"test:{case.pk}", detail={"date": "2026-01-01"}
        ).pk,
    }


def urls(case_id: int, items: dict[str, int]) -> list[tuple[str, str, dict]]:
    """(method, path, data) for every casework URL of one case."""
    base = f"/en/cases/{case_id}/casework"
    found: list[tuple[str, str, dict]] = [
        ("get", f"{base}/", {}),
        ("post", f"{base}/reveal/", {"reason": "matrix"}),
        ("post", f"{base}/alerts/{items['alert']}/acknowledge/", {}),
    ]
    for part in PARTS:
        found.append(("get", f"{base}/{part}/new/", {}))
        if part != "plan":
            found.append(("get", f"{base}/{part}/{items[part]}/", {}))
    return found


class CaseworkIdorMatrix(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.team_member = make_staff("tess", "caseworker")
        team = Team.objects.create(name="Desk")
        team.members.add(self.team_member)
        self.case = make_case(
            self.cas, "Lotus", kind=Case.Kind.AT_RISK, backup=self.rita, team=team
        )
        self.items = fill(self.case)
        self.other = make_case(make_staff("owen", "caseworker"), "Orchid", kind=Case.Kind.AT_RISK)
        self.other_items = fill(self.other)
        self.otto = make_staff("otto", "caseworker")

    def status(self, user, method, path, data) -> int:
        self.client.logout()
        if user is not None:
            login_verified(self.client, user)
        return getattr(self.client, method)(path, data).status_code

    def test_every_url_for_every_role(self):
        allowed = {"owner": self.cas, "backup": self.rita, "team": self.team_member}
        refused = {"other caseworker": self.otto, "other researcher": self.rob, "admin": self.alice}
        no_role = {"moderator": self.mo, "volunteer": self.val}
        matrix = urls(self.case.pk, self.items)
        self.assertGreaterEqual(len(matrix), 16)
        for method, path, data in matrix:
            for name, user in allowed.items():
                self.assertIn(self.status(user, method, path, data), (200, 302), f"{name} {path}")
            for name, user in refused.items():
                self.assertEqual(self.status(user, method, path, data), 404, f"{name} {path}")
            for name, user in no_role.items():
                self.assertEqual(self.status(user, method, path, data), 403, f"{name} {path}")
            self.client.logout()
            response = getattr(self.client, method)(path, data)
            self.assertEqual(response.status_code, 302, f"anonymous {path}")
            self.assertIn("/staff/login/", response["Location"])

    def test_a_missing_case_answers_as_a_forbidden_one(self):
        for method, path, data in urls(MISSING, self.items):
            self.assertEqual(self.status(self.cas, method, path, data), 404, path)
            self.assertEqual(self.status(self.otto, method, path, data), 404, path)

    def test_another_cases_items_through_ones_own_case_are_404(self):
        base = f"/en/cases/{self.case.pk}/casework"
        for part, item in self.other_items.items():
            if part in {"plan", "alert"}:
                continue
            self.assertEqual(self.status(self.cas, "get", f"{base}/{part}/{item}/", {}), 404)
            self.assertEqual(
                self.status(self.cas, "post", f"{base}/{part}/{item}/", {"kind": "travel"}), 404
            )
        alert = self.other_items["alert"]
        self.assertEqual(
            self.status(self.cas, "post", f"{base}/alerts/{alert}/acknowledge/", {}), 404
        )
        self.assertIsNone(CaseAlert.objects.get(pk=alert).acknowledged)
        self.assertEqual(self.status(self.cas, "get", f"{base}/nosuchpart/new/", {}), 404)
        # Nothing of the other case changed.
        self.assertEqual(MovementLeg.objects.get(case=self.other).kind, "deportation")
        self.assertIsNone(LegalStay.objects.get(case=self.other).valid_until)
