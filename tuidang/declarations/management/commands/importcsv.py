"""``tuidang importcsv FILE --user USERNAME``: the staff page's CSV import, from a shell.

Same parsing, validation, family rule and audit event as ``/staff/import/``; bad rows are
listed by line on standard error and the command exits with status 1 when any row was not
imported, 2 when the file was refused as a whole.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tuidang import numbers
from tuidang.accounts.decorators import has_role
from tuidang.accounts.models import MODERATOR, VOLUNTEER
from tuidang.declarations import csvimport


class Command(BaseCommand):
    help = (
        "Import transcribed declarations from a UTF-8 CSV file (see /staff/import/ for the format)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--user",
            required=True,
            help="the staff member (volunteer or above) recorded as entering them",
        )
        parser.add_argument(
            "--language",
            default="en",
            choices=["zh-hans", "zh-hant", "en"],
            help="language of the messages (default: en)",
        )

    def handle(self, *args, file: Path, user: str, language: str, **options):
        staff = get_user_model().objects.filter(username=user).first()
        if staff is None or not has_role(staff, VOLUNTEER, MODERATOR):
            raise CommandError(f"{user!r} is not an active volunteer, moderator or admin.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        with translation.override(language):
            try:
                parsed = csvimport.parse(data)
            except csvimport.ImportRefused as error:
                raise CommandError(error.message, returncode=2) from None
            saved = csvimport.save(parsed, entered_by=staff, language=language, source="command")
            for row_error in saved.errors:
                self.stderr.write(f"line {row_error.line}: {row_error.message}")
        # The summary is for the operator's log: always English, counted right.
        submissions, rows = len(saved.submissions), len(saved.errors)
        with translation.override("en"):
            people = numbers.people(saved.people)
        self.stdout.write(
            f"{people} imported in {numbers.number(submissions)} "
            f"submission{'' if submissions == 1 else 's'} "
            f"({numbers.number(saved.accepted)} accepted, {numbers.number(saved.queued)} "
            f"waiting for review); {numbers.number(rows)} row{'' if rows == 1 else 's'} "
            "not imported."
        )
        if saved.errors:
            raise CommandError(
                f"{numbers.number(rows)} row{'' if rows == 1 else 's'} not imported (listed above)."
            )
