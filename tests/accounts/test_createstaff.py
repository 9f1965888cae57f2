import io
import os
import subprocess
import sys
from unittest import mock

from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.base import BaseTestCase
from tuidang.accounts.decorators import has_role
from tuidang.accounts.models import AuditEvent


def run(*args, stdin="") -> str:
    out = io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)):
        call_command("createstaff", *args, stdout=out)
    return out.getvalue()


class CreateStaffTestCase(BaseTestCase):
    def test_creates_a_staff_user_with_role_and_confirmed_device(self):
        output = run(
            "wang",
            "--role",
            "moderator",
            "--email",
            "wang@example.org",
            "--password-stdin",
            stdin="a long enough passphrase\n",
        )
        user = User.objects.get(username="wang")
        self.assertTrue(user.is_staff)
        self.assertTrue(user.check_password("a long enough passphrase"))
        self.assertEqual(user.email, "wang@example.org")
        self.assertTrue(has_role(user, "moderator"))
        self.assertFalse(has_role(user, "volunteer"))
        device = TOTPDevice.objects.get(user=user)
        self.assertTrue(device.confirmed)
        self.assertIn(device.config_url, output)
        self.assertIn("otpauth://totp/tuidang%3Awang?secret=", output)
        self.assertIn("█", output)  # the QR code
        event = AuditEvent.objects.get(action="staff.created")
        self.assertEqual(event.object_id, str(user.pk))
        self.assertEqual(event.detail["roles"], ["moderator"])

    def test_generated_password_is_printed_once_and_works(self):
        output = run("li", "--role", "volunteer", "--role", "moderator", "--generate-password")
        line = next(x for x in output.splitlines() if x.startswith("Password"))
        password = line.rsplit(" ", 1)[1]
        user = User.objects.get(username="li")
        self.assertTrue(user.check_password(password))
        self.assertEqual(
            sorted(user.groups.values_list("name", flat=True)), ["moderator", "volunteer"]
        )

    def test_weak_password_is_refused(self):
        with self.assertRaisesMessage(CommandError, "too short"):
            run("zhao", "--role", "volunteer", "--password-stdin", stdin="short\n")
        self.assertFalse(User.objects.filter(username="zhao").exists())

    def test_all_digit_and_common_passwords_are_refused(self):
        refusals = {
            "123456789012": "This password is entirely numeric.",
            "202611230900": "This password is entirely numeric.",
            "qwerty123456": "This password is too common.",
            "1qaz2wsx3edc": "This password is too common.",
            "q1w2e3r4t5y6": "This password is too common.",
        }
        for password, message in refusals.items():
            with (
                self.subTest(password=password),
                translation.override("en"),
                self.assertRaisesMessage(CommandError, message),
            ):
                run("zhao", "--role", "volunteer", "--password-stdin", stdin=password + "\n")
        self.assertFalse(User.objects.filter(username="zhao").exists())

    def test_role_is_required_and_existing_names_are_refused(self):
        with self.assertRaises(CommandError):
            run("zhao", "--generate-password")
        with self.assertRaisesMessage(CommandError, "--reset-totp"):
            run("val", "--role", "volunteer", "--generate-password")

    def test_no_terminal_and_no_password_option_is_an_error(self):
        with self.assertRaisesMessage(CommandError, "--password-stdin"):
            run("zhao", "--role", "volunteer")

    def test_reset_totp_replaces_the_device(self):
        old = TOTPDevice.objects.get(user=self.val)
        output = run("--reset-totp", "val")
        new = TOTPDevice.objects.get(user=self.val)
        self.assertNotEqual(old.pk, new.pk)
        self.assertNotEqual(old.key, new.key)
        self.assertTrue(new.confirmed)
        self.assertIn(new.config_url, output)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="staff.totp_reset", object_id=str(self.val.pk)
            ).exists()
        )

    def test_reset_totp_of_unknown_user(self):
        with self.assertRaisesMessage(CommandError, "no account"):
            run("--reset-totp", "nobody")


def test_makes_the_first_account_on_a_fresh_data_directory(tmp_path):
    # Operators often create the first account before `tuidang serve` has made any table.
    env = {**os.environ, "TUIDANG_DATA_DIR": str(tmp_path), "TUIDANG_DATABASE_URL": ""}
    result = subprocess.run(
        [sys.executable, "-m", "tuidang.cli", "createstaff", "li", "--role", "admin",
         "--generate-password"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Created li (admin)." in result.stdout
    assert (tmp_path / "tuidang.sqlite3").exists()
