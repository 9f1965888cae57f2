import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import SimpleTestCase

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations import regions
from tuidang.declarations import tally as maths
from tuidang.declarations.models import Channel, Organisation, Person, TallyCounter

TODAY = date(2026, 5, 20)
NOON = datetime(2026, 5, 20, 12, tzinfo=UTC)


def days_back(counts_oldest_first: list[int], end: date) -> dict[str, int]:
    """``day:`` counters for consecutive days ending with ``end``."""
    start = end - timedelta(days=len(counts_oldest_first) - 1)
    return {
        f"day:{(start + timedelta(days=i)).isoformat()}": n
        for i, n in enumerate(counts_oldest_first)
        if n
    }


class BreakdownTestCase(SimpleTestCase):
    snapshot = {
        "total": 7,
        "org:party": 5,
        "org:league": 3,
        "region:CN-SX": 4,
        "region:abroad": 2,
        "region:unknown": 1,
        "country:UA": 2,
        "channel:web": 6,
        "channel:phone": 1,
        "day:2026-05-20": 3,
        "day:2026-03-01": 4,
        "month:2026-03": 4,
        "month:2026-05": 3,
        "rejected:spam": 2,
    }

    def test_breakdowns(self):
        self.assertEqual(maths.breakdown(self.snapshot, "org:"), {"league": 3, "party": 5})
        self.assertEqual(maths.by_count({"league": 3, "party": 5}), [("party", 5), ("league", 3)])
        regions_ = maths.regions_breakdown(self.snapshot)
        self.assertEqual(len(regions_), len(regions.PROVINCES) + 2)
        self.assertEqual(list(regions_)[-2:], ["abroad", "unknown"])
        self.assertEqual((regions_["CN-SX"], regions_["CN-BJ"], regions_["abroad"]), (4, 0, 2))
        self.assertEqual(maths.channels_breakdown(self.snapshot)["phone"], 1)
        self.assertEqual(set(maths.channels_breakdown(self.snapshot)), {c.value for c in Channel})
        self.assertEqual(maths.rejected_breakdown(self.snapshot)["spam"], 2)
        self.assertEqual(maths.rejected_breakdown(self.snapshot)["abuse"], 0)

    def test_series_fill_the_quiet_days_and_months(self):
        series = maths.daily_series(self.snapshot, TODAY, 3)
        self.assertEqual(series, [(date(2026, 5, 18), 0), (date(2026, 5, 19), 0), (TODAY, 3)])
        self.assertEqual(
            maths.monthly_series(self.snapshot, date(2026, 6, 1)),
            [("2026-03", 4), ("2026-04", 0), ("2026-05", 3), ("2026-06", 0)],
        )
        across_new_year = {"month:2025-11": 1, "month:2026-01": 2}
        self.assertEqual(
            [key for key, _n in maths.monthly_series(across_new_year, date(2026, 1, 5))],
            ["2025-11", "2025-12", "2026-01"],
        )
        self.assertEqual(maths.monthly_series({}, TODAY), [])

    def test_open_data_and_csv_rows(self):
        data = maths.open_data(self.snapshot, TODAY)
        self.assertEqual(list(data)[:2], ["total", "today"])
        self.assertEqual((data["total"], data["today"]), (7, 3))
        self.assertEqual(data["countries"], {"UA": 2})
        self.assertEqual(data["days"], {"2026-03-01": 4, "2026-05-20": 3})
        rows = maths.csv_rows(data)
        self.assertEqual(rows[:2], [("total", "", 7), ("today", "", 3)])
        self.assertIn(("organisation", "party", 5), rows)
        self.assertIn(("region", "unknown", 1), rows)
        self.assertIn(("month", "2026-03", 4), rows)
        self.assertIn(("rejected", "spam", 2), rows)


