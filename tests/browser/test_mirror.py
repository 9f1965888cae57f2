"""The exported mirror read as a reader of a copy reads it: opened from disk (file://) in
Debian's Chromium with JavaScript off, following its relative links from the news to an
article, its category, the statements, the tally and the log; then one changed byte in that
copy is refused by ``tuidang mirror verify``."""

import contextlib
import io
import tempfile
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext

from tests.base import make_submission, restore_reference_data, run_sequencer
from tests.browser.base import BrowserTestCase
from tests.newsroom.helpers import make_article, make_category, paragraph

pytestmark = pytest.mark.slow


class MirrorInTheBrowserTests(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        cache.clear()
        make_submission("甲", statement="我退出了共青团", declared_on=date(2026, 11, 1))
        make_submission("乙", statement="我退出了少先队", declared_on=date(2026, 11, 2))
        run_sequencer()
        world = make_category("world", {"zh-hans": "国际", "zh-hant": "國際", "en": "World"})
        make_category("china", {"zh-hans": "中国", "zh-hant": "中國", "en": "China"})
        make_article(
            world, "多伦多集会声援三退", slug="rally", body=[paragraph("数千人参加了集会。")]
        )
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name) / "mirror"
        call_command(
            "mirror",
            "export",
            str(self.dir),
            "--origin",
            "https://tuidang.example",
            stdout=io.StringIO(),
        )
        vkey = io.StringIO()
        call_command("mirror", "vkey", stdout=vkey)
        self.vkey = vkey.getvalue().strip()
        self.context = self.browser.new_context(java_script_enabled=False, locale="zh-TW")
        self.page = self.context.new_page()
        self.requested: list[str] = []
        self.page.on("request", lambda r: self.requested.append(r.url))

    def tearDown(self):
        self.context.close()

    def verify(self) -> str:
        # The verifier writes to the process's standard output (it runs without Django too).
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                call_command("mirror", "verify", str(self.dir), "--vkey", self.vkey)
            except CommandError:
                return "refused\n" + out.getvalue()
        return out.getvalue()

    def test_reader_follows_relative_links_through_the_copy_and_a_changed_copy_is_refused(self):
        self.assertIn("mirror intact", self.verify())
        page = self.page
        with translation.override("zh-hant"):
            nav = {name: gettext(name) for name in ("Statements", "Tally", "Log")}
        page.goto((self.dir / "zh-hant" / "news" / "index.html").as_uri())
        self.assertIn("全部主題", page.content())
        page.locator(".news-sidebar").get_by_role("link", name="國際").click()
        self.assertTrue(page.url.endswith("/zh-hant/news/world/index.html"), page.url)
        self.assertIn("國際", page.locator("h1").inner_text())
        page.locator("ul.articles").get_by_role("link", name="多伦多集会声援三退").click()
        self.assertTrue(page.url.endswith("/zh-hant/news/world/rally/index.html"), page.url)
        self.assertEqual(page.locator("h1").inner_text(), "多伦多集会声援三退")
        self.assertIn("数千人参加了集会", page.content())
        # The copy shows the comments and no form to post one: it cannot take any.
        self.assertEqual(page.locator("#comments form").count(), 0)
        # The article's category link leads back to the category page.
        page.locator("article").get_by_role("link", name="國際").first.click()
        self.assertTrue(page.url.endswith("/zh-hant/news/world/index.html"), page.url)

        page.locator("header nav").first.get_by_role(
            "link", name=nav["Statements"], exact=True
        ).click()
        self.assertIn("/zh-hant/statements/", page.url)
        self.assertTrue(page.locator("h1").inner_text())
        page.locator("header nav").first.get_by_role("link", name=nav["Tally"], exact=True).click()
        self.assertTrue(page.url.endswith("/zh-hant/tally/index.html"), page.url)
        page.locator("header nav").first.get_by_role("link", name=nav["Log"], exact=True).click()
        self.assertTrue(page.url.endswith("/zh-hant/log/index.html"), page.url)
        # Every request the browser made stayed inside the copy on disk: nothing from the
        # live site, nothing from anyone else.
        self.assertTrue(self.requested)
        outside = [url for url in self.requested if not url.startswith(self.dir.as_uri())]
        self.assertEqual(outside, [])

        article = self.dir / "zh-hant" / "news" / "world" / "rally" / "index.html"
        article.write_text(article.read_text().replace("数千人", "数万人"))
        page.goto(article.as_uri())
        self.assertIn("数万人参加了集会", page.content())  # the browser shows what it is given
        refused = self.verify()
        self.assertTrue(refused.startswith("refused"), refused)
        self.assertIn("FAIL zh-hant/news/world/rally/index.html", refused)
