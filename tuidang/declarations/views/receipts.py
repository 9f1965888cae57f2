"""The receipt page: the code shows a declaration's status and lets its holder remove the text.

The code travels only in POST bodies, never in a URL (URLs end up in histories, proxies and
logs). A known and an unknown code cost the same work: one hash and one indexed lookup. Guesses
are throttled per client; a 120-bit code cannot be guessed anyway, the throttle keeps the
server's work bounded.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang import params, privacy, ratelimit
from tuidang.declarations import arrivals, regions
from tuidang.declarations.models import Arrival, Organisation, Status, Submission
from tuidang.declarations.views.declare import HOUR, retry_after_seconds
from tuidang.formerrors import field_error
from tuidang.ledger import format_proof, prove_inclusion
from tuidang.transparency import batches, logstore, witnessing
from tuidang.transparency.logstore import Checkpoint

RECEIPT_SCOPE = "receipt"
RECEIPT_LOOKUPS_PER_HOUR = 20
# Codes are 35 characters with their dashes; anything much longer is not one.
CODE_MAX_LENGTH = 100
TEMPLATE = "declarations/receipt.html"


@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, TEMPLATE, {})

    if settings.RATE_LIMITS:
        used = ratelimit.hit(RECEIPT_SCOPE, privacy.key_of(request), HOUR)
        if used > RECEIPT_LOOKUPS_PER_HOUR:
            message = _("Too many receipt codes tried from this connection. Please wait an hour.")
            response = render(request, TEMPLATE, {"alert": message}, status=429)
            response["Retry-After"] = str(retry_after_seconds())
            return response

    code = request.POST.get("code", "").strip()
    if not code:
        message = _("Enter your receipt code.")
        context: dict[str, object] = {
            "alert": message,
            "error_summary": field_error("id_code", message),
        }
        return render(request, TEMPLATE, context, status=400)
    if len(code) > CODE_MAX_LENGTH:
        code = ""  # still looked up below, so a long guess takes as long as a short one
    receipt_hash = Submission.hash_receipt(code)
    # Both looked up whatever is found: every code costs the same two indexed lookups.
    arrival = arrivals.find(receipt_hash)
    submission = Submission.objects.filter(receipt_hash=receipt_hash).first()
    if submission is None and arrival is not None:
        answer = _received(request, arrival, code)
        if answer is not None:
            return answer
        # The sequencer stored it while its removal was asked: the submission's removal applies.
        submission = Submission.objects.filter(receipt_hash=receipt_hash).first()
    if submission is None:
        message = _(
            "No declaration has this receipt code. Check that you typed it exactly as it was shown."
        )
        typed = request.POST.get("code", "").strip()[:CODE_MAX_LENGTH]
        context = {
            "alert": message,
            "typed": typed,
            "error_summary": field_error("id_code", message),
        }
        return render(request, TEMPLATE, context, status=404)

    context = {"submission": submission, "code": code}
    if request.POST.get("action") == "proof":
        download = _tlog_proof(submission, request.POST.get("leaf", ""))
        if download is not None:
            return download
        context["alert"] = _("This declaration has no such log entry.")
    if request.POST.get("action") == "remove":
        if request.POST.get("confirm") == "yes":
            submission.remove_statements()
            submission.refresh_from_db()
            context["removed_now"] = True
        else:
            context["confirm_removal"] = True
    people = list(submission.people.prefetch_related("organisations"))
    context["people"] = people
    context["removable"] = any(person.removed_at is None for person in people)
    # The status above the question follows the real state too: a logged entry's page must not
    # say that it will appear with the next batch.
    # (A rejected declaration's people have a leaf too: their rejection entry, never proven.)
    context["logged"] = submission.status == Status.ACCEPTED and all(
        person.leaf_index is not None for person in people
    )
    # Counted from now, not from when it arrived: the page must not tell whoever holds the code
    # (or took it from the declarant) the hour the declaration came in. "At the latest" stays
    # true, only looser.
    context["expected"] = batches.expected()
    if context.get("confirm_removal"):
        return render(request, TEMPLATE, context)
    context["checkpoint"] = latest = Checkpoint.objects.latest_signed()
    proofs: dict[int, str] = {}
    # A rejected person's entry is a rejection (day and reason only): no receipt is offered.
    if latest is not None and submission.status == Status.ACCEPTED:
        # One note and one tile reader for the whole family: its entries share most tiles.
        note = witnessing.cosigned_note(latest).encode()
        reader = logstore.TileReader(latest.size)
        for person in people:
            if person.leaf_index is not None and person.leaf_index < latest.size:
                proofs[person.pk] = tlog_proof(person.leaf_index, note, reader).decode("utf-8")
    # Each person with the text of their inclusion proof ("" when there is none to give).
    context["shown"] = [(person, proofs.get(person.pk, "")) for person in people]
    return render(request, TEMPLATE, context)


def _received(request: HttpRequest, arrival: Arrival, code: str) -> HttpResponse | None:
    """The receipt of a declaration still in the intake queue (``arrivals.py``): received,
    to be moderated in a moment; removing it deletes it outright. None when the sequencer
    took it while its removal was asked."""
    context: dict[str, object] = {"arrival": arrival, "code": code}
    if request.POST.get("action") == "remove":
        if request.POST.get("confirm") != "yes":
            context["confirm_removal"] = True
            return render(request, TEMPLATE, context)
        if not arrivals.remove(arrival):
            return None
        return render(request, TEMPLATE, {"withdrawn": True})
    organisations = {o.pk: o for o in Organisation.objects.all()}
    context["people"] = [
        {
            "name": name,
            "statement": statement,
            "region_name": regions.name(region) if region else "",
            "organisations": [organisations[pk] for pk in ids if pk in organisations],
        }
        for name, statement, region, ids in arrival.people
    ]
    return render(request, TEMPLATE, context)


def _tlog_proof(submission: Submission, leaf: str) -> HttpResponse | None:
    """One of the submission's receipts as a download (None if the leaf is not one of its
    entries in the latest signed checkpoint)."""
    index = params.whole_number(leaf)
    latest = Checkpoint.objects.latest_signed()
    if latest is None or index is None or index >= latest.size:
        return None
    if submission.status != Status.ACCEPTED:
        return None
    if not submission.people.filter(leaf_index=index).exists():
        return None
    proof = tlog_proof(
        index, witnessing.cosigned_note(latest).encode(), logstore.TileReader(latest.size)
    )
    response = HttpResponse(proof, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="declaration-{index}.tlog-proof"'
    return response


def tlog_proof(index: int, note: bytes, reader: logstore.TileReader) -> bytes:
    """The c2sp.org/tlog-proof of entry ``index`` against the checkpoint ``note`` (cosignatures
    included), from ``reader`` over that checkpoint's tree.

    Its ``extra`` line carries the entry itself, so ``tuidang verify --receipt`` can check it
    offline: the inclusion proof authenticates the entry, so extra needs no trust of its own.
    """
    hashes = prove_inclusion(reader.size, index, reader)
    (entry,) = logstore.read_entries(index, index + 1)
    return format_proof(index, hashes, note, extra=entry)
