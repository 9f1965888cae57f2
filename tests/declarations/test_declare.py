"""The public declaration form, driven as a declarant's browser drives it (no JavaScript)."""

import re
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from tests.base import BaseTestCase, run_sequencer
from tuidang.declarations.models import Channel, Person, Status, Submission, TallyCounter


def person(name="", organisations=(), statement="", region=""):
    return {
        "name": name,
        "organisations": list(organisations),
        "statement": statement,
        "region": region,
    }


def form_data(*people, declared_on=None, contact="", want_receipt=False, **extra) -> dict:
    """The POST body the declaration page's form sends for these people."""
    data = {
        "person-TOTAL_FORMS": str(len(people)),
        "person-INITIAL_FORMS": "0",
        "declared_on": (declared_on or timezone.localdate()).isoformat()
        if not isinstance(declared_on, str)
        else declared_on,
        "contact": contact,
        **extra,
    }
    if want_receipt:
        data["want_receipt"] = "on"
    for index, p in enumerate(people):
        for key, value in p.items():
            data[f"person-{index}-{key}"] = value
    return data


def receipt_code_in(html: str) -> str | None:
    """The code as the page shows it (its groups are drawn as separate, unbreakable spans)."""
    match = re.search(r'class="receipt-code">(.*?)</p>', html)
    return re.sub(r"<[^>]*>", "", match.group(1)) if match else None


