"""Editors' and readers' flows end to end over HTTP: an article scheduled in the Wagtail
admin goes live when the worker's round comes after its time; the news comments feed; comment
settings edited in the admin; comments closing on an article page."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.base import BaseTestCase, login_verified, make_staff
from tests.newsroom.helpers import make_article, make_category
from tuidang.accounts.models import AuditEvent
from tuidang.newsroom.models import ArticlePage
from tuidang.newsroom_comments.models import Comment, PageComments, State

LANGUAGES = ("zh-hans", "zh-hant", "en")
HOSTS = ["news.example", "mirror.example", "abcdefghijklmnop.onion", "testserver"]
READER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN",
}
START = datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("UTC"))
CLOSED = {"zh-hans": "评论已关闭。", "zh-hant": "留言已關閉。", "en": "Comments are closed."}


def article_form(**fields) -> dict[str, str]:
    """What the Wagtail admin's "add article" form posts, paragraph body and all."""
    form = {
        "title": "定时发布",
        "slug": "scheduled",
        "summary": "摘要",
        "byline": "",
        "language": "zh-hans",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-value": '{"blocks":[{"key":"a","type":"unstyled","text":"正文","depth":0,'
        '"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "tags": "",
        "reprint_source": "",
        "reprint_url": "",
        "reprint_date": "",
        "reprint_rights": "",
        "translation_of": "",
        "source_revision_at": "",
        "go_live_at": "",
        "expire_at": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    form.update(fields)
    return form


def worker_round() -> str:
    """One round of ``tuidang worker`` as ``tuidang serve`` runs it: periodic tasks enqueued,
    every ready task run."""
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


@override_settings(ALLOWED_HOSTS=HOSTS, FEED_AUTHORITY="news.example,2026")
class ScheduledPublishingTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.ed = make_staff("ed", "editor")
        self.world = make_category("world", {"zh-hans": "国际", "zh-hant": "國際", "en": "World"})
        self.clock = time_machine.travel(START, tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)

    def feed_ids(self, host: str = "news.example") -> list[str]:
        response = self.client.get("/en/news/world/feed/", HTTP_HOST=host, **READER)
        parsed = feedparser.parse(response.content)
        self.assertEqual(parsed.bozo, 0, parsed.get("bozo_exception"))
        return [entry.id for entry in parsed.entries]

    def test_an_article_scheduled_in_the_admin_goes_live_in_the_worker_round_after_its_time(self):
        login_verified(self.client, self.ed)
        response = self.client.post(
            f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/",
            article_form(go_live_at="2026-11-01 10:00", **{"action-publish": "action-publish"}),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        article = ArticlePage.objects.get(slug="scheduled")
        self.assertFalse(article.live)
        self.assertEqual(article.get_latest_revision().approved_go_live_at, START.replace(hour=10))
        self.client.logout()

        # Before its time, rounds of the worker leave it where it is.
        worker_round()
        for language in LANGUAGES:
            self.assertEqual(
                self.client.get(f"/{language}/news/world/scheduled/", **READER).status_code, 404
            )
            self.assertNotIn("定时发布", self.client.get(f"/{language}/news/world/").content.decode())
        self.assertEqual(self.feed_ids(), [])

        with time_machine.travel(START.replace(hour=10, minute=1), tick=False):
            self.assertIn("ran", worker_round())
            article.refresh_from_db()
            self.assertTrue(article.live)
            self.assertEqual(article.first_published_at, timezone.now())
            for language in LANGUAGES:
                self.assertEqual(
                    self.client.get(f"/{language}/news/world/scheduled/", **READER).status_code,
                    200,
                )
                listing = self.client.get(f"/{language}/news/world/", **READER).content.decode()
                self.assertIn("定时发布", listing)
            # The same tag: id on every host.
            ids = {host: self.feed_ids(host) for host in HOSTS}
            self.assertEqual(ids["news.example"], [f"tag:news.example,2026:news/{article.pk}"])
            self.assertEqual(len({tuple(v) for v in ids.values()}), 1)

            # Another round publishes nothing twice: the task is idempotent.
            revisions = article.revisions.count()
            worker_round()
            self.assertEqual(article.revisions.count(), revisions)
            results = DBTaskResult.objects.filter(
                task_path="tuidang.newsroom.tasks.publish_scheduled"
            ).order_by("enqueued_at", "id")
            self.assertEqual([r.return_value for r in results], [0, 1, 0])

    def test_scheduling_is_audited_with_the_editor(self):
        login_verified(self.client, self.ed)
        self.client.post(
            f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/",
            article_form(go_live_at="2026-11-02 06:30", **{"action-publish": "action-publish"}),
        )
        self.assertTrue(AuditEvent.objects.filter(actor=self.ed, action="cms.create").exists())
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.ed, action="cms.publish.schedule").exists()
        )
