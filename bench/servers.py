"""gunicorn and granian side by side: throughput, and honest latency beside 100 slow clients.

For each server configuration, in one run on this machine, it prepares a fresh data dir (SQLite,
migrated, static files collected; rate limits off, auto-accept on, no sequencer) and measures,
with wrk from a second process on 127.0.0.1:

- ``static``: a static file through the whole middleware stack (the ceiling of a trivial request);
- ``intake``: ``POST /api/v1/declarations`` (bench/intake.lua, a unique alias per request);
Beside each throughput it prints the server's CPU time per request (its whole process tree,
from /proc), the figure to compare on a shared machine.

- ``slow``: ``GET /en/`` from 8 connections while 100 slow clients are connected (50 sending
  headers, 50 sending a declared body, one byte every 2 s): requests/s, p99, and how many
  requests timed out (wrk's 2 s timeout).

Usage (results in bench/RESULTS.md, "Server")::

    .venv/bin/python bench/servers.py --duration 10
    .venv/bin/python bench/servers.py --only granian:2 --only gunicorn:5x1

A configuration is ``gunicorn:<workers>x<threads>`` (gthread workers, tuidang.gunicorn_conf, as
``tuidang serve`` ran them before) or ``granian:<workers>`` (tuidang.granian_conf, as ``tuidang
serve`` runs it now). Needs ``wrk`` (Debian: ``apt-get install wrk``). Traffic goes only to
127.0.0.1; every run is bounded by ``--duration``.
"""

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# bench/intake.py, beside this file: runs wrk and reads its report.
from intake import cpu_by_role
from intake import wrk as wrk_report

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATIONS = [
    "gunicorn:5x1",
    "gunicorn:2x8",
    "gunicorn:2x32",
    "granian:1",
    "granian:2",
    "granian:3",
    "granian:4",
]


def environment(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data_dir),
        "TUIDANG_DATABASE_URL": "",
        "TUIDANG_REDIS_URL": "",
        "TUIDANG_RATE_LIMITS": "off",
        "TUIDANG_AUTO_ACCEPT": "on",
        "TUIDANG_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def start(configuration: str, data_dir: Path, port: int) -> subprocess.Popen:
    env = environment(data_dir)
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "-m", "tuidang.cli", *command], env=env, check=True)
    server, _, size = configuration.partition(":")
    if server == "gunicorn":
        workers, threads = size.split("x")
        env["TUIDANG_THREADS"] = threads
        argv = ["-m", "gunicorn", "tuidang.wsgi:application", "--config",
                "python:tuidang.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
                "--workers", workers]  # fmt: skip
    else:
        argv = ["-m", "tuidang.granian_conf", "--port", str(port), "--workers", size]
    process = subprocess.Popen(
        [sys.executable, *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{configuration} did not listen")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wrk(url: str, duration: int, connections: int, script: str = "") -> dict:
    # Two wrk threads, and a request unanswered for 2 s counts as a timeout (slow-client runs).
    return wrk_report(url, duration, connections, threads=2, script=script, timeout="2s")


class SlowClients:
    """50 slow-headers and 50 slow-body connections, one byte each every 2 s."""

    def __init__(self, port: int, count: int = 100):
        self.sockets = []
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                sock.sendall(b"GET /en/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            else:
                sock.sendall(
                    b"POST /api/v1/declarations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                )
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)
        self._thread.start()

    def _drip(self) -> None:
        while not self._stop.wait(2.0):
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


def measure(configuration: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="tuidang-bench-") as tmp:
        process = start(configuration, Path(tmp), args.port)
        base = f"http://127.0.0.1:{args.port}"
        script = str(ROOT / "bench" / "intake.lua")
        try:
            wrk(f"{base}/static/tuidang/site.css", 3, args.connections)  # warm up
            cpu = cpu_by_role(process.pid).get("web", 0.0)
            static = wrk(f"{base}/static/tuidang/site.css", args.duration, args.connections)
            static["cpu_ms"] = (
                (cpu_by_role(process.pid).get("web", 0.0) - cpu) * 1000 / max(static["requests"], 1)
            )
            wrk(f"{base}/api/v1/declarations", 3, args.connections, script)  # warm up
            cpu = cpu_by_role(process.pid).get("web", 0.0)
            intake = wrk(f"{base}/api/v1/declarations", args.duration, args.connections, script)
            intake["cpu_ms"] = (
                (cpu_by_role(process.pid).get("web", 0.0) - cpu) * 1000 / max(intake["requests"], 1)
            )
            slow_clients = SlowClients(args.port)
            try:
                time.sleep(2.5)
                slow = wrk(f"{base}/en/", args.duration, 8)
            finally:
                slow_clients.close()
        finally:
            stop(process)
    return {"static": static, "intake": intake, "slow": slow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="configuration(s) to measure")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; wrk -t2 -c{args.connections} -d{args.duration}s --timeout 2s")
    header = (
        f"{'server':<14} {'static req/s':>12} {'p99 ms':>7} {'cpu ms':>6} {'intake req/s':>12} "
        f"{'p99 ms':>7} {'cpu ms':>6} {'slow: req/s':>11} {'p99 ms':>7} {'timeouts':>8}"
    )
    print(header)
    for configuration in args.only or CONFIGURATIONS:
        r = measure(configuration, args)
        s, i, w = r["static"], r["intake"], r["slow"]
        print(
            f"{configuration:<14} {s['rps']:>12.0f} {s['p99']:>7.1f} {s['cpu_ms']:>6.2f} "
            f"{i['rps']:>12.0f} {i['p99']:>7.1f} {i['cpu_ms']:>6.2f} {w['rps']:>11.0f} "
            f"{w['p99']:>7.1f} {w['timeouts']:>8}",
            flush=True,
        )
        failed = s["non_2xx"] + i["non_2xx"] + w["non_2xx"]
        if failed:
            print(f"   ({failed} non-2xx answers)")


if __name__ == "__main__":
    main()
