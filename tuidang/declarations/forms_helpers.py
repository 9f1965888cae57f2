"""The helper's batch form: one row per person a helper submits for, up to ``BATCH_MAX``.

Each row is the ``PersonForm`` every channel uses (alias, organisations, region; no statement
here: a helper's rows are short), plus the helper's confirmation that this person agreed.
Rows left blank are ignored; each filled row becomes a submission of its own (the people of
a helper's day are not a family).
"""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from tuidang.declarations.forms import PersonForm, validate_declared_on

# A helper's day: the rows one submit takes. Fifty filled rows are a few kilobytes of form
# body and about 300 fields, well under the body and field limits.
BATCH_MAX = 50
# Blank rows on an empty form, and how many "add rows" adds.
ROWS_STEP = 10


class HelperRowForm(PersonForm):
    statement = None  # type: ignore[assignment]  # not asked on the helper's form
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
