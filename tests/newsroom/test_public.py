"""The public news pages over HTTP, in the three interface languages: articles, lists, topics,
search, feeds, top posts, translations, images, sitemaps and the onion header."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import feedparser
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone
from PIL import Image

from tests.newsroom.helpers import (
    jpeg_with_gps,
    make_article,
    make_category,
    make_image,
    news_index,
    paragraph,
)
from tuidang.newsroom.models import HourlyView, NewsImage

LANGUAGES = ("zh-hans", "zh-hant", "en")
READER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN",
}
HOSTS = ["news.example", "mirror.example", "abcdefghijklmnop.onion", "localhost", "testserver"]


def listed(html: str) -> str:
    """The list of articles on a page, without the sidebar."""
    match = re.search(r'<ul class="articles">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


class NewsTestCase(TestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the sidebar's top posts and topic counts are kept for a minute
        self.world = make_category("world", {"zh-hans": "国际", "zh-hant": "國際", "en": "World"})
        self.china = make_category("china", {"zh-hans": "中国", "zh-hant": "中國", "en": "China"})

    def get(self, url, **extra):
        return self.client.get(url, **{**READER, **extra})


class ArticlePageTests(NewsTestCase):
    def test_article_shows_title_byline_dates_category_and_reprint_in_three_languages(self):
        article = make_article(
            self.world,
            "三退人数再创新高",
            slug="record",
            byline="青山",
            body=[paragraph("今天的消息。"), {"type": "heading", "value": "背景"}],
            reprint_source="某报",
            reprint_url="https://paper.example/a/1",
            reprint_date=date(2026, 1, 2),
            reprint_rights="经授权转载",
        )
        article.tags.add("人权")
        article.save_revision().publish()
        for language, category, published, reprinted in [
            ("zh-hans", "国际", "发布于", "转载自"),
            ("zh-hant", "國際", "發布於", "轉載自"),
            ("en", "World", "Published", "Reprinted from"),
        ]:
            with self.subTest(language=language):
                response = self.get(f"/{language}/news/world/record/")
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertIn("三退人数再创新高", html)
                self.assertIn("青山", html)
                self.assertIn(category, html)
                self.assertIn(published, html)
                self.assertIn(reprinted, html)
                self.assertIn('href="https://paper.example/a/1"', html)
                self.assertIn('datetime="2026-01-02"', html)
                self.assertIn("经授权转载", html)
                self.assertIn("<h2>背景</h2>", html)
                self.assertIn("人权", html)
                self.assertNotIn("<script", html)
                self.assertIn(
                    '<link rel="canonical" href="http://testserver/zh-hans/news/world/record/">',
                    html,
                )
                self.assertIn('<meta property="og:title" content="三退人数再创新高">', html)

    def test_updated_date_shown_only_after_a_later_publication(self):
        with time_machine.travel("2026-11-01 08:00Z", tick=False):
            article = make_article(self.world, "更新的文章", slug="upd")
        self.assertNotIn('class="updated"', self.get("/en/news/world/upd/").content.decode())
        self.assertNotIn("Updated", self.get("/en/news/world/upd/").content.decode())
        with time_machine.travel("2026-11-02 08:00Z", tick=False):
            article.save_revision().publish()
        html = self.get("/en/news/world/upd/").content.decode()
        self.assertIn("Updated", html)
        self.assertIn('datetime="2026-11-02T08:00:00+00:00"', html)

    def test_article_page_without_images_is_under_50_kb(self):
        text = "退出中共是每个人的权利，" * 40
        make_article(self.world, "长文", slug="long", body=[paragraph(text) for _ in range(20)])
        for language in LANGUAGES:
            response = self.get(f"/{language}/news/world/long/")
            self.assertEqual(response.status_code, 200)
            self.assertLessEqual(len(response.content), 50 * 1024)

    def test_statement_and_tally_embeds_render_on_the_server(self):
        from tuidang.declarations.models import TallyCounter

        TallyCounter.add({"total": 1234})
        make_article(
            self.world,
            "统计",
            slug="tally",
            body=[
                {"type": "tally", "value": {"key": "total"}},
                {"type": "statement", "value": {"leaf_index": 99}},
            ],
        )
        html = self.get("/en/news/world/tally/").content.decode()
        self.assertIn("<strong>1,234</strong>", html)

    def test_schedule_then_publish(self):
        with time_machine.travel("2026-11-01 08:00Z", tick=False):
            article = make_article(self.world, "定时", slug="later", publish=False)
            article.go_live_at = timezone.now() + timedelta(hours=2)
            article.save_revision().publish()
            self.assertEqual(self.get("/en/news/world/later/").status_code, 404)
        with time_machine.travel("2026-11-01 10:01Z", tick=False):
            from django.core.management import call_command

            call_command("publish_scheduled", verbosity=0)
            self.assertEqual(self.get("/en/news/world/later/").status_code, 200)


class ListTests(NewsTestCase):
    def test_category_list_topics_with_counts_and_sidebar_blocks(self):
        from tuidang.newsroom.models import DidYouKnow, FeaturedReport, ReadingListItem

        make_article(self.world, "一", slug="one")
        make_article(self.world, "二", slug="two")
        make_article(self.china, "三", slug="three")
        ReadingListItem.objects.create(title="九评", url="/zh-hans/news/")
        DidYouKnow.objects.create(text="知道吗？", language="zh-hans")
        FeaturedReport.objects.create(title="报告", url="/r/", languages="zh-hans,en,ja")
        for language, topics, world in [
            ("zh-hans", "全部主题", "国际"),
            ("zh-hant", "全部主題", "國際"),
            ("en", "All topics", "World"),
        ]:
            with self.subTest(language=language):
                html = self.get(f"/{language}/news/topics/").content.decode()
                self.assertIn(topics, html)
                self.assertRegex(html, rf">{world}</a> — 2 ")
                page = self.get(f"/{language}/news/world/").content.decode()
                self.assertIn(">一<", listed(page))
                self.assertNotIn(">三<", listed(page))
                self.assertIn("九评", page)
                self.assertIn("日本語", page)
                self.assertIn(f'href="/{language}/news/world/feed/"', page)
        self.assertIn("知道吗？", self.get("/zh-hans/news/").content.decode())
        self.assertNotIn("知道吗？", self.get("/en/news/").content.decode())

    def test_per_language_list(self):
        make_article(self.world, "中文", slug="zh")
        make_article(self.world, "日本語の記事", slug="ja", language="ja")
        page = listed(self.get("/en/news/world/lang/ja/").content.decode())
        self.assertIn("日本語の記事", page)
        self.assertNotIn(">中文<", page)
        self.assertEqual(self.get("/en/news/world/lang/xx/").status_code, 404)


class SearchTests(NewsTestCase):
    def test_chinese_search_without_word_spaces_in_three_languages(self):
        make_article(
            self.world,
            "海外华人集会声援",
            slug="rally",
            body=[paragraph("数千人在多伦多集会声援三退。")],
        )
        make_article(self.china, "经济新闻", slug="econ", body=[paragraph("房地产市场继续下滑。")])
        make_article(
            self.world,
            "Rally in Toronto",
            slug="en-rally",
            language="en",
            body=[paragraph("Thousands gathered.")],
        )
        for language in LANGUAGES:
            with self.subTest(language=language):
                html = listed(
                    self.get(f"/{language}/news/search/", data={"q": "多伦多集会"}).content.decode()
                )
                self.assertIn("海外华人集会声援", html)
                self.assertNotIn("经济新闻", html)
                html = listed(
                    self.get(f"/{language}/news/search/", data={"q": "地产"}).content.decode()
                )
                self.assertIn("经济新闻", html)
                html = listed(
                    self.get(f"/{language}/news/search/", data={"q": "TORONTO"}).content.decode()
                )
                self.assertIn("Rally in Toronto", html)
                self.assertNotIn("海外华人集会声援", html)

    def test_wagtail_database_backend_does_not_find_chinese_inside_words(self):
        """Why tuidang keeps its own bigram index: Wagtail's database search backend treats
        a run of Chinese as one word."""
        from tuidang.newsroom.models import ArticlePage

        make_article(
            self.world,
            "海外华人集会声援",
            slug="rally",
            body=[paragraph("数千人在多伦多集会声援三退。")],
        )
        found = ArticlePage.objects.live().search("集会")
        self.assertEqual(len(list(found)), 0)

    def test_unpublished_articles_leave_the_index(self):
        article = make_article(self.world, "撤下的文章", slug="gone")
        article.unpublish()
        html = listed(self.get("/en/news/search/", data={"q": "撤下"}).content.decode())
        self.assertNotIn("撤下的文章", html)


@override_settings(ALLOWED_HOSTS=HOSTS, FEED_AUTHORITY="news.example,2026")
class FeedTests(NewsTestCase):
    def setUp(self):
        super().setUp()
        with time_machine.travel("2026-11-01 08:00+08:00", tick=False):
            make_article(
                self.world,
                "第一篇",
                slug="first",
                body=[paragraph('见<a href="/zh-hans/news/">新闻</a>')],
            )
        with time_machine.travel("2026-11-02 09:30+08:00", tick=False):
            make_article(self.world, "Second", slug="second", language="en")
            make_article(self.china, "第三篇", slug="third")

    def test_category_feeds_parse_and_validate_in_three_languages(self):
        for language in LANGUAGES:
            for suffix, version in (("feed/", "rss20"), ("feed/atom/", "atom10")):
                with self.subTest(language=language, feed=suffix):
                    url = f"/{language}/news/world/{suffix}"
                    response = self.get(url)
                    self.assertEqual(response.status_code, 200)
                    parsed = feedparser.parse(response.content)
                    self.assertEqual(parsed.bozo, 0, parsed.get("bozo_exception"))
                    self.assertEqual(parsed.version, version)
                    self.assertEqual([e.title for e in parsed.entries], ["Second", "第一篇"])
                    self.assertEqual(
                        parsed.feed.links[-1].href
                        if version == "atom10"
                        else next(link.href for link in parsed.feed.links if link.rel == "self"),
                        f"http://testserver{url}",
                    )
                    first = parsed.entries[1]
                    self.assertIn('href="http://testserver/zh-hans/news/"', first.content[0].value)
                    self.assertEqual(first.published_parsed[:5], (2026, 11, 1, 0, 0))
                    self.validate_structure(response.content, version)

    def validate_structure(self, content: bytes, version: str) -> None:
        root = ET.fromstring(content)  # noqa: S314 - our own feed, made by this test
        if version == "rss20":
            self.assertEqual((root.tag, root.get("version")), ("rss", "2.0"))
            channel = root.find("channel")
            for name in ("title", "link", "description"):
                self.assertTrue(channel.findtext(name))
            for item in channel.findall("item"):
                guid = item.find("guid")
                self.assertEqual(guid.get("isPermaLink"), "false")
                self.assertTrue(guid.text.startswith("tag:news.example,2026:news/"))
                self.assertRegex(
                    item.findtext("pubDate"), r"^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$"
                )
                self.assertTrue(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded"))
        else:
            atom = "{http://www.w3.org/2005/Atom}"
            self.assertEqual(root.tag, f"{atom}feed")
            for name in ("id", "title", "updated"):
                self.assertTrue(root.findtext(atom + name))
            self.assertTrue(root.findtext(f"{atom}id").startswith("tag:news.example,2026:"))
            self.assertTrue(any(link.get("rel") == "self" for link in root.findall(f"{atom}link")))
            for entry in root.findall(f"{atom}entry"):
                self.assertTrue(
                    entry.findtext(f"{atom}id").startswith("tag:news.example,2026:news/")
                )
                self.assertRegex(entry.findtext(f"{atom}updated"), r"[+-]\d\d:\d\d$|Z$")
                self.assertIsNotNone(entry.find(f"{atom}author"))
                self.assertEqual(entry.find(f"{atom}content").get("type"), "html")

    def test_item_ids_are_the_same_on_every_host_and_links_are_the_hosts(self):
        ids, links = {}, {}
        for host in ("news.example", "mirror.example", "abcdefghijklmnop.onion"):
            parsed = feedparser.parse(self.get("/en/news/feed/", HTTP_HOST=host).content)
            ids[host] = [e.id for e in parsed.entries]
            links[host] = [e.link for e in parsed.entries]
            self.assertTrue(all(link.startswith(f"http://{host}/") for link in links[host]))
        self.assertEqual(len(ids["news.example"]), 3)
        self.assertEqual(ids["news.example"], ids["mirror.example"])
        self.assertEqual(ids["news.example"], ids["abcdefghijklmnop.onion"])

    def test_per_language_feed(self):
        parsed = feedparser.parse(self.get("/zh-hant/news/lang/en/feed/").content)
        self.assertEqual([e.title for e in parsed.entries], ["Second"])
        self.assertEqual(parsed.feed.language, "en")
        self.assertEqual(self.get("/en/news/lang/xx/feed/").status_code, 404)

    def test_conditional_get_answers_304_until_something_is_published(self):
        response = self.get("/en/news/world/feed/")
        etag, modified = response["ETag"], response["Last-Modified"]
        self.assertEqual(modified, "Mon, 02 Nov 2026 01:30:00 GMT")
        again = self.get("/en/news/world/feed/", HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        self.assertEqual(
            self.get("/en/news/world/feed/", HTTP_IF_MODIFIED_SINCE=modified).status_code, 304
        )
        with time_machine.travel("2026-11-03 09:30Z", tick=False):
            make_article(self.world, "新的", slug="new")
        self.assertEqual(self.get("/en/news/world/feed/", HTTP_IF_NONE_MATCH=etag).status_code, 200)

    def test_comments_feed_hook(self):
        """Another source registered beside the comments app's is merged, newest first."""
        from tuidang.newsroom import feeds
        from tuidang.newsroom.models import ArticlePage

        article = ArticlePage.objects.get(slug="first")

        def source(limit):
            return [
                {
                    "id": 7,
                    "article": article,
                    "author": "读者",
                    "text": "说得好",
                    "created": timezone.now(),
                }
            ]

        feeds.COMMENT_SOURCES.append(source)
        self.addCleanup(feeds.COMMENT_SOURCES.remove, source)
        parsed = feedparser.parse(self.get("/en/news/comments/feed/").content)
        self.assertEqual(parsed.bozo, 0)
        self.assertEqual(parsed.entries[0].id, "tag:news.example,2026:news/comment/7")


