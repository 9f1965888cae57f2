"""The rules of a declaration, written once, as plain functions.

Every way in uses these and no other: the public form and volunteer intake (through the form
fields in ``forms.py``, which only draw the inputs and call a rule here to clean a value), the
partner API (``views/api_intake.py`` calls them directly, with no form in between), and CSV import
(through the same form fields). A rule takes the value as it arrived and returns it cleaned, or
raises ``Invalid`` with every message that applies, in the active language.

The rules: a name is required, at most ``NAME_MAX_LENGTH`` characters, without controls, line
breaks, bidi overrides or noncharacters, and must show something; organisations are one or more
of the active ones, by slug; a region is empty, a province-level code or a country code (ISO
3166-1 codes for Hong Kong, Macau and Taiwan become the stored ones); a statement is optional, at
most ``STATEMENT_MAX_LENGTH`` characters, line breaks allowed; the date is between the campaign's
first day and today where it is latest on Earth; contact details are at most 500 characters and
refused when there is no key to seal them; a family is one to ``FAMILY_MAX_SIZE`` people.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tuidang.declarations import names, regions
from tuidang.declarations.models import Organisation, active_organisations

# C0 and C1 controls, DEL, and the Unicode bidi overrides that can disguise text.
# Statements may keep line breaks and tabs; names may not (nor Unicode's line and paragraph
# separators).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
EARLIEST_DATE = date(2004, 11, 1)  # the campaign's first declarations
CONTACT_MAX_LENGTH = 500
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

NAME_REQUIRED = _("Enter a name or an alias.")
TOO_LONG = _("Make this at most %(limit_value)d characters (it has %(show_value)d).")
NULL_CHARACTERS = _("Null characters are not allowed.")  # Django's own wording
CONTROL_CHARACTERS = _("Remove the invisible control characters from this text.")
ORGANISATIONS_REQUIRED = _("Choose at least one organisation to quit.")
UNKNOWN_ORGANISATION = _("Unknown organisation: %(value)s.")
NOT_A_LIST = _("Enter a list of values.")  # Django's own wording
UNKNOWN_REGION = _("Unknown region: %(value)s.")
DATE_INVALID = _("Enter a date as YYYY-MM-DD.")
DATE_IN_FUTURE = _("The date of declaration cannot be in the future.")
DATE_TOO_EARLY = _("The date of declaration cannot be before %(date)s.")
NO_PEOPLE = _("Enter at least one person.")
NO_CONTACTS_KEY = _(
    "This site takes no contact details at the moment: the centre has not set up the key that "
    "locks them, and they are never kept unlocked. If you want the centre to contact you, "
    "reach it another way."
)


class Invalid(Exception):
    """A value breaks a rule; ``errors`` are ``(message, code)`` pairs, messages translated."""

    def __init__(self, *errors: tuple[str, str]):
        super().__init__(*(message for message, _code in errors))
        self.errors = list(errors)

    @property
    def messages(self) -> list[str]:
        return [message for message, _code in self.errors]


def _message(text: Promise | str, params: dict | None = None) -> str:
    return str(text) % params if params else str(text)


def _text(
    value: str | None, max_length: int, *, required: Promise | None = None, breaks: bool = False
) -> str:
    """A text field: stripped; then required, length and NUL checked together (as Django's
    CharField does), and only then control characters."""
    value = (value or "").strip()
    if not value:
        if required is not None:
            raise Invalid((_message(required), "required"))
        return ""
    errors = []
    if len(value) > max_length:
        errors.append(
            (
                _message(TOO_LONG, {"limit_value": max_length, "show_value": len(value)}),
                "max_length",
            )
        )
    if "\x00" in value:
        errors.append((_message(NULL_CHARACTERS), "null_characters_not_allowed"))
    if errors:
        raise Invalid(*errors)
    return reject_control_characters(value, allow_breaks=breaks)


def reject_control_characters(value: str, allow_breaks: bool = False) -> str:
    pattern = CONTROL if allow_breaks else CONTROL_OR_BREAK
    if value and pattern.search(value):
        raise Invalid((_message(CONTROL_CHARACTERS), "control"))
    return value


def clean_name(value: str | None) -> str:
    name = _text(value, settings.NAME_MAX_LENGTH, required=NAME_REQUIRED)
    noncharacter = names.NONCHARACTER.search(name)
    if noncharacter:
        raise Invalid(
            (
                _message(
                    _("Remove %(character)s from this name: it is not a character of any script."),
                    {"character": f"U+{ord(noncharacter.group()):04X}"},
                ),
                "noncharacter",
            )
        )
    if names.is_blank(name):
        raise Invalid(
            (
                _message(
                    _(
                        "This name is made only of invisible characters or spaces. "
                        "Enter a name or an alias that can be read."
                    )
                ),
                "blank",
            )
        )
    return name


def clean_statement(value: str | None) -> str:
    return _text(value, settings.STATEMENT_MAX_LENGTH, breaks=True).strip()


def clean_contact(value: str | None, *, can_seal: bool) -> str:
    contact = _text(value, CONTACT_MAX_LENGTH, breaks=True).strip()
    if contact and not can_seal:
        # Without the centre's public key nothing could be sealed: refused, so that nobody
        # believes it was kept.
        raise Invalid((_message(NO_CONTACTS_KEY), "no_contacts_key"))
    return contact


def clean_region(value: str | None) -> str:
    code = regions.canonical(str(value) if value else "")
    if code and not regions.is_valid(code):
        raise Invalid((_message(UNKNOWN_REGION, {"value": code}), "invalid_choice"))
    return code


def clean_organisations(slugs: Iterable[str] | None) -> list[Organisation]:
    """The chosen active organisations, in their display order."""
    if not slugs:
        raise Invalid((_message(ORGANISATIONS_REQUIRED), "required"))
    if not isinstance(slugs, list | tuple):
        raise Invalid((_message(NOT_A_LIST), "invalid_list"))
    for slug in slugs:
        if "\x00" in str(slug):
            raise Invalid((_message(NULL_CHARACTERS), "null_characters_not_allowed"))
    active = active_organisations.by_slug()
    for slug in slugs:
        if str(slug) not in active:
            raise Invalid((_message(UNKNOWN_ORGANISATION, {"value": slug}), "invalid_choice"))
    chosen = set(slugs)
    return [organisation for organisation in active.values() if organisation.slug in chosen]


def latest_today() -> date:
    """Today's date where it is latest on Earth (UTC+14).

    "Never in the future" is about the declarant's calendar, not the server's: someone in
    Beijing (UTC+8) declaring at 07:00 local time is already on a date the server's UTC clock
    has not reached.
    """
    return (timezone.now() + timedelta(hours=14)).date()


def check_declared_on(value: date) -> date:
    if value > latest_today():
        raise Invalid((_message(DATE_IN_FUTURE), "future"))
    if value < EARLIEST_DATE:
        raise Invalid((_message(DATE_TOO_EARLY, {"date": EARLIEST_DATE.isoformat()}), "too_early"))
    return value


def parse_iso_date(value: str) -> date:
    """``YYYY-MM-DD`` as a date (the API's only format; the form also reads the locale's)."""
    if not ISO_DATE.fullmatch(value):
        raise Invalid((_message(DATE_INVALID), "invalid"))
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise Invalid((_message(DATE_INVALID), "invalid")) from None


def too_many_people() -> str:
    return ngettext(
        "One submission can hold at most %(max)d person.",
        "One submission can hold at most %(max)d people.",
        settings.FAMILY_MAX_SIZE,
    ) % {"max": settings.FAMILY_MAX_SIZE}


def check_family_size(size: int) -> None:
    if size < 1:
        raise Invalid((_message(NO_PEOPLE), "too_few_forms"))
    if size > settings.FAMILY_MAX_SIZE:
        raise Invalid((too_many_people(), "too_many_forms"))


# One person's fields, in the order their errors are reported, with the rule for each.
PERSON_RULES = {
    "name": clean_name,
    "organisations": clean_organisations,
    "statement": clean_statement,
    "region": clean_region,
}


def clean_person(raw: dict, skip: Iterable[str] = ()) -> tuple[dict, dict[str, list[str]]]:
    """One person's values (strings, and a list of slugs) cleaned, and the errors by field.

    Fields in ``skip`` already have an error of the caller's (a value of the wrong type) and
    are not checked again.
    """
    person: dict = {}
    errors: dict[str, list[str]] = {}
    for field, rule in PERSON_RULES.items():
        if field in skip:
            continue
        try:
            person[field] = rule(raw.get(field))
        except Invalid as invalid:
            errors[field] = invalid.messages
    return person, errors
