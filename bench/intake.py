"""Intake under load: wrk POSTs declarations to a real ``tuidang serve`` on 127.0.0.1.

For each database (SQLite in a fresh data dir, and/or a fresh PostgreSQL database) it starts
``tuidang serve`` with rate limits off and auto-accept on, measures a trivial endpoint (a static
file through the same gunicorn and middleware) as the ceiling, then POSTs
``/api/v1/declarations`` with a unique alias per request, and counts the ACCEPTED people in the
database afterwards. Usage (results go in bench/RESULTS.md)::

    .venv/bin/python bench/intake.py --database sqlite --database postgres --duration 30
    .venv/bin/python bench/intake.py --database sqlite --log both --duration 30

With ``--log both`` each database is measured twice in the same run: first with the log off
(``serve --skip sequencer``: declarations are accepted but nothing appends them to the log),
then with it on, where the end-to-end figure counts a declaration only once the sequencer has
appended it to the log and signed a checkpoint covering it.

Needs ``wrk`` (Debian: ``apt-get install wrk``). Traffic goes only to 127.0.0.1; every run is
bounded by ``--duration``.
"""

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# Its own database name in the environment, so that benchmarks run side by side never share one.
PG_NAME = os.environ.get("TUIDANG_BENCH_PG_NAME", "tuidang_bench")
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
ACCEPTED = (
    "SELECT count(*) FROM declarations_person p JOIN declarations_submission s "
    "ON s.id = p.submission_id WHERE s.status = 'accepted'"
)
BY_STATUS = "SELECT status, flags, count(*) FROM declarations_submission GROUP BY status, flags"
SIGNED = "SELECT coalesce(max(size), 0) FROM declarations_checkpoint"


def query(database: str, data_dir: Path, sql: str) -> list[tuple]:
    if database == "sqlite":
        with sqlite3.connect(data_dir / "tuidang.sqlite3") as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(PG_BENCH, autocommit=True) as db:
        cursor = db.execute(sql)
        return cursor.fetchall() if cursor.description else []


def accepted_count(database: str, data_dir: Path) -> int:
    return query(database, data_dir, ACCEPTED)[0][0]


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        db.execute(f'CREATE DATABASE "{PG_NAME}"')


def cpu_by_role(root: int) -> dict[str, float]:
    """CPU seconds used so far by each kind of process this benchmark started (from /proc).

    Only the server ``root`` and its descendants, and the PostgreSQL backends serving this
    benchmark's own database (their title names it): the machine is shared, and other people's
    servers, sequencers and databases are not ours to count.
    """
    tick = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, UnicodeDecodeError):
            continue  # gone meanwhile
        cpu = (int(fields[11]) + int(fields[12])) / tick
        processes[int(stat.parent.name)] = (int(fields[1]), command, cpu)
    ours = {root}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _command, _cpu) in processes.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    roles: dict[str, float] = {}
    for pid, (_parent, command, cpu) in processes.items():
        if command.startswith("postgres") and f" {PG_NAME} " in command:
            role = "postgres"
        elif pid not in ours:
            continue
        elif "gunicorn" in command:
            role = "web workers"
        elif "tuidang.cli sequencer" in command:
            role = "sequencer"
        elif "tuidang.cli witness" in command:
            role = "witness"
        else:
            continue
        roles[role] = roles.get(role, 0.0) + cpu
    return roles


def signed_size(database: str, data_dir: Path) -> int:
    return query(database, data_dir, SIGNED)[0][0]


