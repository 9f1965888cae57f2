"""Privacy rule 1: no client address, user agent or other network identifier is kept.

``PrivacyMiddleware`` runs first. It turns the client's address into ``request.client_key``,
an HMAC under a secret that changes every day and lives only in the cache, then blanks the
address, the user agent and every forwarding header in ``request.META``. Nothing later in the
request (views, the database, error reports, logs) can store what it never sees.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

IDENTIFYING_HEADERS = (
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_VIA",
    "HTTP_REFERER",
)


def daily_secret() -> bytes:
    """Today's HMAC key. Kept in the cache only, for two days at most, never on disk."""
    key = f"privacy:secret:{timezone.now().date().isoformat()}"
    value = cache.get(key)
    if value is None:
        cache.add(key, secrets.token_bytes(32), timeout=2 * 86400)
        value = cache.get(key)
    return value


def client_key(address: str) -> str:
    """A keyed hash of a client address; the same client maps to the same key until midnight."""
    return hmac.new(daily_secret(), address.encode(), hashlib.sha256).hexdigest()[:32]


def client_address(meta) -> str:
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        # Behind a reverse proxy: the last address the proxy appended is the client's.
        forwarded = meta.get(header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return meta.get("REMOTE_ADDR", "")


class PrivacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_key = client_key(client_address(request.META))
        request.META["REMOTE_ADDR"] = "0.0.0.0"  # noqa: S104 - a blank, not a bind address
        for header in IDENTIFYING_HEADERS:
            request.META.pop(header, None)
        if settings.CLIENT_ADDRESS_HEADER:
            request.META.pop(settings.CLIENT_ADDRESS_HEADER, None)
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
