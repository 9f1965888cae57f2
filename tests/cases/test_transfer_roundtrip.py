"""Everything a case holds goes out through ``tuidang cases export`` and comes back through
``tuidang cases import`` into an empty database: the documentation (people, merges, events,
acts, sources, interventions), evidence files with their chain of custody, and the casework of
a person at risk. A file changed on the way is refused and nothing is imported; the format's
document and the exporter agree.
"""

import datetime
import hashlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import models

from tests.base import login_verified
from tests.cases.base import CasesTestCase, make_case
from tuidang.accounts.models import AuditEvent
from tuidang.cases import duplicates
from tuidang.cases.models import (
    Act,
    Case,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Consent,
    Contact,
    CustodyEntry,
    Event,
    Evidence,
    Information,
    Intervention,
    Involvement,
    LegalStay,
    Merge,
    MovementLeg,
    Person,
    ProtectionApplication,
    Team,
    Term,
)
from tuidang.cases.transfer import CASEWORK

ROOT = Path(__file__).resolve().parents[2]
VERDICT = "判决书 VERDICT-7F3A 判处有期徒刑十年".encode()
PHOTO = bytes(range(256)) * 64  # binary, with every byte value
User = get_user_model()


def term(vocabulary: str, code: str) -> Term:
    return Term.objects.get(vocabulary=vocabulary, code=code)


