"""Tally read time at 10,000 and at 10,000,000 declarations, in the same run.

For each size it makes a fresh data dir (SQLite), migrates it, bulk-inserts that many accepted
people (one per submission, spread over two years, 34 provinces and some countries, every
channel) with raw SQL, marks them as already in the log (so the sequencer has nothing to do),
builds the ``TallyCounter`` rows from the rows with aggregate queries, starts ``tuidang serve
--workers 1`` and times sequential GETs of ``/api/v1/tally`` and ``/zh-hans/tally/`` on one
keep-alive connection, then the page again with the counters changed before every request (as
after each batch the sequencer logs), which renders it afresh, and a day's statements page (with
its links to the nearest earlier and later days). ``--tree`` serves another checkout (e.g. a
``git archive`` of main) with this script's data, to compare two trees in one run. Usage
(results in bench/RESULTS.md)::

    .venv/bin/python bench/tally.py --sizes 10000 10000000 --requests 300
    .venv/bin/python bench/tally.py --sizes 100000 --tree /tmp/before --tree .
"""

import argparse
import http.client
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVINCES = [
    "CN-BJ", "CN-TJ", "CN-HE", "CN-SX", "CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-SH", "CN-JS",
    "CN-ZJ", "CN-AH", "CN-FJ", "CN-JX", "CN-SD", "CN-HA", "CN-HB", "CN-HN", "CN-GD", "CN-GX",
    "CN-HI", "CN-CQ", "CN-SC", "CN-GZ", "CN-YN", "CN-XZ", "CN-SN", "CN-GS", "CN-QH", "CN-NX",
    "CN-XJ", "CN-TW", "CN-HK", "CN-MO",
]  # fmt: skip
# 40 region slots: the 34 provinces, 5 countries abroad, and one unknown ("").
REGIONS = [*PROVINCES, "US", "CA", "AU", "GB", "JP", ""]
CHANNELS = ["web"] * 6 + ["api", "phone", "email", "post"]


def case(expression: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expression}) % {len(values)} {whens} END"


def load(database: Path, size: int) -> None:
    """``size`` accepted people and their counters, by bulk SQL (minutes for ten million)."""
    db = sqlite3.connect(database)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;")
    series = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {size})"  # noqa: S608 - an int
    with db:
        db.execute(
            f"{series} INSERT INTO declarations_submission (id, status, channel, declared_on, "  # noqa: S608
            "created_at, language, flags, rejection_reason, rejection_note) "
            f"SELECT i, 'accepted', {case('i', CHANNELS)}, date('now', '-' || (i % 730) || ' days'), "
            "datetime('now', '-' || (i % 730) || ' days'), 'zh-hans', '[]', '', '' FROM n"
        )
        db.execute(
            f"{series} INSERT INTO declarations_person (id, submission_id, position, name, "  # noqa: S608
            "name_key, statement, statement_fingerprint, region, leaf_index) "
            f"SELECT i, i, 0, 'bench' || i, 'bench' || i, '', '', {case('i / 7', REGIONS)}, i - 1 "
            "FROM n"
        )
        organisations = dict(db.execute("SELECT slug, id FROM declarations_organisation"))
        db.execute(
            f"{series} INSERT INTO declarations_person_organisations (person_id, organisation_id) "  # noqa: S608
            f"SELECT i, CASE i % 3 WHEN 0 THEN {organisations['party']} "
            f"WHEN 1 THEN {organisations['league']} ELSE {organisations['pioneers']} END FROM n"
        )
        people = (
            "declarations_person p JOIN declarations_submission s ON s.id = p.submission_id "
            "WHERE s.status = 'accepted'"
        )
        abroad = f"p.region NOT IN ({', '.join(repr(p) for p in PROVINCES)}, '')"
        db.execute("DELETE FROM declarations_tallycounter")
        db.execute(
            "INSERT INTO declarations_tallycounter (key, value) "  # noqa: S608
            f"SELECT 'total', count(*) FROM {people} "
            f"UNION ALL SELECT 'day:' || s.declared_on, count(*) FROM {people} GROUP BY s.declared_on "
            f"UNION ALL SELECT 'month:' || substr(s.declared_on, 1, 7), count(*) FROM {people} "
            "GROUP BY substr(s.declared_on, 1, 7) "
            f"UNION ALL SELECT 'channel:' || s.channel, count(*) FROM {people} GROUP BY s.channel "
            f"UNION ALL SELECT CASE WHEN p.region = '' THEN 'region:unknown' WHEN {abroad} "
            f"THEN 'region:abroad' ELSE 'region:' || p.region END, count(*) FROM {people} "
            "GROUP BY 1 "
            f"UNION ALL SELECT 'country:' || p.region, count(*) FROM {people} AND {abroad} "
            "GROUP BY p.region "
            "UNION ALL SELECT 'org:' || o.slug, count(*) FROM declarations_person_organisations t "
            "JOIN declarations_organisation o ON o.id = t.organisation_id GROUP BY o.slug"
        )
    total = db.execute("SELECT value FROM declarations_tallycounter WHERE key = 'total'").fetchone()
    days = db.execute(
        "SELECT sum(value) FROM declarations_tallycounter WHERE key LIKE 'day:%'"
    ).fetchone()
    assert total[0] == days[0] == size, (total, days, size)
    db.close()


