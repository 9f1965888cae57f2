"""Every page fits a phone: at 360 and 320 CSS px, and at 640 px (a desktop at 200% zoom),
nothing is wider than the screen, in all three languages, with JavaScript on and off; at 360
and 320 px every checkbox and radio is a 44 px target, and no aria-describedby dangles.

One browser context per language and setting walks every public and staff page and narrows
its window over each one (a page reflows when the window changes, as on a phone turned or a
zoom changed), so the whole walk costs one page load per page. Needs /usr/bin/chromium.
"""

from datetime import date

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.base import (
    login_verified,
    make_staff,
    make_submission,
    restore_reference_data,
    run_sequencer,
)
from tests.browser.base import BrowserTestCase
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import Channel, Submission
from tuidang.hotline.models import Call, CallOutcome

pytestmark = pytest.mark.slow

LANGUAGES = ("zh-hans", "zh-hant", "en")
WIDTHS = (640, 360, 320)
LONG_LATIN = "Supercalifragilisticexpialidocious-and-a-long-unbroken-alias"  # 60, the limit
LONG_STATEMENT = (
    "我今天郑重声明退出中国共产党及其一切附属组织，" * 12 + "https://example.org/" + "x" * 80
)
IMPORT_CSV = (
    "name,organisations,region,statement,date,channel,family\n"
    f"{LONG_LATIN},party,CN-GD,{LONG_STATEMENT},2026-01-05,post,\n"
    f"{LONG_LATIN},nothing-of-the-kind,,,2026-01-05,post,\n"
)

# Every element whose box reaches past the right edge of the window (or starts left of it),
# unless a scrolling or clipping box holds it, or it is entirely off screen on purpose (the
# skip link waits at left: -999px until it is focused).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) continue;
    if (r.right <= width + 0.5 && r.left >= -0.5) continue;
    if (clipped(el)) continue;
    out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..` +
             `${Math.round(r.right)}: ${(el.textContent || '').trim().slice(0, 40)}`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, out};
}"""

# Every aria-describedby must name elements that exist (a dangling one describes nothing).
DANGLING = """() => [...document.querySelectorAll('[aria-describedby]')].flatMap(el =>
  el.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id))
    .map(id => `${el.tagName.toLowerCase()}#${el.id} -> ${id}`))"""

# Each visible checkbox and radio can be hit within 44 x 44 CSS px: its own box or a label's.
SMALL_TARGETS = """() => [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
  .filter(input => input.getClientRects().length && getComputedStyle(input).visibility !== 'hidden')
  .filter(input => ![input, ...input.labels].some(el => {
      const r = el.getBoundingClientRect();
      return r.width >= 44 && r.height >= 44;
  }))
  .map(input => `${input.name}=${input.value} ${Math.round(input.getBoundingClientRect().width)}x` +
                `${Math.round(input.getBoundingClientRect().height)}`)"""


