"""Charts drawn on the server as inline SVG: no JavaScript, no request to anyone.

Pure functions from numbers and labels to an SVG string. Every piece of text passes through
``escape`` (labels are staff-edited organisation names and translated strings), so the
result is safe to put in a page as is. Each chart carries ``role="img"``, a ``<title>`` and a
``<desc>`` for screen readers, and a ``<title>`` per bar as a tooltip; the pages put the same
numbers in a table beside it.
"""

import math
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.translation import gettext

from tuidang import numbers

# The charts are drawn for a phone: a 360-unit-wide viewBox shown at most 360 CSS px wide
# (``width`` below) and at least about 290 px (a 320 px screen less the page's padding), so a
# 15-unit font is 12-15 CSS px wherever it is read. The page's stylesheet sets no font size
# on chart text; the ``font-size`` on the ``<svg>`` is the only one.
WIDTH = 360
FONT = 15
COLUMN_HEIGHT = 220
RIGHT, TOP, BOTTOM = 6, 12, 28
BAR_GAP = 6
BAR_HEIGHT = 14
PARTIAL_FILL = "#e5a3a5"


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round axis values from 0 to at least ``maximum``: steps of 1, 2 or 5 times a power of 10."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    top = math.ceil(maximum / step) * step
    return list(range(0, top + 1, step))


def number(value: int) -> str:
    return numbers.number(value)


def tooltip(label: str, value: int) -> str:
    """ "Beijing: 1,234", "北京：1,234" (a full-width colon in Chinese), escaped."""
    return escape(gettext("%(key)s: %(value)s") % {"key": label, "value": number(value)})


def text_width(text: str, font: float = FONT) -> float:
    """An upper estimate of ``text``'s width in user units: wide (CJK) characters take a full
    em, others 0.6 em (system-ui's digits and letters are narrower than that)."""
    return sum(
        font if unicodedata.east_asian_width(ch) in ("W", "F") else font * 0.6 for ch in text
    )


def open_svg(
    chart_id: str, title: str, desc: str, width: int, height: float, describedby: str = ""
) -> list[str]:
    cid = escape(chart_id)
    described = f' aria-describedby="{escape(describedby)}"' if describedby else ""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {width} {height:g}" width="{width}" height="{height:g}" '
        f'font-size="{FONT}" role="img" aria-labelledby="{cid}-title {cid}-desc"{described}>',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _hatch(pattern_id: str) -> str:
    """A light, hatched fill for a bar that is still growing (today, this month)."""
    return (
        f'<defs><pattern id="{pattern_id}" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="{PARTIAL_FILL}"/>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="#a4161a" stroke-width="1.5"/></pattern></defs>'
    )


def column_chart(
    points: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_labels: Mapping[int, str] | None = None,
    partial_note: str = "",
) -> str:
    """Vertical columns for a time series: ``points`` are ``(label, value)`` oldest first.

    ``axis_labels`` maps a point's index to the short text written under it (the caller picks
    e.g. the first of each month; labels that would overlap the previous one are left out);
    every column's full label and value is in its tooltip. With ``partial_note``, the last
    column is still being counted: it is drawn hatched and lighter, and a key under the chart
    says so in those words.
    """
    axis_labels = axis_labels or {}
    ticks = nice_ticks(max((value for _label, value in points), default=0))
    top = ticks[-1]
    left = math.ceil(max(text_width(number(tick)) for tick in ticks)) + 8
    plot_width = WIDTH - left - RIGHT
    plot_height = COLUMN_HEIGHT - TOP - BOTTOM
    height = COLUMN_HEIGHT + (FONT + 10 if partial_note and points else 0)
    slot = plot_width / max(len(points), 1)
    gap = 1 if slot > 3 else 0
    cid = escape(chart_id)
    parts = open_svg(chart_id, title, desc, WIDTH, height)
    if partial_note and points:
        parts.append(_hatch(f"{cid}-partial"))
    parts.append('<g class="axis" stroke="#ddd" stroke-width="1">')
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
    parts.append("</g>")
    parts.append('<g class="labels" text-anchor="end">')
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<text x="{left - 5}" y="{y + 5:.1f}">{number(tick)}</text>')
    parts.append("</g>")
    parts.append('<g class="bars" fill="#a4161a">')
    last = len(points) - 1
    for index, (label, value) in enumerate(points):
        bar = plot_height * value / top
        x = left + index * slot
        y = TOP + plot_height - bar
        partial = partial_note and index == last
        extra = f' class="partial" fill="url(#{cid}-partial)"' if partial else ""
        parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(slot - gap, 0.5):.2f}" '
            f'height="{bar:.2f}"{extra}><title>{tooltip(label, value)}</title></rect>'
        )
    parts.append("</g>")
    parts.append('<g class="labels" text-anchor="middle">')
    baseline = TOP + plot_height
    free_from = -math.inf
    for index, text in sorted(axis_labels.items()):
        x = left + index * slot + slot / 2
        half = text_width(text) / 2
        if x - half < free_from or x + half > WIDTH:
            continue
        free_from = x + half + 6
        parts.append(
            f'<line x1="{x:.2f}" y1="{baseline}" x2="{x:.2f}" y2="{baseline + 4}" stroke="#5a5a5a"/>'
            f'<text x="{x:.2f}" y="{baseline + 19}">{escape(text)}</text>'
        )
    parts.append("</g>")
    if partial_note and points:
        y = COLUMN_HEIGHT + 2
        parts.append(
            f'<g class="key"><rect x="0" y="{y}" width="{FONT}" height="{FONT}" '
            f'fill="url(#{cid}-partial)"/>'
            f'<text x="{FONT + 6}" y="{y + FONT - 2}">{escape(partial_note)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
) -> str:
    """Horizontal bars for categories: ``items`` are ``(label, value)`` in the order to draw.

    Labels go left of their bars when the longest fits in two fifths of the width, and
    otherwise on a line of their own above each bar, so no label is cut or shrunk on a phone.
    """
    maximum = max((value for _label, value in items), default=0) or 1
    label_width = math.ceil(max((text_width(label) for label, _value in items), default=0))
    value_width = math.ceil(text_width(number(maximum))) + 8
    beside = label_width <= WIDTH * 2 / 5
    bar_left = label_width + 8 if beside else 0
    row = FONT + BAR_GAP + (0 if beside else BAR_HEIGHT + 2)
    height = TOP + row * max(len(items), 1) + 4
    bar_space = WIDTH - bar_left - value_width
    parts = open_svg(chart_id, title, desc, WIDTH, height)
    for index, (label, value) in enumerate(items):
        y = TOP + index * row
        length = bar_space * value / maximum
        bar_y = y + 4 if beside else y + FONT + 3
        text_y = y + FONT - 1
        if beside:
            parts.append(
                f'<text x="{label_width}" y="{text_y}" text-anchor="end">{escape(label)}</text>'
            )
        else:
            parts.append(f'<text x="0" y="{text_y}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{bar_left}" y="{bar_y}" width="{length:.2f}" height="{BAR_HEIGHT}" '
            f'fill="#a4161a"><title>{tooltip(label, value)}</title></rect>'
            f'<text x="{bar_left + length + 5:.2f}" y="{bar_y + BAR_HEIGHT - 1}">'
            f"{number(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
