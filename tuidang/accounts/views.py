"""Staff login with the second factor, logout, the staff home page and the audit log."""

import csv
import json

import django_otp
from django.conf import settings
from django.contrib import auth, messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from tuidang.accounts import throttling
from tuidang.accounts.decorators import has_role, staff_required
from tuidang.accounts.forms import AuditFilterForm, LoginForm
from tuidang.accounts.models import ADMIN, MODERATOR, VOLUNTEER, AuditChainHead, AuditEvent

AUDIT_EVENTS_PER_PAGE = 50


def _next_param(request) -> str:
    """The ``next`` URL the visitor came with, if it stays on this site; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _safe_next(request) -> str:
    """Where to go after logging in: a safe ``next``, else the staff home."""
    return _next_param(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password", "code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    if request.method == "POST":
        form = LoginForm(request, request.POST)
        if form.is_valid():
            with transaction.atomic():
                auth.login(request, form.user)
                django_otp.login(request, form.device)
                throttling.clear(form.cleaned_data["username"])
                AuditEvent.record(form.user, "login.succeeded", form.user)
            return redirect(_safe_next(request))
        if form.refusal:
            with transaction.atomic():
                if form.refusal != "locked" and throttling.record_failure(
                    form.cleaned_data["username"]
                ):
                    AuditEvent.record(None, "login.locked", form.account)
                AuditEvent.record(None, "login.failed", form.account, reason=form.refusal)
    elif request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request))
    else:
        form = LoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "next": _next_param(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def logout(request):
    """GET asks, POST acts: a link or an image on another page cannot log anyone out."""
    if not request.user.is_authenticated:
        return redirect("accounts-login")
    if request.method == "POST":
        AuditEvent.record(request.user, "logout", request.user)
        auth.logout(request)  # flushes the whole session, the OTP device with it
        messages.success(request, _("You have logged out."))
        return redirect("accounts-login")
    return render(request, "accounts/logout.html")


@staff_required()
def home(request):
    user = request.user
    context = {
        "is_volunteer": has_role(user, VOLUNTEER),
        "is_moderator": has_role(user, MODERATOR),
        "is_admin": has_role(user, ADMIN),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
    if context["is_moderator"]:
        from tuidang.declarations.models import Submission

        context["pending_count"] = Submission.objects.pending().count()
    return render(request, "accounts/home.html", context)


def _filtered_events(request):
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.select_related("actor"))
    return form, events


@staff_required(ADMIN)
def audit(request):
    form, events = _filtered_events(request)
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    if filters := form.active_filters():
        # A search for what someone did or for an object is a read worth knowing about;
        # the unfiltered pages are not recorded, or the log would mostly record itself.
        AuditEvent.record(request.user, "audit.searched", filters=filters, page=page.number)
    head = AuditChainHead.current()
    return render(request, "accounts/audit.html", {"form": form, "page": page, "head": head})


def _csv_cell(value) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


@staff_required(ADMIN)
def export_audit(request):
    form, events = _filtered_events(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("The filters are not valid; correct them on the audit log page."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    # Exporting takes audit data off the site, so the export is itself audited.
    AuditEvent.record(
        request.user, "audit.exported", rows=events.count(), filters=form.active_filters()
    )
    writer = csv.writer(_Echo())
    header = [
        "time", "actor", "action", "action_label", "object_type", "object_id", "detail", "seq",
        "hash",
    ]  # fmt: skip

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                _csv_cell(cell)
                for cell in (
                    event.at.isoformat(),
                    event.actor_display,
                    event.action,
                    event.action_label,
                    event.object_type,
                    event.object_id,
                    json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
                    event.seq,
                    event.hash,
                )
            )

    filename = f"audit-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
