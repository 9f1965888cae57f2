"""The audit page reads as words in each language: no Python reprs ("['link']", "None",
"{'flag': ''}"), choices by their labels, and the command line named as the actor."""

import ast
import json
import re
from pathlib import Path
from unittest import mock

from tests.base import BaseTestCase, login_verified, make_submission
from tuidang.accounts.models import AuditEvent, command_line_detail
from tuidang.declarations.management.commands import housekeeping

REPR = re.compile(r"\[|\]|\{|\}|'|\bNone\b|\bTrue\b|\bFalse\b")


PACKAGE = Path(__file__).resolve().parents[2] / "tuidang"


def test_every_command_that_audits_names_the_command_line():
    """An event recorded by a ``tuidang`` command (no staff account is logged in on the
    server's terminal) carries ``command_line_detail()`` or at least ``via="command line"``;
    otherwise the audit page would say "nobody logged in"."""
    calls, unattributed = 0, []
    for path in sorted(PACKAGE.glob("*/management/commands/*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "AuditEvent"
            ):
                continue
            calls += 1
            named = any(k.arg == "via" for k in node.keywords) or any(
                k.arg is None
                and isinstance(k.value, ast.Call)
                and getattr(k.value.func, "id", "") == "command_line_detail"
                for k in node.keywords
            )
            if not named:
                unattributed.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert calls >= 10, calls  # the scan finds the commands' events
    assert unattributed == []


def detail_cells(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]*>", "", row.split("<td>")[-1]) for row in body.split("<tr>")[1:]]


class AuditTextTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        submission, _ = make_submission("Wang", statement="see www.example.com now")
        AuditEvent.record(
            self.val,
            "declarations.intake",
            submission,
            channel="phone",
            people=1234,
            status="pending",
            flags=["link", "staff_entered"],
            call=None,
        )
        AuditEvent.record(self.alice, "audit.searched", filters={"action": "logout"}, page=2)
        AuditEvent.record(
            self.alice,
            "admin.changed",
            self.val,
            changes=json.dumps([{"changed": {"fields": ["Email address"]}}]),
        )
        AuditEvent.record(None, "login.failed", self.val, reason="code")
        with mock.patch("getpass.getuser", return_value="root"):
            AuditEvent.record(
                None, "audit.exported", since=0, **command_line_detail("audit export")
            )
        submission.status = "pending"
        login_verified(self.client, self.alice)

    def page(self, language: str) -> str:
        response = self.client.get(f"/{language}/staff/audit/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_details_are_words_in_three_languages(self):
        expected = {
            "en": [
                "flags: Contains a link, Entered by staff: a second person must accept it",
                "people: 1,234",
                "channel: Telephone",
                "status: Waiting for review",
                "call: —",
                "filters: action: Logged out",
                "page: 2",
                "changes: Changed Email address.",
                "reason: wrong or missing code",
                "<td>command line: tuidang audit export (operator root)</td>",
                "Staff account #",
            ],
            "zh-hans": [
                "标记：包含链接、",
                "人数：1,234",
                "渠道：电话",
                "原因：验证码错误或缺失",
                "筛选条件：操作：退出登录",
                "<td>命令行：tuidang audit export（操作系统用户 root）</td>",
                "工作人员账户 #",
            ],
            "zh-hant": [
                "標記：",
                "人數：1,234",
                "<td>命令列：tuidang audit export（作業系統使用者 root）</td>",
                "工作人員帳號 #",
            ],
        }
        for language, texts in expected.items():
            with self.subTest(language=language):
                page = self.page(language)
                for text in texts:
                    self.assertIn(text, page)
                for cell in detail_cells(page):
                    self.assertIsNone(REPR.search(cell), cell)

    def test_housekeeping_is_attributed_to_the_command(self):
        make_submission("Li", statement="see www.example.com now")[0].reject("spam", by=self.mo)
        with mock.patch("getpass.getuser", return_value="root"):
            housekeeping.run_once()
        event = AuditEvent.objects.get(action="housekeeping.purged")
        self.assertIsNone(event.actor)
        self.assertEqual(event.detail["command"], "housekeeping")
        page = self.page("en")
        self.assertIn("<td>command line: tuidang housekeeping (operator root)</td>", page)
        self.assertNotIn("nobody logged in</span></td>\n    <td>Expired text", page)
