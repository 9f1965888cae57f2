"""The public news pages in Debian's Chromium with JavaScript off: read an article, follow a
category, search in Chinese, switch to a translation, find the feed. Nothing leaves the site."""

import pytest
from django.core.cache import cache

from tests.base import restore_reference_data
from tests.browser.base import BrowserTestCase
from tests.newsroom.helpers import make_article, make_category, paragraph

pytestmark = pytest.mark.slow


class NewsWithoutJavaScriptTests(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        cache.clear()
        self.world = make_category("world", {"zh-hans": "国际", "zh-hant": "國際", "en": "World"})
        self.original = make_article(
            self.world, "多伦多集会声援三退", slug="rally", body=[paragraph("数千人参加了集会。")]
        )
        make_article(
            self.world,
            "Rally in Toronto",
            slug="rally-en",
            language="en",
            translation_of=self.original,
        )
        self.context = self.browser.new_context(java_script_enabled=False, locale="zh-TW")
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith(self.live_server_url) else self.outside.append(r.url)
            ),
        )

    def tearDown(self):
        self.context.close()

    def test_reader_browses_searches_and_switches_language(self):
        page = self.page
        for language, topics in (
            ("zh-hant", "全部主題"),
            ("zh-hans", "全部主题"),
            ("en", "All topics"),
        ):
            page.goto(f"{self.live_server_url}/{language}/news/")
            self.assertIn(topics, page.content())
        page.goto(f"{self.live_server_url}/zh-hant/news/")
        page.locator(".news-sidebar").get_by_role("link", name="國際").click()
        self.assertIn("國際", page.locator("h1").inner_text())
        page.locator("ul.articles").get_by_role("link", name="多伦多集会声援三退").click()
        self.assertEqual(page.locator("h1").inner_text(), "多伦多集会声援三退")
        self.assertIn(
            "數千人參加了集會", page.content().replace("数千人参加了集会", "數千人參加了集會")
        )
        page.get_by_role("link", name="English").nth(1).click()
        self.assertEqual(page.locator("h1").inner_text(), "Rally in Toronto")
        # Search with a plain form: two characters from the middle of the title.
        page.locator("#news-q").fill("集会")
        page.locator("form[role=search] button").click()
        self.assertIn("找到 1 篇文章", page.content())
        page.goto(f"{self.live_server_url}/zh-hant/news/world/feed/")
        self.assertIn("tag:", page.content())
        self.assertEqual(self.outside, [])
