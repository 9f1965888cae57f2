"""Comments: open then closed after N days, held first-timers and links, moderation audited,
rate limits, the feed, all without JavaScript and in the three languages."""

from datetime import timedelta

import time_machine
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from tests.base import BaseTestCase, login_verified
from tests.newsroom_mail.pages import make_page
from tuidang.accounts.models import AuditEvent
from tuidang.newsroom_comments.models import Comment, PageComments, State

LANGUAGES = ("zh-hans", "zh-hant", "en")
CLOSED = {"zh-hans": "评论已关闭。", "zh-hant": "留言已關閉。", "en": "Comments are closed."}


def render_comments(page, language: str) -> str:
    request = RequestFactory().get("/")
    with translation.override(language):
        return Template("{% load comments %}{% comments_for page %}").render(
            Context({"page": page, "request": request})
        )


class CommentsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.page = make_page()

    def post(self, language="en", **data):
        fields = {"name": "读者", "passphrase": "", "body": "说得好。", "website": ""}
        fields.update(data)
        return self.client.post(f"/{language}/comments/{self.page.pk}/", fields)

    def test_comments_close_after_the_configured_days_with_a_notice(self):
        with override_settings(COMMENTS_OPEN_DAYS=14):
            for language in LANGUAGES:
                html = render_comments(self.page, language)
                self.assertIn('<form method="post"', html)
                self.assertIn("<!-- mirror:omit -->", html)
                self.assertNotIn(CLOSED[language], html)
            with time_machine.travel(timezone.now() + timedelta(days=15)):
                for language in LANGUAGES:
                    html = render_comments(self.page, language)
                    self.assertNotIn("<form", html)
                    self.assertIn(CLOSED[language], html)
                    response = self.post(language)
                    self.assertEqual(response.status_code, 403)
                    self.assertContains(response, CLOSED[language], status_code=403)
                self.assertFalse(Comment.objects.exists())

    def test_editors_close_a_page_or_keep_it_open_longer(self):
        settings_row = PageComments.objects.create(page=self.page, enabled=False)
        self.assertIn(CLOSED["en"], render_comments(self.page, "en"))
        settings_row.enabled, settings_row.open_days = True, 400
        settings_row.save()
        with time_machine.travel(timezone.now() + timedelta(days=365)):
            self.assertIn("<form", render_comments(self.page, "en"))

    def test_first_time_commenters_are_held_then_known_by_name_and_passphrase(self):
        for language in LANGUAGES:
            response = self.post(language, name=f"老王{language}", passphrase="山高水长")
            self.assertEqual(response.status_code, 200)
        self.assertEqual(Comment.objects.pending().count(), 3)
        comment = Comment.objects.get(name="老王en")
        self.assertEqual(comment.holds, ["first_time"])
        self.assertNotIn("山高水长", str(Comment.objects.values()))
        self.assertEqual(len(comment.commenter_key), 64)
        # Kept, shown and fed to the hour, never finer (DESIGN.md rule 6).
        self.assertEqual((comment.created.minute, comment.created.second), (0, 0))

        login_verified(self.client, self.mo)
        response = self.client.post(
            "/en/staff/comments/", {"comment": comment.pk, "action": "approved"}
        )
        self.assertEqual(response.status_code, 302)
        comment.refresh_from_db()
        self.assertEqual(comment.state, State.APPROVED)
        event = AuditEvent.objects.get(action="comment.approved")
        self.assertEqual((event.actor, event.object_id), (self.mo, str(comment.pk)))
        self.client.logout()

        self.post("en", name="老王en", passphrase="山高水长", body="再说一句。")
        self.assertEqual(Comment.objects.get(body="再说一句。").state, State.APPROVED)
        # The same name with another passphrase is somebody else.
        self.post("en", name="老王en", passphrase="别的", body="冒名。")
        self.assertEqual(Comment.objects.get(body="冒名。").state, State.PENDING)
        html = render_comments(self.page, "zh-hant")
        self.assertIn("再说一句。", html)
        self.assertNotIn("冒名。", html)

    def test_links_spam_and_the_hidden_field_are_held_even_for_known_commenters(self):
        known = Comment.objects.create(
            page=self.page,
            name="甲",
            commenter_key="k",
            body="x",
            language="en",
            state=State.APPROVED,
            created=timezone.now(),
        )
        from tuidang.newsroom_comments.models import commenter_key

        known.commenter_key = commenter_key("甲", "")
        known.save()
        self.post(name="甲", body="看 https://example.com")
        self.post(name="甲", body="casino 大奖")
        self.post(name="甲", body="正常", website="http://spam.example")
        holds = [c.holds for c in Comment.objects.pending().order_by("id")]
        self.assertEqual(holds, [["link"], ["spam_word"], ["trap"]])

    def test_the_moderator_queue_needs_a_moderator_and_rejections_are_audited(self):
        self.post(body="待审")
        comment = Comment.objects.get()
        response = self.client.get("/en/staff/comments/")
        self.assertEqual(response.status_code, 302)
        login_verified(self.client, self.val)
        self.assertEqual(self.client.get("/en/staff/comments/").status_code, 403)
        login_verified(self.client, self.mo)
        for language in LANGUAGES:
            self.assertContains(self.client.get(f"/{language}/staff/comments/"), "待审")
        self.client.post("/zh-hans/staff/comments/", {"comment": comment.pk, "action": "rejected"})
        comment.refresh_from_db()
        self.assertEqual(comment.state, State.REJECTED)
        self.assertTrue(AuditEvent.objects.filter(action="comment.rejected").exists())

    def test_bad_input_comes_back_with_a_message_and_keeps_what_was_valid(self):
        messages = {
            "zh-hans": "这个字段是必填项。",
            "zh-hant": "這個欄位是必須的。",
            "en": "This field is required.",
        }
        for language in LANGUAGES:
            response = self.post(language, name="留名", body="")
            self.assertEqual(response.status_code, 400)
            self.assertContains(response, messages[language], status_code=400)
            self.assertContains(response, 'value="留名"', status_code=400)
        with override_settings(COMMENT_MAX_LENGTH=10):
            response = self.post("zh-hans", body="长" * 11)
            self.assertContains(response, "长" * 11, status_code=400)
        self.assertFalse(Comment.objects.exists())

    @override_settings(COMMENTS_PER_10_MINUTES=2)
    def test_a_client_sending_too_many_is_slowed_down_keyed_without_its_address(self):
        for _ in range(2):
            self.assertEqual(self.post().status_code, 200)
        response = self.post("zh-hans")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Comment.objects.count(), 2)
        self.assertNotIn("127.0.0.1", str(list(Comment.objects.values())))

    @override_settings(FEED_AUTHORITY="news.example.org,2026")
    def test_the_comments_feed_has_tag_ids_the_same_on_every_host(self):
        Comment.objects.create(
            page=self.page,
            name="乙",
            commenter_key="k",
            body="公开的评论",
            language="en",
            state=State.APPROVED,
            created=timezone.now(),
        )
        Comment.objects.create(
            page=self.page,
            name="丙",
            commenter_key="k",
            body="未审的评论",
            language="en",
            created=timezone.now(),
        )
        bodies = []
        for host in ("localhost", "127.0.0.1"):
            response = self.client.get("/en/comments/feed/", HTTP_HOST=host)
            self.assertEqual(response["Content-Type"], "application/rss+xml; charset=utf-8")
            bodies.append(response.content.decode())
        self.assertIn("公开的评论", bodies[0])
        self.assertNotIn("未审的评论", bodies[0])
        guid = "tag:news.example.org,2026:news/comment/"
        self.assertIn(guid, bodies[0])
        self.assertIn(guid, bodies[1])

    def test_the_comments_feed_answers_304_until_a_comment_is_published(self):
        first = self.client.get("/en/comments/feed/")
        again = self.client.get("/en/comments/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual((again.status_code, again.content), (304, b""))
        self.assertEqual(
            self.client.get(
                "/zh-hans/comments/feed/", HTTP_IF_NONE_MATCH=first["ETag"]
            ).status_code,
            200,  # another language's feed has other words, so another ETag
        )
        Comment.objects.create(
            page=self.page,
            name="丁",
            commenter_key="k",
            body="新的评论",
            language="en",
            state=State.APPROVED,
            created=timezone.now(),
        )
        response = self.client.get("/en/comments/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("新的评论", response.content.decode())


class DemoTestCase(BaseTestCase):
    @override_settings(FOLLOWERS_PAGE_MODELS=["wagtailcore.page"], COMMENTS_OPEN_DAYS=30)
    def test_the_demo_adds_open_and_closed_comments_and_followers(self):
        import random

        from tuidang.newsroom_comments import demo
        from tuidang.newsroom_subscriptions.models import Subscriber

        pages = [
            make_page(f"文章{i}", published=timezone.now() - timedelta(days=i * 10))
            for i in range(6)
        ]
        summary = demo.fill(random.Random(3), self.mo, followers=30)
        self.assertIn("6 articles", summary)
        self.assertGreater(Comment.objects.approved().count(), 0)
        self.assertEqual(Subscriber.objects.count(), 30)
        self.assertEqual(Subscriber.objects.active().count(), 27)
        self.assertIn(CLOSED["en"], render_comments(pages[-1], "en"))
        self.assertIn("<form", render_comments(pages[0], "en"))
