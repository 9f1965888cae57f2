"""Volunteer intake: declarations taken by phone, e-mail, fax or letter, typed in or imported.

Both pages validate with the forms every channel shares and end in ``Submission.objects.submit``,
so a declaration typed in by a volunteer meets the same rules and moderation as one from the web.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tuidang import params
from tuidang.accounts.decorators import has_role, staff_required
from tuidang.accounts.models import MODERATOR, VOLUNTEER, AuditEvent
from tuidang.declarations import csvimport
from tuidang.declarations.forms import PersonFormSet, StaffSubmissionForm
from tuidang.declarations.models import (
    Channel,
    Organisation,
    Status,
    Submission,
)
from tuidang.hotline.models import Call, CallOutcome

PREFIX = "person"
# Rows shown on an empty form: most declarations by phone are one person or a couple.
BLANK_ROWS = 2


def staff_page(request, template: str, context: dict):
    """Render a staff page; the staff menu shows the queue only to those who may open it."""
    return render(
        request,
        template,
        {
            "can_moderate": has_role(request.user, MODERATOR),
            "staff_daily_quota": settings.STAFF_DAILY_QUOTA,
            **context,
        },
    )


class CallLinkForm(forms.Form):
    # Ticked by default, because most intake is by telephone; for other channels it is
    # ignored rather than refused, so switching the channel never blocks saving.
    log_call = forms.BooleanField(
        label=gettext_lazy("Telephone only: also log this call in the call log"),
        required=False,
        initial=True,
    )

    def wanted(self, channel: str) -> bool:
        return channel == Channel.PHONE and self.is_valid() and self.cleaned_data["log_call"]


def with_one_more_row(data):
    """The posted data with one more (blank) person row, keeping everything typed so far."""
    data = data.copy()
    total = params.whole_number(data.get(f"{PREFIX}-TOTAL_FORMS")) or 1
    data[f"{PREFIX}-TOTAL_FORMS"] = str(min(total + 1, settings.FAMILY_MAX_SIZE))
    return data


def focus_first_problem(submission_form, formset, row: int = 0) -> None:
    """Put the cursor where the volunteer must type next: the first field with an error, or
    the name in ``row``."""
    for form in [*formset.forms, submission_form]:
        if form.is_bound and form.errors:
            name = next(iter(form.errors))
            if name in form.fields:
                form.fields[name].widget.attrs["autofocus"] = True
                return
    if formset.forms:
        formset.forms[min(row, len(formset.forms) - 1)].fields["name"].widget.attrs["autofocus"] = (
            True
        )


def intake_page(request, submission_form, formset, call_form, row=0, quiet=False, receipt=None):
    if not quiet:
        focus_first_problem(submission_form, formset, row)
    else:
        formset.forms[row].fields["name"].widget.attrs["autofocus"] = True
    # <input type="date"> takes only ISO dates, whatever the page's language formats dates as.
    submission_form.fields["declared_on"].widget.format = "%Y-%m-%d"
    submission_form.fields["channel"].widget.attrs["accesskey"] = "c"
    submission_form.fields["declared_on"].widget.attrs["accesskey"] = "t"
    return staff_page(
        request,
        "declarations/staff/intake.html",
        {
            "formset": formset,
            "submission_form": submission_form,
            "call_form": call_form,
            "quiet": quiet,
            "has_errors": not quiet and bool(submission_form.errors or formset.total_error_count()),
            "receipt": receipt,
            "family_max": settings.FAMILY_MAX_SIZE,
        },
    )


def status_text(submission: Submission) -> str:
    if submission.status == Status.ACCEPTED:
        return _("accepted")
    return _("waiting for review: %(flags)s") % {"flags": "; ".join(submission.get_flags_display())}


@staff_required(VOLUNTEER, MODERATOR)
def intake(request):
    receipt = None
    if request.method == "POST":
        submission_form = StaffSubmissionForm(request.POST)
        call_form = CallLinkForm(request.POST)
        if "add" in request.POST:
            # The no-JavaScript way to add a row: show the form again with one more, keeping
            # what was typed and not yet complaining about rows still being filled in.
            formset = PersonFormSet(with_one_more_row(request.POST), prefix=PREFIX)
            if formset.total_form_count() >= settings.FAMILY_MAX_SIZE:
                messages.warning(
                    request,
                    _("One submission can hold at most %(max)d people.")
                    % {"max": settings.FAMILY_MAX_SIZE},
                )
            row = formset.total_form_count() - 1
            return intake_page(request, submission_form, formset, call_form, row, quiet=True)
        formset = PersonFormSet(request.POST, prefix=PREFIX)
        # Both validated (not short-circuited) so every error shows at once.
        valid = all([submission_form.is_valid(), formset.is_valid()])
        if valid:
            people = formset.people()
            data = submission_form.cleaned_data
            with transaction.atomic():
                submission, receipt = Submission.objects.submit(
                    people=people,
                    declared_on=data["declared_on"],
                    channel=data["channel"],
                    language=request.LANGUAGE_CODE,
                    contact=data["contact"],
                    want_receipt=data["want_receipt"],
                    entered_by=request.user,
                )
                call = None
                if call_form.wanted(data["channel"]):
                    call = Call.objects.create(
                        taken_by=request.user,
                        outcome=CallOutcome.DECLARATION,
                        submission=submission,
                    )
                    AuditEvent.record(request.user, "declarations.call", call, outcome=call.outcome)
                AuditEvent.record(
                    request.user,
                    "declarations.intake",
                    submission,
                    channel=submission.channel,
                    people=len(people),
                    status=submission.status,
                    flags=submission.flags,
                    call=call.pk if call else None,
                )
            # By number, never by name: the message waits in the session table until shown.
            messages.success(
                request,
                ngettext(
                    "Declaration #%(id)d saved, %(count)d person (%(channel)s, %(date)s): "
                    "%(status)s.",
                    "Declaration #%(id)d saved, %(count)d people (%(channel)s, %(date)s): "
                    "%(status)s.",
                    len(people),
                )
                % {
                    "id": submission.pk,
                    "count": len(people),
                    "channel": submission.get_channel_display(),
                    "date": submission.declared_on.isoformat(),
                    "status": status_text(submission),
                },
            )
            if receipt is None:
                return redirect("declarations-intake")
            # The receipt code is shown once, on this response, and stored nowhere (not even
            # in the session the messages would go through), so no redirect here.
            submission_form = StaffSubmissionForm(initial={"channel": data["channel"]})
            formset = blank_formset()
            call_form = CallLinkForm()
    else:
        submission_form = StaffSubmissionForm()
        formset = blank_formset()
        call_form = CallLinkForm()
    return intake_page(request, submission_form, formset, call_form, receipt=receipt)


def blank_formset():
    formset = PersonFormSet(prefix=PREFIX)
    formset.extra = BLANK_ROWS - formset.min_num
    return formset


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file (UTF-8)"),
        error_messages={
            "required": gettext_lazy("Choose a CSV file to import."),
            "empty": gettext_lazy("The file is empty."),
        },
    )


@staff_required(VOLUNTEER, MODERATOR)
def import_csv(request):
    saved = refused = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # Refused before an oversized file is read into memory.
                csvimport.check_size(upload.size)
                parsed = csvimport.parse(upload.read())
            except csvimport.ImportRefused as error:
                refused = error.message
            else:
                saved = csvimport.save(
                    parsed, entered_by=request.user, language=request.LANGUAGE_CODE
                )
                form = ImportForm()
    else:
        form = ImportForm()
    return staff_page(
        request,
        "declarations/staff/import.html",
        {
            "form": form,
            "saved": saved,
            "refused": refused,
            "columns": csvimport.COLUMNS,
            "max_rows": csvimport.MAX_ROWS,
            "max_mb": csvimport.MAX_BYTES // (1024 * 1024),
            "family_max": settings.FAMILY_MAX_SIZE,
            "organisations": Organisation.objects.filter(active=True),
            "Status": Status,
        },
    )
