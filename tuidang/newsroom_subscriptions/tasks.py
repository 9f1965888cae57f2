"""Sending to followers as background tasks (``tuidang worker``), in resumable batches.

Tasks take ids only (a task's row keeps its arguments). ``send_batch`` sends at most
``FOLLOWERS_BATCH_SIZE`` messages per run over one SMTP connection, at most
``FOLLOWERS_PER_DOMAIN_PER_BATCH`` of them to any one domain (large providers throttle or
block a sender that floods them), marks them sent in groups of ``FOLLOWERS_MARK_EVERY`` as it
goes (and what it sent when the batch ends, however it ends), and enqueues itself again,
``FOLLOWERS_BATCH_PAUSE`` seconds later, while deliveries remain. A worker that dies mid-batch
leaves the unmarked rows for the next run: at most one group of messages is sent twice.

Each mailing is rendered once per language per batch: followers' copies differ only in their
unsubscribe link, put in place of a marker (``UNSUBSCRIBE_MARK``) in the text and the HTML.

A hard bounce at send time (the receiving server answers 5xx to the recipient) suppresses the
address at once (``Subscriber.suppress``); a temporary failure (4xx, a dropped connection)
ends the batch and leaves the rest for later.
"""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django_tasks import task
from wagtail.models import Page

from tuidang.mail import build_message, make_message, render
from tuidang.newsroom_subscriptions import crypto
from tuidang.newsroom_subscriptions.models import (
    Delivery,
    Frequency,
    Mailing,
    Subscriber,
    SubscriberState,
)
from tuidang.worker import periodic


def _url(path: str) -> str:
    return settings.FOLLOWERS_SITE_URL + path


def unsubscribe_url(subscriber: Subscriber) -> str:
    return _url(
        f"/{subscriber.language}/follow/unsubscribe/{subscriber.pk}/{subscriber.token('unsubscribe')}/"
    )


def _list_headers(subscriber: Subscriber) -> dict[str, str]:
    # RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to the URL, no form needed.
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@task()
def send_confirmation(subscriber_id: int) -> int:
    subscriber = Subscriber.objects.filter(pk=subscriber_id, state=SubscriberState.PENDING).first()
    if subscriber is None or subscriber.address_box is None:
        return 0
    link = _url(
        f"/{subscriber.language}/follow/confirm/{subscriber.pk}/{subscriber.token('confirm')}/"
    )
    message = make_message(
        "follow-confirm",
        subscriber.address,
        {"confirm_url": link, "frequency": subscriber.get_frequency_display()},
        language=subscriber.language,
    )
    return _send_one(get_connection(), subscriber, message)


