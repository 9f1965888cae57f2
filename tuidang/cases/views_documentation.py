"""Pages for documenting persecution: people, events, acts, consent, duplicates, counts, dossiers.

Every object is reached through its case (``get_case_for_user``) or, for what spans cases
(duplicates, counts, dossiers), through ``cases_for_user``: nothing outside the cases a person
may open is ever listed, counted, proposed as a duplicate or put into a dossier. All pages are
plain forms (no JavaScript).
"""

import hashlib

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import AuditEvent
from tuidang.cases import dossier as dossiers
from tuidang.cases import duplicates, secrecy
from tuidang.cases.access import CASE_ROLES, cases_for_user, get_case_for_user
from tuidang.cases.counts import count_acts
from tuidang.cases.forms import RevealForm
from tuidang.cases.models import (
    Act,
    Case,
    Consent,
    Dossier,
    Event,
    Merge,
    Person,
    RedactionProfile,
    Term,
    Vocabulary,
)
from tuidang.cases.models.documentation import parse_fuzzy_date
from tuidang.declarations import regions

case_staff = staff_required(*CASE_ROLES)


def _region_field(label, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=required, choices=lambda: [("", "—"), *regions.choices()]
    )


class FuzzyDateField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", gettext_lazy("YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY"))
        super().__init__(max_length=11, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_fuzzy_date(value)
        except ValueError:
            raise forms.ValidationError(
                _("Give a date as YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY (about that year).")
            ) from None


class PersonForm(forms.ModelForm):
    region = _region_field(gettext_lazy("Home province or country"))

    class Meta:
        model = Person
        fields = [
            "kind",
            "pseudonym",
            "sex",
            "region",
            "real_name",
            "other_names",
            "birth_date",
            "address",
            "contact",
            "notes",
        ]

    def clean_birth_date(self) -> str:
        value = (self.cleaned_data.get("birth_date") or "").strip()
        if value:
            try:
                parse_fuzzy_date(value)
            except ValueError:
                raise forms.ValidationError(
                    _("Give a date as YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY (about that year).")
                ) from None
        return value


class EventForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title (no names)"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea, required=False
    )
    region = _region_field(gettext_lazy("Province or country"))
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    date = FuzzyDateField(label=gettext_lazy("Date"))


