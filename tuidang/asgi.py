"""The ASGI application ``tuidang serve`` runs: Django behind ``BodyGuard``.

The guard reads each request's body in full (within its limit and time) before Django sees the
request, so a client that sends slowly holds a coroutine, never the thread that runs views.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuidang.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402 - after Django is set up

from tuidang.bodylimit import BodyGuard  # noqa: E402


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


application = ForwardedProto(BodyGuard(django_application))
