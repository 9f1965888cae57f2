"""The intake queue (``TUIDANG_INTAKE_QUEUE``): the API stores one row and answers "received";
the sequencer moderates in batches; the receipt page follows the status as it moves, and
removal through the receipt works at every stage."""

import json
import os
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tests.base import BaseTestCase, make_contacts_key, run_sequencer
from tests.declarations.test_declare import form_data, receipt_code_in
from tuidang.declarations import arrivals, contacts
from tuidang.declarations.models import (
    Arrival,
    Channel,
    Person,
    RejectionReason,
    Status,
    Submission,
)

URL = "/api/v1/declarations"


def body(*people, **fields) -> dict:
    return {"people": list(people), **fields}


def p(name, orgs=("party",), statement="", region="") -> dict:
    person: dict = {"name": name, "organisations": list(orgs)}
    if statement:
        person["statement"] = statement
    if region:
        person["region"] = region
    return person


@override_settings(INTAKE_QUEUE=True)
class QueueTestCase(BaseTestCase):
    def send(self, data: dict, lang="en"):
        response = self.client.post(
            f"{URL}?lang={lang}", json.dumps(data), content_type="application/json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def look_up(self, code, lang="en", **extra):
        return self.client.post(f"/{lang}/receipt/", {"code": code, **extra})


class ReceivedTestCase(QueueTestCase):
    def test_the_answer_is_received_and_one_row_is_stored(self):
        answer = self.send(
            body(p("松山", ("party", "league"), "我退出中共。", "CN-SX"), date="2025-06-04"),
            lang="zh-hant",
        )
        self.assertEqual(answer["status"], "received")
        self.assertEqual(answer["people"], 1)
        self.assertIsNone(answer["receipt"])
        self.assertEqual(answer["receipt_url"], "/zh-hant/receipt/")
        self.assertFalse(Submission.objects.exists())
        arrival = Arrival.objects.get()
        self.assertEqual(arrival.channel, Channel.API)
        self.assertEqual(arrival.language, "zh-hant")
        self.assertEqual(str(arrival.declared_on), "2025-06-04")
        self.assertFalse(arrival.burst)

        self.assertEqual(arrivals.drain(), 1)
        self.assertFalse(Arrival.objects.exists())
        submission = Submission.objects.get()
        self.assertEqual(submission.status, Status.ACCEPTED)
        self.assertEqual(submission.flags, [])
        self.assertEqual(submission.created_at, arrival.created_at)
        self.assertEqual((submission.channel, submission.language), (Channel.API, "zh-hant"))
        self.assertEqual(str(submission.declared_on), "2025-06-04")
        person = Person.objects.get()
        self.assertEqual(
            (person.name, person.statement, person.region), ("松山", "我退出中共。", "CN-SX")
        )
        self.assertEqual(person.name_key, "松山")
        self.assertTrue(person.statement_fingerprint == "")  # too short to be a fingerprint
        self.assertEqual(
            sorted(person.organisations.values_list("slug", flat=True)), ["league", "party"]
        )
        run_sequencer()
        person.refresh_from_db()
        self.assertIsNotNone(person.leaf_index)

    def test_the_row_holds_no_address_no_agent_and_a_sealed_contact(self):
        with tempfile.TemporaryDirectory() as keys:
            public, private = make_contacts_key(Path(keys))
            with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": public}):
                self.client.post(
                    URL,
                    json.dumps(body(p("Contact"), contact="微信 pine123", receipt=True)),
                    content_type="application/json",
                    HTTP_USER_AGENT="CanaryAgent/9.9",
                    REMOTE_ADDR="203.0.113.77",
                )
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM declarations_arrival")
                (row,) = cursor.fetchall()
            stored = " ".join(
                bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)
                for value in row
            )
            for secret in ("CanaryAgent", "203.0.113.77", "pine123"):
                self.assertNotIn(secret, stored)
            sealed = bytes(Arrival.objects.get().sealed_contact)
            arrivals.drain()
            self.assertEqual(bytes(Submission.objects.get().sealed_contact), sealed)
            key = contacts.load_private_key(private)
            self.assertEqual(contacts.reveal(sealed, key), "微信 pine123")

    def test_one_batch_finds_duplicates_and_near_identical_text_among_itself(self):
        text = "一段足够长的声明文字用于测试相似文本检查"
        self.send(body(p("Twin", region="CN-SX")))
        self.send(body(p("Twin", region="CN-SX")))
        self.send(body(p("Writer A", statement=text)))
        self.send(body(p("Writer B", statement=text + "。")))
        self.send(body(p("Other", ("league",))))
        self.assertEqual(arrivals.moderate_batch(), 5)  # one batch: the database held none
        flags = list(Submission.objects.order_by("pk").values_list("status", "flags"))
        self.assertEqual(
            flags,
            [
                ("accepted", []),
                ("pending", ["duplicate"]),
                ("accepted", []),
                ("pending", ["similar_text"]),
                ("accepted", []),
            ],
        )

    def test_one_batch_is_checked_against_what_is_stored_and_stored_whole(self):
        text = "另一段足够长的声明文字用于测试已存的相似文本"
        self.send(
            body(p("Stored", ("party", "league"), region="CN-GD"), p("Author", statement=text))
        )
        arrivals.drain()
        # One batch of families: exactly the stored organisations is a duplicate, a superset
        # or another region is not; the stored statement with other punctuation is similar.
        self.send(body(p("stored", ("league", "party"), region="CN-GD")))
        self.send(body(p("Stored", ("party", "league", "pioneers"), region="CN-GD")))
        self.send(
            body(p("Stored", ("party", "league"), region="CN-SX"), p("Copy", statement=text + "！"))
        )
        self.send(
            body(p("Fresh", ("party", "league"), "第一条足够长的声明文字，无人写过"), p("Kin"))
        )
        self.assertEqual(arrivals.moderate_batch(), 4)
        self.assertEqual(
            list(Submission.objects.order_by("pk").values_list("flags", flat=True))[1:],
            [["duplicate"], [], ["similar_text"], []],
        )
        stored = [
            (person.submission_id, person.position, person.name,
             sorted(person.organisations.values_list("slug", flat=True)))
            for person in Person.objects.order_by("submission_id", "position")
        ][2:]  # fmt: skip
        first = stored[0][0]
        self.assertEqual(
            [(s - first, *rest) for s, *rest in stored],
            [
                (0, 0, "stored", ["league", "party"]),
                (1, 0, "Stored", ["league", "party", "pioneers"]),
                (2, 0, "Stored", ["league", "party"]),
                (2, 1, "Copy", ["party"]),
                (3, 0, "Fresh", ["league", "party"]),
                (3, 1, "Kin", ["party"]),
            ],
        )
        self.assertEqual(
            Person.objects.get(name="Fresh").statement_fingerprint,
            arrivals.fingerprint("第一条足够长的声明文字，无人写过"),
        )

    def test_batches_are_bounded_and_oldest_first(self):
        for i in range(5):
            self.send(body(p(f"Batch {i}")))
        self.assertEqual(arrivals.moderate_batch(limit=2), 2)
        self.assertEqual(
            list(Person.objects.order_by("pk").values_list("name", flat=True)),
            ["Batch 0", "Batch 1"],
        )
        self.assertEqual(Arrival.objects.count(), 3)
        self.assertEqual(arrivals.drain(limit=2), 3)
        self.assertEqual(Person.objects.count(), 5)

    @override_settings(RATE_LIMITS=True, BURST_THRESHOLD=2)
    def test_a_burst_is_counted_when_it_arrives(self):
        for i in range(4):
            self.send(body(p(f"Burst {i}")))
        self.assertEqual(list(Arrival.objects.order_by("pk").values_list("burst", flat=True)),
                         [False, False, True, True])  # fmt: skip
        arrivals.drain()
        self.assertEqual(
            list(Submission.objects.order_by("pk").values_list("flags", flat=True)),
            [[], [], ["burst"], ["burst"]],
        )

    def test_housekeeping_moderates_what_the_sequencer_left(self):
        self.send(body(p("Left Behind")))
        output = StringIO()
        call_command("housekeeping", "--once", stdout=output)
        self.assertIn("housekeeping:", output.getvalue())
        self.assertFalse(Arrival.objects.exists())
        self.assertEqual(Submission.objects.get().status, Status.ACCEPTED)

    @override_settings(INTAKE_QUEUE=False)
    def test_without_the_queue_the_request_moderates(self):
        response = self.client.post(
            URL, json.dumps(body(p("Direct"))), content_type="application/json"
        )
        self.assertEqual(response.json()["status"], "accepted")
        self.assertFalse(Arrival.objects.exists())
        self.assertEqual(Submission.objects.get().status, Status.ACCEPTED)


