"""The cases pages: staff with the researcher or caseworker role (or admin), and every case
through ``get_case_for_user`` (404 for missing and forbidden alike).

Pages show codenames and pseudonyms. Identities (``IDENTITY`` fields, ``tuidang.cases.secrecy``)
are shown only after the viewer gives a reason, on a POST, and every showing is recorded as
``cases.identity_viewed`` with that reason.
"""

from html import escape

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import AuditEvent
from tuidang.cases import secrecy
from tuidang.cases.access import CASE_ROLES, cases_for_user, get_case_for_user
from tuidang.cases.forms import CaseForm, RevealForm
from tuidang.cases.models import Case

CASES_PER_PAGE = 50


@staff_required(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    cases = cases_for_user(request)
    # Searched by POST: a name typed here must not end up in a URL (browser history, a proxy's
    # access log).
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    if query:
        cases = cases.filter(pk__in=matching_case_ids(query))
    # Counted and paged on the cases table alone (the access rule and the search), then only
    # the page's 50 rows are joined with their owner and team: joining first made the database
    # join and sort every case open to the user for each count and page (bench/cases.py).
    paginator = Paginator(cases.order_by("codename").values_list("pk", flat=True), CASES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # Only the ordinary columns the rows show, as plain values: no sealed column is read (one
    # decryption a row, for nothing the list may show), no model instances are made, and the
    # labels and links are made once a page rather than once a row (most of the page's time
    # with 50 rows was the template resolving each row's methods; bench/cases.py).
    shown = (
        Case.objects.filter(pk__in=page.object_list)
        .order_by("codename")
        .values_list("pk", "codename", "kind", "risk", "owner__username", "team__name")
    )
    kinds = {value: str(label) for value, label in Case.Kind.choices}
    risks = {value: str(label) for value, label in Case.Risk.choices}
    base = reverse("cases-list-cases")
    # The rows as one fragment, every value escaped (the standard library's html.escape, as
    # Django's own escape does, without its lazy-string checks): the template engine spent
    # ~1.4 ms a page resolving and escaping 300 variables one node at a time (bench/cases.py).
    rows = mark_safe(  # noqa: S308 - every value escaped here, the rest is constant markup
        "\n".join(
            f'<tr><td><a href="{escape(base)}{pk:d}/">{escape(codename)}</a></td>'
            f"<td>{escape(kinds.get(kind, kind))}</td><td>{escape(risks.get(risk, risk))}</td>"
            f"<td>{escape(owner)}</td><td>{escape(team or '')}</td></tr>"
            for pk, codename, kind, risk, owner, team in shown
        )
    )
    return render(request, "cases/case_list.html", {"page": page, "rows": rows, "q": query})


def matching_case_ids(query: str):
    """The ids of every case matched by ``query`` (a subquery, whoever asks): by whole codename
    or pseudonym (ORDINARY fields), or by a person's real name in any spelling, found through
    the keyed name digests: the names themselves are never searched.

    The caller intersects it with the cases open to the user. Kept apart from the access rule
    (a union of the few matching ids, then ``pk IN`` it) rather than ``OR``-ed into one
    condition with it: the planners then fetch the few matches by key instead of testing
    every case open to the user against every branch of the search (bench/cases.py)."""
    from tuidang.cases import names
    from tuidang.cases.models import Person, PersonNameKey

    # Whole codenames and pseudonyms, matched on their indexes: a substring search scans
    # every person (hundreds of ms with 20,000 people).
    parts = [
        Case.objects.filter(codename=query).order_by().values("pk"),
        Person.objects.filter(pseudonym=query).order_by().values("case_id"),
    ]
    if secrecy.has_key():
        keys = names.name_keys(query)
        if keys:
            parts.append(
                PersonNameKey.objects.filter(key__in=keys).order_by().values("person__case_id")
            )
    return parts[0].union(*parts[1:])


@staff_required(*CASE_ROLES)
def case_create(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            case = form.save(commit=False)
            case.owner = request.user
            case.save()
            AuditEvent.record(request.user, "cases.case_created", case, codename=case.codename)
        messages.success(request, _("Case %(codename)s opened.") % {"codename": case.codename})
        return redirect("cases-view-case", case_id=case.pk)
    return render(request, "cases/case_form.html", {"form": form})


@staff_required(*CASE_ROLES)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "reveal_form": RevealForm(), "identities": None, **case_parts(case)},
    )


def case_parts(case: Case) -> dict:
    """What the documentation part shows on a case's page (pseudonyms only)."""
    from tuidang.cases.models import Act

    return {
        "people": case.people.select_related("merged_into"),
        "events": case.events.all(),
        "acts": Act.objects.filter(event__case=case).select_related(
            "event", "victim", "act_type", "victim_status"
        ),
        "interventions": case.interventions.select_related("kind"),
    }


@staff_required(*CASE_ROLES)
def case_identities(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET asks for a reason; POST with one shows the case's identities and records it."""
    case = get_case_for_user(request, case_id)
    form = RevealForm(request.POST if request.method == "POST" else None)
    identities = None
    if request.method == "POST" and form.is_valid():
        identities = case_identities_of(case)
        AuditEvent.record(
            request.user,
            "cases.identity_viewed",
            case,
            reason=form.cleaned_data["reason"],
            fields=sorted(identities),
        )
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "reveal_form": form, "identities": identities, **case_parts(case)},
    )


def case_identities_of(case: Case) -> dict[str, str]:
    """The case's own identity fields by label (the documentation and casework parts add
    theirs through their own pages)."""
    values = {}
    for name in secrecy.fields_at(Case, secrecy.IDENTITY):
        field = Case._meta.get_field(name)
        values[str(getattr(field, "verbose_name", name))] = getattr(case, name) or ""
    return values
