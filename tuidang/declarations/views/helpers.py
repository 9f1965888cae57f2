"""Helpers: people who help others quit (in person, by phone, online) and submit for them.

A helper sees one page: a batch form for their day (up to ``BATCH_MAX`` people, without
JavaScript) and their own counts. Every person becomes a submission of its own on the
"helper" channel, entered by the helper, and waits for a moderator whatever the daily quota
(``Submission.objects.submit`` adds the four-eyes flag for this channel). Admins see every
helper's counts on a page of their own.
"""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext

from tuidang import numbers, params
from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import ADMIN, HELPER, AuditEvent
from tuidang.declarations.forms_helpers import (
    BATCH_MAX,
    ROWS_STEP,
    BaseHelperRowFormSet,
    HelperBatchForm,
    HelperRowFormSet,
    region_names,
)
from tuidang.declarations.models import Channel, Status, Submission

PREFIX = "row"
COUNTS = ("submitted", "accepted", "pending", "rejected")


def counts_by_helper(user_ids=None) -> dict[int, dict[str, int]]:
    """``{account id: {submitted, accepted, pending, rejected}}`` of helper-channel
    submissions (one person each), for ``user_ids`` or for everyone who has any."""
    submissions = Submission.objects.filter(channel=Channel.HELPER).exclude(entered_by=None)
    if user_ids is not None:
        submissions = submissions.filter(entered_by__in=user_ids)
    rows = submissions.values("entered_by").annotate(
        submitted=Count("id"),
        accepted=Count("id", filter=Q(status=Status.ACCEPTED)),
        pending=Count("id", filter=Q(status=Status.PENDING)),
        rejected=Count("id", filter=Q(status=Status.REJECTED)),
    )
    table = cast(list[dict[str, Any]], list(rows))
    return {values["entered_by"]: {key: values[key] for key in COUNTS} for values in table}


def counts_for(user) -> dict[str, int]:
    return counts_by_helper([user.pk]).get(user.pk, dict.fromkeys(COUNTS, 0))


def _rows(data, count: int) -> QueryDict:
    """``data`` (what was posted, or nothing) with ``count`` rows, keeping what was typed."""
    rows = data.copy() if data is not None else QueryDict(mutable=True)
    rows[f"{PREFIX}-TOTAL_FORMS"] = str(count)
    rows[f"{PREFIX}-INITIAL_FORMS"] = "0"
    return rows


def _only_rows(data: QueryDict, numbers_from_one: list[int]) -> QueryDict:
    """A form holding only the rows ``numbers_from_one`` of ``data``, renumbered from 0."""
    rows = _rows(None, len(numbers_from_one))
    for new, old in enumerate(numbers_from_one):
        old_prefix, new_prefix = f"{PREFIX}-{old - 1}-", f"{PREFIX}-{new}-"
        for key, values in data.lists():
            if key.startswith(old_prefix):
                rows.setlist(new_prefix + key[len(old_prefix) :], values)
    if "declared_on" in data:
        rows.setlist("declared_on", data.getlist("declared_on"))
    return rows


def _page(request, batch, formset, *, quiet=False, focus_row=None, status=200, **context):
    if focus_row is not None and focus_row < len(formset.forms):
        formset.forms[focus_row].fields["name"].widget.attrs["autofocus"] = True
    errors = [] if quiet else _error_summary(batch, formset)
    return render(
        request,
        "declarations/staff/helper.html",
        {
            "batch": batch,
            "formset": formset,
            "quiet": quiet,
            "errors": errors,
            "counts": counts_for(request.user),
            "batch_max": BATCH_MAX,
            "rows_step": ROWS_STEP,
            "region_names": region_names(),
            "can_add": formset.total_form_count() < BATCH_MAX,
            **context,
        },
        status=status,
    )


