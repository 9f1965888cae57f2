"""Staff login with the second factor, logout, the staff home page and the audit log."""

import csv
import json

import django_otp
from django.apps import apps
from django.conf import settings
from django.contrib import auth, messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp_webauthn.models import WebAuthnCredential

from tuidang import privacy
from tuidang.accounts import passkeys, throttling
from tuidang.accounts.decorators import has_role, staff_required
from tuidang.accounts.forms import AuditFilterForm, LoginForm, wait_message
from tuidang.accounts.models import ADMIN, AuditChainHead, AuditEvent
from tuidang.formerrors import error_summary

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
    status = 200
    if request.method == "POST":
        form = LoginForm(request, request.POST)
        if form.is_valid():
            with transaction.atomic():
                auth.login(request, form.user)
                django_otp.login(request, form.device)
                throttling.clear(form.cleaned_data["username"], privacy.key_of(request))
                AuditEvent.record(
                    form.user, "login.succeeded", form.user, factor=_factor(form.device)
                )
            response: HttpResponse = redirect(_safe_next(request))
            throttling.remember_device(request, response, form.cleaned_data["username"])
            return response
        if form.wait:
            status = 429
            if form.wait.first:
                AuditEvent.record(
                    None,
                    "login.throttled",
                    form.account,
                    layer=form.wait.layer,
                    seconds=form.wait.seconds,
                )
        elif form.refusal:
            with transaction.atomic():
                AuditEvent.record(None, "login.failed", form.account, reason=form.refusal)
                if form.backoff:
                    AuditEvent.record(
                        None, "login.backoff", form.account, seconds=form.backoff.seconds
                    )
    elif request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request))
    else:
        form = LoginForm(request)
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": _next_param(request), "error_summary": error_summary(form)},
        status=status,
    )
    if form.wait:
        response["Retry-After"] = str(form.wait.seconds)
    return response


def _factor(device) -> str:
    return "passkey" if isinstance(device, WebAuthnCredential) else "totp"


@require_POST
@csrf_protect
@never_cache
def login_passkey_options(request):
    """The challenge for a passkey login (JSON), asked by passkeys.js before the form is sent.

    It costs a random challenge and a session write, no hashing; it still spends the client's
    login budget, so it cannot be used to fill the session table at speed.
    """
    wait = throttling.spend_client_budget(privacy.key_of(request))
    if wait:
        return JsonResponse(
            {"detail": wait_message(wait)}, status=429, headers={"Retry-After": str(wait.seconds)}
        )
    return JsonResponse(passkeys.login_options(request))


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
        "is_admin": has_role(user, ADMIN),
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }
    context["panels"] = staff_panels(request)
    return render(request, "accounts/home.html", context)


def staff_panels(request) -> list[str]:
    """What each app shows on the staff home, in the order of ``INSTALLED_APPS``.

    An app contributes by giving its ``AppConfig`` a ``staff_panel(request)`` method that
    returns HTML (empty for a user with nothing there), so this app imports none of them.
    """
    panels = []
    for config in apps.get_app_configs():
        if (panel := getattr(config, "staff_panel", None)) and (html := panel(request)):
            panels.append(html)
    return panels


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
    context = {"form": form, "page": page, "head": head, "error_summary": error_summary(form)}
    return render(request, "accounts/audit.html", context)


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


@staff_required()
@never_cache
def passkey_list(request):
    """The user's own passkeys; adding one needs JavaScript (WebAuthn), removing one does not."""
    credentials = WebAuthnCredential.objects.filter(user=request.user).order_by("created_at")
    return render(request, "accounts/passkeys.html", {"credentials": credentials})


@staff_required()
@require_POST
@never_cache
def passkey_register_options(request):
    """Options for ``navigator.credentials.create`` (JSON), for a verified staff session only."""
    return JsonResponse(passkeys.registration_options(request))


@staff_required()
@require_POST
@never_cache
def passkey_register(request):
    """Verify and keep the new passkey the browser made (JSON in, JSON out)."""
    try:
        data = json.loads(request.body)
    except ValueError:
        data = None
    device = passkeys.register(request, data) if isinstance(data, dict) else None
    if device is None:
        return JsonResponse(
            {"detail": _("The passkey could not be verified, so it was not added. Try again.")},
            status=400,
        )
    with transaction.atomic():
        count = WebAuthnCredential.objects.filter(user=request.user).count()
        device.name = _("Passkey %(number)d") % {"number": count}
        device.save(update_fields=["name"])
        AuditEvent.record(request.user, "passkey.added", device)
    messages.success(request, _("Passkey added. You can log in with it instead of a code."))
    return JsonResponse({"redirect": resolve_url("accounts-passkeys")})


@staff_required()
@require_POST
def passkey_remove(request, pk: int):
    with transaction.atomic():
        device = WebAuthnCredential.objects.filter(user=request.user, pk=pk).first()
        if device is None:
            raise Http404
        AuditEvent.record(request.user, "passkey.removed", device)
        device.delete()
    messages.success(request, _("Passkey removed."))
    return redirect("accounts-passkeys")
