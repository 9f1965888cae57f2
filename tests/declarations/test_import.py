from datetime import date
from io import StringIO
from pathlib import Path

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tuidang.accounts.models import AuditEvent
from tuidang.declarations import csvimport
from tuidang.declarations.models import Channel, Person, Status, Submission, TallyCounter

URL = "/{lang}/staff/import/"
HEADER = "name,organisations,region,statement,date,channel,family\n"
EXAMPLE = Path(__file__).parents[2] / "tuidang/static/declarations/import-example.csv"


def csv_file(text: str, encoding: str = "utf-8", name: str = "batch.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


TEN_ROWS = (
    HEADER
    + "松山,party;league,CN-SX,我退出,2026-11-20,phone,\n"  # line 2
    + "明月,league,CN-SD,,2026-11-20,post,\n"  # 3
    + "清风,pioneers,,,2026-11-19,fax,\n"  # 4
    + ",party,CN-BJ,,2026-11-20,phone,\n"  # 5: no name
    + "Far Away,party,UA,I quit.,2026-11-18,email,\n"  # 6
    + "晨曦,party|pioneers,CN-GD,,2026-11-20,phone,\n"  # 7
    + '夜雨,party,CN-HB,"第一行\n第二行",2026-11-20,post,\n'  # 8-9: a statement over two lines
    + "白云,church,CN-HN,,2026-11-20,phone,\n"  # 10: unknown organisation
    + "春风,league,cn-zj,,2026-11-17,Phone,\n"  # 11: codes in any case
    + "秋水,party,CN-JL,,2026-11-16,post,\n"  # 12
)


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class ImportPageTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        login_verified(self.client, self.val)

    def test_the_page_documents_the_format_in_every_language(self):
        for lang, heading, family_rule in [
            ("zh-hans", "导入转录的声明", "同一家庭只要有一行有错，这个家庭的所有行都不导入"),
            ("zh-hant", "匯入轉錄的聲明", "同一家庭只要有一筆有錯，這個家庭的所有資料都不匯入"),
            (
                "en",
                "Import transcribed declarations",
                "If one row of a family is bad, none of that family",
            ),
        ]:
            response = self.client.get(URL.format(lang=lang))
            self.assertContains(response, heading)
            self.assertContains(response, family_rule)
            self.assertContains(response, "<code>organisations</code>")
            self.assertContains(response, '/static/declarations/import-example.csv" download')

    def test_ten_rows_with_two_bad_ones_keeps_eight_and_reports_the_two_by_line(self):
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(TEN_ROWS)})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "8 people kept")
        self.assertContains(response, "2 rows not imported.")
        errors = response.context["saved"].errors
        self.assertEqual([e.line for e in errors], [5, 10])
        self.assertContains(
            response, '<td class="num">5</td><td>name: Enter a name or an alias.</td>'
        )
        self.assertIn("organisations:", errors[1].message)
        self.assertIn("church", errors[1].message)
        self.assertEqual(Submission.objects.count(), 8)
        self.assertEqual(
            set(Submission.objects.values_list("entered_by", flat=True)), {self.val.pk}
        )
        spring = Person.objects.get(name="春风")
        self.assertEqual((spring.region, spring.submission.channel), ("CN-ZJ", Channel.PHONE))
        self.assertEqual(Person.objects.get(name="夜雨").statement, "第一行\n第二行")
        self.assertEqual(
            Person.objects.get(name="Far Away").submission.declared_on, date(2026, 11, 18)
        )
        # Four eyes: nothing a volunteer imports is counted before a moderator accepts it.
        self.assertContains(response, "0 accepted, 8 waiting for review")
        run_sequencer()
        self.assertNotIn("total", TallyCounter.snapshot())
        event = AuditEvent.objects.get(action="declarations.import")
        self.assertEqual(event.actor, self.val)
        self.assertEqual(
            {
                k: event.detail[k]
                for k in ("submissions", "people", "accepted", "queued", "bad_rows")
            },
            {"submissions": 8, "people": 8, "accepted": 0, "queued": 8, "bad_rows": 2},
        )

    def test_bad_rows_are_explained_in_every_language(self):
        text = HEADER + ",party,,,2026-11-20,phone,\n" + "山,party,,,2030-01-01,phone,\n"
        for lang, name_error, date_error in [
            ("zh-hans", "2 行未导入", "2 行未导入"),
            ("zh-hant", "2 筆資料未匯入", "2 筆資料未匯入"),
            ("en", "2 rows not imported", "name: Enter a name or an alias."),
        ]:
            response = self.client.post(URL.format(lang=lang), {"file": csv_file(text)})
            self.assertContains(response, name_error)
            self.assertContains(response, date_error)
        self.assertFalse(Submission.objects.exists())

    def test_wrong_columns_import_nothing(self):
        text = "name,orgs,region,date,channel,notes\n松山,party,CN-SX,2026-11-20,phone,x\n"
        for lang, message in [
            ("zh-hans", "缺少列：organisations。 未知的列：orgs, notes。"),
            ("zh-hant", "缺少欄位：organisations。 未知的欄位：orgs, notes。"),
            ("en", "Missing columns: organisations. Unknown columns: orgs, notes."),
        ]:
            response = self.client.post(URL.format(lang=lang), {"file": csv_file(text)})
            self.assertContains(response, message)
            self.assertIsNone(response.context["saved"])
        self.assertFalse(Submission.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="declarations.import").exists())

    def test_a_file_without_header_is_refused(self):
        response = self.client.post(
            URL.format(lang="en"), {"file": csv_file("松山,party,CN-SX,,2026-11-20,phone,\n")}
        )
        self.assertContains(response, "The first line must be the header")
        self.assertFalse(Submission.objects.exists())

    def test_wrong_encoding_imports_nothing(self):
        text = HEADER + "松山,party,CN-SX,我声明退出共产党,2026-11-20,phone,\n"
        for lang, message in [
            ("zh-hans", "文件不是 UTF-8 文本（第 2 行无法读取）"),
            ("zh-hant", "檔案不是 UTF-8 文字（第 2 行無法讀取）"),
            ("en", "The file is not UTF-8 text (line 2 cannot be read)"),
        ]:
            response = self.client.post(URL.format(lang=lang), {"file": csv_file(text, "gb18030")})
            self.assertContains(response, message)
        self.assertFalse(Submission.objects.exists())

    def test_a_byte_order_mark_is_fine(self):
        text = "\ufeff" + HEADER + "松山,party,CN-SX,,2026-11-20,phone,\n"
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(text)})
        self.assertContains(response, "1 person kept")
        self.assertEqual(Person.objects.get().name, "松山")

    def test_empty_files_import_nothing(self):
        for content, lang, message in [
            ("", "zh-hans", "文件是空的。"),
            ("  \n\n", "zh-hant", "檔案是空的。"),
            (HEADER, "en", "The file has a header but no rows."),
        ]:
            response = self.client.post(URL.format(lang=lang), {"file": csv_file(content)})
            self.assertContains(response, message)
        self.assertFalse(Submission.objects.exists())

    def test_no_file_chosen(self):
        response = self.client.post(URL.format(lang="zh-hans"), {})
        self.assertContains(response, "请选择要导入的 CSV 文件。")

    def test_too_many_rows_imports_nothing(self):
        rows = "".join(f"人{i},party,,,2026-11-20,post,\n" for i in range(csvimport.MAX_ROWS + 1))
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(HEADER + rows)})
        self.assertContains(response, "more than 5000 rows")
        self.assertFalse(Submission.objects.exists())

    def test_too_large_a_file_imports_nothing(self):
        big = HEADER + "松山,party,,," + "x" * csvimport.MAX_BYTES + ",2026-11-20,post,\n"
        response = self.client.post(URL.format(lang="zh-hans"), {"file": csv_file(big)})
        self.assertContains(response, "文件太大")
        self.assertFalse(Submission.objects.exists())

    def test_families_become_one_submission_each(self):
        text = (
            HEADER
            + "王一,party,CN-SD,,2026-11-20,post,wang\n"  # 2
            + "王二,league,CN-SD,,2026-11-20,post,wang\n"  # 3
            + "王三,pioneers,CN-SD,,2026-11-20,post,wang\n"  # 4
            + "独行,party,,,2026-11-20,post,\n"  # 5
            + "李一,party,CN-SC,,2026-11-19,phone,li\n"  # 6
            + "李二,league,CN-SC,,2026-11-19,phone,li\n"  # 7
        )
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(text)})
        self.assertContains(response, "6 people kept")
        self.assertEqual(Submission.objects.count(), 3)
        wang = Person.objects.get(name="王一").submission
        self.assertEqual([p.name for p in wang.people.all()], ["王一", "王二", "王三"])
        self.assertEqual(wang.channel, Channel.POST)
        self.assertEqual(Person.objects.get(name="李二").submission.people.count(), 2)

    def test_a_family_with_one_bad_row_is_not_imported_at_all(self):
        text = (
            HEADER
            + "王一,party,CN-SD,,2026-11-20,post,wang\n"  # 2
            + "王二,party,XX,,2026-11-20,post,wang\n"  # 3: unknown region
            + "王三,pioneers,CN-SD,,2026-11-20,post,wang\n"  # 4
            + "独行,party,,,2026-11-20,post,\n"  # 5
        )
        for lang, reason in [
            ("zh-hans", "未导入，因为同一家庭（“wang”）的其他行有错误，见第 3 行。"),
            ("zh-hant", "未匯入，因為同一家庭（「wang」）的其他資料有錯誤，見第 3 行。"),
            (
                "en",
                "Not imported because another row of its family (“wang”) has an error, on line 3.",
            ),
        ]:
            response = self.client.post(URL.format(lang=lang), {"file": csv_file(text)})
            errors = response.context["saved"].errors
            self.assertEqual([e.line for e in errors], [2, 3, 4])
            self.assertIn("region:", errors[1].message)
            self.assertContains(response, reason)
        self.assertEqual(list(Person.objects.values_list("name", flat=True)), ["独行"] * 3)

    def test_a_family_must_share_date_and_channel(self):
        text = (
            HEADER + "王一,party,,,2026-11-20,post,wang\n" + "王二,party,,,2026-11-19,post,wang\n"
        )
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(text)})
        self.assertContains(response, "same date and channel as its first row (line 2)")
        self.assertFalse(Submission.objects.exists())

    def test_flagged_rows_wait_in_the_queue(self):
        make_submission("青松", region="CN-BJ")
        text = HEADER + "青松,party,CN-BJ,,2026-11-20,phone,\n"
        response = self.client.post(URL.format(lang="en"), {"file": csv_file(text)})
        self.assertContains(response, "0 accepted, 1 waiting for review")
        self.assertEqual(Submission.objects.get(entered_by=self.val).status, Status.PENDING)

    def test_the_example_file_imports_cleanly(self):
        response = self.client.post(
            URL.format(lang="en"), {"file": SimpleUploadedFile("example.csv", EXAMPLE.read_bytes())}
        )
        self.assertEqual(response.context["saved"].errors, [])
        self.assertEqual(Person.objects.count(), 4)
        self.assertEqual(Submission.objects.count(), 3)


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class ImportParserTestCase(BaseTestCase):
    """The parser alone: no request, nothing written."""

    def test_line_numbers_count_physical_lines_and_skip_blank_ones(self):
        text = (
            HEADER + '甲,party,,"a\nb\nc",2026-11-20,post,\n' + "\n" + ",party,,,2026-11-20,post,\n"
        )
        with translation.override("en"):
            parsed = csvimport.parse(text.encode())
        self.assertEqual([f.lines for f in parsed.families], [[2]])
        self.assertEqual([e.line for e in parsed.errors], [6])
        self.assertFalse(Submission.objects.exists())

    def test_too_many_fields(self):
        with translation.override("en"):
            parsed = csvimport.parse((HEADER + "甲,party,,,2026-11-20,post,,extra\n").encode())
        self.assertEqual(parsed.errors[0].message, "This line has 8 fields but the header has 7.")

    def test_columns_in_any_order_and_optional_ones_left_out(self):
        parsed = csvimport.parse(
            b"Channel,DATE,organisations,name\npost,2026-11-20,party,\xe7\x94\xb2\n"
        )
        self.assertEqual(parsed.errors, [])
        self.assertEqual(parsed.families[0].people[0]["name"], "甲")
        self.assertEqual(parsed.families[0].people[0]["region"], "")

    def test_a_family_larger_than_ten_is_refused(self):
        rows = "".join(f"人{i},party,,,2026-11-20,post,big\n" for i in range(11))
        with translation.override("en"):
            parsed = csvimport.parse((HEADER + rows).encode())
        self.assertEqual(parsed.families, [])
        self.assertEqual(len(parsed.errors), 11)
        self.assertIn("at most 10 people", parsed.errors[-1].message)


