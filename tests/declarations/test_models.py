from datetime import date

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations.models import Flag, Person, Status, Submission, TallyCounter


class SubmitTestCase(BaseTestCase):
    def test_clean_family_is_accepted_and_counted(self):
        submission, code = make_submission(
            "松山",
            "明月",
            "清风",
            orgs=("party", "league"),
            region="CN-SX",
            declared_on=date(2026, 11, 1),
        )
        self.assertEqual(submission.status, Status.ACCEPTED)
        self.assertIsNone(code)
        run_sequencer()
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["total"], 3)
        self.assertEqual(counts["org:party"], 3)
        self.assertEqual(counts["org:league"], 3)
        self.assertNotIn("org:pioneers", counts)
        self.assertEqual(counts["region:CN-SX"], 3)
        self.assertEqual(counts["day:2026-11-01"], 3)
        self.assertEqual(counts["month:2026-11"], 3)
        self.assertEqual(counts["channel:web"], 3)

    def test_abroad_counts_country_and_abroad(self):
        make_submission("远方", region="UA")
        run_sequencer()
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["region:abroad"], 1)
        self.assertEqual(counts["country:UA"], 1)

    def test_duplicate_waits_and_rejection_is_counted_by_reason(self):
        make_submission("青松", region="CN-BJ")
        second, _ = make_submission("青 松", region="CN-BJ")
        self.assertEqual(second.status, Status.PENDING)
        self.assertIn(Flag.DUPLICATE, second.flags)
        self.assertTrue(second.reject("duplicate", by=self.mo, note="same caller"))
        self.assertFalse(second.reject("duplicate", by=self.mo))
        run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["rejected:duplicate"], 1)
        self.assertEqual(TallyCounter.snapshot()["total"], 1)

    def test_accepting_a_pending_submission_counts_it(self):
        pending, _ = make_submission("广告", statement="see www.example.com now")
        self.assertEqual(pending.flags, [Flag.LINK])
        self.assertTrue(pending.accept(by=self.mo))
        run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["total"], 1)

    def test_receipt_is_stored_only_as_hash(self):
        submission, code = make_submission("守夜人", want_receipt=True)
        self.assertEqual(len(code.replace("-", "")), 30)
        self.assertNotIn(code.replace("-", ""), submission.receipt_hash)
        self.assertEqual(
            Submission.objects.get(receipt_hash=Submission.hash_receipt(code.lower())), submission
        )

    def test_removal_keeps_the_count(self):
        submission, _ = make_submission("夜行", statement="我退出")
        run_sequencer()
        submission.remove_statements()
        self.assertEqual(Person.objects.published().count(), 0)
        self.assertEqual(TallyCounter.snapshot()["total"], 1)


class DeclaredOnTestCase(BaseTestCase):
    def test_a_declarant_east_of_the_server_may_use_their_own_today(self):
        import time_machine
        from django.core.exceptions import ValidationError

        from tuidang.declarations.forms import validate_declared_on

        # 23:30 UTC on 1 November is 07:30 on 2 November in Beijing.
        with time_machine.travel("2026-11-01 23:30:00+00:00", tick=False):
            validate_declared_on(date(2026, 11, 2))  # their today: accepted, no error
            with self.assertRaises(ValidationError):
                validate_declared_on(date(2026, 11, 3))
