"""How many SQL queries the news pages cost, over HTTP in the three interface languages: the
same with 2 articles as with 14 (no query per listed article, tag, category name or
translation), and fewer again when a feed is answered from what was kept or with a 304.

Counts are compared between sizes, not against figures: nothing here is timed (bench/)."""

from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.newsroom.helpers import make_article, paragraph
from tests.newsroom.test_public import HOSTS, LANGUAGES, NewsTestCase

# With nothing kept, an article page asks Wagtail for the site and the route (about 9
# queries), then for the article's tags, translations and comments, the follower count and the
# sidebar's data (top posts, topic counts, reading list, quotes, reports); about 33 in all.
MOST = 36


@override_settings(ALLOWED_HOSTS=HOSTS)
class QueryCountTests(NewsTestCase):
    def setUp(self):
        super().setUp()
        self.first = self.add_articles(2)

    def add_articles(self, count: int):
        made = []
        start = len(getattr(self, "made", []))
        for n in range(start, start + count):
            category = (self.world, self.china)[n % 2]
            article = make_article(
                category,
                f"文章{n}",
                slug=f"q{n}",
                language=LANGUAGES[n % 3],
                body=[paragraph(f'第{n}篇，见<a href="/zh-hans/news/">新闻</a>。')] * 3,
            )
            article.tags.add(f"标签{n}", "共同")
            article.save_revision().publish()
            if made:
                # a translation of the first article of this batch: an hreflang alternate
                article.translation_of = made[0]
                article.save_revision().publish()
            made.append(article)
        self.made = [*getattr(self, "made", []), *made]
        return made

    def queries(self, url: str, **extra) -> tuple[int, object]:
        with CaptureQueriesContext(connection) as captured:
            response = self.get(url, **extra)
        self.assertIn(response.status_code, (200, 304), url)
        return len(captured), response

    def cold(self, url: str) -> int:
        cache.clear()
        count, response = self.queries(url)
        self.assertEqual(response.status_code, 200, url)
        return count

    def urls(self, language: str) -> dict[str, str]:
        article = self.first[0]
        return {
            "article": f"/{language}/news/{article.category.slug}/{article.slug}/",
            "category": f"/{language}/news/world/",
            "index": f"/{language}/news/",
            "rss": f"/{language}/news/world/feed/",
            "atom": f"/{language}/news/world/feed/atom/",
            "site rss": f"/{language}/news/feed/",
        }

    def test_queries_do_not_grow_with_the_number_of_articles(self):
        for url in self.urls("en").values():
            self.cold(url)  # Django's and Wagtail's once-per-process lookups (content types)
        small = {lang: {k: self.cold(u) for k, u in self.urls(lang).items()} for lang in LANGUAGES}
        self.add_articles(12)
        large = {lang: {k: self.cold(u) for k, u in self.urls(lang).items()} for lang in LANGUAGES}
        for language in LANGUAGES:
            for name in small[language]:
                with self.subTest(language=language, page=name):
                    self.assertEqual(large[language][name], small[language][name])
                    self.assertLessEqual(large[language][name], MOST)

    def test_feed_lists_every_article_with_its_tags_and_category_in_constant_queries(self):
        self.add_articles(12)
        for language in LANGUAGES:
            with self.subTest(language=language):
                cache.clear()
                response = self.get(f"/{language}/news/feed/")
                text = response.content.decode()
                self.assertEqual(text.count("<item>"), 14)
                for n in range(14):
                    self.assertIn(f"<category>标签{n}</category>", text)
                names = {"zh-hans": "国际", "zh-hant": "國際", "en": "World"}
                self.assertIn(f"<category>{names[language]}</category>", text)

    def test_kept_feed_and_304_cost_less_than_rendering(self):
        for language in LANGUAGES:
            for name in ("rss", "atom"):
                with self.subTest(language=language, feed=name):
                    url = self.urls(language)[name]
                    rendered = self.cold(url)
                    kept, response = self.queries(url)
                    self.assertEqual(response.status_code, 200)
                    etag = response["ETag"]
                    answered, not_modified = self.queries(url, HTTP_IF_NONE_MATCH=etag)
                    self.assertEqual(not_modified.status_code, 304)
                    self.assertLess(kept, rendered)
                    self.assertLessEqual(answered, kept)

    def test_article_page_and_sidebar_are_kept_and_replaced_on_publish(self):
        url = self.urls("en")["article"]
        self.cold(url)
        kept, response = self.queries(url)
        self.assertContains(response, "World</a> (1)")
        # A new article shows at once in the counts of every kept sidebar and feed.
        make_article(self.world, "新文章", slug="fresh")
        for language, name in (("en", "World"), ("zh-hans", "国际"), ("zh-hant", "國際")):
            page = self.get(self.urls(language)["article"])
            self.assertContains(page, f"{name}</a> (2)")
            self.assertIn("新文章", self.get(self.urls(language)["rss"]).content.decode())
        # Unpublished, it leaves the lists and the feed at once.
        from tuidang.newsroom.models import ArticlePage

        ArticlePage.objects.get(slug="fresh").unpublish()
        self.assertContains(self.get(url), "World</a> (1)")
        self.assertNotIn("新文章", self.get(self.urls("en")["rss"]).content.decode())
        self.assertLess(kept, self.cold(url))

    def test_a_kept_feed_is_the_same_for_every_reader(self):
        url = self.urls("en")["rss"]
        first = self.get(url + "?utm=1").content.decode()
        self.assertIn(f'href="http://testserver{url}"', first)
        self.assertNotIn("utm", first)
        other = self.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="Feedreader/1.0")
        self.assertEqual(other.content.decode(), first)
        # Another host gets its own links, not the first host's.
        mirror = self.get(url, HTTP_HOST="mirror.example").content.decode()
        self.assertIn('href="http://mirror.example/', mirror)
        self.assertNotIn("testserver", mirror)

    def test_a_feed_quoting_a_statement_is_rendered_afresh(self):
        # Its author may withdraw the statement: no copy of the feed may outlive that.
        make_article(
            self.world,
            "声明",
            slug="statement",
            body=[paragraph("见声明"), {"type": "statement", "value": {"leaf_index": 99}}],
        )
        for language in LANGUAGES:
            with self.subTest(language=language):
                url = self.urls(language)["rss"]
                self.cold(url)
                again, response = self.queries(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(self.queries(url)[0], again)
                # the other category's feed, with no statement in it, is kept
                other = url.replace("/world/", "/china/")
                self.queries(other)
                self.assertLess(self.queries(other)[0], again)
