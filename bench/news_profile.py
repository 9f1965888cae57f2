"""The newsroom's pages in process: queries and CPU time per request, with 10,000 articles.

Fills a fresh data dir with N articles (bench/news_populate.py), then asks for an article page,
a category page and the category's RSS and Atom feeds through Django's test client, and prints
for each the number of SQL queries of a first (cold) and a second (warm) request and the median
CPU time (``time.process_time``, this process only) of ``--requests`` warm ones. With
``--profile N`` it prints the N most expensive functions of the warm requests.

    .venv/bin/python bench/news_profile.py --articles 10000 --requests 30
    TUIDANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tuidang_x \\
        .venv/bin/python bench/news_profile.py --articles 10000

On PostgreSQL the database named in the URL is emptied first (flush).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    "HTTP_ACCEPT_LANGUAGE": "zh-CN",
    "HTTP_HOST": "localhost",
}


def fill(command: list[str]) -> None:
    subprocess.run([*command, "migrate", "-v0"], check=True)
    with open(ROOT / "bench" / "news_populate.py") as script:
        subprocess.run([*command, "shell", "-v0"], stdin=script, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--data-dir", help="reuse a data dir this script filled before")
    args = parser.parse_args()
    tmp = args.data_dir or tempfile.mkdtemp(prefix="tuidang-news-profile-")
    print(f"data dir {tmp}")
    os.environ.update(
        TUIDANG_DATA_DIR=tmp,
        TUIDANG_REDIS_URL="",
        DJANGO_SETTINGS_MODULE="tuidang.settings",
        BENCH_ARTICLES=str(args.articles),
    )
    sys.path.insert(0, str(ROOT))
    command = [sys.executable, "-m", "tuidang.cli"]
    if not args.data_dir and os.environ.get("TUIDANG_DATABASE_URL"):
        subprocess.run([*command, "migrate", "-v0"], check=True)
        subprocess.run([*command, "flush", "--no-input", "-v0"], check=True)
        # flush empties Wagtail's tree too: migrate again from zero puts the data back.
        subprocess.run([*command, "migrate", "newsroom", "zero", "-v0"], check=True)
    if not args.data_dir:
        fill(command)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client()
    middle = args.articles // 2 + 1
    urls = {
        "article": f"/en/news/cat-{middle % 4}/a-{middle}/",
        "category": "/en/news/cat-1/",
        "rss": "/en/news/cat-1/feed/",
        "atom": "/en/news/cat-1/feed/atom/",
    }
    etag = client.get(urls["rss"], **READER)["ETag"]
    urls["rss 304"] = urls["rss"]
    print(f"{connection.vendor}, {args.articles} articles")
    print(f"{'request':<9} {'status':>6} {'KB':>6} {'cold q':>6} {'warm q':>6} {'CPU ms':>7}")
    profile = cProfile.Profile()
    for name, url in urls.items():
        extra = {**READER, **({"HTTP_IF_NONE_MATCH": etag} if name.endswith("304") else {})}
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **extra)
            counts.append(len(queries))
        if args.show_queries:
            for query in queries.captured_queries:
                print("   ", query["sql"][:200])
        times = []
        for _ in range(args.requests):
            started = time.process_time()
            if args.profile:
                profile.enable()
            client.get(url, **extra)
            if args.profile:
                profile.disable()
            times.append(time.process_time() - started)
        print(
            f"{name:<9} {response.status_code:>6} {len(response.content) / 1024:>6.1f} "
            f"{counts[0]:>6} {counts[1]:>6} {statistics.median(times) * 1000:>7.1f}",
            flush=True,
        )
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
