"""The public news pages. Wagtail routes to them (models.py); each is a plain rendered page."""

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import translation

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
    """Every live category with the number of live articles in it (kept for a minute)."""
    language = translation.get_language() or ""
    found = cache.get(f"news:topics:{language}")
    if found is None:
        found = _topic_counts()
        cache.set(f"news:topics:{language}", found, settings.TOP_POSTS_CACHE_SECONDS)
    return found


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


def sidebar() -> dict:
    language = translation.get_language() or settings.LANGUAGE_CODE
    posts, by_views = top_posts()
    return {
        "top_posts": posts,
        "top_by_views": by_views,
        "topics": topic_counts(),
        "reading_list": ReadingListItem.objects.for_language(language),
        "did_you_know": DidYouKnow.objects.for_language(language).order_by("?").first(),
        "featured_reports": FeaturedReport.objects.all(),
        "news_index": news_index(),
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
    articles = articles.order_by("-first_published_at").select_related("category")
    page_obj = Paginator(articles, settings.ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    languages = sorted(set(listing_page.articles().values_list("language", flat=True)))
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
            .select_related("category")[:50]
        )
    return TemplateResponse(
        request,
        "newsroom/search.html",
        {"page": index, "query": query, "results": results, **sidebar()},
    )


def article_context(request, article: ArticlePage) -> dict:
    family = list(article.translation_family())
    image = next((b.value["image"] for b in article.body if b.block_type == "image"), None)
    og_image = ""
    if image is not None:
        og_image = (
            f"{request.scheme}://{request.get_host()}" + image.get_rendition("width-1200").url
        )
    return {
        "translations": [a for a in family if a.pk != article.pk],
        "alternate_links": [(a.language, site_url(request) + a.get_url(request)) for a in family],
        "canonical": canonical_url(request, article),
        "og_image": og_image,
        **sidebar(),
    }
