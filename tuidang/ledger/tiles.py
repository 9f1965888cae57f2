"""Tiled logs: C2SP tlog-tiles paths, tile and entry-bundle encodings, and a
:class:`~tuidang.ledger.hashes.HashReader` that reads hashes out of tiles.

Tiles (c2sp.org/tlog-tiles)
===========================

A tile is a run of up to 256 consecutive stored hashes of one tree level,
served as their 32-byte concatenation.  Tiles have height 8: the tile at
*tile level* ``L`` holds hashes of tree level ``8 * L``, and the ``n``-th
tile of level ``L`` holds::

    MTH(D[(n * 256 + i) * 256**L : (n * 256 + i + 1) * 256**L])   for i in 0..255

so each hash of a level ``L + 1`` tile is the root of one full level ``L``
tile.  The rightmost tile of a level is usually *partial* (width 1..255) and
is served at a path with a ``.p/<W>`` suffix.  Entry bundles mirror level-0
tiles, holding the entries themselves, each as a big-endian ``uint16`` length
followed by that many bytes.

Paths::

    tile/<L>/<N>[.p/<W>]          hash tile
    tile/entries/<N>[.p/<W>]      entry bundle

where ``<N>`` is written in zero-padded groups of three digits, all but the
last prefixed with ``x``: index 1234067 is ``x001/x234/067``.

In this module a :class:`Tile` is ``(level, index, width)``, and an entry
bundle is represented with level :data:`ENTRIES_LEVEL` (``-1``), as in Go's
sumdb code.

What TileHashReader authenticates
=================================

:class:`TileHashReader` is given a *trusted* ``(size, root)`` pair (from a
verified checkpoint) and a callable that fetches tiles.  It never returns a
hash it has not authenticated against that root:

* The *right edge* — the partial tile of each level of the tree, exactly the
  tiles that :func:`tiles_for_size` lists with width < 256 — is fetched
  first, as a set.  Their hashes cover the maximal complete subtrees of the
  tree, so folding them must reproduce ``root``; if it does not, every one of
  them is rejected (the reader cannot tell which one lies).
* A full tile ``(L, n)`` is accepted only if the MTH of its 256 hashes equals
  hash ``n % 256`` of its parent tile ``(L + 1, n // 256)``, itself
  authenticated the same way.  The chain always ends at a right-edge tile.

Every byte of every tile it returns data from is therefore covered by the
root (assuming SHA-256 is collision resistant).  Tiles that are not
*canonical* for the tree size (a partial tile of another width, say) are
never requested.  Entry bundles are not read by this class at all; the
client in :mod:`tuidang.ledger.client` checks them against level-0 hashes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .errors import FormatError, ProofError, TileError
from .hashes import (
    HASH_SIZE,
    HashReader,
    node_hash,
    root_of_hashes,
    split_stored_hash_index,
    stored_hash_index,
)

__all__ = [
    "ENTRIES_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Tile",
    "TileHashReader",
    "decode_bundle",
    "decode_tile",
    "encode_bundle",
    "encode_tile",
    "entries_path",
    "entries_path_for_entry",
    "new_tiles",
    "parse_tile_path",
    "read_tile_data",
    "tile_for_stored_hash",
    "tile_path",
    "tile_prefix",
    "tiles_for_indexes",
    "tiles_for_size",
]

#: Tree levels per tile (fixed by tlog-tiles).
TILE_HEIGHT = 8
#: Hashes in a full tile, and entries in a full bundle.
TILE_WIDTH = 1 << TILE_HEIGHT
#: Pseudo-level used by :class:`Tile` for entry bundles.
ENTRIES_LEVEL = -1
#: Largest tile level allowed by tlog-tiles ("between 0 and 63").
MAX_TILE_LEVEL = 63
#: Largest entry an entry bundle can hold (uint16 length prefix).
MAX_ENTRY_SIZE = 0xFFFF


@dataclass(frozen=True)
class Tile:
    """A tile coordinate ``(level, index, width)``; level -1 is an entry bundle."""

    #: Tile level (tree level divided by 8), or -1 for an entry bundle.
    level: int
    #: Index of the tile within its level.
    index: int
    #: Number of hashes (or entries) in the tile: 256 unless partial.
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not ENTRIES_LEVEL <= self.level <= MAX_TILE_LEVEL:
            raise ValueError(f"tile level {self.level} out of range")
        if self.index < 0:
            raise ValueError(f"tile index {self.index} is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile width {self.width} out of range 1..{TILE_WIDTH}")

    @property
    def path(self) -> str:
        """The tlog-tiles path of this tile or bundle."""
        if self.level == ENTRIES_LEVEL:
            return entries_path(self.index, self.width)
        return tile_path(self.level, self.index, self.width)


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


def _encode_index(index: int) -> str:
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + groups[-1:])


def _suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """Return ``tile/<L>/<N>[.p/<W>]`` for a hash tile."""
    t = Tile(level, index, width)
    if t.level == ENTRIES_LEVEL:
        raise ValueError("use entries_path for entry bundles")
    return f"tile/{level}/{_encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """Return ``tile/entries/<N>[.p/<W>]`` for entry bundle ``index``."""
    Tile(ENTRIES_LEVEL, index, width)
    return f"tile/entries/{_encode_index(index)}{_suffix(width)}"


def entries_path_for_entry(entry_index: int, size: int) -> str:
    """Return the path of the bundle holding entry ``entry_index`` in a tree of ``size``."""
    if not 0 <= entry_index < size:
        raise ValueError(f"entry {entry_index} is not in a tree of size {size}")
    bundle = entry_index // TILE_WIDTH
    return entries_path(bundle, min(TILE_WIDTH, size - bundle * TILE_WIDTH))


_PATH_RE = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> Tile:
    """Parse a tlog-tiles path into a :class:`Tile`, strictly.

    Only canonical paths are accepted: no leading zero groups (``x000/001``),
    no leading zeroes in the level or width, levels 0..63, widths 1..255 for
    partial tiles.  Raises :class:`FormatError` otherwise.
    """
    m = _PATH_RE.fullmatch(path)
    if m is None:
        raise FormatError(f"malformed tile path {path!r}")
    level = ENTRIES_LEVEL if m["level"] == "entries" else int(m["level"])
    index = int(m["index"].replace("x", "").replace("/", ""))
    width = int(m["width"]) if m["width"] else TILE_WIDTH
    try:
        tile = Tile(level, index, width)
    except ValueError as e:
        raise FormatError(f"malformed tile path {path!r}: {e}") from None
    if tile.path != path:
        raise FormatError(f"non-canonical tile path {path!r} (expected {tile.path!r})")
    return tile


# ---------------------------------------------------------------------------
# Which tiles make up a tree
# ---------------------------------------------------------------------------


def _level_tiles(level: int, old_count: int, new_count: int) -> list[Tile]:
    """Tiles of ``level`` that differ between ``old_count`` and ``new_count`` hashes."""
    first = old_count // TILE_WIDTH
    last = -(-new_count // TILE_WIDTH)  # ceiling division
    return [Tile(level, n, min(TILE_WIDTH, new_count - n * TILE_WIDTH)) for n in range(first, last)]


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """Return the hash tiles to write when a tree grows from ``old_size`` to ``new_size``.

    These are the tiles whose contents at ``new_size`` did not exist at
    ``old_size``: every new full tile and the new partial tile of each level
    (a partial tile that grew is listed with its new width).  Listed level by
    level, lowest first.  ``new_tiles(0, n)`` lists every tile of the tree.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"cannot grow a tree from size {old_size} to size {new_size}")
    tiles: list[Tile] = []
    level = 0
    # Once a level has as many hashes at both sizes, so do all levels above.
    while (new_size >> (TILE_HEIGHT * level)) > (old_size >> (TILE_HEIGHT * level)):
        shift = TILE_HEIGHT * level
        tiles.extend(_level_tiles(level, old_size >> shift, new_size >> shift))
        level += 1
    return tiles