class TopPostsTests(NewsTestCase):
    def test_views_counted_per_hour_without_robots_and_top_posts_over_48_hours(self):
        with time_machine.travel("2026-11-01 08:00Z", tick=False):
            old = make_article(self.world, "旧文", slug="old")
            make_article(self.world, "热门", slug="hot")
            quiet = make_article(self.world, "冷门", slug="quiet")
            for _ in range(30):
                self.get("/en/news/world/old/")
        with time_machine.travel("2026-11-03 10:15Z", tick=False):
            for _ in range(15):
                self.get("/zh-hans/news/world/hot/")
            for _ in range(6):
                self.get("/zh-hant/news/world/quiet/")
            # Not counted: robots by name, programs without Accept-Language, HEAD requests.
            self.get(
                "/en/news/world/quiet/", HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)"
            )
            self.get("/en/news/world/quiet/", HTTP_ACCEPT_LANGUAGE="")
            self.client.head("/en/news/world/quiet/", **READER)
            self.assertEqual(HourlyView.objects.get(page=quiet).views, 6)
            self.assertEqual(HourlyView.objects.get(page=old).views, 30)
            cache.clear()  # the list is kept for a minute; skip the wait
            html = self.get("/en/news/").content.decode()
            self.assertIn("Most read in the last 48 hours", html)
            top = re.search(r"<ol>(.*?)</ol>", html, re.S).group(1)
            self.assertLess(top.index("热门"), top.index("冷门"))
            self.assertNotIn("旧文", top)  # its views are more than 48 hours old

    def test_too_little_data_falls_back_to_the_newest(self):
        with time_machine.travel("2026-11-01 08:00Z", tick=False):
            make_article(self.world, "较早", slug="early")
        with time_machine.travel("2026-11-01 09:00Z", tick=False):
            make_article(self.world, "最新", slug="latest")
            self.get("/en/news/world/early/")
            cache.clear()
            for language, heading in [("zh-hans", "最新"), ("zh-hant", "最新"), ("en", "Latest")]:
                html = self.get(f"/{language}/news/").content.decode()
                self.assertIn(f"<h2>{heading}</h2>", html)
                top = re.search(r"<ol>(.*?)</ol>", html, re.S).group(1)
                self.assertLess(top.index("最新"), top.index("较早"))

    def test_views_are_kept_in_memory_and_written_together(self):
        from tuidang.newsroom import toposts

        article = make_article(self.world, "文章", slug="a")
        toposts.flush()
        with override_settings(TOP_POSTS_FLUSH_SECONDS=60):
            for _ in range(5):
                self.get("/en/news/world/a/")
            self.assertFalse(HourlyView.objects.filter(page=article).exists())
            toposts.flush()
        self.assertEqual(HourlyView.objects.get(page=article).views, 5)

    def test_nothing_about_the_reader_is_stored(self):
        from tuidang.newsroom import toposts

        make_article(self.world, "文章", slug="a")
        agent = "Mozilla/5.0 (canary-agent-7f3e) Firefox/140.0"
        response = self.get("/en/news/world/a/", HTTP_USER_AGENT=agent)
        self.assertEqual(response.cookies, {})
        toposts.flush()
        self.assertEqual(HourlyView.objects.get().views, 1)  # counted, then dropped
        # The agent was read for the robot rule only: no table holds it.
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name from the database itself
                for row in cursor.fetchall():
                    self.assertNotIn("canary-agent", repr(row), table)
        self.assertEqual(
            [f.name for f in HourlyView._meta.get_fields()], ["id", "page", "hour", "views"]
        )


