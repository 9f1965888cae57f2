"""``POST /api/v1/declarations``: partner channels and apps declare by the web form's rules.

The body is read into the typed schema (``schema.py``, msgspec, in C); a body that does not fit
it is read again with the standard library and checked field by field, so that every error is
reported at once. Either way the values then go through ``rules.py``, the rules every way in
uses, so every rule and message is the same as on the public page. Errors are keyed by the JSON
path of the value (``people[0].name``, ``date``), in the request's language (``?lang=`` or
Accept-Language).

The endpoint takes no cookies and no session, so it is exempt from CSRF; it is rate limited
per client exactly like the form, sharing the same hourly count.
"""

import functools
import re
from collections import defaultdict
from typing import Any

import msgspec
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from tuidang import privacy
from tuidang.declarations import arrivals, contacts, rules, schema
from tuidang.declarations.jsonrequest import BadBody, error_response, parse_json, read_body
from tuidang.declarations.models import Channel, Status, Submission
from tuidang.declarations.views.declare import (
    count_submission,
    retry_after_seconds,
    submission_limit_reached,
)

PERSON_FIELDS = tuple(schema.PersonIn.__struct_fields__)
BODY_FIELDS = frozenset(schema.DeclarationRequest.__struct_fields__)
TEXT_FIELDS = ("name", "statement", "region")
# Organisation slugs are SlugField values; anything else (a NUL byte, say) is unknown without
# being sent to the database, which may refuse to even compare it.
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,32}")

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
        raw = read_body(request)
    except BadBody as bad:
        return error_response({"body": [bad.message]}, bad.status)
    errors: Errors = defaultdict(list)
    typed = schema.decode(raw)
    if typed is not None:
        given = _given_typed(typed)
    else:
        try:
            body = parse_json(raw)
        except BadBody as bad:
            return error_response({"body": [bad.message]}, bad.status)
        if not isinstance(body, dict):
            return error_response({"body": [_("The body must be a JSON object.")]}, 400)
        given = _given_json(body, errors)
    declaration = _checked(given, errors)
    if errors:
        return error_response(dict(errors), 400)
    if not count_submission(request):
        return _too_many()

    people = declaration["people"]
    taken_in = {
        "people": people,
        "declared_on": declaration["declared_on"],
        "channel": Channel.API,
        "language": translation.get_language() or "",
        "contact": declaration["contact"],
        "want_receipt": declaration["receipt"],
        "client_key": privacy.key_of(request),
    }
    status: schema.CreatedStatus
    if settings.INTAKE_QUEUE:
        # Moderated by the sequencer in a moment (arrivals.py): what is true now is "received".
        code = arrivals.receive(**taken_in)
        status = arrivals.RECEIVED
    else:
        submission, code = Submission.objects.submit(**taken_in)
        # submit() leaves a submission accepted or held for a moderator, nothing else.
        status = "accepted" if submission.status == Status.ACCEPTED else "pending"
    created = schema.DeclarationCreated(
        # No id: consecutive ids would let anyone who declares twice count the
        # declarations that arrived in between, and when (docs/privacy.md, "Timing").
        status=status,
        people=len(people),
        receipt=code,
        receipt_url=_receipt_url(translation.get_language() or ""),
    )
    return HttpResponse(schema.encode(created), status=201, content_type="application/json")


@functools.cache
def _receipt_url(language: str) -> str:
    """The receipt page in ``language`` (the active one): the same for every answer."""
    return reverse("declarations-receipt")


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


# What was given, before the rules: ``people`` (None when not a list), each person a dict of
# the values of the right type (None when not an object) with the fields whose type was
# wrong; and ``date``, ``contact``, ``receipt`` (None when not given or of the wrong type).
Given = dict[str, Any]


def _given_typed(typed: schema.DeclarationRequest) -> Given:
    """What a body that fits the schema gives (no error can be of its shape)."""
    return {
        "people": [
            (
                {
                    field: value
                    for field in PERSON_FIELDS
                    if (value := getattr(person, field)) is not msgspec.UNSET
                },
                (),
            )
            for person in typed.people
        ],
        "count": len(typed.people),
        "date": typed.date if isinstance(typed.date, str) else None,
        "contact": typed.contact if isinstance(typed.contact, str) else None,
        "receipt": typed.receipt is True,
    }


