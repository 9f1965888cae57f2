"""A real browser (Debian's Chromium) with JavaScript switched off declares a family.

This is how a declarant on Tor Browser's safest setting meets the site: every step must work
with plain HTML forms. Needs /usr/bin/chromium (`.ci/run` installs it).
"""

import os
from datetime import date

import pytest

from tests.base import restore_reference_data, run_sequencer
from tests.browser.base import BrowserTestCase
from tuidang.declarations.models import Person, Status, Submission, TallyCounter

pytestmark = pytest.mark.slow


class NoJavaScriptTestCase(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        self.context = self.browser.new_context(java_script_enabled=False, locale="zh-TW")
        self.page = self.context.new_page()
        # Any request that leaves the live server would be a third-party request.
        self.outside = []
        self.page.on(
            "request",
            lambda r: (
                None if r.url.startswith(self.live_server_url) else self.outside.append(r.url)
            ),
        )

    def tearDown(self):
        self.context.close()

    def test_family_declares_in_traditional_chinese_without_javascript(self):
        page = self.page
        page.goto(f"{self.live_server_url}/zh-hant/declare/")
        self.assertIn("聲明三退", page.title())

        names = page.locator("input[name$='-name']")
        names.nth(0).fill("山間明月")
        page.get_by_label("中國共產黨").nth(0).check()
        page.get_by_label("共青團").nth(0).check()
        page.locator("select[name$='-region']").nth(0).select_option("CN-SX")
        page.locator("textarea[name$='-statement']").nth(0).fill("今天我和家人一起聲明退出。")

        # No JavaScript: adding a person is a round trip that keeps what was typed.
        page.locator("button[name=add]").click()
        self.assertEqual(names.count(), 2)
        self.assertEqual(names.nth(0).input_value(), "山間明月")
        names.nth(1).fill("林中清風")
        page.get_by_label("少先隊").nth(1).check()
        page.get_by_label("給我一個回執碼").check()
        page.locator("button[name=send]:not(.skip)").click()

        self.assertIn("我們已經收到您的聲明", page.locator("h1").inner_text())
        code = page.locator(".receipt-code").inner_text().strip()
        self.assertGreaterEqual(len(code.replace("-", "")), 30)

        submission = Submission.objects.get()
        self.assertEqual(submission.status, Status.ACCEPTED)
        self.assertEqual(submission.declared_on, date.today())
        self.assertEqual(submission.receipt_hash, Submission.hash_receipt(code))
        run_sequencer()
        self.assertEqual(Person.objects.published().count(), 2)
        self.assertEqual(TallyCounter.snapshot()["total"], 2)

        page.goto(f"{self.live_server_url}/zh-hant/statements/{date.today().isoformat()}/")
        self.assertIn("山間明月", page.content())
        self.assertIn("林中清風", page.content())
        if os.environ.get("TUIDANG_SCREENSHOT"):  # a PNG path, to look at the page by eye
            page.screenshot(path=os.environ["TUIDANG_SCREENSHOT"], full_page=True)
        self.assertEqual(self.outside, [])

    def test_form_errors_come_back_in_the_page_language_and_keep_input(self):
        page = self.page
        page.goto(f"{self.live_server_url}/zh-hant/declare/")
        page.locator("textarea[name$='-statement']").nth(0).fill("沒有名字的聲明")
        page.locator("button[name=send]:not(.skip)").click()
        self.assertIn("請填寫姓名或化名。", page.content())
        self.assertIn("請至少選擇一個要退出的組織。", page.content())
        self.assertEqual(
            page.locator("textarea[name$='-statement']").nth(0).input_value().strip(),
            "沒有名字的聲明",
        )
        self.assertEqual(Submission.objects.count(), 0)
