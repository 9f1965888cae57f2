"""``tuidang sequencer``: the log's one writer, as a loop (``tuidang serve`` starts it).

It wakes at each batch boundary (multiples of ``TUIDANG_LOG_INTERVAL`` seconds, batches.py) and logs the people
accepted before it, shuffled; between boundaries it only moderates the intake queue
(``arrivals.py``: submissions stored as they arrived, when ``TUIDANG_INTAKE_QUEUE`` is on),
so nothing published moves when a declaration arrives.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from tuidang.background import stop_on_signals
from tuidang.declarations import arrivals, sequencer
from tuidang.transparency import batches

# Seconds between looks at the intake queue: how long a declaration stays "received".
QUEUE_POLL = 0.2


class Command(BaseCommand):
    help = "Append accepted declarations to the transparency log in batches and sign checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            type=int,
            default=sequencer.DEFAULT_BATCH,
            help="most entries per transaction",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="moderate the intake queue, log everything accepted so far now, as one "
            "shuffled batch, then exit",
        )

    def handle(self, *args, batch, once, **options):
        if once:
            arrivals.drain()  # the intake queue first: what arrived so far is moderated
            count = sequencer.run_until_idle(batch)
            self.stdout.write(f"sequenced {count}")
            return
        self.loop(batch, options["verbosity"])

    def loop(self, batch: int, verbosity: int) -> None:
        stopping = stop_on_signals()
        done = None
        while not stopping.is_set():
            # The intake queue first (arrivals.py): what arrived before the boundary is
            # moderated, and, if accepted, logged with this batch.
            if arrivals.drain(stopping=stopping.is_set) and verbosity >= 3:
                self.stdout.write("intake queue drained")
            boundary = batches.boundary_at_or_before(timezone.now())
            if boundary != done:
                count = sequencer.log_batch(boundary, batch)
                done = boundary
                if verbosity >= 2:
                    self.stdout.write(f"batch of {boundary.isoformat()}: logged {count}")
                    self.stdout.flush()
                close_old_connections()
            # Between boundaries it only moderates the intake queue, every QUEUE_POLL seconds,
            # and only when the queue is on: off, it sleeps to the boundary, whose drain above
            # still takes anything queued before the queue was turned off.
            wake = batches.boundary_after(timezone.now()).timestamp()
            poll = QUEUE_POLL if settings.INTAKE_QUEUE else float("inf")
            while not stopping.is_set() and time.time() < wake:
                stopping.wait(min(poll, max(0.0, wake - time.time())))
                if settings.INTAKE_QUEUE and time.time() < wake:
                    arrivals.drain(stopping=stopping.is_set)
