"""Receipts: shown once after declaring, then the code (POSTed, never in a URL) opens the status
page, where its holder can have the published text removed."""

from django.test import override_settings

from tests.base import BaseTestCase, run_sequencer
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tuidang.declarations.models import Person, RejectionReason, Submission, TallyCounter
from tuidang.declarations.views.receipts import RECEIPT_LOOKUPS_PER_HOUR


class ReceiptTestCase(BaseTestCase):
    def declare(self, *people, lang="en"):
        """Declare through the form with a receipt; return the code the thanks page showed."""
        response = self.client.post(f"/{lang}/declare/", form_data(*people, want_receipt=True))
        self.assertEqual(response.status_code, 200)
        return receipt_code_in(response.content.decode())

    def look_up(self, code, lang="en", **extra):
        return self.client.post(f"/{lang}/receipt/", {"code": code, **extra})

    def test_the_page_speaks_each_language(self):
        for lang, title, warning in [
            ("zh-hans", "查询回执", "保存回执本身就可能成为对您不利的证据"),
            ("zh-hant", "查詢回執", "保存回執本身就可能成為對您不利的證據"),
            ("en", "Check a receipt", "Keeping a receipt can itself be evidence against you"),
        ]:
            with self.subTest(lang=lang):
                page = self.client.get(f"/{lang}/receipt/")
                self.assertContains(page, title)
                self.assertContains(page, warning)
                self.assertContains(page, 'method="post"')

    def test_the_code_shows_the_status_and_the_published_text(self):
        code = self.declare(person("守夜人", ["party", "league"], "从今天起我退出。", "CN-HB"))
        submission = Submission.objects.get()
        self.assertEqual(submission.receipt_hash, Submission.hash_receipt(code))
        for value in Submission.objects.values_list().get():
            self.assertNotIn(code.replace("-", ""), str(value))

        page = self.look_up(code, lang="zh-hans")
        self.assertContains(page, "已接受。")
        self.assertContains(page, "它将随下一批次出现在公开日志、统计和当天的名单中")
        run_sequencer()
        page = self.look_up(code, lang="zh-hans")
        self.assertContains(page, "已接受：这份声明已记入公开日志并计入统计。")
        self.assertContains(page, "守夜人")
        self.assertContains(page, "从今天起我退出。")
        self.assertContains(page, "中国共产党 · 共青团 · 湖北")
        self.assertContains(page, "日志条目 ")
        # Codes are read however they are typed: lower case, without dashes, with spaces.
        page = self.look_up(" " + code.replace("-", " ").lower() + " ", lang="zh-hant")
        self.assertContains(page, "已接受：這份聲明已記入公開日誌並計入統計。")

    @override_settings(AUTO_ACCEPT=False)
    def test_waiting_and_rejected(self):
        code = self.declare(person("晨星", ["pioneers"]), lang="zh-hant")
        page = self.look_up(code, lang="zh-hant")
        self.assertContains(page, "等待審核")
        self.assertContains(page, "將會公開的內容")
        Submission.objects.get().reject(RejectionReason.SPAM, by=self.mo, note="internal note")
        page = self.look_up(code, lang="zh-hans")
        self.assertContains(page, "未被接受。原因：垃圾信息或广告。")
        self.assertNotContains(page, "internal note")
        page = self.look_up(code, lang="en")
        self.assertContains(page, "Rejected. Reason: Spam or advertising.")

    def test_removal_asks_first_then_removes_and_keeps_the_count(self):
        code = self.declare(person("夜行", ["party"], "我退出"), person("晨光", ["league"]))
        run_sequencer()
        total = TallyCounter.snapshot()["total"]

        page = self.look_up(code)
        self.assertContains(page, 'name="action" value="remove"')
        page = self.look_up(code, action="remove")
        self.assertContains(page, "Remove the published text?")
        self.assertContains(page, 'name="confirm" value="yes"')
        self.assertEqual(Person.objects.published().count(), 2)
        self.look_up(code, action="remove", confirm="no")
        self.assertEqual(Person.objects.published().count(), 2)

        page = self.look_up(code, lang="zh-hans", action="remove", confirm="yes")
        self.assertContains(page, "这份声明中的姓名和声明内容已经删除。")
        self.assertNotContains(page, "夜行")
        self.assertNotContains(page, 'name="action" value="remove"')
        self.assertEqual(Person.objects.published().count(), 0)
        self.assertEqual(set(Person.objects.values_list("name", "statement")), {("", "")})
        self.assertIsNotNone(Submission.objects.get().removal_requested_at)
        run_sequencer()
        self.assertEqual(TallyCounter.snapshot()["total"], total)

    def test_unknown_and_missing_codes(self):
        self.declare(person("守夜人", ["party"]))
        page = self.look_up("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", lang="zh-hant")
        self.assertContains(page, "沒有與這個回執碼對應的聲明。", status_code=404)
        self.assertContains(page, 'value="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF"', status_code=404)
        page = self.look_up("x" * 5000)
        self.assertContains(page, "No declaration has this receipt code.", status_code=404)
        page = self.look_up("", lang="zh-hans")
        self.assertContains(page, "请输入您的回执码。", status_code=400)
        # An unknown code removes nothing.
        self.look_up("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", action="remove", confirm="yes")
        self.assertIsNone(Submission.objects.get().removal_requested_at)

    def test_the_code_never_travels_in_a_url(self):
        code = self.declare(person("守夜人", ["party"]))
        page = self.client.get("/en/receipt/", {"code": code})
        self.assertNotContains(page, "守夜人")
        page = self.look_up(code)
        self.assertNotContains(page, f"?code={code}")
        self.assertEqual(page["Cache-Control"].split(", ")[0], "max-age=0")

    def test_guesses_are_throttled(self):
        for _ in range(RECEIPT_LOOKUPS_PER_HOUR):
            self.assertEqual(self.look_up("AAAAA").status_code, 404)
        page = self.look_up("AAAAA", lang="zh-hans")
        self.assertContains(page, "从这个网络连接尝试的回执码太多了", status_code=429)
        self.assertIn("Retry-After", page)

    @override_settings(RATE_LIMITS=False)
    def test_no_throttle_when_rate_limits_are_off(self):
        for _ in range(RECEIPT_LOOKUPS_PER_HOUR + 5):
            self.assertEqual(self.look_up("AAAAA").status_code, 404)
