from datetime import UTC, date, datetime

import time_machine
from django.test import override_settings

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations.models import Channel, Person, Status

TODAY = date(2026, 5, 20)
NOON = datetime(2026, 5, 20, 12, tzinfo=UTC)


def in_log_order() -> list[str]:
    return list(Person.objects.order_by("leaf_index").values_list("name", flat=True))


@time_machine.travel(NOON, tick=False)
class StatementsPageTestCase(BaseTestCase):
    def test_an_accepted_family_appears_in_every_language(self):
        make_submission(
            "松山",
            "明月",
            orgs=("party", "league"),
            region="CN-SX",
            statement="天灭中共，我退出",
            declared_on=date(2026, 5, 18),
        )
        make_submission("远方", region="UA", channel=Channel.PHONE, declared_on=date(2026, 5, 18))
        run_sequencer()
        expected = {
            "zh-hans": ["2026年5月18日的声明", "中国共产党", "共青团", "山西", "乌克兰"],
            "zh-hant": ["2026年5月18日的聲明", "中國共產黨", "共青團", "山西", "烏克蘭"],
            "en": [
                "Statements of May 18, 2026",
                "Chinese Communist Party",
                "Communist Youth League",
                "Shanxi",
                "Ukraine",
                "Telephone",
                "Web form",
            ],
        }
        for language, texts in expected.items():
            response = self.client.get(f"/{language}/statements/2026-05-18/")
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            for text in texts:
                self.assertIn(text, html, f"{language}: {text}")
            self.assertEqual(html.count("天灭中共，我退出"), 2)
            self.assertIn("远方", html)
        # In log order (shuffled within each batch), never in arrival order.
        self.assertEqual([p.name for p in response.context["people"]], in_log_order())

    def test_only_published_statements_are_shown(self):
        make_submission("公开", declared_on=TODAY)
        pending, _ = make_submission("待审", statement="see www.example.com", declared_on=TODAY)
        rejected, _ = make_submission("垃圾", statement="casino www.example.com", declared_on=TODAY)
        rejected.reject("spam", by=self.mo)
        removed, _ = make_submission("撤下", statement="请撤下", declared_on=TODAY)
        removed.remove_statements()
        run_sequencer()
        html = self.client.get(f"/en/statements/{TODAY}/").content.decode()
        self.assertIn("公开", html)
        for hidden in ("待审", "垃圾", "撤下", "请撤下"):
            self.assertNotIn(hidden, html)

        self.assertTrue(pending.accept(by=self.mo))
        run_sequencer()
        self.assertEqual(pending.status, Status.ACCEPTED)
        html = self.client.get(f"/en/statements/{TODAY}/").content.decode()
        self.assertIn("待审", html)

    def test_today_redirects_and_the_date_picker_works_without_javascript(self):
        response = self.client.get("/zh-hant/statements/")
        self.assertRedirects(response, f"/zh-hant/statements/{TODAY}/")
        response = self.client.get("/en/statements/", {"date": "2026-05-01"})
        self.assertRedirects(response, "/en/statements/2026-05-01/")
        response = self.client.get("/en/statements/", {"date": "2026-05-01", "q": "松"})
        self.assertRedirects(response, "/en/statements/2026-05-01/?q=%E6%9D%BE")
        html = self.client.get(f"/en/statements/{TODAY}/").content.decode()
        self.assertIn('<form class="date-picker" method="get" action="/en/statements/">', html)
        self.assertIn('type="date"', html)
        self.assertIn('max="2026-05-20"', html)

    def test_bad_dates_get_a_clear_message_in_the_readers_language(self):
        cases = {
            "2026-13-01": {"en": "is not a date", "zh-hans": "不是日期", "zh-hant": "不是日期"},
            "2026-02-30": {"en": "is not a date", "zh-hans": "不是日期", "zh-hant": "不是日期"},
            "yesterday": {
                "en": "Write it as YYYY-MM-DD",
                "zh-hans": "请按 YYYY-MM-DD",
                "zh-hant": "請按 YYYY-MM-DD",
            },
            "2026-05-21": {
                "en": "has not come yet",
                "zh-hans": "还没有到来",
                "zh-hant": "還沒有到來",
            },
            "1999-01-01": {
                "en": "The lists begin on 2004-11-01",
                "zh-hans": "声明名单从 2004-11-01 开始",
                "zh-hant": "聲明名單從 2004-11-01 開始",
            },
        }
        for day, messages in cases.items():
            for language, message in messages.items():
                response = self.client.get(f"/{language}/statements/{day}/")
                self.assertEqual(response.status_code, 404, (day, language))
                self.assertIn(message, response.content.decode(), (day, language))
                self.assertIn('type="date"', response.content.decode())
        response = self.client.get("/zh-hans/statements/", {"date": "2026-99-99"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("“2026-99-99”不是日期", response.content.decode())

    def test_search_by_alias_or_text(self):
        make_submission("松山", statement="我退出共青团", declared_on=TODAY)
        make_submission("明月", statement="为了孩子的未来", declared_on=TODAY)
        make_submission("Clear Wind", statement="For freedom", declared_on=TODAY)
        run_sequencer()
        url = f"/en/statements/{TODAY}/"

        def names(query):
            return [p.name for p in self.client.get(url, {"q": query}).context["people"]]

        self.assertEqual(names("松山"), ["松山"])
        self.assertEqual(names("孩子"), ["明月"])
        self.assertEqual(names("clear"), ["Clear Wind"])
        self.assertEqual(names("freedom"), ["Clear Wind"])
        self.assertEqual(names("没有"), [])
        response = self.client.get(f"/zh-hans/statements/{TODAY}/", {"q": "孩子"})
        self.assertIn("有 1 条声明符合“孩子”", response.content.decode())
        self.assertIn('value="孩子"', response.content.decode())

    @override_settings(STATEMENTS_PER_PAGE=2)
    def test_pagination(self):
        for name in ["一", "二", "三", "四", "五"]:
            make_submission(name, declared_on=TODAY)
        run_sequencer()
        url = f"/zh-hant/statements/{TODAY}/"
        first = self.client.get(url)
        order = in_log_order()
        self.assertEqual(sorted(order), sorted(["一", "二", "三", "四", "五"]))
        self.assertEqual([p.name for p in first.context["people"]], order[:2])
        self.assertIn("第 1 頁，共 3 頁", first.content.decode())
        self.assertIn('href="?page=2"', first.content.decode())
        last = self.client.get(url, {"page": 3})
        self.assertEqual([p.name for p in last.context["people"]], order[4:])
        self.assertIn('href="?page=2"', last.content.decode())
        searched = self.client.get(url, {"q": "五", "page": 1})
        self.assertEqual(searched.context["page"].paginator.num_pages, 1)
        for bad, message in [("4", "共 3 頁"), ("x", "這一天沒有第「x」頁"), ("0", "共 3 頁")]:
            response = self.client.get(url, {"page": bad})
            self.assertEqual(response.status_code, 404)
            self.assertIn(message, response.content.decode())

    @override_settings(STATEMENTS_PER_PAGE=1)
    def test_pages_keep_the_search(self):
        make_submission("松一", declared_on=TODAY)
        make_submission("松二", declared_on=TODAY)
        run_sequencer()
        html = self.client.get(f"/en/statements/{TODAY}/", {"q": "松"}).content.decode()
        self.assertIn('href="?q=%E6%9D%BE&amp;page=2"', html)

    def test_previous_and_next_links_skip_empty_days(self):
        make_submission("早", declared_on=date(2026, 5, 2))
        make_submission("中", declared_on=date(2026, 5, 10))
        removed, _ = make_submission("撤", declared_on=date(2026, 5, 14))
        make_submission("待", statement="see www.example.com", declared_on=date(2026, 5, 16))
        run_sequencer()
        removed.remove_statements()  # a day whose only statement was withdrawn counts as empty
        html = self.client.get("/en/statements/2026-05-10/").content.decode()
        self.assertIn('href="/en/statements/2026-05-02/"', html)
        self.assertIn("Earlier statements (May 2, 2026)", html)
        # Nothing later is published, so "later" leads to today, whose list fills as batches land.
        self.assertIn(f'href="/en/statements/{TODAY}/"', html)
        self.assertNotIn("/statements/2026-05-14/", html)
        self.assertNotIn("/statements/2026-05-16/", html)
        empty = self.client.get("/zh-hans/statements/2026-05-06/").content.decode()
        self.assertIn(
            "No statements", self.client.get("/en/statements/2026-05-06/").content.decode()
        )
        self.assertIn('href="/zh-hans/statements/2026-05-02/"', empty)
        self.assertIn('href="/zh-hans/statements/2026-05-10/"', empty)
        self.assertIn("较新的声明（2026年5月10日）", empty)
        hant = self.client.get("/zh-hant/statements/2026-05-06/").content.decode()
        self.assertIn("更早的聲明（2026年5月2日）", hant)
        today = self.client.get(f"/zh-hans/statements/{TODAY}/").content.decode()
        self.assertNotIn("/statements/2026-05-21/", today)
        self.assertIn("今天还没有刊登声明", today)
        self.assertIn('href="/zh-hans/statements/2026-05-10/"', today)
        first = self.client.get("/en/statements/2026-05-02/").content.decode()
        self.assertNotIn("Earlier statements", first)
        self.assertNotIn('rel="prev"', first)

    def test_statement_text_is_escaped(self):
        make_submission(
            "<b>名</b>", statement='<script>alert("x")</script>\n第二行', declared_on=TODAY
        )
        run_sequencer()
        html = self.client.get(f"/en/statements/{TODAY}/").content.decode()
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertIn("&lt;b&gt;名&lt;/b&gt;", html)
        self.assertIn("<br>第二行", html)

    @override_settings(STATEMENTS_PER_PAGE=5)
    def test_queries_do_not_grow_with_the_day(self):
        make_submission("一", orgs=("party", "league"), declared_on=TODAY)
        run_sequencer()
        url = f"/en/statements/{TODAY}/"
        self.client.get(url)  # warm the content-type and translation caches
        # count, page, organisations, and the nearest earlier and later days with statements
        with self.assertNumQueries(5):
            self.client.get(url)
        for i in range(20):
            make_submission(f"家{i}", f"人{i}", orgs=("party", "pioneers"), declared_on=TODAY)
        run_sequencer()
        with self.assertNumQueries(5):
            response = self.client.get(url)
        self.assertEqual(response.context["page"].paginator.count, 41)
        self.assertEqual(Person.objects.published().count(), 41)