class ReceiptStatusTestCase(QueueTestCase):
    """The receipt page, in the three languages, as the status moves."""

    RECEIVED = {
        "en": "Received: it passed every check of the form and waits to be moderated",
        "zh-hans": "已收到：它已通过表单的全部检查，正在等待审核",
        "zh-hant": "已收到：它已通過表單的全部檢查，正在等待審核",
    }
    ACCEPTED = {"en": "Accepted.", "zh-hans": "已接受。", "zh-hant": "已接受。"}
    PENDING = {"en": "Waiting for review", "zh-hans": "等待审核", "zh-hant": "等待審核"}
    REJECTED = {
        "en": "Rejected. Reason: Spam or advertising.",
        "zh-hans": "未被接受。原因：垃圾信息或广告。",
        "zh-hant": "未被接受。原因：垃圾訊息或廣告。",
    }

    def test_received_then_accepted_in_three_languages(self):
        for lang in ("en", "zh-hans", "zh-hant"):
            with self.subTest(lang=lang):
                code = self.send(body(p(f"守夜人 {lang}", ("party", "league"), "我退出。", "CN-HB"), receipt=True), lang)["receipt"]  # fmt: skip
                page = self.look_up(code, lang)
                self.assertContains(page, self.RECEIVED[lang])
                self.assertContains(page, f"守夜人 {lang}")
                self.assertContains(page, "我退出。")
                self.assertNotContains(page, self.ACCEPTED[lang])
                arrivals.drain()
                page = self.look_up(code, lang)
                self.assertContains(page, self.ACCEPTED[lang])
                self.assertNotContains(page, self.RECEIVED[lang])

    def test_received_then_held_then_rejected(self):
        code = self.send(body(p("Linker", statement="see www.example.com"), receipt=True))[
            "receipt"
        ]
        arrivals.drain()
        for lang in ("en", "zh-hans", "zh-hant"):
            self.assertContains(self.look_up(code, lang), self.PENDING[lang])
        Submission.objects.get().reject(RejectionReason.SPAM, by=self.mo)
        for lang in ("en", "zh-hans", "zh-hant"):
            self.assertContains(self.look_up(code, lang), self.REJECTED[lang])

    def test_removal_while_received_deletes_the_row(self):
        confirm = {
            "en": "Delete this declaration?",
            "zh-hans": "删除这份声明？",
            "zh-hant": "刪除這份聲明？",
        }
        done = {
            "en": "The declaration was deleted before anyone moderated it",
            "zh-hans": "这份声明在审核之前已被删除",
            "zh-hant": "這份聲明在審核之前已被刪除",
        }
        for lang in ("en", "zh-hans", "zh-hant"):
            with self.subTest(lang=lang):
                code = self.send(body(p(f"夜行 {lang}", statement="请删掉我"), receipt=True), lang)["receipt"]  # fmt: skip
                page = self.look_up(code, lang, action="remove")
                self.assertContains(page, confirm[lang])
                self.look_up(code, lang, action="remove", confirm="no")
                self.assertEqual(Arrival.objects.count(), 1)
                page = self.look_up(code, lang, action="remove", confirm="yes")
                self.assertContains(page, done[lang])
                self.assertFalse(Arrival.objects.exists())
                self.assertEqual(self.look_up(code, lang).status_code, 404)
                arrivals.drain()
                self.assertFalse(Submission.objects.exists())

    def test_removal_after_moderation_removes_the_text(self):
        code = self.send(body(p("晨光", statement="我退出"), receipt=True))["receipt"]
        arrivals.drain()
        run_sequencer()
        page = self.look_up(code, action="remove", confirm="yes")
        self.assertContains(page, "The names and statements of this declaration have been removed.")
        person = Person.objects.get()
        self.assertEqual((person.name, person.statement), ("", ""))
        self.assertEqual(self.look_up(code).status_code, 404)

    def test_an_arrival_taken_meanwhile_is_removed_as_a_submission(self):
        code = self.send(body(p("Race", statement="我退出"), receipt=True))["receipt"]
        arrival = arrivals.find(Submission.hash_receipt(code))
        arrivals.drain()
        self.assertFalse(arrivals.remove(arrival))
        self.assertEqual(Person.objects.get().name, "Race")
        page = self.look_up(code, action="remove", confirm="yes")
        self.assertContains(page, "The names and statements of this declaration have been removed.")
        self.assertEqual(Person.objects.get().name, "")


