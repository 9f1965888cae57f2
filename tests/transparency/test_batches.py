"""Nothing published tells when a person connected: the log takes declarations in batches at
fixed boundaries, shuffled by a keyed hash, and every published time is a batch's."""

import hmac
import json
import re
import tempfile
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path
from unittest import mock

import time_machine
from django.core.management import call_command
from django.test import override_settings

from tests.base import BaseTestCase, make_submission
from tests.declarations.test_declare import form_data, person, receipt_code_in
from tests.transparency.witness_server import WitnessServer
from tuidang.declarations import sequencer
from tuidang.declarations.models import Person, TallyCounter
from tuidang.transparency import batches, logstore
from tuidang.transparency.logstore import Checkpoint

KEY = bytes(range(32))
ORIGIN = "tuidang.localhost/log"
DAY = date(2026, 5, 20)


def at(hour: int, minute: int = 0, second: float = 0) -> datetime:
    whole = int(second)
    return datetime(2026, 5, 20, hour, minute, whole, int((second - whole) * 1e6), tzinfo=UTC)


def keyed_order(ids: list[int]) -> list[int]:
    return sorted(ids, key=lambda pk: hmac.digest(KEY, pk.to_bytes(8, "big"), "sha256"))


def leaf_order() -> list[int]:
    """Person ids in the order of their leaf indexes."""
    return list(
        Person.objects.filter(leaf_index__isnull=False)
        .order_by("leaf_index")
        .values_list("id", flat=True)
    )


class BatchOrderTestCase(BaseTestCase):
    def test_a_batch_is_in_keyed_hash_order_never_arrival_order(self):
        for i in range(20):
            make_submission(f"第{i}人", declared_on=DAY)
        arrival = list(Person.objects.order_by("id").values_list("id", flat=True))
        with mock.patch.object(sequencer, "batch_key", return_value=KEY):
            call_command("sequencer", "--once", stdout=StringIO())

        self.assertEqual(leaf_order(), keyed_order(arrival))
        self.assertNotEqual(leaf_order(), arrival)
        self.assertEqual(
            sorted(Person.objects.values_list("leaf_index", flat=True)), list(range(20))
        )
        # The day's public list, its API and its CSV follow the log, not arrival.
        names_in_log = [Person.objects.get(pk=pk).name for pk in keyed_order(arrival)]
        with override_settings(STATEMENTS_PER_PAGE=100):
            page = self.client.get(f"/en/statements/{DAY}/")
            api = self.client.get("/api/v1/statements", {"date": DAY.isoformat()}).json()
        self.assertEqual([p.name for p in page.context["people"]], names_in_log)
        self.assertEqual([r["alias"] for r in api["results"]], names_in_log)
        csv = b"".join(self.client.get(f"/api/v1/statements.csv?date={DAY}").streaming_content)
        self.assertEqual(re.findall(r"第\d+人", csv.decode()), names_in_log)
        home = self.client.get("/en/")
        self.assertEqual([p.name for p in home.context["recent"]], names_in_log[::-1][:5])

    def test_each_batch_draws_a_fresh_key_and_once_shuffles_too(self):
        for i in range(30):
            make_submission(f"甲{i}")
        arrival = list(Person.objects.order_by("id").values_list("id", flat=True))
        keys = []
        real = sequencer.batch_key

        def recording():
            keys.append(real())
            return keys[-1]

        with mock.patch.object(sequencer, "batch_key", side_effect=recording):
            out = StringIO()
            call_command("sequencer", "--once", stdout=out)
        self.assertEqual(out.getvalue(), "sequenced 30\n")
        self.assertEqual(len(keys), 2)  # the batch, then the empty look that ends --once
        # One in 30! that a random order is the arrival order.
        self.assertNotEqual(leaf_order(), arrival)

        for i in range(30):
            make_submission(f"乙{i}")
        with mock.patch.object(sequencer, "batch_key", side_effect=recording):
            call_command("sequencer", "--once", stdout=StringIO())
        self.assertEqual(len(set(keys)), 4)

    def test_a_large_batch_split_into_transactions_is_still_one_keyed_order(self):
        for i in range(12):
            make_submission(f"丙{i}")
        arrival = list(Person.objects.order_by("id").values_list("id", flat=True))
        with mock.patch.object(sequencer, "batch_key", return_value=KEY):
            self.assertEqual(sequencer.run_until_idle(limit=5), 12)
        # Each transaction takes the first of the remaining in the keyed order.
        self.assertEqual(leaf_order(), keyed_order(arrival))
        self.assertEqual(Checkpoint.objects.count(), 1)  # signed once, for the whole batch


