"""The ASGI application ``tuidang serve`` runs: Django behind ``BodyGuard``.

The guard reads each request's body in full (within its limit and time) before Django sees the
request, so a client that sends slowly holds a coroutine, never the thread that runs views.

Django then runs as the WSGI application it is, through ``WsgiBridge``: one hand-off to the
worker's one view thread per request, where the whole request (middleware, view, response,
``request_finished``) runs as it would under a WSGI server. Django's own ASGI handler hands each
request between the event loop and that thread several times (signals, the view, closing the
response) and costs a declaration about twice the CPU (bench/RESULTS.md, "WSGI bridge").
"""

import asyncio
import io
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
django_wsgi_application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up

from tuidang.bodylimit import BodyGuard  # noqa: E402


def wsgi_environ(scope, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP ``scope`` whose whole ``body`` is in hand."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        # WSGI carries the path as latin-1 text of its UTF-8 bytes; Django decodes it back.
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": client[0],
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with ``settings.API_INTAKE_MIDDLEWARE`` instead of the whole list.

    ``POST /api/v1/declarations`` is the one path where thousands of anonymous calls a second
    are expected; a quarter of its CPU went to middleware it has no use for (bench/RESULTS.md,
    "Web CPU per declaration"). Django builds its middleware chain from ``settings.MIDDLEWARE``
    alone, so the list is swapped for the moment the chain is built, once, at start-up.
    """

    def load_middleware(self, is_async=False):
        everything = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_INTAKE_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = everything


class WsgiBridge:
    """ASGI → Django's WSGI handler, in one thread per worker process, one hop per request.

    One thread, as a gunicorn sync worker had: the database connection stays with it between
    requests, and requests in one process never wait on each other's locks. The response is
    gathered whole in that thread (Django's ASGI handler gathers a synchronous streaming
    response whole too) and sent from the event loop.
    """

    def __init__(self, app, routes: dict | None = None):
        self.app = app
        # Exact paths answered by another WSGI application (the API intake's LeanHandler).
        self.routes = routes or {}
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="django")

    def run(self, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        started: list = []
        app = self.routes.get(environ["PATH_INFO"], self.app)

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]

        result = app(environ, start_response)
        try:
            chunks = [bytes(chunk) for chunk in result if chunk]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return (
            int(status.split(" ", 1)[0]),
            [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
            chunks,
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return None
        message = await receive()  # BodyGuard replays the whole body as one message
        environ = wsgi_environ(scope, message.get("body", b""))
        loop = asyncio.get_running_loop()
        status, headers, chunks = await loop.run_in_executor(self.thread, self.run, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})
        return None


class ForwardedProto:
    """``X-Forwarded-Proto: https`` from a trusted reverse proxy makes the request HTTPS.

    Trusted are the addresses in ``FORWARDED_ALLOW_IPS`` (default: this machine), as gunicorn
    did; from anyone else the header is ignored, so a client cannot claim HTTPS.
    """

    def __init__(self, app):
        self.app = app
        self.trusted = set(settings.FORWARDED_ALLOW_IPS)

    async def __call__(self, scope, receive, send):
        client = scope.get("client") if scope["type"] == "http" else None
        if client and ("*" in self.trusted or client[0] in self.trusted):
            for name, value in scope["headers"]:
                if name == b"x-forwarded-proto":
                    if value.strip().lower() == b"https":
                        scope = {**scope, "scheme": "https"}
                    break
        return await self.app(scope, receive, send)


application = ForwardedProto(
    BodyGuard(WsgiBridge(django_wsgi_application, routes={settings.API_INTAKE_PATH: LeanHandler()}))
)