def tiles_for_size(size: int) -> list[Tile]:
    """Return every hash tile of a tree of ``size`` leaves, lowest level first.

    At level ``L`` there are ``size // 256**(L+1)`` full tiles and, when
    ``size // 256**L % 256`` is non-zero, one partial tile of that width.
    For example a tree of 70000 leaves has 273 full level-0 tiles, a partial
    level-0 tile of width 112, one full level-1 tile, a partial level-1 tile
    of width 17 and a partial level-2 tile of width 1.
    """
    return new_tiles(0, size)


def _check_in_tree(level: int, n: int, size: int) -> None:
    if (n + 1) << level > size:
        raise ProofError(f"hash ({level}, {n}) is not in a tree of size {size}")


def tile_for_stored_hash(index: int, size: int) -> Tile:
    """Return the canonical tile of a tree of ``size`` holding stored hash ``index``.

    A stored hash at tree level ``8L + k`` (``0 <= k < 8``) is not itself in
    a tile unless ``k == 0``; it is computed from ``2**k`` hashes of a level
    ``L`` tile.  The tile returned is full when the tree is big enough to
    fill it, and the tree's partial tile of that level otherwise.
    """
    level, n = split_stored_hash_index(index)
    _check_in_tree(level, n, size)
    tile_level, k = divmod(level, TILE_HEIGHT)
    tile_index = (n << k) >> TILE_HEIGHT
    hashes_at_level = size >> (TILE_HEIGHT * tile_level)
    return Tile(tile_level, tile_index, min(TILE_WIDTH, hashes_at_level - tile_index * TILE_WIDTH))


