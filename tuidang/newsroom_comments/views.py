"""Posting a comment (no JavaScript), the moderators' queue, and the comments feed."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_http_methods
from wagtail.models import Page

from tuidang import privacy, ratelimit
from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import MODERATOR
from tuidang.newsroom_comments.forms import CommentForm
from tuidang.newsroom_comments.models import (
    Comment,
    State,
    commenter_key,
    comments_open,
    published_on_public_pages,
    tag_uri,
)
from tuidang.newsroom_comments.moderation import holds_for

RATE_WINDOW_SECONDS = 600


@require_http_methods(["GET", "POST"])
def post_comment(request: HttpRequest, page_id: int) -> HttpResponse:
    """GET shows the form on a page of its own (article pages only link here, so that reading
    sets no cookie); POST takes the comment."""
    page = get_object_or_404(Page.objects.live().public(), pk=page_id)
    context = {"page": page, "page_url": page.get_url(request)}
    if not comments_open(page):
        status = 403 if request.method == "POST" else 200
        return render(request, "newsroom_comments/closed.html", context, status=status)
    if request.method == "GET":
        return render(
            request, "newsroom_comments/form_page.html", {**context, "form": CommentForm()}
        )
    client_key = privacy.key_of(request)
    if settings.RATE_LIMITS:
        count = ratelimit.hit("comment", client_key, RATE_WINDOW_SECONDS)
        if count > settings.COMMENTS_PER_10_MINUTES:
            return render(request, "newsroom_comments/slow_down.html", context, status=429)
    form = CommentForm(request.POST)
    if not form.is_valid():
        # Everything valid the reader wrote comes back in the form, with the errors.
        return render(
            request, "newsroom_comments/form_page.html", {**context, "form": form}, status=400
        )
    data = form.cleaned_data
    key = commenter_key(data["name"], data["passphrase"])
    holds = holds_for(
        name=data["name"], body=data["body"], key=key, client_key=client_key, trap=data["website"]
    )
    comment = Comment.objects.create(
        page=page,
        name=data["name"],
        commenter_key=key,
        body=data["body"],
        language=get_language(),
        state=State.PENDING if holds else State.APPROVED,
        holds=holds,
        # To the hour, like a log batch (DESIGN.md rule 6): the page and the feeds show this
        # time, and a minute would tie a comment to a connection someone watched.
        created=timezone.now().replace(minute=0, second=0, microsecond=0),
    )
    return render(request, "newsroom_comments/posted.html", {**context, "comment": comment})


@staff_required(MODERATOR)
def queue(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        comment = get_object_or_404(Comment.objects.pending(), pk=request.POST.get("comment"))
        action = request.POST.get("action")
        if action in (State.APPROVED, State.REJECTED):
            comment.decide(request.user, action, request.POST.get("reason", "")[:200])
        return redirect("newsroom-comments-queue")
    pending = Comment.objects.pending().select_related("page")[:200]
    return render(request, "newsroom_comments/queue.html", {"comments": pending})


class CommentsFeed(Feed):
    """The latest published comments on every page, in the reader's language's words."""

    def title(self) -> str:
        return _("Comments") + f" · {settings.SITE_NAME}"

    def link(self) -> str:
        return "/"

    def description(self) -> str:
        return _("The latest published comments.")

    def items(self):
        return published_on_public_pages().select_related("page").order_by("-created", "-id")[:50]

    def item_title(self, item: Comment) -> str:
        return _("%(name)s on “%(title)s”") % {"name": item.name, "title": item.page.title}

    def item_description(self, item: Comment) -> str:
        return item.body

    def item_link(self, item: Comment) -> str:
        return f"{item.page.url or '/'}#comment-{item.pk}"

    def item_guid(self, item: Comment) -> str:
        return tag_uri(item.pk)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Comment):
        return item.created

    def item_author_name(self, item: Comment) -> str:
        return item.name


def _comments_etag(request: HttpRequest) -> str:
    """The feed's ETag, from what it shows on this host and path in this language: a comment
    approved, withdrawn or edited, or its page retitled, changes it."""
    shown = published_on_public_pages().order_by("-created", "-id")[:50]
    rows = shown.values_list("id", "created", "name", "body", "page__title")
    seed = "\n".join(
        [request.get_host(), request.path, get_language()] + [repr(row) for row in rows]
    )
    return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'


# Conditional: a reader polling the feed gets 304 until what it shows changes.
comments_feed = condition(etag_func=_comments_etag)(CommentsFeed())