class TranslationTests(NewsTestCase):
    def test_translations_linked_with_hreflang_and_marked_stale_when_the_original_changes(self):
        with time_machine.travel("2026-11-01 08:00Z", tick=False):
            original = make_article(self.world, "原文", slug="orig")
        with time_machine.travel("2026-11-01 09:00Z", tick=False):
            english = make_article(
                self.world, "Original", slug="orig-en", language="en", translation_of=original
            )
            make_article(
                self.world, "原文（日本語）", slug="orig-ja", language="ja", translation_of=original
            )
        notices = {
            "zh-hans": "这篇译文的原文",
            "zh-hant": "這篇譯文的原文",
            "en": "The original of this translation has changed",
        }
        for language in LANGUAGES:
            html = self.get(f"/{language}/news/world/orig-en/").content.decode()
            self.assertIn(
                f'<link rel="alternate" hreflang="zh-hans" href="http://testserver/{language}/news/world/orig/">',
                html,
            )
            self.assertIn(
                f'<link rel="alternate" hreflang="ja" href="http://testserver/{language}/news/world/orig-ja/">',
                html,
            )
            self.assertIn('hreflang="ja" lang="ja">日本語</a>', html)
            self.assertNotIn(notices[language], html)
        self.assertIn(
            '<link rel="canonical" href="http://testserver/en/news/world/orig-en/">', html
        )
        with time_machine.travel("2026-11-02 08:00Z", tick=False):
            original.save_revision().publish()
        for language in LANGUAGES:
            html = self.get(f"/{language}/news/world/orig-en/").content.decode()
            self.assertIn(notices[language], html)
            self.assertNotIn(
                notices[language], self.get(f"/{language}/news/world/orig/").content.decode()
            )
        # The translator catches up and clears the recorded version: no notice any more.
        english.source_revision_at = None
        english.save_revision().publish()
        self.assertNotIn(notices["en"], self.get("/en/news/world/orig-en/").content.decode())


