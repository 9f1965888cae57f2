"""A real tlog-tiles log written by Tessera's POSIX driver (16 checkpoints)."""

from __future__ import annotations

import pytest

from tuidang.ledger import (
    Checkpoint,
    LogClient,
    leaf_hash,
    new_signer,
    new_verifier,
    root_from_leaf_hashes,
    sign,
    verify_consistency,
    verify_inclusion,
)
from tuidang.ledger.tiles import decode_bundle, decode_tile

from .ledgertest import TESSERA_LOG, TESSERA_SKEY, TESSERA_VKEY

ORIGIN = "example.com/log/testdata"
ENTRIES = [
    b"one", b"two", b"three", b"four", b"five", b"six", b"seven", b"eit", b"nain",
    b"ten", b"ileven", b"twelf", b"threeten", b"fourten", b"fivten",
]  # fmt: skip


def fetch(path: str) -> bytes:
    return (TESSERA_LOG / path).read_bytes()


@pytest.fixture(scope="module")
def client() -> LogClient:
    return LogClient(fetch, [new_verifier(TESSERA_VKEY)], origin=ORIGIN)


@pytest.fixture(scope="module")
def checkpoints(client: LogClient) -> list[Checkpoint]:
    return [
        client.verify_checkpoint(fetch(f"checkpoint.{i}"), f"checkpoint.{i}") for i in range(16)
    ]


def test_every_checkpoint_verifies_and_has_its_size(checkpoints: list[Checkpoint]) -> None:
    assert [cp.size for cp in checkpoints] == list(range(16))
    assert {cp.origin for cp in checkpoints} == {ORIGIN}


def test_current_checkpoint_is_the_last(client: LogClient, checkpoints: list[Checkpoint]) -> None:
    assert client.checkpoint() == checkpoints[15]


def test_roots_recomputed_from_bundles_and_tiles(checkpoints: list[Checkpoint]) -> None:
    for cp in checkpoints[1:]:
        bundle = decode_bundle(fetch(f"tile/entries/000.p/{cp.size}"))
        assert bundle == ENTRIES[: cp.size]
        leaves = [leaf_hash(e) for e in bundle]
        assert decode_tile(fetch(f"tile/0/000.p/{cp.size}"), cp.size) == leaves
        assert root_from_leaf_hashes(leaves) == cp.root_hash
    assert checkpoints[0].root_hash == root_from_leaf_hashes([])


def test_walk_every_checkpoint(client: LogClient, checkpoints: list[Checkpoint]) -> None:
    for cp in checkpoints:
        assert [e for _, e in client.entries(cp)] == ENTRIES[: cp.size]


def test_consistency_between_every_pair(client: LogClient, checkpoints: list[Checkpoint]) -> None:
    for new in checkpoints:
        for old in checkpoints[: new.size + 1]:
            proof = client.consistency_proof(old.size, new)
            verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


def test_inclusion_of_every_entry(client: LogClient, checkpoints: list[Checkpoint]) -> None:
    for cp in checkpoints:
        for i in range(cp.size):
            proof = client.inclusion_proof(i, cp)
            verify_inclusion(i, cp.size, leaf_hash(ENTRIES[i]), proof, cp.root_hash)


def test_checkpoints_are_reproducible_with_the_published_private_key() -> None:
    signer = new_signer(TESSERA_SKEY)
    for i in range(16):
        note = fetch(f"checkpoint.{i}")
        text = note.decode().split("\n\n")[0] + "\n"
        assert sign(text, signer) == note
