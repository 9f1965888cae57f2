"""What the case list's speed work (bench/cases.py) must not change: the rows, their order and
paging, the search through the access rule, one reading of the roles a request, and the
language links of every page (made from the view's own URL match instead of resolving the path
once per language)."""

import re
from html import escape

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import translate_url
from django.utils import translation

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.cases import names
from tuidang.cases.models import CaseGrant, Person, Team

ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


class CaseListTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.team = Team.objects.create(name="Night <shift>")
        self.team.members.add(self.cas)

    def codenames(self, response) -> list[str]:
        return re.findall(r'<a href="/[a-z-]+/cases/\d+/">([^<]*)</a>', response.content.decode())

    def test_rows_are_escaped_ordered_paged_and_only_the_users(self):
        mine = [make_case(self.rita, f"R{i:03d} <b>&", team=self.team) for i in range(60)]
        make_case(self.rob, "Hidden")
        login_verified(self.client, self.cas)
        first = self.client.get("/en/cases/")
        second = self.client.get("/en/cases/?page=2")
        listed = self.codenames(first) + self.codenames(second)
        self.assertEqual(listed, [escape(c.codename, quote=False) for c in mine])
        self.assertIn("Night &lt;shift&gt;", first.content.decode())
        self.assertIn(f'href="/en/cases/{mine[0].pk}/"', first.content.decode())
        self.assertIn("Page 2 of 2", second.content.decode())
        self.assertNotIn("<b>", first.content.decode().split("<tbody>")[1].split("</tbody>")[0])
        # Nothing open: the explanation, not an empty table.
        self.client.logout()
        login_verified(self.client, self.rob)
        self.assertEqual(self.codenames(self.client.get("/en/cases/")), ["Hidden"])

    def test_search_matches_by_codename_pseudonym_and_name_within_the_open_cases(self):
        team_case = make_case(self.rita, "Orchid", team=self.team)
        granted = make_case(self.rita, "Lotus")
        CaseGrant.objects.create(case=granted, user=self.cas, granted_by=self.rita)
        closed = make_case(self.rita, "Peony")
        Person.objects.create(case=team_case, pseudonym="Swallow", real_name="張小明")
        Person.objects.create(case=granted, pseudonym="Sparrow", real_name="李秀英")
        Person.objects.create(case=closed, pseudonym="Crane", real_name="张小明")

        login_verified(self.client, self.cas)

        def found(q: str) -> list[str]:
            return self.codenames(self.client.post("/en/cases/", {"q": q}))

        self.assertEqual(found("Orchid"), ["Orchid"])
        self.assertEqual(found("Sparrow"), ["Lotus"])
        self.assertEqual(found("Zhang Xiaoming"), ["Orchid"])  # not Peony: not open to her
        self.assertEqual(found("Peony"), [])
        self.assertEqual(found("Crane"), [])
        self.assertEqual(found("li xiuying"), ["Lotus"])

    def test_the_roles_are_read_once_a_request(self):
        make_case(self.rita, "Orchid")
        login_verified(self.client, self.rita)
        self.client.get("/en/cases/")
        with CaptureQueriesContext(connection) as captured:
            self.client.post("/en/cases/", {"q": names.pinyin("张小明")})
        roles = [q for q in captured.captured_queries if '"auth_group"' in q["sql"]]
        self.assertEqual(len(roles), 1)


class LanguageLinkTests(CasesTestCase):
    def test_every_page_links_itself_in_each_language_as_translate_url_does(self):
        case = make_case(self.rita, "Orchid")
        login_verified(self.client, self.rita)
        for path in (
            "/en/",
            "/zh-hant/",
            "/zh-hans/cases/",
            f"/en/cases/{case.pk}/",
            f"/zh-hant/cases/{case.pk}/identities/",
            "/en/staff/",
        ):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            links = dict(ALTERNATE.findall(response.content.decode()))
            language = path.split("/")[1]
            with translation.override(language):
                expected = {code: translate_url(path, code) for code, _ in settings.LANGUAGES}
            self.assertEqual(links, expected, path)
            self.assertEqual(len(links), len(settings.LANGUAGES), path)
