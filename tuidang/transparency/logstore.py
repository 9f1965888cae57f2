"""Where the transparency log lives in the database, and the key that signs it.

The log is kept the way it is served (c2sp.org/tlog-tiles): ``LogTile`` rows hold hash tiles
and entry bundles exactly as their bytes go out under ``/log/tile/...``, so every read is one
row. A full tile (256 hashes or entries) is written once and never touched again; the partial
tile at the right edge of each level is replaced as it grows. ``LogState`` holds the size and
root of the stored tree, and its single row is the sequencer's lock. ``Checkpoint`` keeps every
signed tree head ever published.

Only ``tuidang.declarations.sequencer`` writes these tables, and only by appending.
"""

from __future__ import annotations

import functools
import os
from base64 import b64encode
from pathlib import Path

from django.conf import settings
from django.db import connection, models

from tuidang import conf
from tuidang.ledger import EMPTY_ROOT, Ed25519Signer, generate_key, new_signer
from tuidang.ledger.hashes import HASH_SIZE, root_of_hashes, split_stored_hash_index
from tuidang.ledger.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    decode_bundle,
    decode_tile,
    tile_for_stored_hash,
)

KEY_FILE = "log-signing.key"


class LogState(models.Model):
    """The one row saying how big the stored tree is; locked by whoever appends."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32, default=EMPTY_ROOT)

    def __str__(self):
        return f"log of {self.size}"


class LogTile(models.Model):
    """A hash tile (level >= 0) or an entry bundle (level -1), as served."""

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    width = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="logtile_level_index"),
        ]

    def __str__(self):
        return Tile(self.level, self.index, self.width).path


class CheckpointQuerySet(models.QuerySet["Checkpoint"]):
    def latest_signed(self) -> Checkpoint | None:
        return self.order_by("-size").first()


class Checkpoint(models.Model):
    """A signed tree head (c2sp.org/tlog-checkpoint as a signed note). Every one is kept."""

    size = models.BigIntegerField(unique=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    # The boundary of the batch that made it (batches.py): published, so never finer, never
    # the moment of signing.
    batch_time = models.DateTimeField()

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["-size"]

    def __str__(self):
        return f"checkpoint {self.size}"

    @property
    def root_b64(self) -> str:
        return b64encode(bytes(self.root)).decode("ascii")


# --- Reading --------------------------------------------------------------------------------


def canonical_width(level: int, index: int, size: int) -> int:
    """Width of tile ``(level, index)`` in a tree of ``size``, or 0 if it is not in that tree."""
    count = size >> (TILE_HEIGHT * level) if level >= 0 else size
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def read_tile(tile: Tile, size: int) -> bytes | None:
    """The bytes of ``tile`` as part of the tree of ``size``, or None if it is not a tile of it.

    A partial tile of a smaller tree is a prefix of the stored tile (hashes and entries only
    ever get appended), so it is served by cutting the stored row short.
    """
    if tile.width != canonical_width(tile.level, tile.index, size):
        return None
    row = LogTile.objects.filter(level=tile.level, index=tile.index).values_list("width", "data")
    found = row.first()
    return _cut(tile, (found[0], bytes(found[1])) if found else None)


def read_tiles(tiles, size: int) -> dict[Tile, bytes | None]:
    """``read_tile`` for several tiles in one query (a proof needs a few from each level)."""
    wanted = [t for t in tiles if t.width == canonical_width(t.level, t.index, size)]
    found: dict[tuple[int, int], tuple[int, bytes]] = {}
    if wanted:
        # Plain SQL: compiling the ORM's OR of (level, index) pairs cost more than the read.
        table = connection.ops.quote_name(LogTile._meta.db_table)
        column = connection.ops.quote_name("index")
        match = " OR ".join([f"(level = %s AND {column} = %s)"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT level, {column}, width, data FROM {table} WHERE {match}",  # noqa: S608 - our table
                [value for tile in wanted for value in (tile.level, tile.index)],
            )
            for level, index, width, data in cursor.fetchall():
                found[level, index] = (width, data)
    return {t: _cut(t, found.get((t.level, t.index))) if t in wanted else None for t in tiles}


def _cut(tile: Tile, found: tuple[int, bytes] | None) -> bytes | None:
    """The stored row ``(width, data)`` cut to ``tile``'s width, or None if it is too short."""
    if found is None or found[0] < tile.width:
        return None
    data = bytes(found[1])
    if tile.width == found[0]:
        return data
    if tile.level != ENTRIES_LEVEL:
        return data[: tile.width * HASH_SIZE]
    return _bundle_prefix(data, tile.width)


