"""Chinese typography in Chromium: each script's own fonts first, Chinese aliases on English
pages in a Chinese font, and a receipt code that never breaks inside a group on a 320 px
phone. Needs /usr/bin/chromium."""

from datetime import date

import pytest
from django.test import override_settings

from tests.base import make_submission, restore_reference_data, run_sequencer
from tests.browser.base import BrowserTestCase

pytestmark = pytest.mark.slow

FONT = "(selector) => getComputedStyle(document.querySelector(selector)).fontFamily"

# Each group of the code drawn on one line; the code as copied is the code as issued.
GROUPS = """() => {
  const code = document.querySelector('.receipt-code');
  return {
    text: code.textContent.trim(),
    lines: [...code.querySelectorAll('.group')].map(g => g.getClientRects().length),
    tops: new Set([...code.querySelectorAll('.group')].map(g => Math.round(g.getBoundingClientRect().top))).size,
    right: code.getBoundingClientRect().right,
  };
}"""


@override_settings(RATE_LIMITS=False)
class ChineseTextInTheBrowser(BrowserTestCase):
    def setUp(self):
        restore_reference_data()

    def open(self, width: int = 360):
        context = self.browser.new_context(
            viewport={"width": width, "height": 800}, java_script_enabled=False
        )
        self.addCleanup(context.close)
        return context.new_page()

    def test_each_language_gets_its_own_fonts_first(self):
        make_submission("山間明月", statement="我們今天聲明退出。")
        make_submission("清风徐来", statement="我们今天声明退出。")
        run_sequencer()
        page = self.open()
        for language, first in (
            ("zh-hant", '"PingFang TC"'),
            ("zh-hans", '"PingFang SC"'),
            ("en", "system-ui"),
        ):
            page.goto(f"{self.live_server_url}/{language}/")
            self.assertTrue(page.evaluate(FONT, "body").startswith(first), language)
            self.assertTrue(page.evaluate(FONT, "h1").startswith(first), language)
        page.goto(f"{self.live_server_url}/en/statements/{date.today().isoformat()}/")
        traditional = page.locator("h2.alias", has_text="山間明月")
        self.assertEqual(traditional.get_attribute("lang"), "zh-Hant")
        self.assertTrue(
            traditional.evaluate("e => getComputedStyle(e).fontFamily").startswith('"PingFang TC"')
        )
        simplified = page.locator("h2.alias", has_text="清风徐来")
        self.assertTrue(
            simplified.evaluate("e => getComputedStyle(e).fontFamily").startswith('"PingFang SC"')
        )
        # The language links are each in their own language's fonts.
        link = page.locator("nav.languages [lang=zh-hant]")
        self.assertTrue(
            link.evaluate("e => getComputedStyle(e).fontFamily").startswith('"PingFang TC"')
        )

    def test_a_receipt_code_never_breaks_inside_a_group_at_320_px(self):
        for language in ("zh-hans", "zh-hant", "en"):
            page = self.open(width=320)
            page.goto(f"{self.live_server_url}/{language}/declare/")
            page.locator("input[name$='-name']").first.fill("山间明月")
            page.locator("input[name$='-organisations']").first.check()
            page.locator("input[name=want_receipt]").check()
            page.locator("button[name=send]:not(.skip)").click()
            page.wait_for_load_state("load")
            found = page.evaluate(GROUPS)
            self.assertRegex(found["text"], r"^([0-9A-F]{5}-){5}[0-9A-F]{5}$")
            self.assertEqual(found["lines"], [1] * 6, language)
            self.assertGreater(found["tops"], 1, language)  # it does wrap, between groups
            self.assertLessEqual(found["right"], 320)