class ActForm(forms.Form):
    event = forms.ModelChoiceField(label=gettext_lazy("Event"), queryset=Event.objects.none())
    victim = forms.ModelChoiceField(label=gettext_lazy("Victim"), queryset=Person.objects.none())
    act_type = forms.ModelChoiceField(
        label=gettext_lazy("Type of act"), queryset=Term.objects.none()
    )
    victim_status = forms.ModelChoiceField(
        label=gettext_lazy("Victim's status"), queryset=Term.objects.none()
    )
    date = FuzzyDateField(label=gettext_lazy("Date (if not the event's)"))

    def __init__(self, case: Case, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = case.events.all()  # type: ignore[attr-defined]
        self.fields["victim"].queryset = case.people.canonical()  # type: ignore[attr-defined]
        self.fields["act_type"].queryset = Term.objects.of(Vocabulary.ACT_TYPE).active()  # type: ignore[attr-defined]
        self.fields["victim_status"].queryset = Term.objects.of(Vocabulary.VICTIM_STATUS).active()  # type: ignore[attr-defined]


class ConsentForm(forms.Form):
    recipient_kind = forms.ModelChoiceField(
        label=gettext_lazy("Kind of recipient"),
        queryset=Term.objects.of(Vocabulary.RECIPIENT_KIND).active(),
    )
    given = forms.TypedChoiceField(
        label=gettext_lazy("May we name this person to them?"),
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        coerce=lambda value: value == "yes",
    )


def _person_in_case(case: Case, person_id: int) -> Person:
    try:
        return case.people.get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("No such person.") from None


@case_staff
def person_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            person = form.save(commit=False)
            person.case = case
            person.save()
            AuditEvent.record(request.user, "cases.person_added", person, case=case.pk)
        messages.success(request, _("Person added."))
        return redirect("cases-view-person", case_id=case.pk, person_id=person.pk)
    return render(
        request, "cases/form.html", {"case": case, "form": form, "title": _("Add a person")}
    )


@case_staff
def person_detail(request: HttpRequest, case_id: int, person_id: int) -> HttpResponse:
    """The pseudonym, acts and consents; identities only on a POST with a reason (audited)."""
    case = get_case_for_user(request, case_id)
    person = _person_in_case(case, person_id)
    reveal = RevealForm(request.POST if request.method == "POST" else None)
    identities = None
    if request.method == "POST" and reveal.is_valid():
        names = secrecy.fields_at(Person, secrecy.IDENTITY)
        identities = {
            str(getattr(Person._meta.get_field(name), "verbose_name", name)): getattr(person, name)
            for name in names
        }
        AuditEvent.record(
            request.user,
            "cases.identity_viewed",
            person,
            case=case.pk,
            reason=reveal.cleaned_data["reason"],
            fields=names,
        )
    acts = Act.objects.filter(victim=person).select_related("event", "act_type", "victim_status")
    consents = person.consents.select_related("recipient_kind")
    return render(
        request,
        "cases/person_detail.html",
        {
            "case": case,
            "person": person,
            "acts": acts,
            "consents": consents,
            "reveal_form": reveal,
            "identities": identities,
            "consent_form": ConsentForm(),
        },
    )


@case_staff
@require_POST
def person_consent(request: HttpRequest, case_id: int, person_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    person = _person_in_case(case, person_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            consent = Consent.objects.create(
                person=person,
                recipient_kind=form.cleaned_data["recipient_kind"],
                given=form.cleaned_data["given"],
                recorded_by=request.user,  # type: ignore[misc]
            )
            AuditEvent.record(
                request.user,
                "cases.consent_recorded",
                person,
                recipient_kind=consent.recipient_kind.code,
                given=consent.given,
            )
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose a kind of recipient and an answer."))
    return redirect("cases-view-person", case_id=case.pk, person_id=person.pk)


@case_staff
def event_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day, precision = data["date"]
        with transaction.atomic():
            event = Event.objects.create(
                case=case,
                title=data["title"],
                description=data["description"],
                region=data["region"],
                city=data["city"],
                date=day,
                date_precision=precision,
            )
            AuditEvent.record(request.user, "cases.event_added", event, case=case.pk)
        messages.success(request, _("Event added."))
        return redirect("cases-view-case", case_id=case.pk)
    return render(
        request, "cases/form.html", {"case": case, "form": form, "title": _("Add an event")}
    )


@case_staff
def act_create(request: HttpRequest, case_id: int) -> HttpResponse:
    case = get_case_for_user(request, case_id)
    form = ActForm(case, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day, precision = data["date"]
        with transaction.atomic():
            act = Act.objects.create(
                event=data["event"],
                victim=data["victim"],
                act_type=data["act_type"],
                victim_status=data["victim_status"],
                date=day,
                date_precision=precision,
            )
            AuditEvent.record(request.user, "cases.act_added", act, case=case.pk)
        messages.success(request, _("Act added."))
        return redirect("cases-view-case", case_id=case.pk)
    return render(
        request, "cases/form.html", {"case": case, "form": form, "title": _("Add an act")}
    )


# --- Across cases: counts, duplicates, dossiers --------------------------------------------------


@case_staff
def counts(request: HttpRequest) -> HttpResponse:
    figures = count_acts(Act.objects.filter(event__case__in=cases_for_user(request)))
    labels = {t.code: t.label() for t in Term.objects.of(Vocabulary.ACT_TYPE)}
    return render(
        request,
        "cases/counts.html",
        {
            "figures": figures,
            "by_type": [(labels.get(code, code), n) for code, n in figures["acts_by_type"].items()],
            "provinces": [regions.name(code) for code in figures["province_codes"]],
        },
    )


@case_staff
def duplicate_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.filter(case__in=cases_for_user(request))
    found = duplicates.candidates(people)
    merges = Merge.objects.filter(
        merged__case__in=cases_for_user(request), survivor__case__in=cases_for_user(request)
    ).select_related("survivor", "merged", "survivor__case", "merged__case")[:50]
    return render(request, "cases/duplicates.html", {"candidates": found, "merges": merges})


def _accessible_person(request: HttpRequest, value) -> Person:
    try:
        return Person.objects.filter(case__in=cases_for_user(request)).get(pk=int(value))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise Http404("No such person.") from None


@case_staff
@require_POST
def duplicate_decide(request: HttpRequest) -> HttpResponse:
    first = _accessible_person(request, request.POST.get("first"))
    second = _accessible_person(request, request.POST.get("second"))
    if request.POST.get("verdict") == "same":
        try:
            duplicates.merge(first, second, by=request.user)
        except ValueError:
            messages.error(request, _("One of them was merged meanwhile; look again."))
        else:
            messages.success(
                request,
                _("%(merged)s is now counted as %(survivor)s.")
                % {"merged": second.pseudonym, "survivor": first.pseudonym},
            )
    elif request.POST.get("verdict") == "different":
        duplicates.reject(first, second, by=request.user)
        messages.success(request, _("Kept apart; they will not be proposed again."))
    return redirect("cases-list-duplicates")


@case_staff
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    accessible = cases_for_user(request)
    try:
        record = Merge.objects.get(
            pk=merge_id, merged__case__in=accessible, survivor__case__in=accessible
        )
    except Merge.DoesNotExist:
        raise Http404("No such merge.") from None
    duplicates.undo(record, by=request.user)
    messages.success(request, _("Merge undone."))
    return redirect("cases-list-duplicates")


class DossierForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    recipient = forms.CharField(label=gettext_lazy("Recipient"), max_length=200)
    profile = forms.ModelChoiceField(
        label=gettext_lazy("Redaction profile"), queryset=RedactionProfile.objects.all()
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the dossier"),
        choices=[("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")],
    )
    cases = forms.CharField(
        label=gettext_lazy("Cases (codenames, comma-separated; empty: all open to you)"),
        required=False,
    )
    regions = forms.MultipleChoiceField(
        label=gettext_lazy("Provinces"),
        required=False,
        choices=lambda: [(code, regions.name(code)) for code, *_names in regions.PROVINCES],
    )
    act_types = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Types of act"),
        required=False,
        queryset=Term.objects.of(Vocabulary.ACT_TYPE),
    )
    year_from = forms.IntegerField(label=gettext_lazy("From year"), required=False, min_value=1949)
    year_to = forms.IntegerField(label=gettext_lazy("To year"), required=False, min_value=1949)


def get_dossier_for_user(request: HttpRequest, dossier_id: int) -> Dossier:
    """A dossier whose every case the user may open; Http404 otherwise (missing alike)."""
    accessible = cases_for_user(request)
    try:
        found = Dossier.objects.select_related("profile", "created_by", "approved_by").get(
            pk=dossier_id
        )
    except Dossier.DoesNotExist:
        raise Http404("No such dossier.") from None
    if found.cases.exclude(pk__in=accessible).exists() or not found.cases.exists():
        raise Http404("No such dossier.")
    return found


@case_staff
def dossier_list(request: HttpRequest) -> HttpResponse:
    accessible = cases_for_user(request)
    visible = (
        Dossier.objects.filter(cases__in=accessible)
        .exclude(cases__in=Case.objects.exclude(pk__in=accessible))
        .distinct()
        .select_related("profile")
    )
    return render(request, "cases/dossier_list.html", {"dossiers": visible})


@case_staff
def dossier_create(request: HttpRequest) -> HttpResponse:
    form = DossierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = dossiers.Filters(
            cases=[c.strip() for c in data["cases"].split(",") if c.strip()],
            regions=data["regions"],
            act_types=[t.code for t in data["act_types"]],
            year_from=data["year_from"],
            year_to=data["year_to"],
        )
        made, _files = dossiers.build(
            cases_for_user(request),
            filters,
            data["profile"],
            title=data["title"],
            recipient=data["recipient"],
            by=request.user,
            language=data["language"],
        )
        if not made.cases.exists():
            messages.error(request, _("No act matches these filters in the cases open to you."))
            return render(request, "cases/form.html", {"form": form, "title": _("Build a dossier")})
        return redirect("cases-view-dossier", dossier_id=made.pk)
    return render(request, "cases/form.html", {"form": form, "title": _("Build a dossier")})


@case_staff
def dossier_detail(request: HttpRequest, dossier_id: int) -> HttpResponse:
    found = get_dossier_for_user(request, dossier_id)
    return render(
        request,
        "cases/dossier_detail.html",
        {
            "dossier": found,
            "files": sorted(found.files.items()),
            "may_approve": found.names_identities
            and not found.approved_at
            and found.created_by_id != request.user.pk,
            "download_form": RevealForm(),
        },
    )


@case_staff
@require_POST
def dossier_approve(request: HttpRequest, dossier_id: int) -> HttpResponse:
    found = get_dossier_for_user(request, dossier_id)
    try:
        dossiers.approve(found, request.user)
    except dossiers.NotAllowed:
        messages.error(request, _("The person who built a dossier cannot approve it."))
    else:
        messages.success(request, _("Dossier approved."))
    return redirect("cases-view-dossier", dossier_id=found.pk)


@case_staff
@require_POST
def dossier_hand_over(request: HttpRequest, dossier_id: int) -> HttpResponse:
    found = get_dossier_for_user(request, dossier_id)
    try:
        dossiers.hand_over(found, request.user)
    except dossiers.NotAllowed:
        messages.error(
            request,
            _("A dossier naming people can be handed over only after a second person approved it."),
        )
    else:
        messages.success(request, _("Handover recorded on every case in the dossier."))
    return redirect("cases-view-dossier", dossier_id=found.pk)


@case_staff
@require_POST
def dossier_download(request: HttpRequest, dossier_id: int, name: str) -> HttpResponse:
    """One file, with a reason, once it may leave (approved when it names people); audited."""
    found = get_dossier_for_user(request, dossier_id)
    try:
        stored = found.built_files.get(name=name)
    except found.built_files.model.DoesNotExist:
        raise Http404("No such file.") from None
    form = RevealForm(request.POST)
    if not found.may_be_handed_over or not form.is_valid():
        messages.error(
            request,
            _("Give a reason; a dossier naming people needs a second person's approval first."),
        )
        return redirect("cases-view-dossier", dossier_id=found.pk)
    content = stored.content()
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    AuditEvent.record(
        request.user,
        "cases.dossier_downloaded",
        found,
        file=name,
        sha256=stored.sha256,
        reason=form.cleaned_data["reason"],
    )
    types = {
        ".pdf": "application/pdf",
        ".csv": "text/csv; charset=utf-8",
        ".json": "application/json",
    }
    response = HttpResponse(
        content, content_type=types.get(name[name.rfind(".") :], "application/octet-stream")
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
