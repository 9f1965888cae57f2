"""Charts drawn on the server as inline SVG: no JavaScript, no request to anyone.

Pure functions from numbers and labels to an SVG string. Every piece of text passes through
``escape`` (labels are staff-edited organisation names and translated strings), so the
result is safe to put in a page as is. Each chart carries ``role="img"``, a ``<title>`` and a
``<desc>`` for screen readers, and a ``<title>`` per bar as a tooltip; the pages put the same
numbers in a table beside it.
"""

import math
from collections.abc import Mapping, Sequence
from html import escape

WIDTH = 720
COLUMN_HEIGHT = 240
# Room for the y-axis labels on the left and the x-axis labels below.
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28
BAR_ROW = 22
LABEL_WIDTH = 200


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


def _number(value: int) -> str:
    return f"{value:,}"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def column_chart(
    points: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_labels: Mapping[int, str] | None = None,
) -> str:
    """Vertical columns for a time series: ``points`` are ``(label, value)`` oldest first.

    ``axis_labels`` maps a point's index to the short text written under it (the caller picks
    e.g. the first of each month); every column's full label and value is in its tooltip.
    """
    axis_labels = axis_labels or {}
    ticks = nice_ticks(max((value for _label, value in points), default=0))
    top = ticks[-1]
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = COLUMN_HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    gap = 1 if slot > 3 else 0
    parts = _open(chart_id, title, desc, WIDTH, COLUMN_HEIGHT)
    parts.append('<g class="axis" stroke="#ddd" stroke-width="1">')
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
    parts.append("</g>")
    parts.append('<g class="labels" text-anchor="end">')
    for tick in ticks:
        y = TOP + plot_height - plot_height * tick / top
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}">{_number(tick)}</text>')
    parts.append("</g>")
    parts.append('<g class="bars" fill="#a4161a">')
    for index, (label, value) in enumerate(points):
        height = plot_height * value / top
        x = LEFT + index * slot
        y = TOP + plot_height - height
        parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(slot - gap, 0.5):.2f}" '
            f'height="{height:.2f}"><title>{escape(label)}: {_number(value)}</title></rect>'
        )
    parts.append("</g>")
    parts.append('<g class="labels" text-anchor="middle">')
    baseline = TOP + plot_height
    for index, text in sorted(axis_labels.items()):
        x = LEFT + index * slot + slot / 2
        parts.append(
            f'<line x1="{x:.2f}" y1="{baseline}" x2="{x:.2f}" y2="{baseline + 4}" stroke="#5a5a5a"/>'
            f'<text x="{x:.2f}" y="{baseline + 17}">{escape(text)}</text>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    desc: str,
) -> str:
    """Horizontal bars for categories: ``items`` are ``(label, value)`` in the order to draw."""
    maximum = max((value for _label, value in items), default=0) or 1
    height = TOP + BAR_ROW * max(len(items), 1) + 4
    bar_space = WIDTH - LABEL_WIDTH - 80
    parts = _open(chart_id, title, desc, WIDTH, height)
    for index, (label, value) in enumerate(items):
        y = TOP + index * BAR_ROW
        length = bar_space * value / maximum
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.2f}" height="{BAR_ROW - 6}" '
            f'fill="#a4161a"><title>{escape(label)}: {_number(value)}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.2f}" y="{y + 14}">{_number(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
