"""When the log takes in declarations: batches at fixed boundaries, never at arrival.

Someone who polls the site and holds network-flow records could tie a declaration to the
connection that sent it if the log, the tally or the day's list moved moments after it
arrived. So the sequencer logs only at boundaries: multiples of ``TUIDANG_LOG_INTERVAL``
seconds since the Unix epoch (with the default hour, on the hour), whatever arrived. The
moment of a batch then says nothing about anyone in it, and every time published about the
log is a boundary (``Checkpoint.batch_time``).

In a quiet hour a batch of one would say "this person connected within the last hour". With
``TUIDANG_LOG_MIN_BATCH`` above 1, fewer waiting people than that are carried over to a later
boundary, so each hides among everyone who connected during the longer wait; after
``TUIDANG_LOG_MAX_WAIT`` seconds the oldest is logged anyway, with whoever waits beside it.
docs/privacy.md states the trade-off for operators.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince


def interval() -> float:
    """Seconds between batches; whole seconds in production, a fraction in tests."""
    return max(0.001, settings.LOG_INTERVAL)


def boundary_at_or_before(moment: datetime) -> datetime:
    """The latest batch boundary at or before ``moment`` (what a batch is dated)."""
    every = interval()
    return datetime.fromtimestamp(math.floor(moment.timestamp() / every) * every, tz=UTC)


def boundary_after(moment: datetime) -> datetime:
    """The first batch boundary strictly after ``moment``."""
    return boundary_at_or_before(moment) + interval_delta()


def boundary_at_or_after(moment: datetime) -> datetime:
    floor = boundary_at_or_before(moment)
    return floor if floor == moment else floor + interval_delta()


def is_due(waiting: int, oldest_accepted: datetime | None, boundary: datetime) -> bool:
    """Whether the batch at ``boundary`` logs the ``waiting`` people, or carries them over.

    Carried over only while there are fewer than ``TUIDANG_LOG_MIN_BATCH`` of them and the
    oldest was accepted less than ``TUIDANG_LOG_MAX_WAIT`` seconds before the boundary.
    """
    if not waiting:
        return False
    if waiting >= settings.LOG_MIN_BATCH or oldest_accepted is None:
        return True
    return oldest_accepted <= boundary - timedelta(seconds=settings.LOG_MAX_WAIT)


@dataclass(frozen=True)
class Expected:
    """When an accepted declaration will appear: at ``earliest``, or by ``latest`` if the
    batch at ``earliest`` is too small and carries it over (None when nothing is carried);
    ``every`` is the interval in words of the active language, ``zone`` the name of the
    site's time zone that the pages show times in."""

    earliest: datetime
    latest: datetime | None
    min_batch: int
    every: str
    zone: str


def expected(accepted_at: datetime | None = None, now: datetime | None = None) -> Expected:
    """When a declaration accepted at ``accepted_at`` (default: now) and still waiting at
    ``now`` will be logged, as the pages tell the declarant."""
    now = now or timezone.now()
    accepted_at = accepted_at or now
    earliest = boundary_after(now)
    latest = None
    if settings.LOG_MIN_BATCH > 1:
        latest = boundary_at_or_after(accepted_at + timedelta(seconds=settings.LOG_MAX_WAIT))
        if latest <= earliest:
            latest = None
    every = timesince(now, now + interval_delta(), depth=1)
    zone = timezone.get_current_timezone_name()
    return Expected(earliest, latest, settings.LOG_MIN_BATCH, every, zone)


def interval_delta() -> timedelta:
    return timedelta(seconds=interval())
