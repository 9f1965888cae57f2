import csv
import io
from datetime import UTC, datetime

import time_machine
from django.db import connection

from tests.base import BaseTestCase, login_verified, make_submission
from tuidang.accounts.models import AuditEvent
from tuidang.accounts.views import AUDIT_EVENTS_PER_PAGE


class AuditLogTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.submission, _ = make_submission("松山")
        with time_machine.travel(datetime(2026, 11, 1, 10, tzinfo=UTC), tick=False):
            AuditEvent.record(self.mo, "declarations.accept", self.submission)
        with time_machine.travel(datetime(2026, 11, 5, 10, tzinfo=UTC), tick=False):
            AuditEvent.record(self.val, "declarations.call", None, outcome="question")
        with time_machine.travel(datetime(2026, 11, 9, 10, tzinfo=UTC), tick=False):
            AuditEvent.record(self.mo, "declarations.reject", self.submission, reason="spam")

    def get(self, query="", lang="en"):
        login_verified(self.client, self.alice)
        return self.client.get(f"/{lang}/staff/audit/{query}")

    def test_lists_events_newest_first_with_labels_in_three_languages(self):
        response = self.get()
        body = response.content.decode().split("<tbody>")[1]
        self.assertLess(body.index("Submission rejected"), body.index("Call logged"))
        self.assertLess(body.index("Call logged"), body.index("Submission accepted"))
        self.assertContains(response, f"Submission #{self.submission.pk}")
        self.assertContains(self.get(lang="zh-hans"), "已拒绝提交")
        self.assertContains(self.get(lang="zh-hant"), "已拒絕提交")

    def test_filter_by_actor_action_object_and_dates(self):
        response = self.get(f"?actor={self.mo.pk}")
        self.assertEqual(response.context["page"].paginator.count, 2)
        response = self.get("?action=declarations.call")
        self.assertEqual([e.actor for e in response.context["page"]], [self.val])
        query = f"?object_type=declarations.submission&object_id={self.submission.pk}"
        self.assertEqual(self.get(query).context["page"].paginator.count, 2)
        response = self.get("?since=2026-11-02&until=2026-11-09")
        actions = [e.action for e in response.context["page"]]
        self.assertEqual(actions, ["declarations.reject", "declarations.call"])
        self.assertContains(response, 'value="2026-11-02"')  # the form keeps the filters

    def test_bad_filters_show_a_message_and_no_events(self):
        response = self.get("?since=2026-11-09&until=2026-11-01", lang="zh-hans")
        self.assertContains(response, "开始日期晚于结束日期。")
        self.assertEqual(response.context["page"].paginator.count, 0)

    def test_pagination_keeps_the_filters(self):
        for _ in range(AUDIT_EVENTS_PER_PAGE + 5):
            AuditEvent.record(self.val, "declarations.call")
        response = self.get("?action=declarations.call")
        self.assertEqual(len(response.context["page"]), AUDIT_EVENTS_PER_PAGE)
        self.assertContains(response, "?action=declarations.call&amp;page=2")
        response = self.get("?action=declarations.call&page=2")
        self.assertEqual(len(response.context["page"]), 6)
        self.assertContains(response, "Page 2 of 2")

    def test_csv_export_of_the_filtered_set_is_itself_audited(self):
        login_verified(self.client, self.alice)
        response = self.client.get(f"/en/staff/audit/export/?actor={self.mo.pk}")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(rows[0][:3], ["time", "actor", "action"])
        self.assertEqual(
            [row[2] for row in rows[1:]], ["declarations.reject", "declarations.accept"]
        )
        self.assertEqual(rows[1][1], "mo")
        self.assertIn('"reason": "spam"', rows[1][6])
        export = AuditEvent.objects.get(action="audit.exported")
        self.assertEqual(export.actor, self.alice)
        self.assertEqual(export.detail, {"rows": 2, "filters": {"actor": str(self.mo.pk)}})

    def test_csv_cells_cannot_become_formulas(self):
        AuditEvent.record(self.val, "=cmd|' /C calc'!A0")
        login_verified(self.client, self.alice)
        response = self.client.get("/en/staff/audit/export/")
        text = b"".join(response.streaming_content).decode()
        self.assertIn("'=cmd", text)

    def test_only_admins_see_the_audit_log(self):
        for user in (self.mo, self.val):
            login_verified(self.client, user)
            self.assertEqual(self.client.get("/en/staff/audit/").status_code, 403)
            self.assertEqual(self.client.get("/en/staff/audit/export/").status_code, 403)
        self.client.logout()
        response = self.client.get("/en/staff/audit/")
        self.assertRedirects(
            response, "/en/staff/login/?next=/en/staff/audit/", fetch_redirect_response=False
        )
        self.client.force_login(self.alice)  # password only, no second factor
        self.assertEqual(self.client.get("/en/staff/audit/").status_code, 302)

    def test_no_address_or_agent_in_any_audit_row(self):
        from tests.accounts.helpers import login_form

        headers = {"REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "CanaryBrowser/9.9"}
        with time_machine.travel(datetime(2026, 11, 23, 9, tzinfo=UTC), tick=False):
            self.client.post("/en/staff/login/", login_form(self.val, password="x"), **headers)
            self.client.post("/en/staff/login/", login_form(self.val), **headers)
            self.client.post("/en/staff/logout/", **headers)
        self.assertTrue(AuditEvent.objects.filter(action="login.failed").exists())
        self.assertTrue(AuditEvent.objects.filter(action="login.succeeded").exists())
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM accounts_auditevent")
            dump = repr(cursor.fetchall())
        self.assertNotIn("203.0.113", dump)
        self.assertNotIn("Canary", dump)
