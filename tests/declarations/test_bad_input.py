"""Bad input found by the review (issue 8), each refused the way a user meets it."""

import json

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.base import (
    BaseTestCase,
    BrowserClient,
    login_verified,
    make_submission,
    run_sequencer,
)
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tuidang.declarations.models import Flag, Person, Submission
from tuidang.transparency.logstore import Checkpoint

# Each is a whole alias that draws nothing.
BLANK_NAMES = {
    "zero-width space": "\u200b",
    "zero-width non-joiner and joiner": "\u200c\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "left-to-right and right-to-left marks": "\u200e\u200f",
    "Hangul filler": "\u3164",
    "halfwidth Hangul filler": "\uffa0",
    "braille blank": "\u2800",
    "soft hyphen": "\u00ad",
    "tag characters": "\U000e0041\U000e007f",
    "spaces around a zero-width space": " \u200b\u3000",
    "a combining mark alone": "\u0301",
    "variation selector": "\ufe0f",
}
BLANK = {
    "en": "This name is made only of invisible characters or spaces. "
    "Enter a name or an alias that can be read.",
    "zh-hans": "这个名字只有看不见的字符或空格。请填写一个看得见的姓名或化名。",
    "zh-hant": "這個名字只有看不見的字元或空格。請填寫一個看得見的姓名或化名。",
}
NONCHARACTER = {
    "en": "Remove U+FFFF from this name: it is not a character of any script.",
    "zh-hans": "请从名字中删除 U+FFFF：它不是任何文字的字符。",
    "zh-hant": "請從名字中刪除 U+FFFF：它不是任何文字的字元。",
}
CONTROL = {
    "en": "Remove the invisible control characters from this text.",
    "zh-hans": "请删除这段文字中看不见的控制字符。",
    "zh-hant": "請刪除這段文字中看不見的控制字元。",
}
LANGUAGES = ("en", "zh-hans", "zh-hant")


def api_post(client, body, lang):
    return client.post(
        f"/api/v1/declarations?lang={lang}", json.dumps(body), content_type="application/json"
    )


class BlankNamesTestCase(BaseTestCase):
    """An alias made only of invisible characters is refused on every way in, in every language."""

    def test_the_form_refuses_them(self):
        for lang in LANGUAGES:
            for what, name in BLANK_NAMES.items():
                with self.subTest(lang=lang, name=what):
                    page = self.client.post(
                        f"/{lang}/declare/", form_data(person(name, ["party"], "我的声明"))
                    )
                    self.assertContains(page, BLANK[lang], status_code=400)
        self.assertFalse(Submission.objects.exists())

    def test_the_api_refuses_them(self):
        for lang in LANGUAGES:
            for what, name in BLANK_NAMES.items():
                with self.subTest(lang=lang, name=what):
                    response = api_post(
                        self.client, {"people": [{"name": name, "organisations": ["party"]}]}, lang
                    )
                    self.assertEqual(response.status_code, 400)
                    self.assertEqual(response.json(), {"errors": {"people[0].name": [BLANK[lang]]}})
        self.assertFalse(Submission.objects.exists())

    @time_machine.travel("2026-11-23 10:00Z", tick=False)
    def test_csv_import_refuses_them(self):
        login_verified(self.client, self.val)
        rows = "".join(f"{name},party,,,2026-11-20,phone,\n" for name in BLANK_NAMES.values())
        text = "name,organisations,region,statement,date,channel,family\n" + rows
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                response = self.client.post(
                    f"/{lang}/staff/import/",
                    {"file": SimpleUploadedFile("b.csv", text.encode(), content_type="text/csv")},
                )
                self.assertEqual(response.status_code, 200)
                page = response.content.decode()
                self.assertEqual(page.count(f"name: {BLANK[lang]}"), len(BLANK_NAMES), page)
        self.assertFalse(Submission.objects.exists())

    def test_noncharacters_and_separators_are_refused_in_names(self):
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                for name, message in [
                    ("松\uffff山", NONCHARACTER[lang]),
                    ("松山\U0010ffff", NONCHARACTER[lang].replace("U+FFFF", "U+10FFFF")),
                    ("松\ufdd0山", NONCHARACTER[lang].replace("U+FFFF", "U+FDD0")),
                    ("松\u2028山", CONTROL[lang]),
                    ("松\u2029山", CONTROL[lang]),
                ]:
                    page = self.client.post(f"/{lang}/declare/", form_data(person(name, ["party"])))
                    self.assertContains(page, message, status_code=400)
                    response = api_post(
                        self.client, {"people": [{"name": name, "organisations": ["party"]}]}, lang
                    )
                    self.assertEqual(response.json(), {"errors": {"people[0].name": [message]}})
        self.assertFalse(Submission.objects.exists())

    def test_names_with_joiners_between_letters_are_kept(self):
        # Joiners inside a name are part of some scripts and of emoji sequences.
        for name in ["می\u200cخواهم", "👨\u200d👩\u200d👧", "Ann\u00adMarie"]:
            page = self.client.post("/en/declare/", form_data(person(name, ["party"])))
            self.assertEqual(page.status_code, 200, page.content)
        self.assertEqual(
            sorted(Person.objects.values_list("name", flat=True)),
            sorted(["می\u200cخواهم", "👨\u200d👩\u200d👧", "Ann\u00adMarie"]),
        )

    def test_invisible_characters_do_not_hide_a_duplicate(self):
        make_submission("松山", region="CN-SX")
        page = self.client.post(
            "/en/declare/", form_data(person("松\u200b山\u2060", ["party"], region="CN-SX"))
        )
        self.assertEqual(page.status_code, 200)
        latest = Submission.objects.latest("pk")
        self.assertIn(Flag.DUPLICATE, latest.flags)