def tiles_for_indexes(indexes: Iterable[int], size: int) -> list[Tile]:
    """Return the distinct tiles needed to read the given stored hashes, in order of need."""
    return list(dict.fromkeys(tile_for_stored_hash(i, size) for i in indexes))


def _hash_from_tile(tile: Tile, data: bytes, index: int) -> bytes:
    """Compute stored hash ``index`` from the contents of ``tile`` (which holds it)."""
    level, n = split_stored_hash_index(index)
    k = level - TILE_HEIGHT * tile.level
    start = (n << k) - tile.index * TILE_WIDTH
    hashes = decode_tile(data[start * HASH_SIZE : (start + (1 << k)) * HASH_SIZE])
    return root_of_hashes(hashes)


def read_tile_data(tile: Tile, reader: HashReader) -> bytes:
    """Return the contents of a hash tile, read from stored hashes.

    This is what a log server calls after appending, for every tile listed by
    :func:`new_tiles`, to produce the bytes it serves at ``tile.path``.
    """
    if tile.level == ENTRIES_LEVEL:
        raise ValueError("entry bundles are not made of stored hashes")
    level = TILE_HEIGHT * tile.level
    first = tile.index * TILE_WIDTH
    indexes = [stored_hash_index(level, first + i) for i in range(tile.width)]
    return encode_tile(reader.read_hashes(indexes))


def tile_prefix(tile: Tile, wider: bytes) -> bytes:
    """Return the contents of ``tile`` cut from ``wider``, a wider tile at its position.

    Hashes and entries are only ever appended, so a partial tile is a prefix of every wider
    tile at the same level and index, the full one included: c2sp.org/tlog-tiles lets a
    client that cannot fetch a partial tile fetch the full tile and keep its first
    ``tile.width`` hashes (or entries, for a bundle). The result is authenticated like any
    fetched tile. Raises FormatError if ``wider`` holds fewer than ``tile.width``.
    """
    if tile.level == ENTRIES_LEVEL:
        entries = decode_bundle(wider)
        if len(entries) < tile.width:
            raise FormatError(f"bundle holds {len(entries)} entries, fewer than {tile.width}")
        return encode_bundle(entries[: tile.width])
    if len(wider) < tile.width * HASH_SIZE:
        raise FormatError(f"tile holds {len(wider) // HASH_SIZE} hashes, fewer than {tile.width}")
    return wider[: tile.width * HASH_SIZE]


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------


def encode_tile(hashes: Sequence[bytes]) -> bytes:
    """Concatenate 32-byte hashes into tile contents."""
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ValueError(f"tile hash is {len(h)} bytes long, not {HASH_SIZE}")
    return b"".join(hashes)


def decode_tile(data: bytes, width: int | None = None) -> list[bytes]:
    """Split tile contents into 32-byte hashes, checking the length.

    With ``width`` the tile must hold exactly that many hashes.
    """
    if len(data) % HASH_SIZE:
        raise FormatError(f"tile length {len(data)} is not a multiple of {HASH_SIZE}")
    if width is not None and len(data) != width * HASH_SIZE:
        raise FormatError(f"tile has {len(data) // HASH_SIZE} hashes, expected {width}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """Encode entries as a tlog-tiles entry bundle (``uint16`` length + bytes each)."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(entry)} bytes does not fit a uint16 length")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def decode_bundle(data: bytes) -> list[bytes]:
    """Decode a tlog-tiles entry bundle into its entries.

    Raises :class:`FormatError` if the data ends in the middle of an entry.
    """
    entries: list[bytes] = []
    append = entries.append
    pos = 0
    end = len(data)
    while pos < end:
        if pos + 2 > end:
            raise FormatError(f"entry bundle truncated in a length prefix at byte {pos}")
        start = pos + 2
        pos = start + ((data[pos] << 8) | data[pos + 1])
        if pos > end:
            raise FormatError(f"entry bundle truncated in an entry at byte {start - 2}")
        append(data[start:pos])
    return entries