@override_settings(LOG_INTERVAL=3600, LOG_MIN_BATCH=1)
class BoundaryTestCase(BaseTestCase):
    def test_nothing_is_logged_before_the_batch_boundary(self):
        with time_machine.travel(at(10, 20), tick=False) as traveller:
            make_submission("十点二十", declared_on=DAY)
            # The sequencer is awake at any moment of the hour: it only logs at a boundary.
            self.assertEqual(sequencer.log_batch(batches.boundary_at_or_before(at(10, 20))), 0)
            self.assertEqual(Person.objects.published().count(), 0)
            self.assertEqual(TallyCounter.snapshot().get("total"), None)
            page = self.client.get(f"/en/statements/{DAY}/")
            self.assertEqual(list(page.context["people"]), [])

            traveller.move_to(at(11, 0, 0.2))
            make_submission("十一点过", declared_on=DAY)  # after the boundary: the next batch
            traveller.move_to(at(11, 0, 0.5))
            boundary = batches.boundary_at_or_before(batches.timezone.now())
            self.assertEqual(boundary, at(11))
            self.assertEqual(sequencer.log_batch(boundary), 1)
            self.assertEqual(list(Person.objects.published().values_list("name", flat=True)),
                             ["十点二十"])  # fmt: skip
            self.assertEqual(Checkpoint.objects.latest_signed().batch_time, at(11))

            traveller.move_to(at(12, 0, 0.1))
            self.assertEqual(sequencer.log_batch(at(12)), 1)
            self.assertEqual(Person.objects.published().count(), 2)
            self.assertEqual(TallyCounter.snapshot()["total"], 2)

    def test_boundaries_are_multiples_of_the_interval(self):
        self.assertEqual(batches.boundary_at_or_before(at(10, 59, 59.9)), at(10))
        self.assertEqual(batches.boundary_after(at(10)), at(11))
        self.assertEqual(batches.boundary_at_or_after(at(10)), at(10))
        self.assertEqual(batches.boundary_at_or_after(at(10, 0, 0.1)), at(11))
        with override_settings(LOG_INTERVAL=900):
            self.assertEqual(batches.boundary_after(at(10, 20)), at(10, 30))


@override_settings(LOG_INTERVAL=3600, LOG_MIN_BATCH=3, LOG_MAX_WAIT=3 * 3600)
class QuietHourTestCase(BaseTestCase):
    def test_too_few_wait_for_more_then_go_together(self):
        with time_machine.travel(at(10, 20), tick=False) as traveller:
            make_submission("一", "二")
            traveller.move_to(at(11, 0, 1))
            self.assertEqual(sequencer.log_batch(at(11)), 0)  # two waiting: carried over
            self.assertEqual(Person.objects.published().count(), 0)
            self.assertFalse(Checkpoint.objects.filter(size__gt=0).exists())
            traveller.move_to(at(11, 20))
            make_submission("三")
            traveller.move_to(at(12, 0, 1))
            self.assertEqual(sequencer.log_batch(at(12)), 3)
            self.assertEqual(Checkpoint.objects.latest_signed().batch_time, at(12))

    def test_the_oldest_waits_at_most_the_maximum(self):
        with time_machine.travel(at(10, 20), tick=False) as traveller:
            make_submission("孤单")
            # What the page tells the declarant: the next batch, or 14:00 at the latest.
            expected = batches.expected()
            self.assertEqual((expected.earliest, expected.latest), (at(11), at(14)))
            for hour in (11, 12, 13):
                traveller.move_to(at(hour, 0, 1))
                self.assertEqual(sequencer.log_batch(at(hour)), 0, hour)
            traveller.move_to(at(14, 0, 1))
            self.assertEqual(sequencer.log_batch(at(14)), 1)
            self.assertEqual(Person.objects.get().leaf_index, 0)

    def test_a_moderators_acceptance_starts_the_wait(self):
        with time_machine.travel(at(8), tick=False) as traveller:
            pending, _ = make_submission("待审", statement="www.example.com")
            traveller.move_to(at(10, 30))
            pending.accept(by=self.mo)
            traveller.move_to(at(11, 0, 1))
            self.assertEqual(sequencer.log_batch(at(11)), 0)  # accepted 30 minutes ago
            traveller.move_to(at(13, 0, 1))
            self.assertEqual(sequencer.log_batch(at(13)), 0)
            traveller.move_to(at(14, 0, 1))
            self.assertEqual(sequencer.log_batch(at(14)), 1)  # 10:30 + 3 h, at a boundary

    @override_settings(LOG_MIN_BATCH=1)
    def test_a_minimum_of_one_logs_every_batch(self):
        with time_machine.travel(at(10, 20), tick=False) as traveller:
            make_submission("一")
            self.assertIsNone(batches.expected().latest)
            traveller.move_to(at(11, 0, 1))
            self.assertEqual(sequencer.log_batch(at(11)), 1)


