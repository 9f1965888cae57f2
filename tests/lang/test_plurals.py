"""English counts say "1 declaration", "2 declarations" wherever a number meets a noun."""

from collections import Counter
from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils import translation

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tuidang.declarations.models import TallyCounter
from tuidang.transparency.batches import Expected


class PluralsTestCase(BaseTestCase):
    def test_the_tally_counts_one_and_many(self):
        TallyCounter.add(Counter({"total": 1, "rejected:spam": 1}))
        page = self.client.get("/en/tally/").content.decode()
        self.assertIn("1 declaration received, reviewed and logged.", page)
        self.assertIn("1 declaration was rejected after review", page)
        TallyCounter.add(Counter({"total": 1, "rejected:spam": 1}))
        page = self.client.get("/en/tally/").content.decode()
        self.assertIn("2 declarations received, reviewed and logged.", page)
        self.assertIn("2 declarations were rejected after review", page)

    def test_the_queue_counts_one_and_many(self):
        login_verified(self.client, self.mo)
        make_submission("甲", statement="see www.example.com now")
        self.assertContains(
            self.client.get("/en/staff/queue/"), "1 submission is waiting for review"
        )
        make_submission("乙", statement="see www.example.com now")
        page = self.client.get("/en/staff/queue/")
        self.assertContains(page, "2 submissions are waiting for review")
        response = self.client.post(
            "/en/staff/queue/",
            {
                "action": "reject",
                "reason": "spam",
                "submissions": list(page.context["page"].object_list.values_list("pk", flat=True))[
                    :1
                ],
            },
            follow=True,
        )
        self.assertContains(response, "Rejected 1 submission (1 person)")

    def test_the_receipt_counts_log_entries(self):
        response = self.client.post(
            "/en/declare/", form_data(person("夜行", ["party"]), want_receipt=True)
        )
        code = receipt_code_in(response.content.decode())
        run_sequencer()
        page = self.client.post("/en/receipt/", {"code": code}).content.decode()
        self.assertIn("The latest signed checkpoint of the log covers 1 entry.", page)

    def test_batch_timing_counts_one_and_many(self):
        at = datetime(2026, 5, 20, 12, tzinfo=UTC)
        with translation.override("en"):
            for min_batch, text in (
                (1, "fewer than 1 declaration is waiting then, it waits"),
                (1234, "fewer than 1,234 declarations are waiting then, they wait"),
            ):
                expected = Expected(at, at, min_batch, "hour", "UTC")
                html = render_to_string(
                    "declarations/_batch_timing.html", {"expected": expected, "accepted": True}
                )
                self.assertIn(text, " ".join(html.split()))