# ---------------------------------------------------------------------------
# Reading hashes from authenticated tiles
# ---------------------------------------------------------------------------

#: ``fetch_tile(level, index, width) -> bytes`` returns the contents served at
#: ``tile_path(level, index, width)``.
TileFetcher = Callable[[int, int, int], bytes]


class TileHashReader:
    """A :class:`~tuidang.ledger.hashes.HashReader` backed by fetched tiles.

    ``size`` and ``root`` must come from a checkpoint whose signature the
    caller has verified; see the module docstring for exactly what is
    authenticated.  Verified tiles are cached in memory for the lifetime of
    the reader (call :meth:`forget` to drop full tiles below some level).
    Any mismatch raises :class:`~tuidang.ledger.errors.TileError` naming
    the offending tile's path.
    """

    def __init__(self, size: int, root: bytes, fetch_tile: TileFetcher) -> None:
        if size < 0:
            raise ValueError(f"tree size must be non-negative, got {size}")
        self.size = size
        self.root = root
        self._fetch_tile = fetch_tile
        self._verified: dict[tuple[int, int], bytes] = {}

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        """Return the stored hashes at ``indexes``, all authenticated against the root."""
        result = []
        for index in indexes:
            tile = tile_for_stored_hash(index, self.size)
            result.append(_hash_from_tile(tile, self.tile_data(tile), index))
        return result

    def tile_data(self, tile: Tile) -> bytes:
        """Return the authenticated contents of one canonical tile of the tree.

        Raises :class:`~tuidang.ledger.errors.ProofError` if ``tile`` is not
        one of the tiles :func:`tiles_for_size` lists for this tree.
        """
        key = (tile.level, tile.index)
        hashes_at_level = self.size >> (TILE_HEIGHT * tile.level) if tile.level >= 0 else 0
        canonical_width = min(TILE_WIDTH, hashes_at_level - tile.index * TILE_WIDTH)
        if tile.width != canonical_width:
            raise ProofError(f"{tile.path} is not a tile of a tree of size {self.size}")
        data = self._verified.get(key)
        if data is None:
            if tile.width < TILE_WIDTH:
                self._verify_right_edge()
            else:
                self._verify_full_tile(tile)
            data = self._verified[key]
        return data

    def forget(self, below_level: int) -> None:
        """Drop cached full tiles of levels below ``below_level`` (bounds memory in long walks)."""
        for key in [k for k, v in self._verified.items() if k[0] < below_level]:
            if len(self._verified[key]) == TILE_WIDTH * HASH_SIZE:
                del self._verified[key]

    def _fetch(self, tile: Tile) -> bytes:
        data = self._fetch_tile(tile.level, tile.index, tile.width)
        if len(data) != tile.width * HASH_SIZE:
            raise TileError(
                tile.path, f"tile is {len(data)} bytes long, expected {tile.width * HASH_SIZE}"
            )
        return data

    def _verify_full_tile(self, tile: Tile) -> None:
        data = self._fetch(tile)
        parent_level = TILE_HEIGHT * (tile.level + 1)
        parent_index = stored_hash_index(parent_level, tile.index)
        (expected,) = self.read_hashes([parent_index])
        if root_of_hashes(decode_tile(data)) != expected:
            raise TileError(tile.path, "hash mismatch (tile does not match its parent tile)")
        self._verified[(tile.level, tile.index)] = data

    def _verify_right_edge(self) -> None:
        edge = [t for t in tiles_for_size(self.size) if t.width < TILE_WIDTH]
        fetched = [self._fetch(t) for t in edge]
        # The maximal complete subtrees of the tree, left to right: for each
        # partial tile from the top level down, the binary decomposition of
        # its width into runs of 2**j hashes.
        subtrees = []
        for data in reversed(fetched):
            hashes = decode_tile(data)
            start = 0
            for bit in reversed(range(TILE_HEIGHT)):
                if len(hashes) & (1 << bit):
                    subtrees.append(root_of_hashes(hashes[start : start + (1 << bit)]))
                    start += 1 << bit
        computed = subtrees[-1] if subtrees else root_of_hashes([])
        for h in reversed(subtrees[:-1]):
            computed = node_hash(h, computed)
        if computed != self.root:
            paths = ", ".join(t.path for t in edge) or "(no tiles)"
            raise TileError(paths, "hash mismatch (tiles do not match the checkpoint root)")
        for t, data in zip(edge, fetched, strict=True):
            self._verified[(t.level, t.index)] = data
