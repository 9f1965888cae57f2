"""The home page and the tally page: every number read from the counters in one query."""

import threading
from datetime import date

from django.db import connection
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tuidang.declarations import charts, regions, tilemap
from tuidang.declarations import tally as maths
from tuidang.declarations.models import (
    Channel,
    Organisation,
    Person,
    RejectionReason,
    TallyCounter,
)

RECENT_ON_HOME = 5
DAYS_CHARTED = 90


@require_safe
def home(request):
    today = timezone.localdate()
    counters = dict(
        TallyCounter.objects.filter(key__in=["total", f"day:{today.isoformat()}"]).values_list(
            "key", "value"
        )
    )
    recent = (
        Person.objects.published()
        .select_related("submission")
        .prefetch_related("organisations")
        .order_by("-leaf_index")[:RECENT_ON_HOME]
    )
    return render(
        request,
        "declarations/home.html",
        {
            "total": counters.get("total", 0),
            "today_count": counters.get(f"day:{today.isoformat()}", 0),
            "today": today,
            "recent": recent,
        },
    )


# Rendered tally pages by (language, day, counters, organisations): the page is a function of
# exactly these, so a page is reused only while none of them has changed, and never stale. The
# counters change only when the sequencer logs a batch (rejections included); between those every
# request would draw the same ~12,000 template nodes (two thirds of the page's time).
_pages: dict[tuple, tuple[dict, str]] = {}
_pages_lock = threading.Lock()
PAGES_KEPT = 6  # the three languages, and the previous state while workers catch up


@require_safe
def tally(request):
    today = timezone.localdate()
    counters, organisations = _state()
    key = (translation.get_language(), today, counters, organisations)
    page = _pages.get(key)
    if page is None:
        context = _tally_context(dict(counters), organisations, today)
        page = (context, render_to_string("declarations/_public_tally.html", context))
        with _pages_lock:
            _pages[key] = page
            while len(_pages) > PAGES_KEPT:
                del _pages[next(iter(_pages))]
    context, content = page
    return render(request, "declarations/tally.html", {**context, "content": content})


def _state() -> tuple[tuple, tuple]:
    """Every counter and every organisation's names, read as plain rows (the cache key)."""
    counters = connection.ops.quote_name(TallyCounter._meta.db_table)
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, value FROM {counters} ORDER BY key")  # noqa: S608 - our table
        counter_rows = tuple(cursor.fetchall())
        cursor.execute(
            f"SELECT slug, name_zh_hans, name_zh_hant, name_en FROM {organisations} ORDER BY slug"  # noqa: S608 - our table
        )
        organisation_rows = tuple(cursor.fetchall())
    return counter_rows, organisation_rows


def _tally_context(snapshot: dict[str, int], organisation_rows: tuple, today: date) -> dict:
    org_names = {
        slug: Organisation(slug=slug, name_zh_hans=hans, name_zh_hant=hant, name_en=en).name
        for slug, hans, hant, en in organisation_rows
    }
    organisations = [
        (org_names.get(slug, slug), count)
        for slug, count in maths.by_count(maths.breakdown(snapshot, "org:"))
    ]
    region_counts = maths.regions_breakdown(snapshot)
    provinces = [
        (regions.name(code), count)
        for code, count in region_counts.items()
        if regions.is_province(code)
    ]
    # Largest first; ties in the reader's collation (pinyin, zhuyin or A–Z), not by code.
    order = regions.country_order(regions.active_language())
    countries = [
        (regions.name(code), count)
        for code, count in sorted(
            maths.breakdown(snapshot, "country:").items(),
            key=lambda item: (-item[1], order.get(item[0], len(order)), item[0]),
        )
    ]
    channel_labels = dict(Channel.choices)
    channels = [
        (str(channel_labels[key]), count)
        for key, count in maths.channels_breakdown(snapshot).items()
    ]
    reason_labels = dict(RejectionReason.choices)
    rejected = [
        (str(reason_labels[key]), count)
        for key, count in maths.rejected_breakdown(snapshot).items()
    ]
    # Each day and month with its label, oldest first: the charts and the tables share them.
    days = [
        (day, formats.date_format(day, "DATE_FORMAT"), n)
        for day, n in maths.daily_series(snapshot, today, DAYS_CHARTED)
    ]
    day, label, n = days[-1]
    days[-1] = (day, _("%(day)s (today, so far)") % {"day": label}, n)
    months = [(key, _month_label(key), n) for key, n in maths.monthly_series(snapshot, today)]
    if months and months[-1][0] == f"{today.year:04d}-{today.month:02d}":
        # This month is still being counted: say so wherever its number is shown.
        key, label, n = months[-1]
        months[-1] = (key, _("%(month)s (partial)") % {"month": label}, n)
    milestones = maths.milestones(snapshot)
    projection = maths.projection(snapshot, today)

    return {
        "total": snapshot.get("total", 0),
        "today_count": snapshot.get(f"day:{today.isoformat()}", 0),
        "today": today,
        "organisations": organisations,
        "provinces": provinces,
        # The table's groups: none of Hong Kong, Macau and Taiwan is listed as a province.
        "region_groups": [
            (regions.MAINLAND_HEADING, provinces[: len(regions.MAINLAND)]),
            (regions.HK_MO_TW_HEADING, provinces[len(regions.MAINLAND) :]),
        ],
        "abroad": region_counts[regions.ABROAD],
        "unknown": region_counts["unknown"],
        "countries": countries,
        "channels": channels,
        "rejected": rejected,
        "rejected_total": sum(count for _label, count in rejected),
        "days": _day_rows(days),
        "months": [(label, n) for _key, label, n in reversed(months)],
        "milestones": milestones,
        "projection": projection,
        "window_days": maths.PROJECTION_WINDOW_DAYS,
        "charts": _charts(organisations, provinces, region_counts, days, months),
    }


