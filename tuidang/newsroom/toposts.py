"""Top posts of the last hours, from hourly counters: a number per article per hour, no more.

No cookie, no pixel, no script, no address: ``ArticlePage.serve`` adds one to the article's
counter for the current hour when a person (not a program: ``tuidang.privacy.is_robot``) asks
for the page. Each web process adds up its views in memory and writes them in one transaction
at most every ``TOP_POSTS_FLUSH_SECONDS`` (and when the hour turns), so reading an article costs
no database write; a process that dies loses at most that many seconds of counts. With too
few views counted in the window the list shows the newest articles.
"""

import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

_lock = threading.Lock()
_pending: Counter = Counter()
_last_flush = time.monotonic()


def current_hour():
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def count_view(request, page) -> None:
    global _last_flush
    if getattr(request, "is_robot", True) or getattr(request, "is_preview", False):
        return
    with _lock:
        _pending[(page.pk, current_hour())] += 1
        due = time.monotonic() - _last_flush >= settings.TOP_POSTS_FLUSH_SECONDS
    if due or any(hour != current_hour() for _pk, hour in list(_pending)):
        flush()


def flush() -> None:
    """Write the views counted in this process since the last flush."""
    from tuidang.newsroom.models import ArticlePage, HourlyView

    global _last_flush
    with _lock:
        counts = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not counts:
        return
    # An article deleted since it was read has nothing left to count for.
    existing = set(
        ArticlePage.objects.filter(pk__in={pk for pk, _hour in counts}).values_list("pk", flat=True)
    )
    for (page_id, hour), views in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
        if page_id in existing:
            HourlyView.add(page_id, hour, views)


def top_posts(limit: int = 5) -> tuple[list, bool]:
    """The most read live articles of the last ``TOP_POSTS_HOURS`` hours, and whether the list
    is by views (True) or, lacking data, simply the newest (False). Kept for a minute, and
    recomputed at once after a publication (caching.py): an unpublished article leaves it."""
    from tuidang.newsroom import caching

    hour = current_hour()
    key = f"news:top:{caching.generation()}:{hour.isoformat()}:{limit}"
    found = cache.get(key)
    if found is None:
        found = _top_posts(hour, limit)
        cache.set(key, found, settings.TOP_POSTS_CACHE_SECONDS)
    return found


def _top_posts(hour, limit: int) -> tuple[list, bool]:
    from tuidang.newsroom.models import ArticlePage, HourlyView

    since = hour - timedelta(hours=settings.TOP_POSTS_HOURS - 1)
    live = ArticlePage.objects.live().public()
    counted = HourlyView.objects.since(since).filter(page__in=live)
    total = counted.aggregate(total=Sum("views"))["total"] or 0
    if total >= settings.TOP_POSTS_MIN_VIEWS:
        ids = [
            row["page_id"] for row in HourlyView.totals_since(since).filter(page__in=live)[:limit]
        ]
        pages = live.in_bulk(ids)
        return [pages[i] for i in ids if i in pages], True
    return list(live.order_by("-first_published_at")[:limit]), False
