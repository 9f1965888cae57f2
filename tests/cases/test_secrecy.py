"""Identity fields sealed at rest with a key kept outside the database and the data dir."""

import io
import os
import stat
from pathlib import Path
from unittest import mock

from django.db import connection, transaction
from django.test import TestCase

from tests.cases.base import CasesTestCase, make_case
from tuidang.cases import secrecy
from tuidang.cases.models import Case
from tuidang.conf import data_dir


class SealedFieldTests(CasesTestCase):
    def test_the_database_holds_only_ciphertext_and_the_model_reads_text(self):
        case = make_case(self.cas, "Orchid", kind=Case.Kind.AT_RISK, current_country="TH")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_country FROM cases_case WHERE id = %s", [case.pk])
            stored = bytes(cursor.fetchone()[0])
        self.assertNotIn(b"TH", stored[29:])  # after the header and the nonce
        self.assertEqual(stored[:1], secrecy.VERSION)
        self.assertEqual(Case.objects.get(pk=case.pk).current_country, "TH")

    def test_a_value_moved_to_another_column_or_changed_does_not_open(self):
        sealed = secrecy.seal("Zhang San", "cases.person.real_name")
        self.assertEqual(secrecy.unseal(sealed, "cases.person.real_name"), "Zhang San")
        with self.assertRaises(secrecy.SealedValueBroken):
            secrecy.unseal(sealed, "cases.person.pseudonym")
        changed = sealed[:-1] + bytes([sealed[-1] ^ 1])
        with self.assertRaises(secrecy.SealedValueBroken):
            secrecy.unseal(changed, "cases.person.real_name")

    def test_without_a_key_nothing_sealed_is_stored_and_the_message_says_why(self):
        missing = secrecy.key_path().with_name("missing.key")
        with (
            mock.patch.dict(os.environ, {"TUIDANG_CASES_KEY_FILE": str(missing)}),
            self.assertRaises(secrecy.NoCasesKey) as raised,
            transaction.atomic(),
        ):
            Case.objects.create(
                codename="Iris", kind=Case.Kind.AT_RISK, owner=self.cas, current_country="TH"
            )
        self.assertIn("tuidang cases keygen", str(raised.exception))
        self.assertFalse(Case.objects.filter(codename="Iris").exists())

    def test_a_key_inside_the_data_dir_is_refused(self):
        inside = data_dir() / "secrets" / "cases.key"
        with self.assertRaises(ValueError):
            secrecy.make_key(inside)
        inside.write_text("x" * 44)
        try:
            with (
                mock.patch.dict(os.environ, {"TUIDANG_CASES_KEY_FILE": str(inside)}),
                self.assertRaises(secrecy.NoCasesKey),
            ):
                secrecy.key()
        finally:
            inside.unlink()


class KeygenTests(TestCase):
    def test_keygen_makes_a_private_key_file_and_never_overwrites_it(self):
        from django.core.management import CommandError, call_command

        path = Path(os.environ["TUIDANG_CASES_KEY_FILE"]).with_name("keygen-test.key")
        with mock.patch.dict(os.environ, {"TUIDANG_CASES_KEY_FILE": str(path)}):
            call_command("cases", "keygen", stdout=io.StringIO())
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
            before = path.read_text()
            with self.assertRaises(CommandError):
                call_command("cases", "keygen")
            self.assertEqual(path.read_text(), before)
        path.unlink()


class RegistryTests(TestCase):
    def test_every_identity_field_is_sealed(self):
        registry = secrecy.registry()
        self.assertEqual(registry["cases.case.current_country"], secrecy.IDENTITY)
        self.assertEqual(registry["cases.case.codename"], secrecy.ORDINARY)
        from django.apps import apps

        for model in apps.get_app_config("cases").get_models():
            for field in model._meta.concrete_fields:
                level = getattr(field, "sensitivity", secrecy.ORDINARY)
                if level in (secrecy.CONFIDENTIAL, secrecy.IDENTITY):
                    self.assertIsInstance(field, secrecy.SealedTextField, field)
                if level == secrecy.OFFLINE:
                    self.assertIsInstance(field, secrecy.OfflineSealedField, field)


class EvidenceTests(CasesTestCase):
    def test_a_file_is_hashed_on_arrival_sealed_and_its_custody_recorded(self):
        import hashlib

        from tuidang.cases.models import Evidence

        case = make_case(self.rita, "Aster")
        data = "拘留通知书 MARKER-EVIDENCE".encode()
        evidence = Evidence.receive(case, data, filename="notice.jpg", by=self.rita)
        self.assertEqual(evidence.sha256, hashlib.sha256(data).hexdigest())
        self.assertNotIn(b"MARKER-EVIDENCE", bytes(Evidence.objects.get().sealed_content))
        self.assertEqual(Evidence.objects.get().content(), data)
        self.assertEqual(list(evidence.custody.values_list("action", flat=True)), ["received"])
        # A sealed file moved onto another evidence row (another hash) does not open.
        other = Evidence.receive(case, b"other", filename="b.txt")
        other.sealed_content = evidence.sealed_content
        other.save()
        with self.assertRaises(secrecy.SealedValueBroken):
            Evidence.objects.get(pk=other.pk).content()


class TermAdminTests(CasesTestCase):
    def test_admins_edit_vocabulary_labels_and_it_is_audited(self):
        from tests.base import login_verified
        from tuidang.accounts.models import AuditEvent
        from tuidang.cases.models import Term

        term = Term.objects.get(vocabulary="act_type", code="arrest")
        login_verified(self.client, self.alice)
        response = self.client.post(
            f"/en/admin/cases/term/{term.pk}/change/",
            {"label_zh_hans": "抓捕", "label_zh_hant": "抓捕", "label_en": "Arrest",
             "order": 0, "active": "on"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        term.refresh_from_db()
        self.assertEqual((term.code, term.label("zh-hans")), ("arrest", "抓捕"))
        self.assertTrue(AuditEvent.objects.filter(action="admin.changed").exists())
        login_verified(self.client, self.rita)
        self.assertNotEqual(self.client.get("/en/admin/cases/term/").status_code, 200)


class OfflineKeyOnServerTests(TestCase):
    def test_the_offline_private_key_in_the_data_dir_is_found(self):
        keys = Path(os.environ["TUIDANG_CASES_KEY_FILE"]).parent
        public, private = keys / "offline-test.pub", data_dir() / "notes.txt"
        secrecy.make_offline_keypair(public, private)
        try:
            with mock.patch.dict(
                os.environ, {"TUIDANG_CASES_PUBLIC_KEY": public.read_text().strip()}
            ):
                self.assertIn(str(private), secrecy.offline_key_on_server())
            private.unlink()
            with mock.patch.dict(
                os.environ, {"TUIDANG_CASES_PUBLIC_KEY": public.read_text().strip()}
            ):
                self.assertEqual(secrecy.offline_key_on_server(), "")
        finally:
            private.unlink(missing_ok=True)
            public.unlink()
