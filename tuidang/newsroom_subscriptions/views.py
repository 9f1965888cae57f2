"""Following the newsroom by e-mail: double opt-in, confirmation and one-click unsubscribe.

The answer to a request to follow is the same page whether the address is new, waiting,
already following or suppressed, and the request does the same work in each case (a row
written, a task enqueued; the task decides whether to mail): the page tells an onlooker
nothing about who follows. Links in the mail change state only by POST; their GET shows a
form (a mail scanner that fetches links changes nothing).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from tuidang import privacy, ratelimit
from tuidang.newsroom_subscriptions import crypto
from tuidang.newsroom_subscriptions.forms import FollowForm
from tuidang.newsroom_subscriptions.models import Subscriber, SubscriberState
from tuidang.newsroom_subscriptions.tasks import send_confirmation

RESEND_AFTER = timedelta(hours=1)


def follower_count() -> int:
    return Subscriber.objects.active().count()


def follow(request: HttpRequest) -> HttpResponse:
    form = FollowForm(request.POST or None)
    context = {"form": form, "followers": follower_count()}
    if request.method != "POST":
        return render(request, "newsroom_subscriptions/follow.html", context)
    client_key = privacy.key_of(request)
    too_many = settings.RATE_LIMITS and (
        ratelimit.hit("follow", client_key, 600) > settings.FOLLOW_REQUESTS_PER_10_MINUTES
    )
    if too_many:
        context["slow_down"] = True
        return render(request, "newsroom_subscriptions/follow.html", context, status=429)
    if not form.is_valid():
        return render(request, "newsroom_subscriptions/follow.html", context, status=400)
    _request_subscription(form.cleaned_data["address"], form.cleaned_data["frequency"])
    return render(request, "newsroom_subscriptions/check_mail.html", context)


def _request_subscription(address: str, frequency: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            address_hash=crypto.lookup_hash(address),
            defaults={
                "address_box": crypto.seal(address),
                "language": get_language(),
                "frequency": frequency,
                "salt": secrets.token_hex(16),
            },
        )
        if subscriber.state == SubscriberState.PENDING:
            recently = (
                subscriber.confirmation_sent_at
                and now - subscriber.confirmation_sent_at < RESEND_AFTER
            )
            if created or not recently:
                # A new link each time: an older one found in a mailbox no longer works.
                subscriber.salt = secrets.token_hex(16)
                subscriber.language, subscriber.frequency = get_language(), frequency
                subscriber.confirmation_sent_at = now
                subscriber.save()
        # Following or suppressed: nothing changes, but a task is enqueued all the same (it
        # finds nothing to send), so the request costs the same whoever the address is.
        send_confirmation.enqueue(subscriber.pk)


def _subscriber(subscriber_id: int, purpose: str, token: str) -> Subscriber:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not hmac.compare_digest(subscriber.token(purpose), token):
        raise Http404
    return subscriber


def confirm(request: HttpRequest, subscriber_id: int, token: str) -> HttpResponse:
    subscriber = _subscriber(subscriber_id, "confirm", token)
    expired = (
        subscriber.confirmation_sent_at is None
        or timezone.now() - subscriber.confirmation_sent_at
        > timedelta(days=settings.FOLLOWERS_CONFIRM_DAYS)
    ) and subscriber.state == SubscriberState.PENDING
    context = {"subscriber": subscriber, "expired": expired, "followers": follower_count()}
    if request.method == "POST" and not expired and subscriber.state == SubscriberState.PENDING:
        Subscriber.objects.filter(pk=subscriber.pk).update(
            state=SubscriberState.ACTIVE, confirmed_at=timezone.now()
        )
        subscriber.refresh_from_db()
        context["done"] = True
    return render(request, "newsroom_subscriptions/confirm.html", context)


@csrf_exempt  # RFC 8058: the mail provider POSTs, with no form of ours and no cookie.
def unsubscribe(request: HttpRequest, subscriber_id: int, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
        if subscriber is not None and hmac.compare_digest(subscriber.token("unsubscribe"), token):
            # Gone entirely: an unsubscribed address is not kept, sealed or not.
            subscriber.delete()
        elif subscriber is None:
            pass  # already gone: the answer is the same
        else:
            raise Http404
        return render(request, "newsroom_subscriptions/unsubscribed.html")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return render(request, "newsroom_subscriptions/unsubscribed.html")
    _subscriber(subscriber_id, "unsubscribe", token)
    return render(request, "newsroom_subscriptions/unsubscribe.html", {"subscriber": subscriber})
