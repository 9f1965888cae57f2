"""Benchmark: ``tuidang verify`` over a big log export, against hashing alone in the same run.

Builds (once, then reuses) a log export of N synthetic declarations written straight with
``tuidang.ledger`` in the real entry format (``tuidang/declaration/v1``): entry bundles, hash
tiles, a signed checkpoint, and the tally (``api/v1/tally``) the entries add up to. Then it measures

* hashing alone: the RFC 6962 leaf hash of every entry and the tree hashes above them (the
  MTH of each full bundle, and the levels above), over the same entries, read and decoded
  outside the timer;
* ``tuidang verify DIR --vkey ... --quiet``: the whole audit (checkpoint, every bundle and
  tile read from disk and authenticated, facets recounted, tally compared).

Run from the repository root (10,000,000 entries need about 2 GB of disk)::

    .venv/bin/python -m bench.verify --entries 10000000 --dir /tmp/tuidang-bench-log
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

from tuidang import verify
from tuidang.ledger import Checkpoint, Ed25519Signer, node_hash, sign
from tuidang.ledger.entry import Entry, counter_keys
from tuidang.ledger.hashes import root_of_hashes
from tuidang.ledger.tiles import (
    TILE_WIDTH,
    decode_bundle,
    encode_bundle,
    entries_path,
    tile_path,
    tiles_for_size,
)

ORIGIN = "bench.tuidang.example/log"
SEED = bytes(range(32))
ORGANISATIONS = [
    ("party",),
    ("league",),
    ("pioneers",),
    ("league", "party"),
    ("league", "pioneers"),
    ("league", "party", "pioneers"),
]
REGIONS = [
    "CN-BJ",
    "CN-SH",
    "CN-GD",
    "CN-SC",
    "CN-HL",
    "CN-LN",
    "CN-SX",
    "CN-HE",
    "CN-JS",
    "CN-ZJ",
    "unknown",
    "US",
    "CA",
    "TW",
    "AU",
]
CHANNELS = ["web", "web", "web", "api", "phone", "email", "fax", "post"]
FIRST_DAY = datetime.date(2023, 1, 1)


def signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, SEED)


def _facets(rng: random.Random, days: int) -> list[bytes]:
    """Every distinct facet prefix the synthetic log uses, in the real encoding."""
    prefixes = []
    for day in range(days):
        date = FIRST_DAY + datetime.timedelta(days=day)
        for _ in range(24):
            entry = Entry(
                date,
                rng.choice(ORGANISATIONS),
                rng.choice(REGIONS),
                rng.choice(CHANNELS),
                bytes(32),
            )
            prefixes.append(entry.encode()[: -verify._COMMITMENT_LINE_SIZE])
    return prefixes


def build(directory: Path, size: int) -> None:
    """Write a log export of ``size`` entries under ``directory`` (log/, api/v1/tally)."""
    rng = random.Random(1)
    log = directory / "log"
    days = max(1, size // 10_000)
    prefixes = _facets(rng, days)
    per_day = 24
    counts: Counter[str] = Counter()
    seen: Counter[bytes] = Counter()
    level1: list[bytes] = []
    partial_leaves: list[bytes] = []
    sha = hashlib.sha256
    b64 = base64.b64encode
    for bundle in range(-(-size // TILE_WIDTH)):
        width = min(TILE_WIDTH, size - bundle * TILE_WIDTH)
        day = bundle * TILE_WIDTH * days // size
        choices = prefixes[day * per_day : (day + 1) * per_day]
        randomness = os.urandom(32 * width)
        entries = []
        for i in range(width):
            prefix = choices[rng.randrange(per_day)]
            seen[prefix] += 1
            entries.append(
                b"".join((prefix, b"commitment ", b64(randomness[32 * i : 32 * i + 32]), b"\n"))
            )
        leaves = [sha(b"\x00" + e).digest() for e in entries]
        _write(log / entries_path(bundle, width), encode_bundle(entries))
        _write(log / tile_path(0, bundle, width), b"".join(leaves))
        if width == TILE_WIDTH:
            level1.append(root_of_hashes(leaves))
        else:
            partial_leaves = leaves
    # Upper levels: each hash of level L + 1 is the MTH of one full level-L tile.
    levels = [None, level1]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        levels.append(
            [
                root_of_hashes(below[i : i + TILE_WIDTH])
                for i in range(0, len(below) - TILE_WIDTH + 1, TILE_WIDTH)
            ]
        )
    for t in tiles_for_size(size):
        if t.level >= 1:
            start = t.index * TILE_WIDTH
            _write(
                log / tile_path(t.level, t.index, t.width),
                b"".join(levels[t.level][start : start + t.width]),
            )
    root = _root(size, level1, partial_leaves)
    _write(log / "checkpoint", sign(Checkpoint(ORIGIN, size, root).format(), signer()))
    for prefix, n in seen.items():
        for key in counter_keys(Entry.decode(prefix + verify._PLACEHOLDER_COMMITMENT)):
            counts[key] += n
    tally = {"total": counts["total"]}
    for section, key_prefix in verify.TALLY_SECTIONS.items():
        tally[section] = {
            k[len(key_prefix) :]: v for k, v in sorted(counts.items()) if k.startswith(key_prefix)
        }
    _write(directory / "api" / "v1" / "tally", json.dumps(tally).encode())


def _root(size: int, level1: list[bytes], partial: list[bytes]) -> bytes:
    """MTH of the whole tree from the bundle roots and the last partial bundle's leaves."""
    subtrees = []
    offset = 0
    for bit in reversed(range(size.bit_length())):
        if size & (1 << bit):
            if bit >= 8:
                first = offset >> 8
                subtrees.append(root_of_hashes(level1[first : first + (1 << (bit - 8))]))
            else:
                start = offset % TILE_WIDTH
                subtrees.append(root_of_hashes(partial[start : start + (1 << bit)]))
            offset += 1 << bit
    result = subtrees[-1]
    for h in reversed(subtrees[:-1]):
        result = node_hash(h, result)
    return result


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def hashing_alone(directory: Path, size: int) -> tuple[float, float]:
    """Wall and CPU seconds of leaf and tree hashing of every entry (reading, decoding untimed)."""
    sha = hashlib.sha256
    spent = cpu = 0.0
    bundle_roots = []
    for bundle in range(-(-size // TILE_WIDTH)):
        width = min(TILE_WIDTH, size - bundle * TILE_WIDTH)
        entries = decode_bundle((directory / "log" / entries_path(bundle, width)).read_bytes())
        started, started_cpu = time.perf_counter(), time.process_time()
        leaves = [sha(b"\x00" + e).digest() for e in entries]
        bundle_roots.append(root_of_hashes(leaves))
        spent += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
    started, started_cpu = time.perf_counter(), time.process_time()
    root_of_hashes(bundle_roots)
    return spent + time.perf_counter() - started, cpu + time.process_time() - started_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tuidang-bench-log"))
    args = parser.parse_args()
    directory = args.dir / str(args.entries)
    if not (directory / "api" / "v1" / "tally").exists():
        started = time.perf_counter()
        build(directory, args.entries)
        print(
            f"built {args.entries:,} entries in {time.perf_counter() - started:.0f}s at {directory}"
        )
    hashing, hashing_cpu = hashing_alone(directory, args.entries)
    started, started_cpu = time.perf_counter(), time.process_time()
    status = verify.main([str(directory), "--vkey", signer().vkey, "--day", "all", "--quiet"])
    verifying, verifying_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    assert status == 0, "verify failed on the benchmark log"
    n = args.entries
    # CPU time as well as wall time: on a shared machine other processes steal the CPU.
    print(
        f"hashing alone:  wall {hashing:6.1f}s = {n / hashing:9,.0f} entries/s; cpu {hashing_cpu:6.1f}s = {n / hashing_cpu:9,.0f} entries/s"
    )
    print(
        f"tuidang verify: wall {verifying:6.1f}s = {n / verifying:9,.0f} entries/s; cpu {verifying_cpu:6.1f}s = {n / verifying_cpu:9,.0f} entries/s"
    )
    print(
        f"ratio verify / hashing alone: wall {verifying / hashing:.2f}x, cpu {verifying_cpu / hashing_cpu:.2f}x (target: at most 4x)"
    )


if __name__ == "__main__":
    main()