def _bundle_prefix(data: bytes, count: int) -> bytes:
    pos = 0
    for _ in range(count):
        pos += 2 + int.from_bytes(data[pos : pos + 2], "big")
    return data[:pos]


def read_entries(first: int, last: int) -> list[bytes]:
    """The entries at leaf indexes ``first .. last-1`` of the stored tree."""
    if first >= last:
        return []
    rows = LogTile.objects.filter(
        level=ENTRIES_LEVEL, index__gte=first // TILE_WIDTH, index__lte=(last - 1) // TILE_WIDTH
    ).order_by("index")
    entries: list[bytes] = []
    for row in rows:
        base = row.index * TILE_WIDTH
        for offset, entry in enumerate(decode_bundle(bytes(row.data))):
            if first <= base + offset < last:
                entries.append(entry)
    return entries


class TileReader:
    """A ledger ``HashReader`` over the stored tiles of the tree of ``size``.

    Used to build proofs; the tiles one call needs are read in one query, and kept.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._cache: dict[Tile, bytes] = {}

    def read_hashes(self, indexes):
        tiles = [tile_for_stored_hash(index, self.size) for index in indexes]
        missing = {tile for tile in tiles if tile not in self._cache}
        for tile, data in read_tiles(missing, self.size).items():
            if data is None:
                raise LookupError(f"{tile.path} is missing from the log's storage")
            self._cache[tile] = data
        result = []
        for index, tile in zip(indexes, tiles, strict=True):
            data = self._cache[tile]
            level, n = split_stored_hash_index(index)
            k = level - TILE_HEIGHT * tile.level
            start = (n << k) - tile.index * TILE_WIDTH
            hashes = data[start * HASH_SIZE : (start + (1 << k)) * HASH_SIZE]
            if tile.level > 0:
                result.append(_upper_subtree_hash(hashes))
            else:
                result.append(root_of_hashes(decode_tile(hashes)))
        return result


@functools.lru_cache(maxsize=4096)
def _upper_subtree_hash(hashes: bytes) -> bytes:
    """The hash of the subtree over ``hashes``, a run of one upper tile's hashes.

    The upper tiles are few and every proof against the same tree climbs through them, so
    the hashes computed from them are kept, keyed by the hashes themselves (so never wrong,
    whichever database they came from): up to 4,096 runs of at most 128 hashes (4 KiB), so
    at most 16 MiB per process and in practice far less.
    """
    return root_of_hashes(decode_tile(hashes))


# --- Keys -----------------------------------------------------------------------------------


def key_path() -> Path:
    return conf.secrets_dir() / KEY_FILE


def signer() -> Ed25519Signer:
    """The log's signing key, generated into ``<data dir>/secrets/`` on first use.

    The key file holds a Go/C2SP ``PRIVATE+KEY+<origin>+<id>+<key>`` line. Several processes
    may start at once; ``read_or_create_secret`` lets exactly one of them create it.
    """
    skey = conf.read_or_create_secret(KEY_FILE, lambda: generate_key(settings.LOG_ORIGIN)[0])
    key = new_signer(skey)
    if key.name != settings.LOG_ORIGIN:
        raise RuntimeError(
            f"{key_path()} signs as {key.name!r} but TUIDANG_LOG_ORIGIN is {settings.LOG_ORIGIN!r};"
            " the origin is the log's identity and must not change (see docs/log-format.md)"
        )
    return key


def extra_signers() -> list[Ed25519Signer]:
    """Additional keys from ``TUIDANG_LOG_EXTRA_KEYS``: during a key rotation both sign."""
    keys = []
    for path in settings.LOG_EXTRA_KEYS:
        keys.append(new_signer(Path(os.path.expanduser(path)).read_text().strip()))
    return keys


def vkeys() -> list[str]:
    """The verifier keys of every key that signs checkpoints, the main one first."""
    return [key.vkey for key in [signer(), *extra_signers()]]
