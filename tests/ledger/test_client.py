"""The auditor's walk over generated in-memory tiled logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuidang.ledger import (
    Checkpoint,
    LogClient,
    MemoryHashStore,
    TileError,
    caching_fetch,
    full_tile_fallback,
    sign,
    tiles_for_size,
    tree_hash,
)
from tuidang.ledger.errors import FormatError
from tuidang.ledger.tiles import Tile, read_tile_data, tile_prefix

from .ledgertest import build_log, make_signer

ORIGIN = "example.com/test-log"
SIGNER = make_signer(ORIGIN)


def entries(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


def client_for(files: dict[str, bytes], origin: str | None = ORIGIN) -> LogClient:
    return LogClient(files.__getitem__, [SIGNER.verifier()], origin=origin)


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 1000, 65536, 65536 + 256 * 3 + 7])
def test_walk_yields_every_entry(size: int) -> None:
    files = build_log(entries(size), SIGNER)
    client = client_for(files)
    checkpoint = client.checkpoint()
    assert checkpoint.size == size
    assert list(client.entries(checkpoint)) == list(enumerate(entries(size)))


def test_build_log_matches_stored_hash_tiles() -> None:
    # The test helper and the library's own tile writer agree byte for byte.
    store = MemoryHashStore()
    for e in entries(70000):
        store.append(e)
    files = build_log(entries(70000), SIGNER)
    for tile in tiles_for_size(70000):
        assert files[tile.path] == read_tile_data(tile, store)
    assert client_for(files).checkpoint().root_hash == tree_hash(70000, store)


def test_resume_from_any_index() -> None:
    files = build_log(entries(600), SIGNER)
    client = client_for(files)
    checkpoint = client.checkpoint()
    assert list(client.entries(checkpoint, start=300)) == list(enumerate(entries(600)))[300:]
    assert list(client.entries(checkpoint, start=600)) == []
    with pytest.raises(ValueError, match="start 601 is outside a tree of size 600"):
        list(client.entries(checkpoint, start=601))


def _flip(files: dict[str, bytes], path: str, offset: int = 5) -> None:
    data = bytearray(files[path])
    data[offset] ^= 1
    files[path] = bytes(data)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("tile/entries/001", "tile/entries/001: hash mismatch"),
        ("tile/entries/002.p/232", "tile/entries/002.p/232: hash mismatch"),
        ("tile/0/001", "tile/0/001: hash mismatch"),
        # A right-edge tile is checked against the root together with the
        # other edge tiles, so the error names all of them.
        ("tile/0/002.p/232", "tile/0/002.p/232, tile/1/000.p/2: hash mismatch"),
        ("tile/1/000.p/2", "tile/0/002.p/232, tile/1/000.p/2: hash mismatch"),
    ],
)
def test_tampering_is_reported_with_the_path(path: str, message: str) -> None:
    files = build_log(entries(744), SIGNER)
    _flip(files, path)
    client = client_for(files)
    with pytest.raises(TileError, match=message.replace(".", r"\.")):
        list(client.entries(client.checkpoint()))


def test_tampered_level_one_tile() -> None:
    files = build_log(entries(65536 + 10), SIGNER)
    _flip(files, "tile/1/000")
    client = client_for(files)
    with pytest.raises(TileError, match="tile/1/000: hash mismatch"):
        list(client.entries(client.checkpoint(), check_tiles=False))


def test_level_zero_tiles_can_be_skipped() -> None:
    files = build_log(entries(300), SIGNER)
    _flip(files, "tile/0/000")
    client = client_for(files)
    checkpoint = client.checkpoint()
    assert len(list(client.entries(checkpoint, check_tiles=False))) == 300
    with pytest.raises(TileError, match="tile/0/000: hash mismatch"):
        list(client.entries(checkpoint))


def test_bundle_failures() -> None:
    files = build_log(entries(300), SIGNER)
    files["tile/entries/000"] = files["tile/entries/000"][:-1]
    client = client_for(files)
    with pytest.raises(TileError, match="tile/entries/000: entry bundle truncated"):
        list(client.entries(client.checkpoint()))
    files = build_log(entries(300), SIGNER)
    files["tile/entries/001.p/44"] += b"\x00\x00"
    client = client_for(files)
    with pytest.raises(TileError, match=r"tile/entries/001.p/44: bundle holds 45 entries"):
        list(client.entries(client.checkpoint()))


def test_checkpoint_failures() -> None:
    files = build_log(entries(3), SIGNER)
    with pytest.raises(TileError, match=r"checkpoint: origin 'example.com/test-log' is not"):
        client_for(files, origin="example.com/other").checkpoint()
    other = make_signer(ORIGIN, seed=99)
    files["checkpoint"] = sign(Checkpoint(ORIGIN, 3, bytes(32)).format(), other)
    with pytest.raises(TileError, match="checkpoint: note has no signature from a trusted key"):
        client_for(files).checkpoint()
    files["checkpoint"] = sign("not a checkpoint\n", SIGNER)
    with pytest.raises(TileError, match="checkpoint: checkpoint has 1 lines"):
        client_for(files).checkpoint()
    # A well-signed checkpoint with the wrong root is caught by the walk.
    files = build_log(entries(3), SIGNER)
    files["checkpoint"] = sign(Checkpoint(ORIGIN, 3, bytes(32)).format(), SIGNER)
    client = client_for(files)
    with pytest.raises(TileError, match=r"tile/0/000.p/3: hash mismatch"):
        list(client.entries(client.checkpoint()))


def test_fetch_failures_name_the_path() -> None:
    files = build_log(entries(3), SIGNER)
    del files["tile/entries/000.p/3"]
    client = client_for(files)
    with pytest.raises(TileError, match=r"tile/entries/000.p/3: fetch failed"):
        list(client.entries(client.checkpoint()))


def test_caching_fetch(tmp_path: Path) -> None:
    files = build_log(entries(300), SIGNER)
    calls: list[str] = []

    def fetch(path: str) -> bytes:
        calls.append(path)
        return files[path]

    cached = caching_fetch(fetch, tmp_path)
    for _ in range(2):
        client = LogClient(cached, [SIGNER.verifier()])
        assert len(list(client.entries(client.checkpoint()))) == 300
    assert calls.count("checkpoint") == 2  # mutable: never cached
    assert calls.count("tile/entries/000") == 1
    assert (tmp_path / "tile" / "entries" / "000").read_bytes() == files["tile/entries/000"]
    assert not list(tmp_path.rglob(".tmp-*"))
    with pytest.raises(KeyError):
        cached("../escape")
    assert calls[-1] == "../escape"  # passed through, never touched the cache


def test_a_missing_partial_tile_is_cut_from_the_full_one() -> None:
    # A mirror of the log at 600 entries, read by a client that holds the checkpoint of 300:
    # the level-0 partial tile and bundle of the smaller tree are gone (tlog-tiles lets a log
    # delete them once the full ones exist), the full ones are there.
    old, new = build_log(entries(300), SIGNER), build_log(entries(600), SIGNER)
    files = {**new, "checkpoint": old["checkpoint"], "tile/1/000.p/1": old["tile/1/000.p/1"]}
    for path in ("tile/0/001.p/44", "tile/entries/001.p/44"):
        assert path in old and path not in files
    plain = client_for(files)
    with pytest.raises(TileError, match=r"tile/0/001\.p/44"):
        list(plain.entries(plain.checkpoint()))
    asked: list[str] = []

    def fetch(path: str) -> bytes:
        asked.append(path)
        return files[path]

    client = LogClient(full_tile_fallback(fetch), [SIGNER.verifier()], origin=ORIGIN)
    assert list(client.entries(client.checkpoint())) == list(enumerate(entries(300)))
    assert {"tile/0/001.p/44", "tile/0/001", "tile/entries/001.p/44", "tile/entries/001"} <= set(
        asked
    )


def test_the_fallback_gives_up_where_it_must() -> None:
    files = build_log(entries(300), SIGNER)
    fetch = full_tile_fallback(files.__getitem__)
    # The full tile is missing too: the partial one's error stands.
    del files["tile/0/001.p/44"]
    with pytest.raises(KeyError, match="tile/0/001"):
        fetch("tile/0/001.p/44")
    # Not a tile, or a full tile: nothing to cut from.
    for path in ("checkpoint", "tile/0/002"):
        files.pop(path, None)
        with pytest.raises(KeyError, match=path):
            fetch(path)

    # Only the errors named as "missing" fall back; anything else is raised unchanged.
    def broken(path: str) -> bytes:
        raise OSError("network down")

    with pytest.raises(OSError, match="network down"):
        full_tile_fallback(broken)("tile/0/001.p/44")


def test_tile_prefix_checks_what_it_cuts_from() -> None:
    files = build_log(entries(300), SIGNER)
    full_tile, full_bundle = files["tile/0/000"], files["tile/entries/000"]
    assert tile_prefix(Tile(0, 0, 10), full_tile) == full_tile[: 10 * 32]
    assert tile_prefix(Tile(-1, 0, 3), full_bundle) == b"".join(
        len(e).to_bytes(2, "big") + e for e in entries(3)
    )
    with pytest.raises(FormatError, match="fewer than 100"):
        tile_prefix(Tile(0, 1, 100), files["tile/0/001.p/44"])
    with pytest.raises(FormatError, match="fewer than 100"):
        tile_prefix(Tile(-1, 1, 100), files["tile/entries/001.p/44"])
