"""A tile map of the regions in ``regions.PROVINCES``: one equal square each, shaded by count.

An equal-area tile grid instead of a real map: Xinjiang and Macau weigh the same, every square
is big enough for a label at 360 px, and the SVG stays small (no outlines to ship). The
squares sit roughly where the regions are, as in published China tile-grid maps: Heilongjiang
top right, Xinjiang and Tibet left, Hainan, Macau and Hong Kong along the bottom. Taiwan is
drawn apart, across a gap east of Fujian, under its own name: it is not one of the PRC's
provincial-level divisions, and the map never frames it as one.

Drawn on the server like the other charts (``charts.py``): no JavaScript, every text escaped.
"""

from collections.abc import Mapping
from html import escape

from tuidang.declarations import charts

# (column, row) of each region's square; row 0 is the top.
GRID: dict[str, tuple[int, int]] = {
    "CN-HL": (7, 0),
    "CN-NM": (4, 1),
    "CN-BJ": (5, 1),
    "CN-LN": (6, 1),
    "CN-JL": (7, 1),
    "CN-XJ": (0, 2),
    "CN-GS": (1, 2),
    "CN-NX": (2, 2),
    "CN-SX": (3, 2),
    "CN-HE": (4, 2),
    "CN-TJ": (5, 2),
    "CN-QH": (1, 3),
    "CN-SN": (2, 3),
    "CN-HA": (3, 3),
    "CN-SD": (4, 3),
    "CN-XZ": (0, 4),
    "CN-SC": (1, 4),
    "CN-CQ": (2, 4),
    "CN-HB": (3, 4),
    "CN-AH": (4, 4),
    "CN-JS": (5, 4),
    "CN-SH": (6, 4),
    "CN-YN": (1, 5),
    "CN-GZ": (2, 5),
    "CN-HN": (3, 5),
    "CN-JX": (4, 5),
    "CN-ZJ": (5, 5),
    "CN-GX": (3, 6),
    "CN-GD": (4, 6),
    "CN-FJ": (5, 6),
    "CN-TW": (7, 6),
    "CN-HI": (3, 7),
    "CN-MO": (4, 7),
    "CN-HK": (5, 7),
}
# Short labels: two characters in Chinese, two or three letters in English. The full name is
# in each square's <title> and in the table beside the map.
SHORT: dict[str, tuple[str, str, str]] = {
    "CN-BJ": ("北京", "北京", "BJ"),
    "CN-TJ": ("天津", "天津", "TJ"),
    "CN-HE": ("河北", "河北", "HEB"),
    "CN-SX": ("山西", "山西", "SX"),
    "CN-NM": ("内蒙", "內蒙", "IM"),
    "CN-LN": ("辽宁", "遼寧", "LN"),
    "CN-JL": ("吉林", "吉林", "JL"),
    "CN-HL": ("黑龙", "黑龍", "HL"),
    "CN-SH": ("上海", "上海", "SH"),
    "CN-JS": ("江苏", "江蘇", "JS"),
    "CN-ZJ": ("浙江", "浙江", "ZJ"),
    "CN-AH": ("安徽", "安徽", "AH"),
    "CN-FJ": ("福建", "福建", "FJ"),
    "CN-JX": ("江西", "江西", "JX"),
    "CN-SD": ("山东", "山東", "SD"),
    "CN-HA": ("河南", "河南", "HEN"),
    "CN-HB": ("湖北", "湖北", "HUB"),
    "CN-HN": ("湖南", "湖南", "HUN"),
    "CN-GD": ("广东", "廣東", "GD"),
    "CN-GX": ("广西", "廣西", "GX"),
    "CN-HI": ("海南", "海南", "HI"),
    "CN-CQ": ("重庆", "重慶", "CQ"),
    "CN-SC": ("四川", "四川", "SC"),
    "CN-GZ": ("贵州", "貴州", "GZ"),
    "CN-YN": ("云南", "雲南", "YN"),
    "CN-XZ": ("西藏", "西藏", "TIB"),
    "CN-SN": ("陕西", "陝西", "SN"),
    "CN-GS": ("甘肃", "甘肅", "GS"),
    "CN-QH": ("青海", "青海", "QH"),
    "CN-NX": ("宁夏", "寧夏", "NX"),
    "CN-XJ": ("新疆", "新疆", "XJ"),
    "CN-TW": ("台湾", "臺灣", "TW"),
    "CN-HK": ("香港", "香港", "HK"),
    "CN-MO": ("澳门", "澳門", "MO"),
}
# Shades from "none" to "most": a light grey, then four reds, light to dark; the text on each
# is whichever of black and white reads better on it.
FILLS = ("#eeeeee", "#f7c6c7", "#e57f83", "#c0282e", "#6e0b0e")
INKS = ("#1b1b1b", "#1b1b1b", "#1b1b1b", "#ffffff", "#ffffff")
CELL = 44
TILE = 42
# The map's top-left corner is empty (nothing west of Inner Mongolia in the first two rows):
# the key goes there, one line per shade.
KEY_LINE = 17


