from django.contrib.sitemaps import Sitemap

from tuidang.newsroom.models import ArticlePage, CategoryPage


class NewsSitemap(Sitemap):
    """Every live category and article, in each interface language, with hreflang alternates."""

    i18n = True
    alternates = True
    limit = 5000

    def items(self):
        pages = [*CategoryPage.objects.live().public().order_by("pk")]
        pages += ArticlePage.objects.live().public().order_by("pk")
        return pages

    def location(self, item):
        return item.get_url()

    def lastmod(self, item):
        return item.last_published_at


SITEMAPS = {"news": NewsSitemap}
