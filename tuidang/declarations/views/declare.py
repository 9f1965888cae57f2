"""The public declaration form: one to ten people, working without JavaScript.

A family is entered by submit buttons: "Add another person" and "Remove" re-render the form
with one block more or less, keeping everything typed and showing no error messages yet. Only
"Send" validates. The answer to a successful POST is the thanks page itself, with the
receipt code in it: the code is written to no session, cache or file on its way (a redirect
would have had to park it somewhere), and the page is sent ``no-store``. A browser that
reloads it asks before sending the form again; a second copy is flagged as a likely duplicate
and waits for review, and the page says so.
"""

from datetime import date
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tuidang import params, privacy, ratelimit
from tuidang.compression import compress_anyway
from tuidang.declarations import arrivals, regions
from tuidang.declarations.forms import (
    EARLIEST_DATE,
    BasePersonFormSet,
    PersonFormSet,
    SubmissionForm,
)
from tuidang.declarations.models import Channel, Submission
from tuidang.formerrors import error_summary
from tuidang.transparency import batches

PREFIX = "person"
HOUR = 3600
SUBMIT_SCOPE = "submit"


# --- The hourly limit, shared with the partner API -------------------------------------------


def submission_limit_reached(request: HttpRequest) -> bool:
    """True when this client has already made its submissions for this hour (cheap, no count)."""
    if not settings.RATE_LIMITS:
        return False
    used = ratelimit.count(SUBMIT_SCOPE, privacy.key_of(request), HOUR)
    return used >= settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR


def count_submission(request: HttpRequest) -> bool:
    """Count one submission; False if it is one too many.

    Checked again here, not only by ``submission_limit_reached``, because parallel requests
    from one client can all pass that check before any of them is counted.
    """
    if not settings.RATE_LIMITS:
        return True
    used = ratelimit.hit(SUBMIT_SCOPE, privacy.key_of(request), HOUR)
    return used <= settings.RATE_LIMIT_SUBMISSIONS_PER_HOUR


def retry_after_seconds() -> int:
    # ratelimit windows are aligned to the clock, so the limit lifts at the next full hour.
    return HOUR - int(timezone.now().timestamp()) % HOUR


# --- Views -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render(request, person_formset(), SubmissionForm())

    formset = person_formset(request.POST)
    form = SubmissionForm(request.POST)
    if "add" in request.POST or "remove" in request.POST:
        people = _typed_people(formset)
        # The page opens at the person added (or the one before the person removed), with the
        # cursor in the name: the button's formaction carries the #person-N fragment.
        focus = len(people) - 1
        if "add" in request.POST and len(people) < settings.FAMILY_MAX_SIZE:
            people.append({})
            focus = len(people) - 1
        elif "remove" in request.POST and len(people) > 1:
            index = params.whole_number(request.POST["remove"], maximum=len(people) - 1)
            if index is not None:
                del people[index]
                focus = max(index - 1, 0)
        return _render(
            request, person_formset(initial=people), _typed_submission(form), focus=focus
        )

    if submission_limit_reached(request):
        return _too_many(request, formset, form)
    if not _body_is_utf8(request):
        message = _(
            "Part of what you sent could not be read (it was not valid UTF-8 text). "
            "Check the fields below and send again."
        )
        return _render(request, formset, form, status=400, alert=message)
    if not (formset.is_valid() and form.is_valid()):
        return _render(request, formset, form, status=400)
    if not count_submission(request):
        return _too_many(request, formset, form)

    people = formset.people()
    taken_in = {
        "people": people,
        "declared_on": form.cleaned_data["declared_on"],
        "channel": Channel.WEB,
        "language": get_language() or "",
        "contact": form.cleaned_data["contact"],
        "want_receipt": form.cleaned_data["want_receipt"],
        "client_key": privacy.key_of(request),
    }
    if settings.INTAKE_QUEUE:
        # Moderated by the sequencer in a moment (arrivals.py), as the API's are: what is true
        # now is "received", and the receipt page follows the status from there.
        code = arrivals.receive(**taken_in)
        status = arrivals.RECEIVED
    else:
        submission, code = Submission.objects.submit(**taken_in)
        status = submission.status
    result = {"status": status, "people": len(people), "receipt": code}
    # When the declaration will appear, said from now: this page is the answer to the form.
    return render(
        request, "declarations/thanks.html", {"result": result, "expected": batches.expected()}
    )