def build(rita, cas) -> None:
    """Two cases holding one of everything the format carries."""
    willow = make_case(rita, "Willow", team=Team.objects.create(name="North desk"))
    wang = Person.objects.create(
        case=willow, pseudonym="W1", real_name="王建国", other_names="王建國\nWang Jianguo",
        birth_date="1971-03", sex="m", region="CN-JL", address="长春市某路 1 号",
        contact="+86 431 0000", notes="王建国 was a teacher",
    )  # fmt: skip
    wife = Person.objects.create(case=willow, pseudonym="W2", real_name="李梅", region="CN-JL")
    again = Person.objects.create(case=willow, pseudonym="W3", real_name="王建國")
    for kind, given in (("government", True), ("un", True), ("public", False)):
        Consent.objects.create(
            person=wang, recipient_kind=term("recipient_kind", kind), given=given, recorded_by=rita
        )
    duplicates.merge(wang, again, rita)
    arrest = Event.objects.create(
        case=willow, title="Arrest after leaflets", description="王建国 was taken at night.",
        region="CN-JL", city="长春", date=datetime.date(2004, 5, 1), date_precision="month",
    )  # fmt: skip
    visit = Event.objects.create(
        case=willow, title="Visits", region="CN-JL", date=datetime.date(2005, 1, 1),
        date_precision="approximate",
    )  # fmt: skip
    act = Act.objects.create(
        event=arrest, victim=wang, act_type=term("act_type", "arrest"),
        victim_status=term("victim_status", "held"), date=datetime.date(2004, 5, 6),
    )  # fmt: skip
    Involvement.objects.create(
        act=act, agency="District public security bureau", degree="direct",
        agency_type=term("perpetrator_type", "police"),
    )  # fmt: skip
    harassment = Act.objects.create(
        event=visit, victim=wife, act_type=term("act_type", "family_harassment"),
        victim_status=term("victim_status", "unknown"), date_precision="unknown",
    )  # fmt: skip
    Involvement.objects.create(act=harassment, perpetrator=again, degree="unknown")
    sister = Information.objects.create(
        case=willow, source="his sister 王丽", source_type=term("source_type", "family"),
        reliability="high", date=datetime.date(2004, 6, 1), language="zh",
        summary="王建国's sister saw the arrest.", citation="Interview recorded by the centre",
    )  # fmt: skip
    sister.events.set([arrest])
    sister.people.set([wang, wife])
    Information.objects.create(
        case=willow, source_type=term("source_type", "media"), reliability="unknown",
        citation="Minghui, 2005",
    )  # fmt: skip
    Intervention.objects.create(
        case=willow, kind=term("intervention_type", "un_appeal"),
        recipient="Special Rapporteur on torture", date=datetime.date(2004, 7, 1),
        status="answered", description="Urgent appeal for 王建国", response="Acknowledged",
    )  # fmt: skip
    Intervention.objects.create(
        case=willow, kind=term("intervention_type", "letter"), recipient="Embassy", status="planned"
    )
    verdict = Evidence.receive(
        willow, VERDICT, filename="王建国判决书.pdf", by=rita, came_from="his sister, by Signal",
        content_type="application/pdf", description="The verdict", information=sister,
    )  # fmt: skip
    verdict.custody.create(by=rita, action="viewed", sha256=verdict.sha256)
    verdict.custody.create(
        by=cas, action="transferred", sha256=verdict.sha256, counterpart="UN OHCHR",
        note="USB key for 王建国's appeal",
    )  # fmt: skip
    Evidence.receive(willow, PHOTO, filename="photo.jpg", by=cas, came_from="hotline")

    lotus = make_case(
        cas, "Lotus", kind=Case.Kind.AT_RISK, backup=rita, risk="critical", current_country="TH"
    )
    Person.objects.create(case=lotus, pseudonym="L1", real_name="赵六")
    stay = LegalStay.objects.create(
        case=lotus, status="visa_free", country="CN-HK", document="Visitor permit 12345",
        valid_until=datetime.date(2026, 1, 12), notes="refused asylum twice",
    )  # fmt: skip
    LegalStay.objects.filter(pk=stay.pk).update(
        recorded=datetime.datetime(2026, 1, 1, 9, 30, tzinfo=datetime.UTC)
    )
    MovementLeg.objects.create(
        case=lotus, kind="flight", from_country="CN-HK", to_country="TH",
        left_on=datetime.date(2026, 1, 11), arrived_on=datetime.date(2026, 1, 12),
    )  # fmt: skip
    MovementLeg.objects.create(case=lotus, kind="deportation", from_country="TH", to_country="CN")
    ProtectionApplication.objects.create(
        case=lotus, kind="unhcr", country="TH", authority="UNHCR Bangkok",
        reference="UNHCR-889-2026", status="decided", submitted_on=datetime.date(2026, 1, 13),
        interview_on=datetime.date(2026, 2, 1), decision="refused",
        decided_on=datetime.date(2026, 3, 1), appeal_deadline=datetime.date(2026, 3, 31),
        notes="appeal with the new evidence",
    )  # fmt: skip
    letter = Contact.objects.create(
        case=lotus, party_kind="embassy", party="Consular section", channel="letter",
        contacted_on=datetime.date(2026, 1, 6), summary="asked for an urgent visa",
        reply_expected_by=datetime.date(2026, 1, 20),
    )  # fmt: skip
    Contact.objects.create(
        case=lotus, party_kind="embassy", party="Consul", channel="phone",
        contacted_on=datetime.date(2026, 1, 21), summary="called again", follow_up_of=letter,
        replied_on=datetime.date(2026, 1, 22),
    )  # fmt: skip
    CaseTask.objects.create(
        case=lotus, title="Book the bus ticket", assignee=rita, due_on=datetime.date(2026, 1, 10),
        remind_at=datetime.datetime(2026, 1, 9, 8, 0, tzinfo=datetime.UTC),
        done_at=datetime.datetime(2026, 1, 9, 17, 15, 30, tzinfo=datetime.UTC),
    )  # fmt: skip
    CaseTask.objects.create(case=lotus, title="Find a lawyer")
    CheckInPlan.objects.create(
        case=lotus, every_hours=12, grace_hours=3, active=False,
        started=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )  # fmt: skip
    CheckIn.objects.create(
        case=lotus, at=datetime.datetime(2026, 1, 11, 22, 0, tzinfo=datetime.UTC),
        channel="call", safe=False, note="police at the door", recorded_by=cas,
    )  # fmt: skip


# Set on every save, or derived (recomputed from the names on import); not carried.
NOT_CARRIED = {"id", "created", "updated", "sealed_content"}


def row(obj: models.Model, index: dict) -> dict:
    """A row's values with pks replaced by what survives a move: user names, vocabulary codes,
    a row's place among its case's rows of the same model."""
    values = {}
    for field in obj._meta.concrete_fields:
        if field.name in NOT_CARRIED or field.name == "case":
            continue
        value = getattr(obj, field.attname)
        if field.is_relation and value is not None:
            target = field.related_model
            if target is User:
                value = User.objects.get(pk=value).username
            elif target is Term:
                value = Term.objects.get(pk=value).code
            elif target is Team:
                value = Team.objects.get(pk=value).name
            else:
                value = (target.__name__, index[target][value])
        values[field.name] = value
    return values


