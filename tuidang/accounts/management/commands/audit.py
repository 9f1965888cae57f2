"""``tuidang audit verify [--against FILE]`` checks the audit log's hash chain;
``tuidang audit export [--out FILE] [--since SEQ]`` writes it as JSON Lines to keep elsewhere.

A chain that verifies on the server shows that nobody edited, deleted or reordered events
without also rewriting every later hash. Someone who controls the database can do exactly
that, so an export kept off the server is the check that matters: ``verify --against`` shows
whether the live chain still holds every event of that export unchanged.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuidang.accounts.models import (
    AuditEvent,
    ChainBroken,
    command_line_detail,
    export_line,
    verify_chain,
    verify_export,
)


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or export it as JSON Lines."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="walk the chain; exit 1 at the first broken link")
        verify.add_argument(
            "--against",
            type=Path,
            help="an earlier `audit export` file that the live chain must still contain",
        )
        export = sub.add_parser("export", help="write the events with their hashes as JSON Lines")
        export.add_argument("--out", type=Path, help="the file to write (default: standard output)")
        export.add_argument(
            "--since",
            type=int,
            default=0,
            metavar="SEQ",
            help="only the events after sequence number SEQ (the last one of a previous export)",
        )

    def handle(self, *args, action, **options):
        if action == "verify":
            self.verify(options["against"])
        else:
            self.export(options["out"], options["since"])

    def verify(self, against: Path | None) -> None:
        # No transaction: on SQLite it would hold every appender back for the whole walk.
        # verify_chain reads the head first and walks up to it, so events appended meanwhile
        # are simply not part of this check.
        try:
            count, head = verify_chain()
            if against is not None:
                try:
                    with against.open(encoding="utf-8") as lines:
                        first, last = verify_export(lines)
                except OSError as error:
                    raise CommandError(f"cannot read {against}: {error.strerror}") from None
        except ChainBroken as broken:
            self.stderr.write(f"audit chain broken: {broken}")
            sys.exit(1)
        self.stdout.write(f"{count} events, chain intact, head {head}")
        if against is not None:
            self.stdout.write(f"{against}: events {first} to {last} unchanged in the live chain")

    def export(self, out: Path | None, since: int) -> None:
        # Taking the log off the server is itself an action the log records.
        recorded = AuditEvent.record(
            None, "audit.exported", since=since, **command_line_detail("audit export")
        )
        events = (
            AuditEvent.objects.filter(seq__gt=since, seq__lte=recorded.seq)
            .select_related("actor")
            .order_by("seq")
        )
        stream = out.open("w", encoding="utf-8") if out else self.stdout
        written = 0
        try:
            for event in events.iterator(chunk_size=2000):
                line = json.dumps(export_line(event), ensure_ascii=False, sort_keys=True)
                stream.write(line + "\n")
                written += 1
        finally:
            if out:
                stream.close()
        if out:
            self.stdout.write(f"{written} events written to {out}")