class RepeatedKeysTestCase(BaseTestCase):
    """A JSON object naming a key twice is refused: no reader may pick a different one."""

    def test_a_repeated_key_is_refused_and_named(self):
        for lang, message in [
            ("en", "The key “name” appears more than once in one object. Send it once."),
            ("zh-hans", "键“name”在同一个对象中出现了不止一次。请只发送一次。"),
            ("zh-hant", "鍵「name」在同一個物件中出現了不只一次。請只傳送一次。"),
        ]:
            with self.subTest(lang=lang):
                response = self.client.post(
                    f"/api/v1/declarations?lang={lang}",
                    '{"people": [{"name": "", "name": "松山", "organisations": ["party"]}]}',
                    content_type="application/json",
                )
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json(), {"errors": {"body": [message]}})
        self.assertFalse(Submission.objects.exists())

    def test_at_the_top_level_too(self):
        body = (
            '{"people": [{"name": "松山", "organisations": ["party"]}],'
            ' "date": "2026-01-01", "date": "2026-01-02"}'
        )
        response = self.client.post(
            "/api/v1/declarations?lang=en", body, content_type="application/json"
        )
        self.assertEqual(
            response.json(),
            {
                "errors": {
                    "body": ["The key “date” appears more than once in one object. Send it once."]
                }
            },
        )
        self.assertFalse(Submission.objects.exists())

    def test_the_same_key_in_different_objects_is_fine(self):
        body = {
            "people": [
                {"name": "松山", "organisations": ["party"]},
                {"name": "明月", "organisations": ["party"]},
            ]
        }
        response = api_post(self.client, body, "en")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Person.objects.count(), 2)


# Each is refused by every numeric parameter: a superscript ("²".isdigit() is True but int()
# fails), full-width digits (int() reads them), a sign, and more digits than a bigint holds.
NOT_NUMBERS = ["²", "１２", "１", "-1", "1" * 25, "9999999999999999999"]


