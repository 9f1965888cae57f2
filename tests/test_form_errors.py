"""Every form that comes back with errors opens with a summary linking to each field, says
"Error:" first in its title, and ties each message to its field with aria-describedby.

Checked over HTTP with Django's client, in all three languages; the browser suite
(tests/browser/test_forms.py, test_layout.py) checks the same in Chromium.
"""

import base64
import os
from html.parser import HTMLParser
from unittest import mock

from nacl.public import PrivateKey

from tests.base import BaseTestCase, login_verified, make_staff
from tests.declarations.test_declare import form_data, person
from tests.declarations.test_helpers import batch, row
from tests.declarations.test_intake import intake_data

LANGUAGES = {"zh-hans": "错误：", "zh-hant": "錯誤：", "en": "Error: "}


class Page(HTMLParser):
    """The ids on a page, what refers to them, the title and the error summary's links."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (element id, id it names)
        # What describes each element with an id: its own aria-describedby and that of every
        # fieldset around it (a group of boxes is described as a whole).
        self.described_by: dict[str, list[str]] = {}
        self._fieldsets: list[list[str]] = []
        self.summary: list[str] = []
        self.title = ""
        self._in_summary = self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        own = (attrs.get("aria-describedby") or "").split()
        for named in own:
            self.described.append((attrs.get("id") or tag, named))
        if tag == "fieldset":
            self._fieldsets.append(own)
        if "id" in attrs:
            self.described_by[attrs["id"]] = own + [i for f in self._fieldsets for i in f]
        if "error-summary" in (attrs.get("class") or "").split():
            self._in_summary = True
        if self._in_summary and tag == "a":
            self.summary.append(attrs["href"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        if tag == "div":
            self._in_summary = False
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def dangling(self) -> list[tuple[str, str]]:
        return [(element, named) for element, named in self.described if named not in self.ids]

    def broken_links(self) -> list[str]:
        return [href for href in self.summary if href[1:] not in self.ids]

    def untied(self) -> list[str]:
        """The summary's links whose field is not described by an error message on the page
        (aria-describedby naming an ``…_error`` element that exists)."""
        return [
            href
            for href in self.summary
            if not any(
                named.endswith("_error") and named in self.ids
                for named in self.described_by.get(href[1:], [])
            )
        ]


class ErrorSummaryTestCase(BaseTestCase):
    def check(self, response, prefix: str, links: list[str]) -> Page:
        page = Page(response.content.decode())
        self.assertTrue(page.title.startswith(prefix), page.title)
        self.assertEqual(page.summary, links)
        self.assertEqual(page.broken_links(), [])
        self.assertEqual(page.dangling(), [])
        # Each field the summary links to is tied to its message, not only to its help text.
        self.assertEqual(page.untied(), [])
        return page

    def test_the_declaration_form(self):
        for language, prefix in LANGUAGES.items():
            data = form_data(person("", [], "没有名字"), person("李明", []))
            response = self.client.post(f"/{language}/declare/", data)
            self.assertEqual(response.status_code, 400)
            page = self.check(
                response,
                prefix,
                [
                    "#id_person-0-name",
                    "#id_person-0-organisations_0",
                    "#id_person-1-organisations_0",
                ],
            )
            # Each message is tied to its field (a group of boxes: to its fieldset).
            self.assertIn(("id_person-0-name", "id_person-0-name_error"), page.described)
            self.assertIn(("fieldset", "id_person-1-organisations_error"), page.described)
            # Before anything was sent: no summary, no "Error:".
            fresh = Page(self.client.get(f"/{language}/declare/").content.decode())
            self.assertFalse(fresh.title.startswith(prefix))
            self.assertEqual((fresh.summary, fresh.dangling()), ([], []))
        english = self.client.post("/en/declare/", form_data(person("", ["party"])))
        self.assertContains(
            english, "Person 1, Name or alias: Enter a name or an alias.", status_code=400
        )
        chinese = self.client.post("/zh-hant/declare/", form_data(person("", ["party"])))
        self.assertContains(chinese, "第 1 人，姓名或化名：", status_code=400)

    def test_adding_a_person_shows_no_errors_and_points_at_the_new_one(self):
        data = form_data(person("", [], ""), add="1")
        response = self.client.post("/en/declare/", data)
        page = Page(response.content.decode())
        self.assertEqual((page.summary, page.dangling()), ([], []))
        self.assertFalse(page.title.startswith("Error"))
        html = response.content.decode()
        self.assertIn('formaction="/en/declare/#id_person-2-name"', html)  # the next one
        self.assertIn('id="id_person-1-name"', html)
        self.assertRegex(html, r'id="id_person-1-name"[^>]* autofocus')

    def test_the_receipt_page(self):
        for language, prefix in LANGUAGES.items():
            response = self.client.post(f"/{language}/receipt/", {"code": "ZZZZZ-ZZZZZ"})
            self.assertEqual(response.status_code, 404)
            page = self.check(response, prefix, ["#id_code"])
            self.assertIn(("id_code", "id_code_error"), page.described)

    def test_the_login_page(self):
        for language, prefix in LANGUAGES.items():
            data = {"username": "val", "password": "wrong", "code": "123456"}
            response = self.client.post(f"/{language}/staff/login/", data)
            self.check(response, prefix, ["#id_username"])

    def test_staff_forms(self):
        login_verified(self.client, self.mo)
        key = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
        with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": key}):
            for language, prefix in LANGUAGES.items():
                # Intake: a person with no organisation.
                data = intake_data(("王小明", [], "", ""))
                response = self.client.post(f"/{language}/staff/intake/", data)
                self.check(response, prefix, ["#id_person-0-organisations_0"])
                # The call log: a time in the future, a number for a call that was no threat
                # (the page used to point at ids that do not exist).
                calls = f"/{language}/staff/calls/"
                self.assertEqual(Page(self.client.get(calls).content.decode()).dangling(), [])
                data = {
                    "outcome": "question",
                    "taken_at": "2099-01-01T10:00",
                    "caller_number": "+1 555 0100",
                    "notes": "",
                }
                page = self.check(
                    self.client.post(calls, data), prefix, ["#id_taken_at", "#id_caller_number"]
                )
                self.assertIn(("id_caller_number", "id_caller_number_helptext"), page.described)
                self.assertIn(("id_caller_number", "id_caller_number_error"), page.described)
                # The queue: accepting with nothing selected.
                response = self.client.post(f"/{language}/staff/queue/", {"action": "accept"})
                self.assertTrue(Page(response.content.decode()).title.startswith(prefix))
                self.assertEqual(Page(response.content.decode()).broken_links(), [])

    def test_the_helper_batch_form(self):
        login_verified(self.client, make_staff("hana", "helper"))
        for language, prefix in LANGUAGES.items():
            data = batch(row("", region="CN-SC"), row("白云", orgs=()), row("长河", consent=False))
            response = self.client.post(f"/{language}/staff/helper/", data)
            self.assertEqual(response.status_code, 400)
            self.check(
                response,
                prefix,
                ["#id_row-0-name", "#id_row-1-organisations_0", "#id_row-2-consent"],
            )
            # Before anything was sent: no summary, no "Error:".
            fresh = Page(self.client.get(f"/{language}/staff/helper/").content.decode())
            self.assertFalse(fresh.title.startswith(prefix))
            self.assertEqual((fresh.summary, fresh.dangling()), ([], []))