class MilestonesTestCase(SimpleTestCase):
    def test_each_multiple_is_dated_by_the_running_total(self):
        snapshot = {"day:2026-01-01": 6, "day:2026-01-02": 7, "day:2026-01-05": 25}
        self.assertEqual(
            maths.milestones(snapshot, step=10),
            [(10, date(2026, 1, 2)), (20, date(2026, 1, 5)), (30, date(2026, 1, 5))],
        )

    def test_millions(self):
        snapshot = {
            "day:2005-01-01": 600_000,
            "day:2005-06-01": 500_000,
            "day:2006-01-01": 1_200_000,
        }
        self.assertEqual(
            maths.milestones(snapshot),
            [(1_000_000, date(2005, 6, 1)), (2_000_000, date(2006, 1, 1))],
        )
        self.assertEqual(maths.milestones({"day:2005-01-01": 999_999}), [])

    def test_exactly_reaching_a_milestone_counts(self):
        self.assertEqual(
            maths.milestones({"day:2026-01-01": 10}, step=10), [(10, date(2026, 1, 1))]
        )


class ProjectionTestCase(SimpleTestCase):
    def test_least_squares_slope(self):
        self.assertEqual(maths.least_squares_slope([3 + 2 * i for i in range(10)]), 2.0)
        self.assertEqual(maths.least_squares_slope([5] * 28), 0.0)
        self.assertEqual(maths.least_squares_slope([4]), 0.0)
        self.assertAlmostEqual(maths.least_squares_slope([1, 2, 2, 3]), 0.6)

    def test_days_to_reach(self):
        self.assertEqual(maths.days_to_reach(5, 10.0), 1)
        self.assertEqual(maths.days_to_reach(100, 2.5), 40)
        self.assertEqual(maths.days_to_reach(101, 2.5), 41)
        self.assertEqual(maths.days_to_reach(0, 0.0), 0)
        self.assertIsNone(maths.days_to_reach(1, 0.0))

    def test_steady_rate(self):
        # 10 a day for four weeks, 995 counted: 5 to go, one day at 10 a day.
        snapshot = {"total": 995, **days_back([10] * 28, TODAY - timedelta(days=1))}
        projection = maths.projection(snapshot, TODAY, step=1000)
        self.assertEqual(projection.next_milestone, 1000)
        self.assertEqual(projection.remaining, 5)
        self.assertEqual(projection.rate, 10)
        self.assertEqual((projection.low_rate, projection.high_rate), (10, 10))
        self.assertEqual(projection.expected, TODAY + timedelta(days=1))
        self.assertEqual(projection.earliest, projection.latest)
        self.assertEqual(projection.window_start, date(2026, 4, 22))
        self.assertEqual(projection.window_end, date(2026, 5, 19))
        self.assertEqual(projection.direction, "steady")

    def test_growing_weeks_give_a_range_and_a_rising_trend(self):
        # Weeks of 1, 2, 3 and 4 a day: mean 2.5 a day; 100 to go.
        daily = [1] * 7 + [2] * 7 + [3] * 7 + [4] * 7
        snapshot = {"total": 1000, **days_back(daily, TODAY - timedelta(days=1))}
        projection = maths.projection(snapshot, TODAY, step=100)
        self.assertEqual(projection.next_milestone, 1100)
        self.assertEqual(projection.rate, 2.5)
        self.assertEqual((projection.low_rate, projection.high_rate), (1, 4))
        self.assertEqual(projection.expected, TODAY + timedelta(days=40))
        self.assertEqual(projection.earliest, TODAY + timedelta(days=25))
        self.assertEqual(projection.latest, TODAY + timedelta(days=100))
        self.assertEqual(projection.direction, "rising")
        self.assertAlmostEqual(projection.slope, maths.least_squares_slope(daily))
        self.assertGreater(projection.trend_per_week, 0)

    def test_falling_and_a_silent_week(self):
        daily = [8] * 7 + [6] * 7 + [2] * 7 + [0] * 7
        snapshot = {"total": 10, **days_back(daily, TODAY - timedelta(days=1))}
        projection = maths.projection(snapshot, TODAY, step=100)
        self.assertEqual(projection.direction, "falling")
        self.assertIsNone(projection.latest)
        self.assertEqual(projection.earliest, TODAY + timedelta(days=12))  # 90 at 8 a day

    def test_a_trickle_gives_no_date_rather_than_an_absurd_one(self):
        snapshot = {"total": 1, **days_back([1], TODAY - timedelta(days=3))}
        projection = maths.projection(snapshot, TODAY)
        self.assertAlmostEqual(projection.rate, 1 / 28)
        self.assertEqual(projection.remaining, 999_999)
        self.assertIsNone(projection.expected)
        self.assertIsNone(projection.earliest)

    def test_today_is_left_out_and_no_data_gives_no_projection(self):
        self.assertIsNone(maths.projection({"total": 5, f"day:{TODAY}": 5}, TODAY))
        old = {"total": 5, "day:2025-01-01": 5}
        self.assertIsNone(maths.projection(old, TODAY))


