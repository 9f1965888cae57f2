"""Merkle Tree Hashes (RFC 6962 §2.1, RFC 9162 §2.1) and the stored-hash layout.

Hashing
=======

A log is an append-only list of entries ``D[0:n]``.  Its Merkle Tree Hash
(MTH) is built from SHA-256 with one byte of domain separation, so that a leaf
can never be confused with an interior node (RFC 6962 §2.1)::

    MTH({})       = SHA-256()                       (EMPTY_ROOT)
    MTH({d(0)})   = SHA-256(0x00 || d(0))           (leaf_hash)
    MTH(D[n])     = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   (node_hash)

where ``k`` is the largest power of two strictly smaller than ``n``.

Stored hashes
=============

A log server does not keep "a tree"; it keeps a flat, append-only sequence of
*stored hashes* from which every tree hash and proof can be computed.  This
module uses the layout of golang.org/x/mod/sumdb/tlog, so that a log written by
this library and one written by Go tooling agree index for index:

* ``(level, n)`` names the hash of the complete subtree of ``2**level``
  leaves that starts at leaf ``n * 2**level``.  Level 0 hashes are leaf hashes.
* When record ``n`` is appended, the server stores its leaf hash ``(0, n)``
  followed by the hash of every complete subtree that record ``n`` completes:
  ``(1, n >> 1)``, ``(2, n >> 2)``, ... one for each trailing 1 bit of ``n``.
* :func:`stored_hash_index` maps ``(level, n)`` to the position of that hash in
  the sequence, and :func:`split_stored_hash_index` is its inverse.

For example, the first eight records produce::

    index  0  1  2  3  4  5  6  7  8  9 10 11 12 13 14
    hash  0,0 0,1 1,0 0,2 0,3 1,1 2,0 0,4 0,5 1,2 0,6 0,7 1,3 2,1 3,0

Readers of stored hashes implement the :class:`HashReader` protocol.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "HashReader",
    "MemoryHashStore",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "root_of_hashes",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "stored_hashes",
    "stored_hashes_for_leaf_hash",
]

_sha256 = hashlib.sha256

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

#: MTH of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
EMPTY_ROOT = _sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

# Hash states that have already absorbed the domain-separation prefix.
# Copying one is markedly cheaper than constructing a fresh SHA-256 object,
# which matters when an auditor hashes millions of leaves.
_LEAF_STATE = _sha256(_LEAF_PREFIX)
_NODE_STATE = _sha256(_NODE_PREFIX)


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || entry)``."""
    h = _LEAF_STATE.copy()
    h.update(entry)
    return h.digest()


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """Return :func:`leaf_hash` of every entry (a fast loop for bulk hashing)."""
    copy = _LEAF_STATE.copy
    result: list[bytes] = []
    append = result.append
    for entry in entries:
        h = copy()
        h.update(entry)
        append(h.digest())
    return result


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``."""
    h = _NODE_STATE.copy()
    h.update(left + right)
    return h.digest()


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash of a sequence of already-hashed leaves.

    This is MTH from RFC 9162 §2.1.1, computed bottom-up: pair neighbours at
    each level and carry an unpaired last hash up unchanged.  That yields the
    same tree as the top-down "split at the largest power of two" definition,
    because the right-hand subtree of every RFC 6962 node is exactly the
    leftover that the bottom-up pairing carries up.

    ``hashes`` need not be leaves: given the hashes of consecutive complete
    subtrees of equal size (the contents of a tile) this returns the hash of
    the subtree they span.  An empty sequence gives :data:`EMPTY_ROOT`.
    """
    level = list(hashes)
    if not level:
        return EMPTY_ROOT
    copy = _NODE_STATE.copy
    while len(level) > 1:
        pairs = iter(level)
        paired: list[bytes] = []
        append = paired.append
        for left, right in zip(pairs, pairs, strict=False):
            h = copy()
            h.update(left + right)
            append(h.digest())
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


