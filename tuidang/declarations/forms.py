"""The forms of the public page and volunteer intake, drawing the inputs of ``rules.py``.

Each field here only says how its input is drawn (label, widget, ``maxlength``) and cleans its
value with the rule of the same name in ``tuidang.declarations.rules``, the one place where what
a declaration may hold is written; the partner API calls the same rules without a form, and CSV
import goes through these fields. Each person is a ``PersonForm``; the whole submission is a
``SubmissionForm`` plus one to ten people.
"""

from collections.abc import Callable
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.declarations import contacts, regions, rules
from tuidang.declarations.models import Channel, Organisation

# Kept importable from here for the pages that show them.
EARLIEST_DATE = rules.EARLIEST_DATE
NO_CONTACTS_KEY = rules.NO_CONTACTS_KEY


def by_rule(rule: Callable[..., Any], value: Any, **kwargs: Any) -> Any:
    """``rule(value)``, its ``Invalid`` turned into the form's ``ValidationError``."""
    try:
        return rule(value, **kwargs)
    except rules.Invalid as invalid:
        raise ValidationError(
            [ValidationError(message, code=code) for message, code in invalid.errors]
        ) from None


def reject_control_characters(value: str, allow_breaks: bool = False) -> str:
    return by_rule(rules.reject_control_characters, value, allow_breaks=allow_breaks)


def validate_declared_on(value: date) -> None:
    by_rule(rules.check_declared_on, value)


def as_text(value: Any) -> str:
    return value or ""


class RuleField(forms.CharField):
    """A text input whose value is cleaned by ``rule`` alone (``max_length`` only draws it)."""

    def __init__(self, rule: Callable[[Any], Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.rule = rule

    def clean(self, value):
        return by_rule(self.rule, value)


class OrganisationsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Organisation.objects.filter(active=True), to_field_name="slug", **kwargs
        )

    def label_from_instance(self, obj):
        return obj.name

    def clean(self, value):
        return by_rule(rules.clean_organisations, value)


class RegionField(forms.ChoiceField):
    """The region select; its value is cleaned by ``rules.clean_region`` (a set of codes, not a
    walk through the ~280 grouped choices)."""

    def clean(self, value):
        return by_rule(rules.clean_region, value)


class PersonForm(forms.Form):
    name = RuleField(
        rules.clean_name,
        label=_("Name or alias"),
        max_length=settings.NAME_MAX_LENGTH,
        help_text=_("We recommend an alias: a name that others cannot trace back to you."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    organisations = OrganisationsField(label=_("Organisations you quit"))
    statement = RuleField(
        rules.clean_statement,
        label=_("Statement (optional)"),
        required=False,
        max_length=settings.STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # A callable, so the ~280 choices are built when the select is drawn, not normalised again
    # for every form (a CSV import makes thousands of these forms).
    region = RegionField(
        label=_("Region (optional)"),
        required=False,
        choices=lambda: [("", _("Not given")), *regions.choices()],
    )

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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django's own wording ("Please submit at most 10 forms") means nothing to a declarant;
        # formatted here, in the request's language, because Django formats it with max_num.
        kwargs["error_messages"] = {
            **(kwargs.get("error_messages") or {}),
            "too_many_forms": rules.too_many_people(),
        }
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        # No person is deleted by a checkbox (can_delete is off): "remove" rebuilds the form.
        filled = [f for f in self.forms if f.has_changed()]
        by_rule(rules.check_family_size, len(filled))

    def people(self) -> list[dict]:
        return [f.person() for f in self.forms if f.has_changed()]


# django-stubs types formset_factory as returning the base class it was given, losing the
# subclass: the cast says what the factory makes (a subclass of BasePersonFormSet).
PersonFormSet = cast(
    type[BasePersonFormSet],
    forms.formset_factory(
        PersonForm,
        formset=BasePersonFormSet,
        extra=0,
        min_num=1,
        max_num=settings.FAMILY_MAX_SIZE,
        absolute_max=settings.FAMILY_MAX_SIZE,
    ),
)


class SubmissionForm(forms.Form):
    """What belongs to the whole submission rather than to one person."""

    declared_on = forms.DateField(
        label=_("Date of declaration"),
        validators=[validate_declared_on],
        # ISO format whatever the language: <input type=date> shows nothing for "2026/11/23".
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": rules.DATE_INVALID},
    )
    # Cleaned in clean_contact, which knows whether there is a key to seal it with.
    contact = RuleField(
        as_text,
        label=_("Contact details (optional)"),
        required=False,
        max_length=rules.CONTACT_MAX_LENGTH,
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
        return by_rule(
            rules.clean_contact,
            self.cleaned_data["contact"],
            can_seal=self.contacts_key is not None,
        )


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