def _given_json(body: dict, errors: Errors) -> Given:
    """What a parsed JSON object gives; every error of shape goes into ``errors``."""
    for key in sorted(body.keys() - BODY_FIELDS):
        errors[key].append(_("Unknown field."))
    given: Given = {"people": None, "count": 0, "date": None}
    people = body.get("people", [])
    if people is None:
        people = []
    if not isinstance(people, list):
        errors["people"].append(_("This must be a list of people (JSON objects)."))
    else:
        given["count"] = len(people)
        # "At most ten" is said once; people past the eleventh are never looked at.
        given["people"] = [
            _person_json(index, person, errors)
            for index, person in enumerate(people[: settings.FAMILY_MAX_SIZE + 1])
        ]
    date = body.get("date")
    if date is not None:
        if isinstance(date, str):
            given["date"] = date
        else:
            errors["date"].append(str(rules.DATE_INVALID))
    contact = body.get("contact")
    given["contact"] = None
    if contact is not None:
        if isinstance(contact, str):
            given["contact"] = contact
        else:
            errors["contact"].append(_("This must be a string."))
    receipt = body.get("receipt")
    given["receipt"] = False
    if receipt is not None:
        if isinstance(receipt, bool):
            given["receipt"] = receipt
        else:
            errors["receipt"].append(_("This must be true or false."))
    return given


def _person_json(index: int, person: Any, errors: Errors) -> tuple[dict, tuple] | None:
    path = f"people[{index}]"
    if not isinstance(person, dict):
        errors[path].append(_("Each person must be a JSON object."))
        return None
    for key in sorted(person.keys() - set(PERSON_FIELDS)):
        errors[f"{path}.{key}"].append(_("Unknown field."))
    values: dict[str, Any] = {}
    wrong: list[str] = []
    for key in TEXT_FIELDS:
        value = person.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            values[key] = value
        else:
            wrong.append(key)
            errors[f"{path}.{key}"].append(_("This must be a string."))
    organisations = person.get("organisations")
    if organisations is not None:
        if isinstance(organisations, list) and all(isinstance(o, str) for o in organisations):
            values["organisations"] = organisations
        else:
            wrong.append("organisations")
            errors[f"{path}.organisations"].append(
                _('This must be a list of organisations, such as ["party", "league"].')
            )
    return values, tuple(wrong)


def _checked(given: Given, errors: Errors) -> dict:
    """The declaration by the rules; every broken rule goes into ``errors``."""
    people: list[dict] = []
    if given["people"] is not None:
        for index, entry in enumerate(given["people"][: settings.FAMILY_MAX_SIZE]):
            if entry is None:
                continue  # not even an object: the rules' messages would only add noise
            values, wrong = entry
            path = f"people[{index}]"
            skip = set(wrong)
            unknown = [o for o in values.get("organisations", ()) if not SLUG.fullmatch(o)]
            if unknown:
                skip.add("organisations")
                errors[f"{path}.organisations"].extend(
                    str(rules.UNKNOWN_ORGANISATION) % {"value": o} for o in unknown
                )
            person, person_errors = rules.clean_person(values, skip=skip)
            for field, messages in person_errors.items():
                errors[f"{path}.{field}"].extend(messages)
            people.append(person)
        try:
            rules.check_family_size(given["count"])
        except rules.Invalid as invalid:
            if "people" not in errors:
                errors["people"].extend(invalid.messages)
    declared_on = timezone.localdate()
    if given["date"] is not None:
        try:
            declared_on = rules.check_declared_on(rules.parse_iso_date(given["date"]))
        except rules.Invalid as invalid:
            errors["date"].extend(invalid.messages)
    contact = ""
    if given["contact"] is not None:
        try:
            contact = rules.clean_contact(
                given["contact"], can_seal=contacts.public_key() is not None
            )
        except rules.Invalid as invalid:
            errors["contact"].extend(invalid.messages)
    return {
        "people": people,
        "declared_on": declared_on,
        "contact": contact,
        "receipt": given["receipt"],
    }
