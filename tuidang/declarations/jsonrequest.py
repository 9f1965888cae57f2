"""Reading a JSON request body without ever answering with Django's HTML error pages.

Partners call the API from scripts and apps; every way a body can be wrong (wrong content type,
too big, not UTF-8, control characters, not JSON, a key repeated in an object, lone
surrogates) ends in ``BadBody``, which the view turns into a JSON error with a message in the
request's language.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

# Raw control characters are never valid inside JSON strings, and between tokens only tab,
# line feed and carriage return are allowed; naming them gives a clearer message than the
# parser's "Invalid control character at...".
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RepeatedKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of repeated keys, so {"name": "", "name": "x"} would be checked
    # as "x" by one reader and taken as "" by another: refuse it.
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise RepeatedKey(key)
        obj[key] = value
    return obj


class BadBody(Exception):
    """The body cannot be read as a JSON document; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(errors: dict[str, list[str]], status: int, **headers: str) -> JsonResponse:
    response = JsonResponse(
        {"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def read_json(request: HttpRequest) -> Any:
    """The request's body parsed as JSON, or ``BadBody``."""
    return parse_json(read_body(request))


def read_body(request: HttpRequest) -> bytes:
    """The request's body if its content type, charset and size are right, else ``BadBody``."""
    if request.content_type != "application/json":
        raise BadBody(
            415, _("Send the body as JSON, with the header Content-Type: application/json.")
        )
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if charset not in {"utf-8", "utf8"}:
        raise BadBody(415, _("Send the body encoded as UTF-8."))
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    too_big = BadBody(413, _("The body is too large: at most %(limit)d bytes.") % {"limit": limit})
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if limit is not None and declared > limit:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if limit is not None and len(body) > limit:
        raise too_big
    return body


def parse_json(body: bytes) -> Any:
    """``body`` parsed as JSON, or ``BadBody`` saying what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody(
            400,
            _("The body is not valid UTF-8 (at byte %(position)d).") % {"position": error.start},
        ) from None
    if RAW_CONTROL.search(text):
        raise BadBody(400, _("The body contains control characters. Remove them."))
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except RepeatedKey as repeated:
        raise BadBody(
            400,
            _("The key “%(key)s” appears more than once in one object. Send it once.")
            # A key can be as long as the body: name enough of it to find it.
            % {"key": repeated.key if len(repeated.key) <= 40 else repeated.key[:40] + "…"},
        ) from None
    except json.JSONDecodeError as error:
        raise BadBody(
            400,
            _("The body is not valid JSON (line %(line)d, column %(column)d).")
            % {"line": error.lineno, "column": error.colno},
        ) from None
    except (RecursionError, ValueError):
        raise BadBody(400, _("The body is not valid JSON.")) from None
    try:
        # "\ud800" is well-formed JSON but decodes to a string no database can store.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadBody(
            400, _("The body contains invalid Unicode (an unpaired surrogate).")
        ) from None
    except RecursionError:
        raise BadBody(400, _("The body is not valid JSON.")) from None
    return data


def _reject_constant(name: str) -> None:
    # NaN and Infinity are JavaScript, not JSON.
    raise ValueError(name)
