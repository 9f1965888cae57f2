"""A real browser enrols a passkey and logs in with password + passkey (passkeys.js, for real).

Debian's Chromium with a virtual authenticator (the DevTools WebAuthn domain) plays a phone's
platform authenticator: it makes a discoverable P-256 credential and signs assertions, and the
browser itself writes the client data (origin included), so this checks the page's script,
the CSP (script-src 'self') and the server's checks together. Needs /usr/bin/chromium
(`.ci/run` installs it); without it the test fails rather than skips.
"""

import pytest
from django.test import override_settings
from django_otp_webauthn.models import WebAuthnCredential

from tests.accounts.helpers import current_code
from tests.base import PASSWORD, make_staff, restore_reference_data
from tests.browser.base import BrowserTestCase
from tuidang.accounts.models import AuditEvent

pytestmark = pytest.mark.slow


class PasskeyBrowserTestCase(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        self.user = make_staff("lin", "volunteer")
        self.context = self.browser.new_context(locale="en-GB")
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith(self.live_server_url) else self.outside.append(r.url)
            ),
        )
        self.csp_violations: list[str] = []
        self.page.on(
            "console",
            lambda m: self.csp_violations.append(m.text) if "Content Security" in m.text else None,
        )
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        # The live server's origin is the relying party's (its host, localhost, is the RP id).
        overrides = override_settings(OTP_WEBAUTHN_ALLOWED_ORIGINS=[self.live_server_url])
        overrides.enable()
        self.addCleanup(overrides.disable)

    def tearDown(self):
        self.context.close()

    def log_in(self, with_passkey: bool):
        page = self.page
        page.goto(f"{self.live_server_url}/en/staff/login/")
        page.get_by_label("User name").fill("lin")
        page.get_by_label("Password").fill(PASSWORD)
        if with_passkey:
            page.get_by_role("button", name="Log in with a passkey instead of a code").click()
        else:
            page.get_by_label("Code from your authenticator app").fill(current_code(self.user))
            page.get_by_role("button", name="Log in", exact=True).click()
        page.wait_for_url(f"{self.live_server_url}/en/staff/")
        self.assertIn("Logged in as lin", page.content())

    def test_enrol_a_passkey_then_log_in_with_it(self):
        page = self.page
        self.log_in(with_passkey=False)
        page.get_by_role("link", name="Passkeys").click()
        self.assertIn("You have no passkey yet.", page.content())
        page.get_by_role("button", name="Add a passkey").click()
        page.get_by_text("Passkey added. You can log in with it instead of a code.").wait_for()
        self.assertIn("Passkey 1", page.content())
        credential = WebAuthnCredential.objects.get(user=self.user)
        self.assertTrue(credential.discoverable)

        page.goto(f"{self.live_server_url}/en/staff/logout/")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{self.live_server_url}/en/staff/login/")
        self.log_in(with_passkey=True)
        event = AuditEvent.objects.filter(action="login.succeeded").order_by("pk").last()
        self.assertEqual(event.detail, {"factor": "passkey"})
        credential.refresh_from_db()
        self.assertIsNotNone(credential.last_used_at)
        self.assertEqual(self.outside, [])
        self.assertEqual(self.csp_violations, [])
