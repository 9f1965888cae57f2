"""Validation shared by every way in: the public form, the API, volunteer intake, CSV import.

Each person is a ``PersonForm``; the whole submission is a ``SubmissionForm`` plus one to ten
people. The API and CSV import feed the same forms from JSON and rows, so a rule written here
holds everywhere, with the same message in the request's language.
"""

import re
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tuidang.declarations import contacts, names, regions
from tuidang.declarations.models import Channel, Organisation, active_organisations

# C0 and C1 controls, DEL, and the Unicode bidi overrides that can disguise text.
# Statements may keep line breaks and tabs; names may not (nor Unicode's line and paragraph
# separators).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
EARLIEST_DATE = date(2004, 11, 1)  # the campaign's first declarations
NO_CONTACTS_KEY = _(
    "This site takes no contact details at the moment: the centre has not set up the key that "
    "locks them, and they are never kept unlocked. If you want the centre to contact you, "
    "reach it another way."
)


def reject_control_characters(value: str, allow_breaks: bool = False) -> str:
    pattern = CONTROL if allow_breaks else CONTROL_OR_BREAK
    if value and pattern.search(value):
        raise ValidationError(
            _("Remove the invisible control characters from this text."), code="control"
        )
    return value


def latest_today() -> date:
    """Today's date where it is latest on Earth (UTC+14).

    "Never in the future" is about the declarant's calendar, not the server's: someone in
    Beijing (UTC+8) declaring at 07:00 local time is already on a date the server's UTC clock
    has not reached.
    """
    return (timezone.now() + timedelta(hours=14)).date()


def validate_declared_on(value: date) -> date:
    if value > latest_today():
        raise ValidationError(_("The date of declaration cannot be in the future."), code="future")
    if value < EARLIEST_DATE:
        raise ValidationError(
            _("The date of declaration cannot be before %(date)s.")
            % {"date": EARLIEST_DATE.isoformat()},
            code="too_early",
        )
    return value


class OrganisationsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Organisation.objects.filter(active=True),
            to_field_name="slug",
            error_messages={
                "required": _("Choose at least one organisation to quit."),
                "invalid_choice": _("Unknown organisation: %(value)s."),
                "invalid_pk_value": _("Unknown organisation: %(pk)s."),
            },
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.name

    def _check_values(self, value):
        """The chosen organisations, in their display order, from the per-process copy of the
        active ones (Django's version makes a query per form and a queryset per value)."""
        try:
            slugs = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for slug in slugs:
            self.validate_no_null_characters(slug)
        active = active_organisations.by_slug()
        for slug in slugs:
            if str(slug) not in active:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": slug},
                )
        return [o for o in active.values() if o.slug in slugs]


class RegionField(forms.ChoiceField):
    """The region select; a value is checked against the set of codes, not by walking the ~280
    grouped choices (normalised again for every form, a tenth of an API request's time).
    Partner apps' ISO 3166-1 codes for Hong Kong, Macau and Taiwan become the stored codes."""

    def to_python(self, value) -> str:
        return regions.canonical(super().to_python(value))

    def valid_value(self, value) -> bool:
        return value == "" or regions.is_valid(str(value))


class PersonForm(forms.Form):
    name = forms.CharField(
        label=_("Name or alias"),
        max_length=settings.NAME_MAX_LENGTH,
        help_text=_("We recommend an alias: a name that others cannot trace back to you."),
        error_messages={"required": _("Enter a name or an alias.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    organisations = OrganisationsField(label=_("Organisations you quit"))
    statement = forms.CharField(
        label=_("Statement (optional)"),
        required=False,
        max_length=settings.STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # A callable, so the ~280 choices are built when the select is drawn or a value checked,
    # not normalised again for every form (a CSV import makes thousands of these forms).
    region = RegionField(
        label=_("Region (optional)"),
        required=False,
        choices=lambda: [("", _("Not given")), *regions.choices()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.setdefault(
                "max_length",
                _("Make this at most %(limit_value)d characters (it has %(show_value)d)."),
            )
            field.error_messages["max_length"] = _(
                "Make this at most %(limit_value)d characters (it has %(show_value)d)."
            )
        self.fields["region"].error_messages["invalid_choice"] = _("Unknown region: %(value)s.")

    def clean_name(self):
        name = reject_control_characters(self.cleaned_data["name"])
        if not name.strip():
            raise ValidationError(_("Enter a name or an alias."), code="required")
        return names.check_name(name.strip())

    def clean_statement(self):
        return reject_control_characters(self.cleaned_data["statement"], allow_breaks=True).strip()

    def person(self) -> dict:
        """The cleaned person as ``Submission.objects.submit`` takes it."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "organisations": list(data["organisations"]),
            "statement": data.get("statement", ""),
            "region": data.get("region", ""),
        }


class BasePersonFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if not filled:
            raise ValidationError(_("Enter at least one person."), code="too_few_forms")
        if len(filled) > settings.FAMILY_MAX_SIZE:
            raise ValidationError(
                ngettext(
                    "One submission can hold at most %(max)d person.",
                    "One submission can hold at most %(max)d people.",
                    settings.FAMILY_MAX_SIZE,
                )
                % {"max": settings.FAMILY_MAX_SIZE},
                code="too_many_forms",
            )

    def people(self) -> list[dict]:
        return [f.person() for f in self.forms if f.has_changed()]


PersonFormSet = forms.formset_factory(
    PersonForm,
    formset=BasePersonFormSet,
    extra=0,
    min_num=1,
    max_num=settings.FAMILY_MAX_SIZE,
    absolute_max=settings.FAMILY_MAX_SIZE,
)


class SubmissionForm(forms.Form):
    """What belongs to the whole submission rather than to one person."""

    declared_on = forms.DateField(
        label=_("Date of declaration"),
        validators=[validate_declared_on],
        # ISO format whatever the language: <input type=date> shows nothing for "2026/11/23".
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )
    contact = forms.CharField(
        label=_("Contact details (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_(
            "Only if you want the centre to be able to reach you. They are locked on arrival "
            "with the centre's public key. The private key that unlocks them is kept offline by "
            "the centre's staff, never on this server, so this server cannot read them back."
        ),
    )
    want_receipt = forms.BooleanField(
        label=_("Give me a receipt code"),
        required=False,
        help_text=_(
            "With the code you can check your declaration and ask for its text to be removed. "
            "Keeping a receipt can itself be evidence against you: keep it only where it is safe."
        ),
    )

    no_contacts_key = NO_CONTACTS_KEY

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declared_on"].initial = timezone.localdate
        # Without the centre's public key nothing could be sealed: the field is not shown, and
        # a contact sent anyway is refused so that nobody believes it was kept.
        self.contacts_key = contacts.public_key()

    @property
    def contacts_key_fingerprint(self) -> str:
        return contacts.fingerprint(self.contacts_key) if self.contacts_key else ""

    def clean_contact(self):
        contact = reject_control_characters(self.cleaned_data["contact"], allow_breaks=True).strip()
        if contact and self.contacts_key is None:
            raise ValidationError(NO_CONTACTS_KEY, code="no_contacts_key")
        return contact


class StaffSubmissionForm(SubmissionForm):
    """Volunteer intake adds the channel the declaration came by."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        # Helpers' submissions come only through the helper page, counted per helper.
        choices=[
            (c.value, c.label)
            for c in Channel
            if c not in (Channel.WEB, Channel.API, Channel.HELPER)
        ],
        initial=Channel.PHONE,
    )
