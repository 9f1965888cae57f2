"""Dossiers: numbers equal the hand count, consent and redaction decide who is named, the PDF's
text (Chinese included) reads back with pdftotext, and handing over needs a second person."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.utils import translation

from tests.cases.base import CasesTestCase
from tests.cases.test_counts import PLANTED, case_file, hand_count
from tuidang.cases import dossier, duplicates
from tuidang.cases.models import Act, Case, Dossier, Intervention, Person, RedactionProfile
from tuidang.cases.transfer import import_data


def pdf_text(data: bytes) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install poppler-utils"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", file.name, "-"], capture_output=True, check=True
        ).stdout.decode()


def government() -> RedactionProfile:
    return RedactionProfile.objects.get(recipient_kind__code="government")


class DossierTests(CasesTestCase):
    def setUp(self):
        super().setUp()
        data = case_file("rita")
        # Victim 0 consents to being named to governments; victim 1 refuses; others never asked.
        data["cases"][0]["people"][0]["consent"] = {"government": True}
        data["cases"][1]["people"][0]["consent"] = {"government": False}
        data["cases"][1]["events"][0]["description"] = "王秀英 was taken from her home."
        import_data(data)
        for candidate in duplicates.candidates(Person.objects.all()):
            duplicates.merge(candidate.first, candidate.second, by=self.rita)

    def test_the_summary_and_tables_equal_the_hand_count(self):
        made, files = dossier.build(
            Case.objects.all(),
            dossier.Filters(),
            government(),
            title="91",
            recipient="A government",
        )
        summary = json.loads(files["dossier.json"])["summary"]
        expected = hand_count()
        self.assertEqual(
            (summary["victims"], summary["deaths"], summary["provinces"]),
            (expected["victims"], expected["deaths"], expected["provinces"]),
        )
        data = json.loads(files["dossier.json"])
        self.assertEqual(data["acts_by_type"], expected["acts_by_type"])
        self.assertEqual(data["acts_by_year"], expected["acts_by_year"])
        rows = files["dossier.csv"].decode("utf-8-sig").splitlines()
        self.assertEqual(rows[0].split(","), dossier.CSV_COLUMNS)
        self.assertEqual(len(rows) - 1, sum(expected["acts_by_type"].values()) + len(PLANTED) + 1)
        self.assertEqual(made.summary, summary)

    def test_only_consenting_people_are_named_and_the_pdf_text_reads_back(self):
        made, files = dossier.build(
            Case.objects.all(), dossier.Filters(cases=["V00", "V01"]), government(),
            title="Two", recipient="A government", language="zh-hans",
        )  # fmt: skip
        self.assertTrue(made.names_identities)
        text = pdf_text(files["dossier.pdf"])
        self.assertIn("王建国", text)  # consented
        self.assertNotIn("王秀英", text)  # refused
        self.assertIn("V002", text)
        self.assertNotIn("李秀英", text)  # not in the filtered cases anyway
        self.assertIn("逮捕", text)  # the act type, in the language of the build (zh-hans)
        un = pdf_text(files["un-communication.pdf"])
        self.assertIn("王建国", un)
        public = RedactionProfile.objects.get(recipient_kind__code="public")
        anonymous, files = dossier.build(
            Case.objects.all(), dossier.Filters(cases=["V00", "V01"]), public,
            title="Two", recipient="A newspaper",
        )  # fmt: skip
        self.assertFalse(anonymous.names_identities)
        self.assertNotIn("王建国", pdf_text(files["dossier.pdf"]))

    def test_names_of_anonymised_people_are_taken_out_of_narratives(self):
        _made, files = dossier.build(
            Case.objects.all(), dossier.Filters(cases=["V01"]), government(),
            title="One", recipient="A government",
        )  # fmt: skip
        self.assertNotIn("王秀英".encode(), files["dossier.json"])
        self.assertIn(b"V001 was taken from her home.", files["dossier.json"])
        self.assertNotIn("王秀英", pdf_text(files["dossier.pdf"]))

    def test_a_dossier_naming_people_needs_a_second_person_before_it_is_handed_over(self):
        made, _files = dossier.build(
            Case.objects.all(), dossier.Filters(cases=["V00"]), government(),
            title="One", recipient="A government", by=self.rita,
        )  # fmt: skip
        with self.assertRaises(dossier.NotAllowed):
            dossier.hand_over(made, self.rita)
        with self.assertRaises(dossier.NotAllowed):
            dossier.approve(made, self.rita)
        dossier.approve(made, self.rob)
        interventions = dossier.hand_over(made, self.rita)
        self.assertEqual([i.case.codename for i in interventions], ["V00"])
        self.assertIn(made.files["dossier.pdf"], Intervention.objects.get().description)
        self.assertEqual(Dossier.objects.handed_over().get(), made)

    def test_dossier_build_on_the_command_line_writes_the_files(self):
        out = Path(tempfile.mkdtemp())
        call_command(
            "dossier", "build", "--out", str(out), "--profile", government().name,
            "--recipient", "A government", "--title", "All", "--region", "CN-JL",
        )  # fmt: skip
        self.assertEqual(
            sorted(p.name for p in out.iterdir()),
            ["dossier.csv", "dossier.json", "dossier.pdf", "un-communication.pdf"],
        )
        summary = json.loads((out / "dossier.json").read_text())["summary"]
        self.assertEqual(summary["provinces"], 1)
        self.assertEqual(summary["victims"], 7)
        shutil.rmtree(out)

    def test_a_big_dossiers_un_layout_made_in_another_process_reads_back_the_same(self):
        # A big dossier lays its UN communication out in a spawned process (given only HTML);
        # here a small one is sent there too, and its text must equal the one made in-process.
        with translation.override("zh-hans"):
            data = dossier.dossier_data(
                dossier.Filters(cases=["V00", "V01"]).apply(Act.objects.all()),
                government(),
                title="Two",
                recipient="A government",
            )
            here = dossier.render_files(data)
            pool = dossier.pdf_pool()
            try:
                there = dossier.render_files(data, pool)
            finally:
                pool.shutdown()
        self.assertEqual(sorted(there), sorted(here))
        un = pdf_text(there["un-communication.pdf"])
        self.assertEqual(un, pdf_text(here["un-communication.pdf"]))
        self.assertIn("王建国", un)  # consented
        self.assertNotIn("王秀英", un)  # refused: a label with a mark, explained once
        self.assertEqual(un.count("未经同意"), 1, un)
        self.assertIn("V002*", un)
