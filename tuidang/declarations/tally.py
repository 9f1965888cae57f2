"""The tally's arithmetic: pure functions over a ``TallyCounter.snapshot()`` dict.

Nothing here touches the database. The views read the counters once and hand the dict to
these functions, so the tally page and the open-data API cost one query however many
declarations there are, and every number can be checked against the counters by hand.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from tuidang.declarations import regions
from tuidang.declarations.models import Channel, RejectionReason

Snapshot = dict[str, int]

MILESTONE_STEP = 1_000_000
# The projection looks at the last four whole weeks: long enough to smooth out one quiet
# weekend, short enough to follow a change in the rate.
PROJECTION_WINDOW_DAYS = 28
# Beyond this a projected date says nothing useful (and soon overflows ``date``).
PROJECTION_HORIZON_DAYS = 100 * 365


def breakdown(snapshot: Snapshot, prefix: str) -> dict[str, int]:
    """The counters under ``prefix`` (e.g. ``"org:"``) keyed by what follows it, sorted by key."""
    return {
        key[len(prefix) :]: value
        for key, value in sorted(snapshot.items())
        if key.startswith(prefix)
    }


def regions_breakdown(snapshot: Snapshot) -> dict[str, int]:
    """Every province in the standard order (zeros included), then ``abroad`` and ``unknown``."""
    counts = breakdown(snapshot, "region:")
    ordered = {code: counts.get(code, 0) for code, *_names in regions.PROVINCES}
    ordered[regions.ABROAD] = counts.get(regions.ABROAD, 0)
    ordered["unknown"] = counts.get("unknown", 0)
    return ordered


def channels_breakdown(snapshot: Snapshot) -> dict[str, int]:
    """Every channel (zeros included), in the order the model lists them."""
    counts = breakdown(snapshot, "channel:")
    return {channel.value: counts.get(channel.value, 0) for channel in Channel}


def rejected_breakdown(snapshot: Snapshot) -> dict[str, int]:
    """Every rejection reason (zeros included), in the order the model lists them."""
    counts = breakdown(snapshot, "rejected:")
    return {reason.value: counts.get(reason.value, 0) for reason in RejectionReason}


def by_count(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Largest first; ties by key so the order is stable."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def daily_counts(snapshot: Snapshot) -> dict[date, int]:
    """``day:`` counters as dates. Keys that are not dates (never written by the app) are skipped."""
    days = {}
    for key, value in breakdown(snapshot, "day:").items():
        try:
            days[date.fromisoformat(key)] = value
        except ValueError:
            continue
    return days


def daily_series(snapshot: Snapshot, end: date, days: int) -> list[tuple[date, int]]:
    """The ``days`` days ending with ``end``, oldest first, with zeros for quiet days."""
    counts = daily_counts(snapshot)
    start = end - timedelta(days=days - 1)
    return [
        (start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(days)
    ]


def monthly_series(snapshot: Snapshot, end: date) -> list[tuple[str, int]]:
    """Every month from the first counted one to ``end``'s month, oldest first, zeros included."""
    counts = breakdown(snapshot, "month:")
    valid = sorted(key for key in counts if _is_month(key))
    if not valid:
        return []
    year, month = (int(part) for part in valid[0].split("-"))
    last = max(valid[-1], f"{end.year:04d}-{end.month:02d}")
    series = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        series.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


def _is_month(key: str) -> bool:
    parts = key.split("-")
    return len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[1]) <= 12


