"""``tuidang contacts keygen|reveal``: the centre's key pair for sealed contact details.

``keygen`` makes the pair on an offline machine: the public half goes to the server
(``TUIDANG_CONTACTS_PUBLIC_KEY`` or ``<data dir>/secrets/contacts-public.key``), the private half
stays offline with the staff who call declarants back and never reaches the server or its
backups (``tuidang serve`` refuses to start while it is in the data directory). ``reveal`` opens the sealed contact details with the private key file
and records that it did (an AuditEvent naming the submissions), because reading a declarant's
contact details is the most sensitive thing staff do with a declaration.
"""

import getpass
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from nacl.exceptions import CryptoError

from tuidang.accounts.models import AuditEvent
from tuidang.declarations import contacts
from tuidang.declarations.models import Submission
from tuidang.hotline.models import Call


class Command(BaseCommand):
    help = (
        "Make the key pair for contact details (on an offline machine, never on the server), "
        "or open the sealed contact details with its private key."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{keygen,fingerprint,reveal}"
        )
        keygen = actions.add_parser(
            "keygen",
            help="make a new key pair, on an offline machine: the private key must never be "
            "on the server",
            description="Make the centre's key pair for contact details. Run it on an offline "
            "machine: the server gets only the public key, and the private key, which opens "
            "every contact detail, must never be on the server nor in its backups.",
        )
        keygen.add_argument(
            "--public", required=True, type=Path, help="where to write the public key"
        )
        keygen.add_argument(
            "--private", required=True, type=Path, help="where to write the private key"
        )
        fingerprint = actions.add_parser(
            "fingerprint",
            help="print the fingerprint of the key pair a private key file belongs to, to "
            "compare with the one `tuidang serve` prints and the declaration form shows",
        )
        fingerprint.add_argument("--key", required=True, type=Path, help="the private key file")
        reveal = actions.add_parser("reveal", help="print the contact details of submissions")
        reveal.add_argument("--key", required=True, type=Path, help="the private key file")
        reveal.add_argument(
            "--submission",
            type=int,
            nargs="+",
            default=[],
            metavar="ID",
            help="only these submissions",
        )
        reveal.add_argument(
            "--calls",
            action="store_true",
            help="open the caller numbers recorded for threats instead",
        )
        reveal.add_argument(
            "--since",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="only submissions received since",
        )

    def handle(self, *args, action, **options):
        if action == "keygen":
            self.keygen(options["public"], options["private"])
        elif action == "fingerprint":
            public = self.private_key(options["key"]).public_key
            self.stdout.write(f"Fingerprint: {contacts.fingerprint(public)}\n")
        elif options["calls"]:
            self.reveal_calls(options["key"], options["since"])
        else:
            self.reveal(options["key"], options["submission"], options["since"])

    def keygen(self, public: Path, private: Path) -> None:
        try:
            key = contacts.make_keypair(public, private)
        except FileExistsError as error:
            raise CommandError(
                f"{error.filename} exists; a key pair is never overwritten."
            ) from None
        except OSError as error:
            raise CommandError(f"Cannot write {error.filename}: {error.strerror}") from None
        self.stdout.write(
            f"Public key:  {public}\n"
            f"Private key: {private} (readable by you only)\n"
            f"Fingerprint: {contacts.fingerprint(key)}\n"
            "Give the server only the public key: set TUIDANG_CONTACTS_PUBLIC_KEY="
            f"{public.read_text().strip()}\n"
            "or copy the public key file to <data dir>/secrets/contacts-public.key there.\n"
            "Keep the private key on this offline machine, never on the server nor in its "
            "backups (`tuidang serve` refuses to start while it is in the data directory); "
            "without it no contact details can be opened.\n"
        )

    def private_key(self, key_path: Path):
        try:
            return contacts.load_private_key(key_path)
        except OSError as error:
            raise CommandError(f"Cannot read {key_path}: {error.strerror}") from None
        except (ValueError, TypeError):
            raise CommandError(
                f"{key_path} is not a private key made by `contacts keygen`."
            ) from None

    def open_sealed(self, rows, field: str, private_key, kind: str):
        """Open ``field`` of each row; audit-log what was opened. Returns (opened, failed)."""
        opened, failed = [], []
        for row in rows:
            try:
                opened.append((row, contacts.reveal(getattr(row, field), private_key)))
            except (CryptoError, UnicodeDecodeError):
                failed.append(row.pk)
        if opened or failed:
            with transaction.atomic():
                AuditEvent.record(
                    None,
                    "contacts.reveal",
                    **{kind: [row.pk for row, _ in opened]},
                    failed=failed,
                    via="command line",
                    operator=_operator(),
                )
        return opened, failed

    def reveal_calls(self, key_path: Path, since: date | None) -> None:
        """Caller numbers a volunteer recorded for threats, sealed like contact details."""
        private_key = self.private_key(key_path)
        calls = Call.objects.filter(sealed_caller_number__isnull=False).order_by("taken_at")
        if since:
            calls = calls.filter(taken_at__date__gte=since)
        opened, failed = self.open_sealed(calls, "sealed_caller_number", private_key, "calls")
        for call, number in opened:
            self.stdout.write(
                f"call #{call.pk}  {call.taken_at:%Y-%m-%d %H:%M}  {call.outcome}  {number}\n"
            )
        if not opened and not failed:
            self.stdout.write("No call with a recorded caller number matches.\n")
        if failed:
            raise CommandError(
                "This key does not open the caller numbers of "
                + ", ".join(f"call #{pk}" for pk in failed)
            )

    def reveal(self, key_path: Path, ids: list[int], since: date | None) -> None:
        private_key = self.private_key(key_path)

        submissions = Submission.objects.filter(sealed_contact__isnull=False).order_by("pk")
        if ids:
            submissions = submissions.filter(pk__in=ids)
        if since:
            submissions = submissions.filter(created_at__date__gte=since)
        opened, failed = self.open_sealed(
            submissions.prefetch_related("people"), "sealed_contact", private_key, "submissions"
        )
        for submission, contact in opened:
            names = ", ".join(person.name or "—" for person in submission.people.all())
            self.stdout.write(
                f"#{submission.pk}  received {submission.created_at:%Y-%m-%d}  "
                f"declared {submission.declared_on}  {submission.channel}  {names}\n"
                + "".join(f"    {line}\n" for line in contact.splitlines() or [""])
            )
        if not opened and not failed:
            self.stdout.write("No submission with contact details matches.\n")
        if failed:
            which = ", ".join(f"#{pk}" for pk in failed)
            if not opened:
                raise CommandError(
                    f"This key opens none of the contact details ({which}): wrong key?"
                )
            raise CommandError(f"This key does not open the contact details of {which}.")


def _operator() -> str:
    # The local account that ran the command: the only actor the audit log can name here.
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