class HashReader(Protocol):
    """Anything that can return stored hashes by their stored-hash index.

    Implementations must return exactly one 32-byte hash per requested index,
    in the order requested, or raise.  Callers in this library always request
    indexes in increasing order, so a reader backed by a file or a database
    can serve them with a single sequential scan.
    """

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """Return the stored hashes at ``indexes``, in the same order."""
        ...  # pragma: no cover


def _check_non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")


def stored_hash_index(level: int, n: int) -> int:
    """Return the position of hash ``(level, n)`` in the stored-hash sequence.

    Hash ``(level, n)`` is stored immediately after the leaf hash of the last
    record it covers, leaf ``m = (n + 1) * 2**level - 1``, at offset ``level``.
    The leaf hash of record ``m`` itself sits after all the hashes stored for
    records ``0 .. m-1``; record ``i`` stores ``1 + trailing_ones(i)`` hashes,
    and summing that over ``i < m`` gives ``m + m//2 + m//4 + ... = 2m - popcount(m)``.
    """
    _check_non_negative(level=level, n=n)
    last_leaf = ((n + 1) << level) - 1
    return 2 * last_leaf - last_leaf.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Invert :func:`stored_hash_index`: return ``(level, n)`` for ``index``.

    Find the last record ``m`` whose leaf hash is stored at or before
    ``index``; the hash at ``index`` is then the ``index - leaf_index(m)``'th
    hash stored with record ``m``, i.e. level ``index - leaf_index(m)`` of the
    subtree containing ``m``.  Since ``leaf_index(m) = 2m - popcount(m)``
    lies in ``[m, 2m]``, ``m`` is at least ``index // 2`` and at most a
    logarithmic number of steps further.
    """
    _check_non_negative(index=index)
    record = index // 2
    while stored_hash_index(0, record + 1) <= index:
        record += 1
    level = index - stored_hash_index(0, record)
    return level, record >> level


def stored_hash_count(n: int) -> int:
    """Return how many hashes are stored for a tree of ``n`` records.

    That is the index at which record ``n``'s leaf hash will be stored.
    """
    _check_non_negative(n=n)
    return 2 * n - n.bit_count()


def stored_hashes(n: int, entry: bytes, reader: HashReader) -> list[bytes]:
    """Return the hashes to append to storage when appending record ``n``.

    ``reader`` must be able to return the hashes already stored for records
    ``0 .. n-1``.  The result starts with the leaf hash of ``entry`` and
    continues with one node hash per complete subtree that record ``n`` closes.
    """
    return stored_hashes_for_leaf_hash(n, leaf_hash(entry), reader)


def stored_hashes_for_leaf_hash(n: int, leaf: bytes, reader: HashReader) -> list[bytes]:
    """Like :func:`stored_hashes`, for a caller that already has the leaf hash."""
    _check_non_negative(n=n)
    # Each trailing 1 bit of n closes one subtree.  At level i the new
    # subtree is (i + 1, n >> (i + 1)); its left child is the already-stored
    # sibling (i, (n >> i) - 1) and its right child is the hash just computed.
    closed = (~n & (n + 1)).bit_length() - 1
    # Read siblings in increasing storage order (highest level first).
    indexes = [stored_hash_index(i, (n >> i) - 1) for i in reversed(range(closed))]
    siblings = reader.read_hashes(indexes) if indexes else []
    if len(siblings) != closed:
        raise ValueError(f"hash reader returned {len(siblings)} hashes, expected {closed}")
    result = [leaf]
    current = leaf
    for sibling in reversed(siblings):
        current = node_hash(sibling, current)
        result.append(current)
    return result


class MemoryHashStore:
    """A :class:`HashReader` over an in-memory list of stored hashes.

    Handy for tests and for small logs::

        store = MemoryHashStore()
        for entry in entries:
            store.append(entry)
        root = tree_hash(store.size, store)
    """

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.size = 0

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """Return the stored hashes at ``indexes``; raise IndexError if absent."""
        return [self.hashes[i] for i in indexes]

    def append(self, entry: bytes) -> int:
        """Append ``entry`` as the next record and return its index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append a record given its leaf hash and return its index."""
        index = self.size
        self.hashes.extend(stored_hashes_for_leaf_hash(index, leaf, self))
        self.size += 1
        return index
