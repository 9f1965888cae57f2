"""A caseworker's day in a real browser (Debian's Chromium, JavaScript off): log in with the
password and the authenticator code, open a person at risk, record a legal stay that ends in
5 days, see the countdown on the case and the alert on the staff home page once the worker's
periodic check has run, then record a check-in. Needs /usr/bin/chromium (`.ci/run` installs
it); without it the test fails rather than skips.
"""

import datetime

import pytest
from django.utils import timezone

from tests.accounts.helpers import current_code
from tests.base import PASSWORD, make_staff, restore_reference_data
from tests.browser.base import BrowserTestCase
from tests.cases.base import make_case
from tuidang.cases import alerts
from tuidang.cases.models import Case, CheckIn, LegalStay

pytestmark = pytest.mark.slow


class CaseworkerInTheBrowser(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        self.cas = make_staff("cas", "caseworker")
        self.case = make_case(self.cas, "Bamboo", kind=Case.Kind.AT_RISK, risk="high")
        self.context = self.browser.new_context(locale="en-GB", java_script_enabled=False)
        self.addCleanup(self.context.close)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith(self.live_server_url) else self.outside.append(r.url)
            ),
        )

    def submit(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.page.wait_for_load_state("load")

    def test_a_stay_ending_in_five_days_counts_down_alerts_and_a_check_in_is_recorded(self):
        page, base = self.page, f"{self.live_server_url}/en"
        page.goto(f"{base}/staff/login/")
        page.get_by_label("User name").fill("cas")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Code from your authenticator app").fill(current_code(self.cas))
        self.submit("Log in")
        self.assertEqual(page.url, f"{base}/staff/")

        page.get_by_role("link", name="Cases open to you").click()
        page.get_by_role("link", name="Bamboo").click()
        page.get_by_role("link", name="Casework", exact=False).first.click()
        self.assertEqual(page.url, f"{base}/cases/{self.case.pk}/casework/")

        ends = timezone.localdate() + datetime.timedelta(days=5)
        page.get_by_role("link", name="Record a legal stay").click()
        page.get_by_label("Status").select_option("visa")
        page.get_by_label("Country").select_option("TH")
        page.get_by_label("Valid until").fill(ends.isoformat())
        self.submit("Save")
        self.assertEqual(page.url, f"{base}/cases/{self.case.pk}/casework/")
        self.assertIn("5 days left", page.content())
        stay = LegalStay.objects.get(case=self.case)
        self.assertEqual((stay.status, stay.country, stay.valid_until), ("visa", "TH", ends))

        # What `tuidang worker` runs every five minutes (tuidang.cases.tasks).
        self.assertEqual(alerts.raise_due(), 1)
        page.goto(f"{base}/staff/")
        panel = page.locator("#h-casework-alerts").locator("xpath=..")
        self.assertIn("Bamboo", panel.inner_text())
        self.assertIn("The legal stay ends in 5 days", panel.inner_text())

        panel.get_by_role("link", name="Bamboo").click()
        page.get_by_role("link", name="Record a check-in").click()
        page.get_by_label("How").select_option(index=1)
        page.get_by_label("Note").fill("Called from Bangkok, fine")
        self.submit("Save")
        self.assertEqual(page.url, f"{base}/cases/{self.case.pk}/casework/")
        self.assertIn("Called from Bangkok, fine", page.content())
        checkin = CheckIn.objects.get(case=self.case)
        self.assertEqual((checkin.safe, checkin.recorded_by), (True, self.cas))
        self.assertEqual(self.outside, [])
