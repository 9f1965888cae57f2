"""Pages are gzipped, except those an attacker could read through their compressed length.

Static files are not compressed here: ``tuidang serve`` collects them with a ``.gz`` (and,
with the ``brotli`` package, a ``.br``) copy of each, which WhiteNoise sends, and WhiteNoise
answers before this middleware sees the request.

BREACH: an attacker who can make a victim's browser send requests, and who sees the size of
the encrypted answers on the network, learns a secret in a compressed page byte by byte when
the page also reflects something the attacker chose. So a page is compressed only when it
holds no secret beside attacker-chosen input:

- GET and HEAD only. The answers to POSTs (the thanks page with its receipt code, the receipt
  page with its code, every form shown again with what was typed, the API's receipt codes)
  reflect what the visitor typed next to what belongs to them.
- Never to a signed-in user: staff pages show declarants' data and contacts.

The CSRF token on public GET forms is no such secret: Django masks it afresh in every
response, and its ``GZipMiddleware`` pads every answer with random bytes (Heal the BREACH).
docs/deploy.md says the same for operators.
"""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_METHODS = frozenset({"GET", "HEAD"})


def may_compress(request: HttpRequest) -> bool:
    """Whether the answer to ``request`` may be compressed (see the module docstring)."""
    if request.method not in COMPRESSED_METHODS:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class PageCompressionMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not may_compress(request):
            return response
        return super().process_response(request, response)
