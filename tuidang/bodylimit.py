"""Request bodies are refused from their headers, before a byte of them is read or spooled.

A request may carry at most ``settings.MAX_BODY_BYTES`` (``TUIDANG_MAX_BODY_BYTES``), except on
the few upload paths in ``upload_paths()`` (the staff CSV import), which have their own limit,
``settings.UPLOAD_MAX_BODY_BYTES``, and a case's evidence upload page (twice
``settings.CASES_EVIDENCE_MAX_BYTES``). Only those upload paths accept ``multipart/form-data``: the
public forms and the JSON API answer 415 to it. A refusal is a short plain-text message in the
request's language with ``Connection: close``.

The rule is applied in two places, from the same function ``refusal``:

- ``BodyGuard`` wraps the ASGI application that ``tuidang serve`` runs. It answers a refused
  request without reading its body, counts the bytes of a body sent without a length
  (chunked) and refuses it as soon as it passes the limit, and gives every body
  ``BODY_TIMEOUT_SECONDS`` to arrive in full. Only then does Django see the request, with the
  whole body in memory: a slow client costs a coroutine, never a worker's thread.
- ``BodyLimitMiddleware``, early in ``MIDDLEWARE``, does the header checks for WSGI servers and
  the test client (Django reads a WSGI body lazily, so nothing has been read when it runs).
"""

import asyncio
import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

# A body has this long to arrive in full once its headers are in (HTTP 408 after that).
BODY_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


@functools.cache
def upload_paths() -> frozenset[str]:
    """The paths, in every language, that accept a multipart file upload (the staff import)."""
    paths = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths.add(reverse("declarations-import"))
    return frozenset(paths)


def one_click_unsubscribe(path: str) -> bool:
    """RFC 8058 lets a mail provider POST its one-click unsubscribe as multipart/form-data; the
    view reads nothing of the body, which keeps the ordinary size limit."""
    parts = path.strip("/").split("/")
    return len(parts) == 5 and parts[1:3] == ["follow", "unsubscribe"]


# The Wagtail admin (editors only, tuidang.newsroom.middleware) posts multipart forms throughout:
# page edits and image uploads. Its requests get the upload limit; nobody else reaches it.
CMS_PREFIX = "/cms/"


# A case's evidence upload page (staff only, tuidang.cases.views_records): its own limit, twice
# the largest file a case accepts, so that a file a little too large is refused on the form.
EVIDENCE_PATH = re.compile(r"/[a-z-]+/cases/[0-9]+/evidence/")


def is_evidence_path(path: str) -> bool:
    return EVIDENCE_PATH.fullmatch(path) is not None


def is_upload_path(path: str) -> bool:
    return path in upload_paths() or path.startswith(CMS_PREFIX) or is_evidence_path(path)


def limit_for(path: str) -> int:
    if is_evidence_path(path):
        return 2 * settings.CASES_EVIDENCE_MAX_BYTES + 64 * 1024
    return settings.UPLOAD_MAX_BODY_BYTES if is_upload_path(path) else settings.MAX_BODY_BYTES


def language_for(path: str, accept_language: str) -> str:
    """The request's language: its URL prefix, else its Accept-Language, else the default."""
    language = translation.get_language_from_path(path)
    if language:
        return language
    for code, _quality in trans_real.parse_accept_lang_header(accept_language):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MB"
    return f"{max(1, limit // 1024)} KB"


def refusal(path: str, content_type: str, content_length: str, language: str) -> Refusal | None:
    """Why a request with these headers is refused before its body is read, or None."""
    with translation.override(language):
        multipart = content_type.split(";")[0].strip().lower() == "multipart/form-data"
        if multipart and not is_upload_path(path) and not one_click_unsubscribe(path):
            return Refusal(415, _("This form does not accept file uploads."))
        if content_length:
            try:
                length = int(content_length)
            except ValueError:
                return Refusal(400, _("The request's length is not a number."))
            if length > limit_for(path):
                return too_large(path, language)
    return None


def too_large(path: str, language: str) -> Refusal:
    with translation.override(language):
        return Refusal(
            413,
            _("This request is too large: at most %(size)s can be sent at once.")
            % {"size": _size(limit_for(path))},
        )


def timed_out(language: str) -> Refusal:
    with translation.override(language):
        return Refusal(408, _("The request took too long to arrive. Please send it again."))


class BodyLimitMiddleware:
    """The header checks of ``refusal`` for requests Django reads itself (WSGI, test client)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        refused = refusal(
            request.path_info,
            meta.get("CONTENT_TYPE", ""),
            meta.get("CONTENT_LENGTH", ""),
            language_for(request.path_info, meta.get("HTTP_ACCEPT_LANGUAGE", "")),
        )
        if refused is None:
            return self.get_response(request)
        response = HttpResponse(
            refused.message + "\n",
            status=refused.status,
            content_type="text/plain; charset=utf-8",
        )
        response["Connection"] = "close"
        return response


class BodyGuard:
    """ASGI wrapper: the whole body, within its limit and time, before the application runs."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {}
        for name, value in scope["headers"]:
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        path = scope["path"]
        language = language_for(path, headers.get("accept-language", ""))
        refused = refusal(
            path, headers.get("content-type", ""), headers.get("content-length", ""), language
        )
        if refused is not None:
            return await self._refuse(send, refused)
        try:
            body = await asyncio.wait_for(
                self._read_body(receive, limit_for(path)), BODY_TIMEOUT_SECONDS
            )
        except TimeoutError:
            return await self._refuse(send, timed_out(language))
        if body is None:  # over the limit (a body sent without a length)
            return await self._refuse(send, too_large(path, language))
        if body is False:  # the client left
            return None

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    async def _read_body(receive, limit: int) -> bytes | bool | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _refuse(send, refused: Refusal) -> None:
        body = (refused.message + "\n").encode()
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
