"""The contacts private key never lives on the server (issue 7, point 1).

The server is given only the centre's public key. Without one it takes no contact details at
all, on every way in, and says why; it never makes a key pair itself; and `tuidang serve` finds
the private key anywhere in the data directory (tests/test_keys_off_server.py runs it for real).
"""

import base64
import os
import re
import tempfile
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from nacl.public import PrivateKey

from tests.base import BaseTestCase, login_verified, make_contacts_key, no_contacts_key
from tests.declarations.test_declare import form_data, person
from tests.declarations.test_intake import URL as INTAKE_URL
from tests.declarations.test_intake import intake_data
from tuidang.declarations import contacts
from tuidang.declarations.models import Submission
from tuidang.hotline.models import Call

# What each language's page says when no public key is configured.
NO_KEY_REASON = {
    "zh-hans": "本网站目前不接收联系方式：中心尚未设置用来加密锁定联系方式的密钥",
    "zh-hant": "本網站目前不接收聯繫方式：中心尚未設定用來加密鎖定聯繫方式的金鑰",
    "en": "This site takes no contact details at the moment: the centre has not set up the key",
}


def temporary_directory(test) -> Path:
    temp = tempfile.TemporaryDirectory()
    test.addCleanup(temp.cleanup)
    return Path(temp.name)


