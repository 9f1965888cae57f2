"""``tuidang sequencer``: the log's one writer, as a loop (``tuidang serve`` starts it)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from tuidang.declarations import sequencer


class Command(BaseCommand):
    help = "Append accepted declarations to the transparency log and sign checkpoints."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=0.5, help="seconds between batches when idle"
        )
        parser.add_argument(
            "--batch", type=int, default=sequencer.DEFAULT_BATCH, help="most entries per batch"
        )
        parser.add_argument("--once", action="store_true", help="run until idle, then exit")

    def handle(self, *args, interval, batch, once, **options):
        stopping = False

        def stop(signum, frame):
            # Finish the batch in hand (its transaction commits or rolls back whole), then exit.
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if once:
            count = sequencer.run_until_idle(batch)
            self.stdout.write(f"sequenced {count}")
            return
        while not stopping:
            count = sequencer.sequence_batch(batch)
            signed = sequencer.sign_checkpoint()
            if signed and options["verbosity"] >= 2:
                self.stdout.write(f"signed checkpoint {signed.size}", ending="\n")
                self.stdout.flush()
            if count < batch:
                close_old_connections()
                deadline = time.monotonic() + interval
                while not stopping and time.monotonic() < deadline:
                    time.sleep(min(0.05, interval))
