"""The helper's batch form: one row per person a helper submits for, up to ``BATCH_MAX``.

Each row is the ``PersonForm`` every channel uses (alias, organisations, region; no statement
here: a helper's rows are short), plus the helper's confirmation that this person agreed.
Rows left blank are ignored; each filled row becomes a submission of its own (the people of
a helper's day are not a family).
"""

import functools
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tuidang.declarations import regions
from tuidang.declarations.forms import PersonForm, validate_declared_on

# A helper's day: the rows one submit takes. Fifty filled rows are a few kilobytes of form
# body and about 300 fields, well under the body and field limits.
BATCH_MAX = 50
# Blank rows on an empty form, and how many "add rows" adds.
ROWS_STEP = 10


def _key(text: str) -> str:
    """A name as looked up: spaces collapsed, lower case, 臺 as 台 (both are written)."""
    return " ".join(text.split()).lower().replace("臺", "台")


@functools.cache
def _codes_by_name() -> dict[str, str]:
    """Every region's code by its name in each language and by its code."""
    codes = {_key(code): code for code in (*regions.PROVINCE_CODES, *regions.COUNTRY_CODES)}
    codes.update({_key(alias): code for alias, code in regions.ALIASES.items()})
    for language in ("zh-hans", "zh-hant", "en"):
        for code, *_names in regions.PROVINCES:
            codes.setdefault(_key(regions.name(code, language)), code)
        for code, name in regions.countries_sorted(language):
            codes.setdefault(_key(name), code)
    return codes


def region_names() -> list[str]:
    """The names a helper's region field suggests, in the active language and order."""
    return [name for _group, options in regions.choices() for _code, name in options]


class RegionNameField(forms.CharField):
    """A region typed by name (or code), with one shared ``<datalist>`` of suggestions: a
    select per row would repeat ~280 options fifty times (130 KB for ten rows)."""

    def to_python(self, value) -> str:
        text = " ".join(str(super().to_python(value)).split())
        if not text:
            return ""
        code = _codes_by_name().get(_key(text))
        if code is None:
            raise ValidationError(
                _("Unknown region: %(value)s."), code="invalid_choice", params={"value": text}
            )
        return code


class HelperRowForm(PersonForm):
    statement = None  # type: ignore[assignment]  # not asked on the helper's form
    region = RegionNameField(  # type: ignore[assignment]
        label=_("Region (optional)"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"list": "region-names", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("This person agreed to quit and to have me submit it for them"),
        error_messages={
            "required": _(
                "Confirm that this person agreed: without their agreement nothing is submitted."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page explains aliases once, above the rows, not in fifty hidden help texts.
        self.fields["name"].help_text = ""

    def person(self) -> dict:
        return {**super().person(), "statement": ""}


class BaseHelperRowFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": ngettext_lazy(
            "One batch takes at most %(num)d person: submit the others in another batch.",
            "One batch takes at most %(num)d people: submit the others in another batch.",
            "num",
        ),
    }

    def filled(self) -> list[tuple[int, HelperRowForm]]:
        """``(row number from 1, form)`` of every row that is not blank."""
        return [(i + 1, form) for i, form in enumerate(self.forms) if form.has_changed()]


HelperRowFormSet = forms.formset_factory(
    HelperRowForm,
    formset=BaseHelperRowFormSet,
    extra=0,
    max_num=BATCH_MAX,
    absolute_max=BATCH_MAX,
    validate_max=True,
)


def _check_declared_on(value: date) -> None:
    validate_declared_on(value)


class HelperBatchForm(forms.Form):
    """What the whole batch shares: the day these people declared."""

    declared_on = forms.DateField(
        label=_("Day they declared"),
        validators=[_check_declared_on],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["declared_on"].initial = timezone.localdate