def start_server(
    database: str, data_dir: Path, port: int, workers: int, log: bool
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data_dir),
        "TUIDANG_DATABASE_URL": PG_BENCH if database == "postgres" else "",
        "TUIDANG_RATE_LIMITS": "off",
        "TUIDANG_AUTO_ACCEPT": "on",
        "TUIDANG_LOG_LEVEL": "WARNING",
        # Batches every second however small (production: an hour, docs/privacy.md), so the
        # end-to-end figure measures the batching sequencer, not the wait for a boundary.
        "TUIDANG_LOG_INTERVAL": "1",
        "TUIDANG_LOG_MIN_BATCH": "1",
    }
    command = [sys.executable, "-m", "tuidang.cli", "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    if not log:
        command += ["--skip", "sequencer", "--skip", "witness"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    for line in process.stdout:
        print("   ", line.rstrip())
        if line.startswith("tuidang: serving on"):
            return process
    raise SystemExit(f"tuidang serve exited with {process.wait()}")


def wrk(
    url: str,
    duration: int,
    connections: int,
    threads: int,
    script: str = "",
    timeout: str = "",
    headers: tuple[str, ...] = (),
) -> dict:
    """Run wrk against ``url`` and read its report (also used by bench/servers.py, news.py)."""
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    for header in headers:
        command += ["-H", header]
    if timeout:
        command += ["--timeout", timeout]
    if script:
        command += ["-s", script]
    command += [url]
    if script:
        command += ["--", date.today().isoformat()]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:  # no request finished (every one timed out)
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def run(database: str, log: bool, args) -> float:
    """One measurement; returns accepted/s (log off) or end-to-end logged/s (log on)."""
    print(f"== {database}, log {'on' if log else 'off'}")
    if database == "postgres":
        fresh_postgres()
    with tempfile.TemporaryDirectory(prefix="tuidang-bench-") as tmp:
        data_dir = Path(tmp)
        server = start_server(database, data_dir, args.port, args.workers, log)
        base = f"http://127.0.0.1:{args.port}"
        try:
            wrk(f"{base}/static/tuidang/site.css", 3, args.connections, args.threads)  # warm up
            ceiling = wrk(f"{base}/static/tuidang/site.css", args.duration, args.connections,
                          args.threads)  # fmt: skip
            # Steady state, as on a running instance: a few seconds of intake first, then (on
            # PostgreSQL) the statistics autovacuum would gather within its first minute. On a
            # database created a moment ago the planner has none and chooses plans that walk
            # every submission for each duplicate check.
            wrk(f"{base}/api/v1/declarations", args.warmup, args.connections, args.threads,
                str(ROOT / "bench" / "intake.lua"))  # fmt: skip
            if database == "postgres":
                query(database, data_dir, "ANALYZE")
            before = accepted_count(database, data_dir)
            cpu_before = cpu_by_role(server.pid)
            started = time.monotonic()
            intake = wrk(f"{base}/api/v1/declarations", args.duration, args.connections,
                         args.threads, str(ROOT / "bench" / "intake.lua"))  # fmt: skip
            elapsed = time.monotonic() - started
            cpu_after = cpu_by_role(server.pid)
            # The sequencer may still be logging; acceptance itself happened in the request.
            accepted = accepted_count(database, data_dir) - before
            statuses = query(database, data_dir, BY_STATUS)
            if log:
                # End to end: until a signed checkpoint covers every accepted declaration.
                total = accepted_count(database, data_dir)
                deadline = time.monotonic() + 120
                while signed_size(database, data_dir) < total:
                    if time.monotonic() > deadline:
                        raise SystemExit("the sequencer did not catch up within 120 s")
                    time.sleep(0.05)
                logged_elapsed = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print(f"   ceiling (static file): {ceiling['rps']:.0f} req/s, p50 {ceiling['p50']:.1f} ms, "
          f"p99 {ceiling['p99']:.1f} ms")  # fmt: skip
    print(f"   intake: {intake['requests']} requests, {intake['non_2xx']} not 2xx, "
          f"socket errors: {intake['socket_errors'] or 'none'}")  # fmt: skip
    print(f"   submissions by status and flags: {statuses}")
    cpu = {role: cpu_after[role] - cpu_before.get(role, 0.0) for role in sorted(cpu_after)}
    print("   cpu seconds during intake (of " f"{elapsed * (os.cpu_count() or 1):.0f} available): "
          + ", ".join(f"{role} {seconds:.1f}" for role, seconds in cpu.items()))  # fmt: skip
    print(f"   intake: {accepted} accepted in {elapsed:.1f} s = {accepted / elapsed:.0f} accepted/s; "
          f"p50 {intake['p50']:.1f} ms, p99 {intake['p99']:.1f} ms")  # fmt: skip
    if not log:
        return accepted / elapsed
    print(f"   end to end: {accepted} in a signed checkpoint after {logged_elapsed:.1f} s = "
          f"{accepted / logged_elapsed:.0f} logged/s")  # fmt: skip
    return accepted / logged_elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of intake before measuring")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: serve's)"
    )
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind")
    parser.add_argument(
        "--log",
        choices=["on", "off", "both"],
        default="on",
        help="run the sequencer (on, as serve does), skip it (off), or compare the two (both)",
    )
    args = parser.parse_args()
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} before the run")
    for database in args.database or ["sqlite", "postgres"]:
        if args.log == "both":
            # Alternated, so that a change in the machine's load falls on both sides.
            without, with_log = [], []
            for _ in range(args.repeat):
                without.append(run(database, False, args))
                with_log.append(run(database, True, args))
            off, on = statistics.median(without), statistics.median(with_log)
            print(f"== {database}: log off {', '.join(f'{r:.0f}' for r in without)}/s; "
                  f"log on {', '.join(f'{r:.0f}' for r in with_log)}/s; "
                  f"medians on / off = {on:.0f} / {off:.0f} = {on / off:.2f}")  # fmt: skip
        else:
            for _ in range(args.repeat):
                run(database, args.log == "on", args)


if __name__ == "__main__":
    main()
