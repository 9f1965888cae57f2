"""Tree hashes, inclusion proofs and consistency proofs (RFC 9162 §2.1).

Two families of functions live here:

* Functions over a :class:`~tuidang.ledger.hashes.HashReader` of stored
  hashes (:func:`tree_hash`, :func:`prove_inclusion`,
  :func:`prove_consistency`): what a log server or a tile client uses.
  Each reads all the hashes it needs in a single ``read_hashes`` call.
* Pure in-memory helpers over a list of leaf hashes
  (:func:`root_from_leaf_hashes`, :func:`inclusion_proof_from_leaf_hashes`,
  :func:`consistency_proof_from_leaf_hashes`): a direct transcription of
  RFC 9162's MTH, PATH and PROOF, for tests and small callers.

Both families produce proofs from the same recursive definitions below, so
they agree by construction; the tests also check them against each other.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) follows
the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 and raises
:class:`~tuidang.ledger.errors.ProofError` on any failure.

Edge cases
==========

Libraries disagree about degenerate consistency proofs.  This one decides:

* ``old_size == new_size``: the proof MUST be empty and the two roots MUST be
  byte-for-byte equal.  (Same as RFC 9162 and transparency-dev/merkle.)
* ``old_size == 0``: the proof MUST be empty, and ``old_root`` MUST be
  :data:`~tuidang.ledger.hashes.EMPTY_ROOT`, the only possible root of an
  empty tree (so for ``0 -> 0`` both roots must be the empty root).  For
  ``new_size > 0`` the new root is then unconstrained, since every tree
  extends the empty one.  This follows c2sp.org/tlog-witness, where a client
  sends ``old 0`` with no proof lines to a witness that has never seen the
  log.  (transparency-dev/merkle instead rejects ``size1 == 0 < size2``
  outright; RFC 9162 leaves it undefined.)
* ``old_size > new_size`` or a negative size is always an error.

For inclusion, ``index`` must satisfy ``0 <= index < size``; in particular
nothing is included in the empty tree.  Leaf and proof hashes must be exactly
32 bytes long.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ProofError
from .hashes import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashReader,
    node_hash,
    root_of_hashes,
    stored_hash_index,
)

__all__ = [
    "consistency_proof_from_leaf_hashes",
    "inclusion_proof_from_leaf_hashes",
    "prove_consistency",
    "prove_inclusion",
    "root_from_leaf_hashes",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]

# A half-open range of leaves [lo, hi) whose MTH appears in a proof.
_Range = tuple[int, int]


def _split_point(n: int) -> int:
    """Return k, the largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# ---------------------------------------------------------------------------
# Which subtrees does a proof consist of?  (RFC 9162 §2.1.3.1 and §2.1.4.1)
# ---------------------------------------------------------------------------


def _inclusion_ranges(index: int, lo: int, hi: int) -> list[_Range]:
    """PATH(m, D[lo:hi]) as a list of leaf ranges, leaf sibling first.

    RFC 9162 §2.1.3.1: for ``n > 1`` split at ``k``; if ``m < k`` the path is
    PATH(m, D[0:k]) followed by MTH(D[k:n]), otherwise PATH(m - k, D[k:n])
    followed by MTH(D[0:k]).  A single leaf has the empty path.
    """
    path: list[_Range] = []
    while hi - lo > 1:
        k = _split_point(hi - lo)
        if index < k:
            path.append((lo + k, hi))
            hi = lo + k
        else:
            path.append((lo, lo + k))
            lo += k
            index -= k
    path.reverse()
    return path


def _consistency_ranges(old_size: int, lo: int, hi: int, complete: bool) -> list[_Range]:
    """SUBPROOF(m, D[lo:hi], b) as a list of leaf ranges, deepest first.

    RFC 9162 §2.1.4.1: if ``m == n`` the subproof is empty when ``b`` is true
    (the verifier already knows MTH(D[0:m])) and [MTH(D[lo:hi])] otherwise.
    Else split at ``k``: if ``m <= k`` recurse left and append MTH(D[k:n]);
    otherwise recurse right with ``b = false`` and append MTH(D[0:k]).
    """
    tail: list[_Range] = []
    while old_size != hi - lo:
        k = _split_point(hi - lo)
        if old_size <= k:
            tail.append((lo + k, hi))
            hi = lo + k
        else:
            tail.append((lo, lo + k))
            lo += k
            old_size -= k
            complete = False
    if not complete:
        tail.append((lo, hi))
    tail.reverse()
    return tail


# ---------------------------------------------------------------------------
# Hashing ranges from stored hashes
# ---------------------------------------------------------------------------


