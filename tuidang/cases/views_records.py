"""Pages for what a case is known from and what the centre did about it: evidence files with
their chain of custody, information (sources) and interventions; and anchoring a handed-over
dossier in the transparency log.

Every object is reached through its case (``get_case_for_user``), so another case's evidence,
source or intervention answers 404 like a missing one. Plain forms, no JavaScript.

Evidence never touches the disk in the clear: the upload is read into memory by
``MemoryOnlyUpload`` (never spooled to a temporary file, whatever its size), hashed, sealed with
the case key (``secrecy.seal_bytes``) and only then stored. Every showing of an evidence record,
every download (with a reason, audit-logged) and every transfer adds a custody entry.
"""

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from tuidang.accounts.models import AuditEvent
from tuidang.cases import anchoring
from tuidang.cases.access import get_case_for_user
from tuidang.cases.models import (
    Case,
    CustodyEntry,
    Evidence,
    Information,
    Intervention,
    Term,
    Vocabulary,
)
from tuidang.cases.views_documentation import case_staff, get_dossier_for_user

# --- Evidence ----------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    """The logged-in staff member (the views' decorator has made sure there is one)."""
    assert isinstance(request.user, User)
    return request.user


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


class MemoryOnlyUpload(FileUploadHandler):
    """Keeps an uploaded file in memory, never in a temporary file: evidence is sealed before
    it is written anywhere. Bytes past the evidence limit are counted, not kept (the request's
    size is already bounded by ``tuidang.bodylimit``)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.size <= settings.CASES_EVIDENCE_MAX_BYTES:
            self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer,
            self.field_name,
            self.file_name,
            self.content_type,
            self.size,
            self.charset,
            self.content_type_extra,
        )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    came_from = forms.CharField(
        label=gettext_lazy("Received from (person or channel)"),
        max_length=200,
        help_text=gettext_lazy("Kept encrypted, like a source."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea, required=False
    )
    information = forms.ModelChoiceField(
        label=gettext_lazy("Information it supports"),
        queryset=Information.objects.none(),
        required=False,
    )

    def __init__(self, case: Case, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["information"].queryset = case.information.all()  # type: ignore[attr-defined]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CASES_EVIDENCE_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("This file is %(size)s MB; a case accepts files of at most %(limit)s MB.")
                % {"size": _megabytes(upload.size), "limit": _megabytes(limit)}
            )
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you need this file?"),
        max_length=300,
        help_text=gettext_lazy("Recorded in the audit log and the chain of custody."),
    )


class TransferForm(forms.Form):
    to = forms.CharField(label=gettext_lazy("Given to (person or organisation)"), max_length=200)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


def _evidence_in_case(case: Case, evidence_id: int) -> Evidence:
    try:
        return case.evidence.get(pk=evidence_id)
    except Evidence.DoesNotExist:
        raise Http404("No such evidence.") from None


@csrf_exempt
def evidence_list(request: HttpRequest, case_id: int) -> HttpResponse:
    # The upload handlers must be set before anything reads the body, and the CSRF check
    # reads it: so CSRF is checked inside, after the handler is in place (Django's documented
    # way, "Modifying upload handlers on the fly").
    request.upload_handlers = [MemoryOnlyUpload(request)]
    return _evidence_list(request, case_id)


@csrf_protect
@case_staff
def _evidence_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    if request.method == "POST":
        form = EvidenceForm(case, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            with transaction.atomic():
                evidence = Evidence.receive(
                    case,
                    upload.read(),
                    filename=upload.name,
                    by=_staff(request),
                    came_from=data["came_from"],
                    content_type=(upload.content_type or "")[:100],
                    description=data["description"],
                    information=data["information"],
                )
                AuditEvent.record(request.user, "cases.evidence_received", evidence, case=case.pk)
            messages.success(request, _("File received, hashed and encrypted."))
            return redirect("cases-view-evidence", case_id=case.pk, evidence_id=evidence.pk)
    else:
        form = EvidenceForm(case)
    return render(
        request,
        "cases/evidence_list.html",
        {
            "case": case,
            "evidence": case.evidence.order_by("-received", "-pk"),
            "form": form,
            "limit": _megabytes(settings.CASES_EVIDENCE_MAX_BYTES),
        },
    )


@case_staff
def evidence_detail(request: HttpRequest, case_id: int, evidence_id: int) -> HttpResponse:
    """The record and its chain of custody; each showing is itself a link of the chain."""
    case = get_case_for_user(request, case_id)
    evidence = _evidence_in_case(case, evidence_id)
    evidence.custody.create(
        by=_staff(request), action=CustodyEntry.Action.VIEWED, sha256=evidence.sha256
    )
    return render(
        request,
        "cases/evidence_detail.html",
        {
            "case": case,
            "item": evidence,
            "custody": evidence.custody.select_related("by"),
            "reason_form": ReasonForm(),
            "transfer_form": TransferForm(),
        },
    )


@case_staff
@require_POST
def evidence_download(request: HttpRequest, case_id: int, evidence_id: int) -> HttpResponse:
    """The file, checked against its hash, given a reason: audit-logged and in the chain."""
    case = get_case_for_user(request, case_id)
    evidence = _evidence_in_case(case, evidence_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to download the file."))
        return redirect("cases-view-evidence", case_id=case.pk, evidence_id=evidence.pk)
    content = evidence.content()  # raises if the file no longer matches its hash
    reason = form.cleaned_data["reason"]
    with transaction.atomic():
        evidence.custody.create(
            by=_staff(request),
            action=CustodyEntry.Action.DOWNLOADED,
            sha256=evidence.sha256,
            note=reason,
        )
        AuditEvent.record(
            request.user,
            "cases.evidence_downloaded",
            evidence,
            case=case.pk,
            sha256=evidence.sha256,
            reason=reason,
        )
    response = HttpResponse(content, content_type="application/octet-stream")
    # The real name is confidential and may not be ASCII: the download is named by its hash.
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.sha256[:16]}"'
    return response


@case_staff
@require_POST
def evidence_transfer(request: HttpRequest, case_id: int, evidence_id: int) -> HttpResponse:
    """Record that the file (or a copy) was given to someone: a link of the chain of custody."""
    case = get_case_for_user(request, case_id)
    evidence = _evidence_in_case(case, evidence_id)
    form = TransferForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            evidence.custody.create(
                by=_staff(request),
                action=CustodyEntry.Action.TRANSFERRED,
                sha256=evidence.sha256,
                counterpart=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
            AuditEvent.record(request.user, "cases.evidence_transferred", evidence, case=case.pk)
        messages.success(request, _("Transfer recorded in the chain of custody."))
    else:
        messages.error(request, _("Say who the file was given to."))
    return redirect("cases-view-evidence", case_id=case.pk, evidence_id=evidence.pk)


# --- Information (sources) ---------------------------------------------------------------------


class InformationForm(forms.ModelForm):
    language = forms.RegexField(
        label=gettext_lazy("Language"),
        regex=r"^[a-z]{2,3}(-[a-z]{2,4})?$",
        max_length=16,
        required=False,
        help_text=gettext_lazy("A language code, such as zh, zh-hant, en or ug."),
        error_messages={"invalid": gettext_lazy("Give a language code such as zh, en or ug.")},
    )

    class Meta:
        model = Information
        fields = [
            "source",
            "source_type",
            "reliability",
            "date",
            "language",
            "summary",
            "citation",
            "events",
            "people",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "events": forms.CheckboxSelectMultiple,
            "people": forms.CheckboxSelectMultiple,
        }

    def __init__(self, case: Case, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["source_type"].queryset = Term.objects.of(Vocabulary.SOURCE_TYPE).active()  # type: ignore[attr-defined]
        fields["events"].queryset = case.events.all()  # type: ignore[attr-defined]
        fields["people"].queryset = case.people.canonical()  # type: ignore[attr-defined]
        fields["date"].error_messages["invalid"] = _("Give a date as YYYY-MM-DD.")
        if self.instance.pk:
            # The source names someone: it is never put back into a page. Left empty, the
            # recorded source is kept; typed in, it replaces it.
            self.initial["source"] = ""
            fields["source"].required = False
            fields["source"].help_text = _("Recorded and hidden; leave empty to keep it.")
        else:
            fields["source"].required = True

    def clean_source(self) -> str:
        value = (self.cleaned_data.get("source") or "").strip()
        if not value and self.instance.pk:
            return self.instance.source
        return value


def _information_in_case(case: Case, information_id: int) -> Information:
    try:
        return case.information.get(pk=information_id)
    except Information.DoesNotExist:
        raise Http404("No such information.") from None


@case_staff
def information_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    found = case.information.select_related("source_type").prefetch_related("events", "people")
    return render(request, "cases/information_list.html", {"case": case, "information": found})


@case_staff
def information_edit(
    request: HttpRequest, case_id: int, information_id: int | None = None
) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    instance = _information_in_case(case, information_id) if information_id else None
    form = InformationForm(case, request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.case = case
            saved.save()
            form.save_m2m()
            AuditEvent.record(
                request.user,
                "cases.information_changed" if instance else "cases.information_added",
                saved,
                case=case.pk,
            )
        messages.success(request, _("Information saved."))
        return redirect("cases-list-information", case_id=case.pk)
    title = _("Edit information") if instance else _("Add information")
    return render(request, "cases/form.html", {"case": case, "form": form, "title": title})


# --- Interventions -----------------------------------------------------------------------------


class InterventionForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["kind", "recipient", "date", "status", "description", "response"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kinds = Term.objects.of(Vocabulary.INTERVENTION_TYPE).active().exclude(code="dossier")
        self.fields["kind"].queryset = kinds  # type: ignore[attr-defined]
        self.fields["date"].error_messages["invalid"] = _("Give a date as YYYY-MM-DD.")

    def clean(self):
        data = super().clean() or {}
        answered = (Intervention.Status.ANSWERED, Intervention.Status.CLOSED)
        if data.get("status") == Intervention.Status.ANSWERED and not data.get("response"):
            self.add_error("response", _("Write down the answer, or choose another status."))
        if data.get("status") in answered and not data.get("date"):
            self.add_error("date", _("Give the date it was sent."))
        return data


def _intervention_in_case(case: Case, intervention_id: int) -> Intervention:
    try:
        return case.interventions.get(pk=intervention_id)
    except Intervention.DoesNotExist:
        raise Http404("No such intervention.") from None


@case_staff
def intervention_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    found = case.interventions.select_related("kind")
    return render(request, "cases/intervention_list.html", {"case": case, "interventions": found})


@case_staff
def intervention_edit(
    request: HttpRequest, case_id: int, intervention_id: int | None = None
) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    instance = _intervention_in_case(case, intervention_id) if intervention_id else None
    if instance is not None and instance.handover_id:
        # A dossier's handover is a record of what went out, written by the handover itself.
        messages.error(
            request, _("A dossier handover is recorded by the dossier; it is not edited.")
        )
        return redirect("cases-list-interventions", case_id=case.pk)
    form = InterventionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.case = case
            saved.save()
            AuditEvent.record(
                request.user,
                "cases.intervention_changed" if instance else "cases.intervention_added",
                saved,
                case=case.pk,
                status=saved.status,
            )
        messages.success(request, _("Intervention saved."))
        return redirect("cases-list-interventions", case_id=case.pk)
    title = _("Edit intervention") if instance else _("Add an intervention")
    return render(request, "cases/form.html", {"case": case, "form": form, "title": title})


# --- Dossier anchoring -------------------------------------------------------------------------


@case_staff
@require_POST
def dossier_anchor(request: HttpRequest, dossier_id: int) -> HttpResponse:
    found = get_dossier_for_user(request, dossier_id)
    try:
        index = anchoring.anchor(found, request.user)
    except anchoring.NotAnchorable:
        messages.error(request, _("Only a dossier that was handed over is anchored, and once."))
    else:
        messages.success(
            request,
            _("Anchored in the transparency log as entry %(index)d.") % {"index": index},
        )
    return redirect("cases-view-dossier", dossier_id=found.pk)
