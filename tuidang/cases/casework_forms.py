"""Forms for the casework pages: one per part of a case, sharing the rules below.

- Countries are chosen from a list (codes stored sealed), in the page's language.
- An ``IDENTITY`` field is never put back into an edit form: it shows empty and keeps its
  value unless something new is typed. Opening a form must not show where a person is; only
  the reveal with a reason does (and is audit-logged).
- Dates use the browser's own date inputs (no JavaScript).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tuidang.cases import secrecy
from tuidang.cases.models import (
    AlertLanguage,
    Case,
    CaseGrant,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    MovementLeg,
    ProtectionApplication,
)
from tuidang.declarations import regions

MAINLAND = "CN"


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    language = language or get_language() or settings.LANGUAGE_CODE
    return [
        ("", "—"),
        (MAINLAND, str(_("Mainland China"))),
        *[(code, regions.name(code, language)) for code, *_names in regions.HK_MO_TW],
        *regions.countries_sorted(language),
    ]


def country_name(code: str, language: str | None = None) -> str:
    if not code:
        return ""
    if code == MAINLAND:
        return str(_("Mainland China"))
    return regions.name(code, language)


COUNTRY_FIELDS = {"country", "from_country", "to_country"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def case_people(case: Case):
    """Everyone who may open ``case``: owner, backup, team members, grantees."""
    granted = CaseGrant.objects.filter(case=case).values("user_id")
    people = Q(pk=case.owner_id) | Q(pk__in=granted)
    if case.backup_id:
        people |= Q(pk=case.backup_id)
    if case.team_id:
        people |= Q(case_teams=case.team_id)
    return get_user_model().objects.filter(people, is_active=True).distinct()


class CaseworkForm(forms.ModelForm):
    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        editing = self.instance.pk is not None
        for name in secrecy.fields_at(self._meta.model, secrecy.IDENTITY):
            if name not in self.fields:
                continue
            if name in COUNTRY_FIELDS:
                self.fields[name] = forms.ChoiceField(
                    label=self.fields[name].label,
                    choices=country_choices(),
                    required=False,
                )
            else:
                self.fields[name].widget = forms.TextInput()
                self.fields[name].required = False
            if editing:
                self.initial[name] = ""
                self.fields[name].help_text = _(
                    "Hidden here. Leave empty to keep what is recorded; choose or type to replace it."
                )
        for name, field in self.fields.items():
            if isinstance(field, forms.DateTimeField):
                field.widget = DateTimeInput()
                field.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
            elif isinstance(field, forms.DateField):
                field.widget = DateInput()
            elif name in {"party", "title", "authority"}:
                field.widget = forms.TextInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            for name in secrecy.fields_at(self._meta.model, secrecy.IDENTITY):
                if name in cleaned and not cleaned[name]:
                    cleaned[name] = getattr(self.instance, name)
        return cleaned

    def save(self, commit: bool = True) -> Any:
        self.instance.case = self.case
        return super().save(commit)


class LegalStayForm(CaseworkForm):
    class Meta:
        model = LegalStay
        fields = ["status", "country", "document", "valid_until", "notes"]


class MovementLegForm(CaseworkForm):
    class Meta:
        model = MovementLeg
        fields = ["kind", "from_country", "to_country", "left_on", "arrived_on", "notes"]


class ProtectionApplicationForm(CaseworkForm):
    class Meta:
        model = ProtectionApplication
        fields = [
            "kind",
            "country",
            "authority",
            "reference",
            "status",
            "submitted_on",
            "interview_on",
            "decision",
            "decided_on",
            "appeal_deadline",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("appeal_deadline") and cleaned.get("decision") != "refused":
            self.add_error(
                "appeal_deadline", _("An appeal deadline follows a refusal: record the decision.")
            )
        return cleaned


def _contact_label(contact: Contact) -> str:
    return f"{contact.contacted_on} · {contact.get_party_kind_display()}"


class ContactForm(CaseworkForm):
    class Meta:
        model = Contact
        fields = [
            "party_kind",
            "party",
            "channel",
            "contacted_on",
            "summary",
            "reply_expected_by",
            "replied_on",
            "follow_up_of",
        ]

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        follow_up_of = self.fields["follow_up_of"]
        assert isinstance(follow_up_of, forms.ModelChoiceField)
        others = Contact.objects.filter(case=case)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        follow_up_of.queryset = others
        follow_up_of.label_from_instance = _contact_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sent, expected = cleaned.get("contacted_on"), cleaned.get("reply_expected_by")
        if sent and expected and expected < sent:
            self.add_error("reply_expected_by", _("The reply cannot be due before the contact."))
        return cleaned


class CaseTaskForm(CaseworkForm):
    done = forms.BooleanField(label=_("done"), required=False)

    class Meta:
        model = CaseTask
        fields = ["title", "assignee", "due_on", "remind_at"]

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = case_people(case)
        self.fields["title"].required = True
        self.initial["done"] = self.instance.done_at is not None

    def save(self, commit: bool = True) -> Any:
        from django.utils import timezone

        if self.cleaned_data.get("done") and self.instance.done_at is None:
            self.instance.done_at = timezone.now()
        elif not self.cleaned_data.get("done"):
            self.instance.done_at = None
        return super().save(commit)


class CheckInForm(CaseworkForm):
    class Meta:
        model = CheckIn
        fields = ["at", "channel", "safe", "note"]


class CheckInPlanForm(CaseworkForm):
    class Meta:
        model = CheckInPlan
        fields = ["every_hours", "grace_hours", "active"]

    def clean_every_hours(self) -> int:
        value = self.cleaned_data["every_hours"]
        if value < 1:
            raise forms.ValidationError(_("At least one hour."))
        return value


class AlertLanguageForm(forms.ModelForm):
    class Meta:
        model = AlertLanguage
        fields = ["language"]