class ImageTests(NewsTestCase):
    def test_exif_and_gps_are_stripped_on_upload(self):
        data = jpeg_with_gps()
        self.assertIn(0x8825, Image.open(__import__("io").BytesIO(data)).getexif())
        image = make_image("gps", data)
        with image.open_file() as f:
            stored = Image.open(f)
            stored.load()
            self.assertEqual(dict(stored.getexif()), {})
            self.assertNotIn("exif", stored.info)
        self.assertEqual(image.file_size, image.file.size)

    def test_image_block_needs_alt_text_and_renders_srcset(self):
        from django.core.exceptions import ValidationError

        from tuidang.newsroom.blocks import ImageBlock

        image = make_image("p", Image_bytes(1600, 900))
        block = ImageBlock()
        with self.assertRaises(ValidationError):
            block.clean(block.to_python({"image": image.pk, "alt": "", "caption": ""}))
        make_article(
            self.world,
            "图",
            slug="pic",
            body=[
                {"type": "image", "value": {"image": image.pk, "alt": "集会现场", "caption": ""}}
            ],
        )
        html = self.get("/en/news/world/pic/").content.decode()
        self.assertIn('alt="集会现场"', html)
        self.assertRegex(
            html,
            r'srcset="/media/images/p\.width-480\.jpg 480w, /media/images/p\.width-800\.jpg 800w, /media/images/p\.width-1200\.jpg 1200w"',
        )
        rendition = self.get("/media/images/p.width-480.jpg")
        self.assertEqual(rendition.status_code, 200)
        self.assertEqual(NewsImage.objects.count(), 1)