class FormThroughTheQueueTestCase(QueueTestCase):
    """The public form with the queue on: one arrival, the thanks page says received and links
    the receipt page, which then follows the status."""

    THANKS = {
        "en": "Received: it passed every check of the form and is moderated in a moment",
        "zh-hans": "已收到：它已通过表单的全部检查，稍后即会审核",
        "zh-hant": "已收到：它已通過表單的全部檢查，稍後即會審核",
    }

    def test_received_then_accepted_in_three_languages(self):
        for lang in ("en", "zh-hans", "zh-hant"):
            with self.subTest(lang=lang):
                data = form_data(
                    {"name": f"表单 {lang}", "organisations": ["party", "league"],
                     "statement": "我退出中共。", "region": "CN-HB"},
                    {"name": f"家人 {lang}", "organisations": ["pioneers"]},
                    contact="微信 form123",
                    want_receipt=True,
                )  # fmt: skip
                response = self.client.post(f"/{lang}/declare/", data)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, self.THANKS[lang])
                self.assertContains(response, f'href="/{lang}/receipt/"')
                self.assertNotContains(response, ReceiptStatusTestCase.ACCEPTED[lang])
                code = receipt_code_in(response.content.decode())
                arrival = Arrival.objects.get()
                self.assertEqual((arrival.channel, arrival.language), (Channel.WEB, lang))
                self.assertEqual(len(arrival.people), 2)
                self.assertFalse(Submission.objects.exists())
                page = self.look_up(code, lang)
                self.assertContains(page, ReceiptStatusTestCase.RECEIVED[lang])
                arrivals.drain()
                page = self.look_up(code, lang)
                self.assertContains(page, ReceiptStatusTestCase.ACCEPTED[lang])
                submission = Submission.objects.get()
                self.assertEqual(submission.channel, Channel.WEB)
                self.assertEqual(
                    [(person.name, sorted(person.organisations.values_list("slug", flat=True)))
                     for person in submission.people.order_by("position")],
                    [(f"表单 {lang}", ["league", "party"]), (f"家人 {lang}", ["pioneers"])],
                )  # fmt: skip
                Person.objects.all().delete()
                Submission.objects.all().delete()

    def test_without_a_receipt_the_page_still_says_received_and_moderation_holds_a_link(self):
        data = form_data({"name": "Linker", "organisations": ["party"],
                          "statement": "see www.example.com", "region": ""})  # fmt: skip
        response = self.client.post("/en/declare/", data)
        self.assertContains(response, self.THANKS["en"])
        self.assertIsNone(receipt_code_in(response.content.decode()))
        arrivals.drain()
        self.assertEqual(
            list(Submission.objects.values_list("status", "flags")), [("pending", ["link"])]
        )

    @override_settings(INTAKE_QUEUE=False)
    def test_without_the_queue_the_form_moderates(self):
        data = form_data({"name": "Direct", "organisations": ["party"], "statement": "", "region": ""})  # fmt: skip
        response = self.client.post("/en/declare/", data)
        self.assertContains(response, "Accepted.")
        self.assertNotContains(response, self.THANKS["en"])
        self.assertFalse(Arrival.objects.exists())
