"""Helpers submit for the people they helped: access, consent, the batch form, four eyes,
per-helper counts, and the "helper" channel counted alike by the tally and the verifier."""

import io
import json
import tempfile
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase, override_settings

from tests.base import (
    BaseTestCase,
    login_verified,
    make_staff,
    restore_reference_data,
    run_sequencer,
)
from tests.test_verify import run as run_verify
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.forms_helpers import BATCH_MAX, ROWS_STEP
from tuidang.declarations.models import Channel, Flag, Status, Submission
from tuidang.transparency import logstore

URL = "/{language}/staff/helper/"
LANGUAGES = ("zh-hans", "zh-hant", "en")


def batch(*rows: dict, total: int | None = None, day: str = "", **extra) -> dict:
    """The helper form's data: ``rows`` filled in order, blank rows up to ``total``."""
    total = max(total or ROWS_STEP, len(rows))
    data = {"row-TOTAL_FORMS": str(total), "row-INITIAL_FORMS": "0", "save": "1", **extra}
    if day:
        data["declared_on"] = day
    else:
        from django.utils import timezone

        data["declared_on"] = timezone.localdate().isoformat()
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"row-{i}-{key}"] = value
    return data


def row(name: str, orgs=("party",), region="", consent=True) -> dict:
    data = {"name": name, "organisations": list(orgs), "region": region}
    if consent:
        data["consent"] = "on"
    return data


class HelperTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.hana = make_staff("hana", "helper")
        login_verified(self.client, self.hana)

    def post(self, data, language="en"):
        return self.client.post(URL.format(language=language), data)

    def test_the_page_in_three_languages(self):
        for language, title, consent in (
            ("zh-hans", "代他人提交退出声明", "已同意"),
            ("zh-hant", "代他人提交退出聲明", "已同意"),
            ("en", "Submit for the people you helped", "agreed to quit and to have me submit it"),
        ):
            with self.subTest(language=language):
                page = self.client.get(URL.format(language=language))
                self.assertContains(page, title)
                self.assertContains(page, consent)
                self.assertContains(page, 'name="row-0-consent"')
                self.assertContains(page, f'name="row-{ROWS_STEP - 1}-name"')
                self.assertNotContains(page, f'name="row-{ROWS_STEP}-name"')
                self.assertNotContains(page, "<script")

    def test_regions_by_name_in_any_language_and_a_light_page(self):
        response = self.post(
            batch(
                row("甲", region="四川"),
                row("乙", region="Sichuan"),
                row("丙", region="臺灣"),
                row("丁", region=" united   states "),
                row("戊", region="Atlantis"),
            )
        )
        self.assertContains(response, "Unknown region: Atlantis.", status_code=200)
        self.assertContains(response, 'value="Atlantis"', status_code=200)
        regions = [s.people.get().region for s in Submission.objects.order_by("pk")]
        self.assertEqual(regions, ["CN-SC", "CN-SC", "CN-TW", "US"])
        # One list of region names for every row, not a select per row.
        for language in LANGUAGES:
            page = self.client.get(URL.format(language=language)).content
            self.assertLess(len(page), 40_000, language)
            self.assertEqual(page.count(b"<datalist"), 1)

    def test_a_helper_reaches_nothing_else(self):
        for path in (
            "staff/calls/",
            "staff/queue/",
            "staff/intake/",
            "staff/import/",
            "staff/audit/",
            "staff/entered/",
            "staff/helpers/",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(f"/en/{path}").status_code, 403)
        home = self.client.get("/en/staff/")
        self.assertContains(home, "Submit for the people you helped")
        self.assertNotContains(home, "/en/staff/queue/")
        self.assertNotContains(home, "/en/staff/calls/")
        # Volunteers and moderators do not get the helper page.
        login_verified(self.client, self.val)
        self.assertEqual(self.client.get("/en/staff/helper/").status_code, 403)
        login_verified(self.client, self.mo)
        self.assertEqual(self.client.get("/en/staff/helper/").status_code, 403)

    def test_without_consent_nothing_is_submitted(self):
        messages = {
            "en": "Confirm that this person agreed: without their agreement nothing is submitted.",
            "zh-hans": "请确认此人已同意：没有本人同意，不会提交任何内容。",
            "zh-hant": "請確認此人已同意：沒有本人同意，不會提交任何內容。",
        }
        for language in LANGUAGES:
            with self.subTest(language=language):
                response = self.post(batch(row("松柏", consent=False)), language)
                self.assertContains(response, messages[language], status_code=400)
                self.assertContains(response, 'value="松柏"', status_code=400)
                self.assertContains(response, "<title>", status_code=400)
                self.assertIn(
                    {"en": "Error:", "zh-hans": "错误：", "zh-hant": "錯誤："}[language],
                    response.content.decode().split("<title>")[1].split("</title>")[0],
                )
        self.assertFalse(Submission.objects.exists())

    def test_a_batch_saves_the_good_rows_and_keeps_the_bad_ones(self):
        response = self.post(
            batch(
                row("青山"),
                row("绿水", orgs=("league", "pioneers"), region="CN-SC"),
                row("白云", orgs=()),
                row("长河", consent=False),
                row("明月", region="TW"),
                total=ROWS_STEP,
            )
        )
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("3 people were submitted. The rows below need correcting", page)
        self.assertIn("Choose at least one organisation to quit.", page)
        self.assertIn('value="白云"', page)
        self.assertIn('value="长河"', page)
        self.assertNotIn('value="青山"', page)
        self.assertIn('href="#id_row-0-organisations_0"', page)

        submissions = Submission.objects.order_by("pk")
        self.assertEqual(submissions.count(), 3)
        for submission in submissions:
            self.assertEqual(submission.channel, Channel.HELPER)
            self.assertEqual(submission.entered_by, self.hana)
            self.assertEqual(submission.status, Status.PENDING)
            self.assertIn(Flag.STAFF_ENTERED, submission.flags)
            self.assertEqual(submission.people.count(), 1)
        self.assertEqual(
            [p.region for s in submissions for p in s.people.all()], ["", "CN-SC", "CN-TW"]
        )
        event = AuditEvent.objects.get(action="declarations.helper")
        self.assertEqual(event.actor, self.hana)
        self.assertEqual(event.detail["consent"], "confirmed")
        self.assertEqual(event.detail["submission_ids"], [s.pk for s in submissions])

        # Correcting the rows that were kept submits them; a clean batch goes back to the form.
        response = self.post(batch(row("白云"), row("长河"), total=2), "zh-hant")
        self.assertRedirects(response, "/zh-hant/staff/helper/", fetch_redirect_response=False)
        page = self.client.get("/zh-hant/staff/helper/").content.decode()
        self.assertIn("已提交 2 人", page)
        self.assertEqual(Submission.objects.count(), 5)

    def test_an_empty_batch_says_so(self):
        for language, text in (
            ("en", "Fill in at least one row: nothing was submitted."),
            ("zh-hans", "请至少填写一行：没有提交任何内容。"),
            ("zh-hant", "請至少填寫一列：沒有提交任何內容。"),
        ):
            self.assertContains(self.post(batch(), language), text, status_code=400)

    def test_add_rows_without_javascript_up_to_fifty(self):
        response = self.post(batch(row("青山"), total=ROWS_STEP, add="1"))
        page = response.content.decode()
        self.assertIn('value="青山"', page)
        self.assertIn(f'name="row-{2 * ROWS_STEP - 1}-name"', page)
        self.assertRegex(page, rf'<input[^>]*name="row-{ROWS_STEP}-name"[^>]*autofocus')
        self.assertNotIn("Enter a name", page)
        self.assertFalse(Submission.objects.exists())
        page = self.post(batch(total=BATCH_MAX - 3, add="1")).content.decode()
        self.assertIn(f'name="row-{BATCH_MAX - 1}-name"', page)
        self.assertNotIn(f'name="row-{BATCH_MAX}-name"', page)
        self.assertNotIn('name="add"', page)

    @override_settings(STAFF_DAILY_QUOTA=1000)
    def test_fifty_in_one_batch_and_no_more(self):
        rows = [row(f"人{i}") for i in range(BATCH_MAX + 1)]
        for language, text in (
            ("en", "One batch takes at most 50 people"),
            ("zh-hans", "每批最多 50 人"),
            ("zh-hant", "每批最多 50 人"),
        ):
            response = self.post(batch(*rows), language)
            self.assertContains(response, text, status_code=400)
        self.assertFalse(Submission.objects.exists())
        response = self.post(batch(*rows[:BATCH_MAX]))
        self.assertEqual(response.status_code, 302)
        # Above the daily quota or not, every one of them waits for a moderator.
        self.assertEqual(Submission.objects.pending().count(), BATCH_MAX)
        self.assertFalse(Submission.objects.filter(status=Status.ACCEPTED).exists())

    def test_four_eyes_and_the_counts(self):
        self.post(batch(*(row(f"人{i}") for i in range(4))))
        first, second, third, _fourth = Submission.objects.order_by("pk")
        first.accept(by=self.mo)
        second.accept(by=self.mo)
        from tuidang.declarations.models import RejectionReason

        third.reject(RejectionReason.TEST, by=self.mo)
        for language, text in (
            ("en", "Submitted: 4 · accepted: 2 · waiting for a moderator: 1 · rejected: 1"),
            ("zh-hans", "已提交：4 · 已接受：2 · 等待审核：1 · 未被接受：1"),
            ("zh-hant", "已提交：4 · 已接受：2 · 等待審核：1 · 未被接受：1"),
        ):
            self.assertContains(self.client.get(f"/{language}/staff/"), text)
        page = self.client.get("/en/staff/helper/").content.decode()
        self.assertIn("<dt>Accepted</dt><dd>2</dd>", page)

        # An admin sees every helper, those with nothing yet too.
        make_staff("kai", "helper")
        login_verified(self.client, self.alice)
        for language in LANGUAGES:
            page = self.client.get(f"/{language}/staff/helpers/").content.decode()
            self.assertIn(
                '<th scope="row">hana</th><td class="num">4</td><td class="num">2</td>'
                '<td class="num">1</td><td class="num">1</td>',
                page,
            )
            self.assertIn('<th scope="row">kai</th><td class="num">0</td>', page)

    def test_a_helper_who_also_moderates_cannot_accept_their_own(self):
        both = make_staff("bo", "helper", "moderator")
        login_verified(self.client, both)
        self.post(batch(row("青山")))
        submission = Submission.objects.get()
        response = self.client.post(
            "/en/staff/queue/", {"action": "accept", "submissions": [submission.pk]}, follow=True
        )
        self.assertContains(response, "1 submission was entered by you")
        self.assertEqual(Submission.objects.get().status, Status.PENDING)

    def test_the_tally_and_the_verifier_count_the_helper_channel_alike(self):
        self.post(batch(row("青山"), row("绿水")))
        for submission in Submission.objects.all():
            submission.accept(by=self.mo)
        run_sequencer()
        tally = json.loads(self.client.get("/api/v1/tally").content)
        self.assertEqual(tally["channels"]["helper"], 2)
        for language, label in (
            ("en", "Through a helper"),
            ("zh-hans", "经由协助者"),
            ("zh-hant", "經由協助者"),
        ):
            self.assertContains(self.client.get(f"/{language}/tally/"), label)
        export = Path(self.enterContext(tempfile.TemporaryDirectory())) / "export"
        call_command("log", "export", str(export), stdout=io.StringIO())
        status, out, err = run_verify(str(export), "--day", "all", vkey=logstore.vkeys()[0])
        self.assertEqual(status, 0, err)
        self.assertIn("published numbers match the log", out)
        # A helper count edited after the fact is caught.
        path = export / "api" / "v1" / "tally"
        edited = json.loads(path.read_text())
        edited["channels"]["helper"] = 3
        path.write_text(json.dumps(edited))
        status, _out, err = run_verify(str(export), vkey=logstore.vkeys()[0])
        self.assertEqual(status, 1)
        self.assertIn("tally: channels.helper is 3 but the log has 2", err)


class HelperGroupMigrationTestCase(TransactionTestCase):
    """The data migration adds the group and leaves every account and its roles as they were."""

    before = [("accounts", "0004_audit_seq_required")]
    after = [("accounts", "0005_add_helper_group")]

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        restore_reference_data()

    def test_the_helper_group_is_added_and_nothing_else_changes(self):
        restore_reference_data()
        make_staff("val", "volunteer")
        make_staff("mo", "moderator", "admin")
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        self.assertFalse(Group.objects.filter(name="helper").exists())
        executor = MigrationExecutor(connection)
        executor.migrate(self.after)
        self.assertTrue(Group.objects.filter(name="helper").exists())
        self.assertEqual(
            {
                u.username: sorted(u.groups.values_list("name", flat=True))
                for u in User.objects.all()
            },
            {"val": ["volunteer"], "mo": ["admin", "moderator"]},
        )
