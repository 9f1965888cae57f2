"""Forms in a real browser (Debian's Chromium): where the page opens after "Add another
person" without JavaScript, the error summary's links, and a focus ring on every stop of the
keyboard. The layout walk (test_layout.py) checks touch targets and aria-describedby on every
page. Needs /usr/bin/chromium."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.base import (
    login_verified,
    make_staff,
    make_submission,
    restore_reference_data,
    run_sequencer,
)
from tests.browser.base import BrowserTestCase

pytestmark = pytest.mark.slow

TITLE_PREFIX = {"zh-hans": "错误：", "zh-hant": "錯誤：", "en": "Error: "}

# What the keyboard's focus looks like on the element that has it.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''),
    // A date input's calendar button takes the focus inside it: the ring is still the input's.
    inside: el !== document.body && !el.matches(':focus'),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
  };
}"""


@override_settings(RATE_LIMITS=False)
class FormsInTheBrowser(BrowserTestCase):
    def setUp(self):
        restore_reference_data()

    def open(self, *, javascript: bool = False):
        context = self.browser.new_context(
            viewport={"width": 360, "height": 700}, java_script_enabled=javascript
        )
        self.addCleanup(context.close)
        return context, context.new_page()

    def press(self, page, button: str) -> None:
        page.locator(button).first.click()
        page.wait_for_load_state("load")

    def active_id(self, page) -> str:
        return page.evaluate("() => document.activeElement.id")

    def test_adding_a_person_without_javascript_opens_the_page_at_that_person(self):
        _, page = self.open()
        for language in ("zh-hans", "zh-hant", "en"):
            page.goto(f"{self.live_server_url}/{language}/declare/")
            page.locator("input[name$='-name']").first.fill("山间明月")
            self.press(page, "button[name=add]")
            self.assertTrue(page.url.endswith("/declare/#id_person-1-name"), page.url)
            self.assertEqual(self.active_id(page), "id_person-1-name")
            self.assertEqual(page.locator("input[name$='-name']").first.input_value(), "山间明月")
            # The new person is on screen, not below the fold.
            box = page.locator("#id_person-1-name").bounding_box()
            self.assertTrue(0 <= box["y"] < 700, box)

            self.press(page, "button[name=add]")
            self.assertTrue(page.url.endswith("#id_person-2-name"), page.url)
            self.assertEqual(self.active_id(page), "id_person-2-name")
            # Removing person 3 opens the page at person 2.
            self.press(page, "button[name=remove][value='2']")
            self.assertTrue(page.url.endswith("#id_person-1-name"), page.url)
            self.assertEqual(self.active_id(page), "id_person-1-name")
            self.assertEqual(page.locator("input[name$='-name']").count(), 2)

    def test_adding_a_row_on_intake_without_javascript_opens_the_page_at_that_row(self):
        make_staff("val", "volunteer")
        client = Client()
        login_verified(client, make_staff("lin", "volunteer"))
        context, page = self.open()
        base = f"{self.live_server_url}/en"
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": base,
                }
            ]
        )
        page.goto(f"{base}/staff/intake/")
        rows = page.locator("input[name$='-name']").count()
        self.press(page, "button[name=add]")
        self.assertTrue(page.url.endswith(f"/staff/intake/#id_person-{rows}-name"), page.url)
        self.assertEqual(self.active_id(page), f"id_person-{rows}-name")
        self.assertEqual(page.locator(".error-summary").count(), 0)

    def test_the_error_summary_links_to_each_field_in_every_language(self):
        _, page = self.open()
        for language, prefix in TITLE_PREFIX.items():
            page.goto(f"{self.live_server_url}/{language}/declare/")
            page.locator("textarea[name$='-statement']").first.fill("没有名字")
            self.press(page, "button[name=send]:not(.skip)")
            self.assertTrue(page.title().startswith(prefix), page.title())
            links = page.locator(".error-summary a")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            self.assertEqual(hrefs, ["#id_person-0-name", "#id_person-0-organisations_0"])
            for href in hrefs:
                field = page.locator(href)
                self.assertEqual(field.count(), 1, href)
                described = (field.get_attribute("aria-describedby") or "").split()
                group = field.locator("xpath=ancestor::fieldset[1]")
                described += (group.get_attribute("aria-describedby") or "").split()
                errors = [i for i in described if i.endswith("_error")]
                self.assertEqual(len(errors), 1, (href, described))
                self.assertTrue(page.locator(f"[id='{errors[0]}']").is_visible())
            # Following a link brings the field into view.
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            links.nth(1).click()
            box = page.locator("#id_person-0-organisations_0").bounding_box()
            self.assertTrue(0 <= box["y"] < 700, box)

    def test_every_keyboard_stop_shows_a_focus_ring(self):
        _, page = self.open(javascript=True)
        for path in ("/zh-hant/declare/", "/en/receipt/", "/en/staff/login/"):
            self.tab_through(page, path)

    def test_a_focus_ring_on_the_other_public_pages_and_on_staff_pages(self):
        """ "Everywhere": the pages that are read rather than filled in, and the staff forms."""
        make_submission("山间明月", statement="我今天声明退出。", want_receipt=True)
        run_sequencer()
        context, page = self.open(javascript=True)
        for path in ("/zh-hans/", "/en/tally/", "/zh-hant/log/", "/en/statements/"):
            self.tab_through(page, path)
        for user, paths in (
            (
                make_staff("alice", "admin"),
                (
                    "/en/staff/",
                    "/en/staff/intake/",
                    "/zh-hans/staff/calls/",
                    "/en/staff/queue/",
                    "/en/staff/helpers/",
                ),
            ),
            (make_staff("hana", "helper"), ("/zh-hant/staff/helper/",)),
        ):
            client = Client()
            login_verified(client, user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": self.live_server_url,
                    }
                ]
            )
            for path in paths:
                self.tab_through(page, path)
                self.assertNotIn("/login/", page.url)

    def tab_through(self, page, path: str) -> None:
        """Press Tab up to 40 times from the top of ``path``; each stop shows a 2 px ring."""
        page.goto(self.live_server_url + path)
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            ring = page.evaluate(FOCUS_RING)
            if ring["tag"] == "body":
                break
            seen.append(ring["tag"])
            self.assertNotEqual(ring["style"], "none", (path, ring))
            self.assertGreaterEqual(ring["width"], 2, (path, ring))
        self.assertGreater(len(seen), 5, path)