@override_settings(RATE_LIMITS=False)
class NoPageWiderThanThePhone(BrowserTestCase):
    def setUp(self):
        restore_reference_data()
        self.alice = make_staff("alice", "admin")
        self.val = make_staff("val", "volunteer")
        # Long words and long lines where people can type them: aliases, statements, notes.
        make_submission(LONG_LATIN, "山间明月", statement=LONG_STATEMENT, region="CN-GD")
        _, self.code = make_submission("清风徐来", orgs=("party", "league"), want_receipt=True)
        make_submission(
            LONG_LATIN, statement=LONG_STATEMENT, channel=Channel.PHONE, entered_by=self.val
        )
        run_sequencer()
        make_submission(
            LONG_LATIN, statement=LONG_STATEMENT, channel=Channel.EMAIL, entered_by=self.val
        )
        self.assertTrue(Submission.objects.filter(status="pending").exists())
        call = Call.objects.create(
            taken_by=self.val, outcome=CallOutcome.THREAT, notes=LONG_STATEMENT[:400]
        )
        AuditEvent.record(self.val, "declarations.call", call, outcome=call.outcome)
        client = Client()
        login_verified(client, self.alice)
        self.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        # A helper (the only role that gets the batch form) with a batch of their own counted.
        self.hana = make_staff("hana", "helper")
        make_submission(LONG_LATIN, channel=Channel.HELPER, entered_by=self.hana)
        client = Client()
        login_verified(client, self.hana)
        self.helper_session = client.cookies[settings.SESSION_COOKIE_NAME].value

    def submit(self, page, button: str) -> None:
        """Press a submit button and wait for the page that answers it."""
        page.locator(button).first.click()
        page.wait_for_load_state("load")

    def check(self, page, where: str) -> list[str]:
        problems = [f"{where}: dangling aria-describedby {d}" for d in page.evaluate(DANGLING)]
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            found = page.evaluate(OVERFLOW)
            if width in (360, 320) and (small := page.evaluate(SMALL_TARGETS)):
                problems.append(f"{where} at {width}px: targets under 44 px {small[:5]}")
            if found["scroll"] > found["inner"] or found["out"]:
                problems.append(
                    f"{where} at {width}px: {found['scroll']}px wide {found['out'][:5]}"
                )
        return problems

    def walk(self, language: str, javascript: bool) -> list[str]:
        context = self.browser.new_context(
            viewport={"width": WIDTHS[0], "height": 800}, java_script_enabled=javascript
        )
        self.addCleanup(context.close)
        page = context.new_page()
        base = f"{self.live_server_url}/{language}"
        problems = []
        today = date.today().isoformat()
        public = [
            "/",
            "/declare/",
            "/statements/",
            f"/statements/{today}/",
            "/tally/",
            "/receipt/",
            "/log/",
            "/log/checkpoints/",
            "/declare/thanks/",
            "/no-such-page/",
            "/staff/login/",
        ]
        for path in public:
            page.goto(base + path)
            problems += self.check(page, path)

        # A declaration sent for real: the thanks page with its receipt code.
        page.goto(base + "/declare/")
        page.locator("input[name$='-name']").first.fill(LONG_LATIN)
        page.locator("input[name$='-organisations']").first.check()
        page.locator("input[name=want_receipt]").check()
        self.submit(page, "button[name=send]:not(.skip)")
        page.locator(".receipt-code").wait_for()
        problems += self.check(page, "thanks")

        # The receipt's answer, with the inclusion proof opened.
        page.goto(base + "/receipt/")
        page.locator("#id_code").fill(self.code)
        self.submit(page, "form button[type=submit]")
        page.locator("details summary").first.click()
        self.assertTrue(page.locator("details pre").first.is_visible())
        problems += self.check(page, "receipt result")

        # Declare with errors: the page with its messages (and a second person, to remove).
        page.goto(base + "/declare/")
        self.submit(page, "button[name=add]")
        self.submit(page, "button[name=send]:not(.skip)")
        problems += self.check(page, "declare with errors")

        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": self.session, "url": base}]
        )
        staff = [
            "/staff/",
            "/staff/intake/",
            "/staff/import/",
            "/staff/calls/",
            "/staff/queue/",
            "/staff/entered/",
            "/staff/audit/",
            "/staff/passkeys/",
            "/staff/logout/",
        ]
        for path in staff:
            page.goto(base + path)
            self.assertNotIn("/login/", page.url)
            problems += self.check(page, path)
        # A CSV import with rows kept and rows refused: the result tables.
        page.goto(base + "/staff/import/")
        page.locator("input[type=file]").set_input_files(
            {"name": "people.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}
        )
        self.submit(page, "form[enctype] button[type=submit]")
        self.assertEqual(page.locator("#result-heading").count(), 1, page.inner_text("main")[:600])
        problems += self.check(page, "import result")
        # Intake with a row added (the no-JavaScript round trip) and with errors.
        page.goto(base + "/staff/intake/")
        if javascript:  # intake.js adds the row in the page
            page.locator("button[name=add]").click()
        else:
            self.submit(page, "button[name=add]")
        problems += self.check(page, "intake after add")
        page.locator("input[name$='-name']").first.fill(LONG_LATIN)
        self.submit(page, "button[name=save]:not(.default-submit)")
        problems += self.check(page, "intake with errors")
        # A call logged with errors: a time in the future.
        page.goto(base + "/staff/calls/")
        page.locator("input[name=outcome]").first.check()
        page.locator("input[name=taken_at]").fill("2099-01-01T10:00")
        self.submit(page, "form.call button[type=submit]")
        self.assertGreater(page.locator(".error-summary a").count(), 0)
        problems += self.check(page, "calls with errors")
        # The moderation queue with nothing selected.
        page.goto(base + "/staff/queue/")
        self.submit(page, "button[name=action][value=accept]")
        self.assertGreater(page.locator(".error-summary a").count(), 0)
        problems += self.check(page, "queue with errors")
        # Each helper's counts, as admins see them.
        page.goto(base + "/staff/helpers/")
        self.assertNotIn("/login/", page.url)
        problems += self.check(page, "/staff/helpers/")

        # A helper's batch form: as it opens, with rows added, and with errors.
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": self.helper_session, "url": base}]
        )
        page.goto(base + "/staff/helper/")
        self.assertNotIn("/login/", page.url)
        problems += self.check(page, "/staff/helper/")
        self.submit(page, "button[name=add]")
        problems += self.check(page, "helper after add")
        page.locator("input[name$='-name']").first.fill(LONG_LATIN)
        page.locator("input[name$='-name']").nth(1).fill("山间明月")
        page.locator("input[name$='-consent']").nth(1).check()
        self.submit(page, "button[name=save]:not(.default-submit)")
        self.assertGreater(page.locator(".error-summary a").count(), 0)
        problems += self.check(page, "helper with errors")
        return problems

    def test_no_page_is_wider_than_the_phone(self):
        problems = []
        for language in LANGUAGES:
            for javascript in (False, True):
                problems += [
                    f"{language} js={javascript} {p}" for p in self.walk(language, javascript)
                ]
        self.assertEqual(problems, [], "\n".join(problems))
