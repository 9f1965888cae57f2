"""CPU time of one request in-process (Django test client), with an optional cProfile.

Runs against a fresh SQLite data dir, migrated, rate limits off and auto-accept on, like
``bench/intake.py``. Usage::

    .venv/bin/python bench/profile_request.py intake --requests 500 [--profile 30] [--queue]
    .venv/bin/python bench/profile_request.py tally --requests 300 [--profile 30]
    .venv/bin/python bench/profile_request.py tally-fresh --requests 100 [--profile 30]

``tally`` and ``tally-fresh`` first write the counters of two years of declarations (every
day, every province, some countries); ``tally-fresh`` renders the page afresh for every request,
as after each batch the sequencer logs, where ``tally`` reuses the rendered page.

Prints the median and mean CPU time per request (``time.process_time``, this process only) and the wall time, and
with ``--profile N`` the N most expensive functions by cumulative time.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["intake", "tally", "tally-fresh"])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", type=int, default=0, help="print the N top functions")
    parser.add_argument("--queue", action="store_true", help="TUIDANG_INTAKE_QUEUE on")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="tuidang-profile-")
    os.environ.update(
        TUIDANG_DATA_DIR=tmp,
        TUIDANG_RATE_LIMITS="off",
        TUIDANG_AUTO_ACCEPT="on",
        DJANGO_SETTINGS_MODULE="tuidang.settings",
        TUIDANG_INTAKE_QUEUE="on" if args.queue else "off",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    counter = iter(range(10**9))

    def intake() -> None:
        n = next(counter)
        body = {
            "people": [
                {
                    "name": f"profile-{n}",
                    "organisations": ["league", "pioneers"],
                    "statement": f"profile statement number {n}",
                    "region": "CN-GD",
                }
            ],
            "date": date.today().isoformat(),
        }
        response = client.post(
            "/api/v1/declarations", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201, response.content

    def tally() -> None:
        response = client.get("/zh-hans/tally/")
        assert response.status_code == 200

    def tally_fresh() -> None:
        tally_view._pages.clear()
        tally()

    if args.what.startswith("tally"):
        from tuidang.declarations.views import tally as tally_view

        write_counters()
    request = {"intake": intake, "tally": tally, "tally-fresh": tally_fresh}[args.what]
    for _ in range(20):
        request()  # warm up: imports, templates, connection
    times, walls = [], []
    profiler = cProfile.Profile() if args.profile else None
    for _ in range(args.requests):
        started, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        request()
        if profiler:
            profiler.disable()
        times.append(time.process_time() - started)
        walls.append(time.perf_counter() - wall)
    print(
        f"{args.what}: {args.requests} requests, cpu per request: "
        f"median {statistics.median(times) * 1000:.2f} ms, mean {statistics.mean(times) * 1000:.2f} ms; "
        f"wall median {statistics.median(walls) * 1000:.2f} ms"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


def write_counters() -> None:
    """The counters two years of declarations leave (the page reads nothing else)."""
    from collections import Counter
    from datetime import timedelta

    from tuidang.declarations import regions
    from tuidang.declarations.models import TallyCounter

    provinces = sorted(regions.PROVINCE_CODES)
    counts: Counter = Counter()
    today = date.today()
    for days_ago in range(730):
        day = today - timedelta(days=days_ago)
        n = 900 + (days_ago * 37) % 400
        counts["total"] += n
        counts[f"day:{day.isoformat()}"] += n
        counts[f"month:{day.isoformat()[:7]}"] += n
    for i, code in enumerate(provinces):
        counts[f"region:{code}"] = 10_000 + i * 977
    for code in ["US", "CA", "AU", "JP", "DE", "GB", "FR", "NZ", "KR", "TH"]:
        counts[f"country:{code}"] = 3_000
    for slug in ["party", "league", "pioneers"]:
        counts[f"org:{slug}"] = counts["total"] // 2
    TallyCounter.objects.bulk_create(TallyCounter(key=k, value=v) for k, v in counts.items())


if __name__ == "__main__":
    main()
