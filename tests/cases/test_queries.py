"""The case list, search and a dossier's data cost a number of queries that does not grow with
the number of cases, people or acts (bench/cases.py times them at 100,000 acts; here the
bound is checked functionally: the same count for a few rows and for many)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.cases import dossier, duplicates, names
from tuidang.cases.models import (
    Act,
    Case,
    CaseGrant,
    Consent,
    Event,
    Person,
    RedactionProfile,
    Team,
    Term,
)

LIST_QUERIES = 6  # session, user, OTP device, roles (read once a request), count, page rows
DOSSIER_DATA_QUERIES = 8  # acts, counts, people, survivors, merged spellings, consents, sources


class QueryCountTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.team = Team.objects.create(name="Night shift")
        self.team.members.add(self.cas)
        self.arrest = Term.objects.get(vocabulary="act_type", code="arrest")
        self.held = Term.objects.get(vocabulary="victim_status", code="held")
        self.government = RedactionProfile.objects.get(recipient_kind__code="government")
        self.made = 0

    def add_cases(self, number: int) -> None:
        """``number`` more cases, each with two people (one merged into the
        second person of the first case), an event, three acts and the first person's consent; half of them in the
        caseworker's team, every fourth granted to her."""
        for _ in range(number):
            i = self.made
            self.made += 1
            case = make_case(self.rita, f"Q{i:03d}", team=self.team if i % 2 else None)
            if i % 4 == 0:
                CaseGrant.objects.create(case=case, user=self.cas, granted_by=self.rita)
            first = Person.objects.create(case=case, pseudonym=f"P{i}a", real_name=f"王建{i}")
            second = Person.objects.create(
                case=case, pseudonym=f"P{i}b", real_name=f"李秀{i}", other_names=f"Li Xiu {i}"
            )
            if i:
                survivor = Person.objects.get(pseudonym="P0b")
                duplicates.merge(survivor, second, by=self.rita)
            Consent.objects.create(
                person=first, recipient_kind=self.government.recipient_kind, given=True
            )
            event = Event.objects.create(
                case=case, title="Taken", description=f"李秀{i} was taken.", region="CN-JL"
            )
            for victim in (first, second, first):
                Act.objects.create(
                    event=event, victim=victim, act_type=self.arrest, victim_status=self.held
                )

    def queries(self, call) -> int:
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured.captured_queries)

    def test_the_case_list_and_search_cost_the_same_queries_for_few_cases_and_many(self):
        for user in (self.rita, self.cas):
            login_verified(self.client, user)
            self.add_cases(3)
            requests = {
                "list": lambda: self.client.get("/en/cases/"),
                "page 2": lambda: self.client.get("/zh-hant/cases/?page=2"),
                "codename": lambda: self.client.post("/zh-hans/cases/", {"q": "Q001"}),
                "name": lambda: self.client.post("/en/cases/", {"q": names.pinyin("李秀1")}),
            }
            few = {label: self.queries(call) for label, call in requests.items()}
            self.add_cases(57)  # past a page (50)
            many = {label: self.queries(call) for label, call in requests.items()}
            self.assertEqual(few, many, user)
            for label, count in many.items():
                self.assertLessEqual(count, LIST_QUERIES, (user, label))
            response = self.client.get("/en/cases/")
            listed = response.content.decode().count('href="/en/cases/')
            self.assertGreater(listed, 20, user)
            self.client.logout()

    def test_the_search_still_finds_by_name_and_keeps_to_the_cases_open_to_the_user(self):
        self.add_cases(8)
        login_verified(self.client, self.cas)
        # 李秀3 is in case Q003 (the team's); 李秀2 in Q002 (neither team nor grant).
        found = self.client.post("/en/cases/", {"q": names.pinyin("李秀3")}).content.decode()
        self.assertIn(">Q003<", found)
        hidden = self.client.post("/en/cases/", {"q": names.pinyin("李秀2")}).content.decode()
        self.assertNotIn(">Q002<", hidden)

    def test_a_dossiers_data_costs_the_same_queries_for_few_cases_and_many(self):
        def gather() -> dict:
            return dossier.dossier_data(
                dossier.Filters().apply(Act.objects.filter(event__case__in=Case.objects.all())),
                self.government,
                title="Q",
                recipient="R",
            )

        self.add_cases(3)
        few = self.queries(gather)
        self.add_cases(30)
        many = self.queries(gather)
        data = gather()
        self.assertEqual(few, many)
        self.assertLessEqual(many, DOSSIER_DATA_QUERIES)
        self.assertEqual(data["summary"]["cases"], 33)
        # 33 first people, and the 33 second people merged into one.
        self.assertEqual(data["summary"]["victims"], 34)
        self.assertEqual(data["summary"]["named_victims"], 33)
        narratives = " ".join(e["narrative"] for c in data["cases"] for e in c["events"])
        self.assertNotIn("李秀", narratives)