def _charts(organisations, provinces, region_counts, days, months) -> dict[str, str]:
    # Every label is escaped inside charts.py, so the SVG can go into the page as is. Abroad
    # and "not given" are left out of the region chart, so that all countries together do
    # not dwarf the provinces; the page states their numbers beside it.
    region_bars = [item for item in maths.by_count(dict(provinces)) if item[1]]
    day_ticks = {i: _short_day(day) for i, (day, _label, _n) in enumerate(days) if day.day == 1}
    # A label every year, or every few years (charts.py drops any that would overlap).
    month_step = max(1, len(months) // 48 + 1)
    month_ticks = {
        i: key[:4]
        for i, (key, _label, _n) in enumerate(months)
        if key.endswith("-01") and int(key[:4]) % month_step == 0
    }
    tile_counts = {code: n for code, n in region_counts.items() if code in tilemap.GRID}
    return {
        "map": mark_safe(  # noqa: S308 - escaped by tilemap.py
            tilemap.tile_map(
                tile_counts,
                {code: regions.name(code) for code in tile_counts},
                language=translation.get_language() or "zh-hans",
                chart_id="chart-map",
                title=_("Declarations by region, as a map"),
                desc=_(
                    "One square per region, placed roughly where it is; the darker the square, "
                    "the more declarations. Taiwan is drawn apart, under its own name. "
                    "The table below has every number."
                ),
                describedby="regions-table",
            )
        ),
        "organisations": mark_safe(  # noqa: S308 - escaped by charts.py
            charts.bar_chart(
                organisations,
                chart_id="chart-organisations",
                title=_("Declarations by organisation"),
                desc=_("One bar per organisation; a declaration can name several."),
            )
        ),
        "regions": mark_safe(  # noqa: S308 - escaped by charts.py
            charts.bar_chart(
                region_bars,
                chart_id="chart-regions",
                title=_("Declarations by region"),
                desc=_(
                    "Regions with declarations, largest first; abroad and not given are "
                    "counted below the chart, not drawn."
                ),
            )
        ),
        "days": mark_safe(  # noqa: S308 - escaped by charts.py
            charts.column_chart(
                [(label, n) for _day, label, n in days],
                chart_id="chart-days",
                title=_("Declarations per day, last %(days)d days") % {"days": DAYS_CHARTED},
                desc=_(
                    "One column per day from %(start)s to %(end)s; the table below has the numbers."
                )
                % {"start": days[0][0].isoformat(), "end": days[-1][0].isoformat()},
                axis_labels=day_ticks,
                partial_note=_("Today, still being counted"),
            )
        ),
        "months": mark_safe(  # noqa: S308 - escaped by charts.py
            charts.column_chart(
                [(label, n) for _key, label, n in months],
                chart_id="chart-months",
                title=_("Declarations per month"),
                desc=_(
                    "One column per month since the first declaration; the table below has the numbers."
                ),
                axis_labels=month_ticks,
                partial_note=_("This month, still being counted"),
            )
        ),
    }


def _day_rows(days: list[tuple[date, str, int]]) -> list[tuple[str, str, int]]:
    """(label, link to that day's statements, count) for each charted day, newest first.

    Built here rather than in the template: ninety ``{% url %}`` tags and date filters were a
    fifth of the page's render time.
    """
    link = reverse("declarations-statements-day", args=["DAY"])
    return [(label, link.replace("DAY", day.isoformat()), n) for day, label, n in reversed(days)]


def _short_day(day: date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return formats.date_format(date(int(year), int(month), 1), "YEAR_MONTH_FORMAT")
