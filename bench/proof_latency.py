"""Benchmark: latency of ``GET /api/v1/proof?index=N`` served from stored tiles.

Loads a synthetic log (built by ``bench.verify`` in the real entry format) into the tile table of
a fresh SQLite database under a temporary data directory, signs its checkpoint with the site's
key, then asks the real view, through Django's full request stack (middleware, URL routing,
the view reading tile rows and building the proof), for receipts of random leaves.

Run from the repository root::

    .venv/bin/python -m bench.proof_latency --entries 1000000 --requests 2000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tuidang-bench-log"))
    args = parser.parse_args()

    from bench import verify as bench_verify

    export = args.dir / str(args.entries)
    if not (export / "api" / "v1" / "tally").exists():
        bench_verify.build(export, args.entries)

    data_dir = tempfile.mkdtemp(prefix="tuidang-proof-bench-")
    os.environ["TUIDANG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from tuidang.ledger import Checkpoint as CheckpointText
    from tuidang.ledger import parse_proof, sign, verify_proof
    from tuidang.ledger.tiles import ENTRIES_LEVEL, TILE_WIDTH, Tile, decode_bundle, tiles_for_size
    from tuidang.transparency import batches, logstore
    from tuidang.transparency.logstore import Checkpoint, LogState, LogTile

    call_command("migrate", verbosity=0)
    size = args.entries
    root = CheckpointText.parse(
        (export / "log" / "checkpoint").read_text().split("\n\n")[0] + "\n"
    ).root_hash
    bundles = [
        Tile(ENTRIES_LEVEL, n, min(TILE_WIDTH, size - n * TILE_WIDTH))
        for n in range(-(-size // TILE_WIDTH))
    ]
    started = time.perf_counter()
    with transaction.atomic():
        rows = []
        for tile in [*tiles_for_size(size), *bundles]:
            data = (export / "log" / tile.path).read_bytes()
            rows.append(LogTile(level=tile.level, index=tile.index, width=tile.width, data=data))
            if len(rows) == 2000:
                LogTile.objects.bulk_create(rows)
                rows = []
        LogTile.objects.bulk_create(rows)
        LogState.objects.update_or_create(pk=1, defaults={"size": size, "root": root})
        text = CheckpointText(logstore.signer().name, size, root).format()
        Checkpoint.objects.create(
            size=size,
            root=root,
            note=sign(text, logstore.signer()).decode(),
            batch_time=batches.boundary_at_or_before(timezone.now()),
        )
    print(f"loaded {LogTile.objects.count():,} tile rows in {time.perf_counter() - started:.0f}s")

    client = Client(HTTP_HOST="localhost")
    verifier = logstore.signer().verifier()
    rng = random.Random(7)
    timings, cpu_timings = [], []
    for i in range(args.requests + 50):
        index = rng.randrange(size)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/proof", {"index": index})
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        assert response.status_code == 200, response.content
        if i >= 50:  # the first requests warm the connection and the imports
            timings.append(elapsed)
            cpu_timings.append(cpu)
        if i % 200 == 0:
            proof = parse_proof(response.content)
            assert proof.index == index
            entry = (export / "log" / bundles[index // TILE_WIDTH].path).read_bytes()
            verify_proof(proof, decode_bundle(entry)[index % TILE_WIDTH], [verifier])
    # For scale on this machine: the cheapest request of the same stack (one checkpoint query).
    baseline = []
    for _ in range(args.requests // 2):
        started = time.process_time()
        client.get("/log/checkpoint")
        baseline.append(time.process_time() - started)
    print(
        f"baseline GET /log/checkpoint, cpu time: p50 {statistics.median(baseline) * 1000:.2f} ms"
    )
    # CPU time beside wall time: on a shared machine other processes steal the CPU.
    for name, values in [("wall", timings), ("cpu", cpu_timings)]:
        ms = sorted(t * 1000 for t in values)
        print(
            f"GET /api/v1/proof over {size:,} entries, {len(ms)} requests, {name} time:"
            f" p50 {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9)]:.2f} ms,"
            f" p99 {ms[int(len(ms) * 0.99)]:.2f} ms, max {ms[-1]:.2f} ms (target: p50 under 2 ms)"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
