"""The vendored test vectors are all there: no ledger test runs on a partial or altered copy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import test_tree
from .ledgertest import VECTORS

ROOT = VECTORS.parent  # tests/vectors
MERKLE = VECTORS / "transparency-dev-merkle" / "testdata"
#: transparency-dev/merkle @417fb0c3 as vendored: 98 inclusion and 98 consistency files, 196 in
#: all (the shared README's "184" leaves out the 12 files of inclusion/additional).
INCLUSION_CASES = 98
CONSISTENCY_CASES = 98


def listed() -> dict[str, str]:
    """SHA256SUMS as {relative path: digest}."""
    sums = {}
    for line in (ROOT / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


def test_every_vendored_file_is_present_and_unchanged() -> None:
    sums = listed()
    assert len(sums) == 574
    changed = [
        name
        for name, digest in sums.items()
        if not (ROOT / name).is_file()
        or hashlib.sha256((ROOT / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == [], f"missing or altered vector files: {changed[:10]}"
    on_disk = {str(p.relative_to(ROOT)) for p in VECTORS.rglob("*") if p.is_file()}
    assert on_disk == set(sums), f"files not in SHA256SUMS: {sorted(on_disk - set(sums))}"


def test_the_whole_tree_is_vendored_with_its_licences() -> None:
    sums = listed()
    for licence in (
        "tlog/transparency-dev-merkle/LICENSE",
        "tlog/tessera-testdata/LICENSE",
        "tlog/LICENSE-C2SP-BSD-1-Clause",
        "tlog/LICENSE-golang-x-mod-BSD-3-Clause",
        "tlog/README.md",
    ):
        assert licence in sums
    # The Tessera log: 16 checkpoints and its tiles, not only the JSON files.
    tessera = [n for n in sums if n.startswith("tlog/tessera-testdata/testdata/log/")]
    assert sum("/checkpoint." in n for n in tessera) == 16
    assert any("/tile/entries/" in n for n in tessera)
    assert any("/tile/0/" in n for n in tessera)
    # Data, not a dump: the whole tree stays small.
    size = sum((ROOT / n).stat().st_size for n in sums)
    assert size < 1_000_000


def test_every_proof_vector_case_is_collected() -> None:
    # The parametrized tests in test_tree.py run one case per file: none silently dropped.
    assert len(test_tree.INCLUSION) == INCLUSION_CASES
    assert len(test_tree.CONSISTENCY) == CONSISTENCY_CASES
    assert len(list((MERKLE / "inclusion").rglob("*.json"))) == INCLUSION_CASES
    assert len(list((MERKLE / "consistency").rglob("*.json"))) == CONSISTENCY_CASES
    assert all(isinstance(p, Path) and p.is_relative_to(VECTORS) for p in test_tree.INCLUSION)
