"""Passkeys beside TOTP: enrolment from the staff page, then password + passkey at login.

The browser's side is played by ``SoftPasskey``: real P-256 keys and real WebAuthn messages,
checked by the server with py_webauthn exactly as a browser's would be.
"""

import json
from datetime import UTC, datetime

import time_machine
from django_otp_webauthn.models import WebAuthnCredential

from tests.accounts.helpers import login_form
from tests.accounts.softkey import SoftPasskey
from tests.base import PASSWORD, BaseTestCase, BrowserClient, login_verified
from tuidang.accounts.models import AuditEvent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WRONG = "The user name, password or code is not right."


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
class PasskeyTestCase(BaseTestCase):
    def enrol(self, user, client=None) -> SoftPasskey:
        client = client or BrowserClient()
        login_verified(client, user)
        options = client.post("/en/staff/passkeys/options/").json()
        key = SoftPasskey()
        response = client.post(
            "/en/staff/passkeys/add/", key.create(options), content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"redirect": "/en/staff/passkeys/"})
        return key

    def passkey_login(self, key, user, client=None, password=PASSWORD, origin=None, **meta):
        client = client or self.client
        options = client.post("/en/staff/login/passkey/", **meta).json()
        assertion = key.get(options, origin) if origin else key.get(options)
        form = {"username": user.username, "password": password, "passkey": json.dumps(assertion)}
        return client.post("/en/staff/login/", form, **meta)

    def test_staff_enrol_a_passkey_from_their_page(self):
        client = BrowserClient()
        login_verified(client, self.val)
        self.assertContains(client.get("/en/staff/"), 'href="/en/staff/passkeys/"')
        page = client.get("/zh-hans/staff/passkeys/")
        self.assertContains(page, "您还没有通行密钥。")
        # The button works only with JavaScript, from the site itself (CSP script-src 'self').
        self.assertContains(page, '<script src="/static/accounts/passkeys.js" defer></script>')
        self.assertContains(page, 'id="passkey-add" hidden')
        options = client.post("/en/staff/passkeys/options/").json()
        self.assertEqual(options["rp"]["id"], "localhost")
        self.assertEqual(options["authenticatorSelection"]["residentKey"], "required")
        key = SoftPasskey()
        response = client.post(
            "/en/staff/passkeys/add/", key.create(options), content_type="application/json"
        )
        self.assertEqual(response.status_code, 200)
        credential = WebAuthnCredential.objects.get(user=self.val)
        self.assertTrue(credential.confirmed)
        page = client.get("/en/staff/passkeys/")
        self.assertContains(page, "Passkey added. You can log in with it instead of a code.")
        self.assertContains(page, "Passkey 1")
        event = AuditEvent.objects.get(action="passkey.added")
        self.assertEqual((event.actor, event.object_id), (self.val, str(credential.pk)))

    def test_enrolment_needs_a_verified_staff_session(self):
        self.assertEqual(self.client.post("/en/staff/passkeys/options/").status_code, 302)
        self.client.force_login(self.val)  # password only, no second factor yet
        response = self.client.post("/en/staff/passkeys/options/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/en/staff/login/", response["Location"])

    def test_a_registration_for_another_challenge_is_refused(self):
        client = BrowserClient()
        login_verified(client, self.val)
        stale = client.post("/en/staff/passkeys/options/").json()
        client.post("/en/staff/passkeys/options/")  # a new challenge replaces the old one
        response = client.post(
            "/en/staff/passkeys/add/", SoftPasskey().create(stale), content_type="application/json"
        )
        self.assertContains(response, "could not be verified", status_code=400)
        self.assertFalse(WebAuthnCredential.objects.exists())

    def test_password_and_passkey_log_in(self):
        key = self.enrol(self.val)
        response = self.passkey_login(key, self.val)
        self.assertRedirects(response, "/en/staff/", fetch_redirect_response=False)
        credential = WebAuthnCredential.objects.get(user=self.val)
        self.assertEqual(self.client.session["otp_device_id"], credential.persistent_id)
        self.assertContains(self.client.get("/en/staff/"), "Logged in as val")
        event = AuditEvent.objects.get(action="login.succeeded")
        self.assertEqual(event.detail, {"factor": "passkey"})

    def test_passkey_without_the_password_is_refused(self):
        key = self.enrol(self.val)
        response = self.passkey_login(key, self.val, password="not the password")
        self.assertContains(response, WRONG)
        self.assertFalse(is_logged_in(self.client))

    def test_a_passkey_signed_for_a_phishing_site_is_refused(self):
        key = self.enrol(self.val)
        response = self.passkey_login(key, self.val, origin="https://tuidang-login.example")
        self.assertContains(response, WRONG)
        self.assertFalse(is_logged_in(self.client))
        event = AuditEvent.objects.get(action="login.failed")
        self.assertEqual((event.detail, event.object_id), ({"reason": "passkey"}, str(self.val.pk)))

    def test_an_assertion_is_good_only_once(self):
        key = self.enrol(self.val)
        options = self.client.post("/en/staff/login/passkey/").json()
        form = {"username": "val", "password": PASSWORD, "passkey": json.dumps(key.get(options))}
        self.assertEqual(self.client.post("/en/staff/login/", form).status_code, 302)
        self.client.post("/en/staff/logout/")
        self.assertContains(self.client.post("/en/staff/login/", form), WRONG)
        self.assertFalse(is_logged_in(self.client))

    def test_someone_elses_passkey_is_refused(self):
        key = self.enrol(self.val)
        response = self.passkey_login(key, self.mo)
        self.assertContains(response, WRONG)
        self.assertFalse(is_logged_in(self.client))

    def test_wrong_passkeys_back_off_like_wrong_codes(self):
        key = self.enrol(self.val)
        attacker = {"REMOTE_ADDR": "192.0.2.10"}
        for _ in range(4):
            response = self.passkey_login(key, self.val, origin="https://evil.example", **attacker)
            self.assertContains(response, WRONG)
        response = self.passkey_login(key, self.val, **attacker)
        self.assertContains(
            response, "Nothing was checked: try again in 1 second.", status_code=429
        )
        self.assertEqual(
            AuditEvent.objects.filter(action="login.failed", detail__reason="passkey").count(), 4
        )
        self.assertTrue(AuditEvent.objects.filter(action="login.backoff").exists())
        # The owner, elsewhere, logs in with the passkey at once.
        response = self.passkey_login(
            key, self.val, client=BrowserClient(), REMOTE_ADDR="198.51.100.2"
        )
        self.assertEqual(response.status_code, 302)

    def test_the_code_still_works_beside_a_passkey(self):
        self.enrol(self.val)
        response = self.client.post("/en/staff/login/", login_form(self.val))
        self.assertEqual(response.status_code, 302)
        page = self.client.get("/en/staff/login/?next=/x/")
        self.assertEqual(page.status_code, 302)  # already verified

    def test_login_page_offers_the_passkey_only_with_javascript(self):
        page = self.client.get("/zh-hant/staff/login/")
        self.assertContains(page, 'id="passkey-login" hidden>用密碼金鑰代替驗證碼登入</button>')
        self.assertContains(page, 'autocomplete="one-time-code"')
        self.assertContains(page, "沒有人會被鎖定")

    def test_remove_a_passkey(self):
        client = BrowserClient()
        key = self.enrol(self.val, client)
        credential = WebAuthnCredential.objects.get(user=self.val)
        # Nobody removes someone else's passkey.
        other = BrowserClient()
        login_verified(other, self.mo)
        response = other.post(f"/en/staff/passkeys/{credential.pk}/remove/")
        self.assertEqual(response.status_code, 404)
        response = client.post(f"/zh-hans/staff/passkeys/{credential.pk}/remove/", follow=True)
        self.assertContains(response, "通行密钥已删除。")
        self.assertFalse(WebAuthnCredential.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="passkey.removed").exists())
        self.assertContains(self.passkey_login(key, self.val), WRONG)

    def test_malformed_assertions_are_refused_not_crashed_on(self):
        self.enrol(self.val)
        for junk in ("not json", "[]", '{"id": 1}', json.dumps({"id": "AA", "rawId": "!!"})):
            self.client.post("/en/staff/login/passkey/")
            form = {"username": "val", "password": PASSWORD, "passkey": junk}
            self.assertContains(self.client.post("/en/staff/login/", form), WRONG)
        self.assertFalse(is_logged_in(self.client))
