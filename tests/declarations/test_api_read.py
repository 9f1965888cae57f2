import csv
import io
import json
from datetime import UTC, date, datetime

import time_machine
from django.test import override_settings
from django.urls import get_resolver

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations import openapi, urls_api
from tuidang.declarations.models import Channel, Person, TallyCounter

TODAY = date(2026, 5, 20)
NOON = datetime(2026, 5, 20, 12, tzinfo=UTC)


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


@time_machine.travel(NOON, tick=False)
class TallyApiTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        make_submission("松山", "明月", orgs=("party", "league"), region="CN-SX")
        make_submission("远方", region="UA", channel=Channel.EMAIL, declared_on=date(2026, 4, 3))
        make_submission("无名", orgs=("pioneers",), declared_on=date(2026, 4, 3))
        spam, _ = make_submission("广告", statement="casino www.example.com")
        spam.reject("spam", by=self.mo)
        run_sequencer()

    def test_tally_json_equals_the_counters(self):
        response = self.client.get("/api/v1/tally")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(response["Cache-Control"], "public, max-age=60")
        data = response.json()
        counters = TallyCounter.snapshot()
        self.assertEqual(next(iter(data)), "total")
        self.assertEqual(data["total"], counters["total"])
        self.assertEqual(data["total"], 4)
        self.assertEqual(data["today"], counters[f"day:{TODAY}"])
        self.assertEqual(data["organisations"], {"league": 2, "party": 3, "pioneers": 1})
        self.assertEqual(data["regions"]["CN-SX"], counters["region:CN-SX"])
        self.assertEqual(data["regions"]["CN-BJ"], 0)
        self.assertEqual((data["regions"]["abroad"], data["regions"]["unknown"]), (1, 1))
        self.assertEqual(data["countries"], {"UA": 1})
        self.assertEqual(data["channels"]["email"], 1)
        self.assertEqual(data["channels"]["web"], 3)
        self.assertEqual(data["days"], {"2026-04-03": 2, "2026-05-20": 2})
        self.assertEqual(data["months"], {"2026-04": 2, "2026-05": 2})
        self.assertEqual(data["rejected"]["spam"], 1)
        self.assertEqual(data["as_of"], "2026-05-20T12:00:00+00:00")
        for key, value in counters.items():
            section, _, name = key.partition(":")
            if section == "org":
                self.assertEqual(data["organisations"][name], value)
            elif section == "country":
                self.assertEqual(data["countries"][name], value)

    def test_tally_csv(self):
        response = self.client.get("/api/v1/tally.csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn('filename="tally.csv"', response["Content-Disposition"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], ["breakdown", "key", "count"])
        self.assertEqual(rows[1], ["total", "", "4"])
        self.assertEqual(rows[2], ["today", "", "2"])
        for row in [
            ["organisation", "party", "3"],
            ["region", "CN-SX", "2"],
            ["region", "abroad", "1"],
            ["country", "UA", "1"],
            ["channel", "email", "1"],
            ["day", "2026-04-03", "2"],
            ["month", "2026-05", "2"],
            ["rejected", "spam", "1"],
        ]:
            self.assertIn(row, rows)

    def test_one_query_however_large_the_tally(self):
        with self.assertNumQueries(1):
            self.client.get("/api/v1/tally")
        for i in range(25):
            make_submission(
                f"人{i}",
                region=["CN-GD", "JP", "US"][i % 3],
                declared_on=date(2025, 1 + i % 12, 1 + i),
            )
        run_sequencer()
        with self.assertNumQueries(1):
            self.assertEqual(self.client.get("/api/v1/tally").json()["total"], 29)
        with self.assertNumQueries(1):
            self.client.get("/api/v1/tally.csv")

    def test_read_only(self):
        for url in [
            "/api/v1/tally",
            "/api/v1/tally.csv",
            "/api/v1/statements",
            "/api/v1/statements.csv",
            "/api/v1/openapi.json",
        ]:
            self.assertEqual(self.client.post(url).status_code, 405, url)
            self.assertEqual(self.client.head(url).status_code, 200, url)


@time_machine.travel(NOON, tick=False)
class StatementsApiTestCase(BaseTestCase):
    def test_an_accepted_family_appears_after_sequencing(self):
        make_submission(
            "松山",
            "明月",
            orgs=("league", "party"),
            region="CN-SX",
            statement="我退出",
            declared_on=date(2026, 5, 18),
        )
        pending, _ = make_submission(
            "待审", statement="www.example.com", declared_on=date(2026, 5, 18)
        )
        run_sequencer()
        response = self.client.get("/api/v1/statements", {"date": "2026-05-18"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(response["Cache-Control"], "public, max-age=900")
        data = response.json()
        self.assertEqual(
            {k: data[k] for k in ["date", "page", "pages", "count", "next", "previous"]},
            {
                "date": "2026-05-18",
                "page": 1,
                "pages": 1,
                "count": 2,
                "next": None,
                "previous": None,
            },
        )
        # leaf_index and salt (for checking against the log) are tested in tests/test_verify.py.
        by_alias = {r["alias"]: r for r in data["results"]}
        self.assertEqual(
            {k: v for k, v in by_alias["松山"].items() if k not in ("leaf_index", "salt")},
            {
                "alias": "松山",
                "organisations": ["league", "party"],
                "region": "CN-SX",
                "channel": "web",
                "statement": "我退出",
                "date": "2026-05-18",
            },
        )
        # In log order, which is shuffled within a batch: never arrival order.
        self.assertEqual([r["leaf_index"] for r in data["results"]], [0, 1])
        self.assertEqual(sorted(by_alias), sorted(["松山", "明月"]))

        pending.accept(by=self.mo)
        run_sequencer()
        data = self.client.get("/api/v1/statements?date=2026-05-18").json()
        # A later batch comes after the earlier one: batch order is the only order published.
        aliases = [r["alias"] for r in data["results"]]
        self.assertEqual((sorted(aliases[:2]), aliases[2:]), (sorted(["松山", "明月"]), ["待审"]))

    def test_defaults_to_today_with_a_short_cache(self):
        make_submission("今日")
        run_sequencer()
        response = self.client.get("/api/v1/statements")
        self.assertEqual(response.json()["date"], "2026-05-20")
        self.assertEqual(response.json()["results"][0]["alias"], "今日")
        self.assertEqual(response["Cache-Control"], "public, max-age=60")

    @override_settings(STATEMENTS_PER_PAGE=2)
    def test_pagination_links(self):
        for name in ["一", "二", "三", "四", "五"]:
            make_submission(name, declared_on=date(2026, 5, 1))
        run_sequencer()
        first = self.client.get("/api/v1/statements?date=2026-05-01").json()
        self.assertEqual((first["pages"], first["count"]), (3, 5))
        self.assertEqual(
            first["next"], "http://testserver/api/v1/statements?date=2026-05-01&page=2"
        )
        self.assertIsNone(first["previous"])
        second = self.client.get(first["next"]).json()
        order = list(Person.objects.order_by("leaf_index").values_list("name", flat=True))
        self.assertEqual([r["alias"] for r in first["results"]], order[:2])
        self.assertEqual([r["alias"] for r in second["results"]], order[2:4])
        self.assertEqual(
            second["previous"], "http://testserver/api/v1/statements?date=2026-05-01&page=1"
        )
        third = self.client.get(second["next"]).json()
        self.assertEqual([r["alias"] for r in third["results"]], order[4:])
        self.assertIsNone(third["next"])

    def test_bad_parameters_get_a_localised_400(self):
        cases = [
            ({"date": "2026-02-30", "lang": "en"}, "date", "“2026-02-30” is not a date"),
            ({"date": "20260501", "lang": "zh-hans"}, "date", "请按 YYYY-MM-DD 格式填写"),
            ({"date": "2026-05-21", "lang": "zh-hant"}, "date", "還沒有到來"),
            ({"date": "2003-01-01", "lang": "en"}, "date", "The lists begin on 2004-11-01."),
            ({"page": "two", "lang": "en"}, "page", "The page must be a whole number from 1."),
            ({"page": "-1", "lang": "zh-hans"}, "page", "页码必须是从 1 开始的整数。"),
        ]
        for params, field, message in cases:
            response = self.client.get("/api/v1/statements", params)
            self.assertEqual(response.status_code, 400, params)
            self.assertEqual(response["Access-Control-Allow-Origin"], "*")
            errors = response.json()["errors"]
            self.assertEqual(list(errors), [field])
            self.assertIn(message, errors[field][0], params)

    def test_language_from_accept_language(self):
        response = self.client.get(
            "/api/v1/statements?date=nope", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.8"
        )
        self.assertIn("「nope」不是日期", response.json()["errors"]["date"][0])
        response = self.client.get("/api/v1/statements?date=nope", HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("is not a date", response.json()["errors"]["date"][0])
        # ?lang= wins over the header.
        response = self.client.get(
            "/api/v1/statements.csv?date=nope&lang=zh-hans", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("不是日期", response.json()["errors"]["date"][0])

    def test_page_past_the_end_is_404(self):
        response = self.client.get("/api/v1/statements?date=2026-05-01&page=2&lang=en")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            response.json()["errors"]["page"], ["There is no page 2 for 2026-05-01; it has 1."]
        )

    @override_settings(STATEMENTS_PER_PAGE=5)
    def test_queries_do_not_grow_with_the_day(self):
        make_submission("一", declared_on=date(2026, 5, 1))
        run_sequencer()
        with self.assertNumQueries(3):  # count, page, organisations
            self.client.get("/api/v1/statements?date=2026-05-01")
        for i in range(15):
            make_submission(
                f"家{i}", f"人{i}", orgs=("party", "league"), declared_on=date(2026, 5, 1)
            )
        run_sequencer()
        with self.assertNumQueries(3):
            data = self.client.get("/api/v1/statements?date=2026-05-01&page=2").json()
        self.assertEqual(data["count"], 31)

    def test_statements_csv_streams_the_whole_day(self):
        make_submission(
            "松山",
            "明月",
            orgs=("party", "league"),
            region="CN-SX",
            statement='我退出，"真心"\n第二行',
            declared_on=date(2026, 5, 2),
        )
        make_submission("=HYPERLINK(1)", statement="+1 @danger", declared_on=date(2026, 5, 2))
        make_submission("别的日子", declared_on=date(2026, 5, 3))
        run_sequencer()
        with override_settings(STATEMENTS_PER_PAGE=1):
            response = self.client.get("/api/v1/statements.csv?date=2026-05-02")
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn('filename="statements-2026-05-02.csv"', response["Content-Disposition"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(response["Cache-Control"], "public, max-age=900")
        rows = list(csv.reader(io.StringIO(streamed(response))))
        self.assertEqual(
            rows[0], ["date", "alias", "organisations", "region", "channel", "statement"]
        )
        by_alias = {row[1]: row for row in rows[1:]}
        self.assertEqual(
            by_alias["松山"],
            ["2026-05-02", "松山", "league party", "CN-SX", "web", '我退出，"真心"\n第二行'],
        )
        self.assertIn("明月", by_alias)
        # Spreadsheets must not run a statement as a formula.
        row = by_alias["'=HYPERLINK(1)"]
        self.assertEqual(row[1:2] + row[5:], ["'=HYPERLINK(1)", "'+1 @danger"])
        # In log order (shuffled within a batch), never arrival order.
        logged = Person.objects.filter(submission__declared_on=date(2026, 5, 2))
        self.assertEqual(
            [row[1].removeprefix("'") for row in rows[1:]],
            list(logged.order_by("leaf_index").values_list("name", flat=True)),
        )
        self.assertEqual(len(rows), 4)


class OpenApiTestCase(BaseTestCase):
    def test_served_as_is_with_cors(self):
        response = self.client.get("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        self.assertEqual(response.content, openapi.document_bytes())

    def test_document_is_valid_openapi_31(self):
        document = json.loads(openapi.document_bytes())
        try:
            from openapi_spec_validator import validate
        except ImportError:
            validate = None
        if validate is not None:
            validate(document)
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertTrue(document["info"]["title"] and document["info"]["version"])
        schemas = document["components"]["schemas"]
        for path, operations in document["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            for method, operation in operations.items():
                self.assertIn(method, {"get", "post"})
                self.assertTrue(operation["operationId"] and operation["responses"], path)
        # Every reference points at something that exists.
        text = json.dumps(document)
        for ref in {part.split('"')[0] for part in text.split('"$ref": "#/')[1:]}:
            node = document
            for key in ref.split("/"):
                self.assertIn(key, node, ref)
                node = node[key]
        post = document["paths"]["/declarations"]["post"]
        self.assertEqual(set(post["responses"]), {"201", "400", "413", "415", "429"})
        request = schemas["DeclarationRequest"]
        self.assertEqual(request["required"], ["people"])  # the date defaults to today
        self.assertEqual(set(request["properties"]), {"people", "date", "contact", "receipt"})
        self.assertEqual(
            set(schemas["PersonIn"]["properties"]), {"name", "organisations", "region", "statement"}
        )
        self.assertEqual(
            schemas["DeclarationCreated"]["properties"]["status"]["enum"],
            ["accepted", "pending", "received"],
        )
        self.assertEqual(
            set(schemas["Tally"]["required"]),
            {
                "total",
                "today",
                "organisations",
                "regions",
                "countries",
                "channels",
                "days",
                "months",
                "rejected",
                "as_of",
            },
        )

    def test_every_route_is_documented(self):
        document = openapi.document()
        routes = {f"/{pattern.pattern}" for pattern in urls_api.urlpatterns}
        self.assertEqual(routes, set(document["paths"]))
        # And the document's server matches where the routes are mounted.
        mounted = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/"]
        self.assertEqual(len(mounted), 1)
        self.assertEqual(document["servers"][0]["url"], "/api/v1")
