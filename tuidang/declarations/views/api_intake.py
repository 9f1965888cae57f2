"""``POST /api/v1/declarations``: partner channels and apps declare through the web form's rules.

The JSON body is checked for shape (types, known fields) here, then fed to the very forms the
public page uses (``PersonFormSet`` and ``SubmissionForm``), so every rule and message is the
same on both ways in. All errors are reported at once, keyed by the JSON path of the value
(``people[0].name``, ``date``), in the request's language (``?lang=`` or Accept-Language).

The endpoint takes no cookies and no session, so it is exempt from CSRF; it is rate limited
per client exactly like the form, sharing the same hourly count.
"""

import re
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from tuidang.declarations.forms import BasePersonFormSet, PersonForm, SubmissionForm
from tuidang.declarations.jsonrequest import BadBody, error_response, read_json
from tuidang.declarations.models import Channel, Submission
from tuidang.declarations.views.declare import (
    PREFIX,
    count_submission,
    person_formset,
    retry_after_seconds,
    submission_limit_reached,
)

PERSON_FIELDS = ("name", "organisations", "statement", "region")
# JSON name -> SubmissionForm field
SUBMISSION_FIELDS = {"date": "declared_on", "contact": "contact", "receipt": "want_receipt"}
BODY_FIELDS = {"people", *SUBMISSION_FIELDS}
# Organisation slugs are SlugField values; anything else (a NUL byte, say) is unknown without
# being sent to the database, which may refuse to even compare it.
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,32}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Errors = defaultdict[str, list[str]]


@csrf_exempt
@never_cache
def declarations(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("lang", "")
    if language in dict(settings.LANGUAGES):
        with translation.override(language):
            response = _declarations(request)
        # LocaleMiddleware would name the language of Accept-Language, not of the text.
        response.headers["Content-Language"] = language
        return response
    return _declarations(request)


def _declarations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return error_response({"request": [_("Send declarations with POST.")]}, 405, Allow="POST")
    if submission_limit_reached(request):
        return _too_many()
    try:
        body = read_json(request)
    except BadBody as bad:
        return error_response({"body": [bad.message]}, bad.status)
    if not isinstance(body, dict):
        return error_response({"body": [_("The body must be a JSON object.")]}, 400)

    errors: Errors = defaultdict(list)
    for key in sorted(body.keys() - BODY_FIELDS):
        errors[key].append(_("Unknown field."))
    formset = _validated_people(body, errors)
    form = _validated_submission(body, errors)
    if errors:
        return error_response(dict(errors), 400)
    if not count_submission(request):
        return _too_many()

    people = formset.people()
    submission, code = Submission.objects.submit(
        people=people,
        declared_on=form.cleaned_data["declared_on"],
        channel=Channel.API,
        language=translation.get_language() or "",
        contact=form.cleaned_data["contact"],
        want_receipt=form.cleaned_data["want_receipt"],
        client_key=request.client_key,
    )
    return JsonResponse(
        {
            # No id: consecutive ids would let anyone who declares twice count the
            # declarations that arrived in between, and when (docs/privacy.md, "Timing").
            "status": submission.status,
            "people": len(people),
            "receipt": code,
            "receipt_url": reverse("declarations-receipt"),
        },
        status=201,
        json_dumps_params={"ensure_ascii": False},
    )


def _too_many() -> HttpResponse:
    return error_response(
        {
            "request": [
                _(
                    "Too many declarations were sent from this connection in the last hour. Try again in an hour."
                )
            ]
        },
        429,
        Retry_After=str(retry_after_seconds()),
    )


def _validated_people(body: dict, errors: Errors) -> BasePersonFormSet | None:
    """Check ``people`` and run it through the form's formset; errors go into ``errors``."""
    people = body.get("people", [])
    if people is None:
        people = []
    if not isinstance(people, list):
        errors["people"].append(_("This must be a list of people (JSON objects)."))
        return None
    # The formset reports "at most ten"; people past the eleventh are never looked at.
    people = people[: settings.FAMILY_MAX_SIZE + 1]
    data = QueryDict(mutable=True)
    data[f"{PREFIX}-TOTAL_FORMS"] = str(len(people))
    data[f"{PREFIX}-INITIAL_FORMS"] = "0"
    for index, person in enumerate(people):
        _person_data(index, person, data, errors)
    # Unlike a form block left blank, an empty object in a JSON list is a mistake to report.
    formset = person_formset(data, form_kwargs={"empty_permitted": False})
    valid = formset.is_valid()
    for index, form_errors in enumerate(formset.errors):
        if f"people[{index}]" in errors:
            continue  # not even an object: the form's "required" messages would only add noise
        for field, messages in _messages(form_errors).items():
            key = f"people[{index}].{field}" if field != "__all__" else f"people[{index}]"
            if key not in errors:
                errors[key].extend(messages)
    if formset.non_form_errors() and "people" not in errors:
        errors["people"].extend(_messages_of(formset.non_form_errors()))
    return formset if valid else None


def _person_data(index: int, person: Any, data: QueryDict, errors: Errors) -> None:
    path = f"people[{index}]"
    if not isinstance(person, dict):
        errors[path].append(_("Each person must be a JSON object."))
        return
    for key in sorted(person.keys() - set(PERSON_FIELDS)):
        errors[f"{path}.{key}"].append(_("Unknown field."))
    for key in ("name", "statement", "region"):
        value = person.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            data[f"{PREFIX}-{index}-{key}"] = value
        else:
            errors[f"{path}.{key}"].append(_("This must be a string."))
    organisations = person.get("organisations")
    if organisations is None:
        return
    if not isinstance(organisations, list) or not all(isinstance(o, str) for o in organisations):
        errors[f"{path}.organisations"].append(
            _('This must be a list of organisations, such as ["party", "league"].')
        )
        return
    unknown = [o for o in organisations if not SLUG.fullmatch(o)]
    if unknown:
        message = PersonForm.base_fields["organisations"].error_messages["invalid_choice"]
        errors[f"{path}.organisations"].extend(str(message) % {"value": o} for o in unknown)
        return
    data.setlist(f"{PREFIX}-{index}-organisations", organisations)


def _validated_submission(body: dict, errors: Errors) -> SubmissionForm:
    data = QueryDict(mutable=True)
    data["declared_on"] = timezone.localdate().isoformat()
    date = body.get("date")
    if date is not None:
        if isinstance(date, str) and ISO_DATE.fullmatch(date):
            data["declared_on"] = date
        else:
            errors["date"].append(
                str(SubmissionForm.base_fields["declared_on"].error_messages["invalid"])
            )
    contact = body.get("contact")
    if contact is not None:
        if isinstance(contact, str):
            data["contact"] = contact
        else:
            errors["contact"].append(_("This must be a string."))
    receipt = body.get("receipt")
    if receipt is not None:
        if isinstance(receipt, bool):
            data["want_receipt"] = "on" if receipt else ""
        else:
            errors["receipt"].append(_("This must be true or false."))
    form = SubmissionForm(data)
    form.is_valid()
    json_names = {field: name for name, field in SUBMISSION_FIELDS.items()}
    for field, messages in _messages(form.errors).items():
        key = json_names.get(field, "body")
        if key not in errors:
            errors[key].extend(messages)
    return form


def _messages(error_dict) -> dict[str, list[str]]:
    return {field: _messages_of(error_list) for field, error_list in error_dict.items()}


def _messages_of(error_list) -> list[str]:
    return [item["message"] for item in error_list.get_json_data()]
