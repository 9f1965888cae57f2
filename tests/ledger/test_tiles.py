"""Tile paths, tile sets, encodings and the authenticating TileHashReader."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tuidang.ledger import (
    FormatError,
    MemoryHashStore,
    ProofError,
    TileError,
    leaf_hash,
    prove_consistency,
    prove_inclusion,
    tree_hash,
)
from tuidang.ledger.hashes import stored_hash_count
from tuidang.ledger.tiles import (
    Tile,
    TileHashReader,
    decode_bundle,
    decode_tile,
    encode_bundle,
    encode_tile,
    entries_path,
    entries_path_for_entry,
    new_tiles,
    parse_tile_path,
    read_tile_data,
    tile_for_stored_hash,
    tile_path,
    tiles_for_indexes,
    tiles_for_size,
)

from .ledgertest import load_json, vector_path


def path_vectors() -> dict[str, Any]:
    data: dict[str, Any] = load_json(vector_path("tile-path-vectors.json"))
    return data


def test_c2sp_tile_path_vectors() -> None:
    for case in path_vectors()["c2sp_tile_paths"]:
        path = tile_path(case["level"], case["index"], case["width"])
        assert path == case["path"]
        assert parse_tile_path(path) == Tile(case["level"], case["index"], case["width"])


def test_c2sp_entry_bundle_vectors() -> None:
    for case in path_vectors()["c2sp_entries_for_index"]:
        path = entries_path_for_entry(case["seq"], case["log_size"])
        assert path == case["path"]
        assert parse_tile_path(path).level == -1


def test_go_sumdb_path_vectors_without_the_height_element() -> None:
    # Go's sumdb paths carry a tile height, tile/<H>/<L>/<N>; C2SP fixes H = 8
    # and drops it.  The <N>[.p/<W>] encoding is the same, which is what these
    # vectors check (a width of 2**H is a full tile in Go's paths).
    for case in path_vectors()["go_sumdb_tile_paths"]:
        _, _height, rest = case["path"].split("/", 2)
        c2sp = "tile/" + rest.replace("data/", "entries/", 1)
        if not case["valid"]:
            with pytest.raises(FormatError):
                parse_tile_path(c2sp)
            continue
        full = case["W"] == 1 << case["H"]
        tile = parse_tile_path(c2sp)
        assert (tile.level, tile.index) == (case["L"], case["N"])
        assert tile.width == (256 if full else case["W"])


def _describe(size: int) -> list[str]:
    """Summarise tiles_for_size like the vector file does."""
    lines = []
    tiles = tiles_for_size(size)
    for level in sorted({t.level for t in tiles}):
        at = [t for t in tiles if t.level == level]
        full = [t for t in at if t.width == 256]
        if full:
            lines.append(
                f"level {level}: {len(full)} full tiles "
                f"{tile_path(level, full[0].index)}..{full[-1].path.rsplit('/', 1)[-1]}"
            )
        lines += [f"level {level}: partial {t.path}" for t in at if t.width < 256]
    return lines


def test_tree_size_to_tiles_vectors() -> None:
    for size, expected in path_vectors()["tree_size_to_tiles"].items():
        if size.startswith("_"):
            continue
        assert _describe(int(size)) == expected, size


def test_tiles_for_size_counts() -> None:
    assert tiles_for_size(0) == []
    tiles = tiles_for_size(70000)
    assert len(tiles) == 273 + 1 + 1 + 1 + 1
    assert Tile(1, 1, 17) in tiles


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0001",
        "tile/0/x000/001",
        "tile/00/000",
        "tile/64/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/016",
        "tile/entries/000.p/",
        "tile/-1/000",
        "tile/data/000",
        "tile/0/000/",
        "/tile/0/000",
        "tile/0/x001",
    ],
)
def test_parse_rejects_non_canonical_paths(path: str) -> None:
    with pytest.raises(FormatError):
        parse_tile_path(path)


def test_tile_validation() -> None:
    with pytest.raises(ValueError, match="level"):
        Tile(64, 0)
    with pytest.raises(ValueError, match="negative"):
        Tile(0, -1)
    with pytest.raises(ValueError, match="width"):
        Tile(0, 0, 0)
    with pytest.raises(ValueError, match="entries_path"):
        tile_path(-1, 0)
    with pytest.raises(ValueError, match="not in a tree"):
        entries_path_for_entry(5, 5)
    assert Tile(-1, 3, 7).path == entries_path(3, 7) == "tile/entries/003.p/7"


def test_new_tiles() -> None:
    assert new_tiles(0, 0) == []
    assert new_tiles(5, 5) == []
    assert new_tiles(0, 3) == [Tile(0, 0, 3)]
    assert new_tiles(3, 258) == [Tile(0, 0, 256), Tile(0, 1, 2), Tile(1, 0, 1)]
    assert new_tiles(256, 257) == [Tile(0, 1, 1)]
    assert new_tiles(0, 70000) == tiles_for_size(70000)
    with pytest.raises(ValueError, match="cannot grow"):
        new_tiles(5, 4)


def test_encodings() -> None:
    hashes = [leaf_hash(b"%d" % i) for i in range(3)]
    data = encode_tile(hashes)
    assert decode_tile(data) == hashes
    assert decode_tile(data, 3) == hashes
    with pytest.raises(FormatError, match="expected 4"):
        decode_tile(data, 4)
    with pytest.raises(FormatError, match="not a multiple"):
        decode_tile(data[:-1])
    with pytest.raises(ValueError, match="not 32"):
        encode_tile([b"x"])
    entries = [b"", b"one", bytes(300), bytes(0xFFFF)]
    bundle = encode_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x03o"
    assert decode_bundle(bundle) == entries
    assert decode_bundle(b"") == []
    with pytest.raises(FormatError, match="in a length prefix"):
        decode_bundle(b"\x00\x01a\x00")
    with pytest.raises(FormatError, match="in an entry"):
        decode_bundle(b"\x00\x05abc")
    with pytest.raises(ValueError, match="uint16"):
        encode_bundle([bytes(0x10000)])


@functools.cache
def _store(n: int) -> MemoryHashStore:
    # Cached: tests only read it (the served dicts below are fresh copies).
    store = MemoryHashStore()
    for i in range(n):
        store.append(b"entry %d" % i)
    return store


def _served(store: MemoryHashStore) -> dict[tuple[int, int, int], bytes]:
    return dict(_served_cached(store))


@functools.cache
def _served_cached(store: MemoryHashStore) -> dict[tuple[int, int, int], bytes]:
    return {
        (t.level, t.index, t.width): read_tile_data(t, store) for t in tiles_for_size(store.size)
    }


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 1000, 65536 + 300])
def test_tile_hash_reader_reads_every_stored_hash(size: int) -> None:
    store = _store(size)
    served = _served(store)
    fetched: list[tuple[int, int, int]] = []

    def fetch(level: int, index: int, width: int) -> bytes:
        fetched.append((level, index, width))
        return served[(level, index, width)]

    reader = TileHashReader(size, tree_hash(size, store), fetch)
    indexes = list(range(stored_hash_count(size)))
    if size > 2000:
        indexes = indexes[:300] + indexes[-300:]
    complete = [
        i for i in indexes if tile_for_stored_hash_ok(i, size)
    ]  # hashes of subtrees that are complete in this tree
    assert reader.read_hashes(complete) == store.read_hashes(complete)
    assert len(fetched) == len(set(fetched))  # every tile fetched once
    assert tree_hash(size, reader) == tree_hash(size, store)
    assert prove_inclusion(size, size - 1, reader) == prove_inclusion(size, size - 1, store)
    assert prove_consistency(1, size, reader) == prove_consistency(1, size, store)
    # Only canonical tiles of this tree are ever requested.
    assert {Tile(*k) for k in fetched} <= set(tiles_for_size(size))
    assert set(tiles_for_indexes(complete, size)) <= {Tile(*k) for k in fetched}


def tile_for_stored_hash_ok(index: int, size: int) -> bool:
    try:
        tile_for_stored_hash(index, size)
    except ProofError:
        return False
    return True


def test_tile_for_stored_hash() -> None:
    # Hash (9, 0) spans leaves 0..511: computed from tile/1/000 (width 2 at size 600).
    from tuidang.ledger.hashes import stored_hash_index

    assert tile_for_stored_hash(stored_hash_index(9, 0), 600) == Tile(1, 0, 2)
    assert tile_for_stored_hash(stored_hash_index(0, 300), 600) == Tile(0, 1, 256)
    assert tile_for_stored_hash(stored_hash_index(0, 599), 600) == Tile(0, 2, 88)
    with pytest.raises(ProofError, match=r"hash \(0, 600\) is not in a tree of size 600"):
        tile_for_stored_hash(stored_hash_index(0, 600), 600)


def _tamper(served: dict[tuple[int, int, int], bytes], key: tuple[int, int, int]) -> None:
    data = bytearray(served[key])
    data[5] ^= 1
    served[key] = bytes(data)


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ((0, 0, 256), "tile/0/000: hash mismatch"),
        ((0, 255, 256), "tile/0/255: hash mismatch"),
        ((1, 0, 256), "tile/1/000: hash mismatch"),
        ((0, 257, 44), "tile/0/257.p/44"),
        ((1, 1, 1), "tile/1/001.p/1"),
    ],
)
def test_tile_hash_reader_rejects_tampered_tiles(key: tuple[int, int, int], path: str) -> None:
    size = 65536 + 256 + 44
    store = _store(size)
    served = _served(store)
    _tamper(served, key)
    reader = TileHashReader(size, tree_hash(size, store), lambda *k: served[k])
    level, index, _ = key
    from tuidang.ledger.hashes import stored_hash_index

    with pytest.raises(TileError, match=path.replace(".", r"\.")) as err:
        reader.read_hashes([stored_hash_index(8 * level, index * 256)])
    assert path.split(":")[0] in err.value.path


def test_tile_hash_reader_other_failures() -> None:
    store = _store(300)
    served = _served(store)
    root = tree_hash(300, store)
    short = dict(served)
    short[(0, 0, 256)] = served[(0, 0, 256)][:-32]
    with pytest.raises(TileError, match="tile/0/000: tile is 8160 bytes long, expected 8192"):
        TileHashReader(300, root, lambda *k: short[k]).read_hashes([0])
    reader = TileHashReader(300, leaf_hash(b"not the root"), lambda *k: served[k])
    with pytest.raises(TileError, match=r"tile/0/001.p/44, tile/1/000.p/1: hash mismatch"):
        reader.read_hashes([0])
    reader = TileHashReader(300, root, lambda *k: served[k])
    with pytest.raises(ProofError, match=r"tile/0/001.p/43 is not a tile of a tree of size 300"):
        reader.tile_data(Tile(0, 1, 43))
    with pytest.raises(ProofError, match="not a tile"):
        reader.tile_data(Tile(-1, 0, 256))
    with pytest.raises(ValueError, match="non-negative"):
        TileHashReader(-1, root, lambda *k: b"")
    empty = TileHashReader(0, tree_hash(0, store), lambda *k: b"")
    assert tree_hash(0, empty) == tree_hash(0, store)
    with pytest.raises(TileError, match=r"\(no tiles\): hash mismatch"):
        TileHashReader(0, root, lambda *k: b"")._verify_right_edge()


def test_forget_keeps_the_right_edge() -> None:
    store = _store(600)
    served = _served(store)
    calls: list[tuple[int, ...]] = []

    def fetch(*k: int) -> bytes:
        calls.append(k)
        return served[k]  # type: ignore[index]

    reader = TileHashReader(600, tree_hash(600, store), fetch)
    reader.read_hashes([0])
    reader.forget(1)
    reader.read_hashes([0])
    assert calls.count((0, 0, 256)) == 2
    assert calls.count((1, 0, 2)) == 1  # edge tiles are never forgotten
    with pytest.raises(ValueError, match="entry bundles"):
        read_tile_data(Tile(-1, 0), store)
