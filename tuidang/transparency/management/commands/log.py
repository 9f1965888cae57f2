"""``tuidang log vkey`` prints the log's verifier key; ``tuidang log export DIR`` writes the
whole log, its checkpoint history, the tally and every day's statements as static files."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.transparency import logexport, logstore


class Command(BaseCommand):
    help = "The transparency log: print its verifier key, or export it as static files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("vkey", help="print the verifier key(s) of the log's signing key(s)")
        export = sub.add_parser("export", help="write the log as static files into DIR")
        export.add_argument("directory", type=Path)

    def handle(self, *args, action, **options):
        if action == "vkey":
            for vkey in logstore.vkeys():
                self.stdout.write(vkey)
            return
        directory = options["directory"]
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            summary = logexport.export(directory)
        except RuntimeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(summary, sort_keys=True))
