"""Where the transparency log lives in the database, and the key that signs it.

The log is kept the way it is served (c2sp.org/tlog-tiles): ``LogTile`` rows hold hash tiles
and entry bundles exactly as their bytes go out under ``/log/tile/...``, so every read is one
row. A full tile (256 hashes or entries) is written once and never touched again; the partial
tile at the right edge of each level is replaced as it grows. ``LogState`` holds the size and
root of the stored tree, and its single row is the sequencer's lock. ``Checkpoint`` keeps every
signed tree head ever published.

Only ``append`` and ``sign_checkpoint`` below write these tables, and only by appending; other
apps call them through ``tuidang.transparency`` (the declarations sequencer does).
"""

from __future__ import annotations

import functools
import hashlib
import os
from base64 import b64encode
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q

from tuidang import conf
from tuidang.ledger import EMPTY_ROOT, Ed25519Signer, generate_key, new_signer, sign
from tuidang.ledger import Checkpoint as CheckpointText
from tuidang.ledger.hashes import HASH_SIZE, root_of_hashes, split_stored_hash_index
from tuidang.ledger.tiles import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    Tile,
    decode_bundle,
    decode_tile,
    encode_bundle,
    tile_for_stored_hash,
)

KEY_FILE = "log-signing.key"


class LogState(models.Model):
    """The one row saying how big the stored tree is; locked by whoever appends."""

    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32, default=EMPTY_ROOT)

    class Meta:
        db_table = "declarations_logstate"

    def __str__(self):
        return f"log of {self.size}"


class LogTile(models.Model):
    """A hash tile (level >= 0) or an entry bundle (level -1), as served."""

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    width = models.PositiveSmallIntegerField()
    data = models.BinaryField()

    class Meta:
        db_table = "declarations_logtile"
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
        db_table = "declarations_checkpoint"
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


# --- Appending ----------------------------------------------------------------------------


def lock_state() -> LogState:
    """The log's one row, locked until the transaction ends (``tuidang.transparency.lock``)."""
    state = LogState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        # Only after a flush (tests) or on a database migrated without the data migration.
        LogState.objects.get_or_create(pk=1)
        state = LogState.objects.select_for_update().get(pk=1)
    return state


