"""Evidence, information and interventions over HTTP as a researcher reaches them, in all three
languages; and a handed-over dossier anchored in the transparency log, proven with the ledger.
"""

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.accounts.models import AuditEvent
from tuidang.cases import dossier
from tuidang.cases.models import (
    Act,
    CustodyEntry,
    Dossier,
    Event,
    Evidence,
    Information,
    Intervention,
    Person,
    RedactionProfile,
    Term,
)
from tuidang.declarations import sequencer
from tuidang.ledger import new_verifier, parse_proof, verify_proof
from tuidang.ledger.entry import DossierAnchor, dossier_digest
from tuidang.transparency import logstore

LANGUAGES = ("zh-hans", "zh-hant", "en")


def dump_every_table(path: Path) -> None:
    """Every row of every table, raw column values as stored, into ``path``: what a seized
    database (or its backup) holds, on SQLite and PostgreSQL alike."""
    with connection.cursor() as cursor, path.open("wb") as out:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes | bytearray):
                        out.write(bytes(value))
                    else:
                        out.write(str(value).encode("utf-8"))
                    out.write(b"\0")


class EvidenceTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.case = make_case(self.rita, "Lotus")
        login_verified(self.client, self.rita)

    def upload(self, language: str, content: bytes, **fields):
        return self.client.post(
            f"/{language}/cases/{self.case.pk}/evidence/",
            {
                "file": SimpleUploadedFile("判决书.pdf", content, "application/pdf"),
                "came_from": fields.pop("came_from", "his sister, by Signal"),
                "description": "Court verdict",
                **fields,
            },
        )

    def test_a_file_is_hashed_sealed_and_followed_through_its_chain_of_custody(self):
        marker = f"VERDICT-{uuid.uuid4().hex.upper()}"
        for language in LANGUAGES:
            content = f"{marker}-{language} 判处有期徒刑".encode()
            base = f"/{language}/cases/{self.case.pk}/evidence"
            self.assertContains(self.client.get(f"{base}/"), 'enctype="multipart/form-data"')
            response = self.upload(language, content)
            evidence = Evidence.objects.latest("pk")
            self.assertRedirects(response, f"{base}/{evidence.pk}/", fetch_redirect_response=False)
            self.assertEqual(evidence.sha256, hashlib.sha256(content).hexdigest())
            self.assertEqual((evidence.size, evidence.filename), (len(content), "判决书.pdf"))
            self.assertNotIn(marker.encode(), bytes(evidence.sealed_content))
            page = self.client.get(f"{base}/{evidence.pk}/")
            self.assertContains(page, evidence.sha256)
            self.assertContains(page, "his sister, by Signal")
            # A download needs a reason; it is then audited and in the chain.
            refused = self.client.post(f"{base}/{evidence.pk}/download/", {"reason": ""})
            self.assertRedirects(refused, f"{base}/{evidence.pk}/", fetch_redirect_response=False)
            download = self.client.post(
                f"{base}/{evidence.pk}/download/", {"reason": "for the UN appeal"}
            )
            self.assertEqual(download.content, content)
            self.assertNotIn("判决书", download["Content-Disposition"])
            self.client.post(
                f"{base}/{evidence.pk}/transfer/", {"to": "UN OHCHR", "note": "USB key"}
            )
            self.assertEqual(
                list(evidence.custody.values_list("action", flat=True)),
                ["received", "viewed", "downloaded", "transferred"],
            )
            received, viewed, downloaded, transferred = evidence.custody.all()
            self.assertEqual(viewed.by, self.rita)
            self.assertEqual(
                (received.by, received.counterpart), (self.rita, "his sister, by Signal")
            )
            self.assertEqual(downloaded.note, "for the UN appeal")
            self.assertEqual((transferred.counterpart, transferred.note), ("UN OHCHR", "USB key"))
            self.assertEqual({e.sha256 for e in evidence.custody.all()}, {evidence.sha256})
            audit = AuditEvent.objects.filter(action="cases.evidence_downloaded").latest("pk")
            self.assertEqual(audit.detail["reason"], "for the UN appeal")
            self.assertEqual(audit.object_id, str(evidence.pk))
        # What a seized server holds: every table, raw, and every file of the data dir.
        dump_every_table(settings.DATA_DIR / "seized-tables.bin")
        files = [path for path in settings.DATA_DIR.rglob("*") if path.is_file()]
        leaks = [
            str(p)
            for p in files
            for needle in (marker, "his sister")
            if needle.encode() in p.read_bytes()
        ]
        self.assertEqual(leaks, [])
        self.assertIn(marker.encode(), Evidence.objects.earliest("pk").content())

    def test_a_file_over_the_limit_gets_a_message_in_the_language_and_nothing_is_kept(self):
        messages = {"zh-hans": "案件最多接受", "zh-hant": "案件最多接受", "en": "at most 0.0 MB"}
        with self.settings(CASES_EVIDENCE_MAX_BYTES=40):
            for language, message in messages.items():
                response = self.upload(language, b"x" * 41, came_from="kept-" + language)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertContains(response, f'value="kept-{language}"')
            self.assertRedirects(
                self.upload("en", b"x" * 40),
                f"/en/cases/{self.case.pk}/evidence/{Evidence.objects.get().pk}/",
            )
            # Beyond twice the limit the request is refused before its body is read.
            refused = self.upload("zh-hant", b"x" * (80 * 1024))
            self.assertEqual(refused.status_code, 413)
            self.assertIn("請求太大", refused.content.decode())
        self.assertEqual(Evidence.objects.count(), 1)

    def test_a_missing_source_is_named_on_its_field(self):
        messages = {
            "zh-hans": "这个字段是必填项",
            "zh-hant": "這個欄位是必須的",
            "en": "This field is required",
        }
        for language, message in messages.items():
            response = self.upload(language, b"data", came_from="")
            self.assertContains(response, message)
        self.assertFalse(Evidence.objects.exists())


class InformationAndInterventionTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        self.case = make_case(self.rita, "Orchid")
        self.person = Person.objects.create(case=self.case, pseudonym="O1", real_name="王五")
        self.event = Event.objects.create(case=self.case, title="Detained", region="CN-LN")
        login_verified(self.client, self.rita)

    def test_information_is_entered_linked_edited_and_its_source_never_shown_again(self):
        family = Term.objects.get(vocabulary="source_type", code="family")
        for language in LANGUAGES:
            base = f"/{language}/cases/{self.case.pk}/information"
            self.assertEqual(self.client.get(f"{base}/new/").status_code, 200)
            response = self.client.post(
                f"{base}/new/",
                {"source": f"王五的妹妹 {language}", "source_type": family.pk,
                 "reliability": "high", "date": "2024-03-02", "language": "zh",
                 "summary": "She saw the arrest.", "citation": "Interview, 2024",
                 "events": [self.event.pk], "people": [self.person.pk]},
            )  # fmt: skip
            self.assertRedirects(response, f"{base}/")
            item = Information.objects.latest("pk")
            self.assertEqual(item.source, f"王五的妹妹 {language}")
            self.assertEqual(
                (list(item.events.all()), list(item.people.all())), ([self.event], [self.person])
            )
            listing = self.client.get(f"{base}/")
            self.assertContains(listing, "Interview, 2024")
            self.assertContains(listing, "O1")
            self.assertNotContains(listing, "王五的妹妹")
            edit = self.client.get(f"{base}/{item.pk}/")
            self.assertNotContains(edit, "王五的妹妹")
            self.client.post(
                f"{base}/{item.pk}/",
                {"source": "", "source_type": family.pk, "reliability": "low",
                 "language": "zh-hant", "events": [self.event.pk]},
            )  # fmt: skip
            item.refresh_from_db()
            self.assertEqual((item.source, item.reliability), (f"王五的妹妹 {language}", "low"))
            self.assertEqual(list(item.people.all()), [])

    def test_bad_information_gets_a_message_per_field_and_keeps_what_was_typed(self):
        messages = {
            "zh-hans": ("请按 YYYY-MM-DD", "请给出语言代码"),
            "zh-hant": ("請按 YYYY-MM-DD", "請給出語言代碼"),
            "en": ("Give a date as YYYY-MM-DD", "Give a language code"),
        }
        for language, (bad_date, bad_language) in messages.items():
            response = self.client.post(
                f"/{language}/cases/{self.case.pk}/information/new/",
                {"source": "", "reliability": "high", "date": "March 2024",
                 "language": "Chinese", "citation": "Kept citation"},
            )  # fmt: skip
            self.assertEqual(response.status_code, 200)
            for message in (bad_date, bad_language):
                self.assertContains(response, message)
            self.assertContains(response, 'value="Kept citation"')
            form = response.context["form"]
            self.assertEqual(set(form.errors), {"source", "source_type", "date", "language"})
        self.assertFalse(Information.objects.exists())

    def test_interventions_are_entered_answered_and_listed(self):
        appeal = Term.objects.get(vocabulary="intervention_type", code="un_appeal")
        for language in LANGUAGES:
            base = f"/{language}/cases/{self.case.pk}/interventions"
            response = self.client.post(
                f"{base}/new/",
                {"kind": appeal.pk, "recipient": "UN WGAD", "date": "2025-01-10",
                 "status": "sent", "description": "Urgent appeal"},
            )  # fmt: skip
            self.assertRedirects(response, f"{base}/")
            item = Intervention.objects.latest("pk")
            answered = self.client.post(
                f"{base}/{item.pk}/",
                {"kind": appeal.pk, "recipient": "UN WGAD", "date": "2025-01-10",
                 "status": "answered", "response": "The government replied."},
            )  # fmt: skip
            self.assertRedirects(answered, f"{base}/")
            item.refresh_from_db()
            self.assertEqual((item.status, item.response), ("answered", "The government replied."))
            self.assertContains(self.client.get(f"{base}/"), "The government replied.")
            self.assertContains(self.client.get(f"/{language}/cases/{self.case.pk}/"), "UN WGAD")
        self.assertEqual(AuditEvent.objects.filter(action="cases.intervention_changed").count(), 3)

    def test_an_answered_intervention_needs_the_answer_and_a_date(self):
        letter = Term.objects.get(vocabulary="intervention_type", code="letter")
        messages = {
            "zh-hans": ("请写下答复", "请给出发出的日期"),
            "zh-hant": ("請寫下答覆", "請給出發出的日期"),
            "en": ("Write down the answer", "Give the date it was sent"),
        }
        for language, expected in messages.items():
            response = self.client.post(
                f"/{language}/cases/{self.case.pk}/interventions/new/",
                {"kind": letter.pk, "recipient": "Kept recipient", "status": "answered"},
            )
            for message in expected:
                self.assertContains(response, message)
            self.assertContains(response, 'value="Kept recipient"')
        self.assertFalse(Intervention.objects.exists())


