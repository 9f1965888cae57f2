from django.contrib.auth.models import User

from tests.base import PASSWORD, BaseTestCase, login_verified, make_submission
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import Organisation, Person, Submission


class AdminAccessTestCase(BaseTestCase):
    def test_verified_admin_gets_in(self):
        login_verified(self.client, self.alice)
        response = self.client.get("/en/admin/")
        self.assertEqual(response.status_code, 200)
        for model in ("organisation", "submission", "auditevent", "user"):
            self.assertContains(response, f"/{model}/")

    def test_other_staff_are_refused(self):
        for user in (self.mo, self.val):
            login_verified(self.client, user)
            for url in ("/en/admin/", "/en/admin/declarations/organisation/"):
                response = self.client.get(url, follow=True)
                self.assertEqual(response.status_code, 403)

    def test_admin_without_second_factor_is_sent_to_our_login(self):
        self.client.force_login(self.alice)
        response = self.client.get("/zh-hans/admin/", follow=True)
        self.assertEqual(
            response.redirect_chain[-1][0], "/zh-hans/staff/login/?next=/zh-hans/admin/"
        )
        self.assertContains(response, "工作人员登录")
        self.assertFalse(AuditEvent.objects.exists())

    def test_admin_login_page_sends_verified_admins_on(self):
        login_verified(self.client, self.alice)
        response = self.client.get("/en/admin/login/?next=/en/admin/auth/user/")
        self.assertRedirects(response, "/en/admin/auth/user/", fetch_redirect_response=False)
        response = self.client.get("/en/admin/login/?next=https://evil.example/")
        self.assertRedirects(response, "/en/admin/", fetch_redirect_response=False)

    def test_anonymous_is_sent_to_our_login(self):
        response = self.client.get("/en/admin/declarations/organisation/", follow=True)
        self.assertEqual(
            response.redirect_chain[-1][0],
            "/en/staff/login/?next=/en/admin/declarations/organisation/",
        )

    def test_admin_logout_goes_through_ours(self):
        login_verified(self.client, self.alice)
        response = self.client.post("/en/admin/logout/")
        self.assertRedirects(response, "/en/staff/logout/", fetch_redirect_response=False)


class AdminAuditTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.alice)

    def test_editing_an_organisation_is_audited(self):
        party = Organisation.objects.get(slug="party")
        url = f"/en/admin/declarations/organisation/{party.pk}/change/"
        response = self.client.post(
            url,
            {
                "name_zh_hans": "中国共产党",
                "name_zh_hant": "中國共產黨",
                "name_en": "Chinese Communist Party (CCP)",
                "position": party.position,
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        party.refresh_from_db()
        self.assertEqual(party.name_en, "Chinese Communist Party (CCP)")
        event = AuditEvent.objects.get(action="admin.changed")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(
            (event.object_type, event.object_id), ("declarations.organisation", str(party.pk))
        )
        self.assertEqual(event.detail["changes"], [{"changed": {"fields": ["Name en"]}}])

    def test_adding_an_organisation_is_audited(self):
        response = self.client.post(
            "/en/admin/declarations/organisation/add/",
            {
                "slug": "union",
                "name_zh_hans": "工会",
                "name_zh_hant": "工會",
                "name_en": "Trade union",
                "position": 9,
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 302)
        union = Organisation.objects.get(slug="union")
        event = AuditEvent.objects.get(action="admin.added")
        self.assertEqual(event.object_id, str(union.pk))

    def test_organisations_and_declarations_cannot_be_deleted(self):
        party = Organisation.objects.get(slug="party")
        submission, _ = make_submission("松山")
        for url in (
            f"/en/admin/declarations/organisation/{party.pk}/delete/",
            f"/en/admin/declarations/submission/{submission.pk}/delete/",
        ):
            self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(Organisation.objects.filter(pk=party.pk).exists())
        self.assertTrue(Submission.objects.filter(pk=submission.pk).exists())

    def test_submissions_are_read_only(self):
        submission, _ = make_submission("松山", statement="我退出。")
        url = f"/en/admin/declarations/submission/{submission.pk}/change/"
        response = self.client.get(url)
        self.assertContains(response, "我退出。")
        self.assertNotContains(response, 'name="_save"')
        self.client.post(url, {"status": "rejected"})
        submission.refresh_from_db()
        self.assertEqual(submission.status, "accepted")
        for name in ("tallycounter", "call", "person", "auditevent"):
            app = {"auditevent": "accounts", "call": "hotline"}.get(name, "declarations")
            response = self.client.get(f"/en/admin/{app}/{name}/add/")
            self.assertEqual(response.status_code, 403)

    def test_removing_statements_asks_then_acts_and_is_audited(self):
        submission, _ = make_submission("松山", "明月", statement="我退出。")
        form = {"action": "remove_statements", "_selected_action": [submission.pk]}
        response = self.client.post("/en/admin/declarations/submission/", form)
        self.assertContains(response, "Yes, remove them")
        self.assertEqual(Person.objects.filter(submission=submission, name="").count(), 0)
        response = self.client.post("/en/admin/declarations/submission/", form | {"confirm": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Person.objects.filter(submission=submission, name="").count(), 2)
        event = AuditEvent.objects.get(action="declarations.remove_statements")
        self.assertEqual((event.actor, event.object_id), (self.alice, str(submission.pk)))

    def test_changing_a_users_roles_is_audited_and_users_are_never_deleted(self):
        url = f"/en/admin/auth/user/{self.val.pk}/change/"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'value="{self.val.username}"')
        self.assertContains(response, 'name="groups"')
        self.assertEqual(
            self.client.post(
                f"/en/admin/auth/user/{self.val.pk}/delete/", {"post": "yes"}
            ).status_code,
            403,
        )
        self.assertTrue(User.objects.filter(pk=self.val.pk).exists())

    def test_audit_events_are_read_only_in_the_admin(self):
        AuditEvent.record(self.mo, "declarations.accept")
        event = AuditEvent.objects.get()
        response = self.client.get("/en/admin/accounts/auditevent/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "declarations.accept")
        self.assertContains(response, self.mo.username)
        self.assertNotContains(response, 'value="delete_selected"')
        url = f"/en/admin/accounts/auditevent/{event.pk}/delete/"
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(AuditEvent.objects.filter(pk=event.pk).exists())


class AdminPasswordChangeTestCase(BaseTestCase):
    def test_admin_cannot_set_an_all_digit_or_common_password(self):
        login_verified(self.client, self.alice)
        url = f"/en/admin/auth/user/{self.val.pk}/password/"
        for password, message in (
            ("123456789012", "This password is entirely numeric."),
            ("qwerty123456", "This password is too common."),
        ):
            response = self.client.post(
                url, {"password1": password, "password2": password, "usable_password": "true"}
            )
            self.assertContains(response, message)
        self.val.refresh_from_db()
        self.assertTrue(self.val.check_password(PASSWORD))
        self.assertFalse(self.val.check_password("123456789012"))
