"""RSS 2.0 and Atom feeds of a list of articles, with full content.

Links in a feed are absolute on the host that served it (self links as served, so a feed
read through a mirror or the onion address points back there), while every id is a ``tag:``
URI under ``settings.FEED_AUTHORITY``: the same item has the same id wherever it is read, and
a reader that moves from the main site to a mirror does not see every post again.

Each feed answers conditional requests: ``ETag`` and ``Last-Modified`` come from the newest
publication time in the list (one aggregate query), so a poller that has the current feed gets
a 304 and no body, and nothing is rendered. A feed lists the newest ``FEED_ITEMS`` articles
(20). The rendered feed is kept under its ``ETag`` (which names the host, the path, the list's
newest publication and size and the listing page's own) for ``NEWS_CACHE_SECONDS``: a
publication changes the ETag, so the next request renders afresh; nothing about the reader is
in the key or the feed. A feed quoting a published statement is not kept (its author may
withdraw it); tally numbers in a kept feed are at most ``NEWS_CACHE_SECONDS`` old.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date
from django.utils.translation import gettext as _

ITEM_ATTRIBUTES = {"content"}


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 with the whole article in ``content:encoded`` beside the summary."""

    def rss_attributes(self):
        attrs = super().rss_attributes()
        attrs["xmlns:content"] = "http://purl.org/rss/1.0/modules/content/"
        return attrs

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])


class AtomWithContent(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def absolute_html(request: HttpRequest, html: str) -> str:
    """Root-relative links and images made absolute on the serving host: a feed reader has
    no page to resolve them against."""
    base = f"{request.scheme}://{request.get_host()}"
    return (
        html.replace(' href="/', f' href="{base}/')
        .replace(' src="/', f' src="{base}/')
        .replace(' srcset="/', f' srcset="{base}/')
        .replace(", /", f", {base}/")
    )


def render_body(request: HttpRequest, article) -> str:
    from django.template.loader import render_to_string

    return absolute_html(
        request, render_to_string("newsroom/article_body.html", {"page": article}, request)
    )


def _conditional(request: HttpRequest, listing, articles, language: str):
    """The validators of a list: its newest publication time and a hash of what the feed
    depends on, host included (links in the feed are the host's)."""
    found = articles.order_by().aggregate(last=Max("last_published_at"), count=Count("pk"))
    last = found["last"]
    stamp = last.timestamp() if last else 0
    own = listing.last_published_at.timestamp() if listing.last_published_at else 0
    seed = (
        f"{request.scheme}|{request.get_host()}|{request.path}|{language}|{stamp}|"
        f"{found['count']}|{own}|{settings.FEED_AUTHORITY}|{settings.FEED_ITEMS}"
    )
    etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
    return etag, (int(stamp) if last else None)


def feed_response(request: HttpRequest, listing, *, language: str, atom: bool) -> HttpResponse:
    if language and language not in settings.NEWS_LANGUAGES:
        raise Http404
    articles = listing.articles()
    if language:
        articles = articles.filter(language=language)
    etag, last_modified = _conditional(request, listing, articles, language)
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    key = f"news:feed:{etag}"
    found = cache.get(key)
    if found is None:
        content_type, body, statements = _render_feed(
            request, listing, articles, language=language, atom=atom
        )
        found = (content_type, body)
        # A statement its author withdraws must leave at once: a feed quoting one is not kept.
        if not statements:
            cache.set(key, found, settings.NEWS_CACHE_SECONDS)
    content_type, body = found
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    return response


def _render_feed(request: HttpRequest, listing, articles, *, language: str, atom: bool):
    from tuidang.newsroom.models import CategoryPage

    base = f"{request.scheme}://{request.get_host()}"
    list_url = listing.get_url(request)
    if language:
        list_url += f"lang/{language}/"
    scope = listing.slug if isinstance(listing, CategoryPage) else "all"
    generator = (AtomWithContent if atom else RssWithContent)(
        title=f"{listing.listing_name()} · {settings.SITE_NAME}",
        link=base + list_url,
        description=getattr(listing, "description", "") or listing.listing_name(),
        language=language or None,
        # The feed's own address as served, without a query string: the same for every reader.
        feed_url=base + request.path,
        feed_guid=f"tag:{settings.FEED_AUTHORITY}:news/feed/{scope}/{language or 'all'}",
        author_name=settings.SITE_NAME,
    )
    newest = (
        articles.order_by("-first_published_at")
        .select_related("category")
        .prefetch_related("category__names", "tagged_items__tag")
    )
    statements = False
    for article in newest[: settings.FEED_ITEMS]:
        statements = statements or any(b.block_type == "statement" for b in article.body)
        generator.add_item(
            title=article.title,
            link=base + article.get_url(request),
            description=article.summary,
            content=render_body(request, article),
            unique_id=article.tag_uri(),
            unique_id_is_permalink=False,
            pubdate=article.first_published_at,
            updateddate=article.last_published_at,
            author_name=article.byline or settings.SITE_NAME,
            categories=[
                article.category.name_in() if article.category else "",
                *article.tag_names(),
            ],
        )
    return generator.content_type, generator.writeString("utf-8").encode(), statements


# --- Comments ---------------------------------------------------------------------------------

# The comments app registers a function here (``newsroom_comments.apps``) that returns the
# newest approved comments on public pages as dicts: {"id", "article" (a page), "author" (the
# display name, nothing else about the commenter), "text", "created"}.
COMMENT_SOURCES: list[Callable[[int], list[dict]]] = []


def comments_feed_response(request: HttpRequest, index) -> HttpResponse:
    if not COMMENT_SOURCES:
        raise Http404
    comments = sorted(
        (c for source in COMMENT_SOURCES for c in source(settings.FEED_ITEMS)),
        key=lambda c: c["created"],
        reverse=True,
    )[: settings.FEED_ITEMS]
    # Conditional like the article feeds, from what the feed shows: a comment approved,
    # withdrawn or edited changes the ETag; the newest comment's time is Last-Modified.
    seed = "\n".join(
        [request.get_host(), request.path, _("Comments")]
        + [f"{c['id']} {c['created'].isoformat()} {c['author']} {c['text']}" for c in comments]
    )
    etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
    last_modified = int(comments[0]["created"].timestamp()) if comments else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    base = f"{request.scheme}://{request.get_host()}"
    generator = RssWithContent(
        title=_("Comments") + f" · {settings.SITE_NAME}",
        link=base + index.get_url(request),
        description=_("Comments"),
        feed_url=request.build_absolute_uri(),
    )
    for comment in comments:
        article = comment["article"]
        generator.add_item(
            title=article.title,
            link=base + article.get_url(request) + f"#comment-{comment['id']}",
            description=comment["text"],
            unique_id=f"tag:{settings.FEED_AUTHORITY}:news/comment/{comment['id']}",
            unique_id_is_permalink=False,
            pubdate=comment["created"],
            author_name=comment["author"],
        )
    response = HttpResponse(content_type=generator.content_type)
    generator.write(response, "utf-8")
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    return response