class NumericParametersTestCase(BaseTestCase):
    """Numbers in query strings and forms: ASCII digits only, bounded, never a 500."""

    def grow(self, people: int) -> None:
        """Log ``people`` more declarations (distinct aliases: none is held as a duplicate)."""
        start = Person.objects.count()
        make_submission(*[f"人{i}" for i in range(start, start + people)], region="CN-HB")
        run_sequencer()

    def assertApiError(self, url, field, messages):
        for lang, message in messages.items():
            response = self.client.get(f"{url}&lang={lang}")
            self.assertEqual(response.status_code, 400, (url, response.content))
            self.assertEqual(response.json(), {"errors": {field: [message]}}, url)

    def test_proof_index(self):
        self.grow(3)
        for value in NOT_NUMBERS:
            with self.subTest(index=value):
                self.assertApiError(
                    f"/api/v1/proof?index={value}",
                    "index",
                    {
                        "en": "The index must be a whole number from 0.",
                        "zh-hans": "序号必须是从 0 开始的整数。",
                    },
                )
        self.assertEqual(self.client.get("/api/v1/proof?index=1").status_code, 200)

    def test_consistency_sizes(self):
        self.grow(1)
        self.grow(1)
        for value in NOT_NUMBERS:
            for query, field in [(f"old={value}&new=2", "old"), (f"old=1&new={value}", "new")]:
                with self.subTest(query=query):
                    self.assertApiError(
                        f"/api/v1/consistency?{query}",
                        field,
                        {"en": "The size must be a whole number from 0."},
                    )
        self.assertEqual(self.client.get("/api/v1/consistency?old=1&new=2").status_code, 200)

    def test_checkpoints_page(self):
        self.grow(1)
        for value in [*NOT_NUMBERS, "0"]:
            with self.subTest(page=value):
                self.assertApiError(
                    f"/api/v1/checkpoints?page={value}",
                    "page",
                    {"en": "The page must be a whole number from 1."},
                )
                # The page falls back to the first page.
                page = self.client.get(f"/en/log/checkpoints/?page={value}")
                self.assertContains(page, Checkpoint.objects.get().root_b64)
        self.assertEqual(self.client.get("/api/v1/checkpoints?page=1").status_code, 200)
        self.assertEqual(self.client.get("/en/log/checkpoints/?page=1").status_code, 200)

    def test_statements_page(self):
        self.grow(1)
        today = Person.objects.get().submission.declared_on.isoformat()
        for value in NOT_NUMBERS:
            with self.subTest(page=value):
                self.assertApiError(
                    f"/api/v1/statements?date={today}&page={value}",
                    "page",
                    {"en": "The page must be a whole number from 1."},
                )
                page = self.client.get(f"/en/statements/{today}/?page={value}")
                self.assertContains(page, "There is no page", status_code=404)
        ok = self.client.get(f"/api/v1/statements?date={today}&page=1")
        self.assertEqual(ok.status_code, 200)
        self.assertContains(self.client.get(f"/en/statements/{today}/?page=1"), "人0")

    def test_receipt_leaf(self):
        response = self.client.post(
            "/en/declare/", form_data(person("自己", ["party"]), want_receipt=True)
        )
        code = receipt_code_in(response.content.decode())
        run_sequencer()
        for value in NOT_NUMBERS:
            with self.subTest(leaf=value):
                response = self.client.post(
                    "/zh-hans/receipt/", {"code": code, "action": "proof", "leaf": value}
                )
                self.assertNotIn("Content-Disposition", response)
                self.assertContains(response, "这份声明没有这个日志条目。")
        response = self.client.post("/en/receipt/", {"code": code, "action": "proof", "leaf": "0"})
        self.assertIn("Content-Disposition", response)

    def test_remove_a_person_from_the_form(self):
        two = [person("松山", ["party"]), person("明月", ["party"])]
        for value in NOT_NUMBERS:
            with self.subTest(remove=value):
                page = self.client.post("/en/declare/", form_data(*two, remove=value))
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, 'value="松山"')
                self.assertContains(page, 'value="明月"')
        page = self.client.post("/en/declare/", form_data(*two, remove="1"))
        self.assertContains(page, 'value="松山"')
        self.assertNotContains(page, 'value="明月"')
        self.assertFalse(Submission.objects.exists())

    def test_staff_pages(self):
        login_verified(self.client, self.val)
        for value in [*NOT_NUMBERS, "x"]:
            with self.subTest(total=value):
                page = self.client.post(
                    "/en/staff/intake/",
                    {
                        "person-TOTAL_FORMS": value,
                        "person-INITIAL_FORMS": "0",
                        "person-0-name": "松山",
                        "channel": "phone",
                        "declared_on": "2026-11-20",
                        "add": "1",
                    },
                )
                self.assertContains(page, 'value="2" id="id_person-TOTAL_FORMS"')
                self.assertContains(page, 'value="松山"')
        login_verified(self.client, self.mo)
        make_submission("等待", statement="http://example.com")
        for value in NOT_NUMBERS:
            with self.subTest(page=value):
                page = self.client.get(f"/en/staff/queue/?page={value}")
                self.assertContains(page, "等待")


class ClientWithoutHost(BrowserClient):
    """A client that sends HTTP/1.1 requests with no Host header at all."""

    def _base_environ(self, **request):
        environ = super()._base_environ(**request)
        environ.pop("HTTP_HOST", None)
        return environ