def _subtree_coordinates(lo: int, hi: int) -> list[tuple[int, int]]:
    """Decompose leaves [lo, hi) into maximal complete subtrees, left to right.

    Returns stored-hash coordinates ``(level, n)``.  Every range produced by
    the proof definitions above starts at a multiple of its largest complete
    piece, so this greedy split always lands on stored subtrees.
    """
    pieces = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        pieces.append((level, lo >> level))
        lo += 1 << level
    return pieces


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of a range's maximal subtrees into the range's MTH.

    The subtrees shrink from left to right, so the MTH is the right fold
    ``node(h0, node(h1, ... node(h_{k-2}, h_{k-1})))``.
    """
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def _hash_ranges(ranges: Sequence[_Range], reader: HashReader) -> list[bytes]:
    """Return MTH(D[lo:hi]) for every range, with one ``read_hashes`` call."""
    pieces = [_subtree_coordinates(lo, hi) for lo, hi in ranges]
    indexes = [stored_hash_index(level, n) for piece in pieces for level, n in piece]
    if not indexes:
        return []
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise ValueError(f"hash reader returned {len(hashes)} hashes, expected {len(indexes)}")
    result = []
    offset = 0
    for piece in pieces:
        result.append(_fold(hashes[offset : offset + len(piece)]))
        offset += len(piece)
    return result


def tree_hash(size: int, reader: HashReader) -> bytes:
    """Return MTH(D[0:size]) computed from stored hashes.

    The empty tree's hash is :data:`~tuidang.ledger.hashes.EMPTY_ROOT`
    (x/mod's ``TreeHash`` returns all zeroes there; RFC 6962 says SHA-256("")).
    """
    if size < 0:
        raise ProofError(f"tree size must be non-negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return _hash_ranges([(0, size)], reader)[0]


def prove_inclusion(size: int, index: int, reader: HashReader) -> list[bytes]:
    """Return the inclusion proof (audit path) for leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    return _hash_ranges(_inclusion_ranges(index, 0, size), reader)


def prove_consistency(old_size: int, new_size: int, reader: HashReader) -> list[bytes]:
    """Return the consistency proof from tree size ``old_size`` to ``new_size``.

    The proof is empty when the sizes are equal or ``old_size`` is zero (see
    the module docstring for why that is the chosen semantics).
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    return _hash_ranges(_consistency_ranges(old_size, 0, new_size, True), reader)


# ---------------------------------------------------------------------------
# In-memory helpers over a list of leaf hashes
# ---------------------------------------------------------------------------


def root_from_leaf_hashes(leaves: Sequence[bytes]) -> bytes:
    """Return MTH of the tree whose leaf hashes are ``leaves`` (RFC 9162 §2.1.1)."""
    return root_of_hashes(leaves)


def inclusion_proof_from_leaf_hashes(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return PATH(index, D[0:len(leaves)]) computed directly from leaf hashes."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf index {index} is not in a tree of size {len(leaves)}")
    return [root_of_hashes(leaves[lo:hi]) for lo, hi in _inclusion_ranges(index, 0, len(leaves))]


def consistency_proof_from_leaf_hashes(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return PROOF(old_size, D[0:len(leaves)]) computed directly from leaf hashes."""
    new_size = len(leaves)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    ranges = _consistency_ranges(old_size, 0, new_size, True)
    return [root_of_hashes(leaves[lo:hi]) for lo, hi in ranges]


# ---------------------------------------------------------------------------
# Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)
# ---------------------------------------------------------------------------


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    for i, h in enumerate(hashes):
        if len(h) != HASH_SIZE:
            raise ProofError(f"{what}[{i}] is {len(h)} bytes long, not {HASH_SIZE}")


def _lsb(x: int) -> bool:
    return bool(x & 1)


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree ``(size, root)``.

    Raises :class:`ProofError` if it is not, if the proof has the wrong
    length, or if any hash is not 32 bytes long; returns None on success.

    RFC 9162 §2.1.3.2: walk from the leaf to the root with ``fn = index`` and
    ``sn = size - 1``.  A proof hash is a left sibling when ``fn`` is odd or
    ``fn == sn`` (the node is the rightmost at its level and may have been
    carried up several levels without a sibling, hence the inner shifting);
    otherwise it is a right sibling.  The proof is exactly long enough when
    ``sn`` reaches zero at its last element.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hashes("leaf hash", [leaf_hash])
    _check_hashes("proof", proof)
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError(f"inclusion proof is too long ({len(proof)} hashes)")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof is too short ({len(proof)} hashes)")
    if r != root:
        raise ProofError(
            f"inclusion proof for leaf {index} does not lead to the root of tree size {size}"
        )


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that tree ``(new_size, new_root)`` extends tree ``(old_size, old_root)``.

    Raises :class:`ProofError` on failure; returns None on success.  See the
    module docstring for the semantics of equal sizes and of ``old_size == 0``.

    RFC 9162 §2.1.4.2: the proof, with ``old_root`` prepended when
    ``old_size`` is a power of two (then the old tree is itself a complete
    subtree the proof omits), is walked from the bottom up computing two
    roots at once: ``fr`` from the hashes that belong to the old tree, and
    ``sr`` from all of them.  Both must come out equal to the given roots.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise ProofError("root of a tree of size 0 must be SHA-256 of the empty string")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise ProofError("trees are both of size 0 but their roots differ")
        return
    if old_size == new_size:
        if proof:
            raise ProofError(f"trees are both of size {old_size} but the proof is not empty")
        if old_root != new_root:
            raise ProofError(f"trees are both of size {old_size} but their roots differ")
        return
    if not proof:
        raise ProofError(f"empty consistency proof from size {old_size} to size {new_size}")
    _check_hashes("proof", proof)
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof is too long ({len(proof)} hashes)")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not _lsb(fn) and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"consistency proof is too short ({len(proof)} hashes)")
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the root of old size {old_size}")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the root of new size {new_size}")
