"""The transparency log, served: tiles and checkpoints for tlog clients, pages and API for people.

``/log/checkpoint`` and ``/log/tile/...`` follow c2sp.org/tlog-tiles, so any tlog client can
read the log. Everything is served for the tree of the latest signed checkpoint, never for a
tree the sequencer has stored but not yet signed, so what a client fetches always matches the
checkpoint it fetched first.
"""

from base64 import b64encode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tuidang import params
from tuidang.ledger import FormatError, format_proof, parse_tile_path
from tuidang.ledger.tree import prove_consistency, prove_inclusion
from tuidang.opendata import error, open_data
from tuidang.transparency import batches, logstore, witnessing
from tuidang.transparency.logstore import Checkpoint

CHECKPOINT_MAX_AGE = 5
PARTIAL_TILE_MAX_AGE = 5
IMMUTABLE_MAX_AGE = 31536000
API_MAX_AGE = 5
CHECKPOINTS_PER_PAGE = 50
_JSON = {"ensure_ascii": False}


def _latest() -> Checkpoint | None:
    return Checkpoint.objects.latest_signed()


def _text(body: str | bytes, max_age: int) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=max_age)
    return response


# --- c2sp.org/tlog-tiles ------------------------------------------------------------------


@require_safe
def checkpoint(request):
    latest = witnessing.latest_note()
    if latest is None:
        raise Http404("The log has no checkpoint yet.")
    # With the witnesses' cosignatures, so clients can check it was witnessed (witnessing.py).
    response = _text(latest[1], CHECKPOINT_MAX_AGE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def tile(request, path: str):
    try:
        wanted = parse_tile_path(f"tile/{path}")
    except FormatError:
        raise Http404("No such tile.") from None
    latest = _latest()
    data = logstore.read_tile(wanted, latest.size) if latest else None
    if data is None:
        raise Http404("No such tile in the current tree.")
    response = HttpResponse(data, content_type="application/octet-stream")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if wanted.width == 256:
        patch_cache_control(response, public=True, max_age=IMMUTABLE_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=PARTIAL_TILE_MAX_AGE)
    return response


# --- Pages ----------------------------------------------------------------------------------


@require_safe
def log_page(request):
    site = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "transparency/log.html",
        {
            "checkpoint": _latest(),
            "every": batches.expected().every,
            "vkeys": logstore.vkeys(),
            "origin": settings.LOG_ORIGIN,
            "site": site,
            "log_url": request.build_absolute_uri(reverse("log-checkpoint")).removesuffix(
                "checkpoint"
            ),
        },
    )


def _page_number(request) -> int | None:
    return params.whole_number(request.GET.get("page", "").strip() or "1", minimum=1)


@require_safe
def checkpoints_page(request):
    # A page number that is not one (a mangled link) shows the first page.
    number = _page_number(request) or 1
    paginator = Paginator(Checkpoint.objects.all(), CHECKPOINTS_PER_PAGE)
    if number > paginator.num_pages:
        raise Http404(_("There is no such page."))
    return render(request, "transparency/log_checkpoints.html", {"page": paginator.page(number)})


# --- API ------------------------------------------------------------------------------------


def _checkpoint_json(checkpoint: Checkpoint) -> dict:
    return {
        "size": checkpoint.size,
        "root": checkpoint.root_b64,
        # The batch's boundary, never the moment of signing (batches.py).
        "batch_time": checkpoint.batch_time.isoformat(),
        "checkpoint": checkpoint.note,
    }


@open_data
def checkpoints_api(request):
    number = _page_number(request)
    if number is None:
        return error("page", _("The page must be a whole number from 1."))
    paginator = Paginator(Checkpoint.objects.all(), CHECKPOINTS_PER_PAGE)
    if number > paginator.num_pages:
        return error("page", _("There is no such page."), status=404)
    page = paginator.page(number)

    def link(n: int | None) -> str | None:
        if n is None:
            return None
        return request.build_absolute_uri(f"{reverse('api-checkpoints')}?{urlencode({'page': n})}")

    response = JsonResponse(
        {
            "page": page.number,
            "pages": paginator.num_pages,
            "count": paginator.count,
            "next": link(page.next_page_number() if page.has_next() else None),
            "previous": link(page.previous_page_number() if page.has_previous() else None),
            "results": [_checkpoint_json(c) for c in page.object_list],
        },
        json_dumps_params=_JSON,
    )
    patch_cache_control(response, public=True, max_age=API_MAX_AGE)
    return response


def _whole_number(raw: str) -> int | None:
    return params.whole_number(raw.strip())


@open_data
def proof(request):
    """A c2sp.org/tlog-proof receipt for leaf ``index`` against the latest checkpoint."""
    index = _whole_number(request.GET.get("index", ""))
    if index is None:
        return error("index", _("The index must be a whole number from 0."))
    latest = witnessing.latest_note()
    if latest is None or index >= latest[0]:
        return error(
            "index", _("There is no entry %(index)d in the log yet.") % {"index": index}, status=404
        )
    size, note = latest
    hashes = prove_inclusion(size, index, logstore.TileReader(size))
    return _text(format_proof(index, hashes, note.encode()), API_MAX_AGE)


@open_data
def consistency(request):
    """The consistency proof between two published checkpoints, with both of them."""
    old = _whole_number(request.GET.get("old", ""))
    new = _whole_number(request.GET.get("new", ""))
    if old is None:
        return error("old", _("The size must be a whole number from 0."))
    if new is None:
        return error("new", _("The size must be a whole number from 0."))
    found = {c.size: c for c in Checkpoint.objects.filter(size__in=[old, new])}
    for field, value in (("old", old), ("new", new)):
        if value not in found:
            return error(
                field, _("No checkpoint of size %(size)d was ever published.") % {"size": value}
            )
    if old > new:
        return error("old", _("The old size must not be larger than the new size."))
    hashes = prove_consistency(old, new, logstore.TileReader(new))
    response = JsonResponse(
        {
            "old": _checkpoint_json(found[old]),
            "new": _checkpoint_json(found[new]),
            "proof": [b64encode(h).decode("ascii") for h in hashes],
        },
        json_dumps_params=_JSON,
    )
    patch_cache_control(response, public=True, max_age=IMMUTABLE_MAX_AGE)
    return response