@time_machine.travel(NOON, tick=False)
class TallyPageTestCase(BaseTestCase):
    def test_numbers_come_from_the_counters_in_every_language(self):
        make_submission("松山", "明月", orgs=("party", "league"), region="CN-SX")
        make_submission("远方", region="UA", channel=Channel.PHONE, declared_on=date(2026, 3, 2))
        spam, _ = make_submission("广告", statement="see www.example.com")
        spam.reject("spam", by=self.mo)
        run_sequencer()

        pages = {
            "zh-hans": ["退党统计", "中国共产党", "山西", "乌克兰", "垃圾", "按组织"],
            "zh-hant": ["退黨統計", "中國共產黨", "山西", "烏克蘭", "按組織", "海外（所有國家）"],
            "en": [
                "The tally",
                "Chinese Communist Party",
                "Shanxi",
                "Ukraine",
                "Spam or advertising",
            ],
        }
        for language, expected in pages.items():
            response = self.client.get(f"/{language}/tally/")
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            self.assertIn(f'<html lang="{language}">', html)
            for text in expected:
                if text == "垃圾" or text == "Spam or advertising":
                    continue  # the reason's label is the lead's catalog; its count is below
                self.assertIn(text, html, f"{language}: {text}")
            self.assertEqual(response.context["total"], TallyCounter.snapshot()["total"])
        english = response.context
        self.assertEqual(english["total"], 3)
        self.assertEqual(english["today_count"], 2)
        self.assertIn(("Chinese Communist Party", 3), english["organisations"])
        self.assertIn(("Communist Youth League", 2), english["organisations"])
        self.assertIn(("Ukraine", 1), english["countries"])
        self.assertIn(("Telephone", 1), english["channels"])
        self.assertIn(("Spam or advertising", 1), english["rejected"])
        self.assertEqual(english["rejected_total"], 1)
        self.assertEqual((english["abroad"], english["unknown"]), (1, 0))
        self.assertIn(("March 2026", 1), english["months"])

    def test_charts_are_well_formed_accessible_svg(self):
        make_submission("松山", region="CN-SX")
        make_submission("远方", region="UA", declared_on=date(2025, 12, 31))
        run_sequencer()
        html = self.client.get("/en/tally/").content.decode()
        svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
        self.assertEqual(len(svgs), 5)
        ids = set()
        for svg in svgs:
            root = ET.fromstring(svg)  # noqa: S314 - our own page
            self.assertEqual(root.get("role"), "img")
            title = root.find("{http://www.w3.org/2000/svg}title")
            self.assertTrue(title.text)
            ids.add(root.get("id"))
        self.assertEqual(
            ids,
            {"chart-map", "chart-organisations", "chart-regions", "chart-days", "chart-months"},
        )
        days = ET.fromstring(svgs[3])  # noqa: S314 - our own page
        self.assertEqual(days.get("id"), "chart-days")
        bars = days.find("{http://www.w3.org/2000/svg}g[@class='bars']")
        self.assertEqual(len(bars.findall("{http://www.w3.org/2000/svg}rect")), 90)
        # The charts' numbers are in tables too, for people who cannot see them.
        self.assertIn("<summary>The numbers for each day</summary>", html)

    def test_milestones_and_projection_are_explained(self):
        # A long history in counters: 1.95 million before the window, 2,000 a day since.
        history = Counter(
            {
                "total": 1_950_000,
                "day:2010-01-01": 1_000_000,
                "day:2015-01-01": 950_000,
                "month:2010-01": 1_000_000,
                "month:2015-01": 950_000,
            }
        )
        for i in range(1, 29):
            day = TODAY - timedelta(days=i)
            history[f"day:{day.isoformat()}"] += 2_000
            history[f"month:{day:%Y-%m}"] += 2_000
            history["total"] += 2_000
        TallyCounter.add(history)
        run_sequencer()
        response = self.client.get("/en/tally/")
        self.assertEqual(
            response.context["milestones"],
            [(1_000_000, date(2010, 1, 1)), (2_000_000, date(2026, 5, 16))],
        )
        projection = response.context["projection"]
        self.assertEqual(projection.next_milestone, 3_000_000)
        self.assertEqual(projection.remaining, 994_000)
        self.assertEqual(projection.expected, TODAY + timedelta(days=497))
        html = response.content.decode()
        self.assertIn("least-squares", html)
        self.assertIn("The daily count is steady.", html)
        self.assertIn("3,000,000", html)
        zh = self.client.get("/zh-hans/tally/").content.decode()
        self.assertIn("最小二乘", zh)
        self.assertIn("3,000,000", zh)  # grouped as in English (CLDR), not Django’s "3000000"
        self.assertIn("2027年9月29日", zh)  # 497 days after 2026-05-20
        self.assertIn("每日聲明數大致平穩", self.client.get("/zh-hant/tally/").content.decode())

    def test_queries_do_not_grow_with_the_data(self):
        make_submission("一", region="CN-BJ")
        run_sequencer()
        with self.assertNumQueries(2):  # the counters, the organisations' names
            self.client.get("/en/tally/")
        for i in range(30):
            make_submission(
                f"人{i}",
                f"家{i}",
                orgs=("party", "pioneers"),
                region=["CN-GD", "US", "", "JP"][i % 4],
                declared_on=TODAY - timedelta(days=i * 17),
            )
        run_sequencer()
        with self.assertNumQueries(2):
            response = self.client.get("/en/tally/")
        self.assertEqual(response.context["total"], 61)
        self.assertIn("more than a hundred years", response.content.decode())

    def test_a_reused_page_is_never_stale(self):
        # The rendered page is kept per process while the counters and organisations stay
        # the same; a new batch in the log or a renamed organisation must show at once.
        make_submission("一", region="CN-BJ")
        run_sequencer()
        first = self.client.get("/en/tally/").content.decode()
        self.assertEqual(first, self.client.get("/en/tally/").content.decode())
        make_submission("二", region="CN-BJ")
        run_sequencer()
        self.assertEqual(self.client.get("/en/tally/").context["total"], 2)
        Organisation.objects.filter(slug="party").update(name_en="The Party (renamed)")
        self.assertIn("The Party (renamed)", self.client.get("/en/tally/").content.decode())
        self.assertNotIn("The Party (renamed)", self.client.get("/zh-hans/tally/").content.decode())

    def test_empty_tally(self):
        response = self.client.get("/zh-hant/tally/")
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["projection"])
        self.assertIn("最近 28 天沒有計入任何聲明", response.content.decode())
        self.assertIn("總數尚未達到第一個一百萬", response.content.decode())


