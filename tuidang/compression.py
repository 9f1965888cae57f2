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

One POST answer is compressed all the same, because it is large and holds no secret an
attacker could reach: the declaration form shown again (after an error, or "add a person"
without JavaScript), which carries the ~250 regions once per person (109 KB for ten people
uncompressed, a few KB gzipped, over a slow VPN). An attacker cannot put anything of theirs in
it: a cross-site POST fails Django's CSRF check before anything is rendered, and the only token
in the page is masked afresh in every answer. What it reflects is what the declarant typed,
whose length shows on the wire compressed or not. The view marks it with ``compress_anyway``;
the thanks page (the receipt code) and the receipt page never are.

The CSRF token on public GET forms is no such secret: Django masks it afresh in every
response, and its ``GZipMiddleware`` pads every answer with random bytes (Heal the BREACH).
docs/deploy.md says the same for operators.
"""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

COMPRESSED_METHODS = frozenset({"GET", "HEAD"})


def compress_anyway(response: HttpResponseBase) -> HttpResponseBase:
    """Marks the answer to a POST that holds no secret beside attacker-chosen input (see the
    module docstring) as one to compress all the same."""
    response.compress_anyway = True  # type: ignore[attr-defined]
    return response


def may_compress(request: HttpRequest, response: HttpResponseBase | None = None) -> bool:
    """Whether the answer to ``request`` may be compressed (see the module docstring)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    if request.method in COMPRESSED_METHODS:
        return True
    return getattr(response, "compress_anyway", False)


class PageCompressionMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not may_compress(request, response):
            return response
        return super().process_response(request, response)