class DeclareFormTestCase(BaseTestCase):
    def post(self, lang, data, **kwargs):
        return self.client.post(f"/{lang}/declare/", data, **kwargs)

    def test_a_family_of_three_declares_in_traditional_chinese(self):
        run_sequencer()
        before = TallyCounter.snapshot()
        page = self.client.get("/zh-hant/declare/")
        self.assertContains(page, "聲明三退")
        self.assertContains(page, '<html lang="zh-hant">')

        response = self.post(
            "zh-hant",
            form_data(
                person("松山", ["party", "league"], "我退出中共及其附屬組織。", "CN-SX"),
                person("明月", ["league"], "", "CN-SX"),
                person("清風", ["pioneers", "party"], "", "US"),
            ),
        )
        thanks = response
        self.assertContains(thanks, "已接受。")
        self.assertContains(thanks, "它將隨下一批次出現在公開日誌、統計和當天的名單中")
        self.assertContains(thanks, "這份聲明中的人數：3")
        self.assertNotContains(thanks, "receipt-code")

        submission = Submission.objects.get()
        self.assertEqual(submission.status, Status.ACCEPTED)
        self.assertEqual(submission.channel, Channel.WEB)
        self.assertEqual(submission.language, "zh-hant")
        self.assertIsNone(submission.receipt_hash)
        self.assertIsNone(submission.sealed_contact)
        run_sequencer()
        published = Person.objects.published()
        self.assertEqual(sorted(p.name for p in published), sorted(["松山", "明月", "清風"]))
        self.assertEqual(published.get(name="松山").statement, "我退出中共及其附屬組織。")
        after = TallyCounter.snapshot()

        def rise(key):
            return after.get(key, 0) - before.get(key, 0)

        self.assertEqual(rise("total"), 3)
        self.assertEqual(rise("org:party"), 2)
        self.assertEqual(rise("org:league"), 2)
        self.assertEqual(rise("org:pioneers"), 1)
        self.assertEqual(rise("channel:web"), 3)
        self.assertEqual(rise("region:CN-SX"), 2)
        self.assertEqual(rise("region:abroad"), 1)
        self.assertEqual(rise("country:US"), 1)

    @override_settings(AUTO_ACCEPT=False)
    def test_thanks_says_when_a_declaration_waits_for_review(self):
        thanks = self.post("zh-hans", form_data(person("晨星", ["pioneers"])))
        self.assertContains(thanks, "等待审核：审核员查看后才会公布并计入统计。")
        self.assertContains(thanks, "这份声明中的人数：1")
        self.assertEqual(Submission.objects.get().status, Status.PENDING)

    def test_the_form_speaks_each_language(self):
        expected = {
            "zh-hans": [
                "声明三退",
                "再添加一人",
                "提交声明",
                "姓名或化名",
                "中国共产党",
                "陕西",
                "请使用化名",
            ],
            "zh-hant": [
                "聲明三退",
                "再新增一人",
                "送出聲明",
                "姓名或化名",
                "中國共產黨",
                "陝西",
                "請使用化名",
            ],
            "en": [
                "Declare your withdrawal",
                "Add another person",
                "Send the declaration",
                "Name or alias",
                "Chinese Communist Party",
                "Shaanxi",
                "use an alias",
            ],
        }
        for lang, texts in expected.items():
            with self.subTest(lang=lang):
                page = self.client.get(f"/{lang}/declare/")
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, f'<html lang="{lang}">')
                for text in texts:
                    self.assertContains(page, text)
                # One person block by default, with today's date.
                self.assertContains(page, 'name="person-TOTAL_FORMS" value="1"')
                self.assertContains(page, f'value="{timezone.localdate().isoformat()}"')

    def test_the_page_is_light(self):
        page = self.client.get("/zh-hans/declare/")
        html = page.content.decode()
        self.assertLess(len(page.content), 24_000)
        self.assertNotIn("<img", html)
        self.assertNotIn("<script", html)
        self.assertNotIn("http://", html)
        self.assertNotIn("https://", html)

    def test_add_another_person_keeps_everything_typed(self):
        data = form_data(
            person("松山", ["league"], "第一行\n第二行", "CN-SC"),
            contact="Signal: +1 555 0100",
            want_receipt=True,
            declared_on="2020-05-04",
            add="1",
        )
        page = self.post("en", data)
        self.assertEqual(page.status_code, 200)
        self.assertFalse(Submission.objects.exists())
        self.assertContains(page, 'name="person-TOTAL_FORMS" value="2"')
        self.assertContains(page, 'name="person-1-name"')
        self.assertContains(page, 'name="person-0-name" id="id_person-0-name" value="松山"')
        self.assertContains(page, 'value="league" id="id_person-0-organisations_1" checked')
        self.assertContains(page, "第一行\n第二行</textarea>")
        self.assertContains(page, '<option value="CN-SC" selected>')
        self.assertContains(page, "Signal: +1 555 0100</textarea>")
        self.assertContains(page, 'value="2020-05-04"')
        self.assertContains(page, 'name="want_receipt" id="id_want_receipt" checked')
        # Nothing was wrong yet, so nothing is reported as wrong.
        self.assertNotContains(page, "errorlist")
        self.assertNotContains(page, 'role="alert"')

        # The second person is typed in and the first one removed: the second keeps its data.
        data = form_data(
            person("松山", ["league"]), person("明月", ["party"], "我也退", "CN-BJ"), remove="0"
        )
        page = self.post("en", data)
        self.assertContains(page, 'name="person-TOTAL_FORMS" value="1"')
        self.assertContains(page, 'name="person-0-name" id="id_person-0-name" value="明月"')
        self.assertContains(page, "我也退</textarea>")
        self.assertContains(page, '<option value="CN-BJ" selected>')
        self.assertNotContains(page, "松山")
        self.assertNotContains(page, "Remove person 1")  # the only person cannot be removed

    def test_a_family_can_grow_to_ten_and_no_further(self):
        people = [person(f"家人{i}", ["party"]) for i in range(9)]
        page = self.post("zh-hans", form_data(*people, add="1"))
        self.assertContains(page, 'name="person-TOTAL_FORMS" value="10"')
        self.assertNotContains(page, "再添加一人")
        page = self.post("zh-hans", form_data(*people, person("第十", ["party"]), add="1"))
        self.assertContains(page, 'name="person-TOTAL_FORMS" value="10"')

    def test_an_added_block_left_empty_is_ignored(self):
        response = self.post("en", form_data(person("孤松", ["party"]), person()))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Submission.objects.get().people.count(), 1)

    def test_enter_in_a_field_sends_rather_than_adds(self):
        html = self.client.get("/en/declare/").content.decode()
        form = html[html.index("<form") :]
        first_button = re.search(r"<button[^>]*>", form).group(0)
        self.assertIn('name="send"', first_button)

    def test_thanks_shows_the_receipt_once(self):
        thanks = self.post("en", form_data(person("守夜人", ["party"]), want_receipt=True))
        code = receipt_code_in(thanks.content.decode())
        self.assertIsNotNone(code)
        self.assertContains(thanks, "Keeping a receipt can itself be evidence against you")
        self.assertContains(thanks, "Do not reload it")
        self.assertIn("no-store", thanks["Cache-Control"])
        self.assertEqual(Submission.objects.get().receipt_hash, Submission.hash_receipt(code))

        again = self.client.get("/en/declare/thanks/")
        self.assertNotContains(again, code)
        self.assertContains(again, "Nothing more to show")


