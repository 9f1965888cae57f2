from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.models import User
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import current_code, login_form
from tests.base import PASSWORD, BaseTestCase, make_staff
from tuidang.accounts.models import AuditEvent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

WRONG = {
    "en": "The user name, password or code is not right.",
    "zh-hans": "用户名、密码或验证码不正确。",
    "zh-hant": "使用者名稱、密碼或驗證碼不正確。",
}
LOCKED = {
    "en": "Too many failed logins for this account. Try again in 15 minutes.",
    "zh-hans": "此账户登录失败次数过多。请在 15 分钟后再试。",
    "zh-hant": "此帳戶登入失敗次數過多。請在 15 分鐘後再試。",
}
NO_DEVICE = {
    "en": "This account has no second factor yet",
    "zh-hans": "此账户尚未设置第二重验证",
    "zh-hant": "此帳戶尚未設定第二重驗證",
}


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
class LoginTestCase(BaseTestCase):
    def test_login_page_in_three_languages(self):
        for lang, heading in (
            ("en", "Staff login"),
            ("zh-hans", "工作人员登录"),
            ("zh-hant", "工作人員登入"),
        ):
            response = self.client.get(f"/{lang}/staff/login/")
            self.assertContains(response, heading)
            self.assertContains(response, f'lang="{lang}"')
            self.assertContains(response, 'autocomplete="one-time-code"')

    def test_correct_password_and_code_log_in_and_verify(self):
        response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertRedirects(response, "/en/staff/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.val.pk)
        device = TOTPDevice.objects.get(user=self.val)
        self.assertEqual(self.client.session["otp_device_id"], device.persistent_id)
        self.assertContains(self.client.get("/en/staff/"), "Logged in as val")
        event = AuditEvent.objects.get(action="login.succeeded")
        self.assertEqual(event.actor, self.val)

    def test_code_pasted_with_a_space_is_accepted(self):
        code = current_code(self.val)
        form = login_form(self.val, code=f"{code[:3]} {code[3:]}")
        response = self.client.post("/en/staff/login/", form)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(is_logged_in(self.client))

    def test_correct_password_without_code_is_refused_in_every_language(self):
        for lang in ("en", "zh-hans", "zh-hant"):
            response = self.client.post(f"/{lang}/staff/login/", login_form(self.val, code=""))
            self.assertEqual(response.status_code, 200)
            self.assertFalse(is_logged_in(self.client))
            self.assertContains(response, 'name="username" value="val"')
        self.assertContains(
            self.client.post("/zh-hant/staff/login/", login_form(self.val, code="12ab")),
            "請輸入驗證器應用程式顯示的 6 位數字。",
        )
        # Staff pages still send the visitor to the login page.
        response = self.client.get("/en/staff/")
        self.assertRedirects(
            response, "/en/staff/login/?next=/en/staff/", fetch_redirect_response=False
        )

    def test_correct_password_with_wrong_code_is_refused_in_every_language(self):
        for lang in ("en", "zh-hans", "zh-hant"):
            good = current_code(self.val)
            wrong = f"{(int(good) + 1) % 1000000:06d}"
            response = self.client.post(f"/{lang}/staff/login/", login_form(self.val, code=wrong))
            self.assertContains(response, WRONG[lang])
            self.assertFalse(is_logged_in(self.client))
            self.assertNotIn("otp_device_id", self.client.session)
        self.assertRedirects(
            self.client.get("/zh-hans/staff/"),
            "/zh-hans/staff/login/?next=/zh-hans/staff/",
            fetch_redirect_response=False,
        )
        refusals = AuditEvent.objects.filter(action="login.failed")
        self.assertEqual([e.detail["reason"] for e in refusals], ["code"] * 3)
        self.assertEqual({e.object_id for e in refusals}, {str(self.val.pk)})
        self.assertTrue(all(e.actor is None for e in refusals))

    def test_wrong_password_and_unknown_user_get_the_same_answer(self):
        wrong_password = self.client.post(
            "/zh-hans/staff/login/", login_form(self.val, password="not the password")
        )
        unknown = self.client.post(
            "/zh-hans/staff/login/",
            {"username": "nobody", "password": PASSWORD, "code": "123456"},
        )
        for response in (wrong_password, unknown):
            self.assertContains(response, WRONG["zh-hans"])
        self.assertFalse(is_logged_in(self.client))
        reasons = list(
            AuditEvent.objects.filter(action="login.failed").values_list(
                "detail__reason", "object_id"
            )
        )
        self.assertCountEqual(reasons, [("credentials", str(self.val.pk)), ("credentials", "")])

    def test_a_code_is_good_only_once(self):
        code = current_code(self.val)
        self.client.post("/en/staff/login/", login_form(self.val, code=code))
        self.client.post("/en/staff/logout/")
        response = self.client.post("/en/staff/login/", login_form(self.val, code=code))
        self.assertContains(response, WRONG["en"])
        self.assertFalse(is_logged_in(self.client))

    def test_user_without_a_device_cannot_log_in(self):
        TOTPDevice.objects.filter(user=self.mo).delete()
        for lang in ("en", "zh-hans", "zh-hant"):
            response = self.client.post(
                f"/{lang}/staff/login/", login_form(self.val) | {"username": "mo", "code": "123456"}
            )
            self.assertContains(response, NO_DEVICE[lang])
            self.assertContains(response, "tuidang createstaff --reset-totp")
        self.assertFalse(is_logged_in(self.client))
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="no_device").count(), 3
        )

    def test_unconfirmed_device_does_not_count(self):
        TOTPDevice.objects.filter(user=self.mo).update(confirmed=False)
        response = self.client.post("/en/staff/login/", login_form(self.mo))
        self.assertContains(response, NO_DEVICE["en"])
        self.assertFalse(is_logged_in(self.client))

    def test_non_staff_are_refused_even_with_both_factors(self):
        not_staff = User.objects.create_user("reader", password=PASSWORD)
        TOTPDevice.objects.create(user=not_staff, name="default", confirmed=True)
        no_role = make_staff("norole")
        for user in (not_staff, no_role):
            response = self.client.post("/zh-hans/staff/login/", login_form(user))
            self.assertContains(response, "此账户不是工作人员账户。")
            self.assertFalse(is_logged_in(self.client))
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="not_staff").count(), 2
        )

    def test_inactive_user_is_refused(self):
        self.val.is_active = False
        self.val.save()
        response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertContains(response, WRONG["en"])
        self.assertFalse(is_logged_in(self.client))

    def test_safe_next_is_followed(self):
        form = login_form(self.alice, next="/en/staff/audit/?action=logout")
        response = self.client.post("/en/staff/login/", form)
        self.assertRedirects(
            response, "/en/staff/audit/?action=logout", fetch_redirect_response=False
        )

    def test_next_is_carried_through_the_form(self):
        response = self.client.get("/en/staff/login/?next=/en/staff/audit/")
        self.assertContains(response, 'name="next" value="/en/staff/audit/"')
        response = self.client.get("/en/staff/login/?next=https://evil.example/")
        self.assertNotContains(response, "evil.example")

    def test_verified_staff_skip_the_login_form(self):
        self.client.post("/en/staff/login/", login_form(self.val))
        response = self.client.get("/en/staff/login/?next=/en/staff/intake/")
        self.assertRedirects(response, "/en/staff/intake/", fetch_redirect_response=False)

    def test_off_site_next_is_ignored(self):
        targets = ("https://evil.example/", "//evil.example/", "javascript:alert(1)")
        for minutes, target in enumerate(targets):
            # A new half-minute each time: a code is good only once.
            with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
                response = self.client.post("/en/staff/login/", login_form(self.val, next=target))
            self.assertRedirects(response, "/en/staff/", fetch_redirect_response=False)

    def test_logout_asks_then_acts_on_post(self):
        self.client.post("/en/staff/login/", login_form(self.val))
        response = self.client.get("/zh-hant/staff/logout/")
        self.assertContains(response, "您以 val 的身分登入。")
        self.assertTrue(is_logged_in(self.client))
        response = self.client.post("/zh-hant/staff/logout/", follow=True)
        self.assertContains(response, "您已登出。")
        self.assertFalse(is_logged_in(self.client))
        self.assertNotIn("otp_device_id", self.client.session)
        self.assertTrue(AuditEvent.objects.filter(action="logout", actor=self.val).exists())

    def test_logout_when_not_logged_in_goes_to_login(self):
        response = self.client.get("/en/staff/logout/")
        self.assertRedirects(response, "/en/staff/login/", fetch_redirect_response=False)

    def test_staff_session_expires(self):
        self.client.post("/en/staff/login/", login_form(self.val))
        self.assertEqual(self.client.get("/en/staff/").status_code, 200)
        with time_machine.travel(NOW + timedelta(hours=8, minutes=1), tick=False):
            response = self.client.get("/en/staff/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/en/staff/login/", response["Location"])


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCKOUT_SECONDS=900)
@time_machine.travel(NOW, tick=False)
class LockoutTestCase(BaseTestCase):
    def fail(self, user, times, lang="en"):
        for _ in range(times):
            self.client.post(f"/{lang}/staff/login/", login_form(user, password="wrong guess"))

    def test_account_locks_after_the_limit_even_for_correct_credentials(self):
        self.fail(self.val, 3)
        for lang in ("en", "zh-hans", "zh-hant"):
            response = self.client.post(f"/{lang}/staff/login/", login_form(self.val))
            self.assertContains(response, LOCKED[lang])
            self.assertFalse(is_logged_in(self.client))
        self.assertEqual(AuditEvent.objects.filter(action="login.locked").count(), 1)
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="locked").count(), 3
        )
        # Other accounts are untouched: the lock is per account, not per client.
        response = self.client.post("/en/staff/login/", login_form(self.mo))
        self.assertEqual(response.status_code, 302)

    def test_user_name_case_and_width_share_one_lock(self):
        for name in ("val", "VAL", "ｖａｌ"):
            self.client.post(
                "/en/staff/login/", {"username": name, "password": "x", "code": "123456"}
            )
        response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertContains(response, LOCKED["en"])

    def test_unknown_names_lock_the_same_way(self):
        form = {"username": "ghost", "password": "x", "code": "123456"}
        for _ in range(3):
            self.client.post("/en/staff/login/", form)
        self.assertContains(self.client.post("/en/staff/login/", form), LOCKED["en"])

    def test_lock_expires(self):
        self.fail(self.val, 3)
        with time_machine.travel(NOW + timedelta(seconds=600), tick=False):
            response = self.client.post("/en/staff/login/", login_form(self.val))
            self.assertContains(response, "Try again in 5 minutes.")
        with time_machine.travel(NOW + timedelta(seconds=901), tick=False):
            response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(is_logged_in(self.client))

    def test_attempts_while_locked_do_not_stretch_the_lock(self):
        self.fail(self.val, 3)
        with time_machine.travel(NOW + timedelta(seconds=800), tick=False):
            self.fail(self.val, 5)
        with time_machine.travel(NOW + timedelta(seconds=901), tick=False):
            response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertEqual(response.status_code, 302)

    def test_success_forgets_earlier_failures(self):
        self.fail(self.val, 2)
        self.client.post("/en/staff/login/", login_form(self.val))
        self.client.post("/en/staff/logout/")
        with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
            self.fail(self.val, 2)
            response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertEqual(response.status_code, 302)

    def test_cache_keys_hold_no_user_name(self):
        from django.core.cache import cache

        self.fail(self.val, 3)
        keys = " ".join(str(k) for k in cache._cache)
        self.assertIn("login-lock:", keys)
        self.assertNotIn("val", keys)
