"""E-mail followers and what is sent to them.

A ``Subscriber`` holds its address only sealed (``crypto.seal``) and a keyed hash to find it.
Unsubscribing deletes the row. A hard bounce wipes the sealed address and keeps the hash, so
the address is never mailed again (suppressed) while nothing readable of it remains.

A ``Mailing`` is one thing to send (a new post, a daily or weekly digest); its ``Delivery``
rows are the work list that ``tasks.send_batch`` goes through in batches, so a crash or a
restart resumes where it stopped, and a domain that has had its share waits for a later batch.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.newsroom_subscriptions import crypto


class Frequency(models.TextChoices):
    POST = "post", _("Each new post")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")


class SubscriberState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Following")
    BOUNCED = "bounced", _("Address refused by its mail server")


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def active(self) -> SubscriberQuerySet:
        return self.filter(state=SubscriberState.ACTIVE)


class Subscriber(models.Model):
    address_hash = models.CharField(max_length=64, unique=True)
    address_box = models.BinaryField(null=True)
    language = models.CharField(max_length=16)
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    state = models.CharField(
        max_length=8, choices=SubscriberState.choices, default=SubscriberState.PENDING
    )
    # Changes at each request to subscribe: older confirmation links stop working.
    salt = models.CharField(max_length=32)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    def __str__(self) -> str:
        return f"subscriber {self.pk} ({self.state})"

    @property
    def address(self) -> str:
        if self.address_box is None:
            raise ValueError("a suppressed address is kept only as its hash")
        return crypto.open_box(bytes(self.address_box))

    def token(self, purpose: str) -> str:
        salt = self.salt if purpose == "confirm" else ""
        return crypto.link_token(purpose, self.pk, salt)

    def suppress(self) -> None:
        """A hard bounce: never mail it again, and keep nothing readable of it."""
        Subscriber.objects.filter(pk=self.pk).update(
            state=SubscriberState.BOUNCED, address_box=None
        )
        Delivery.objects.filter(subscriber_id=self.pk, sent_at__isnull=True).delete()


class Mailing(models.Model):
    class Kind(models.TextChoices):
        POST = "post"
        DAILY = "daily"
        WEEKLY = "weekly"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The new post, for a per-post mailing; digests list the posts of their period.
    page = models.ForeignKey("wagtailcore.Page", null=True, on_delete=models.SET_NULL)
    period_start = models.DateTimeField(null=True)
    period_end = models.DateTimeField(null=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page"],
                condition=models.Q(kind="post"),
                name="one_post_mailing_per_page",
            ),
            models.UniqueConstraint(
                fields=["kind", "period_start"],
                condition=~models.Q(kind="post"),
                name="one_digest_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} mailing {self.pk}"


class Delivery(models.Model):
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailing", "subscriber"], name="one_delivery_each")
        ]
        indexes = [models.Index(fields=["mailing", "sent_at"])]

    def __str__(self) -> str:
        return f"delivery {self.pk}"
