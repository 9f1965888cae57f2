"""The declarations' part of ``tuidang log export``: the tally and every day's statements,
as the API serves them, each statement with its leaf index and salt so that a verifier can
open its entry's commitment. Called through ``DeclarationsConfig.log_export``."""

import json
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from tuidang.declarations.models import Person
from tuidang.declarations.views import api
from tuidang.declarations.views.statements import statements_of


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


def export(directory: Path, write: Callable[[Path, bytes], None]) -> dict[str, int]:
    """Write ``api/v1/tally`` and ``api/v1/statements/<day>`` under ``directory``."""
    write(directory / "api" / "v1" / "tally", _json(_get(api.tally, "/api/v1/tally")))
    days = sorted(
        Person.objects.published()
        .order_by()
        .values_list("submission__declared_on", flat=True)
        .distinct()
    )
    for day in days:
        write(
            directory / "api" / "v1" / "statements" / day.isoformat(),
            _json(_statements_of_day(day)),
        )
    return {"days": len(days)}