def milestones(snapshot: Snapshot, step: int = MILESTONE_STEP) -> list[tuple[int, date]]:
    """Each multiple of ``step`` the running total has reached, with the day it was crossed.

    The running total adds up the ``day:`` counters in date order (the day a declaration was
    made, not the day it arrived), so a letter that arrives late moves its own day's count.
    One very large day can cross several milestones; each is listed with that day.
    """
    reached = []
    running = 0
    for day, count in sorted(daily_counts(snapshot).items()):
        before, running = running, running + count
        for multiple in range(before // step + 1, running // step + 1):
            reached.append((multiple * step, day))
    return reached


@dataclass(frozen=True)
class Projection:
    """When the next milestone may be reached if the recent rate holds.

    ``rate`` is the mean daily count over the window; ``low_rate`` and ``high_rate`` are the
    daily means of the quietest and busiest of its four weeks, which give the range.
    """

    window_start: date
    window_end: date
    total: int
    next_milestone: int
    remaining: int
    rate: float
    low_rate: float
    high_rate: float
    slope: float  # least-squares change of the daily count per day over the window
    # Each None when its rate would take longer than the horizon (a zero rate, for one).
    expected: date | None
    earliest: date | None
    latest: date | None

    @property
    def trend_per_week(self) -> float:
        return self.slope * 7

    @property
    def trend_size(self) -> float:
        return abs(self.trend_per_week)

    @property
    def direction(self) -> str:
        """``rising``, ``falling`` or ``steady``: steady while the fitted line moves less than
        5% of the mean daily count in a week, which is within a quiet weekend's noise."""
        if abs(self.trend_per_week) < 0.05 * self.rate:
            return "steady"
        return "rising" if self.slope > 0 else "falling"


def days_to_reach(remaining: int, rate: float) -> int | None:
    """Whole days needed to count ``remaining`` more at ``rate`` a day; None if the rate is zero."""
    if remaining <= 0:
        return 0
    if rate <= 0:
        return None
    return math.ceil(remaining / rate)


def least_squares_slope(values: list[int]) -> float:
    """The slope of the least-squares line through ``(i, values[i])``; 0 for fewer than 2 points."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    numerator = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    denominator = sum((i - mean_x) ** 2 for i in range(n))
    return numerator / denominator


def projection(
    snapshot: Snapshot,
    today: date,
    step: int = MILESTONE_STEP,
    window: int = PROJECTION_WINDOW_DAYS,
) -> Projection | None:
    """Project the day the total reaches its next multiple of ``step``.

    The window is the ``window`` whole days before ``today`` (today is still being counted,
    so it would pull the rate down). The expected day assumes the window's mean daily count
    continues; the range uses the quietest and the busiest week of the window instead.
    None when nothing was counted in the window, since no rate can be projected from it.
    """
    end = today - timedelta(days=1)
    series = [count for _day, count in daily_series(snapshot, end, window)]
    if not any(series):
        return None
    total = snapshot.get("total", 0)
    next_milestone = (total // step + 1) * step
    remaining = next_milestone - total
    weeks = [series[i : i + 7] for i in range(0, len(series), 7)]
    weekly_rates = [sum(week) / len(week) for week in weeks]
    rate = sum(series) / len(series)
    low, high = min(weekly_rates), max(weekly_rates)

    def when(daily_rate: float) -> date | None:
        days = days_to_reach(remaining, daily_rate)
        if days is None or days > PROJECTION_HORIZON_DAYS:
            return None
        return today + timedelta(days=days)

    return Projection(
        window_start=end - timedelta(days=window - 1),
        window_end=end,
        total=total,
        next_milestone=next_milestone,
        remaining=remaining,
        rate=rate,
        low_rate=low,
        high_rate=high,
        slope=least_squares_slope(series),
        expected=when(rate),
        earliest=when(high),
        latest=when(low),
    )


def open_data(snapshot: Snapshot, today: date) -> dict:
    """The tally as the open-data API publishes it (``as_of`` is added by the caller).

    Organisations, countries, days and months list only what has been counted (a missing key
    means zero); regions, channels and rejection reasons list every value, zeros included.
    """
    return {
        "total": snapshot.get("total", 0),
        "today": snapshot.get(f"day:{today.isoformat()}", 0),
        "organisations": breakdown(snapshot, "org:"),
        "regions": regions_breakdown(snapshot),
        "countries": breakdown(snapshot, "country:"),
        "channels": channels_breakdown(snapshot),
        "days": breakdown(snapshot, "day:"),
        "months": breakdown(snapshot, "month:"),
        "rejected": rejected_breakdown(snapshot),
        # Dossiers the centre anchored in the log (tuidang/dossier/v1): log entries that are no
        # declaration, counted so that the log's size adds up.
        "anchored": {"dossier": snapshot.get("anchored:dossier", 0)},
    }


def csv_rows(data: dict) -> list[tuple[str, str, int]]:
    """``open_data`` flattened to ``(breakdown, key, count)`` rows for the CSV download."""
    rows: list[tuple[str, str, int]] = [("total", "", data["total"]), ("today", "", data["today"])]
    for section, name in [
        ("organisations", "organisation"),
        ("regions", "region"),
        ("countries", "country"),
        ("channels", "channel"),
        ("days", "day"),
        ("months", "month"),
        ("rejected", "rejected"),
    ]:
        rows.extend((name, key, count) for key, count in data[section].items())
    return rows
