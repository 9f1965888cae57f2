"""``tuidang housekeeping``: forget what need not be kept (``tuidang serve`` starts it).

Each run moderates what is left in the intake queue, rejects submissions that waited for review longer than ``TUIDANG_RETENTION_DAYS``
(reason "expired", counted publicly like any rejection), strips every rejected submission of
its names, statements, contact and notes, deletes expired sessions, and checkpoints the SQLite
WAL so that what was deleted leaves the database files too. A run that forgot anything leaves
one audit event holding counts only. See docs/privacy.md.
"""

from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from tuidang import dbfiles
from tuidang.accounts.models import AuditEvent, command_line_detail
from tuidang.background import stop_on_signals
from tuidang.declarations import arrivals
from tuidang.declarations.models import Submission

DEFAULT_INTERVAL = 3600.0


def run_once() -> dict[str, int]:
    """One housekeeping pass; returns what it did as counts."""
    # The intake queue's arrivals are deleted as they are moderated; any left (a sequencer
    # stopped for longer than an hour) are moderated now, so that retention reaches them too.
    arrivals.drain()
    done = dict(Submission.objects.purge_expired())
    # Django's clearsessions, done directly so that the count can be reported and audited.
    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    if sessions:
        done["sessions"] = sessions
    if done:
        AuditEvent.record(
            None, "housekeeping.purged", **done, **command_line_detail("housekeeping")
        )
    dbfiles.wipe_freed_pages()
    return done


class Command(BaseCommand):
    help = (
        "Expire stale pending submissions, remove the text and contact of rejected ones, "
        "clear expired sessions and checkpoint the SQLite WAL; hourly, or once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help="seconds between runs (default: an hour)",
        )
        parser.add_argument("--once", action="store_true", help="run once, then exit")

    def handle(self, *args, interval, once, **options):
        stopping = stop_on_signals()
        while True:
            done = run_once()
            summary = ", ".join(f"{key} {value}" for key, value in sorted(done.items()))
            if once or options["verbosity"] >= 2:
                self.stdout.write(f"housekeeping: {summary or 'nothing to do'}")
                self.stdout.flush()
            if once:
                return
            close_old_connections()
            if stopping.wait(interval):
                return