def Image_bytes(width: int, height: int) -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


@override_settings(ALLOWED_HOSTS=HOSTS)
class ReachTests(NewsTestCase):
    def test_sitemap_lists_articles_in_each_language(self):
        make_article(self.world, "文章", slug="a")
        response = self.get("/sitemap.xml", HTTP_HOST="news.example")
        self.assertEqual(response.status_code, 200)
        body = response.content.decode()
        for language in LANGUAGES:
            self.assertIn(f"<loc>http://news.example/{language}/news/world/a/</loc>", body)

    def test_onion_location_header_only_when_configured(self):
        make_article(self.world, "文章", slug="a")
        self.assertNotIn("Onion-Location", self.get("/en/news/world/a/"))
        with override_settings(ONION_URL="http://abcdefghijklmnop.onion"):
            response = self.get("/en/news/world/a/?x=1")
            self.assertEqual(
                response["Onion-Location"], "http://abcdefghijklmnop.onion/en/news/world/a/?x=1"
            )

    def test_canonical_host_setting(self):
        make_article(self.world, "文章", slug="a")
        with override_settings(CANONICAL_URL="https://news.example"):
            html = self.get("/en/news/world/a/", HTTP_HOST="mirror.example").content.decode()
        self.assertIn(
            '<link rel="canonical" href="https://news.example/zh-hans/news/world/a/">', html
        )
        self.assertIn(
            '<meta property="og:url" content="https://news.example/zh-hans/news/world/a/">', html
        )

    def test_no_third_party_resources_on_public_pages(self):
        image = make_image("p")
        make_article(
            self.world,
            "文章",
            slug="a",
            body=[{"type": "image", "value": {"image": image.pk, "alt": "图", "caption": ""}}],
        )
        for url in (
            "/en/news/",
            "/en/news/world/a/",
            "/en/news/topics/",
            "/en/news/search/?q=文章",
        ):
            html = self.get(url).content.decode()
            for match in re.finditer(
                r'<(?:script|img|link|iframe|source)\b[^>]*?(?:src|href|srcset)="([^"]*)"', html
            ):
                target = match.group(1)
                self.assertFalse(
                    re.match(r"(https?:)?//", target) and "testserver" not in target,
                    f"{url} loads {target}",
                )
        self.assertIsNotNone(news_index())
