"""``tuidang createstaff``: make a real staff account with its second factor, on the terminal.

The TOTP secret is shown once, here, as an ``otpauth://`` URI, a base32 key and a QR code for
an authenticator app; it never travels by e-mail or through a web page.
"""

import getpass
import io
import secrets
import sys
from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.accounts.models import ROLES, AuditEvent, command_line_detail


class Command(BaseCommand):
    help = (
        "Create a staff account with a role and a TOTP second factor, or replace the second "
        "factor of an existing account (--reset-totp)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            choices=ROLES,
            default=[],
            help="a role to give (repeat for several); required when creating",
        )
        parser.add_argument("--email", default="")
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        source.add_argument(
            "--generate-password",
            action="store_true",
            help="make up a strong password and print it once",
        )
        parser.add_argument(
            "--reset-totp",
            action="store_true",
            help="replace the second factor of an existing account (the old one stops working)",
        )

    def handle(
        self, username, role, email, password_stdin, generate_password, reset_totp, **options
    ):
        # The first staff account is often made before `tuidang serve` has ever run.
        call_command("migrate", interactive=False, verbosity=0)
        User = get_user_model()
        if reset_totp:
            try:
                user = User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"There is no account named {username!r}.") from None
            with transaction.atomic():
                device = self._new_device(user)
                AuditEvent.record(
                    None, "staff.totp_reset", user, command="createstaff", **command_line_detail()
                )
            self.stdout.write(f"The second factor of {username} was replaced.")
            self._show_device(device)
            return

        if not role:
            raise CommandError("Give at least one --role (" + ", ".join(ROLES) + ").")
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"{username!r} exists already; use --reset-totp to replace its second factor."
            )
        password = self._password(username, email, password_stdin, generate_password)
        with transaction.atomic():
            user = User.objects.create_user(username, email=email, password=password, is_staff=True)
            user.groups.set(Group.objects.filter(name__in=role))
            device = self._new_device(user)
            AuditEvent.record(
                None,
                "staff.created",
                user,
                roles=sorted(role),
                command="createstaff",
                **command_line_detail(),
            )
        self.stdout.write(f"Created {username} ({', '.join(sorted(role))}).")
        if generate_password:
            self.stdout.write(f"Password (shown once, store it safely): {password}")
        self._show_device(device)

    def _password(self, username, email, from_stdin, generate) -> str:
        if generate:
            return secrets.token_urlsafe(18)
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The two passwords differ.")
        else:
            raise CommandError(
                "No terminal to ask for a password: use --password-stdin or --generate-password."
            )
        try:
            validate_password(password, get_user_model()(username=username, email=email))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return password

    @staticmethod
    def _new_device(user) -> TOTPDevice:
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name="default", confirmed=True)

    def _show_device(self, device: TOTPDevice) -> None:
        uri = device.config_url
        secret = b32encode(device.bin_key).decode()
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        qr = io.StringIO()
        segno.make(uri, error="m").terminal(out=qr, compact=True)
        self.stdout.write(
            "Add this account to an authenticator app (scan the code, or type the key):\n"
            f"{qr.getvalue()}\n"
            f"Key:  {grouped}\n"
            f"URI:  {uri}\n"
            "Every login needs the password and the app's current 6-digit code."
        )