@time_machine.travel("2026-11-23 10:00Z", tick=False)
class ImportCommandTestCase(BaseTestCase):
    def write(self, text: str, encoding: str = "utf-8") -> Path:
        path = Path(self.enterContext(__import__("tempfile").TemporaryDirectory())) / "batch.csv"
        path.write_bytes(text.encode(encoding))
        return path

    def test_the_command_imports_and_reports_bad_lines(self):
        out, err = StringIO(), StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("importcsv", self.write(TEN_ROWS), user="val", stdout=out, stderr=err)
        self.assertIn("2 rows not imported", str(raised.exception))
        self.assertIn(
            "8 people imported in 8 submissions (0 accepted, 8 waiting for review)", out.getvalue()
        )
        self.assertIn("line 5: name: Enter a name or an alias.", err.getvalue())
        self.assertIn("line 10: organisations:", err.getvalue())
        self.assertEqual(Submission.objects.count(), 8)
        event = AuditEvent.objects.get(action="declarations.import")
        self.assertEqual((event.actor, event.detail["source"]), (self.val, "command"))

    def test_a_clean_file_exits_quietly(self):
        out = StringIO()
        call_command(
            "importcsv", self.write(HEADER + "甲,party,,,2026-11-20,post,\n"), user="mo", stdout=out
        )
        self.assertIn("1 person imported in 1 submission (0 accepted, 1 waiting", out.getvalue())
        self.assertEqual(Submission.objects.get().entered_by, self.mo)

    def test_the_command_refuses_a_wrong_file_whole(self):
        with self.assertRaises(CommandError) as raised:
            call_command(
                "importcsv",
                self.write(HEADER + "甲,party,,,2026-11-20,post,\n", "utf-16"),
                user="val",
            )
        self.assertIn("not UTF-8", str(raised.exception))
        self.assertEqual(raised.exception.returncode, 2)
        self.assertFalse(Submission.objects.exists())

    def test_the_command_needs_a_staff_member(self):
        from django.contrib.auth.models import User

        User.objects.create_user("stranger")
        for username in ("stranger", "nobody"):
            with self.assertRaises(CommandError):
                call_command("importcsv", self.write(HEADER), user=username)
