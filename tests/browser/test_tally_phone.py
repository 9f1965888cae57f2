"""The tally page on a 360 px phone in Chromium: chart text a person can read, a map that
fits, with JavaScript off as on Tor Browser's safest setting. Needs /usr/bin/chromium."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.browser.base import BrowserTestCase
from tests.declarations.test_tilemap import load_counters
from tuidang.declarations import regions

pytestmark = pytest.mark.slow

# Each chart text's rendered font size in CSS px: its computed size times the SVG's scale.
MEASURE = """() => [...document.querySelectorAll('svg.chart text')].map(t => ({
    chart: t.ownerSVGElement.id,
    text: t.textContent,
    size: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
    height: t.getBoundingClientRect().height,
}))"""


@time_machine.travel(datetime(2026, 5, 20, 12, tzinfo=UTC), tick=False)
class TallyOnAPhoneTestCase(BrowserTestCase):
    def setUp(self):
        load_counters()

    def open(self, language: str, *, javascript: bool):
        context = self.browser.new_context(
            viewport={"width": 360, "height": 800}, java_script_enabled=javascript
        )
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(f"{self.live_server_url}/{language}/tally/")
        return page

    def test_chart_text_is_at_least_12_css_px_at_360_px(self):
        for language in ("zh-hans", "zh-hant", "en"):
            page = self.open(language, javascript=True)
            texts = page.evaluate(MEASURE)
            for t in texts:
                self.assertGreaterEqual(t["size"], 12, f"{language} {t['chart']}: {t['text']}")
                self.assertGreaterEqual(t["height"], 12, f"{language} {t['chart']}: {t['text']}")
            self.assertEqual(
                {t["chart"] for t in texts},
                {"chart-map", "chart-organisations", "chart-regions", "chart-days", "chart-months"},
            )
            # Every chart fits the phone's width.
            rights = page.evaluate(
                "() => [...document.querySelectorAll('svg.chart')]"
                ".map(s => s.getBoundingClientRect().right)"
            )
            self.assertTrue(all(right <= 360 for right in rights), rights)

    def test_the_map_shows_without_javascript(self):
        page = self.open("en", javascript=False)
        tiles = page.locator("#chart-map g.tile")
        self.assertEqual(tiles.count(), len(regions.PROVINCES))
        guangdong = page.locator('#chart-map g.tile[data-region="CN-GD"]')
        self.assertTrue(guangdong.is_visible())
        self.assertEqual(guangdong.locator("text").text_content(), "GD")
        box = page.locator("#chart-map").bounding_box()
        self.assertGreater(box["width"], 300)
        self.assertLessEqual(box["x"] + box["width"], 360)
