"""The partner API's typed schema (msgspec): the shape of ``POST /api/v1/declarations``.

``decode`` reads a body straight into these types in C. It answers None, and the view falls back
to reading the body with the standard library and checking its shape field by field (to report
every error at once, with the same messages as always), whenever the fast reading could differ
from that careful one: anything outside the documented contract (a type, a length, a missing
field, ``null``, an unknown field), a key written twice (msgspec keeps the last; the API refuses
it), a ``\\u`` escape (which could spell a key differently, or be a lone surrogate), or a raw
control character. The careful reading then finds the same values, or says what is wrong with
each. The same types describe the body in ``/api/v1/openapi.json``
(``tuidang.declarations.openapi``), so the description is the contract the fast reading checks.
"""

import re
from typing import Annotated, Literal

import msgspec
from django.conf import settings

# Raw control characters: msgspec takes DEL (JSON allows it); the API refuses them all.
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ESCAPE = b"\\u"


class PersonIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True):
    """One person of a family."""

    name: Annotated[
        str,
        msgspec.Meta(
            max_length=settings.NAME_MAX_LENGTH,
            description="Name or alias (an alias is recommended).",
        ),
    ]
    organisations: Annotated[
        list[str],
        msgspec.Meta(
            min_length=1,
            description="Slugs of the organisations quit: party, league, pioneers.",
        ),
    ]
    region: (
        Annotated[
            str,
            msgspec.Meta(
                description="Optional. CN-XX code of a division of mainland China, or an ISO "
                "3166-1 alpha-2 code: HK, MO and TW (or CN-HK, CN-MO, CN-TW) for Hong Kong, "
                "Macau and Taiwan, which are stored and returned as CN-HK, CN-MO, CN-TW; any "
                "other country code for abroad."
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    statement: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=settings.STATEMENT_MAX_LENGTH,
                description="Optional; at most TUIDANG_STATEMENT_MAX_LENGTH characters (2000 "
                "by default); line breaks allowed.",
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class DeclarationRequest(
    msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True
):
    """One person, or a family declaring together."""

    people: Annotated[
        list[PersonIn], msgspec.Meta(min_length=1, max_length=settings.FAMILY_MAX_SIZE)
    ]
    date: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                description="Day of declaration, YYYY-MM-DD; not in the future. Today if left out.",
                extra_json_schema={"format": "date"},
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    contact: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=500,
                description="Optional; sealed on arrival to the centre's public key. Refused "
                "when the server has no public key.",
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET
    receipt: (
        Annotated[
            bool,
            msgspec.Meta(
                description="Ask for a receipt code.", extra_json_schema={"default": False}
            ),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


# What became of a declaration the API took in (``DeclarationCreated.status``).
CreatedStatus = Literal["accepted", "pending", "received"]


class DeclarationCreated(msgspec.Struct):
    """The answer to a declaration that was taken in."""

    status: Annotated[
        CreatedStatus,
        msgspec.Meta(
            description="accepted: counted and published with the next batch of the log; "
            "pending: held for a moderator; received: stored, to be moderated in a moment "
            "(where the intake queue is on; the receipt page shows what became of it)."
        ),
    ]
    people: Annotated[int, msgspec.Meta(ge=1)]
    receipt: Annotated[
        str | None,
        msgspec.Meta(
            description="The receipt code, shown once and never stored; null unless asked for."
        ),
    ]
    receipt_url: Annotated[
        str,
        msgspec.Meta(
            description="The page (in the request's language) where a receipt code can be checked.",
            extra_json_schema={"format": "uri-reference"},
        ),
    ]


class Errors(msgspec.Struct):
    """Every error at once, in the request's language."""

    errors: Annotated[
        dict[str, list[str]],
        msgspec.Meta(
            description="Messages by the JSON path of the value at fault: `date`, `page`, "
            "`people`, `people[0].name`, … or `body` and `request` for the request as a whole."
        ),
    ]


_decoder = msgspec.json.Decoder(DeclarationRequest)
_PERSON_KEYS = tuple((field, f'"{field}"'.encode()) for field in PersonIn.__struct_fields__)
_BODY_KEYS = tuple((field, f'"{field}"'.encode()) for field in DeclarationRequest.__struct_fields__)
encode = msgspec.json.Encoder().encode


def decode(body: bytes) -> DeclarationRequest | None:
    """``body`` as a ``DeclarationRequest`` if it reads exactly as the careful reading would, else None."""
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
    people = declaration.people
    for field, token in _PERSON_KEYS:
        given = sum(getattr(person, field) is not msgspec.UNSET for person in people)
        if body.count(token) != given:
            return None
    return declaration
