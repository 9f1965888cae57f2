"""Intake under load: wrk POSTs declarations to a real ``tuidang serve`` on 127.0.0.1.

For each database (SQLite in a fresh data dir, and/or a fresh PostgreSQL database) it starts
``tuidang serve`` with rate limits off and auto-accept on, measures a trivial endpoint (a static
file through the same gunicorn and middleware) as the ceiling, then POSTs
``/api/v1/declarations`` with a unique alias per request, and counts the ACCEPTED people in the
database afterwards. Usage (results go in bench/RESULTS.md)::

    .venv/bin/python bench/intake.py --database sqlite --database postgres --duration 30

Needs ``wrk`` (Debian: ``apt-get install wrk``). Traffic goes only to 127.0.0.1; every run is
bounded by ``--duration``.
"""

import argparse
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/tuidang_bench"
ACCEPTED = (
    "SELECT count(*) FROM declarations_person p JOIN declarations_submission s "
    "ON s.id = p.submission_id WHERE s.status = 'accepted'"
)
BY_STATUS = "SELECT status, flags, count(*) FROM declarations_submission GROUP BY status, flags"


def query(database: str, data_dir: Path, sql: str) -> list[tuple]:
    if database == "sqlite":
        with sqlite3.connect(data_dir / "tuidang.sqlite3") as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(PG_BENCH) as db:
        return db.execute(sql).fetchall()


def accepted_count(database: str, data_dir: Path) -> int:
    return query(database, data_dir, ACCEPTED)[0][0]


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS tuidang_bench")
        db.execute("CREATE DATABASE tuidang_bench")


def start_server(database: str, data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data_dir),
        "TUIDANG_DATABASE_URL": PG_BENCH if database == "postgres" else "",
        "TUIDANG_RATE_LIMITS": "off",
        "TUIDANG_AUTO_ACCEPT": "on",
        "TUIDANG_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "tuidang.cli", "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    for line in process.stdout:
        print("   ", line.rstrip())
        if line.startswith("tuidang: serving on"):
            return process
    raise SystemExit(f"tuidang serve exited with {process.wait()}")


def wrk(url: str, duration: int, connections: int, threads: int, script: str = "") -> dict:
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    if script:
        command += ["-s", script]
    command += [url]
    if script:
        command += ["--", date.today().isoformat()]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def run(database: str, args) -> None:
    print(f"== {database}")
    if database == "postgres":
        fresh_postgres()
    with tempfile.TemporaryDirectory(prefix="tuidang-bench-") as tmp:
        data_dir = Path(tmp)
        server = start_server(database, data_dir, args.port, args.workers)
        base = f"http://127.0.0.1:{args.port}"
        try:
            wrk(f"{base}/static/tuidang/site.css", 3, args.connections, args.threads)  # warm up
            ceiling = wrk(f"{base}/static/tuidang/site.css", args.duration, args.connections,
                          args.threads)  # fmt: skip
            before = accepted_count(database, data_dir)
            started = time.monotonic()
            intake = wrk(f"{base}/api/v1/declarations", args.duration, args.connections,
                         args.threads, str(ROOT / "bench" / "intake.lua"))  # fmt: skip
            elapsed = time.monotonic() - started
            # The sequencer may still be logging; acceptance itself happened in the request.
            accepted = accepted_count(database, data_dir) - before
            statuses = query(database, data_dir, BY_STATUS)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print(f"   ceiling (static file): {ceiling['rps']:.0f} req/s, p50 {ceiling['p50']:.1f} ms, "
          f"p99 {ceiling['p99']:.1f} ms")  # fmt: skip
    print(f"   intake: {intake['requests']} requests, {intake['non_2xx']} not 2xx, "
          f"socket errors: {intake['socket_errors'] or 'none'}")  # fmt: skip
    print(f"   submissions by status and flags: {statuses}")
    print(f"   intake: {accepted} accepted in {elapsed:.1f} s = {accepted / elapsed:.0f} accepted/s; "
          f"p50 {intake['p50']:.1f} ms, p99 {intake['p99']:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: serve's)"
    )
    parser.add_argument("--port", type=int, default=8391)
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} before the run")
    for database in args.database or ["sqlite", "postgres"]:
        run(database, args)


if __name__ == "__main__":
    main()
