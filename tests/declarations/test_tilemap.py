"""The tally page's province tile map, and charts a phone can read (issue 8).

The counts come from the ``region:<code>`` counters the page reads; the SVG is checked as a
reader meets it, in the page served in each language.
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime

import time_machine
from django.test import SimpleTestCase
from django.utils import translation

from tests.base import BaseTestCase
from tuidang.declarations import charts, regions, tilemap
from tuidang.declarations.models import TallyCounter

NS = "{http://www.w3.org/2000/svg}"
NOON = datetime(2026, 5, 20, 12, tzinfo=UTC)
LANGUAGES = ("zh-hans", "zh-hant", "en")
REGION_COUNTS = {
    "CN-GD": 12_345,
    "CN-BJ": 700,
    "CN-SC": 100,
    "CN-SX": 99,
    "CN-TW": 50,
    "CN-HK": 9_999,
    "CN-XZ": 3,
    "CN-HL": 1_000,
}
ABROAD = 900_000  # far more than any province: it must not squash their bars
# The page's content width on a 360 px phone: the viewport less main's 1rem padding each side.
PHONE_CONTENT_WIDTH = 360 - 2 * 16


def load_counters() -> None:
    counts = Counter({f"region:{code}": n for code, n in REGION_COUNTS.items()})
    counts["region:abroad"] = ABROAD
    counts["region:unknown"] = 5
    counts["org:party"] = 800_000
    counts["org:league"] = 300_000
    counts["total"] = sum(REGION_COUNTS.values()) + ABROAD + 5
    counts["day:2026-05-20"] = 40
    counts["day:2026-04-02"] = counts["total"] - 40
    counts["month:2026-05"] = 40
    counts["month:2026-04"] = counts["total"] - 40
    TallyCounter.add(counts)


def chart(html: str, chart_id: str) -> tuple[str, ET.Element]:
    match = re.search(rf'<svg\b[^>]*\bid="{chart_id}".*?</svg>', html, flags=re.S)
    assert match, f"no {chart_id} in the page"
    return match.group(0), ET.fromstring(match.group(0))  # noqa: S314 - our own page


def tiles(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-region"): g for g in svg.iter(f"{NS}g") if g.get("data-region")}


def shade(tile: ET.Element) -> int:
    (name,) = [c for c in tile.get("class", "").split() if re.fullmatch(r"q\d", c)]
    return int(name[1:])


class ShadingClassesTestCase(SimpleTestCase):
    def test_each_class_is_a_power_of_ten_ending_above_the_maximum(self):
        self.assertEqual(tilemap.classes(0), [(0, 0)])
        self.assertEqual(tilemap.classes(7), [(0, 0), (1, 9)])
        self.assertEqual(tilemap.classes(250), [(0, 0), (1, 9), (10, 99), (100, 999)])
        self.assertEqual(
            tilemap.classes(12_345),
            [(0, 0), (1, 99), (100, 999), (1_000, 9_999), (10_000, 99_999)],
        )
        # At most four shades of red besides "none", whatever the maximum.
        self.assertEqual(len(tilemap.classes(123_456_789)), len(tilemap.FILLS))
        self.assertEqual(tilemap.classes(123_456_789)[1], (1, 999_999))

    def test_every_region_has_a_square_of_its_own_and_short_names(self):
        codes = {code for code, *_names in regions.PROVINCES}
        self.assertEqual(set(tilemap.GRID), codes)
        self.assertEqual(set(tilemap.SHORT), codes)
        self.assertEqual(len(set(tilemap.GRID.values())), len(codes), "two squares overlap")
        for code in codes:
            hans, hant, en = tilemap.SHORT[code]
            self.assertEqual((len(hans), len(hant)), (2, 2), code)
            self.assertRegex(en, r"^[A-Z]{2,3}$")


@time_machine.travel(NOON, tick=False)
class TileMapPageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        load_counters()

    def test_one_square_per_region_with_its_count_and_name_in_three_languages(self):
        short = {"zh-hans": "广东", "zh-hant": "廣東", "en": "GD"}
        for language in LANGUAGES:
            html = self.client.get(f"/{language}/tally/").content.decode()
            text, svg = chart(html, "chart-map")
            self.assertLess(len(text.encode()), 10_000, language)
            found = tiles(svg)
            self.assertEqual(set(found), {code for code, *_names in regions.PROVINCES})
            with translation.override(language):
                for code, tile in found.items():
                    count = REGION_COUNTS.get(code, 0)
                    colon = ": " if language == "en" else "："  # full-width in Chinese
                    self.assertEqual(
                        tile.find(f"{NS}title").text, f"{regions.name(code)}{colon}{count:,}"
                    )
                    self.assertEqual(
                        tile.find(f"{NS}text").text, tilemap.short_name(code, language)
                    )
            self.assertEqual(found["CN-GD"].find(f"{NS}text").text, short[language])
            # Screen readers get the table beside it, which has every number.
            self.assertEqual(svg.get("role"), "img")
            self.assertEqual(svg.get("aria-describedby"), "regions-table")
            table = re.search(r'<table id="regions-table">.*?</table>', html, flags=re.S)
            self.assertIsNotNone(table)
            with translation.override(language):
                self.assertIn(regions.name("CN-GD"), table.group(0))
            self.assertRegex(table.group(0), r">12,?345<")  # grouping is per language

    def test_shades_follow_the_counts_and_the_key_says_what_they_mean(self):
        html = self.client.get("/en/tally/").content.decode()
        _text, svg = chart(html, "chart-map")
        found = tiles(svg)
        expected = {"CN-GD": 4, "CN-HK": 3, "CN-HL": 3, "CN-BJ": 2, "CN-SC": 2, "CN-SX": 1}
        expected |= {"CN-TW": 1, "CN-XZ": 1, "CN-AH": 0, "CN-XJ": 0}
        self.assertEqual({code: shade(found[code]) for code in expected}, expected)
        # Never a darker shade for a smaller count.
        pairs = [(REGION_COUNTS.get(code, 0), shade(tile)) for code, tile in found.items()]
        for count, level in pairs:
            for other_count, other_level in pairs:
                if count < other_count:
                    self.assertLessEqual(level, other_level)
        fills = {found[code].find(f"{NS}rect").get("fill") for code in ("CN-GD", "CN-AH")}
        self.assertEqual(fills, {tilemap.FILLS[4], tilemap.FILLS[0]})
        key = svg.find(f"{NS}g[@class='key']")
        self.assertEqual(
            [t.text for t in key.iter(f"{NS}text")],
            ["0", "1–99", "100–999", "1,000–9,999", "10,000–99,999"],
        )

    def test_taiwan_stands_apart_under_its_own_name_never_as_a_province(self):
        names = {"zh-hans": "台湾", "zh-hant": "臺灣", "en": "TW"}
        for language in LANGUAGES:
            html = self.client.get(f"/{language}/tally/").content.decode()
            text, svg = chart(html, "chart-map")
            taiwan = tiles(svg)["CN-TW"]
            self.assertEqual(taiwan.find(f"{NS}text").text, names[language])
            # The map's own words never frame its regions as provinces.
            self.assertNotRegex(text, r"(?i)province|省")
        self.assertIn("Taiwan: 50", text)
        # Across a strait: no other square touches Taiwan's, not even at a corner.
        col, row = tilemap.GRID["CN-TW"]
        for code, (other_col, other_row) in tilemap.GRID.items():
            if code != "CN-TW":
                self.assertGreater(max(abs(col - other_col), abs(row - other_row)), 1, code)

    def test_abroad_does_not_dwarf_the_provinces(self):
        for language in LANGUAGES:
            html = self.client.get(f"/{language}/tally/").content.decode()
            _text, svg = chart(html, "chart-regions")
            bars = {
                rect.find(f"{NS}title").text: float(rect.get("width"))
                for rect in svg.iter(f"{NS}rect")
            }
            with translation.override(language):
                self.assertEqual(len(bars), len(REGION_COUNTS))  # the provinces, nothing else
                longest = max(bars, key=bars.get)
                colon = ": " if language == "en" else "："  # full-width in Chinese
                self.assertEqual(longest, f"{regions.name('CN-GD')}{colon}12,345")
                # The smallest drawn province is still visible beside the largest.
                self.assertGreater(bars[f"{regions.name('CN-SC')}{colon}100"], 1)
            # Abroad is stated beside the chart, in words.
            self.assertRegex(html.split('id="chart-regions"')[1].split("</table>")[0], r"900,?000")
        self.assertIn("Not drawn, so that they do not dwarf the regions", html)

    def test_the_current_month_and_today_are_marked_partial(self):
        expected = {
            "en": ("May 2026 (partial)", "This month, still being counted"),
            "zh-hans": ("2026年5月（统计中）", "本月，仍在统计"),
            "zh-hant": ("2026年5月（統計中）", "本月，仍在統計"),
        }
        for language, (label, note) in expected.items():
            html = self.client.get(f"/{language}/tally/").content.decode()
            _text, months = chart(html, "chart-months")
            bars = months.find(f"{NS}g[@class='bars']").findall(f"{NS}rect")
            self.assertEqual(bars[-1].get("class"), "partial")
            colon = ": " if language == "en" else "："  # full-width in Chinese
            self.assertEqual(bars[-1].find(f"{NS}title").text, f"{label}{colon}40")
            self.assertTrue(all(bar.get("class") is None for bar in bars[:-1]))
            self.assertEqual(bars[-1].get("fill"), "url(#chart-months-partial)")
            self.assertIsNotNone(months.find(f"{NS}defs/{NS}pattern[@id='chart-months-partial']"))
            self.assertIn(note, [t.text for t in months.iter(f"{NS}text")])
            self.assertIn(f'<th scope="row">{label}</th>', html)
            _text, days = chart(html, "chart-days")
            day_bars = days.find(f"{NS}g[@class='bars']").findall(f"{NS}rect")
            self.assertEqual(day_bars[-1].get("class"), "partial")
            self.assertEqual([bar.get("class") for bar in day_bars].count("partial"), 1)

    def test_chart_text_is_at_least_12_css_px_on_a_360_px_phone(self):
        # Rendered width = the smaller of the svg's width and the phone's content width; every
        # text's size is the svg's font-size (nothing in the svg or the stylesheet overrides it).
        html = self.client.get("/en/tally/").content.decode()
        ids = re.findall(r'<svg\b[^>]*\bid="([^"]+)"', html)
        self.assertEqual(len(ids), 5)
        for chart_id in ids:
            _text, svg = chart(html, chart_id)
            view_width = float(svg.get("viewBox").split()[2])
            rendered = min(float(svg.get("width")), PHONE_CONTENT_WIDTH)
            size = float(svg.get("font-size"))
            self.assertGreaterEqual(size * rendered / view_width, 12, chart_id)
            for element in svg.iter():
                self.assertIsNone(element.get("font-size") if element is not svg else None)
                self.assertNotIn("font", element.get("style", ""))
            # No text runs past the right edge (labels are measured generously).
            for text in svg.iter(f"{NS}text"):
                if text.get("text-anchor") is None and text.text:
                    right = float(text.get("x")) + charts.text_width(text.text)
                    self.assertLessEqual(right, view_width + 1, f"{chart_id}: {text.text}")

    def test_page_needs_no_javascript(self):
        html = self.client.get("/zh-hant/tally/").content.decode()
        self.assertNotIn("<script", html)
        text, _svg = chart(html, "chart-map")
        self.assertNotRegex(text, r"(?i)\bon[a-z]+=|javascript:|<foreignObject")