@never_cache
@require_http_methods(["GET"])
def thanks(request: HttpRequest) -> HttpResponse:
    """Where an old bookmark or a browser's history leads: the result was shown once, on the
    answer to the form, and is kept nowhere to be shown again."""
    return render(request, "declarations/thanks.html", {"result": None})


# --- Helpers ---------------------------------------------------------------------------------


def person_formset(data=None, initial=None, **kwargs) -> BasePersonFormSet:
    """The people of one submission, as the form and the API both read them."""
    return PersonFormSet(data, prefix=PREFIX, initial=initial, **kwargs)


def _typed_people(formset: BasePersonFormSet) -> list[dict]:
    """What was typed in each person block, unvalidated (``BoundField.value`` never cleans)."""
    return [{name: form[name].value() for name in form.fields} for form in formset.forms] or [{}]


def _typed_submission(form: SubmissionForm) -> SubmissionForm:
    return SubmissionForm(initial={name: form[name].value() for name in form.fields})


def _body_is_utf8(request: HttpRequest) -> bool:
    """Django reads form bodies with errors="replace"; a declaration must not be saved garbled."""
    if request.content_type != "application/x-www-form-urlencoded":
        return True  # multipart bodies are decoded part by part; nothing to re-check cheaply
    try:
        parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _too_many(request, formset, form) -> HttpResponse:
    response = _render(
        request,
        person_formset(initial=_typed_people(formset)),
        _typed_submission(form),
        status=429,
        alert=_(
            "Too many declarations were sent from this connection in the last hour. This one "
            "has not been sent: please send it again in an hour. What you typed is still below."
        ),
    )
    response["Retry-After"] = str(retry_after_seconds())
    return response


def _date_value(form: SubmissionForm) -> str:
    # <input type="date"> only takes YYYY-MM-DD, whatever the active locale's date format is.
    value = form["declared_on"].value()
    return value.isoformat() if isinstance(value, date) else (value or "")


def _select(options: str, value) -> str:
    if not isinstance(value, str) or not regions.is_valid(value):
        return mark_safe(options)  # noqa: S308 - rendered by the template engine, escaped there
    marker = format_html('<option value="{}">', value)
    return mark_safe(options.replace(marker, marker[:-1] + " selected>", 1))  # noqa: S308


def _render(
    request, formset, form, status: int = 200, alert: str = "", focus: int | None = None
) -> HttpResponse:
    # Some 250 regions in up to ten <select>s: rendered once and copied, the one change per
    # block being which option is selected (a template loop per block took most of the time).
    options = render_to_string(
        "declarations/_intake_region_options.html", {"region_groups": regions.choices()}
    )
    blocks = [
        {"form": f, "region_options": _select(options, f["region"].value())} for f in formset.forms
    ]
    context = {
        "formset": formset,
        "blocks": blocks,
        "form": form,
        "alert": alert,
        "can_add": len(blocks) < settings.FAMILY_MAX_SIZE,
        "date_value": _date_value(form),
        "today": timezone.localdate().isoformat(),
        "earliest": EARLIEST_DATE.isoformat(),
        "max_people": settings.FAMILY_MAX_SIZE,
        "invalid": status == 400,
        "focus": focus,
        "error_summary": error_summary(formset, form) if status == 400 else [],
    }
    response = render(request, "declarations/declare.html", context, status=status)
    if request.method == "POST":
        compress_anyway(response)  # the form shown again: no secret in it (tuidang.compression)
    return response