class HostTestCase(BaseTestCase):
    def test_http_1_1_without_host_is_400(self):
        client = ClientWithoutHost()
        for lang, message in [
            ("en", "This request has no Host header, which HTTP/1.1 requires."),
            ("zh-hans", "此请求没有 HTTP/1.1 必需的 Host 请求头。"),
            ("zh-hant", "此請求沒有 HTTP/1.1 必需的 Host 標頭。"),
        ]:
            with self.subTest(lang=lang):
                response = client.get("/en/", HTTP_ACCEPT_LANGUAGE=lang)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.content.decode(), message + "\n")
                self.assertEqual(response["Content-Language"], lang)
        body = {"people": [{"name": "松山", "organisations": ["party"]}]}
        response = client.post(
            "/api/v1/declarations", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Submission.objects.exists())

    def test_http_1_0_without_host_is_served(self):
        response = ClientWithoutHost().get("/en/", SERVER_PROTOCOL="HTTP/1.0")
        self.assertContains(response, "<html")

    def test_an_unknown_host_is_logged_once_as_a_warning_without_traceback(self):
        with self.assertLogs("django.security.DisallowedHost", "DEBUG") as logs:
            for _attempt in range(3):
                response = self.client.get("/en/", HTTP_HOST="unknown-host-1.example")
                self.assertEqual(response.status_code, 400)
            self.client.get("/en/", HTTP_HOST="unknown-host-2.example")
        self.assertEqual(
            [(r.levelname, r.exc_info, r.exc_text) for r in logs.records],
            [("WARNING", None, None)] * 2,
        )
        self.assertEqual(
            logs.output,
            [
                "WARNING:django.security.DisallowedHost:Invalid HTTP_HOST header: "
                "'unknown-host-1.example'. You may need to add 'unknown-host-1.example' "
                "to ALLOWED_HOSTS.",
                "WARNING:django.security.DisallowedHost:Invalid HTTP_HOST header: "
                "'unknown-host-2.example'. You may need to add 'unknown-host-2.example' "
                "to ALLOWED_HOSTS.",
            ],
        )


class ErrorLanguageTestCase(BaseTestCase):
    """An API error says in ``Content-Language`` the language its text is written in."""

    def assertSpeaks(self, response, lang, text):
        self.assertGreaterEqual(response.status_code, 400)
        self.assertIn(text, response.content.decode())
        self.assertEqual(response["Content-Language"], lang)

    def test_intake_errors(self):
        for lang, method, empty_name in [
            ("en", "Send declarations with POST.", "Enter a name or an alias."),
            ("zh-hans", "请用 POST 方法提交声明。", "请填写姓名或化名。"),
            ("zh-hant", "請用 POST 方法送出聲明。", "請填寫姓名或化名。"),
        ]:
            other = "zh-hans" if lang == "en" else "en"
            with self.subTest(lang=lang):
                # ?lang= wins over Accept-Language; the header must follow the text.
                url = f"/api/v1/declarations?lang={lang}"
                response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=other)
                self.assertSpeaks(response, lang, method)
                response = api_post(
                    self.client, {"people": [{"name": "", "organisations": ["party"]}]}, lang
                )
                self.assertSpeaks(response, lang, empty_name)
                response = self.client.post(
                    url, "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE=other
                )
                self.assertSpeaks(response, lang, "JSON")
                # Without ?lang=, Accept-Language.
                response = self.client.post(
                    "/api/v1/declarations",
                    "[]",
                    content_type="application/json",
                    HTTP_ACCEPT_LANGUAGE=lang,
                )
                self.assertEqual(response["Content-Language"], lang)
        self.assertFalse(Submission.objects.exists())

    def test_read_api_errors(self):
        for lang, page_message in [
            ("en", "The page must be a whole number from 1."),
            ("zh-hans", "页码必须是从 1 开始的整数。"),
            ("zh-hant", "頁碼必須是從 1 開始的整數。"),
        ]:
            other = "zh-hans" if lang == "en" else "en"
            with self.subTest(lang=lang):
                for url in [
                    f"/api/v1/checkpoints?page=x&lang={lang}",
                    f"/api/v1/statements?page=x&lang={lang}",
                ]:
                    response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=other)
                    self.assertSpeaks(response, lang, page_message)
                response = self.client.get("/api/v1/checkpoints?page=x", HTTP_ACCEPT_LANGUAGE=lang)
                self.assertSpeaks(response, lang, page_message)
                response = self.client.get(
                    f"/api/v1/proof?index=x&lang={lang}", HTTP_ACCEPT_LANGUAGE=other
                )
                self.assertEqual(response["Content-Language"], lang)
