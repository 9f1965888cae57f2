"""Personas for the cases tests: Rita the researcher, Cas the caseworker, Rob a second
researcher who is on no case, beside BaseTestCase's Alice (admin), Mo and Val.

The key for case files is made once per test run, in the directory tests/isolation.py
chose for it outside the data dir.
"""

from tests.base import BaseTestCase, make_staff
from tuidang.cases import secrecy
from tuidang.cases.models import Case


def ensure_cases_key() -> None:
    if not secrecy.key_path().exists():
        secrecy.make_key()


def make_case(owner, codename: str = "Magnolia", kind: str = Case.Kind.DOCUMENTATION, **fields):
    ensure_cases_key()
    return Case.objects.create(codename=codename, kind=kind, owner=owner, **fields)


class CasesTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        ensure_cases_key()
        self.rita = make_staff("rita", "researcher")
        self.cas = make_staff("cas", "caseworker")
        self.rob = make_staff("rob", "researcher")
