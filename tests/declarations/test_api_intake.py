"""POST /api/v1/declarations: the form's rules and moderation, in JSON, for partner channels."""

import json
from datetime import timedelta

from django.test import Client, override_settings
from django.utils import timezone

from tests.base import BaseTestCase, run_sequencer
from tuidang.declarations.models import Channel, Person, Status, Submission, TallyCounter

URL = "/api/v1/declarations"


class ApiTestCase(BaseTestCase):
    def send(self, body=None, lang=None, raw=None, **headers):
        """POST ``body`` as JSON, or ``raw`` (text or bytes) as it is."""
        url = f"{URL}?lang={lang}" if lang else URL
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(url, data, content_type="application/json", **headers)

    def assertErrors(self, response, expected: dict, status=400):
        self.assertEqual(response.status_code, status, response.content)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response.json(), {"errors": expected})
        self.assertFalse(Submission.objects.exists())


class AcceptedTestCase(ApiTestCase):
    def test_a_family_declares_with_a_receipt(self):
        body = {
            "people": [
                {
                    "name": "松山",
                    "organisations": ["party", "league"],
                    "region": "CN-SX",
                    "statement": "我退出中共。",
                },
                {"name": "明月", "organisations": ["pioneers"], "region": "DE"},
            ],
            "date": "2025-06-04",
            "receipt": True,
        }
        response = self.send(body, lang="zh-hant")
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        submission = Submission.objects.get()
        # No sequential id: two answers would count the declarations that arrived in between.
        self.assertNotIn("id", data)
        self.assertEqual(data["status"], "accepted")
        self.assertEqual(data["people"], 2)
        self.assertRegex(data["receipt"], r"^[0-9A-F]{5}(-[0-9A-F]{5}){5}$")
        self.assertEqual(data["receipt_url"], "/zh-hant/receipt/")
        self.assertEqual(submission.receipt_hash, Submission.hash_receipt(data["receipt"]))
        self.assertEqual(submission.channel, Channel.API)
        self.assertEqual(submission.language, "zh-hant")
        self.assertEqual(str(submission.declared_on), "2025-06-04")

        run_sequencer()
        self.assertEqual(
            sorted(Person.objects.published().values_list("name", flat=True)), ["明月", "松山"]
        )
        counts = TallyCounter.snapshot()
        self.assertEqual(counts["channel:api"], 2)
        self.assertEqual(counts["org:party"], 1)
        self.assertEqual(counts["org:pioneers"], 1)
        self.assertEqual(counts["country:DE"], 1)

        # The receipt works on the page it points to.
        page = self.client.post(data["receipt_url"], {"code": data["receipt"]})
        self.assertContains(page, "我退出中共。")

    def test_date_and_receipt_are_optional(self):
        response = self.send({"people": [{"name": "Pine", "organisations": ["party"]}]})
        self.assertEqual(response.status_code, 201)
        self.assertIsNone(response.json()["receipt"])
        self.assertEqual(response.json()["receipt_url"], "/zh-hans/receipt/")
        self.assertEqual(Submission.objects.get().declared_on, timezone.localdate())

    def test_flagged_submissions_wait(self):
        body = {
            "people": [{"name": "Ad", "organisations": ["party"], "statement": "www.example.com"}]
        }
        response = self.send(body)
        self.assertEqual(response.json()["status"], "pending")
        self.assertEqual(Submission.objects.get().status, Status.PENDING)

    def test_no_csrf_token_needed(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            URL,
            json.dumps({"people": [{"name": "Pine", "organisations": ["league"]}]}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 201)
        self.assertNotIn("Set-Cookie", response)

    def test_only_post(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response["Allow"], "POST")
        self.assertEqual(response.json(), {"errors": {"request": ["请用 POST 方法提交声明。"]}})


class BadInputTestCase(ApiTestCase):
    """Every error at once, keyed by the JSON path, in the request's language."""

    def person(self, **fields):
        return {"name": "松山", "organisations": ["party"], **fields}

    def test_all_errors_are_reported_at_once(self):
        body = {
            "people": [
                {"name": "", "organisations": []},
                {"name": "明月", "organisations": ["party", "freemasons"], "region": "CN-XX"},
                {"name": "清风", "organisations": ["league"], "statement": "退" * 2001},
            ],
            "date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        }
        self.assertErrors(
            self.send(body),
            {
                "people[0].name": ["请填写姓名或化名。"],
                "people[0].organisations": ["请至少选择一个要退出的组织。"],
                "people[1].organisations": ["未知的组织：freemasons。"],
                "people[1].region": ["未知的地区：CN-XX。"],
                "people[2].statement": ["最多 2000 个字（现有 2001 个）。"],
                "date": ["声明日期不能晚于今天。"],
            },
        )

    def test_language_from_accept_language_or_lang(self):
        body = {"people": [{"name": " ", "organisations": ["party"]}]}
        self.assertErrors(
            self.send(body, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"),
            {"people[0].name": ["Enter a name or an alias."]},
        )
        self.assertErrors(
            self.send(body, HTTP_ACCEPT_LANGUAGE="zh-TW"),
            {"people[0].name": ["請填寫姓名或化名。"]},
        )
        self.assertErrors(
            self.send(body, lang="zh-hant", HTTP_ACCEPT_LANGUAGE="en"),
            {"people[0].name": ["請填寫姓名或化名。"]},
        )
        self.assertErrors(self.send(body, lang="xx"), {"people[0].name": ["请填写姓名或化名。"]})

    def test_empty_alias(self):
        self.assertErrors(
            self.send({"people": [self.person(name="   ")]}, lang="en"),
            {"people[0].name": ["Enter a name or an alias."]},
        )

    def test_no_organisation(self):
        for person in [self.person(organisations=[]), {"name": "松山"}]:
            with self.subTest(person=person):
                self.assertErrors(
                    self.send({"people": [person]}, lang="zh-hant"),
                    {"people[0].organisations": ["請至少選擇一個要退出的組織。"]},
                )

    def test_unknown_organisation_and_region(self):
        body = {"people": [self.person(organisations=["party", "par\u0000ty"], region="XX")]}
        self.assertErrors(
            self.send(body, lang="en"),
            {
                "people[0].organisations": ["Unknown organisation: par\u0000ty."],
                "people[0].region": ["Unknown region: XX."],
            },
        )

    def test_too_long_name(self):
        self.assertErrors(
            self.send({"people": [self.person(name="松" * 61)]}, lang="en"),
            {"people[0].name": ["Make this at most 60 characters (it has 61)."]},
        )

    def test_dates(self):
        tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
        for date, message in [
            (tomorrow, "The date of declaration cannot be in the future."),
            ("2024/01/02", "Enter a date as YYYY-MM-DD."),
            ("2024-02-30", "Enter a date as YYYY-MM-DD."),
            (20240102, "Enter a date as YYYY-MM-DD."),
        ]:
            with self.subTest(date=date):
                self.assertErrors(
                    self.send({"people": [self.person()], "date": date}, lang="en"),
                    {"date": [message]},
                )

    def test_eleven_people(self):
        body = {"people": [self.person(name=f"家人{i}") for i in range(11)]}
        self.assertErrors(
            self.send(body, lang="zh-hant"), {"people": ["一次最多可以送出 10 個人的聲明。"]}
        )

    def test_no_people(self):
        for body in [{"people": []}, {}, {"people": None}]:
            with self.subTest(body=body):
                self.assertErrors(
                    self.send(body, lang="en"), {"people": ["Enter at least one person."]}
                )

    def test_control_characters(self):
        body = {
            "people": [self.person(name="松\u0007山", statement="退\u202e党")],
            "contact": "a\u0000",
        }
        self.assertErrors(
            self.send(body, lang="en"),
            {
                "people[0].name": ["Remove the invisible control characters from this text."],
                "people[0].statement": ["Remove the invisible control characters from this text."],
                "contact": ["Null characters are not allowed."],
            },
        )
        raw = '{"people": [{"name": "松\x07山", "organisations": ["party"]}]}'
        self.assertErrors(
            self.send(raw=raw, lang="en"),
            {"body": ["The body contains control characters. Remove them."]},
        )

    def test_malformed_json(self):
        self.assertErrors(
            self.send(raw='{"people": [', lang="zh-hant"),
            {"body": ["請求本文不是有效的 JSON（第 1 行第 13 欄）。"]},
        )
        self.assertErrors(
            self.send(raw=" ", lang="en"),
            {"body": ["The body is not valid JSON (line 1, column 2)."]},
        )
        self.assertErrors(
            self.send(raw='{"people": NaN}', lang="en"), {"body": ["The body is not valid JSON."]}
        )
        self.assertErrors(
            self.send(raw="[" * 100_000 + "]" * 100_000, lang="en"),
            {"body": ["The body is not valid JSON."]},
        )

    def test_invalid_unicode(self):
        self.assertErrors(
            self.send(raw=b'{"people": [{"name": "\xe6\x9d\xbe\xff"}]}', lang="en"),
            {"body": ["The body is not valid UTF-8 (at byte 25)."]},
        )
        self.assertErrors(
            self.send(
                raw='{"people": [{"name": "\\ud800", "organisations": ["party"]}]}', lang="en"
            ),
            {"body": ["The body contains invalid Unicode (an unpaired surrogate)."]},
        )

    def test_wrong_content_type(self):
        body = json.dumps({"people": [self.person()]})
        for content_type in ["text/plain", "application/x-www-form-urlencoded"]:
            with self.subTest(content_type=content_type):
                response = self.client.post(f"{URL}?lang=en", body, content_type=content_type)
                self.assertErrors(
                    response,
                    {
                        "body": [
                            "Send the body as JSON, with the header Content-Type: application/json."
                        ]
                    },
                    status=415,
                )
        response = self.client.post(
            f"{URL}?lang=en", body, content_type="application/json; charset=utf-16"
        )
        self.assertErrors(response, {"body": ["Send the body encoded as UTF-8."]}, status=415)
        # A charset of UTF-8, spelled either way, is fine.
        response = self.client.post(URL, body, content_type="application/json; charset=UTF-8")
        self.assertEqual(response.status_code, 201)

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
    def test_oversized_body(self):
        body = {"people": [self.person(statement="x" * 1000)]}
        self.assertErrors(
            self.send(body, lang="zh-hans"),
            {"body": ["请求正文过大：最多 1000 字节。"]},
            status=413,
        )

    def test_not_an_object(self):
        for body in [[], "people", 3, None]:
            with self.subTest(body=body):
                self.assertErrors(
                    self.send(body, lang="en"), {"body": ["The body must be a JSON object."]}
                )

    def test_wrong_shapes_and_types(self):
        body = {
            "people": [
                "松山",
                {"name": 7, "organisations": "party", "region": ["CN-SX"], "statement": False},
                {"name": "明月", "organisations": ["party", 3], "age": 40},
            ],
            "contact": ["a"],
            "receipt": "yes",
            "extra": 1,
        }
        self.assertErrors(
            self.send(body, lang="en"),
            {
                "people[0]": ["Each person must be a JSON object."],
                "people[1].name": ["This must be a string."],
                "people[1].organisations": [
                    'This must be a list of organisations, such as ["party", "league"].'
                ],
                "people[1].region": ["This must be a string."],
                "people[1].statement": ["This must be a string."],
                "people[2].organisations": [
                    'This must be a list of organisations, such as ["party", "league"].'
                ],
                "people[2].age": ["Unknown field."],
                "contact": ["This must be a string."],
                "receipt": ["This must be true or false."],
                "extra": ["Unknown field."],
            },
        )
        self.assertErrors(
            self.send({"people": {"name": "松山"}}, lang="zh-hans"),
            {"people": ["这里必须是人员列表（JSON 对象的数组）。"]},
        )


class RateLimitTestCase(ApiTestCase):
    def declare(self, name):
        return self.send({"people": [{"name": name, "organisations": ["party"]}]}, lang="en")

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2)
    def test_429_in_json(self):
        self.assertEqual(self.declare("一").status_code, 201)
        self.assertEqual(self.declare("二").status_code, 201)
        response = self.declare("三")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(
            response.json(),
            {
                "errors": {
                    "request": [
                        "Too many declarations were sent from this connection in the last hour."
                        " Try again in an hour."
                    ]
                }
            },
        )
        self.assertGreater(int(response["Retry-After"]), 0)
        self.assertEqual(Submission.objects.count(), 2)

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2)
    def test_the_form_and_the_api_share_the_hourly_count(self):
        from tests.declarations.test_declare import form_data, person

        self.client.post("/en/declare/", form_data(person("一", ["party"])))
        self.client.post("/en/declare/", form_data(person("二", ["party"])))
        self.assertEqual(self.declare("三").status_code, 429)

    @override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=2, RATE_LIMITS=False)
    def test_rate_limits_off(self):
        for name in ["一", "二", "三", "四"]:
            self.assertEqual(self.declare(name).status_code, 201)
