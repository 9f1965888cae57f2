"""The newsroom under load: an article page and a category feed with 10,000 articles, beside a
static file (the trivial request's ceiling) through the same server, in the same run.

It prepares a fresh data dir (SQLite, migrated, static files collected), writes N articles in
four categories (bench/news_populate.py), starts granian as ``tuidang serve`` does and measures
with wrk from a second process on 127.0.0.1, sending a browser's User-Agent and Accept-Language
so every article request is also counted for the top posts (one database write each):

- ``static``: /static/tuidang/site.css through the whole middleware stack;
- ``article``: an article page (about 9 KB, six blocks);
- ``feed``: a category's RSS feed, 20 whole articles (about 120 KB);
- ``atom``: the same category's Atom feed;
- ``feed 304``: the same feed with If-None-Match (what a well-behaved poller costs).

Usage (figures in bench/RESULTS.md, "Newsroom")::

    .venv/bin/python bench/news.py --articles 10000 --duration 10 --workers 2
"""

import argparse
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from intake import wrk
from servers import environment, start, stop

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ("User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "Accept-Language: zh-CN")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tuidang-bench-news-") as tmp:
        data_dir = Path(tmp)
        env = {**environment(data_dir), "BENCH_ARTICLES": str(args.articles)}
        subprocess.run([sys.executable, "-m", "tuidang.cli", "migrate", "-v0"], env=env, check=True)
        with open(ROOT / "bench" / "news_populate.py") as script:
            subprocess.run(
                [sys.executable, "-m", "tuidang.cli", "shell", "-v0"],
                stdin=script,
                env=env,
                check=True,
            )
        process = start(f"granian:{args.workers}", data_dir, args.port)
        base = f"http://127.0.0.1:{args.port}"
        middle = args.articles // 2 + 1
        urls = {
            "static": f"{base}/static/tuidang/site.css",
            "article": f"{base}/en/news/cat-{middle % 4}/a-{middle}/",
            "feed": f"{base}/en/news/cat-1/feed/",
            "atom": f"{base}/en/news/cat-1/feed/atom/",
        }
        try:
            request = urllib.request.Request(
                urls["feed"], headers=dict(h.split(": ", 1) for h in BROWSER)
            )
            with urllib.request.urlopen(request) as response:
                etag = response.headers["ETag"]
            runs = [
                ("static", urls["static"], BROWSER),
                ("article", urls["article"], BROWSER),
                ("feed", urls["feed"], BROWSER),
                ("atom", urls["atom"], BROWSER),
                ("feed 304", urls["feed"], (*BROWSER, f"If-None-Match: {etag}")),
            ]
            print(f"load average {os.getloadavg()[0]:.1f} at the start")
            print(
                f"{os.cpu_count()} cores; granian {args.workers} workers; {args.articles} articles; "
                f"wrk -t2 -c{args.connections} -d{args.duration}s"
            )
            print(f"{'request':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
            for name, url, headers in runs:
                wrk(url, 2, args.connections, threads=2, headers=headers)  # warm up
                r = wrk(url, args.duration, args.connections, threads=2, headers=headers)
                print(
                    f"{name:<10} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['non_2xx']:>8}",
                    flush=True,
                )
        finally:
            stop(process)


if __name__ == "__main__":
    main()
