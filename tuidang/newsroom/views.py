"""The public news pages. Wagtail routes to them (models.py); each is a plain rendered page."""

import random

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import translation

from tuidang.newsroom import caching
from tuidang.newsroom.models import (
    ArticlePage,
    CategoryPage,
    DidYouKnow,
    FeaturedReport,
    NewsIndexPage,
    ReadingListItem,
    SearchTerm,
    language_name,
)
from tuidang.newsroom.toposts import top_posts

MAX_QUERY_LENGTH = 100


def news_index() -> NewsIndexPage | None:
    return NewsIndexPage.objects.live().first()


def topic_counts():
    """Every live category with the number of live articles in it: one query for the counts,
    one for the categories with their names in every language (kept with the sidebar)."""
    return sidebar_data()["topics"]


def _topic_counts():
    counts = dict(
        ArticlePage.objects.live()
        .public()
        .order_by()
        .values("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    categories = CategoryPage.objects.live().public().prefetch_related("names").order_by("title")
    return [(category, counts.get(category.pk, 0)) for category in categories]


def sidebar_data() -> dict:
    """What the sidebar shows in the current language, kept for ``TOP_POSTS_CACHE_SECONDS``
    under the newsroom's generation (caching.py): a publication shows at once."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = f"news:sidebar:{caching.generation()}:{language}"
    found = cache.get(key)
    if found is None:
        found = {
            "topics": _topic_counts(),
            "reading_list": list(ReadingListItem.objects.for_language(language)),
            "did_you_know": list(DidYouKnow.objects.for_language(language)),
            "featured_reports": list(FeaturedReport.objects.all()),
            "news_index": news_index(),
        }
        cache.set(key, found, settings.TOP_POSTS_CACHE_SECONDS)
    return found


def sidebar() -> dict:
    data = sidebar_data()
    posts, by_views = top_posts()
    quotes = data["did_you_know"]
    return {
        **data,
        "top_posts": posts,
        "top_by_views": by_views,
        "did_you_know": random.choice(quotes) if quotes else None,
    }


def site_url(request) -> str:
    return settings.CANONICAL_URL or f"{request.scheme}://{request.get_host()}"


def canonical_url(request, page) -> str:
    """One address per page for search engines: under the interface language matching the
    article's language where there is one, else the default, on the canonical host."""
    codes = [code for code, _name in settings.LANGUAGES]
    language = getattr(page, "language", "")
    ui = language if language in codes else settings.LANGUAGE_CODE
    with translation.override(ui):
        return site_url(request) + page.get_url(request)


def listing(request, listing_page, articles, *, language: str):
    if language and language not in settings.NEWS_LANGUAGES:
        raise Http404
    if language:
        articles = articles.filter(language=language)
    articles = (
        articles.order_by("-first_published_at")
        .select_related("category")
        .prefetch_related("category__names")
    )
    page_obj = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    languages = sorted(
        listing_page.articles().order_by().values_list("language", flat=True).distinct()
    )
    base = listing_page.get_url(request)
    return TemplateResponse(
        request,
        "newsroom/listing.html",
        {
            "page": listing_page,
            "articles": page_obj,
            "language": language,
            "language_label": language_name(language) if language else "",
            "languages": [(code, language_name(code)) for code in languages],
            "base_url": base,
            "feed_url": base + (f"lang/{language}/" if language else "") + "feed/",
            "canonical": site_url(request) + request.path,
            **sidebar(),
        },
    )


def topics(request, index):
    return TemplateResponse(
        request,
        "newsroom/topics.html",
        {"page": index, "canonical": site_url(request) + request.path, **sidebar()},
    )


def search(request, index):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = None
    if query:
        results = (
            ArticlePage.objects.live()
            .public()
            .filter(pk__in=SearchTerm.matching(query))
            .order_by("-first_published_at")
            .select_related("category")
            .prefetch_related("category__names")[:50]
        )
    return TemplateResponse(
        request,
        "newsroom/search.html",
        {"page": index, "query": query, "results": results, **sidebar()},
    )


# Blocks that show live data (a statement that may be withdrawn, a tally that grows) are
# rendered for every request; a body without them is kept once rendered.
LIVE_BLOCKS = {"statement", "tally"}


def article_body(request, article: ArticlePage) -> tuple[str, str]:
    """The article's rendered body and the path of its Open Graph picture (or ""), kept per
    interface language under the newsroom's generation when the body has no live blocks."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = f"news:body:{caching.generation()}:{article.pk}:{language}"
    found = cache.get(key)
    if found is not None:
        return found
    blocks = list(article.body)
    image = next((b.value["image"] for b in blocks if b.block_type == "image"), None)
    og_image = image.get_rendition("width-1200").url if image is not None else ""
    html = render_to_string("newsroom/article_body.html", {"page": article}, request)
    if not any(b.block_type in LIVE_BLOCKS for b in blocks):
        cache.set(key, (html, og_image), settings.NEWS_CACHE_SECONDS)
    return html, og_image


def article_context(request, article: ArticlePage) -> dict:
    family = list(article.translation_family())
    body, og_image = article_body(request, article)
    if og_image.startswith("/"):
        og_image = f"{request.scheme}://{request.get_host()}" + og_image
    return {
        "body_html": body,
        "translations": [a for a in family if a.pk != article.pk],
        "alternate_links": [(a.language, site_url(request) + a.get_url(request)) for a in family],
        "canonical": canonical_url(request, article),
        "og_image": og_image,
        **sidebar(),
    }