@override_settings(LOG_INTERVAL=3600)
class PublishedTimesTestCase(BaseTestCase):
    def test_checkpoints_publish_no_time_finer_than_the_batch(self):
        with time_machine.travel(at(10, 17, 23.456), tick=False):
            make_submission("某人")
            sequencer.run_until_idle()  # at 10:17:23.456, dated to its batch
        with time_machine.travel(at(12, 41, 7.5), tick=False):
            make_submission("另一人")
            sequencer.run_until_idle()
        self.assertEqual(
            list(Checkpoint.objects.values_list("batch_time", flat=True)), [at(12), at(10)]
        )
        data = self.client.get("/api/v1/checkpoints").json()
        self.assertEqual(
            [c["batch_time"] for c in data["results"]],
            ["2026-05-20T12:00:00+00:00", "2026-05-20T10:00:00+00:00"],
        )
        self.assertNotIn("created_at", data["results"][0])
        consistency = self.client.get("/api/v1/consistency?old=1&new=2").content.decode()
        for body in (self.client.get("/api/v1/checkpoints").content.decode(), consistency):
            self.assertNotIn("10:17", body)
            self.assertNotIn("12:41", body)
            self.assertNotIn(":23", body)
        for path, texts in [
            ("/en/log/checkpoints/", ["Batch of", "May 20, 2026, noon", "May 20, 2026, 10 a.m."]),
            (
                "/zh-hans/log/checkpoints/",
                ["所属批次", "2026年5月20日 12:00", "2026年5月20日 10:00"],
            ),
            ("/zh-hant/log/", ["所屬批次", "2026年5月20日 12:00", "每 1"]),
            ("/en/log/", ["every 1\xa0hour, in shuffled order", "May 20, 2026, noon"]),
        ]:
            html = self.client.get(path).content.decode()
            for text in texts:
                self.assertIn(text, html, path)
            self.assertNotIn("10:17", html)
            self.assertNotIn("12:41", html)
            self.assertIn('datetime="2026-05-20T12:00:00+00:00"', html)

        # The export for mirrors publishes the same history, no finer.
        with tempfile.TemporaryDirectory() as tmp:
            call_command("log", "export", tmp, stdout=StringIO())
            exported = (Path(tmp) / "api" / "v1" / "checkpoints").read_text()
        self.assertEqual(
            [c["batch_time"] for c in json.loads(exported)["results"]],
            ["2026-05-20T12:00:00+00:00", "2026-05-20T10:00:00+00:00"],
        )
        self.assertNotIn("10:17", exported)


