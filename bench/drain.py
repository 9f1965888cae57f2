"""Benchmark: how fast the sequencer empties the intake queue (``arrivals.drain``), alone.

A fresh database (SQLite file in a temporary data directory, or a fresh PostgreSQL database)
gets ``--existing`` accepted people (so the moderation reads look through a real table), then
``--arrivals`` queued submissions of one person each (a third with a statement, some
duplicates and near-identical statements among them and against the stored people); the
figure is the wall and CPU time of ``arrivals.drain()`` until the queue is empty. No web
server, no log: only the moderation reads and the inserts. Each ``--tree`` (another checkout's
code, e.g. ``git archive HEAD | tar -x -C /tmp/before``) runs in a child process with this
venv, alternated with the others ``--rounds`` times, so before and after share the load::

    .venv/bin/python bench/drain.py --tree /tmp/before --tree . --database sqlite \\
        --database postgres --arrivals 5000 --existing 100000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_NAME = os.environ.get("TUIDANG_BENCH_PG_NAME", "tuidang_bench_drain")


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)


def child(database: str, count: int, existing: int) -> dict:
    data_dir = tempfile.mkdtemp(prefix="tuidang-bench-drain-")
    os.environ["TUIDANG_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "tuidang.settings"
    os.environ["TUIDANG_RATE_LIMITS"] = "off"
    os.environ.pop("TUIDANG_DATABASE_URL", None)
    if database == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{PG_NAME}"')
        os.environ["TUIDANG_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    sys.path.insert(0, os.getcwd())

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tuidang.declarations import arrivals
    from tuidang.declarations.models import (
        Arrival,
        Organisation,
        Person,
        Submission,
        fingerprint,
    )

    call_command("migrate", verbosity=0)
    organisations = list(Organisation.objects.values_list("id", flat=True))
    regions = ["CN-SX", "CN-BJ", "US", "", "CN-GD", "CA"]
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO declarations_submission (status, channel, declared_on, created_at, "
            "language, flags, rejection_reason, rejection_note) "
            "VALUES ('accepted', 'api', %s, %s, 'zh-hans', '[]', '', '')",
            [(date(2026, 11, 1), now)] * existing,
        )
        first = Submission.objects.order_by("id").values_list("id", flat=True).first()
        statements = [f"我退出中共及其一切组织，第 {i} 份声明。" for i in range(existing)]
        cursor.executemany(
            "INSERT INTO declarations_person (submission_id, position, name, name_key, "
            "statement, statement_fingerprint, region) VALUES (%s, 0, %s, %s, %s, %s, %s)",
            [
                (
                    first + i,
                    f"alias{i}",
                    f"alias{i}",
                    statements[i] if i % 3 == 0 else "",
                    fingerprint(statements[i]) if i % 3 == 0 else "",
                    regions[i % len(regions)],
                )
                for i in range(existing)
            ],
        )
        first_person = Person.objects.order_by("id").values_list("id", flat=True).first()
        cursor.executemany(
            "INSERT INTO declarations_person_organisations (person_id, organisation_id) "
            "VALUES (%s, %s)",
            [(first_person + i, organisations[i % len(organisations)]) for i in range(existing)],
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # The queue: one person per body; every 50th repeats a stored person (a duplicate), every
    # 40th a stored statement, every 60th the previous arrival (a duplicate within the batch).
    queued = []
    for i in range(count):
        n = existing + i
        name, region = f"new{n}", regions[n % len(regions)]
        statement = f"我宣布退出中国共产党，编号 {n}。" if i % 3 == 0 else ""
        if i % 50 == 0 and existing:
            name, region = f"alias{i % existing}", regions[(i % existing) % len(regions)]
        if i % 40 == 0 and existing:
            statement = statements[(3 * i) % existing - (3 * i) % existing % 3]
        if i % 60 == 59:
            name, region = queued[-1].people[0][0], queued[-1].people[0][2]
        orgs = [organisations[(n if not name.startswith("alias") else i % existing) % 3]]
        queued.append(
            Arrival(
                created_at=now,
                channel="api",
                language="zh-hans",
                declared_on=date(2026, 11, 1),
                people=[[name, statement, region, orgs]],
            )
        )
    Arrival.objects.bulk_create(queued, batch_size=500)
    started, cpu = time.perf_counter(), time.process_time()
    drained = arrivals.drain()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert drained == count, (drained, count)
    flagged = Submission.objects.exclude(flags=[]).count()
    stored = Person.objects.count() - existing
    connection.close()
    if database == "postgres":
        psql(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "per_second": count / elapsed,
        "stored": stored,
        "flagged": flagged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--tree", action="append", type=Path)
    parser.add_argument("--arrivals", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    databases = args.database or ["sqlite"]
    if args.child:
        print(json.dumps(child(databases[0], args.arrivals, args.existing)))
        return
    for _round in range(args.rounds):
        for database in databases:
            for tree in args.tree or [ROOT]:
                tree = tree.resolve()
                load = os.getloadavg()[0]
                output = subprocess.run(
                    [
                        *(sys.executable, str(ROOT / "bench" / "drain.py"), "--child"),
                        *("--database", database, "--arrivals", str(args.arrivals)),
                        *("--existing", str(args.existing)),
                    ],
                    cwd=tree,
                    env={**os.environ, "PYTHONPATH": str(tree)},
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(output.strip().splitlines()[-1])
                print(
                    f"{database:8} {tree!s:32} load {load:5.1f}  {args.arrivals} arrivals "
                    f"drained in {result['seconds']:6.2f} s = {result['per_second']:7,.0f}/s, "
                    f"CPU {1000 * result['cpu'] / args.arrivals:.2f} ms each; "
                    f"flagged {result['flagged']}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
