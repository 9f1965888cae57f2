"""``tuidang demo`` also fills invented cases: 91 victims or more in ten provinces or more, two
deaths or more, duplicates to resolve and five people at risk."""

from django.contrib.auth.models import User

from tests.cases.base import CasesTestCase
from tests.test_demo import run_demo
from tuidang.cases import duplicates
from tuidang.cases.counts import count_acts
from tuidang.cases.models import Act, Case, Person


class DemoCasesTests(CasesTestCase):
    def test_demo_fills_cases_to_work_on(self):
        output = run_demo("--declarations", "20", "--seed", "3")
        self.assertIn("deaths", output)
        figures = count_acts(Act.objects.all())
        self.assertGreaterEqual(figures["victims"], 91)
        self.assertGreaterEqual(figures["provinces"], 10)
        self.assertGreaterEqual(figures["deaths"], 2)
        self.assertGreaterEqual(len(duplicates.candidates(Person.objects.all())), 6)
        self.assertGreaterEqual(Case.objects.at_risk().count(), 5)
        demo = User.objects.get(username="demo")
        self.assertTrue(all(case.owner == demo for case in Case.objects.all()))
