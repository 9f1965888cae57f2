"""Property tests: honest proofs always verify, tampered ones never do."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tuidang.ledger import (
    EMPTY_ROOT,
    MemoryHashStore,
    ProofError,
    consistency_proof_from_leaf_hashes,
    inclusion_proof_from_leaf_hashes,
    leaf_hash,
    prove_consistency,
    prove_inclusion,
    root_from_leaf_hashes,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

MAX = 300
LEAVES = [leaf_hash(b"leaf %d" % i) for i in range(MAX + 1)]
ROOTS = [root_from_leaf_hashes(LEAVES[:n]) for n in range(MAX + 2)]
STORE = MemoryHashStore()
for _leaf in LEAVES:
    STORE.append_leaf_hash(_leaf)

sizes = st.integers(min_value=1, max_value=MAX)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(sizes)
    return n, draw(st.integers(min_value=0, max_value=n - 1))


@st.composite
def old_and_new(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=0, max_value=MAX))
    return draw(st.integers(min_value=0, max_value=n)), n


def flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[bit // 8 % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


def fails(fn: object, *args: object) -> bool:
    try:
        fn(*args)  # type: ignore[operator]
    except ProofError:
        return True
    return False


@given(size_and_index())
def test_honest_inclusion_proofs_verify(case: tuple[int, int]) -> None:
    n, i = case
    proof = prove_inclusion(n, i, STORE)
    assert proof == inclusion_proof_from_leaf_hashes(LEAVES[:n], i)
    verify_inclusion(i, n, LEAVES[i], proof, ROOTS[n])


@given(size_and_index(), st.data())
def test_tampered_inclusion_proofs_fail(case: tuple[int, int], data: st.DataObject) -> None:
    n, i = case
    proof = prove_inclusion(n, i, STORE)
    root = ROOTS[n]
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = list(proof)
        bad[k] = flip(bad[k], bit)
        assert fails(verify_inclusion, i, n, LEAVES[i], bad, root), "flipped bit"
        assert fails(verify_inclusion, i, n, LEAVES[i], proof[:-1], root), "truncated"
        assert fails(verify_inclusion, i, n, LEAVES[i], proof[1:], root), "first dropped"
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    assert fails(verify_inclusion, i, n, LEAVES[i], [*proof, extra], root), "extended"
    assert fails(verify_inclusion, i, n, LEAVES[i], [extra, *proof], root), "prefixed"
    assert fails(verify_inclusion, i, n, flip(LEAVES[i], 3), proof, root), "wrong leaf"
    assert fails(verify_inclusion, i, n, LEAVES[i], proof, flip(root, 7)), "wrong root"
    other_index = data.draw(st.integers(0, n), label="other index")
    assume(other_index != i)
    assert fails(verify_inclusion, other_index, n, LEAVES[i], proof, root), "wrong index"
    # A proof for one tree size never verifies against another size's tree.
    other_size = data.draw(st.integers(i + 1, MAX), label="other size")
    assume(other_size != n)
    assert fails(verify_inclusion, i, other_size, LEAVES[i], proof, ROOTS[other_size])


@given(old_and_new())
def test_honest_consistency_proofs_verify(case: tuple[int, int]) -> None:
    m, n = case
    proof = prove_consistency(m, n, STORE)
    assert proof == consistency_proof_from_leaf_hashes(LEAVES[:n], m)
    verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@given(old_and_new(), st.data())
def test_tampered_consistency_proofs_fail(case: tuple[int, int], data: st.DataObject) -> None:
    m, n = case
    proof = prove_consistency(m, n, STORE)
    old, new = ROOTS[m], ROOTS[n]
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1), label="element")
        bit = data.draw(st.integers(0, 255), label="bit")
        bad = list(proof)
        bad[k] = flip(bad[k], bit)
        assert fails(verify_consistency, m, n, old, new, bad), "flipped bit"
        assert fails(verify_consistency, m, n, old, new, proof[:-1]), "truncated"
        assert fails(verify_consistency, m, n, old, new, proof[1:]), "first dropped"
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    assert fails(verify_consistency, m, n, old, new, [*proof, extra]), "extended"
    if m > 0 or n == 0:
        # (From size 0 < n any new root is consistent: every tree extends the empty one.)
        assert fails(verify_consistency, m, n, old, flip(new, 1), proof), "wrong new root"
    if m < n:
        assert fails(verify_consistency, m, n, new, old, proof), "swapped roots"
        assert fails(verify_consistency, n, m, new, old, proof), "swapped sizes"
    if m > 0:
        assert fails(verify_consistency, m, n, flip(old, 2), new, proof), "wrong old root"
        # Claiming the proof is about other (real) trees never works.
        other_old = data.draw(st.integers(1, n), label="other old size")
        assume(other_old != m)
        assert fails(verify_consistency, other_old, n, ROOTS[other_old], new, proof)
        other_new = data.draw(st.integers(m, MAX), label="other new size")
        assume(other_new != n)
        assert fails(verify_consistency, m, other_new, old, ROOTS[other_new], proof)


@settings(max_examples=50)
@given(st.lists(st.binary(max_size=40), max_size=80))
def test_memory_store_root_matches_rfc_definition(entries: list[bytes]) -> None:
    store = MemoryHashStore()
    for e in entries:
        store.append(e)

    def mth(items: list[bytes]) -> bytes:  # RFC 9162 §2.1.1, literally
        if not items:
            return EMPTY_ROOT
        if len(items) == 1:
            return leaf_hash(items[0])
        k = 1 << ((len(items) - 1).bit_length() - 1)
        from tuidang.ledger import node_hash

        return node_hash(mth(items[:k]), mth(items[k:]))

    assert tree_hash(len(entries), store) == mth(entries)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 255, 256, 257])
def test_every_inclusion_proof_of_small_trees(n: int) -> None:
    for i in range(n):
        verify_inclusion(i, n, LEAVES[i], prove_inclusion(n, i, STORE), ROOTS[n])
