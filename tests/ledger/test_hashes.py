"""Known-answer and layout tests for tuidang.ledger.hashes."""

from __future__ import annotations

import base64

import pytest

from tuidang.ledger.hashes import (
    EMPTY_ROOT,
    MemoryHashStore,
    leaf_hash,
    node_hash,
    root_of_hashes,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    stored_hashes,
)


def test_known_answers() -> None:
    # RFC 6962 constants (transparency-dev/merkle rfc6962_test.go, x/mod tlog).
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    # x/mod sumdb/tlog RecordHash("hello world").
    assert base64.b64encode(leaf_hash(b"hello world")) == (
        b"TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="
    )


def test_root_of_hashes_small_trees() -> None:
    a, b, c = leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")
    assert root_of_hashes([]) == EMPTY_ROOT
    assert root_of_hashes([a]) == a
    assert root_of_hashes([a, b]) == node_hash(a, b)
    assert root_of_hashes([a, b, c]) == node_hash(node_hash(a, b), c)


# The layout table from the hashes module docstring (x/mod tlog's layout).
LAYOUT = [
    (0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0), (0, 4),
    (0, 5), (1, 2), (0, 6), (0, 7), (1, 3), (2, 1), (3, 0),
]  # fmt: skip


def test_stored_hash_layout() -> None:
    for index, (level, n) in enumerate(LAYOUT):
        assert stored_hash_index(level, n) == index
        assert split_stored_hash_index(index) == (level, n)


def test_split_inverts_index_exhaustively() -> None:
    for index in range(5000):
        level, n = split_stored_hash_index(index)
        assert stored_hash_index(level, n) == index
    for level in range(40):
        for n in (0, 1, 2, 3, 1000, 123456789):
            assert split_stored_hash_index(stored_hash_index(level, n)) == (level, n)


@pytest.mark.parametrize(
    ("size", "count"), [(0, 0), (1, 1), (2, 3), (3, 4), (4, 7), (5, 8), (8, 15)]
)
def test_stored_hash_count(size: int, count: int) -> None:
    assert stored_hash_count(size) == count


def test_negative_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="level must be non-negative"):
        stored_hash_index(-1, 0)
    with pytest.raises(ValueError, match="n must be non-negative"):
        stored_hash_index(0, -1)
    with pytest.raises(ValueError, match="index must be non-negative"):
        split_stored_hash_index(-1)
    with pytest.raises(ValueError, match="n must be non-negative"):
        stored_hash_count(-5)


def test_memory_store_matches_stored_hash_layout() -> None:
    store = MemoryHashStore()
    entries = [b"entry %d" % i for i in range(300)]
    for i, e in enumerate(entries):
        assert store.append(e) == i
        assert len(store.hashes) == stored_hash_count(i + 1)
    leaves = [leaf_hash(e) for e in entries]
    # Every stored hash is the MTH of the complete subtree it names.
    for index, h in enumerate(store.hashes):
        level, n = split_stored_hash_index(index)
        assert h == root_of_hashes(leaves[n << level : (n + 1) << level])


def test_stored_hashes_reads_siblings_in_increasing_order() -> None:
    store = MemoryHashStore()
    for i in range(7):
        store.append(b"%d" % i)
    requested: list[list[int]] = []

    class Spy:
        def read_hashes(self, indexes: list[int]) -> list[bytes]:
            requested.append(list(indexes))
            return store.read_hashes(indexes)

    new = stored_hashes(7, b"7", Spy())
    assert requested == [[6, 9, 10]]
    assert len(new) == 4
    assert new[-1] == root_of_hashes([leaf_hash(b"%d" % i) for i in range(8)])


def test_stored_hashes_rejects_a_short_reader() -> None:
    class Short:
        def read_hashes(self, indexes: list[int]) -> list[bytes]:
            return []

    with pytest.raises(ValueError, match="returned 0 hashes, expected 1"):
        stored_hashes(1, b"x", Short())
    # Record 0 closes no subtree and reads nothing.
    assert stored_hashes(0, b"x", Short()) == [leaf_hash(b"x")]
