"""``tuidang worker``: run background tasks (e-mail, alerts) as they become ready.

``tuidang serve`` starts one. Operators who need more throughput start more on any machine that
reaches the database, with ``--no-schedule`` on all but one (periodic tasks are idempotent, so
a second scheduler only wastes work). See tuidang/worker.py and docs/deploy.md.
"""

from django.core.management.base import BaseCommand

from tuidang import worker
from tuidang.background import stop_on_signals


class Command(BaseCommand):
    help = "Run background tasks (e-mail, casework alerts) from the database queue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="seconds to wait when no task is ready (default: 2)",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="enqueue the periodic tasks, run every ready task, then exit",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="do not enqueue periodic tasks (another worker does)",
        )

    def handle(self, *args, interval, once, schedule, **options):
        stopping = stop_on_signals()

        def report(line: str) -> None:
            if once or options["verbosity"] >= 2:
                self.stdout.write(line)
                self.stdout.flush()

        worker.run(
            interval=interval, once=once, schedule=schedule, stopping=stopping, report=report
        )
