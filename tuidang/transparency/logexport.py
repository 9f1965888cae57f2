"""``tuidang log export DIR``: the whole log as static files, for mirrors and for verifiers.

The layout under DIR is the one the site serves, so any web server can host DIR as a mirror
and ``tuidang verify`` can read it like the live site::

    log/checkpoint                      the latest signed checkpoint
    log/tile/<L>/<N>[.p/<W>]            every hash tile of its tree (c2sp.org/tlog-tiles)
    log/tile/entries/<N>[.p/<W>]        every entry bundle
    log/checkpoints/<size>              every checkpoint ever signed
    api/v1/checkpoints                  the same, as the API's JSON (all pages in one)
    api/v1/tally                        the published tally, as the API serves it
    api/v1/statements/<YYYY-MM-DD>      each day's published statements (all pages in one),
                                        each with its leaf index and salt

The last two are the declarations app's (``declarations/export.py``): an app whose numbers
or texts are checked against the log writes them through its ``AppConfig.log_export``.

Files are written to a temporary name and renamed, so a mirror never serves half a file.
"""

import json
import os
import tempfile
from pathlib import Path

from django.apps import apps

from tuidang.ledger.tiles import ENTRIES_LEVEL, TILE_WIDTH, Tile, tiles_for_size
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint
from tuidang.transparency.views import _checkpoint_json


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode() + b"\n"


def export(directory: Path) -> dict:
    """Write the log and everything a verifier checks against it into ``directory``."""
    latest = Checkpoint.objects.latest_signed()
    if latest is None:
        raise RuntimeError("the log has no signed checkpoint yet; run `tuidang sequencer --once`")
    size = latest.size
    log = directory / "log"
    tiles = tiles_for_size(size)
    bundles = [
        Tile(ENTRIES_LEVEL, n, min(TILE_WIDTH, size - n * TILE_WIDTH))
        for n in range(-(-size // TILE_WIDTH))
    ]
    for tile in [*tiles, *bundles]:
        data = logstore.read_tile(tile, size)
        if data is None:
            raise RuntimeError(f"{tile.path} is missing from the log's storage")
        _write(log / tile.path, data)
    history = list(Checkpoint.objects.all())
    for checkpoint in history:
        _write(log / "checkpoints" / str(checkpoint.size), checkpoint.note.encode())
    _write(
        directory / "api" / "v1" / "checkpoints",
        _json(
            {
                "page": 1,
                "pages": 1,
                "count": len(history),
                "next": None,
                "previous": None,
                "results": [_checkpoint_json(c) for c in history],
            }
        ),
    )
    # What other apps check against the log (the tally, each day's statements): each app's
    # AppConfig.log_export(directory, write) writes its files and returns what it wrote.
    written: dict[str, int] = {}
    for config in apps.get_app_configs():
        if hook := getattr(config, "log_export", None):
            written.update(hook(directory, _write))
    # Last, so a mirror that copies DIR while this runs never has a checkpoint without tiles.
    _write(log / "checkpoint", latest.note.encode())
    return {
        "size": size,
        "tiles": len(tiles),
        "bundles": len(bundles),
        "checkpoints": len(history),
        **written,
    }
