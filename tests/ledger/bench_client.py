"""Benchmark: walk an in-memory tiled log with tuidang.ledger.client.

Not collected by pytest (no test_ prefix).  Run from the repository root:

    python -m tests.ledger.bench_client [ENTRIES]
"""

from __future__ import annotations

import sys
import time

from tests.ledger.ledgertest import build_log, make_signer
from tuidang.ledger import LogClient


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    signer = make_signer()
    t0 = time.perf_counter()
    files = build_log([b"entry %d" % i for i in range(n)], signer)
    t1 = time.perf_counter()
    cpu = time.process_time()
    client = LogClient(files.__getitem__, [signer.verifier()])
    checkpoint = client.checkpoint()
    count = 0
    for _index, _entry in client.entries(checkpoint):
        count += 1
    t2 = time.perf_counter()
    cpu = time.process_time() - cpu
    assert count == n
    print(f"built {n} entries in {t1 - t0:.1f}s")
    print(f"walked {n} entries in {t2 - t1:.2f}s: {n / (t2 - t1):,.0f} entries/s (wall clock)")
    print(f"CPU time {cpu:.2f}s: {n / cpu:,.0f} entries/s per core")


if __name__ == "__main__":
    main()