def snapshot() -> dict:
    """Every case as comparable data (what a second database must hold after the move)."""
    found = {}
    for case in Case.objects.order_by("codename"):
        index: dict = {}
        per_model = {
            Person: case.people.order_by("pk"),
            Event: case.events.order_by("pk"),
            Act: Act.objects.filter(event__case=case).order_by("pk"),
            Information: case.information.order_by("pk"),
            Intervention: case.interventions.order_by("pk"),
            Evidence: case.evidence.order_by("pk"),
            **{model: model._default_manager.filter(case=case).order_by("pk") for model, _names in CASEWORK.values()},
        }  # fmt: skip
        for model, rows in per_model.items():
            index[model] = {obj.pk: i for i, obj in enumerate(rows)}
        data: dict = {"case": row(case, index)}
        for model, rows in per_model.items():
            data[model.__name__] = [row(obj, index) for obj in rows]
        for i, person in enumerate(per_model[Person]):
            latest = {}
            for consent in person.consents.order_by("at", "pk"):
                latest[consent.recipient_kind.code] = consent.given
            data["Person"][i]["consents"] = latest
            data["Person"][i]["name_keys"] = sorted(person.name_keys.values_list("key", flat=True))
            data["Person"][i]["merged"] = Merge.objects.filter(
                merged=person, undone_at__isnull=True
            ).count()
        for i, act in enumerate(per_model[Act]):
            data["Act"][i]["involvements"] = [row(inv, index) for inv in act.involvements.all()]
        for i, info in enumerate(per_model[Information]):
            data["Information"][i]["events"] = [index[Event][e.pk] for e in info.events.all()]
            data["Information"][i]["people"] = [index[Person][p.pk] for p in info.people.all()]
        for i, evidence in enumerate(per_model[Evidence]):
            data["Evidence"][i]["content"] = evidence.content()
            data["Evidence"][i]["custody"] = [
                row(link, index) for link in evidence.custody.order_by("at", "pk")
            ]
        plan = CheckInPlan.objects.filter(case=case).first()
        data["CheckInPlan"] = row(plan, index) if plan else None
        found[case.codename] = data
    return found


def empty_the_cases() -> None:
    """The other centre's database: no case, no person, no evidence (accounts and vocabularies
    as a fresh install has them)."""
    Merge.objects.all().delete()
    Involvement.objects.all().delete()
    Act.objects.all().delete()
    Person.objects.update(merged_into=None)
    Case.objects.all().delete()
    Team.objects.all().delete()
    assert not Person.objects.exists() and not Evidence.objects.exists()


class EvidenceRoundTripTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        build(self.rita, self.cas)
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        self.out = self.folder / "cases.json"

    def export(self, *args: str) -> dict:
        call_command("cases", "export", "--out", str(self.out), *args, stderr=io.StringIO())
        return json.loads(self.out.read_text(encoding="utf-8"))

    def test_everything_comes_back_in_an_empty_database(self):
        data = self.export("--identities", "--reason", "moving to the new server")
        before = snapshot()
        # The files are beside the JSON, named by their hash, readable by their owner only.
        for content in (VERDICT, PHOTO):
            path = self.folder / "evidence" / hashlib.sha256(content).hexdigest()
            self.assertEqual(path.read_bytes(), content)
            self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        self.assertEqual(self.out.stat().st_mode & 0o777, 0o600)
        self.assertNotIn(VERDICT.decode(), self.out.read_text(encoding="utf-8"))
        audit = AuditEvent.objects.filter(action="cases.exported").latest("seq")
        self.assertEqual(
            (audit.detail["evidence_files"], audit.detail["reason"]),
            (2, "moving to the new server"),
        )
        verdict = data["cases"][1]["evidence"][0]
        self.assertEqual(
            [link["action"] for link in verdict["custody"]],
            ["received", "viewed", "transferred", "exported"],
        )
        self.assertEqual(verdict["custody"][-1]["by"], "")
        self.assertIn("moving to the new server", verdict["custody"][-1]["note"])

        empty_the_cases()
        out = io.StringIO()
        call_command("cases", "import", str(self.out), stdout=out)
        self.assertIn("Imported 2 case(s)", out.getvalue())
        after = snapshot()
        for codename in ("Willow", "Lotus"):
            for item in after[codename]["Evidence"]:
                imported = item["custody"].pop()
                self.assertEqual(
                    (imported["action"], imported["by"], imported["sha256"]),
                    ("imported", None, item["sha256"]),
                )
        self.assertEqual(after, before)
        self.assertEqual(Case.objects.get(codename="Willow").team.name, "North desk")
        audit = AuditEvent.objects.filter(action="cases.imported").latest("seq")
        self.assertEqual(audit.detail["evidence_files"], 2)
        # The merge came back undoable, as a person's decision would be.
        merge = Merge.objects.get()
        duplicates.undo(merge, self.rita)
        self.assertFalse(Person.objects.filter(merged_into__isnull=False).exists())
        # The chain of custody page says who imported the file: the command line.
        login_verified(self.client, self.rita)
        willow = Case.objects.get(codename="Willow")
        evidence = willow.evidence.order_by("pk").first()
        page = self.client.get(f"/en/cases/{willow.pk}/evidence/{evidence.pk}/")
        self.assertContains(page, "<td>command line</td><td>imported</td>", html=False)
        for language, words in (
            ("zh-hans", "命令行</td><td>已导入"),
            ("zh-hant", "命令列</td><td>已匯入"),
        ):
            page = self.client.get(f"/{language}/cases/{willow.pk}/evidence/{evidence.pk}/")
            self.assertContains(page, words)

    def test_a_changed_file_is_refused_by_its_record_and_nothing_is_imported(self):
        self.export("--identities", "--reason", "moving")
        empty_the_cases()
        photo = self.folder / "evidence" / hashlib.sha256(PHOTO).hexdigest()
        photo.write_bytes(PHOTO[:-1] + b"\x00")
        with self.assertRaises(CommandError) as refused:
            call_command("cases", "import", str(self.out))
        message = str(refused.exception)
        self.assertIn("cases[1].evidence[1].file", message)
        self.assertIn("does not match its record in case 'Willow'", message)
        self.assertIn(hashlib.sha256(PHOTO).hexdigest(), message)
        self.assertIn("nothing imported", message)
        self.assertFalse(Case.objects.exists())
        self.assertFalse(Evidence.objects.exists())
        self.assertFalse(CustodyEntry.objects.exists())
        # A file missing, or pointing out of the export's folder, is refused the same way.
        photo.unlink()
        data = json.loads(self.out.read_text(encoding="utf-8"))
        data["cases"][1]["evidence"][0]["file"] = "../../etc/passwd"
        self.out.write_text(json.dumps(data), encoding="utf-8")
        with self.assertRaises(CommandError) as refused:
            call_command("cases", "import", str(self.out))
        self.assertIn(
            "cases[1].evidence[0].file: '../../etc/passwd' is outside", str(refused.exception)
        )
        self.assertIn("cases[1].evidence[1].file: no file", str(refused.exception))
        self.assertFalse(Case.objects.exists())

    def test_a_file_over_the_limit_is_refused(self):
        self.export("--identities", "--reason", "moving")
        empty_the_cases()
        with (
            self.settings(CASES_EVIDENCE_MAX_BYTES=1000),
            self.assertRaises(CommandError) as refused,
        ):
            call_command("cases", "import", str(self.out))
        self.assertIn("cases[1].evidence[1].file", str(refused.exception))
        self.assertIn("TUIDANG_CASES_EVIDENCE_MAX_BYTES", str(refused.exception))
        self.assertFalse(Case.objects.exists())

    def test_without_identities_the_files_and_what_names_or_locates_stay_home(self):
        data = self.export()
        self.assertFalse((self.folder / "evidence").exists())
        self.assertFalse(CustodyEntry.objects.filter(action="exported").exists())
        text = self.out.read_text(encoding="utf-8")
        for secret in ("王建国", "王建國", "his sister", "UN OHCHR", "Visitor permit", "UNHCR-889"):
            self.assertNotIn(secret, text)
        willow, lotus = data["cases"][1], data["cases"][0]
        verdict = willow["evidence"][0]
        self.assertNotIn("file", verdict)
        self.assertEqual(verdict["sha256"], hashlib.sha256(VERDICT).hexdigest())
        self.assertEqual(verdict["filename"], "W1判决书.pdf")
        self.assertEqual(verdict["custody"][2]["note"], "USB key for W1's appeal")
        self.assertNotIn("counterpart", verdict["custody"][0])
        self.assertNotIn("current_country", lotus)
        self.assertEqual(lotus["stays"][0]["notes"], "refused asylum twice")
        self.assertNotIn("country", lotus["stays"][0])
        self.assertNotIn("reference", lotus["applications"][0])
        self.assertEqual(lotus["contacts"][1]["follow_up_of"], lotus["contacts"][0]["ref"])
        self.assertEqual(lotus["checkin_plan"]["every_hours"], 12)
        # Such a file cannot bring evidence back: it says so rather than dropping it.
        Case.objects.filter(codename="Willow").update(codename="Willow-old")
        Case.objects.filter(codename="Lotus").update(codename="Lotus-old")
        with self.assertRaises(CommandError) as refused:
            call_command("cases", "import", str(self.out))
        self.assertIn("cases[1].evidence[0].file: missing", str(refused.exception))

    def test_an_export_with_files_needs_a_place_for_them(self):
        with self.assertRaises(CommandError) as refused:
            call_command("cases", "export", "--identities", "--reason", "x", stdout=io.StringIO())
        self.assertIn("--out", str(refused.exception))
        self.assertFalse(CustodyEntry.objects.filter(action="exported").exists())
        self.assertFalse(AuditEvent.objects.filter(action="cases.exported").exists())


