"""``tuidang witness``: push the latest checkpoint to the witnesses, on a timer (``tuidang serve``
starts it); ``--once`` pushes once and exits."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from tuidang.background import stop_on_signals
from tuidang.transparency import witnessing


class Command(BaseCommand):
    help = "Ask the witnesses of TUIDANG_WITNESSES to cosign the log's latest checkpoint."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between pushes (default: TUIDANG_WITNESS_INTERVAL)",
        )
        parser.add_argument("--once", action="store_true", help="push once, then exit")

    def handle(self, *args, interval, once, **options):
        witnesses = witnessing.configured()  # a malformed TUIDANG_WITNESSES stops here, loudly
        if once:
            self._round()
            return
        stopping = stop_on_signals()
        if not witnesses:
            # Stay up and idle rather than exit: ``serve`` would restart a command that exits.
            self.stdout.write("no witnesses configured (TUIDANG_WITNESSES); idle")
            stopping.wait()
            return
        pause = interval if interval is not None else settings.WITNESS_INTERVAL
        while not stopping.is_set():
            self._round()
            close_old_connections()
            stopping.wait(pause)

    def _round(self) -> None:
        for name, outcome in witnessing.push_latest().items():
            self.stdout.write(f"{name}: {outcome}")