def short_name(code: str, language: str) -> str:
    hans, hant, en = SHORT[code]
    return {"zh-hans": hans, "zh-hant": hant}.get(language, en)


def classes(maximum: int) -> list[tuple[int, int]]:
    """The shading classes as ``(low, high)`` ranges, inclusive, for counts up to ``maximum``.

    Class 0 is exactly zero; each class after it spans one power of ten, the top one ending
    at the power of ten above ``maximum``, and the lowest nonzero class starting at 1 (at
    most four nonzero classes: "1-99, 100-999, 1,000-9,999, 10,000-99,999"). So a shade means
    the same order of magnitude whatever the day, and each shade is ten times the last.
    """
    result = [(0, 0)]
    if maximum <= 0:
        return result
    digits = len(str(maximum))
    tops = [10**d - 1 for d in range(max(digits - 3, 1), digits + 1)]
    low = 1
    for high in tops:
        result.append((low, high))
        low = high + 1
    return result


def class_of(value: int, ranges: list[tuple[int, int]]) -> int:
    return next(i for i, (low, high) in enumerate(ranges) if low <= value <= high)


def tile_map(
    counts: Mapping[str, int],
    names: Mapping[str, str],
    *,
    language: str,
    chart_id: str,
    title: str,
    desc: str,
    describedby: str = "",
) -> str:
    """The SVG: one square per code in ``counts`` (each must be in ``GRID``), with the count
    and the region's full name (from ``names``) in its ``<title>``, and a key of the shades."""
    ranges = classes(max(counts.values(), default=0))
    columns = max(col for col, _row in GRID.values()) + 1
    rows = max(row for _col, row in GRID.values()) + 1
    width = charts.WIDTH
    left = (width - columns * CELL) / 2
    height = rows * CELL + 2
    parts = charts.open_svg(chart_id, title, desc, width, height, describedby)
    # The key, top left: a swatch and the range of counts each shade stands for.
    parts.append('<g class="key">')
    for index, (low, high) in enumerate(ranges):
        y = 2 + KEY_LINE * index
        label = (
            charts.number(low)
            if low == high
            else f"{charts.number(low)}\u2013{charts.number(high)}"
        )
        parts.append(
            f'<rect x="{left:g}" y="{y}" width="14" height="14" '
            f'fill="{FILLS[index]}" stroke="#999" stroke-width=".5"/>'
            f'<text x="{left + charts.FONT + 5:g}" y="{y + charts.FONT - 3}">{label}</text>'
        )
    parts.append('</g><g class="tiles" text-anchor="middle">')
    for code, value in counts.items():
        col, row = GRID[code]
        shade = class_of(value, ranges)
        x = left + col * CELL
        y = 1 + row * CELL
        parts.append(
            f'<g class="tile q{shade}" data-region="{escape(code)}">'
            f"<title>{charts.tooltip(names[code], value)}</title>"
            f'<rect x="{x:g}" y="{y}" width="{TILE}" height="{TILE}" rx="3" fill="{FILLS[shade]}"/>'
            f'<text x="{x + TILE / 2:g}" y="{y + TILE / 2 + charts.FONT * 0.35:.1f}" '
            f'fill="{INKS[shade]}">{escape(short_name(code, language))}</text></g>'
        )
    parts.append("</g></svg>")
    return "".join(parts)