@time_machine.travel(NOON, tick=False)
class HomePageTestCase(BaseTestCase):
    def test_home_in_every_language(self):
        make_submission(
            "松山", "明月", orgs=("party", "league"), region="CN-SX", statement="天灭中共，我退出"
        )
        run_sequencer()
        expected = {
            "zh-hans": ["退出中共、共青团、少先队", "我要声明退出", "最新声明", "开放数据"],
            "zh-hant": ["退出中共、共青團、少先隊", "我要聲明退出", "最新聲明", "開放資料"],
            "en": ["Make a declaration", "Recent statements", "not of unique people"],
        }
        for language, texts in expected.items():
            response = self.client.get(f"/{language}/")
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            for text in texts:
                self.assertIn(text, html)
            self.assertIn(f'href="/{language}/declare/"', html)
            self.assertIn(f'href="/{language}/tally/"', html)
            self.assertIn('href="/api/v1/tally"', html)
            self.assertIn("天灭中共，我退出", html)
            self.assertEqual(response.context["total"], 2)
        self.assertIn("Chinese Communist Party", html)

    def test_home_queries_are_constant(self):
        for i in range(12):
            make_submission(f"人{i}", region="CN-BJ")
        run_sequencer()
        with self.assertNumQueries(3):  # counters, recent people, their organisations
            response = self.client.get("/en/")
        self.assertEqual(len(response.context["recent"]), 5)
        # The latest in the log, which is shuffled within a batch: never the latest to arrive.
        latest = Person.objects.order_by("-leaf_index").values_list("name", flat=True)
        self.assertEqual([p.name for p in response.context["recent"]], list(latest[:5]))
