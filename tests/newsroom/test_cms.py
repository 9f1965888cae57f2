"""The Wagtail admin at /cms/: only through tuidang's login with its second factor, only for
editors and admins, nothing loaded from another site, two-person approval when switched on."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from wagtail.models import Page

from tests.base import BaseTestCase, login_verified, make_staff
from tests.newsroom.helpers import jpeg_with_gps, make_article, make_category, news_index
from tuidang.accounts.models import AuditEvent
from tuidang.newsroom.middleware import CMS_CONTENT_SECURITY_POLICY
from tuidang.newsroom.models import ArticlePage, NewsImage

RESOURCE = re.compile(
    r"<(?:script|img|link|iframe|source|video|audio|embed|object)\b[^>]*?\s(?:src|href|srcset|data)=\"([^\"]*)\""
)
CSS_URL = re.compile(r"url\(\s*['\"]?([^)'\"]+)")


class CmsAccessTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ed = make_staff("ed", "editor")
        self.world = make_category("world")

    def test_anonymous_and_password_only_sessions_go_to_tuidangs_login(self):
        for path in ("/cms/", "/cms/login/", "/cms/pages/", "/cms/images/"):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 302, path)
            self.assertRegex(response["Location"], r"^/(zh-hans|zh-hant|en)/staff/login/\?next=")
        # A password alone (no second factor) is a session Django knows but tuidang does not
        # trust: still the login page, never the admin.
        self.client.force_login(self.ed)
        for path in ("/cms/", "/cms/pages/", "/cms/login/"):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 302, path)
            self.assertIn("/staff/login/", response["Location"])
        # Wagtail's own login form does not log anyone in.
        self.client.logout()
        response = self.client.post(
            "/cms/login/", {"username": "ed", "password": "correct horse battery staple"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_verified_editors_and_admins_get_in_other_roles_are_refused(self):
        login_verified(self.client, self.ed)
        self.assertEqual(self.client.get("/cms/").status_code, 200)
        login_verified(self.client, self.alice)
        self.assertEqual(self.client.get("/cms/").status_code, 200)
        for persona in (self.mo, self.val):
            login_verified(self.client, persona)
            self.assertEqual(self.client.get("/cms/").status_code, 403)

    def test_admin_pages_load_nothing_from_another_site(self):
        article = make_article(self.world, "文章", slug="a", user=self.ed)
        login_verified(self.client, self.ed)
        index = news_index()
        pages = [
            "/cms/",
            f"/cms/pages/{index.pk}/",
            f"/cms/pages/{article.pk}/edit/",
            f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/",
            "/cms/images/",
            "/cms/images/multiple/add/",
            "/cms/snippets/newsroom/readinglistitem/",
            f"/cms/pages/{article.pk}/history/",
        ]
        for path in pages:
            response = self.client.get(path)
            self.assertEqual(response.status_code, 200, path)
            self.assertEqual(response["Content-Security-Policy"], CMS_CONTENT_SECURITY_POLICY)
            html = response.content.decode()
            targets = RESOURCE.findall(html) + CSS_URL.findall(html)
            self.assertTrue(targets, path)
            for target in targets:
                self.assertFalse(
                    re.match(r"(?i)(https?:)?//", target) and "testserver" not in target,
                    f"{path} loads {target}",
                )
            self.assertNotIn("gravatar", html.lower())
            self.assertNotIn("releases.wagtail.io", html)
        self.assertNotIn("http", CMS_CONTENT_SECURITY_POLICY)

    def test_public_pages_keep_the_strict_policy(self):
        make_article(self.world, "文章", slug="a")
        response = self.client.get("/en/news/world/a/")
        self.assertNotIn("unsafe-inline", response["Content-Security-Policy"])

    def test_editor_uploads_an_image_through_the_admin_and_its_gps_is_gone(self):
        login_verified(self.client, self.ed)
        upload = SimpleUploadedFile("phone.jpg", jpeg_with_gps(), content_type="image/jpeg")
        response = self.client.post(
            "/cms/images/multiple/add/",
            {"files[]": upload},
            HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        )
        self.assertEqual(response.status_code, 200, response.content[:500])
        image = NewsImage.objects.get()
        with image.open_file() as f:
            stored = Image.open(io.BytesIO(f.read()))
        self.assertEqual(dict(stored.getexif()), {})
        self.assertTrue(
            AuditEvent.objects.filter(action="cms.image_upload", actor=self.ed).exists()
        )

    def test_editor_publishes_through_the_admin_and_it_is_audited(self):
        login_verified(self.client, self.ed)
        response = self.client.post(
            f"/cms/pages/add/newsroom/articlepage/{self.world.pk}/",
            {
                "title": "编辑部发布",
                "slug": "desk",
                "summary": "摘要",
                "byline": "",
                "language": "zh-hans",
                "body-count": "1",
                "body-0-type": "paragraph",
                "body-0-value": '{"blocks":[{"key":"a","type":"unstyled","text":"正文","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
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
                "action-publish": "action-publish",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        article = ArticlePage.objects.get(slug="desk")
        self.assertTrue(article.live)
        self.assertEqual(self.client.get("/zh-hant/news/world/desk/").status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(action="cms.publish", actor=self.ed).exists())


class TwoPersonApprovalTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.ed = make_staff("ed", "editor")
        self.eve = make_staff("eve", "editor")
        self.world = make_category("world")
        call_command("newsroom", "two-person", "on", verbosity=0, stdout=io.StringIO())

    def submit(self, user) -> ArticlePage:
        article = make_article(self.world, "待审", slug="pending", user=user, publish=False)
        article.get_workflow().start(article, user)
        return ArticlePage.objects.get(pk=article.pk)

    def approve(self, article, user):
        login_verified(self.client, user)
        task_state = article.current_workflow_task_state
        return self.client.post(
            f"/cms/pages/workflow/action/{article.pk}/approve/{task_state.pk}/", {}
        )

    def test_an_editor_cannot_publish_alone_and_a_second_editor_approves(self):
        self.assertFalse(self.world.permissions_for_user(self.ed).can_publish_subpage())
        article = self.submit(self.ed)
        self.assertFalse(Page.objects.get(pk=article.pk).live)
        # Wagtail's admin answers a refused action with a redirect and an error message.
        self.approve(article, self.ed)
        self.assertFalse(Page.objects.get(pk=article.pk).live)
        self.assertEqual(article.current_workflow_task_state.status, "in_progress")
        self.assertEqual(self.client.get("/en/news/world/pending/").status_code, 404)
        response = self.approve(article, self.eve)
        self.assertIn(response.status_code, (200, 302))
        self.assertTrue(Page.objects.get(pk=article.pk).live)
        self.assertEqual(self.client.get("/en/news/world/pending/").status_code, 200)
        self.assertTrue(
            AuditEvent.objects.filter(action="cms.workflow.approve", actor=self.eve).exists()
        )

    def test_switching_it_off_gives_editors_back_publishing(self):
        call_command("newsroom", "two-person", "off", verbosity=0, stdout=io.StringIO())
        self.assertTrue(self.world.permissions_for_user(self.ed).can_publish_subpage())
        self.assertIsNone(self.world.get_workflow())
        self.assertTrue(AuditEvent.objects.filter(action="news.two_person").exists())
