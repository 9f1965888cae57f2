"""Intake under load: wrk POSTs declarations to a real ``tuidang serve`` on 127.0.0.1.

For each database (SQLite in a fresh data dir, and/or a fresh PostgreSQL database) it starts
``tuidang serve`` with rate limits off and auto-accept on, measures a trivial endpoint (a static
file through the same server and middleware) as the ceiling, then POSTs
``/api/v1/declarations`` with a unique alias per request (one person per body, or
``--family mixed``: families of 1 to 4, 1.6 people on average), and counts the ACCEPTED people
and bodies in the database afterwards. It reports people/s and bodies/s, p50/p99, bodies/s
divided by the ceiling's req/s, and the CPU time per accepted person of the processes it
started: the server's process tree (``web``: every descendant of ``tuidang serve`` but the
sequencer and the witness, read from /proc), and the PostgreSQL backends of its own database.
On a shared machine the CPU per declaration and the same-run ratio are the figures to compare;
requests per second measure what the other users left over. Usage (results in bench/RESULTS.md)::

    .venv/bin/python bench/intake.py --database sqlite --database postgres --duration 30
    .venv/bin/python bench/intake.py --database sqlite --log both --duration 30
    .venv/bin/python bench/intake.py --database sqlite --tree ../intake-base   # main's code
    .venv/bin/python bench/intake.py --database sqlite --queue both --duration 60

With ``--queue both`` each database is measured with the intake queue off (the request
moderates and stores the submission, as main does) and on (the request stores one row; the
sequencer moderates), alternated; with it on, the run's people/s count only what the sequencer
has moderated and stored by the time the queue is empty again.

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
    "SELECT count(*), count(DISTINCT s.id) FROM declarations_person p "
    "JOIN declarations_submission s "
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


def accepted_counts(database: str, data_dir: Path) -> tuple[int, int]:
    """Accepted (people, submissions) so far."""
    people, bodies = query(database, data_dir, ACCEPTED)[0]
    return people, bodies


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        db.execute(f'CREATE DATABASE "{PG_NAME}"')


def cpu_by_role(root: int) -> dict[str, float]:
    """CPU seconds used so far by each kind of process this benchmark started (from /proc).

    Only the server ``root`` (``tuidang serve``) and its descendants, and the PostgreSQL
    backends serving this benchmark's own database (their title names it): the machine is
    shared, and other people's servers, sequencers and databases are not ours to count. Every
    descendant that is not the sequencer or the witness is the web server (granian's or
    gunicorn's main process and workers, and ``serve`` itself, which only waits).
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
        elif "tuidang.cli sequencer" in command:
            role = "sequencer"
        elif "tuidang.cli witness" in command:
            role = "witness"
        else:
            role = "web"
        roles[role] = roles.get(role, 0.0) + cpu
    return roles


def wait_for_queue(database: str, data_dir: Path) -> None:
    """Until the sequencer has moderated every arrival of the intake queue."""
    deadline = time.monotonic() + 120
    while query(database, data_dir, "SELECT count(*) FROM declarations_arrival")[0][0]:
        if time.monotonic() > deadline:
            raise SystemExit("the sequencer did not empty the intake queue within 120 s")
        time.sleep(0.05)


def signed_size(database: str, data_dir: Path) -> int:
    return query(database, data_dir, SIGNED)[0][0]


def start_server(
    database: str, data_dir: Path, port: int, workers: int, log: bool, tree: Path, queue=False
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TUIDANG_DATA_DIR": str(data_dir),
        "TUIDANG_DATABASE_URL": PG_BENCH if database == "postgres" else "",
        "TUIDANG_RATE_LIMITS": "off",
        "TUIDANG_AUTO_ACCEPT": "on",
        "TUIDANG_INTAKE_QUEUE": "on" if queue else "off",
        "TUIDANG_LOG_LEVEL": "WARNING",
        # Batches every second however small (production: an hour, docs/privacy.md), so the
        # end-to-end figure measures the batching sequencer, not the wait for a boundary.
        "TUIDANG_LOG_INTERVAL": "1",
        "TUIDANG_LOG_MIN_BATCH": "1",
        # --tree: another checkout's code (e.g. main's, for "before" figures) with this venv.
        "PYTHONPATH": str(tree),
    }
    command = [sys.executable, "-m", "tuidang.cli", "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    if not log:
        command += ["--skip", "sequencer", "--skip", "witness"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, cwd=tree)
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
    family: str = "single",
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
        command += ["--", date.today().isoformat(), family]
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


def run(database: str, log: bool, args, queue: bool = False) -> dict:
    """One measurement of one server: the ceiling, then intake; returns the figures."""
    print(f"== {database}, log {'on' if log else 'off'}, queue {'on' if queue else 'off'}, "
          f"{args.family} families, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if database == "postgres":
        fresh_postgres()
    script = str(ROOT / "bench" / "intake.lua")
    with tempfile.TemporaryDirectory(prefix="tuidang-bench-") as tmp:
        data_dir = Path(tmp)
        server = start_server(database, data_dir, args.port, args.workers, log, args.tree, queue)
        base = f"http://127.0.0.1:{args.port}"
        try:
            wrk(f"{base}/static/tuidang/site.css", 3, args.connections, args.threads)  # warm up
            cpu_before = cpu_by_role(server.pid)
            ceiling = wrk(f"{base}/static/tuidang/site.css", args.duration, args.connections,
                          args.threads)  # fmt: skip
            ceiling_cpu = cpu_by_role(server.pid).get("web", 0.0) - cpu_before.get("web", 0.0)
            # Steady state, as on a running instance: a few seconds of intake first, then (on
            # PostgreSQL) the statistics autovacuum would gather within its first minute. On a
            # database created a moment ago the planner has none and chooses plans that walk
            # every submission for each duplicate check.
            wrk(f"{base}/api/v1/declarations", args.warmup, args.connections, args.threads,
                script, family=args.family)  # fmt: skip
            if queue:
                wait_for_queue(database, data_dir)
            if database == "postgres":
                query(database, data_dir, "ANALYZE")
            people_before, bodies_before = accepted_counts(database, data_dir)
            cpu_before = cpu_by_role(server.pid)
            started = time.monotonic()
            intake = wrk(f"{base}/api/v1/declarations", args.duration, args.connections,
                         args.threads, script, family=args.family)  # fmt: skip
            answered = time.monotonic() - started
            if queue:
                # Accepted means moderated: until the sequencer has emptied the queue.
                wait_for_queue(database, data_dir)
            elapsed = time.monotonic() - started
            cpu_after = cpu_by_role(server.pid)
            # The sequencer may still be logging; acceptance itself happened in the request.
            people_after, bodies_after = accepted_counts(database, data_dir)
            people, bodies = people_after - people_before, bodies_after - bodies_before
            statuses = query(database, data_dir, BY_STATUS)
            logged_elapsed = None
            if log:
                # End to end: until a signed checkpoint covers every accepted declaration.
                deadline = time.monotonic() + 120
                while signed_size(database, data_dir) < people_after:
                    if time.monotonic() > deadline:
                        raise SystemExit("the sequencer did not catch up within 120 s")
                    time.sleep(0.05)
                logged_elapsed = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    cpu = {role: cpu_after[role] - cpu_before.get(role, 0.0) for role in sorted(cpu_after)}
    result = {
        "ceiling_rps": ceiling["rps"],
        "ceiling_web_ms": 1000 * ceiling_cpu / max(ceiling["requests"], 1),
        "people_per_s": people / elapsed,
        "bodies_per_s": bodies / elapsed,
        "p50": intake["p50"],
        "p99": intake["p99"],
        "web_ms_per_person": 1000 * cpu.get("web", 0.0) / max(people, 1),
        "web_ms_per_body": 1000 * cpu.get("web", 0.0) / max(bodies, 1),
        "db_ms_per_person": 1000 * cpu.get("postgres", 0.0) / max(people, 1),
        "logged_per_s": people / logged_elapsed if logged_elapsed else None,
        "answered_per_s": intake["requests"] / answered,
    }
    result["ratio"] = result["bodies_per_s"] / result["ceiling_rps"]
    print(f"   ceiling (static file through the same server): {ceiling['rps']:.0f} req/s, "
          f"p50 {ceiling['p50']:.1f} ms, p99 {ceiling['p99']:.1f} ms, "
          f"web CPU {result['ceiling_web_ms']:.2f} ms/request")  # fmt: skip
    print(f"   intake: {intake['requests']} requests ({result['answered_per_s']:.0f}/s answered), "
          f"{intake['non_2xx']} not 2xx, "
          f"socket errors: {intake['socket_errors'] or 'none'}")  # fmt: skip
    if queue:
        print(f"   the queue was empty {elapsed - answered:.1f} s after the last request")
    print(f"   submissions by status and flags: {statuses}")
    print(f"   cpu seconds during intake (of {elapsed * (os.cpu_count() or 1):.0f} available): "
          + ", ".join(f"{role} {seconds:.1f}" for role, seconds in cpu.items()))  # fmt: skip
    print(f"   intake: {people} people in {bodies} bodies accepted in {elapsed:.1f} s = "
          f"{result['people_per_s']:.0f} people/s, {result['bodies_per_s']:.0f} bodies/s; "
          f"p50 {intake['p50']:.1f} ms, p99 {intake['p99']:.1f} ms; "
          f"bodies/s ÷ ceiling = {result['ratio']:.2f}")  # fmt: skip
    print(f"   web CPU per accepted person {result['web_ms_per_person']:.2f} ms "
          f"(per body {result['web_ms_per_body']:.2f} ms); database server CPU per person "
          f"{result['db_ms_per_person']:.2f} ms")  # fmt: skip
    if logged_elapsed:
        print(f"   end to end: {people} in a signed checkpoint after {logged_elapsed:.1f} s = "
              f"{result['logged_per_s']:.0f} logged/s")  # fmt: skip
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of intake before measuring")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=0, help="web workers (default: serve's)")
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind")
    parser.add_argument(
        "--family",
        choices=["single", "mixed"],
        default="single",
        help="one person per body, or families of 1-4 (1.6 people a body on average)",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        default=ROOT,
        help="checkout whose code the server runs (default: this one); e.g. main's for 'before'",
    )
    parser.add_argument(
        "--log",
        choices=["on", "off", "both"],
        default="on",
        help="run the sequencer (on, as serve does), skip it (off), or compare the two (both)",
    )
    parser.add_argument(
        "--queue",
        choices=["on", "off", "both"],
        default="off",
        help="the intake queue (TUIDANG_INTAKE_QUEUE) on, off, or both alternated; "
        "with it on, a declaration counts once the sequencer has moderated it",
    )
    args = parser.parse_args()
    args.tree = args.tree.resolve()
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} before the run; "
          f"code from {args.tree}")  # fmt: skip
    for database in args.database or ["sqlite", "postgres"]:
        logs = {"on": [True], "off": [False], "both": [False, True]}[args.log]
        queues = {"on": [True], "off": [False], "both": [False, True]}[args.queue]
        modes = [(log, queue) for log in logs for queue in queues]
        results: dict[tuple, list[dict]] = {mode: [] for mode in modes}
        for _ in range(args.repeat):
            for log, queue in modes:  # alternated, so that a change in load falls on both sides
                results[log, queue].append(run(database, log, args, queue))
        for (log, queue), rows in results.items():

            def median(key: str, rows=rows) -> float:
                return statistics.median(r[key] for r in rows)

            print(f"== {database}, log {'on' if log else 'off'}, "
                  f"queue {'on' if queue else 'off'}, median of {len(rows)}: "
                  f"{median('people_per_s'):.0f} people/s, {median('bodies_per_s'):.0f} bodies/s, "
                  f"p99 {median('p99'):.0f} ms, ceiling {median('ceiling_rps'):.0f} req/s, "
                  f"ratio {median('ratio'):.2f}, web CPU {median('web_ms_per_person'):.2f} ms "
                  f"per person")  # fmt: skip


if __name__ == "__main__":
    main()