def _send_one(connection, subscriber: Subscriber, message) -> int:
    try:
        return connection.send_messages([message]) or 0
    except smtplib.SMTPRecipientsRefused as refused:
        codes = [code for code, _text in refused.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            subscriber.suppress()
            return 0
        raise


def _pages(mailing: Mailing) -> list[Page]:
    if mailing.kind == Mailing.Kind.POST:
        return [mailing.page.specific] if mailing.page else []
    pages = (
        Page.objects.live()
        .public()
        .filter(
            first_published_at__gte=mailing.period_start, first_published_at__lt=mailing.period_end
        )
    )
    return [
        page.specific for page in pages.filter(_followed_models()).order_by("first_published_at")
    ]


def _followed_models():
    from django.db.models import Q

    query = Q(pk__in=[])
    for label in settings.FOLLOWERS_PAGE_MODELS:
        app_label, model = label.split(".")
        query |= Q(content_type__app_label=app_label, content_type__model=model)
    return query


@task()
def start_post_mailing(page_id: int) -> int:
    """Make the work list for a new post, once per page however often it is republished."""
    page = Page.objects.live().public().filter(pk=page_id).first()
    if page is None:
        return 0
    with transaction.atomic():
        mailing, created = Mailing.objects.get_or_create(kind=Mailing.Kind.POST, page=page)
        if not created:
            return 0
        return _fill(mailing, Frequency.POST)


def _fill(mailing: Mailing, frequency: str) -> int:
    subscribers = (
        Subscriber.objects.active().filter(frequency=frequency).values_list("pk", flat=True)
    )
    Delivery.objects.bulk_create(
        [Delivery(mailing=mailing, subscriber_id=pk) for pk in subscribers.iterator()],
        batch_size=2000,
    )
    count = Delivery.objects.filter(mailing=mailing).count()
    if count:
        transaction.on_commit(lambda: send_batch.enqueue(mailing.pk))
    return count


@task()
def send_batch(mailing_id: int) -> int:
    mailing = Mailing.objects.filter(pk=mailing_id).first()
    if mailing is None:
        return 0
    pages = _pages(mailing)
    pending = (
        Delivery.objects.filter(mailing=mailing, sent_at__isnull=True)
        .select_related("subscriber")
        .order_by("id")
    )
    per_domain: Counter[str] = Counter()
    rendered: dict[str, tuple[str, str, str]] = {}
    done: list[int] = []
    sent = 0
    deferred = False
    connection = get_connection()
    try:
        connection.open()
        for delivery in pending[: settings.FOLLOWERS_BATCH_SIZE * 4]:
            if sent >= settings.FOLLOWERS_BATCH_SIZE:
                deferred = True
                break
            subscriber = delivery.subscriber
            if subscriber.state != SubscriberState.ACTIVE or subscriber.address_box is None:
                delivery.delete()
                continue
            address = subscriber.address
            domain = crypto.domain_of(address)
            if per_domain[domain] >= settings.FOLLOWERS_PER_DOMAIN_PER_BATCH:
                deferred = True
                continue
            per_domain[domain] += 1
            if pages:
                if subscriber.language not in rendered:
                    rendered[subscriber.language] = _render(mailing, pages, subscriber.language)
                message = _personal(rendered[subscriber.language], subscriber, address)
                sent += _send_one(connection, subscriber, message)
            done.append(delivery.pk)
            if len(done) >= settings.FOLLOWERS_MARK_EVERY:
                _mark_sent(done)
    finally:
        _mark_sent(done)
        connection.close()
    if deferred or pending.exists():
        later = timezone.now() + timedelta(seconds=settings.FOLLOWERS_BATCH_PAUSE)
        send_batch.using(run_after=later).enqueue(mailing.pk)
    return sent


def _mark_sent(done: list[int]) -> None:
    if done:
        Delivery.objects.filter(pk__in=done).update(sent_at=timezone.now())
        done.clear()


# Stands for the follower's own unsubscribe link in a message rendered once for many.
UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/follower-link/"


def _render(mailing: Mailing, pages: list[Page], language: str) -> tuple[str, str, str]:
    name = "follow-post" if mailing.kind == Mailing.Kind.POST else "follow-digest"
    context = {
        "pages": [
            {"title": p.title, "url": _url(p.url or "/"), "summary": _summary(p)} for p in pages
        ],
        "unsubscribe_url": UNSUBSCRIBE_MARK,
        "kind": mailing.kind,
    }
    return render(name, context, language=language)


def _personal(rendered: tuple[str, str, str], subscriber: Subscriber, address: str):
    subject, text, html = rendered
    link = unsubscribe_url(subscriber)
    own = (
        subject,
        text.replace(UNSUBSCRIBE_MARK, link),
        html.replace(escape(UNSUBSCRIBE_MARK), escape(link)),
    )
    return build_message(own, address, headers=_list_headers(subscriber))


def _summary(page: Page) -> str:
    return str(getattr(page, "summary", "") or getattr(page, "search_description", "") or "")


def _period(kind: str, now: datetime) -> tuple[datetime, datetime]:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == Mailing.Kind.DAILY:
        return today - timedelta(days=1), today
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday


@periodic(3600)
@task()
def make_digests() -> int:
    """Yesterday's digest for daily followers, last week's (on Mondays) for weekly ones."""
    made = 0
    now = timezone.now()
    for kind in (Mailing.Kind.DAILY, Mailing.Kind.WEEKLY):
        start, end = _period(kind, now)
        with transaction.atomic():
            mailing, created = Mailing.objects.get_or_create(
                kind=kind, period_start=start, defaults={"period_end": end}
            )
            if created and _pages(mailing):
                made += _fill(mailing, kind)
    return made
