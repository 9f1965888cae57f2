"""Editors' and readers' flows end to end over HTTP: an article scheduled in the Wagtail
admin goes live when the worker's round comes after its time; the news comments feed; comment
settings edited in the admin; comments closing on an article page; following from an article
page through a real SMTP server to the next article's mail and its one-click unsubscribe."""

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.base import BaseTestCase, login_verified, make_staff
from tests.mailserver import MailServerMixin
from tests.newsroom.helpers import make_article, make_category
from tests.newsroom_mail.pages import run_ready_tasks
from tuidang.accounts.models import AuditEvent
from tuidang.newsroom.models import ArticlePage
from tuidang.newsroom_comments.models import Comment, PageComments, State
from tuidang.newsroom_subscriptions.models import Subscriber

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
            self.assertNotIn(
                "定时发布", self.client.get(f"/{language}/news/world/").content.decode()
            )
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
            # Three rounds (one before its time, two after), one publication between them.
            results = DBTaskResult.objects.filter(
                task_path="tuidang.newsroom.tasks.publish_scheduled"
            )
            self.assertEqual(sorted(r.return_value for r in results), [0, 0, 1])

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


def comment(page, name: str, body: str, state: str = State.APPROVED) -> Comment:
    return Comment.objects.create(
        page=page,
        name=name,
        commenter_key="c0ffee" * 10,
        body=body,
        language="zh-hans",
        state=state,
        created=timezone.now().replace(second=0, microsecond=0),
    )


