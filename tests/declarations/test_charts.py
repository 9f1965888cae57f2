import xml.etree.ElementTree as ET

from django.test import SimpleTestCase
from django.utils import translation

from tuidang.declarations import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


class NiceTicksTestCase(SimpleTestCase):
    def test_known_answers(self):
        self.assertEqual(charts.nice_ticks(0), [0, 1])
        self.assertEqual(charts.nice_ticks(3), [0, 1, 2, 3])
        self.assertEqual(charts.nice_ticks(7), [0, 2, 4, 6, 8])
        self.assertEqual(charts.nice_ticks(1000), [0, 500, 1000])
        self.assertEqual(charts.nice_ticks(1234), [0, 500, 1000, 1500])
        self.assertEqual(charts.nice_ticks(38_000), [0, 10_000, 20_000, 30_000, 40_000])

    def test_top_tick_always_covers_the_maximum(self):
        for maximum in [1, 2, 9, 10, 11, 99, 101, 4_999, 123_456_789]:
            ticks = charts.nice_ticks(maximum)
            self.assertGreaterEqual(ticks[-1], maximum)
            self.assertLessEqual(len(ticks), 6, maximum)


class ColumnChartTestCase(SimpleTestCase):
    def test_well_formed_accessible_and_proportional(self):
        points = [("2026-05-01", 2), ("2026-05-02", 0), ("2026-05-03", 8)]
        with translation.override("en"):  # the tooltips' colon follows the language
            root = parse(
                charts.column_chart(
                    points,
                    chart_id="c1",
                    title="Per day",
                    desc="Three days",
                    axis_labels={0: "5/1"},
                )
            )
        self.assertEqual(root.tag, f"{SVG}svg")
        self.assertEqual(root.get("role"), "img")
        self.assertEqual(root.get("aria-labelledby"), "c1-title c1-desc")
        self.assertEqual(root.find(f"{SVG}title").text, "Per day")
        self.assertEqual(root.find(f"{SVG}title").get("id"), "c1-title")
        self.assertEqual(root.find(f"{SVG}desc").text, "Three days")
        rects = root.findall(f".//{SVG}rect")
        self.assertEqual(len(rects), 3)
        heights = [float(r.get("height")) for r in rects]
        self.assertEqual(heights[1], 0)
        self.assertAlmostEqual(heights[2] / heights[0], 4)
        self.assertEqual([r.find(f"{SVG}title").text for r in rects][2], "2026-05-03: 8")
        texts = [t.text for t in root.iter(f"{SVG}text")]
        self.assertIn("5/1", texts)
        self.assertIn("8", texts)  # the top tick

    def test_text_is_escaped(self):
        evil = '<script>alert("x")</script> & co'
        svg = charts.column_chart(
            [(evil, 1)], chart_id='a"b', title=evil, desc=evil, axis_labels={0: evil}
        )
        self.assertNotIn("<script>", svg)
        root = parse(svg)
        self.assertEqual(root.find(f"{SVG}title").text, evil)
        self.assertEqual(root.get("id"), 'a"b')

    def test_empty_series_draws_an_empty_chart(self):
        root = parse(charts.column_chart([], chart_id="e", title="t", desc="d"))
        self.assertEqual(root.findall(f".//{SVG}rect"), [])


class BarChartTestCase(SimpleTestCase):
    def test_one_bar_per_item_longest_for_largest(self):
        items = [("中国共产党", 30), ("共青团 & <少先队>", 15)]
        root = parse(charts.bar_chart(items, chart_id="b", title="组织", desc="每个组织一条"))
        self.assertEqual(root.get("role"), "img")
        rects = root.findall(f"{SVG}rect")
        self.assertEqual(len(rects), 2)
        widths = [float(r.get("width")) for r in rects]
        self.assertAlmostEqual(widths[0], 2 * widths[1])
        labels = [t.text for t in root.findall(f"{SVG}text")]
        self.assertIn("共青团 & <少先队>", labels)
        self.assertIn("30", labels)

    def test_all_zero_values_do_not_divide_by_zero(self):
        root = parse(charts.bar_chart([("x", 0)], chart_id="z", title="t", desc="d"))
        self.assertEqual(float(root.find(f"{SVG}rect").get("width")), 0)
