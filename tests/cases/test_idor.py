"""The IDOR matrix: every URL of the cases app, for every role, for an object that exists but
is not theirs and for one that does not exist.

Rita owns a case with a person, an event, an act, a merge and a dossier. For each URL pattern of
``tuidang.cases.urls`` that takes an id, each persona asks for Rita's object and for a missing
one, with GET and POST: Rita gets through; researchers and caseworkers without access, and the
admin (admins see no case by their role alone), get 404 for both; volunteers and moderators are
refused the whole app (403) whatever the id. A pattern added later without a row in ``IDS`` fails
the test, so no URL escapes the matrix.
"""

from django.urls import URLPattern, reverse

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.cases import dossier, duplicates
from tuidang.cases import urls as case_urls
from tuidang.cases.models import (
    Act,
    Case,
    CaseAlert,
    Event,
    Evidence,
    Information,
    Intervention,
    LegalStay,
    Person,
    RedactionProfile,
    Term,
)

MISSING = 987654


class IdorMatrixTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        # Both kinds, so that the casework URLs (people at risk) open for Rita too.
        self.case = make_case(self.rita, "Peony", kind=Case.Kind.BOTH)
        self.person = Person.objects.create(case=self.case, pseudonym="P1", real_name="甲乙丙")
        twin = Person.objects.create(case=self.case, pseudonym="P2", real_name="甲乙丙")
        event = Event.objects.create(case=self.case, title="Arrest", region="CN-JL")
        Act.objects.create(
            event=event,
            victim=self.person,
            act_type=Term.objects.get(vocabulary="act_type", code="arrest"),
            victim_status=Term.objects.get(vocabulary="victim_status", code="held"),
        )
        self.merge = duplicates.merge(self.person, twin, by=self.rita)
        self.stay = LegalStay.objects.create(case=self.case, status="visa", country="TH")
        self.alert = CaseAlert.objects.create(
            case=self.case, kind="task_due", key="idor", detail={"date": "2026-01-01"}
        )
        self.evidence = Evidence.receive(self.case, b"scan", filename="scan.pdf", by=self.rita)
        self.information = Information.objects.create(
            case=self.case,
            source="甲乙丙's sister",
            source_type=Term.objects.get(vocabulary="source_type", code="family"),
        )
        self.intervention = Intervention.objects.create(
            case=self.case,
            kind=Term.objects.get(vocabulary="intervention_type", code="letter"),
            recipient="Embassy",
        )
        public = RedactionProfile.objects.get(recipient_kind__code="public")
        self.dossier, _files = dossier.build(
            [self.case], dossier.Filters(), public, title="T", recipient="R", by=self.rita
        )

    def ids(self, missing: bool) -> dict:
        pick = (lambda value: MISSING) if missing else (lambda value: value)
        return {
            "case_id": pick(self.case.pk),
            "person_id": pick(self.person.pk),
            "merge_id": pick(self.merge.pk),
            "dossier_id": pick(self.dossier.pk),
            "name": "dossier.json",
            # Casework: one part stands for all (tests/cases/test_casework_idor.py has each).
            "part": "stay",
            "item_id": pick(self.stay.pk),
            "alert_id": pick(self.alert.pk),
            "evidence_id": pick(self.evidence.pk),
            "information_id": pick(self.information.pk),
            "intervention_id": pick(self.intervention.pk),
        }

    def urls(self, missing: bool) -> list[tuple[str, str, dict, bool]]:
        """(name, url, POST data, names an object) for every pattern of the app."""
        found = []
        ids = self.ids(missing)
        for pattern in case_urls.urlpatterns:
            assert isinstance(pattern, URLPattern)
            wanted = set(pattern.pattern.converters)
            self.assertLessEqual(wanted, set(ids), f"{pattern.name}: add its ids to the matrix")
            url = reverse(pattern.name, kwargs={k: ids[k] for k in wanted})
            data, names_object = {}, bool(wanted)
            if pattern.name == "cases-decide-duplicate":  # the ids travel in the body
                data = {"first": ids["person_id"], "second": ids["person_id"], "verdict": "x"}
                names_object = True
            found.append((pattern.name, url, data, names_object))
        return found

    def test_every_url_for_every_role(self):
        for missing in (False, True):
            for name, url, data, names_object in self.urls(missing):
                for user in (self.rob, self.cas, self.alice, self.val, self.mo, self.rita):
                    login_verified(self.client, user)
                    for method in ("get", "post"):
                        response = getattr(self.client, method)(url, data)
                        if user in (self.val, self.mo):
                            expected = {403}  # not in the cases app at all
                        elif not names_object or (user == self.rita and not missing):
                            expected = {200, 302, 405}
                        elif method == "get":
                            expected = {404, 405}  # 405: a POST-only action, whatever the id
                        else:
                            expected = {404}
                        self.assertIn(
                            response.status_code, expected, f"{user} {method} {name} {url}"
                        )

    def test_lists_show_outsiders_nothing_of_the_case(self):
        for user in (self.rob, self.cas, self.alice):
            login_verified(self.client, user)
            for url in (
                "/en/cases/",
                "/en/cases/counts/",
                "/en/cases/duplicates/",
                "/en/cases/dossiers/",
            ):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200, url)
                self.assertNotContains(response, "Peony")
                self.assertNotContains(response, "P1")
            self.assertContains(self.client.get("/en/cases/counts/"), "<dd>0</dd>", html=True)
