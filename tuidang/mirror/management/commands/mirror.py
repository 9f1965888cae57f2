"""``tuidang mirror export DIR``, ``tuidang mirror verify DIR --vkey KEY``, ``tuidang mirror vkey``.

``verify`` is routed by ``tuidang.cli`` to ``tuidang.mirror.manifest.main`` before Django
starts (a mirror's reader has no settings nor database); it is here too for ``manage.py``.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.mirror import export, manifest


class Command(BaseCommand):
    help = "A signed static mirror of the public site: export it, verify it, print its key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("vkey", help="print the verifier key of the mirror signing key")
        out = sub.add_parser("export", help="write the public site as static files into DIR")
        out.add_argument("directory", type=Path)
        out.add_argument(
            "--origin",
            default="",
            help="the site's address (https://…): links to what a mirror cannot serve go there",
        )
        out.add_argument("--host", default="", help="the Host the pages are rendered for")
        out.add_argument("--max-pages", type=int, default=100_000)
        check = sub.add_parser("verify", help="check a mirror against its signed manifest")
        check.add_argument("directory", type=Path)
        check.add_argument("--vkey", required=True)

    def handle(self, *args, action, **options):
        if action == "vkey":
            self.stdout.write(export.mirror_signer().vkey)
            return
        if action == "verify":
            code = manifest.main([str(options["directory"]), "--vkey", options["vkey"]])
            if code:
                raise CommandError("mirror refused", returncode=code)
            return
        try:
            summary = export.export(
                options["directory"],
                origin=options["origin"],
                host=options["host"],
                max_pages=options["max_pages"],
            )
        except RuntimeError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(json.dumps(summary, sort_keys=True))
