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

Files are written to a temporary name and renamed, so a mirror never serves half a file.
"""

import json
import os
import tempfile
from base64 import b64encode
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from tuidang.declarations import logstore
from tuidang.declarations.logstore import Checkpoint
from tuidang.declarations.models import Person
from tuidang.declarations.views import api
from tuidang.declarations.views.log import _checkpoint_json
from tuidang.declarations.views.statements import statements_of
from tuidang.ledger.tiles import ENTRIES_LEVEL, TILE_WIDTH, Tile, tiles_for_size


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode() + b"\n"


def _get(view, path: str, **params) -> dict:
    """Call an open-data view the way a client would, so the export has the API's exact shape."""
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".")
    request = RequestFactory().get(path, params, SERVER_NAME=host if host != "*" else "localhost")
    response = view(request)
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params} answered {response.status_code}")
    return json.loads(response.content)


def _statements_of_day(day) -> dict:
    first = _get(api.statements, "/api/v1/statements", date=day.isoformat())
    results = list(first["results"])
    for page in range(2, first["pages"] + 1):
        results += _get(api.statements, "/api/v1/statements", date=day.isoformat(), page=page)[
            "results"
        ]
    # The verifier needs to find each statement's entry and open its commitment.
    people = list(statements_of(day).values_list("name", "leaf_index", "salt"))
    for row, (name, leaf_index, salt) in zip(results, people, strict=True):
        if row["alias"] != name:
            raise RuntimeError(f"statements of {day} changed during the export; run it again")
        row["leaf_index"] = leaf_index
        row["salt"] = b64encode(bytes(salt)).decode("ascii") if salt is not None else None
    return {**first, "page": 1, "pages": 1, "next": None, "previous": None, "results": results}


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
    _write(directory / "api" / "v1" / "tally", _json(_get(api.tally, "/api/v1/tally")))
    days = sorted(
        Person.objects.published()
        .order_by()
        .values_list("submission__declared_on", flat=True)
        .distinct()
    )
    for day in days:
        _write(
            directory / "api" / "v1" / "statements" / day.isoformat(),
            _json(_statements_of_day(day)),
        )
    # Last, so a mirror that copies DIR while this runs never has a checkpoint without tiles.
    _write(log / "checkpoint", latest.note.encode())
    return {
        "size": size,
        "tiles": len(tiles),
        "bundles": len(bundles),
        "checkpoints": len(history),
        "days": len(days),
    }