class DossierAnchorTests(CasesTestCase):
    def test_a_handed_over_dossier_is_anchored_and_its_inclusion_proven(self):
        case = make_case(self.rita, "Camellia")
        Act.objects.create(
            event=Event.objects.create(case=case, title="Arrest", region="CN-JL"),
            victim=Person.objects.create(case=case, pseudonym="C1"),
            act_type=Term.objects.get(vocabulary="act_type", code="arrest"),
            victim_status=Term.objects.get(vocabulary="victim_status", code="held"),
        )
        public = RedactionProfile.objects.get(recipient_kind__code="public")
        made, files = dossier.build(
            [case], dossier.Filters(), public, title="T", recipient="R", by=self.rita
        )
        login_verified(self.client, self.rita)
        page = f"/en/cases/dossiers/{made.pk}/"
        # Not before the handover.
        self.client.post(f"/en/cases/dossiers/{made.pk}/anchor/")
        self.assertIsNone(Dossier.objects.get(pk=made.pk).log_index)
        self.client.post(f"/en/cases/dossiers/{made.pk}/hand-over/")
        self.assertContains(self.client.get(page), "Anchor in the transparency log")
        self.assertRedirects(self.client.post(f"/en/cases/dossiers/{made.pk}/anchor/"), page)
        made.refresh_from_db()
        self.assertIsNotNone(made.log_index)
        # Once only.
        self.client.post(f"/en/cases/dossiers/{made.pk}/anchor/")
        self.assertEqual(logstore.lock_state().size, made.log_index + 1)
        for language, label in (("zh-hans", "透明日志"), ("zh-hant", "透明日誌"), ("en", "entry")):
            response = self.client.get(f"/{language}/cases/dossiers/{made.pk}/")
            self.assertContains(response, label)
            self.assertContains(response, f"?index={made.log_index}")

        # The entry is the files' digest and the day; proven against a signed checkpoint.
        expected = DossierAnchor(made.handed_over_at.date(), dossier_digest(made.files))
        self.assertEqual(
            dossier_digest(
                {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
            ),
            expected.sha256,
        )
        sequencer.sign_checkpoint()
        receipt = self.client.get(f"/api/v1/proof?index={made.log_index}")
        self.assertEqual(receipt.status_code, 200)
        proven = verify_proof(
            parse_proof(receipt.content), expected.encode(), [new_verifier(logstore.vkeys()[0])]
        )
        self.assertEqual(proven.index, made.log_index)
        self.assertEqual(self.client.get("/api/v1/tally").json()["anchored"], {"dossier": 1})
        audit = AuditEvent.objects.get(action="cases.dossier_anchored")
        self.assertEqual(audit.detail["sha256"], expected.sha256)
        self.assertEqual(CustodyEntry.objects.count(), 0)
