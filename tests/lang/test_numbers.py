"""Numbers are written the reader's way on every page, in sentences and charts alike."""

import re
from collections import Counter
from datetime import UTC, date, datetime

import time_machine
from django.test import SimpleTestCase
from django.utils import translation

from tests.base import BaseTestCase, login_verified, make_submission
from tuidang import numbers
from tuidang.declarations import charts
from tuidang.declarations.models import TallyCounter

TODAY = date(2026, 5, 20)
NOON = datetime(2026, 5, 20, 12, tzinfo=UTC)

# A run of five or more digits with no separator, outside attributes: "19726", "1000000".
UNGROUPED = re.compile(r"(?<![\d,.#\w-])\d{5,}(?![\d,\w])")


def visible_text(html: str) -> str:
    """The page without tags, attributes, scripts or styles (where raw numbers are fine)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", " ", html)


class FormatTestCase(SimpleTestCase):
    def test_each_language_groups_by_thousands(self):
        for language in ("zh-hans", "zh-hant", "en"):
            self.assertEqual(numbers.number(1234567, language), "1,234,567")
            self.assertEqual(numbers.number(12.25, language, fraction_digits=1), "12.2")
            self.assertEqual(numbers.number(980, language), "980")

    def test_chinese_headlines_use_wan_and_yi(self):
        self.assertEqual(numbers.headline(1234567, "zh-hans"), "123.5万")
        self.assertEqual(numbers.headline(1234567, "zh-hant"), "123.5萬")
        self.assertEqual(numbers.headline(123456789, "zh-hans"), "1.2亿")
        self.assertEqual(numbers.headline(123456789, "zh-hant"), "1.2億")
        self.assertEqual(numbers.headline(9999, "zh-hans"), "9,999")
        self.assertEqual(numbers.headline(1234567, "en"), "1,234,567")

    def test_the_active_language_is_the_default(self):
        with translation.override("zh-hant"):
            self.assertEqual(numbers.headline(20000), "2萬")
            self.assertEqual(charts.number(19726), "19,726")

    def test_people_is_singular_for_one(self):
        with translation.override("en"):
            self.assertEqual(numbers.people(1), "1 person")
            self.assertEqual(numbers.people(1234), "1,234 people")
        with translation.override("zh-hans"):
            self.assertEqual(numbers.people(1234), "1,234 人")


@time_machine.travel(NOON, tick=False)
class PagesTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        TallyCounter.add(
            Counter(
                {
                    "total": 1_234_567,
                    f"day:{TODAY.isoformat()}": 19_726,
                    f"month:{TODAY:%Y-%m}": 19_726,
                    "org:party": 1_234_567,
                    "region:CN-BJ": 234_567,
                    "region:abroad": 45_678,
                    "region:unknown": 954_322,
                    "channel:web": 1_234_567,
                    "rejected:spam": 12_345,
                    # The 28 days before today: a projection to the next million.
                    **{f"day:{date(2026, 4, d).isoformat()}": 1_234 for d in range(22, 31)},
                    **{f"day:{date(2026, 5, d).isoformat()}": 1_234 for d in range(1, 20)},
                }
            )
        )

    def test_home_and_tally_in_three_languages(self):
        headline = {"zh-hans": "123.5万", "zh-hant": "123.5萬", "en": "1,234,567"}
        for language in ("zh-hans", "zh-hant", "en"):
            with self.subTest(language=language):
                for url in (f"/{language}/", f"/{language}/tally/"):
                    page = self.client.get(url).content.decode()
                    text = visible_text(page)
                    self.assertIn(f'<data value="1234567">{headline[language]}</data>', page)
                    self.assertIn("19,726", text)
                    self.assertEqual(UNGROUPED.findall(text), [], url)
                tally = visible_text(self.client.get(f"/{language}/tally/").content.decode())
                # Inside sentences too, not only in the tables.
                self.assertIn("1,234,567", tally)
                self.assertIn("12,345", tally)
                self.assertIn("45,678", tally)
        page = self.client.get("/en/tally/").content.decode()
        self.assertIn("1,234,567 declarations received, reviewed and logged.", page)
        self.assertIn("19,726 of them are dated today.", page)
        self.assertIn("12,345 declarations were rejected", page)
        self.assertIn("<title>Beijing: 234,567</title>", page)
        page = self.client.get("/zh-hans/tally/").content.decode()
        self.assertIn("共 1,234,567 份", page)
        self.assertIn("2,000,000（还差 765,433 份）", page)
        self.assertIn("平均每天计入 1,234.0 份声明", page)

    def test_staff_pages_group_numbers(self):
        login_verified(self.client, self.alice)
        for _ in range(2):
            make_submission("Wang", statement="see www.example.com now")
        for language, waiting in (
            ("en", "2 submissions are waiting"),
            ("zh-hans", "2"),
            ("zh-hant", "2"),
        ):
            page = self.client.get(f"/{language}/staff/queue/").content.decode()
            self.assertIn(waiting, page)
            page = visible_text(self.client.get(f"/{language}/staff/audit/").content.decode())
            self.assertEqual(UNGROUPED.findall(page), [])