def timed_gets(port: int, path: str, count: int, before=None) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(count):
        if before:
            before()
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    conn.close()
    return times[count // 10 :]  # the first tenth warms caches


def measure(size: int, requests: int, port: int, tree: Path = ROOT) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tuidang-tally-") as tmp:
        env = {**os.environ, "TUIDANG_DATA_DIR": tmp, "TUIDANG_DATABASE_URL": "",
               "TUIDANG_LOG_LEVEL": "WARNING"}  # fmt: skip
        tuidang = [sys.executable, "-m", "tuidang.cli"]
        env["PYTHONPATH"] = str(tree)
        subprocess.run([*tuidang, "migrate", "-v0"], env=env, check=True, cwd=tree)
        started = time.monotonic()
        load(Path(tmp) / "tuidang.sqlite3", size)
        print(f"   loaded {size:,} declarations in {time.monotonic() - started:.0f} s")
        server = subprocess.Popen(
            [*tuidang, "serve", "--port", str(port), "--workers", "1"],
            env=env, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            for line in server.stdout:
                if line.startswith("tuidang: serving on"):
                    break
            results = {}
            # A day 100 days back: about size / 730 statements, and both neighbours have some.
            day = subprocess.run(
                ["date", "-u", "-d", "100 days ago", "+%Y-%m-%d"], capture_output=True, text=True
            ).stdout.strip()
            for path in ["/api/v1/tally", "/zh-hans/tally/", f"/zh-hans/statements/{day}/"]:
                results[path] = statistics.median(timed_gets(port, path, requests))
            # The page is rendered again whenever the counters change (after every batch the
            # sequencer logs, every half second under intake): time that render too.
            with sqlite3.connect(Path(tmp) / "tuidang.sqlite3", isolation_level=None) as db:

                def new_batch() -> None:
                    db.execute(
                        "UPDATE declarations_tallycounter SET value = value + 1 "
                        "WHERE key IN ('total', 'channel:web')"
                    )

                results["/zh-hans/tally/ after each new batch"] = statistics.median(
                    timed_gets(port, "/zh-hans/tally/", requests, before=new_batch)
                )
        finally:
            server.terminate()
            server.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 10_000_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=8392)
    parser.add_argument("--tree", type=Path, action="append", help="checkouts to serve, in turn")
    args = parser.parse_args()
    trees = args.tree or [ROOT]
    print(f"nproc {os.cpu_count()}, sqlite {sqlite3.sqlite_version}, "
          f"load average {os.getloadavg()[0]:.1f} before the run")  # fmt: skip
    results = {}
    for size in args.sizes:
        for tree in trees:
            print(f"== {size:,} declarations, {tree.resolve()}")
            results[size] = measure(size, args.requests, args.port, tree.resolve())
            for path, median in results[size].items():
                print(f"   {path}: median {median:.2f} ms over {args.requests} sequential requests")
    if len(args.sizes) < 2:
        return
    smallest, largest = min(results), max(results)
    for path in results[smallest]:
        ratio = results[largest][path] / results[smallest][path]
        print(f"   {path}: {largest:,} / {smallest:,} = {ratio:.2f}x")


if __name__ == "__main__":
    main()
