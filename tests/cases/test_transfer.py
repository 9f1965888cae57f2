"""``tuidang cases import|export|reveal`` on the command line."""

import io
import json
import os
import tempfile
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command

from tests.cases.base import CasesTestCase
from tests.cases.test_counts import case_file
from tuidang.accounts.models import AuditEvent
from tuidang.cases.models import Case, Person


def write(data) -> Path:
    path = Path(tempfile.mkdtemp()) / "cases.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class ImportExportTests(CasesTestCase):
    def test_a_file_with_problems_imports_nothing_and_names_every_problem(self):
        data = case_file("rita")
        data["cases"][3]["acts"][0]["type"] = "arest"
        data["cases"][5]["events"][0]["date"] = "June 2004"
        data["cases"][7]["people"][0]["region"] = "CN-XX"
        with self.assertRaises(CommandError) as raised:
            call_command("cases", "import", str(write(data)))
        message = str(raised.exception)
        self.assertIn("cases[3].acts[0].type: unknown act type 'arest'", message)
        self.assertIn("cases[5].events[0].date", message)
        self.assertIn("cases[7].people[0].region: unknown region code 'CN-XX'", message)
        self.assertFalse(Case.objects.exists())

    def test_import_then_export_round_trips_without_identities_by_default(self):
        out = io.StringIO()
        call_command("cases", "import", str(write(case_file("rita"))), stdout=out)
        self.assertIn("Imported 92 case(s)", out.getvalue())
        exported = io.StringIO()
        call_command("cases", "export", "--case", "V00", stdout=exported)
        data = json.loads(exported.getvalue())
        self.assertEqual(data["cases"][0]["acts"][0]["type"], "arrest")
        self.assertNotIn("real_name", data["cases"][0]["people"][0])
        with self.assertRaises(CommandError):
            call_command("cases", "export", "--identities")
        exported = io.StringIO()
        call_command(
            "cases", "export", "--case", "V00", "--identities", "--reason", "move", stdout=exported
        )
        self.assertEqual(
            json.loads(exported.getvalue())["cases"][0]["people"][0]["real_name"], "王建国"
        )
        event = AuditEvent.objects.filter(action="cases.exported").latest("seq")
        self.assertEqual((event.detail["identities"], event.detail["reason"]), (True, "move"))
        # Importing the same file again changes nothing: the codenames are taken.
        with self.assertRaises(CommandError):
            call_command("cases", "import", str(write(case_file("rita"))))


class OfflineRevealTests(CasesTestCase):
    def test_whereabouts_are_sealed_to_the_offline_key_and_only_reveal_opens_them(self):
        keys = Path(tempfile.mkdtemp())
        call_command(
            "cases", "keygen", "--offline", "--public", str(keys / "pub"), "--private", str(keys / "priv"),
            stdout=io.StringIO(),
        )  # fmt: skip
        with mock.patch.dict(
            os.environ, {"TUIDANG_CASES_PUBLIC_KEY": (keys / "pub").read_text().strip()}
        ):
            case = Case.objects.create(codename="Fern", kind="at_risk", owner=self.cas)
            person = Person.objects.create(
                case=case, pseudonym="F", whereabouts="a flat above the noodle shop"
            )
        stored = bytes(Person.objects.get(pk=person.pk).whereabouts)
        self.assertNotIn(b"noodle", stored)
        out = io.StringIO()
        call_command(
            "cases", "reveal", "--key", str(keys / "priv"), "--reason", "moving him", stdout=out
        )
        self.assertIn("a flat above the noodle shop", out.getvalue())
        self.assertTrue(AuditEvent.objects.filter(action="cases.revealed_offline").exists())
