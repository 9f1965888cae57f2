"""``tuidang dossier build --out DIR [filters]``: a dossier's PDF, CSV and JSON, from the terminal.

The terminal sees every case (whoever runs it controls the server anyway); the build is
recorded like one made in the pages (``Dossier``, audit event naming the command line), and a
dossier naming people still needs a second person's approval in the pages before it is handed
over.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tuidang.accounts.models import command_line_detail
from tuidang.cases import dossier
from tuidang.cases.models import Case, RedactionProfile


class Command(BaseCommand):
    help = "Build a dossier (PDF, CSV, JSON and a UN communication) from the cases."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        build = actions.add_parser("build", help="write a dossier's files into a directory")
        build.add_argument("--out", required=True, type=Path)
        build.add_argument("--profile", required=True, help="the redaction profile's name")
        build.add_argument("--recipient", required=True)
        build.add_argument("--title", default="Dossier")
        build.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of labels and headings (default %(default)s)",
        )
        build.add_argument("--case", action="append", default=[], help="a case's codename")
        build.add_argument("--region", action="append", default=[], help="a region code (CN-JL)")
        build.add_argument("--act-type", action="append", default=[], help="an act type code")
        build.add_argument("--from", dest="year_from", type=int, help="first year")
        build.add_argument("--to", dest="year_to", type=int, help="last year")

    def handle(self, *args, **options) -> None:
        try:
            profile = RedactionProfile.objects.get(name=options["profile"])
        except RedactionProfile.DoesNotExist:
            names = ", ".join(RedactionProfile.objects.values_list("name", flat=True))
            raise CommandError(
                f"No redaction profile {options['profile']!r} (there are: {names})."
            ) from None
        filters = dossier.Filters(
            cases=options["case"],
            regions=options["region"],
            act_types=options["act_type"],
            year_from=options["year_from"],
            year_to=options["year_to"],
        )
        made, files = dossier.build(
            Case.objects.all(),
            filters,
            profile,
            title=options["title"],
            recipient=options["recipient"],
            audit_detail=command_line_detail(),
            language=options["language"],
        )
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out / name).write_bytes(content)
        self.stdout.write(
            f"Dossier {made.pk} (version {made.version}): {made.summary['victims']} victims, "
            f"{made.summary['deaths']} deaths, {made.summary['provinces']} provinces → {out}"
        )
        for name, digest in sorted(made.files.items()):
            self.stdout.write(f"  {name}  sha256:{digest}")
        if made.names_identities:
            self.stdout.write(
                "It names people: a second person must approve it in the pages before it is "
                "handed over."
            )
