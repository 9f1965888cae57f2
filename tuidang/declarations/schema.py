"""The partner API's typed schema (msgspec): the shape of ``POST /api/v1/declarations``.

``decode`` reads a body straight into these types in C. It answers None, and the view falls back
to reading the body with the standard library and checking its shape field by field (to report
every error at once, with the same messages as always), whenever the fast reading could differ
from that careful one: a type that does not fit, an unknown field, a key written twice (msgspec
keeps the last; the API refuses it), a ``\\u`` escape (which could spell a key differently, or
a lone surrogate), or a raw control character. The same types describe the body in
``/api/v1/openapi.json`` (``tuidang.declarations.openapi``).
"""

import re
from typing import Annotated

import msgspec
from django.conf import settings

# Raw control characters: msgspec takes DEL (JSON allows it); the API refuses them all.
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ESCAPE = b"\\u"


class PersonIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One person of a family."""

    name: (
        Annotated[
            str | None,
            msgspec.Meta(
                description=f"Name or alias, at most {settings.NAME_MAX_LENGTH} characters; "
                "an alias is recommended."
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    organisations: (
        Annotated[
            list[str] | None,
            msgspec.Meta(description="At least one organisation slug: party, league, pioneers."),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    statement: (
        Annotated[
            str | None,
            msgspec.Meta(
                description=f"Optional text, at most {settings.STATEMENT_MAX_LENGTH} characters by "
                "default; line breaks allowed."
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    region: (
        Annotated[
            str | None,
            msgspec.Meta(
                description="Optional: CN-XX province-level code or ISO 3166-1 alpha-2 country "
                "code (HK, MO and TW are accepted for CN-HK, CN-MO and CN-TW)."
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class DeclarationIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A family of one to ten people declaring together."""

    people: (
        Annotated[
            list[PersonIn] | None,
            msgspec.Meta(description=f"1 to {settings.FAMILY_MAX_SIZE} people declaring together."),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    date: (
        Annotated[
            str | None,
            msgspec.Meta(
                description="Day of declaration, YYYY-MM-DD, not in the future; default today.",
                extra_json_schema={"format": "date"},
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    contact: (
        Annotated[
            str | None,
            msgspec.Meta(
                description="Optional contact details, sealed on arrival to the centre's public key."
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    receipt: (
        Annotated[bool | None, msgspec.Meta(description="true to get a receipt code (shown once).")]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class DeclarationCreated(msgspec.Struct):
    """The answer to a declaration that was taken in."""

    status: Annotated[
        str,
        msgspec.Meta(
            description="accepted (logged and counted with the next batch) or pending "
            "(held for a moderator)."
        ),
    ]
    people: int
    receipt: Annotated[str | None, msgspec.Meta(description="Shown once, never stored.")]
    receipt_url: str


class Errors(msgspec.Struct):
    """Every error at once, keyed by the JSON path of the value, in the request's language."""

    errors: dict[str, list[str]]


_decoder = msgspec.json.Decoder(DeclarationIn)
_PERSON_KEYS = tuple((field, f'"{field}"'.encode()) for field in PersonIn.__struct_fields__)
_BODY_KEYS = tuple((field, f'"{field}"'.encode()) for field in DeclarationIn.__struct_fields__)
encode = msgspec.json.Encoder().encode


def decode(body: bytes) -> DeclarationIn | None:
    """``body`` as a ``DeclarationIn`` if it reads exactly as the careful reading would, else None."""
    if ESCAPE in body or RAW_CONTROL.search(body):
        return None
    try:
        declaration = _decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    # A key written twice shows as more "key" tokens than fields that were given (a value
    # that happens to spell a key only sends the body the careful way).
    for field, token in _BODY_KEYS:
        if body.count(token) != (getattr(declaration, field) is not msgspec.UNSET):
            return None
    people = declaration.people if isinstance(declaration.people, list) else []
    for field, token in _PERSON_KEYS:
        given = sum(getattr(person, field) is not msgspec.UNSET for person in people)
        if body.count(token) != given:
            return None
    return declaration
