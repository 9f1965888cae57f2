"""The hotline's call log: one line per call, so the centre can show patterns of harassment.

No caller number is kept unless the volunteer records one for a threat; the form refuses a
number for any other outcome rather than dropping it silently, so the volunteer knows.
"""

import re
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import MODERATOR, VOLUNTEER, AuditEvent
from tuidang.declarations import contacts
from tuidang.declarations.forms import reject_control_characters
from tuidang.declarations.views.intake import staff_page
from tuidang.formerrors import error_summary
from tuidang.hotline.models import Call, CallOutcome

# Alt+1 … Alt+5 choose an outcome: digits read the same in every language on the page.
OUTCOME_KEYS = {outcome.value: str(n) for n, outcome in enumerate(CallOutcome, start=1)}
PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ()./-]{2,38}$")
WEEKS = 12
RECENT = 30
# How far ahead of the server's clock a volunteer's entered time may be (clocks drift).
CLOCK_SLACK = timedelta(minutes=5)


class AccessKeyRadioSelect(forms.RadioSelect):
    def __init__(self, keys: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        self.keys = keys

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index == 0:
            option["attrs"]["autofocus"] = True
        if value in self.keys:
            option["attrs"]["accesskey"] = self.keys[value]
            option["label"] = f"{self.keys[value]} · {label}"
        return option


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=CallOutcome.choices,
        widget=AccessKeyRadioSelect(OUTCOME_KEYS),
        error_messages={"required": gettext_lazy("Choose the outcome of the call.")},
    )
    taken_at = forms.DateTimeField(
        label=gettext_lazy("Time of the call"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ],
        error_messages={
            "required": gettext_lazy("Enter the time of the call."),
            "invalid": gettext_lazy("Enter the time as YYYY-MM-DD HH:MM."),
        },
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What happened, in a few words. No caller's name or number here."),
    )
    caller_number = forms.CharField(
        label=gettext_lazy("Caller's number (threats only)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=gettext_lazy(
            "Only when the caller threatened someone and the number may be evidence. "
            "For any other call it is not accepted."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taken_at"].initial = lambda: timezone.localtime().replace(
            second=0, microsecond=0
        )
        # Sealed like contact details: without the centre's public key no number is taken.
        self.contacts_key = contacts.public_key()

    def clean_taken_at(self):
        taken_at = self.cleaned_data["taken_at"]
        if taken_at > timezone.now() + CLOCK_SLACK:
            raise forms.ValidationError(
                _("The time of the call cannot be in the future."), code="future"
            )
        return taken_at

    def clean_notes(self):
        return reject_control_characters(self.cleaned_data["notes"], allow_breaks=True).strip()

    def clean_caller_number(self):
        number = reject_control_characters(self.cleaned_data["caller_number"]).strip()
        if number and not PHONE_NUMBER.match(number):
            raise forms.ValidationError(
                _("Enter the number with digits only (spaces and + - ( ) are fine)."),
                code="invalid",
            )
        if number and self.contacts_key is None:
            raise forms.ValidationError(
                _(
                    "No caller's number can be recorded: the server has no public key to lock "
                    "it with. Write down the threat in the notes, without the number."
                ),
                code="no_contacts_key",
            )
        return number

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("caller_number") and data.get("outcome") != CallOutcome.THREAT:
            self.add_error(
                "caller_number",
                _(
                    "A caller's number is kept only for a threat. Remove the number, or choose "
                    "“Threat” if the caller threatened someone."
                ),
            )
        return data


def weekly_chart(weeks: list) -> dict:
    """Bars of harassment plus threats per week, laid out for an inline SVG (no JavaScript)."""
    width, height, top, bottom, left = 40, 120, 18, 22, 8
    values = [c[CallOutcome.HARASSMENT] + c[CallOutcome.THREAT] for _week, c in weeks]
    peak = max(values, default=0) or 1
    bars = []
    for i, ((week, _counts), value) in enumerate(zip(weeks, values, strict=True)):
        bar_height = round(height * value / peak)
        x = left + i * width
        bars.append(
            {
                "x": x + 6,
                "y": top + height - bar_height,
                "width": width - 12,
                "height": bar_height,
                "value": value,
                "label_x": x + width // 2,
                "value_y": top + height - bar_height - 4,
                "week": week,
            }
        )
    return {
        "bars": bars,
        "width": left * 2 + width * len(weeks),
        "height": top + height + bottom,
        "axis_y": top + height,
        "label_y": top + height + 15,
    }


@staff_required(VOLUNTEER, MODERATOR)
def calls(request):
    if request.method == "POST":
        form = CallForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                call = Call.objects.create(
                    taken_by=request.user,
                    taken_at=data["taken_at"],
                    outcome=data["outcome"],
                    notes=data["notes"],
                    sealed_caller_number=(
                        contacts.seal(data["caller_number"]) if data["caller_number"] else None
                    ),
                )
                # The number itself stays out of the audit log: it records that one was kept.
                AuditEvent.record(
                    request.user,
                    "declarations.call",
                    call,
                    outcome=call.outcome,
                    caller_number_recorded=call.has_caller_number,
                )
            messages.success(
                request,
                _("Call logged: %(outcome)s, %(time)s.")
                % {
                    "outcome": call.get_outcome_display(),
                    "time": date_format(timezone.localtime(call.taken_at), "Y-m-d H:i"),
                },
            )
            return redirect("hotline-calls")
    else:
        form = CallForm()
    weeks = Call.objects.by_week(WEEKS)
    return staff_page(
        request,
        "hotline/calls.html",
        {
            "form": form,
            "error_summary": error_summary(form),
            "recent": Call.objects.select_related("taken_by", "submission")[:RECENT],
            "weeks": [
                {
                    "start": week,
                    "counts": [counts[outcome] for outcome in CallOutcome.values],
                    "total": sum(counts.values()),
                }
                for week, counts in weeks
            ],
            "outcomes": CallOutcome.choices,
            "chart": weekly_chart(weeks),
            "weeks_shown": WEEKS,
        },
    )
