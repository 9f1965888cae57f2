"""Invented comments and followers for ``tuidang demo`` (after the newsroom's pages exist)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from wagtail.models import Page, Site

from tuidang.newsroom_comments.models import Comment, PageComments, State, commenter_key
from tuidang.newsroom_subscriptions import crypto
from tuidang.newsroom_subscriptions.models import Frequency, Subscriber, SubscriberState

NAMES = ["山东读者", "老李", "海外游子", "明心", "Lin", "A reader in Taipei", "清风", "觉醒者"]
BODIES = {
    "zh-hans": ["谢谢你们的报道。", "我也退了，心里踏实了。", "希望更多人看到这篇文章。"],
    "zh-hant": ["謝謝你們的報導。", "我也退了，心裡踏實了。", "希望更多人看到這篇文章。"],
    "en": ["Thank you for this report.", "I shared it with my family.", "Clear and brave."],
}


def fill(rng: random.Random, moderator, followers: int = 300) -> str:
    """Comments on every article page (some waiting, some pages closed) and followers."""
    models = settings.FOLLOWERS_PAGE_MODELS
    pages = [
        page
        for page in Page.objects.live()
        .public()
        .filter(depth__gte=2)
        .exclude(pk__in=Site.objects.values("root_page"))
        .specific()
        if page._meta.label_lower in models
    ]
    comments = 0
    for n, page in enumerate(pages):
        if n % 5 == 4:  # an editor closed these by hand
            PageComments.objects.get_or_create(page=page, defaults={"enabled": False})
        published = page.first_published_at or timezone.now()
        for _ in range(rng.randint(0, 4)):
            language = rng.choice(list(BODIES))
            name = rng.choice(NAMES)
            waiting = rng.random() < 0.2
            created = min(timezone.now(), published + timedelta(hours=rng.randint(1, 72)))
            comment = Comment.objects.create(
                page=page,
                name=name,
                commenter_key=commenter_key(name, ""),
                body=rng.choice(BODIES[language]),
                language=language,
                state=State.PENDING if waiting else State.APPROVED,
                holds=["first_time"] if waiting else [],
                created=created.replace(minute=0, second=0, microsecond=0),
            )
            if not waiting:
                comment.decide(moderator, State.APPROVED, "demo")
            comments += 1
    languages = [code for code, _ in settings.LANGUAGES]
    frequencies = [Frequency.POST, Frequency.POST, Frequency.DAILY, Frequency.WEEKLY]
    made = 0
    for i in range(followers):
        # example.org and friends (RFC 2606): nothing is ever delivered there.
        address = f"reader{i}@{['example.org', 'example.com', 'example.net'][i % 3]}"
        _, created = Subscriber.objects.get_or_create(
            address_hash=crypto.lookup_hash(address),
            defaults={
                "address_box": crypto.seal(address),
                "language": languages[i % 3],
                "frequency": frequencies[i % 4],
                "state": SubscriberState.ACTIVE if i % 10 else SubscriberState.PENDING,
                "salt": f"demo{i}",
                "confirmed_at": timezone.now() if i % 10 else None,
            },
        )
        made += created
    closed = sum(1 for page in pages if not _open(page))
    return (
        f"newsroom: {comments} comments on {len(pages)} articles ({closed} closed), "
        f"{made} followers"
    )


def _open(page) -> bool:
    from tuidang.newsroom_comments.models import comments_open

    return comments_open(page)