class _Edge:
    """The right edge of the stored tree, enough to append leaves and name the new root.

    ``stack`` holds the maximal complete subtrees as (tree level, hash), left to right; it is
    the binary decomposition of the size. ``tiles[L]`` is the index and hashes of the tile at
    tile level L that the next hash of tree level 8L goes into.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.written: dict[tuple[int, int], tuple[int, bytes]] = {}
        levels = 1
        while size >> (TILE_HEIGHT * levels):
            levels += 1
        self.tiles: list[list] = [
            [(size >> (TILE_HEIGHT * level)) // TILE_WIDTH, []] for level in range(levels)
        ]
        edge = Q(pk__in=[])
        for level, (index, _) in enumerate(self.tiles):
            edge |= Q(level=level, index=index)
        stored = {
            (level, index): bytes(data)
            for level, index, data in LogTile.objects.filter(edge).values_list(
                "level", "index", "data"
            )
        }
        self.stack: list[tuple[int, bytes]] = []
        for level in reversed(range(levels)):
            index, hashes = self.tiles[level]
            width = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
            if not width:
                continue
            data = stored.get((level, index), b"")
            if len(data) < width * HASH_SIZE:
                raise RuntimeError(f"tile {level}/{index} is missing from the log's storage")
            hashes.extend(decode_tile(data[: width * HASH_SIZE]))
            start = 0
            for bit in reversed(range(TILE_HEIGHT)):
                if width & (1 << bit):
                    subtree = root_of_hashes(hashes[start : start + (1 << bit)])
                    self.stack.append((TILE_HEIGHT * level + bit, subtree))
                    start += 1 << bit

    def append(self, leaf: bytes) -> None:
        sha = hashlib.sha256
        stack = self.stack
        self._store(0, leaf)
        level = 0
        current = leaf
        while stack and stack[-1][0] == level:
            current = sha(b"\x01" + stack.pop()[1] + current).digest()
            level += 1
            if level % TILE_HEIGHT == 0:
                self._store(level // TILE_HEIGHT, current)
        stack.append((level, current))
        self.size += 1

    def _store(self, tile_level: int, h: bytes) -> None:
        if tile_level == len(self.tiles):
            self.tiles.append([0, []])
        tile = self.tiles[tile_level]
        tile[1].append(h)
        if len(tile[1]) == TILE_WIDTH:
            self.written[(tile_level, tile[0])] = (TILE_WIDTH, b"".join(tile[1]))
            tile[0] += 1
            tile[1] = []

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        sha = hashlib.sha256
        current = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            current = sha(b"\x01" + h + current).digest()
        return current

    def tile_rows(self) -> list[tuple[int, int, int, bytes]]:
        """Every tile this batch filled or grew, as (level, index, width, data)."""
        rows = dict(self.written)
        for level, (index, hashes) in enumerate(self.tiles):
            if hashes:
                rows[(level, index)] = (len(hashes), b"".join(hashes))
        return [(level, index, w, data) for (level, index), (w, data) in sorted(rows.items())]


def _bundle_rows(size: int, entries: list[bytes]) -> list[tuple[int, int, int, bytes]]:
    """The entry bundles to write when ``entries`` are appended to a tree of ``size``."""
    first_bundle, width = divmod(size, TILE_WIDTH)
    pending: list[bytes] = []
    if width:
        row = LogTile.objects.get(level=ENTRIES_LEVEL, index=first_bundle)
        pending = decode_bundle(bytes(row.data))[:width]
    pending.extend(entries)
    rows = []
    for start in range(0, len(pending), TILE_WIDTH):
        chunk = pending[start : start + TILE_WIDTH]
        rows.append(
            (ENTRIES_LEVEL, first_bundle + start // TILE_WIDTH, len(chunk), encode_bundle(chunk))
        )
    return rows


def _write_tiles(rows: list[tuple[int, int, int, bytes]]) -> None:
    table = connection.ops.quote_name(LogTile._meta.db_table)
    with connection.cursor() as cursor:
        # A full tile never changes: the WHERE makes replacing one a no-op, whatever the caller.
        cursor.executemany(
            f"INSERT INTO {table} (level, {connection.ops.quote_name('index')}, width, data) "  # noqa: S608 - our table
            "VALUES (%s, %s, %s, %s) ON CONFLICT (level, "
            f"{connection.ops.quote_name('index')}) DO UPDATE SET width = excluded.width, "
            f"data = excluded.data WHERE {table}.width < excluded.width",
            rows,
        )


def append(entries: Sequence[bytes]) -> int:
    """Append ``entries`` to the stored tree in the caller's transaction; return the leaf index
    of the first. Writes the entry bundles, the hash tiles and the new size and root."""
    sha = hashlib.sha256
    state = lock_state()
    size = state.size
    edge = _Edge(size)
    for data in entries:
        edge.append(sha(b"\x00" + data).digest())
    _write_tiles(_bundle_rows(size, list(entries)) + edge.tile_rows())
    state.size = edge.size
    state.root = edge.root()
    state.save(update_fields=["size", "root"])
    return size


def sign_checkpoint(batch_time: datetime) -> Checkpoint | None:
    """Sign and keep a checkpoint for the stored tree if it is newer than the last one.

    It is dated ``batch_time``: the caller passes a batch boundary (``batches.py``), never the
    moment of signing. Idempotent: after a crash between a batch's commit and its signature, the next call
    signs the tree the batch left.
    """
    keys = [signer(), *extra_signers()]
    with transaction.atomic():
        state = lock_state()
        latest = Checkpoint.objects.latest_signed()
        if latest is not None and latest.size >= state.size:
            return None
        text = CheckpointText(settings.LOG_ORIGIN, state.size, bytes(state.root)).format()
        note = sign(text, *keys).decode("utf-8")
        return Checkpoint.objects.create(
            size=state.size,
            root=bytes(state.root),
            note=note,
            batch_time=batch_time,
        )


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
