"""Shared helpers for the tuidang.ledger tests (no Django anywhere)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tuidang.ledger import Checkpoint, Ed25519Signer, leaf_hash, sign
from tuidang.ledger.hashes import root_of_hashes
from tuidang.ledger.tiles import TILE_WIDTH, entries_path, tile_path, tiles_for_size

#: Vendored into the project (tests/vectors/README.md names each source and commit), so a
#: fresh clone tests everything.
VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "tlog"
TESSERA_LOG = VECTORS / "tessera-testdata" / "testdata" / "log"
TESSERA_VKEY = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
TESSERA_SKEY = (
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
)


class MissingVectors(RuntimeError):
    """The vendored vectors are not where they belong: a test never runs without them."""


def vector_path(relative: str) -> Path:
    """A file or directory under VECTORS; raises (fails the test) when it is missing."""
    path = VECTORS / relative
    if not path.exists():
        raise MissingVectors(
            f"test vector {path} is missing: tests/vectors/tlog/ is part of the repository "
            "(restore it with `git checkout -- tests/vectors`)"
        )
    return path


def vector_files(pattern: str) -> list[Path]:
    """Vector files matching a glob under VECTORS; raises when none match.

    Used at collection time for parametrized tests, so a missing directory is a collection
    error (the run fails) rather than zero cases silently run.
    """
    found = sorted(VECTORS.glob(pattern))
    if not found:
        raise MissingVectors(f"no test vector matches {VECTORS / pattern}")
    return found


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def b64(text: str) -> bytes:
    """Decode base64 as Go's encoding/json does for []byte (lenient about padding bits)."""
    return base64.b64decode(text)


def make_signer(name: str = "example.com/test-log", seed: int = 7) -> Ed25519Signer:
    return Ed25519Signer(name, bytes([seed]) * 32)


def level_hashes(entries: list[bytes]) -> list[list[bytes]]:
    """Hashes of every tile level: [leaf hashes, MTHs of full level-0 tiles, ...]."""
    levels = [[leaf_hash(e) for e in entries]]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        levels.append(
            [
                root_of_hashes(below[i : i + TILE_WIDTH])
                for i in range(0, len(below) - TILE_WIDTH + 1, TILE_WIDTH)
            ]
        )
    return levels


def build_log(
    entries: list[bytes],
    signer: Ed25519Signer | None = None,
    origin: str = "example.com/test-log",
) -> dict[str, bytes]:
    """Write a complete tlog-tiles log for ``entries`` into a dict of path -> bytes."""
    signer = signer or make_signer(origin)
    size = len(entries)
    levels = level_hashes(entries)
    files: dict[str, bytes] = {}
    for t in tiles_for_size(size):
        start = t.index * TILE_WIDTH
        files[tile_path(t.level, t.index, t.width)] = b"".join(
            levels[t.level][start : start + t.width]
        )
        if t.level == 0:
            bundle = b"".join(
                len(e).to_bytes(2, "big") + e for e in entries[start : start + t.width]
            )
            files[entries_path(t.index, t.width)] = bundle
    root = root_of_hashes(levels[0])
    files["checkpoint"] = sign(Checkpoint(origin, size, root).format(), signer)
    return files
