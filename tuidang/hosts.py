"""The Host header: required under HTTP/1.1, and an unknown one logged once, without a traceback.

Django answers a request without ``Host`` as if it had named ``SERVER_NAME`` (the address the
server listens on, which is an allowed host), so ``GET / HTTP/1.1`` with no ``Host`` got a page;
RFC 9112 (section 3.2) says a server must answer it 400. ``RequireHostMiddleware`` does.

A request naming a host not in ``ALLOWED_HOSTS`` is Django's ``DisallowedHost``, which it logs
at ERROR with a traceback on the ``django.security.DisallowedHost`` logger: scanners send
thousands, and the log fills with tracebacks that hide real errors. ``UnknownHostOnce`` (a
filter on that logger, see settings.LOGGING) turns each into one WARNING line and lets each
host through once per process.
"""

import logging
import threading

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _


class RequireHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_HOST" not in request.META and request.META.get("SERVER_PROTOCOL") == "HTTP/1.1":
            language = translation.get_language_from_request(request)
            with translation.override(language):
                message = _("This request has no Host header, which HTTP/1.1 requires.")
            return HttpResponse(
                message + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
                headers={"Content-Language": language},
            )
        return self.get_response(request)


class UnknownHostOnce(logging.Filter):
    """Each unknown host once per process, as one WARNING line without traceback.

    ``LIMIT`` and ``KEY_LENGTH`` bound the memory (a Host header can be kilobytes long): a
    scanner sending a different host each time is logged again once that many were seen.
    """

    LIMIT = 1024
    KEY_LENGTH = 200

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        message = record.getMessage()[: self.KEY_LENGTH]
        with self._lock:
            if message in self._seen:
                return False
            if len(self._seen) >= self.LIMIT:
                self._seen.clear()
            self._seen.add(message)
        return True
