"""A tlog-tiles client: verify a log's checkpoint and walk its entries.

The client is given a ``fetch(path) -> bytes`` callable that returns the
resource at ``<prefix>/<path>`` of a tiled log (c2sp.org/tlog-tiles), for
example ``fetch("checkpoint")`` or ``fetch("tile/entries/x001/002")``.  How
it fetches (HTTP, a local mirror, a dict in a test) is the caller's business;
:func:`caching_fetch` wraps any fetcher with an on-disk cache of the
immutable resources, which makes long audits resumable, and
:func:`full_tile_fallback` with the full tile in place of a partial one the
server no longer has (c2sp.org/tlog-tiles allows a log to delete partial tiles
once the full tile exists, and clients to fall back to it).

:meth:`LogClient.entries` is an auditor's walk.  For every entry bundle it

1. decodes the bundle and hashes each entry into its leaf hash,
2. authenticates the bundle against the checkpoint: a full bundle's MTH must
   equal the matching hash of its level-1 tile, which
   :class:`~tuidang.ledger.tiles.TileHashReader` has authenticated up to the
   checkpoint root; a partial bundle must reproduce the level-0 right-edge
   tile, which the reader authenticated by recomputing the root;
3. compares the concatenated leaf hashes with the served level-0 tile
   (optional, on by default: other clients build proofs from those tiles);

and only then yields the bundle's entries.  So every yielded entry is covered
by the signed checkpoint, and a full walk fetches and checks every tile of
the tree.  Failures raise :class:`~tuidang.ledger.errors.TileError` whose
message starts with the path of the resource at fault, e.g.
``tile/entries/x001/002: hash mismatch (...)``.

Level-0 hashes are computed from the bundles, higher levels come from
fetched tiles checked against each other, and the hashing loops reuse
pre-seeded SHA-256 states, so the walk costs about two SHA-256 compressions
per entry plus decoding.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .checkpoint import Checkpoint
from .errors import FormatError, SignatureError, TileError
from .hashes import leaf_hashes, root_of_hashes, stored_hash_index
from .note import Verifier
from .note import open as open_note
from .tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    TileHashReader,
    decode_bundle,
    parse_tile_path,
    tile_path,
    tile_prefix,
)
from .tree import prove_consistency, prove_inclusion

__all__ = ["Fetcher", "LogClient", "caching_fetch", "full_tile_fallback"]

#: ``fetch(path) -> bytes``: return the resource at ``<log prefix>/<path>``.
Fetcher = Callable[[str], bytes]

_CHECKPOINT = "checkpoint"


class LogClient:
    """Reads a tiled log through ``fetch``, trusting checkpoints signed by ``verifiers``.

    With ``origin``, checkpoints must carry exactly that origin line.
    """

    def __init__(
        self, fetch: Fetcher, verifiers: Iterable[Verifier], origin: str | None = None
    ) -> None:
        self._fetch = fetch
        self._verifiers = list(verifiers)
        self._origin = origin

    def _get(self, path: str) -> bytes:
        try:
            return self._fetch(path)
        except Exception as e:
            raise TileError(path, f"fetch failed: {e}") from e

    def checkpoint(self) -> Checkpoint:
        """Fetch, verify and parse the log's current checkpoint."""
        return self.verify_checkpoint(self._get(_CHECKPOINT))

    def verify_checkpoint(self, note: bytes, path: str = _CHECKPOINT) -> Checkpoint:
        """Verify and parse a signed checkpoint note obtained elsewhere."""
        try:
            checkpoint = Checkpoint.parse(open_note(note, self._verifiers).text)
        except (FormatError, SignatureError) as e:
            raise TileError(path, str(e)) from None
        if self._origin is not None and checkpoint.origin != self._origin:
            raise TileError(path, f"origin {checkpoint.origin!r} is not {self._origin!r}")
        return checkpoint

    def hash_reader(self, checkpoint: Checkpoint) -> TileHashReader:
        """Return a reader of stored hashes authenticated against ``checkpoint``."""

        def fetch_tile(level: int, index: int, width: int) -> bytes:
            return self._get(tile_path(level, index, width))

        return TileHashReader(checkpoint.size, checkpoint.root_hash, fetch_tile)

    def inclusion_proof(self, index: int, checkpoint: Checkpoint) -> list[bytes]:
        """Build the inclusion proof of entry ``index`` in ``checkpoint``'s tree from tiles."""
        return prove_inclusion(checkpoint.size, index, self.hash_reader(checkpoint))

    def consistency_proof(self, old_size: int, checkpoint: Checkpoint) -> list[bytes]:
        """Build the consistency proof from ``old_size`` to ``checkpoint``'s tree from tiles."""
        return prove_consistency(old_size, checkpoint.size, self.hash_reader(checkpoint))

    def entries(
        self, checkpoint: Checkpoint, start: int = 0, *, check_tiles: bool = True
    ) -> Iterator[tuple[int, bytes]]:
        """Yield ``(index, entry)`` for entries ``start ..`` of ``checkpoint``'s tree.

        Each bundle is authenticated before any of its entries is yielded
        (see the module docstring).  ``check_tiles=False`` skips fetching the
        level-0 hash tiles, which are redundant for authentication.  To resume
        an interrupted walk, pass the next index as ``start``.
        """
        size = checkpoint.size
        if not 0 <= start <= size:
            raise ValueError(f"start {start} is outside a tree of size {size}")
        reader = self.hash_reader(checkpoint)
        level1 = TILE_HEIGHT  # tree level of the hashes in level-1 tiles
        for bundle in range(start // TILE_WIDTH, -(-size // TILE_WIDTH)):
            width = min(TILE_WIDTH, size - bundle * TILE_WIDTH)
            path = Tile(ENTRIES_LEVEL, bundle, width).path
            try:
                entries = decode_bundle(self._get(path))
            except FormatError as e:
                raise TileError(path, str(e)) from None
            if len(entries) != width:
                raise TileError(path, f"bundle holds {len(entries)} entries, expected {width}")
            leaves = leaf_hashes(entries)
            if width == TILE_WIDTH:
                (expected,) = reader.read_hashes([stored_hash_index(level1, bundle)])
                authentic = root_of_hashes(leaves) == expected
            else:
                authentic = reader.tile_data(Tile(0, bundle, width)) == b"".join(leaves)
            if not authentic:
                raise TileError(path, "hash mismatch (entry bundle does not match the tree)")
            if check_tiles:
                level0 = tile_path(0, bundle, width)
                if self._get(level0) != b"".join(leaves):
                    raise TileError(level0, "hash mismatch (tile does not match its entry bundle)")
            first = bundle * TILE_WIDTH
            skip = max(0, start - first)
            for offset in range(skip, width):
                yield first + offset, entries[offset]
            if (bundle + 1) % TILE_WIDTH == 0:
                # The level-1 tile that authenticated these bundles is done.
                reader.forget(2)


def full_tile_fallback(
    fetch: Fetcher, missing: tuple[type[BaseException], ...] = (LookupError,)
) -> Fetcher:
    """Wrap ``fetch`` so that a partial tile it cannot find is cut from the full tile.

    c2sp.org/tlog-tiles lets a log delete a partial tile once the full tile at its position
    exists; a mirror, a cache or a log that grew while a client walked an older checkpoint
    may have only the full (or a wider) tile. When ``fetch`` raises one of ``missing`` for a
    partial tile or bundle, the full one is fetched and its first ``width`` hashes or entries
    are returned (:func:`~tuidang.ledger.tiles.tile_prefix`); everything is authenticated
    afterwards as usual. Anything else, and a full tile that is missing too, raises as before.
    """

    def fetch_or_cut(path: str) -> bytes:
        try:
            return fetch(path)
        except missing:
            tile = _partial_tile(path)
            if tile is None:
                raise
            return tile_prefix(tile, fetch(Tile(tile.level, tile.index, TILE_WIDTH).path))

    return fetch_or_cut


def _partial_tile(path: str) -> Tile | None:
    """The partial tile or bundle at ``path``, or None for anything else (a full tile, the
    checkpoint)."""
    try:
        tile = parse_tile_path(path)
    except FormatError:
        return None
    return tile if tile.width < TILE_WIDTH else None


def caching_fetch(fetch: Fetcher, directory: str | os.PathLike[str]) -> Fetcher:
    """Wrap ``fetch`` with an on-disk cache of tiles and entry bundles.

    Tiles and bundles are immutable (tlog-tiles), so once fetched they are
    stored under ``directory`` at their own path and never fetched again;
    anything else (the checkpoint) always goes to ``fetch``.  Only canonical
    tile paths are cached, so a path can never escape ``directory``.  Files
    are written atomically, so an interrupted audit leaves a usable cache.
    Cached bytes are authenticated again on every use, like fetched ones.
    """
    root = Path(directory)

    def cached(path: str) -> bytes:
        try:
            parse_tile_path(path)
        except FormatError:
            return fetch(path)
        target = root / path
        try:
            return target.read_bytes()
        except FileNotFoundError:
            pass
        data = fetch(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
        return data

    return cached