class FormatDocumentTests(CasesTestCase):
    """docs/cases-format.md and the exporter agree: its example imports, and every key an
    export writes is documented."""

    DOC = (ROOT / "docs" / "cases-format.md").read_text(encoding="utf-8")

    def test_the_documented_example_imports(self):
        example = json.loads(re.search(r"```json\n(.*?)\n```", self.DOC, re.S).group(1))
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        # The example's evidence file: the bytes whose hash it gives.
        for case in example["cases"]:
            for item in case.get("evidence", []):
                (folder / item["file"]).parent.mkdir(parents=True, exist_ok=True)
                (folder / item["file"]).write_bytes(b"scan of the verdict\n")
        make_case(self.cas, "placeholder").delete()  # the key exists
        (folder / "cases.json").write_text(json.dumps(example, ensure_ascii=False), "utf-8")
        call_command("cases", "import", str(folder / "cases.json"), stdout=io.StringIO())
        self.assertEqual(Evidence.objects.count(), 1)
        self.assertTrue(LegalStay.objects.exists())

    def test_every_key_an_export_writes_is_documented(self):
        build(self.rita, self.cas)
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        out = folder / "cases.json"
        call_command(
            "cases", "export", "--identities", "--reason", "doc", "--out", str(out),
            stderr=io.StringIO(),
        )  # fmt: skip
        keys: set[str] = set()

        def walk(value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    # Consent maps a vocabulary code to an answer: codes, not keys.
                    if key != "consent":
                        keys.add(key)
                        walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(out.read_text(encoding="utf-8")))
        # Documented as `key`, as `part[].key`, or in the example as "key".
        undocumented = sorted(
            key
            for key in keys
            if not re.search(rf'[`.]{re.escape(key)}`|"{re.escape(key)}"', self.DOC)
        )
        self.assertEqual(undocumented, [])
        self.assertGreater(len(keys), 60)


class MergeAcrossCasesTests(CasesTestCase):
    def file(self, survivor_ref: str) -> Path:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        path = folder / "cases.json"
        cases = [
            {"codename": "Aspen", "owner": "rita",
             "people": [{"ref": "p1", "pseudonym": "A1", "real_name": "王建国"}]},
            {"codename": "Birch", "owner": "rita",
             "people": [{"ref": "p2", "pseudonym": "B1", "real_name": "王建國",
                         "same_as": survivor_ref}]},
        ]  # fmt: skip
        path.write_text(json.dumps({"format": "tuidang-cases/1", "cases": cases}), "utf-8")
        return path

    def test_the_same_person_reported_in_two_cases_comes_back_merged(self):
        call_command("cases", "import", str(self.file("p1")), stdout=io.StringIO())
        merged = Person.objects.get(pseudonym="B1")
        self.assertEqual(merged.merged_into, Person.objects.get(pseudonym="A1"))
        self.assertEqual(Merge.objects.get().merged, merged)
        with self.assertRaises(CommandError) as refused:
            call_command("cases", "import", str(self.file("p9")))
        self.assertIn(
            "'p2' is the same as 'p9', which no person of the file is", str(refused.exception)
        )