class BadInputTestCase(BaseTestCase):
    """Each mistake is named in the page's language and every valid value comes back."""

    def post(self, lang, *people, **kwargs):
        return self.client.post(f"/{lang}/declare/", form_data(*people, **kwargs))

    def assertRefused(self, response, message):
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, message, status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_empty_alias(self):
        page = self.post(
            "zh-hans", person("   ", ["party"], "我的声明", "CN-GD"), contact="微信 abc"
        )
        self.assertRefused(page, "请填写姓名或化名。")
        self.assertContains(page, "您填写的内容有需要更正的地方", status_code=400)
        self.assertContains(page, "我的声明</textarea>", status_code=400)
        self.assertContains(page, '<option value="CN-GD" selected>', status_code=400)
        self.assertContains(page, "微信 abc</textarea>", status_code=400)
        self.assertContains(
            page, 'value="party" id="id_person-0-organisations_0" checked', status_code=400
        )

    def test_no_organisation(self):
        page = self.post("zh-hant", person("松山", [], "聲明"))
        self.assertRefused(page, "請至少選擇一個要退出的組織。")
        self.assertContains(page, 'value="松山"', status_code=400)

    def test_unknown_organisation(self):
        page = self.post("en", person("Pine", ["party", "freemasons"]))
        self.assertRefused(page, "Unknown organisation: freemasons.")
        self.assertContains(page, 'value="Pine"', status_code=400)

    def test_unknown_organisation_with_a_nul_byte(self):
        page = self.post("en", person("Pine", ["par\x00ty"]))
        self.assertRefused(page, "Null characters are not allowed.")

    def test_unknown_region(self):
        page = self.post("zh-hans", person("松山", ["party"], region="CN-XX"))
        self.assertRefused(page, "未知的地区：CN-XX。")

    def test_too_long_texts(self):
        page = self.post("zh-hans", person("松" * 61, ["party"], "退" * 2001))
        self.assertRefused(page, "最多 60 个字（现有 61 个）。")
        self.assertContains(page, "最多 2000 个字（现有 2001 个）。", status_code=400)
        self.assertContains(page, "退" * 2001, status_code=400)

    def test_a_future_date(self):
        tomorrow = timezone.localdate() + timedelta(days=2)
        page = self.post("zh-hant", person("松山", ["party"]), declared_on=tomorrow)
        self.assertRefused(page, "聲明日期不能晚於今天。")
        self.assertContains(page, f'value="{tomorrow.isoformat()}"', status_code=400)

    def test_eleven_people(self):
        people = [person(f"家人{i}", ["party"]) for i in range(11)]
        page = self.post("zh-hans", *people)
        self.assertRefused(page, "一次最多可以提交 10 个人的声明。")

    def test_control_characters(self):
        page = self.post("zh-hans", person("松\x07山", ["party"], "退\u202e党"))
        self.assertRefused(page, "请删除这段文字中看不见的控制字符。")

    def test_invalid_utf8(self):
        body = (
            "person-TOTAL_FORMS=1&person-INITIAL_FORMS=0&person-0-name=%E6%9D%BE%FF"
            f"&person-0-organisations=party&declared_on={timezone.localdate().isoformat()}"
        )
        page = self.client.post(
            "/zh-hant/declare/", body, content_type="application/x-www-form-urlencoded"
        )
        self.assertRefused(page, "您送出的部分內容無法讀取")
        # Raw (not percent-encoded) UTF-8, as some scripts send it, is fine.
        body = body.replace("%E6%9D%BE%FF", "松")
        response = self.client.post(
            "/zh-hant/declare/", body.encode(), content_type="application/x-www-form-urlencoded"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Person.objects.get().name, "松")


class RateLimitTestCase(BaseTestCase):
    def declare(self, name, lang="zh-hans"):
        return self.client.post(f"/{lang}/declare/", form_data(person(name, ["party"], "我的话")))

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2)
    def test_too_many_submissions_get_429_and_keep_what_was_typed(self):
        self.assertEqual(self.declare("一").status_code, 200)
        self.assertEqual(self.declare("二").status_code, 200)
        page = self.declare("三", lang="zh-hant")
        self.assertEqual(page.status_code, 429)
        self.assertContains(page, "過去一小時內從這個網路連線送出的聲明太多了", status_code=429)
        self.assertContains(page, 'value="三"', status_code=429)
        self.assertGreater(int(page["Retry-After"]), 0)
        self.assertEqual(Submission.objects.count(), 2)

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2, RATE_LIMITS=False)
    def test_rate_limits_off(self):
        for name in ["一", "二", "三", "四"]:
            self.assertEqual(self.declare(name).status_code, 200)
        self.assertEqual(Submission.objects.count(), 4)

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2)
    def test_mistakes_do_not_use_up_the_limit(self):
        for _ in range(3):
            self.client.post("/en/declare/", form_data(person("", ["party"])))
        self.assertEqual(self.declare("一").status_code, 200)
