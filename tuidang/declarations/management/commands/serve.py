"""``tuidang serve``: migrate, then run the web server and the background processes until stopped.

The command is a small supervisor. It starts the web server, granian (configured by
``tuidang.granian_conf``), and each background command in ``BACKGROUND_COMMANDS`` as child
processes, restarts a background child that dies (with a growing delay), and on Ctrl-C or
SIGTERM asks every child to stop gracefully and waits for it. If the web server itself dies,
serving has failed: the other children are stopped and the command exits non-zero.
"""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from tuidang.conf import env_int

# Long-running management commands that run beside the web workers, started only where the
# command exists. The sequencer is the log's single writer (see DESIGN.md).
BACKGROUND_COMMANDS: list[list[str]] = [["sequencer"], ["witness"]]
BACKGROUND_COMMANDS.append(["housekeeping"])  # retention, expired sessions, WAL checkpoints
BACKGROUND_COMMANDS.append(["worker"])  # background tasks: e-mail, casework alerts

RESTART_DELAY_FIRST = 1.0
RESTART_DELAY_MAX = 60.0
# A child that ran this long before dying is treated as a fresh failure, not a crash loop.
STABLE_AFTER_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0


def default_workers() -> int:
    # One process per core: each runs views on one thread (bench/RESULTS.md, "Server").
    return env_int("TUIDANG_WORKERS", os.cpu_count() or 1)


def runnable_background_commands() -> list[list[str]]:
    """The entries of ``BACKGROUND_COMMANDS`` whose management command exists here."""
    available = get_commands()
    return [command for command in BACKGROUND_COMMANDS if command[0] in available]


def ensure_port_free(host: str, port: int) -> None:
    """Raise CommandError naming the port if something already listens on it.

    Checked before anything is started or printed: otherwise gunicorn fails after the URL of
    whatever else holds the port has been printed as ours.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: SO_REUSEADDR, so a port in TIME_WAIT is not mistaken for taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CommandError(
                f"port {port} on {host} is already in use ({error.strerror}): stop what is "
                f"listening there or choose another port with --port."
            ) from None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if ``serve`` itself is killed (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _start(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    # Own process group: a Ctrl-C in the terminal reaches only ``serve``, which then stops
    # each child gracefully (SIGTERM) instead of every process quitting at once.
    return subprocess.Popen(argv, env=env, process_group=0, preexec_fn=_die_with_parent)


@dataclass
class Background:
    """A background management command and the state of its restarts."""

    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = RESTART_DELAY_FIRST
    restart_at: float | None = None

    def start(self) -> None:
        self.process = _start([sys.executable, "-m", "tuidang.cli", *self.command])
        self.started_at = time.monotonic()
        self.restart_at = None


class Command(BaseCommand):
    help = "Apply migrations, then serve the site with granian and run the background processes."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="web worker processes (default: TUIDANG_WORKERS or one per core)",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            choices=[command[0] for command in BACKGROUND_COMMANDS],
            help="do not start this background command here (e.g. the sequencer runs on "
            "another machine); repeatable",
        )

    def handle(self, *args, host: str, port: int, workers: int | None, **options):
        workers = workers or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        ensure_port_free(host, port)
        quiet = max(0, options["verbosity"] - 1)
        call_command("migrate", interactive=False, verbosity=quiet)
        # Into the data dir, with a gzip copy of each file that WhiteNoise sends to clients
        # that accept it: the stylesheet costs a declarant on a slow link a third as much.
        call_command("collectstatic", interactive=False, verbosity=quiet)
        # Make the generated secrets and the log's signing key now, once, rather than in several
        # workers racing on first use, and so that an operator can copy secrets/ to a second
        # machine as soon as the URL is printed.
        from tuidang.declarations import contacts, logstore

        if refusal := contacts.private_key_on_server():
            raise CommandError(refusal)
        self.stdout.write(contacts.key_status())
        from tuidang import mail

        self.stdout.write(mail.status())
        logstore.signer()

        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        # The root of the client-key ratchet, for the web workers only: in the server's
        # environment, never on disk, and gone from it once Django is imported (privacy.py).
        from tuidang import privacy

        server_env = {**os.environ, privacy.HANDOFF_VARIABLE: privacy.new_handoff()}
        server = _start(
            [
                sys.executable,
                "-m",
                "tuidang.granian_conf",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=server_env,
        )
        del server_env
        available = get_commands()
        background = [
            Background(command)
            for command in BACKGROUND_COMMANDS
            if command[0] in available and command[0] not in options["skip"]
        ]
        for child in background:
            child.start()

        stopping: list[int] = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)

        failure = ""
        if self._wait_until_listening(host, port, server, stopping):
            noun = "worker" if workers == 1 else "workers"
            self.stdout.write(f"tuidang: serving on http://{bind}/ ({workers} {noun})")
            self.stdout.flush()
        elif not stopping:
            failure = f"granian exited with status {server.returncode} before it listened."

        while not stopping and not failure:
            time.sleep(0.2)
            if server.poll() is not None:
                failure = f"granian exited unexpectedly with status {server.returncode}."
                break
            for child in background:
                self._look_after(child)

        self._stop_all([server, *(c.process for c in background if c.process)])
        if failure:
            raise CommandError(failure)
        self.stdout.write("tuidang: stopped.")

    def _wait_until_listening(self, host, port, server, stopping) -> bool:
        connect_to = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host  # noqa: S104
        while not stopping and server.poll() is None:
            try:
                with socket.create_connection((connect_to, port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def _look_after(self, child: Background) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start()
            return
        if child.process is None or child.process.poll() is None:
            return
        if now - child.started_at > STABLE_AFTER_SECONDS:
            child.delay = RESTART_DELAY_FIRST
        self.stderr.write(
            f"tuidang: `{' '.join(child.command)}` exited with status "
            f"{child.process.returncode}; restarting in {child.delay:.0f} s."
        )
        child.restart_at = now + child.delay
        child.delay = min(child.delay * 2, RESTART_DELAY_MAX)

    def _stop_all(self, processes: list[subprocess.Popen]) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            # Each child leads its own process group: whatever it left behind (granian's
            # workers, when its main process was killed) is stopped with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