@override_settings(ALLOWED_HOSTS=HOSTS, FEED_AUTHORITY="news.example,2026")
class NewsCommentsFeedTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        world = make_category("world")
        self.article = make_article(world, "有评论的文章", slug="talked")
        draft = make_article(world, "草稿", slug="draft", publish=False)
        self.shown = comment(self.article, "乙", "公开的评论")
        comment(self.article, "丙", "未审的评论", State.PENDING)
        comment(self.article, "丁", "拒绝的评论", State.REJECTED)
        comment(draft, "戊", "草稿上的评论")

    def test_only_approved_comments_on_public_pages_with_the_same_ids_on_every_host(self):
        expected_id = f"tag:news.example,2026:news/comment/{self.shown.pk}"
        for host in HOSTS:
            for language in LANGUAGES:
                with self.subTest(host=host, language=language):
                    url = f"/{language}/news/comments/feed/"
                    response = self.client.get(url, HTTP_HOST=host, **READER)
                    self.assertEqual(response.status_code, 200)
                    parsed = feedparser.parse(response.content)
                    self.assertEqual(parsed.bozo, 0, parsed.get("bozo_exception"))
                    self.assertEqual(parsed.version, "rss20")
                    self.assertEqual([e.id for e in parsed.entries], [expected_id])
                    entry = parsed.entries[0]
                    self.assertEqual(entry.author, "乙")
                    self.assertEqual(entry.summary, "公开的评论")
                    self.assertEqual(
                        entry.link,
                        f"http://{host}/{language}/news/world/talked/#comment-{self.shown.pk}",
                    )
                    text = response.content.decode()
                    for hidden in ("未审的评论", "拒绝的评论", "草稿上的评论", "c0ffee"):
                        self.assertNotIn(hidden, text)
                    # The comments app's own feed gives the same comment the same id.
                    other = feedparser.parse(
                        self.client.get(f"/{language}/comments/feed/", HTTP_HOST=host).content
                    )
                    self.assertEqual([e.id for e in other.entries], [expected_id])

    def test_a_comment_leaves_the_feed_when_its_article_is_unpublished(self):
        # A reader polling the feed gets 304 until what it shows changes.
        first = self.client.get("/en/news/comments/feed/", **READER)
        self.assertEqual(len(feedparser.parse(first.content).entries), 1)
        self.assertTrue(first["ETag"] and first["Last-Modified"])
        again = self.client.get(
            "/en/news/comments/feed/", HTTP_IF_NONE_MATCH=first["ETag"], **READER
        )
        self.assertEqual((again.status_code, again.content), (304, b""))

        self.article.unpublish()
        response = self.client.get(
            "/en/news/comments/feed/", HTTP_IF_NONE_MATCH=first["ETag"], **READER
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotEqual(response["ETag"], first["ETag"])
        self.assertEqual(feedparser.parse(response.content).entries, [])


@override_settings(COMMENTS_OPEN_DAYS=14)
class CommentSettingsTests(BaseTestCase):
    """Comments on an article page close after N days, or at once or later as an editor sets
    in the Wagtail admin."""

    def setUp(self):
        super().setUp()
        cache.clear()
        self.ed = make_staff("ed", "editor")
        self.clock = time_machine.travel(START, tick=False)
        self.clock.start()
        self.addCleanup(self.clock.stop)
        self.article = make_article(make_category("world"), "可评论", slug="open")

    def page(self, language: str) -> str:
        response = self.client.get(f"/{language}/news/world/open/", **READER)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def post_comment(self, language: str):
        return self.client.post(
            f"/{language}/comments/{self.article.pk}/",
            {"name": "读者", "passphrase": "", "body": "说得好。", "website": ""},
        )

    def assert_open(self, expected: bool) -> None:
        for language in LANGUAGES:
            with self.subTest(language=language, open=expected):
                html = self.page(language)
                self.assertEqual(CLOSED[language] not in html, expected)
                self.assertEqual(f"/{language}/comments/{self.article.pk}/" in html, expected)
                self.assertEqual(self.post_comment(language).status_code, 200 if expected else 403)

    def test_comments_close_after_the_configured_days_with_a_notice(self):
        with time_machine.travel(START + timedelta(days=13, hours=23), tick=False):
            self.assert_open(True)
        with time_machine.travel(START + timedelta(days=14, minutes=1), tick=False):
            self.assert_open(False)
            response = self.client.get(f"/en/comments/{self.article.pk}/")
            self.assertContains(response, CLOSED["en"])
            self.assertNotContains(response, "<form")

    def test_an_editor_closes_then_reopens_for_longer_in_the_wagtail_admin(self):
        login_verified(self.client, self.ed)
        listing = "/cms/snippets/newsroom_comments/pagecomments/"
        self.assertEqual(self.client.get(listing).status_code, 200)
        self.assertEqual(self.client.get(f"{listing}add/").status_code, 200)
        # A negative number of days is refused with the field's message; nothing is saved.
        response = self.client.post(
            f"{listing}add/", {"page": self.article.pk, "enabled": "on", "open_days": "-3"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("open_days", response.context["form"].errors)
        self.assertFalse(PageComments.objects.exists())
        # Unticked "comments open": closed at once.
        response = self.client.post(f"{listing}add/", {"page": self.article.pk, "open_days": ""})
        self.assertEqual(response.status_code, 302)
        settings_row = PageComments.objects.get(page=self.article)
        self.assertFalse(settings_row.enabled)
        self.assertTrue(AuditEvent.objects.filter(actor=self.ed, action="cms.create").exists())
        self.client.logout()
        self.assert_open(False)

        login_verified(self.client, self.ed)
        response = self.client.post(
            f"{listing}edit/{settings_row.pk}/",
            {"page": self.article.pk, "enabled": "on", "open_days": "400"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(AuditEvent.objects.filter(actor=self.ed, action="cms.edit").exists())
        self.client.logout()
        with time_machine.travel(START + timedelta(days=365), tick=False):
            self.assert_open(True)
        with time_machine.travel(START + timedelta(days=401), tick=False):
            self.assert_open(False)

    def test_other_roles_cannot_change_comment_settings(self):
        login_verified(self.client, self.mo)
        response = self.client.get("/cms/snippets/newsroom_comments/pagecomments/add/")
        self.assertEqual(response.status_code, 403)


FOLLOW_LINK = re.compile(r"https?://\S+/follow/confirm/\d+/\w+/")


@override_settings(FOLLOWERS_SITE_URL="https://news.example")
class FollowTheNewsroomTests(MailServerMixin, BaseTestCase):
    """A reader follows from an article page; an article an editor publishes in the admin is
    mailed to them through a real SMTP server; the mail's one-click unsubscribe works."""

    def setUp(self):
        super().setUp()
        cache.clear()
        self.ed = make_staff("ed", "editor")
        self.world = make_category("world")
        self.article = make_article(self.world, "已有的文章", slug="old")

    def run_tasks(self) -> None:
        """The worker's rounds until nothing is left (tasks enqueue others on commit)."""
        while True:
            with self.captureOnCommitCallbacks(execute=True):
                if not run_ready_tasks():
                    return

    def test_follow_from_an_article_confirm_get_the_next_article_and_unsubscribe(self):
        for language in LANGUAGES:
            address = f"reader-{language}@example.org"
            html = self.client.get(f"/{language}/news/world/old/", **READER).content.decode()
            self.assertIn(f'href="/{language}/follow/"', html)
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post(f"/{language}/follow/", {"address": address, "frequency": "post"})
            self.run_tasks()
            [confirmation] = self.mailserver.to(address)
            link = FOLLOW_LINK.search(self.mailserver.text(confirmation))[0]
            self.client.post(link.removeprefix("https://news.example"))
        self.assertEqual(Subscriber.objects.active().count(), 3)
        self.mailserver.clear()

        login_verified(self.client, self.ed)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/",
                article_form(
                    title="新文章：三退大潮", slug="wave", **{"action-publish": "action-publish"}
                ),
            )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        self.run_tasks()
        self.assertEqual(len(self.mailserver.messages), 3)
        for language in LANGUAGES:
            [message] = self.mailserver.to(f"reader-{language}@example.org")
            self.assertEqual(str(message["Subject"]).strip(), "新文章：三退大潮")
            self.assertIn("/news/world/wave/", self.mailserver.text(message))
            self.assertEqual(message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
            unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
            path = unsubscribe.removeprefix("https://news.example")
            self.assertTrue(path.startswith(f"/{language}/follow/unsubscribe/"), path)
            self.assertContains(self.client.get(path), "<form")  # GET changes nothing
            self.assertEqual(Subscriber.objects.active().count(), 3 - LANGUAGES.index(language))
            provider = Client(enforce_csrf_checks=True)  # the mail provider: no token, no cookie
            response = provider.post(
                path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
            )
            self.assertEqual(response.status_code, 200)
        self.assertFalse(Subscriber.objects.exists())


@override_settings(ALLOWED_HOSTS=HOSTS, FEED_AUTHORITY="news.example,2026")
class TwoPersonApprovalInTheAdminTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.ed = make_staff("ed", "editor")
        self.eve = make_staff("eve", "editor")
        self.world = make_category("world")
        call_command("newsroom", "two-person", "on", verbosity=0, stdout=io.StringIO())

    def test_an_editor_submits_in_the_admin_and_a_second_editor_approves_to_publish(self):
        login_verified(self.client, self.ed)
        add = f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/"
        # The form offers submitting for approval, and publishing alone is refused.
        self.assertContains(self.client.get(add), "action-submit")
        self.client.post(add, article_form(slug="alone", **{"action-publish": "action-publish"}))
        self.assertFalse(ArticlePage.objects.filter(slug="alone", live=True).exists())
        response = self.client.post(
            add,
            article_form(title="两人审核", slug="reviewed", **{"action-submit": "action-submit"}),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        article = ArticlePage.objects.get(slug="reviewed")
        self.assertFalse(article.live)
        task_state = article.current_workflow_task_state
        self.assertEqual(task_state.status, "in_progress")
        self.assertEqual(self.client.get("/en/news/world/reviewed/", **READER).status_code, 404)

        login_verified(self.client, self.eve)
        dashboard = self.client.get("/cms/").content.decode()
        self.assertIn("两人审核", dashboard)  # waiting in the second editor's dashboard
        response = self.client.post(
            f"/cms/pages/workflow/action/{article.pk}/approve/{task_state.pk}/", {}
        )
        self.assertIn(response.status_code, (200, 302))
        self.client.logout()
        article.refresh_from_db()
        self.assertTrue(article.live)
        for language in LANGUAGES:
            listing = self.client.get(f"/{language}/news/world/", **READER).content.decode()
            self.assertIn("两人审核", listing)
        parsed = feedparser.parse(
            self.client.get("/en/news/world/feed/", HTTP_HOST="mirror.example").content
        )
        self.assertEqual(
            [e.id for e in parsed.entries], [f"tag:news.example,2026:news/{article.pk}"]
        )
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.ed, action="cms.workflow.start").exists()
        )
        self.assertTrue(
            AuditEvent.objects.filter(actor=self.eve, action="cms.workflow.approve").exists()
        )