class NoKeyOnTheServerTests(BaseTestCase):
    def test_public_key_never_makes_a_key_pair(self):
        data = temporary_directory(self)
        env = {"TUIDANG_DATA_DIR": str(data), "TUIDANG_CONTACTS_PUBLIC_KEY": ""}
        with mock.patch.dict(os.environ, env):
            self.assertIsNone(contacts.public_key())
            self.assertFalse(contacts.takes_contacts())
            with self.assertRaises(contacts.NoContactsKey):
                contacts.seal("Signal +1 555 0100")
        self.assertEqual([p for p in data.rglob("*") if p.is_file()], [])

    def test_the_public_key_file_in_the_data_dir_is_read(self):
        data, offline = temporary_directory(self), temporary_directory(self)
        public, private = make_contacts_key(offline)
        (data / "secrets").mkdir()
        (data / "secrets" / "contacts-public.key").write_text(public + "\n")
        env = {"TUIDANG_DATA_DIR": str(data), "TUIDANG_CONTACTS_PUBLIC_KEY": ""}
        with mock.patch.dict(os.environ, env):
            sealed = contacts.seal("微信 pine")
        self.assertEqual(contacts.reveal(sealed, contacts.load_private_key(private)), "微信 pine")

    def test_the_form_without_a_key_has_no_contact_field_and_says_why(self):
        with no_contacts_key():
            for language, reason in NO_KEY_REASON.items():
                page = self.client.get(f"/{language}/declare/").content.decode()
                self.assertNotIn('name="contact"', page, language)
                self.assertIn(reason, page, language)
                self.assertNotIn("fingerprint", page.lower(), language)

    def test_the_form_with_a_key_shows_its_fingerprint_and_the_true_promise(self):
        fingerprint = contacts.fingerprint(contacts.public_key())
        page = self.client.get("/en/declare/").content.decode()
        self.assertIn('name="contact"', page)
        self.assertIn(f"Key fingerprint: {fingerprint}.", page)
        self.assertIn("The private key that unlocks them is kept offline", page)
        self.assertNotIn(NO_KEY_REASON["en"], page)
        page = self.client.get("/zh-hans/declare/").content.decode()
        self.assertIn(f"密钥指纹：{fingerprint}。", page)
        self.assertIn("能解锁的私钥由中心工作人员离线保管", page)

    def test_the_form_without_a_key_refuses_a_contact_sent_anyway(self):
        with no_contacts_key():
            response = self.client.post(
                "/en/declare/", form_data(person("松山", ["party"]), contact="Signal +1 555 0100")
            )
            self.assertEqual(response.status_code, 400)
            self.assertIn(NO_KEY_REASON["en"], response.content.decode())
            self.assertFalse(Submission.objects.exists())

            response = self.client.post("/en/declare/", form_data(person("松山", ["party"])))
            self.assertContains(response, "Thank you: your declaration has arrived")
        self.assertIsNone(Submission.objects.get().sealed_contact)

    def test_the_api_without_a_key_refuses_a_contact(self):
        body = {"people": [{"name": "明月", "organisations": ["league"]}], "contact": "tg @moon"}
        with no_contacts_key():
            for language, reason in NO_KEY_REASON.items():
                response = self.client.post(
                    f"/api/v1/declarations?lang={language}", body, content_type="application/json"
                )
                self.assertEqual(response.status_code, 400)
                self.assertEqual(list(response.json()["errors"]), ["contact"], language)
                self.assertIn(reason, response.json()["errors"]["contact"][0], language)
            self.assertFalse(Submission.objects.exists())

            del body["contact"]
            response = self.client.post(
                "/api/v1/declarations", body, content_type="application/json"
            )
        self.assertEqual(response.status_code, 201)
        self.assertIsNone(Submission.objects.get().sealed_contact)

    def test_volunteer_intake_without_a_key_hides_the_field_and_says_why(self):
        login_verified(self.client, self.val)
        url = INTAKE_URL.format(lang="en")
        with no_contacts_key():
            page = self.client.get(url).content.decode()
            self.assertNotIn('name="contact"', page)
            self.assertIn("No contact details can be recorded", page)
            zh = self.client.get(INTAKE_URL.format(lang="zh-hant")).content.decode()
            self.assertIn("無法記錄聯繫方式", zh)

            response = self.client.post(
                url, intake_data(("守夜人", ["party"], "", ""), contact="+1 555 0100")
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn(NO_KEY_REASON["en"], response.content.decode())
            self.assertFalse(Submission.objects.exists())

    def test_the_call_log_without_a_key_takes_no_caller_number(self):
        login_verified(self.client, self.val)
        threat = {"outcome": "threat", "taken_at": "2026-01-05T09:00"}
        with no_contacts_key():
            page = self.client.get("/en/staff/calls/").content.decode()
            self.assertNotIn('name="caller_number"', page)
            self.assertIn("No caller's number can be recorded", page)
            zh = self.client.get("/zh-hans/staff/calls/").content.decode()
            self.assertIn("无法记录来电号码", zh)

            response = self.client.post(
                "/en/staff/calls/", {**threat, "caller_number": "+86 555 0100"}
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn("Write down the threat in the notes", response.content.decode())
            self.assertFalse(Call.objects.exists())

            self.client.post("/en/staff/calls/", threat)
        self.assertFalse(Call.objects.get().has_caller_number)


class FindingThePrivateKeyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.data = temporary_directory(self)
        self.offline = temporary_directory(self)
        public, self.private = make_contacts_key(self.offline)
        self.public = contacts.PublicKey(base64.b64decode(public))
        self.key_text = self.private.read_text().strip()

    def found(self) -> list[Path]:
        return contacts.private_keys_in(self.data, self.public)

    def test_a_clean_data_dir_holds_no_private_key(self):
        (self.data / "secrets").mkdir()
        (self.data / "secrets" / "contacts-public.key").write_text(
            base64.b64encode(bytes(self.public)).decode() + "\n"
        )
        (self.data / "secrets" / "other-private.key").write_text(
            base64.b64encode(bytes(PrivateKey.generate())).decode() + "\n"
        )
        (self.data / "tuidang.sqlite3").write_bytes(os.urandom(300_000))
        self.assertEqual(self.found(), [])

    def test_the_key_is_found_whatever_its_name_and_wherever_it_is(self):
        nested = self.data / "static" / "old" / "backup"
        nested.mkdir(parents=True)
        renamed = nested / "notes.txt"
        renamed.write_text(self.key_text + "\n")
        pasted = self.data / ".env"
        pasted.write_text(f"SOMETHING=1\nCONTACTS_KEY={self.key_text}\n# end\n")
        raw = self.data / "key.bin"
        raw.write_bytes(base64.b64decode(self.key_text))
        self.assertEqual(self.found(), sorted([renamed, pasted, raw]))

    def test_serve_refuses_with_a_clear_message(self):
        (self.data / "secrets").mkdir()
        copy = self.data / "secrets" / "contacts-private.key"
        copy.write_text(self.key_text + "\n")
        env = {
            "TUIDANG_DATA_DIR": str(self.data),
            "TUIDANG_CONTACTS_PUBLIC_KEY": base64.b64encode(bytes(self.public)).decode(),
        }
        with mock.patch.dict(os.environ, env):
            refusal = contacts.private_key_on_server()
        self.assertIn("The private key for contact details is in the data directory", refusal)
        self.assertIn(str(copy), refusal)
        self.assertIn("Move it to the offline machine", refusal)

    def test_serve_refuses_a_public_key_that_is_not_one(self):
        for wrong in ["not base64!", base64.b64encode(b"short").decode()]:
            with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": wrong}):
                refusal = contacts.private_key_on_server()
            self.assertIn("is not a public key made by `tuidang contacts keygen`", refusal)


class KeygenTests(BaseTestCase):
    def test_keygen_says_it_is_for_an_offline_machine(self):
        for args in [("contacts", "--help"), ("contacts", "keygen", "--help")]:
            out = StringIO()
            with self.assertRaises(SystemExit), redirect_stdout(out):
                call_command(*args)
            self.assertIn("offline machine", " ".join(out.getvalue().split()), args)

        directory = temporary_directory(self)
        out = StringIO()
        call_command(
            "contacts",
            "keygen",
            "--public",
            str(directory / "p.key"),
            "--private",
            str(directory / "s.key"),
            stdout=out,
        )
        self.assertIn(
            "Keep the private key on this offline machine, never on the server", out.getvalue()
        )
        key = contacts.PublicKey(base64.b64decode((directory / "p.key").read_text()))
        self.assertIn(f"Fingerprint: {contacts.fingerprint(key)}", out.getvalue())
        with self.assertRaisesMessage(CommandError, "never overwritten"):
            call_command(
                "contacts",
                "keygen",
                "--public",
                str(directory / "other-p.key"),
                "--private",
                str(directory / "s.key"),
                stdout=StringIO(),
            )
        self.assertFalse((directory / "other-p.key").exists())

    def test_fingerprint_of_the_private_key_matches_what_the_form_shows(self):
        public, private = make_contacts_key(temporary_directory(self))
        out = StringIO()
        call_command("contacts", "fingerprint", "--key", str(private), stdout=out)
        with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": public}):
            page = self.client.get("/en/declare/").content.decode()
        shown = re.search(r"Key fingerprint: ([0-9a-f ]{19})\.", page).group(1)
        self.assertEqual(out.getvalue(), f"Fingerprint: {shown}\n")

        other, _ = make_contacts_key(temporary_directory(self))
        with mock.patch.dict(os.environ, {"TUIDANG_CONTACTS_PUBLIC_KEY": other}):
            page = self.client.get("/en/declare/").content.decode()
        self.assertNotIn(shown, page)
