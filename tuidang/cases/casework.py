"""Casework pages for people at risk: ``/<lang>/cases/casework/`` and ``/<lang>/cases/<id>/casework/…``.

Every page reaches its case through ``get_case_for_user`` (404 for missing and forbidden
alike), and every item through its case (an item of another case is a 404 too). Every page is
audit-logged: opening a case's casework (``cases.casework_viewed``), adding or changing an item
(``cases.casework_saved``), showing its locations and references with a reason
(``cases.identity_viewed``), acknowledging an alert (``cases.alert_acknowledged``).
Identities (countries, document numbers, references) are masked until shown with a reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuidang.accounts.decorators import has_role, staff_required
from tuidang.accounts.models import AuditEvent
from tuidang.cases import alerts, secrecy
from tuidang.cases.access import CASE_ROLES, cases_for_user, get_case_for_user
from tuidang.cases.casework_forms import (
    COUNTRY_FIELDS,
    AlertLanguageForm,
    CaseTaskForm,
    CaseworkForm,
    CheckInForm,
    CheckInPlanForm,
    ContactForm,
    LegalStayForm,
    MovementLegForm,
    ProtectionApplicationForm,
    country_name,
)
from tuidang.cases.forms import RevealForm
from tuidang.cases.models import (
    AlertLanguage,
    Case,
    CaseAlert,
    CheckInPlan,
    LegalStay,
)

# The parts of a case's casework: URL name → (form, heading).
PARTS: dict[str, tuple[type[CaseworkForm], Any]] = {
    "stay": (LegalStayForm, gettext_lazy("Legal stay")),
    "leg": (MovementLegForm, gettext_lazy("Movement")),
    "application": (ProtectionApplicationForm, gettext_lazy("Protection application")),
    "contact": (ContactForm, gettext_lazy("Contact")),
    "task": (CaseTaskForm, gettext_lazy("Task")),
    "checkin": (CheckInForm, gettext_lazy("Check-in")),
    "plan": (CheckInPlanForm, gettext_lazy("Check-in plan")),
}
ALERTS_ON_PANEL = 50


def get_casework_for_user(request: HttpRequest, case_id: int) -> Case:
    """The case if the user may open it and it is a case of a person at risk; else 404."""
    case = get_case_for_user(request, case_id)
    if case.kind == Case.Kind.DOCUMENTATION:
        raise Http404("No casework in this case.")
    return case


def _staff(request: HttpRequest) -> User:
    """The logged-in staff member (the views' decorator has made sure there is one)."""
    assert isinstance(request.user, User)
    return request.user


def _part(name: str) -> tuple[type[CaseworkForm], Any]:
    try:
        return PARTS[name]
    except KeyError:
        raise Http404("No such part.") from None


# --- The caseworker's overview and alert panel ---------------------------------------------


def open_alerts_for_user(user):
    return (
        CaseAlert.objects.filter(case__in=cases_for_user(user).at_risk(), acknowledged__isnull=True)
        .select_related("case")
        .order_by("-raised", "-pk")
    )


def staff_panel(request: HttpRequest) -> str:
    """The casework alerts panel for the staff home (an app's ``staff_panel``), or ""."""
    if not has_role(request.user, *CASE_ROLES):
        return ""
    open_alerts = list(open_alerts_for_user(request.user)[:ALERTS_ON_PANEL])
    return render_to_string(
        "cases/casework/_alerts_panel.html",
        {"alerts": [(a, alerts.describe(a)) for a in open_alerts]},
        request,
    )


@staff_required(*CASE_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = list(cases_for_user(request).at_risk().select_related("owner", "backup"))
    stays = {
        stay.case_id: stay
        for stay in LegalStay.objects.current()
        .filter(case__in=cases)
        .only("case_id", "status", "valid_until")
    }
    plans = {plan.case_id: plan for plan in CheckInPlan.objects.filter(case__in=cases)}
    rows = []
    for case in cases:
        stay = stays.get(case.pk)
        plan = plans.get(case.pk)
        rows.append(
            {
                "case": case,
                "stay": stay,
                "days_left": stay.days_left(today) if stay else None,
                "checkin_missed": plan.missed(timezone.now()) if plan else False,
            }
        )
    rows.sort(key=lambda r: (r["days_left"] is None, r["days_left"] or 0))
    AuditEvent.record(request.user, "cases.casework_listed", count=len(rows))
    language = AlertLanguage.objects.filter(user=_staff(request)).first()
    return render(
        request,
        "cases/casework/dashboard.html",
        {
            "rows": rows,
            "panel": staff_panel(request),
            "language_form": AlertLanguageForm(instance=language),
        },
    )


@staff_required(*CASE_ROLES)
@require_POST
def alert_language(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    language = AlertLanguage.objects.filter(user=user).first()
    form = AlertLanguageForm(request.POST, instance=language or AlertLanguage(user=user))
    if form.is_valid():
        form.save()
        messages.success(request, _("Alert e-mails will be in the language you chose."))
    else:
        messages.error(request, _("Choose one of the languages offered."))
    return redirect("cases-view-casework-dashboard")


@staff_required(*CASE_ROLES)
@require_POST
def acknowledge_alert(request: HttpRequest, case_id: int, alert_id: int) -> HttpResponse:
    case = get_casework_for_user(request, case_id)
    alert = get_object_or_404(CaseAlert, pk=alert_id, case=case)
    if alert.acknowledged is None:
        with transaction.atomic():
            alert.acknowledged = timezone.now()
            alert.acknowledged_by = request.user  # type: ignore[assignment]
            alert.save(update_fields=["acknowledged", "acknowledged_by"])
            AuditEvent.record(request.user, "cases.alert_acknowledged", case, alert=alert.kind)
    target = request.POST.get("next", "")
    if target == "dashboard":
        return redirect("cases-view-casework-dashboard")
    return redirect("cases-view-casework", case_id=case.pk)


# --- One case -------------------------------------------------------------------------------


def _reveal(items: list[Model]) -> list[str]:
    """Give each item a ``revealed`` dict of its identity fields, readable; returns their names."""
    names: set[str] = set()
    for item in items:
        fields = secrecy.fields_at(type(item), secrecy.IDENTITY)
        item.revealed = {  # type: ignore[attr-defined]
            name: country_name(getattr(item, name) or "")
            if name in COUNTRY_FIELDS
            else getattr(item, name) or ""
            for name in fields
        }
        names.update(fields)
    return sorted(names)


def _render_case(
    request: HttpRequest, case: Case, reveal_form: RevealForm, reason: str | None = None
) -> HttpResponse:
    """The case's casework page; with a ``reason``, its identities shown and the showing recorded."""
    today = timezone.localdate()
    stays = list(case.stays.all())
    legs = list(case.legs.all())
    applications = list(case.applications.all())
    revealed = False
    if reason is not None:
        fields = _reveal([*stays, *legs, *applications])
        case.current_country_name = country_name(str(case.current_country or ""))  # type: ignore[attr-defined]
        AuditEvent.record(
            request.user,
            "cases.identity_viewed",
            case,
            reason=reason,
            fields=["current_country", *fields],
            part="casework",
        )
        revealed = True
    plan = CheckInPlan.objects.filter(case=case).first()
    case_alerts = list(case.alerts.filter(acknowledged__isnull=True))
    return render(
        request,
        "cases/casework/case.html",
        {
            "case": case,
            "today": today,
            "current_stay": stays[0] if stays else None,
            "days_left": stays[0].days_left(today) if stays else None,
            "stays": stays,
            "legs": legs,
            "applications": applications,
            "contacts": case.contacts.prefetch_related("follow_ups"),
            "tasks": case.tasks.select_related("assignee"),
            "checkins": case.checkins.all()[:20],
            "plan": plan,
            "next_checkin": plan.next_due() if plan and plan.active else None,
            "checkin_missed": plan.missed(timezone.now()) if plan else False,
            "alerts": [(a, alerts.describe(a)) for a in case_alerts],
            "reveal_form": reveal_form,
            "revealed": revealed,
        },
    )


@staff_required(*CASE_ROLES)
def case_casework(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_casework_for_user(request, case_id)
    AuditEvent.record(request.user, "cases.casework_viewed", case)
    return _render_case(request, case, RevealForm())


@staff_required(*CASE_ROLES)
@require_POST
def reveal_casework(request: HttpRequest, case_id: int) -> HttpResponse:
    """Show the casework's locations, documents and references, for a reason (audited)."""
    case = get_casework_for_user(request, case_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        AuditEvent.record(request.user, "cases.casework_viewed", case)
        return _render_case(request, case, form)
    return _render_case(request, case, RevealForm(), reason=form.cleaned_data["reason"])


def _item(case: Case, part: str, item_id: int | None) -> Model | None:
    if item_id is None:
        if part == "plan":
            return CheckInPlan.objects.filter(case=case).first()
        return None
    form_class, _heading = _part(part)
    model = form_class._meta.model
    return get_object_or_404(model, pk=item_id, case=case)


@staff_required(*CASE_ROLES)
def edit_casework(
    request: HttpRequest, case_id: int, part: str, item_id: int | None = None
) -> HttpResponse:
    """Add (no ``item_id``) or change one item of a case's casework."""
    case = get_casework_for_user(request, case_id)
    form_class, heading = _part(part)
    instance = _item(case, part, item_id)
    form = form_class(request.POST or None, instance=instance, case=case)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            if part == "checkin" and getattr(item, "recorded_by_id", None) is None:
                item.recorded_by = request.user
            item.save()
            AuditEvent.record(
                request.user,
                "cases.casework_saved",
                case,
                part=part,
                item=item.pk,
                added=instance is None,
                # Which fields changed, never their values (some are identities).
                fields=sorted(form.changed_data),
            )
            if part == "checkin" and alerts.raise_for_checkin(item):
                from tuidang.cases.tasks import send_casework_alerts

                send_casework_alerts.enqueue()
        messages.success(request, _("Saved."))
        return redirect("cases-view-casework", case_id=case.pk)
    if request.method != "POST":
        AuditEvent.record(
            request.user,
            "cases.casework_viewed",
            case,
            part=part,
            item=getattr(instance, "pk", None),
        )
    return render(
        request,
        "cases/casework/form.html",
        {"case": case, "form": form, "heading": heading, "part": part, "item": instance},
    )
