"""Benchmark: sequencer throughput, entries appended durably per second.

Pre-loads accepted people with bulk inserts into a fresh database (SQLite file in a temporary
data directory, or a fresh PostgreSQL database), then times ``sequence_batch`` until idle:
every batch is one committed transaction with salts, entries, bundles, tiles, leaf indexes and
counters, followed by a signed checkpoint. Run from the repository root::

    .venv/bin/python bench/sequencer.py --entries 200000 --batch 10000 [--database postgres]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BENCH = "postgres://postgres@127.0.0.1:5432/tuidang_bench_sequencer"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tuidang-bench-sequencer-")
    os.environ["TUIDANG_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "tuidang.settings"
    os.environ.pop("TUIDANG_DATABASE_URL", None)
    if args.database == "postgres":
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                "DROP DATABASE IF EXISTS tuidang_bench_sequencer",
            ],
            check=True,
        )
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE tuidang_bench_sequencer",
            ],
            check=True,
        )
        os.environ["TUIDANG_DATABASE_URL"] = PG_BENCH
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tuidang.declarations import sequencer
    from tuidang.declarations.models import Organisation, Person, Submission
    from tuidang.transparency.logstore import LogState

    call_command("migrate", verbosity=0)
    organisations = list(Organisation.objects.values_list("id", flat=True))
    regions = ["CN-SX", "CN-BJ", "US", "", "CN-GD", "CA"]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        family = 5
        cursor.executemany(
            "INSERT INTO declarations_submission (status, channel, declared_on, created_at, "
            "language, flags, rejection_reason, rejection_note) "
            "VALUES ('accepted', %s, %s, %s, 'zh-hans', '[]', '', '')",
            [
                (
                    ["web", "phone", "api"][i % 3],
                    date(2026, 1, 1) + timedelta(days=i % 300),
                    "2026-11-23 00:00:00+00:00",
                )
                for i in range(args.entries // family)
            ],
        )
        first = Submission.objects.order_by("id").values_list("id", flat=True).first()
        cursor.executemany(
            "INSERT INTO declarations_person (submission_id, position, name, name_key, "
            "statement, statement_fingerprint, region) VALUES (%s, %s, %s, %s, %s, '', %s)",
            [
                (
                    first + i // family,
                    i % family,
                    f"alias{i}",
                    f"alias{i}",
                    f"我退出中共及其一切组织。第 {i} 份声明。",
                    regions[i % len(regions)],
                )
                for i in range(args.entries)
            ],
        )
        first_person = Person.objects.order_by("id").values_list("id", flat=True).first()
        cursor.executemany(
            "INSERT INTO declarations_person_organisations (person_id, organisation_id) "
            "VALUES (%s, %s)",
            [
                (first_person + i, organisations[k])
                for i in range(args.entries)
                for k in range(1 + i % len(organisations))
            ],
        )
    if connection.vendor == "postgresql":
        # A live PostgreSQL database has statistics (autovacuum); a bulk load has none yet.
        # tuidang never analyses SQLite, so there the planner works without them, as it does
        # on a live instance.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started

    started = time.perf_counter()
    cpu = time.process_time()
    batches = 0
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx(
            "sequencer.sequence_batch(args.batch)", globals(), locals(), "/tmp/seq.prof"
        )
    while sequencer.sequence_batch(args.batch):
        sequencer.sign_checkpoint()
        batches += 1
    sequencer.sign_checkpoint()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    size = LogState.objects.get(pk=1).size
    assert size == args.entries, (size, args.entries)
    print(f"database: {args.database}; loaded {args.entries} accepted people in {loaded:.1f} s")
    print(
        f"sequenced {size} entries in {batches} batches of <= {args.batch} in {elapsed:.2f} s: "
        f"{size / elapsed:,.0f} entries/s (durably committed, checkpoint signed per batch)"
    )


if __name__ == "__main__":
    main()
