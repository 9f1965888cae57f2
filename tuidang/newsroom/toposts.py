"""Top posts of the last hours, from hourly counters: a number per article per hour, no more.

No cookie, no pixel, no script, no address: ``ArticlePage.serve`` adds one to the article's
counter for the current hour when a person (not a program: ``tuidang.privacy.is_robot``) asks
for the page. With too few views counted in the window the list shows the newest articles.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def current_hour():
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def count_view(request, page) -> None:
    from tuidang.newsroom.models import HourlyView

    if getattr(request, "is_robot", True) or getattr(request, "is_preview", False):
        return
    HourlyView.add(page.pk, current_hour())


def top_posts(limit: int = 5) -> tuple[list, bool]:
    """The most read live articles of the last ``TOP_POSTS_HOURS`` hours, and whether the list
    is by views (True) or, lacking data, simply the newest (False)."""
    from tuidang.newsroom.models import ArticlePage, HourlyView

    since = current_hour() - timedelta(hours=settings.TOP_POSTS_HOURS - 1)
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