@override_settings(LOG_INTERVAL=3600, LOG_MIN_BATCH=10, LOG_MAX_WAIT=86400)
class WhenItAppearsTestCase(BaseTestCase):
    EXPECTED = {
        "zh-hans": [
            "它将随下一批次出现在公开日志、统计和当天的名单中，时间是 2026年5月20日 11:00（UTC）。",
            "如果届时等待的声明少于 10 份，它们会等到之后的批次，最晚到 2026年5月21日 11:00（UTC）。",
            "这样监视本网站或网络的人都无法知道一个人是在什么时候连接上来声明的。",
        ],
        "zh-hant": [
            "它將隨下一批次出現在公開日誌、統計和當天的名單中，時間是 2026年5月20日 11:00（UTC）。",
            "如果屆時等待的聲明少於 10 份，它們會等到之後的批次，最晚到 2026年5月21日 11:00（UTC）。",
            "這樣監視本網站或網路的人都無法知道一個人是在什麼時候連接上來聲明的。",
        ],
        "en": [
            "with the next batch, at May 20, 2026, 11 a.m. (UTC).",
            "If fewer than 10 declarations are waiting then, they wait for a later batch, "
            "until May 21, 2026, 11 a.m. (UTC) at the latest.",
            "so that nobody watching the site or the network can tell when a person connected",
        ],
    }

    def declare(self, lang: str, statement: str = "") -> tuple[str, str]:
        data = form_data(person(f"声明人{lang}", ["party"], statement), want_receipt=True)
        # The thanks page is the POST's own answer: the receipt code is stored nowhere.
        response = self.client.post(f"/{lang}/declare/", data)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        return html, receipt_code_in(html)

    def test_thanks_and_receipt_pages_say_when_and_why(self):
        with time_machine.travel(at(10, 20, 5), tick=False):
            for lang, texts in self.EXPECTED.items():
                with self.subTest(lang=lang):
                    thanks, code = self.declare(lang)
                    receipt = self.client.post(f"/{lang}/receipt/", {"code": code})
                    for html in (thanks, receipt.content.decode()):
                        for text in texts:
                            self.assertIn(text, html)

    def test_a_declaration_waiting_for_review_is_told_how_often_batches_run(self):
        with time_machine.travel(at(10, 20), tick=False):
            for lang, text in [
                ("zh-hans", "一旦被接受，它会随下一批次出现；批次每 1\xa0小时公布一次。"),
                ("zh-hant", "一旦被接受，它會隨下一批次出現；批次每 1\xa0小時公佈一次。"),
                ("en", "Once it is accepted, it appears with the next batch; batches are "
                       "published every 1\xa0hour."),
            ]:  # fmt: skip
                with self.subTest(lang=lang):
                    thanks, code = self.declare(lang, statement="see www.example.com")
                    receipt = self.client.post(f"/{lang}/receipt/", {"code": code})
                    self.assertIn(text, thanks)
                    self.assertContains(receipt, text)

    def test_the_receipt_page_does_not_tell_the_hour_it_arrived(self):
        with time_machine.travel(at(10, 20), tick=False) as traveller:
            _thanks, code = self.declare("en")
            traveller.move_to(at(15, 40))
            page = self.client.post("/en/receipt/", {"code": code}).content.decode()
        self.assertIn("with the next batch, at May 20, 2026, 4 p.m. (UTC).", page)
        self.assertIn("until May 21, 2026, 4 p.m. (UTC) at the latest.", page)
        self.assertNotIn("11 a.m.", page)

    @override_settings(TIME_ZONE="Asia/Taipei")
    def test_the_time_is_in_the_sites_time_zone(self):
        with time_machine.travel(at(10, 20), tick=False):
            thanks, _code = self.declare("zh-hant")
        self.assertIn("時間是 2026年5月20日 19:00（Asia/Taipei）", thanks)


@override_settings(LOG_ORIGIN=ORIGIN, LOG_INTERVAL=3600, LOG_MIN_BATCH=1)
class WitnessPushTestCase(BaseTestCase):
    def push(self, witness: WitnessServer) -> str:
        with override_settings(WITNESSES=[(witness.vkey, witness.url)]):
            out = StringIO()
            call_command("witness", "--once", stdout=out)
        return out.getvalue()

    def test_witnesses_are_pushed_only_batch_checkpoints(self):
        with (
            WitnessServer({ORIGIN: [logstore.vkeys()[0]]}) as witness,
            time_machine.travel(at(9, 40), tick=False) as traveller,
        ):
            make_submission("早")
            traveller.move_to(at(10, 0, 1))
            sequencer.log_batch(at(10))
            self.assertEqual(self.push(witness), "witness.test: cosigned\n")

            traveller.move_to(at(10, 20))
            make_submission("晚")
            traveller.move_to(at(10, 25))
            sequencer.log_batch(at(10))  # the sequencer's loop, woken within the hour
            self.assertEqual(self.push(witness), "witness.test: already\n")
            self.assertEqual(len(witness.seen), 1)

            traveller.move_to(at(11, 0, 1))
            sequencer.log_batch(at(11))
            self.assertEqual(self.push(witness), "witness.test: cosigned\n")
            self.assertEqual(witness.latest[ORIGIN][0], 2)
            pushed = Checkpoint.objects.get(size=2)
            self.assertEqual(pushed.batch_time, at(11))
