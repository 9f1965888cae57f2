from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import current_code, login_form
from tests.base import PASSWORD, BaseTestCase, BrowserClient, make_staff
from tuidang.accounts.models import AuditEvent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

WRONG = {
    "en": "The user name, password or code is not right.",
    "zh-hans": "用户名、密码或验证码不正确。",
    "zh-hant": "使用者名稱、密碼或驗證碼不正確。",
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


ATTACKER = {"REMOTE_ADDR": "192.0.2.10"}
OWNER = {"REMOTE_ADDR": "198.51.100.20"}

WAIT_ACCOUNT = {
    "en": "Too many failed logins for this account. Nothing was checked: try again in 1 second.",
    "zh-hans": "此账户登录失败次数过多。本次未作任何核对：请在 1 秒后再试。",
    "zh-hant": "此帳戶登入失敗次數過多。本次未作任何核對：請在 1 秒後再試。",
}
WAIT_CLIENT = {
    "en": "Too many login attempts from your connection. Try again in 60 seconds.",
    "zh-hans": "您的连接登录尝试次数过多。请在 60 秒后再试。",
    "zh-hant": "您的連線登入嘗試次數過多。請在 60 秒後再試。",
}


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting every password it hashes or checks."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


COUNTING = ["tests.accounts.test_login.CountingHasher"]


class BackoffTestCase(BaseTestCase):
    """Wrong guesses slow the guesser down; they never keep the account's owner out."""

    def setUp(self):
        super().setUp()
        self.traveller = time_machine.travel(NOW, tick=False)
        self.clock = self.traveller.start()
        self.addCleanup(self.traveller.stop)
        CountingHasher.calls = 0

    def guess(self, user, meta=ATTACKER, lang="en", client=None):
        form = login_form(user, password="wrong guess")
        return (client or self.client).post(f"/{lang}/staff/login/", form, **meta)

    def guess_until_failed(self, user, times, meta=ATTACKER):
        """``times`` real failures, waiting out each back-off as a patient attacker would."""
        for _ in range(times):
            response = self.guess(user, meta)
            while response.status_code == 429:
                self.clock.shift(int(response["Retry-After"]))
                response = self.guess(user, meta)
            self.assertContains(response, WRONG["en"])

    def test_an_attacker_cannot_keep_the_owner_out(self):
        self.guess_until_failed(self.val, 50)
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="credentials").count(),
            50,
        )
        # The attacker's client is slowed, even with the right password and code ...
        response = self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertEqual(response.status_code, 429)
        self.assertFalse(is_logged_in(self.client))
        # ... while the owner, from another client, logs in at once.
        owner = BrowserClient()
        response = owner.post("/en/staff/login/", login_form(self.val), **OWNER)
        self.assertRedirects(response, "/en/staff/", fetch_redirect_response=False)
        self.assertTrue(is_logged_in(owner))

    @override_settings(
        LOGIN_BACKOFF_FREE_FAILURES=3, LOGIN_BACKOFF_MAX_SECONDS=60, LOGIN_ATTEMPTS_PER_MINUTE=100
    )
    def test_backoff_grows_exponentially_and_caps(self):
        waits = []
        for failures in range(1, 12):
            self.assertContains(self.guess(self.val), WRONG["en"])
            if failures <= 3:  # typos are free: the next try is checked at once
                continue
            blocked = self.guess(self.val)  # at once: refused, and not counted
            self.assertEqual(blocked.status_code, 429)
            waits.append(int(blocked["Retry-After"]))
            self.clock.shift(waits[-1] - 1)
            self.assertEqual(self.guess(self.val).status_code, 429)  # a second early: still
            self.clock.shift(1)
        self.assertEqual(waits, [1, 2, 4, 8, 16, 32, 60, 60])
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="credentials").count(),
            11,
        )
        self.assertEqual(
            [
                e.detail["seconds"]
                for e in AuditEvent.objects.filter(action="login.backoff").order_by("pk")
            ],
            [1, 2, 4, 8, 16, 32, 60, 60],
        )

    def test_backoff_message_in_every_language(self):
        self.guess_until_failed(self.val, 4)
        for lang in ("en", "zh-hans", "zh-hant"):
            response = self.client.post(f"/{lang}/staff/login/", login_form(self.val), **ATTACKER)
            self.assertContains(response, WAIT_ACCOUNT[lang], status_code=429)
            self.assertEqual(response["Retry-After"], "1")
        self.clock.shift(1)
        response = self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertEqual(response.status_code, 302)

    @override_settings(PASSWORD_HASHERS=COUNTING)
    def test_no_password_is_hashed_during_a_backoff(self):
        for user in ("val", "nobody"):
            for _ in range(5):
                self.client.post(
                    "/en/staff/login/",
                    {"username": user, "password": "wrong guess", "code": "123456"},
                    **ATTACKER,
                )
        # Four failures each, one hash each (Django hashes once for an unknown name too); the
        # fifth attempts came during the back-off the fourth failures started: no hash.
        self.assertEqual(CountingHasher.calls, 8)
        refused = AuditEvent.objects.filter(action="login.throttled").order_by("pk")
        self.assertEqual([e.detail for e in refused], [{"layer": "pair", "seconds": 1}] * 2)
        self.assertEqual(refused.first().object_id, str(self.val.pk))
        self.assertEqual(refused.last().object_id, "")

    @override_settings(PASSWORD_HASHERS=COUNTING, LOGIN_ATTEMPTS_PER_MINUTE=5)
    def test_per_client_budget_answers_429_before_hashing(self):
        for n in range(5):
            self.client.post(
                "/en/staff/login/",
                {"username": f"ghost{n}", "password": "x", "code": "123456"},
                **ATTACKER,
            )
        self.assertEqual(CountingHasher.calls, 5)
        for lang in ("en", "zh-hans", "zh-hant"):
            response = self.client.post(f"/{lang}/staff/login/", login_form(self.val), **ATTACKER)
            self.assertContains(response, WAIT_CLIENT[lang], status_code=429)
            self.assertEqual(response["Retry-After"], "60")
        self.assertEqual(CountingHasher.calls, 5)
        self.assertFalse(is_logged_in(self.client))
        # Audited once per minute, not once per refused attempt.
        self.assertEqual(
            AuditEvent.objects.filter(action="login.throttled", detail__layer="client").count(), 1
        )
        # Another client is not affected; the budget comes back after the minute.
        self.assertEqual(
            BrowserClient().post("/en/staff/login/", login_form(self.mo), **OWNER).status_code, 302
        )
        self.clock.shift(60)
        response = self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertEqual(response.status_code, 302)

    @override_settings(
        LOGIN_ACCOUNT_FAILURES_PER_HOUR=20,
        LOGIN_ACCOUNT_BACKOFF_SECONDS=10,
        PASSWORD_HASHERS=COUNTING,
    )
    def test_the_account_ceiling_only_slows_and_the_owners_browser_skips_it(self):
        owner = BrowserClient()
        self.assertEqual(owner.post("/en/staff/login/", login_form(self.val)).status_code, 302)
        owner.post("/en/staff/logout/")
        self.clock.shift(30)  # a new TOTP step
        # A botnet: one guess from each of twenty addresses.
        for n in range(20):
            self.guess(self.val, {"REMOTE_ADDR": f"203.0.113.{n + 1}"}, client=BrowserClient())
        newcomer = BrowserClient()
        hashed = CountingHasher.calls
        response = newcomer.post("/en/staff/login/", login_form(self.val), **OWNER)
        self.assertContains(response, "try again in 10 seconds", status_code=429)
        self.assertEqual(CountingHasher.calls, hashed)  # refused before hashing
        cookie = owner.cookies["tuidang_staff_device"]
        self.assertNotIn("val", cookie.value)
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Strict")
        # The owner's browser has logged in to this account before: it is not slowed.
        response = owner.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertEqual(response.status_code, 302)
        # The ceiling is a delay, never a lock.
        self.clock.shift(40)
        response = newcomer.post("/en/staff/login/", login_form(self.val), **OWNER)
        self.assertEqual(response.status_code, 302)

    @override_settings(
        LOGIN_ACCOUNT_FAILURES_PER_HOUR=20,
        LOGIN_ACCOUNT_BACKOFF_SECONDS=10,
        LOGIN_DEVICE_COOKIE_DAYS=0,
    )
    def test_without_device_cookies_the_ceiling_still_only_delays(self):
        owner = BrowserClient()
        self.assertEqual(owner.post("/en/staff/login/", login_form(self.val)).status_code, 302)
        self.assertNotIn("tuidang_staff_device", owner.cookies)
        owner.post("/en/staff/logout/")
        self.clock.shift(30)
        for n in range(20):
            self.guess(self.val, {"REMOTE_ADDR": f"203.0.113.{n + 1}"}, client=BrowserClient())
        response = owner.post("/en/staff/login/", login_form(self.val), **OWNER)
        self.assertContains(response, "try again in 10 seconds", status_code=429)
        self.clock.shift(10)
        response = owner.post("/en/staff/login/", login_form(self.val), **OWNER)
        self.assertEqual(response.status_code, 302)

    def test_success_forgets_the_clients_failures(self):
        self.guess_until_failed(self.val, 3)
        self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.client.post("/en/staff/logout/")
        self.clock.shift(30)
        self.guess_until_failed(self.val, 3)
        response = self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertEqual(response.status_code, 302)

    def test_user_name_case_and_width_share_one_backoff(self):
        for name in ("val", "VAL", "ｖａｌ", "Val"):
            self.client.post(
                "/en/staff/login/",
                {"username": name, "password": "x", "code": "123456"},
                **ATTACKER,
            )
        response = self.client.post("/en/staff/login/", login_form(self.val), **ATTACKER)
        self.assertContains(response, WAIT_ACCOUNT["en"], status_code=429)

    def test_unknown_names_back_off_the_same_way(self):
        form = {"username": "ghost", "password": "x", "code": "123456"}
        for _ in range(4):
            self.client.post("/en/staff/login/", form, **ATTACKER)
        response = self.client.post("/en/staff/login/", form, **ATTACKER)
        self.assertContains(response, WAIT_ACCOUNT["en"], status_code=429)

    def test_cache_keys_hold_no_user_name_and_no_address(self):
        from django.core.cache import cache

        self.guess_until_failed(self.val, 4)
        keys = " ".join(str(k) for k in cache._cache)
        self.assertIn("login-backoff:", keys)
        self.assertNotIn("val", keys)
        self.assertNotIn("192.0.2.10", keys)
        for event in AuditEvent.objects.all():
            self.assertNotIn("192.0.2", str(event.detail))
