"""``tuidang serve`` for real: a subprocess with granian and its workers on a free port."""

import http.client
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tuidang.declarations.management.commands import serve

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT = 240  # a fresh data dir runs every migration first (Wagtail brings ~200)

_template: Path | None = None


def migrated_template() -> Path:
    """A data dir that ``tuidang migrate`` and ``collectstatic`` ran on, once per test run.

    A fresh data dir costs ``serve`` a minute on this machine (every migration, then gzip and
    Brotli copies of Wagtail's admin files); most servers in the suite start from a copy of this
    one's database and static files instead, and ``serve`` finds nothing to do. Its secrets are
    not copied: each server still makes its own. ``Server(..., fresh=True)`` starts from
    nothing, as an operator's first start does.
    """
    global _template
    if _template is None:
        import atexit
        import tempfile

        template = Path(tempfile.mkdtemp(prefix="tuidang-template-"))
        atexit.register(shutil.rmtree, template, True)
        environment = {
            **os.environ,
            "TUIDANG_DATA_DIR": str(template),
            "TUIDANG_DATABASE_URL": "",
            "TUIDANG_REDIS_URL": "",
        }
        environment.pop("DJANGO_SETTINGS_MODULE", None)
        for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run(
                [sys.executable, "-m", "tuidang.cli", *command],
                env=environment,
                check=True,
                timeout=600,
            )
        # Everything into the database file itself, so that copying that one file is enough.
        import sqlite3

        with sqlite3.connect(template / "tuidang.sqlite3") as database:
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _template = template
    return _template


def start_from_template(data_dir: Path) -> None:
    """Give a new data dir the template's migrated database and collected static files."""
    template = migrated_template()
    data_dir.mkdir(mode=0o700, parents=True)
    for name in ("tuidang.sqlite3", "static.compressed.json"):
        shutil.copy2(template / name, data_dir / name)
    shutil.copytree(template / "static", data_dir / "static")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, from the kernel's per-thread child lists."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child, *descendants(child)}
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead but not yet reaped by its parent
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


class Server:
    """``tuidang serve`` in a subprocess; ``output`` collects what it printed (both streams)."""

    def __init__(
        self,
        data_dir: Path,
        workers: int = 2,
        args: tuple[str, ...] = (),
        fresh: bool = False,
        **env: str,
    ):
        if not fresh and not data_dir.exists() and not env.get("TUIDANG_DATABASE_URL"):
            start_from_template(data_dir)
        self.port = free_port()
        self.data_dir = data_dir
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        environment = {
            **os.environ,
            "TUIDANG_DATA_DIR": str(data_dir),
            "TUIDANG_DATABASE_URL": "",  # the server's own SQLite file, never the test database
            "TUIDANG_REDIS_URL": "",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        environment.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tuidang.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                *args,
            ],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self._lines.put(line)

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith("tuidang: serving on "):
                return line.split()[3]
        self.process.kill()
        raise AssertionError("tuidang serve did not start:\n" + "".join(self.output))

    def connection(self, **kwargs) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, **kwargs)

    def get(self, path: str) -> tuple[int, bytes]:
        conn = self.connection()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_serves_pages_and_static_files_then_stops_every_child(tmp_path):
    # From an empty data dir, as an operator's first start: serve migrates and collects.
    with Server(tmp_path / "data", workers=2, fresh=True) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/"
        assert "(2 workers)" in "".join(server.output)
        for language, text in [
            ("zh-hans", 'lang="zh-hans"'),
            ("zh-hant", 'lang="zh-hant"'),
            ("en", 'lang="en"'),
        ]:
            status, body = server.get(f"/{language}/")
            assert status == 200
            assert text in body.decode()
        status, body = server.get("/static/tuidang/site.css")
        assert status == 200
        assert b"{" in body

        children = descendants(server.process.pid)
        assert len(children) >= 3  # granian's main process and its two workers at least
        assert server.stop() == 0
        assert not [pid for pid in children if alive(pid)]
        assert "tuidang: stopped." in "".join(server.output)

    logs = tmp_path / "data" / "logs"
    assert "Starting granian" in (logs / "granian.log").read_text()
    # The contacts key is the centre's, configured (tests/conftest.py); serve makes none.
    assert not list((tmp_path / "data" / "secrets").glob("contacts-*"))


def command_lines(pids: set[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return lines


def test_skip_leaves_a_background_command_to_another_machine(tmp_path):
    with Server(tmp_path / "data", workers=1, args=("--skip", "sequencer")) as server:
        running = command_lines(descendants(server.process.pid))
        assert any("witness" in line for line in running)
        assert not any("sequencer" in line for line in running)
        # Every generated secret exists once the URL is printed, the log's signing key too,
        # though no sequencer runs here: an operator copies secrets/ to the other machine.
        secrets = tmp_path / "data" / "secrets"
        assert (secrets / "log-signing.key").read_text().startswith("PRIVATE+KEY+")
        assert not list(secrets.glob("contacts-*"))
        assert server.stop() == 0


def test_exits_non_zero_and_stops_the_rest_when_the_web_server_dies(tmp_path):
    with Server(tmp_path / "data", workers=1) as server:
        children = descendants(server.process.pid)
        direct = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        granian = next(
            pid
            for pid in map(int, direct.read_text().split())
            if b"granian" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )
        os.kill(granian, signal.SIGKILL)
        assert server.process.wait(timeout=60) != 0
        assert "granian exited unexpectedly" in "".join(server.output)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(pid) for pid in children):
            time.sleep(0.1)
        assert not [pid for pid in children if alive(pid)]


def test_a_background_command_that_dies_is_restarted_with_growing_delays(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(serve.Background, "start", lambda self: started.append(self.command))
    child = serve.Background(["sequencer"])
    child.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    child.process.wait()
    child.started_at = time.monotonic()
    command = serve.Command(stderr=open(os.devnull, "w"))  # noqa: SIM115

    command._look_after(child)
    assert child.restart_at is not None
    assert child.delay == 2 * serve.RESTART_DELAY_FIRST
    assert started == []

    child.restart_at = time.monotonic() - 1  # the delay has passed
    command._look_after(child)
    assert started == [["sequencer"]]


def test_background_commands_start_only_where_the_command_exists(monkeypatch):
    assert ["sequencer"] in serve.BACKGROUND_COMMANDS
    monkeypatch.setattr(serve, "BACKGROUND_COMMANDS", [["no_such_command"], ["check", "--deploy"]])
    assert serve.runnable_background_commands() == [["check", "--deploy"]]


def test_a_port_in_use_is_named_and_nothing_is_served(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(serve.CommandError, match=f"port {port} on 127.0.0.1 is already in use"):
            serve.ensure_port_free("127.0.0.1", port)
        env = {
            **os.environ,
            "TUIDANG_DATA_DIR": str(tmp_path),
            "TUIDANG_DATABASE_URL": "",
            "TUIDANG_REDIS_URL": "",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        result = subprocess.run(
            [sys.executable, "-m", "tuidang.cli", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=STARTUP_TIMEOUT,
        )
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr
    assert "serving on" not in result.stdout + result.stderr
    # Refused before anything else: no migration ran for a server that never started.
    assert not (tmp_path / "tuidang.sqlite3").exists()
    # And a free port is accepted.
    serve.ensure_port_free("127.0.0.1", free_port())
