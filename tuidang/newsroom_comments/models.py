"""Comments, their moderation states, and when a page's comments close.

A commenter is known only by the name they give and, if they like, a passphrase of their own:
``commenter_key`` is an HMAC of both under a key derived from the site's secret, so a comment
can be tied to the same commenter's earlier ones (first-time commenters are held) without an
e-mail address, an IP address or an account. Nothing else about the commenter is kept.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.accounts.models import AuditEvent


class State(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Rejected")


class Hold(models.TextChoices):
    FIRST_TIME = "first_time", _("First comment from this name")
    LINK = "link", _("Contains a link")
    SPAM_WORD = "spam_word", _("Contains a spam word")
    BURST = "burst", _("Many comments from one source")
    TRAP = "trap", _("Filled in the field people cannot see")


def commenter_key(name: str, passphrase: str) -> str:
    secret = hashlib.sha256(b"tuidang comments v1\x00" + settings.SECRET_KEY.encode()).digest()
    message = f"{' '.join(name.split()).casefold()}\x00{passphrase}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class PageComments(models.Model):
    """A page's comment settings; a page without a row takes the defaults (open, N days)."""

    page = models.OneToOneField(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="comment_settings",
        verbose_name=_("Page"),
    )
    # Editors close a page's comments by hand whatever its age.
    enabled = models.BooleanField(
        _("comments open"),
        default=True,
        help_text=_("Untick to close this page's comments now, whatever its age."),
    )
    # Days after first publication that comments stay open; None: TUIDANG_COMMENTS_OPEN_DAYS.
    open_days = models.PositiveIntegerField(
        _("days open"),
        null=True,
        blank=True,
        help_text=_(
            "Days after first publication that comments stay open. Empty: the site's setting."
        ),
    )

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")

    def __str__(self) -> str:
        return str(self.page)


def closes_at(page) -> datetime | None:
    """When ``page``'s comments close (None: never published, so not yet counting)."""
    row = PageComments.objects.filter(page=page).first()
    days = row.open_days if row and row.open_days is not None else settings.COMMENTS_OPEN_DAYS
    published = page.first_published_at
    return published + timedelta(days=days) if published else None


def comments_open(page) -> bool:
    row = PageComments.objects.filter(page=page).first()
    if row is not None and not row.enabled:
        return False
    closing = closes_at(page)
    return closing is None or timezone.now() < closing


class CommentQuerySet(models.QuerySet["Comment"]):
    def approved(self) -> CommentQuerySet:
        return self.filter(state=State.APPROVED)

    def pending(self) -> CommentQuerySet:
        return self.filter(state=State.PENDING)


class Comment(models.Model):
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="tuidang_comments"
    )
    name = models.CharField(max_length=60)
    commenter_key = models.CharField(max_length=64, db_index=True)
    body = models.TextField()
    language = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    holds = models.JSONField(default=list, blank=True)
    # Minutes only: nothing published is finer than it needs to be.
    created = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["page", "state", "created"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on page {self.page_id}"

    def decide(self, user, state: str, reason: str = "") -> None:
        """Approve or reject; one audited action, refused twice over by the row lock."""
        with transaction.atomic():
            comment = Comment.objects.select_for_update().get(pk=self.pk)
            before = comment.state
            comment.state, comment.decided_at, comment.decided_by = state, timezone.now(), user
            comment.save(update_fields=["state", "decided_at", "decided_by"])
            AuditEvent.record(
                user,
                f"comment.{state}",
                comment,
                page=comment.page_id,
                before=before,
                reason=reason,
            )
        self.refresh_from_db()


def tag_uri(comment_id: int) -> str:
    """A comment's permanent id in feeds (RFC 4151), under the configured authority, never the
    request's host: the same on the main site, a mirror and the onion address, and the same
    in the comments app's feed and the news index's."""
    return f"tag:{settings.FEED_AUTHORITY}:news/comment/{comment_id}"


def published_on_public_pages() -> CommentQuerySet:
    """Approved comments on pages a reader can open (live, no view restriction): what feeds
    show. A comment on an unpublished or private page stays out of every feed."""
    from wagtail.models import Page

    return Comment.objects.approved().filter(page__in=Page.objects.live().public().values("pk"))


def newest_for_feed(limit: int) -> list[dict]:
    """The news index's comments feed source (``tuidang.newsroom.feeds.COMMENT_SOURCES``):
    the display name and the text, nothing else about the commenter."""
    comments = published_on_public_pages().select_related("page").order_by("-created", "-id")
    return [
        {
            "id": comment.pk,
            "article": comment.page.specific,
            "author": comment.name,
            "text": comment.body,
            "created": comment.created,
        }
        for comment in comments[:limit]
    ]