def _error_summary(batch, formset) -> list[tuple[str, str, int | None]]:
    """``(field id, message, row number or None)`` for the summary at the top of the page."""
    summary: list[tuple[str, str, int | None]] = [
        (f"id_{name}", str(error), None)
        for name, errors in batch.errors.items()
        for error in errors
    ]
    summary += [("", str(error), None) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        if not form.is_bound or not form.has_changed():
            continue
        for name, errors in form.errors.items():
            # A group of checkboxes has no label of its own: link to its first box.
            field = form[name] if name in form.fields else None
            field_id = (field.id_for_label or f"{field.auto_id}_0") if field else ""
            summary += [(field_id, str(error), number) for error in errors]
    return summary


@staff_required(HELPER)
def helper(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        formset = HelperRowFormSet(_rows(None, ROWS_STEP), prefix=PREFIX)
        return _page(request, HelperBatchForm(), formset, quiet=True)

    batch = HelperBatchForm(request.POST)
    posted = params.whole_number(request.POST.get(f"{PREFIX}-TOTAL_FORMS"), maximum=10**6)
    if "add" in request.POST and posted is not None and posted <= BATCH_MAX:
        # The no-JavaScript way to add rows: the same form with more blank rows, keeping what
        # was typed, the cursor in the first new row, and no complaint about unfinished rows.
        count = min(posted + ROWS_STEP, BATCH_MAX)
        formset = HelperRowFormSet(_rows(request.POST, count), prefix=PREFIX)
        return _page(request, batch, formset, quiet=True, focus_row=posted)

    formset = cast(BaseHelperRowFormSet, HelperRowFormSet(request.POST, prefix=PREFIX))
    # Both checked, so every error shows at once.
    batch_ok, rows_ok = batch.is_valid(), formset.is_valid()
    if not batch_ok or formset.non_form_errors():
        # No day, or more rows than a batch takes: nothing is saved, everything is kept.
        return _page(request, batch, formset, status=400)
    filled = formset.filled()
    if not filled:
        return _page(request, batch, formset, status=400, nothing=True)
    good = [(number, form) for number, form in filled if form.is_valid()]
    bad = [number for number, form in filled if not form.is_valid()]
    saved = _save(request, batch.cleaned_data["declared_on"], good) if good else []
    if saved:
        messages.success(
            request,
            ngettext(
                "Submitted %(count)s person. It waits for a moderator before it is counted.",
                "Submitted %(count)s people. Each waits for a moderator before being counted.",
                len(saved),
            )
            % {"count": numbers.number(len(saved))},
        )
    if rows_ok:
        return redirect("declarations-helper")
    # Saved rows leave the form; the rows that need correcting stay, with their errors.
    formset = HelperRowFormSet(_only_rows(request.POST, bad), prefix=PREFIX)
    formset.is_valid()
    status = 200 if saved else 400
    return _page(request, batch, formset, status=status, bad_rows=bad, saved_count=len(saved))


def _save(request, declared_on, rows) -> list[Submission]:
    """One submission per person, all in one transaction with one audit event."""
    language = get_language() or ""
    with transaction.atomic():
        saved = [
            Submission.objects.submit(
                people=[form.person()],
                declared_on=declared_on,
                channel=Channel.HELPER,
                language=language,
                entered_by=request.user,
            )[0]
            for _number, form in rows
        ]
        AuditEvent.record(
            request.user,
            "declarations.helper",
            people=len(saved),
            consent="confirmed",
            submission_ids=[submission.pk for submission in saved],
        )
    return saved


@staff_required(ADMIN)
def helpers_overview(request: HttpRequest) -> HttpResponse:
    """Every helper (and anyone who submitted as one) with their counts, most first."""
    accounts = (
        get_user_model()
        .objects.filter(
            Q(groups__name=HELPER)
            | Q(pk__in=Submission.objects.filter(channel=Channel.HELPER).values("entered_by"))
        )
        .distinct()
    )
    counts = counts_by_helper()
    rows: list[dict[str, Any]] = sorted(
        (
            {
                "account": account.get_username(),
                "active": account.is_active,
                **counts.get(account.pk, dict.fromkeys(COUNTS, 0)),
            }
            for account in accounts
        ),
        key=lambda row: (-row["submitted"], row["account"]),
    )
    return render(request, "declarations/staff/helpers.html", {"rows": rows})
