from tests.base import BaseTestCase, login_verified, make_submission
from tuidang.declarations.models import Submission


class StaffHomeTestCase(BaseTestCase):
    def test_volunteer_sees_intake_links_only(self):
        login_verified(self.client, self.val)
        response = self.client.get("/zh-hans/staff/")
        self.assertContains(response, "录入一份声明")
        self.assertContains(response, 'href="/zh-hans/staff/intake/"')
        self.assertContains(response, 'href="/zh-hans/staff/import/"')
        self.assertContains(response, 'href="/zh-hans/staff/calls/"')
        # Each app's own panel: the call log comes from the hotline app, under its heading.
        self.assertContains(response, '<h2 id="h-hotline">热线</h2>', html=False)
        self.assertNotContains(response, 'href="/zh-hans/staff/queue/"')
        self.assertNotContains(response, 'href="/zh-hans/staff/audit/"')

    def test_moderator_sees_the_queue_with_its_count(self):
        with self.settings(AUTO_ACCEPT=False):
            make_submission("春雨")
            make_submission("夏荷")
        self.assertEqual(Submission.objects.pending().count(), 2)
        login_verified(self.client, self.mo)
        response = self.client.get("/zh-hant/staff/")
        self.assertContains(response, "審核佇列：2 份提交待審")
        self.assertContains(response, 'href="/zh-hant/staff/queue/"')
        self.assertNotContains(response, 'href="/zh-hant/staff/intake/"')
        self.assertNotContains(response, 'href="/zh-hant/admin/"')

    def test_admin_sees_everything(self):
        login_verified(self.client, self.alice)
        response = self.client.get("/en/staff/")
        for href in ("/en/staff/intake/", "/en/staff/queue/", "/en/staff/audit/", "/en/admin/"):
            self.assertContains(response, f'href="{href}"')
        self.assertContains(response, "Moderation queue: 0 submissions waiting")

    def test_password_alone_is_not_enough(self):
        self.client.force_login(self.alice)  # no second factor in this session
        response = self.client.get("/en/staff/")
        self.assertRedirects(
            response, "/en/staff/login/?next=/en/staff/", fetch_redirect_response=False
        )
