"""The entry formats of tuidang's log: declarations (``tuidang/declaration/v1``) and
rejections (``tuidang/rejection/v1``) and dossier anchors (``tuidang/dossier/v1``). The first line of an entry names its kind and version.

One accepted declaration of one person is one log entry: a short, canonical,
line-oriented UTF-8 text holding the facets the tally is broken down by and a
salted commitment to the fields published with the statement::

    tuidang/declaration/v1
    date 2026-11-23
    organisations league,party
    region CN-SX
    channel web
    commitment 9V5QXo1G0uVxS3b5bEfJ6Yq0mKkZq4D0N4Qy8nJtY2M=

Every line is ``key SP value`` (the first is the version alone), in exactly
this order, each ending in ``LF``; nothing else may appear.  The values:

* ``date``: the declaration date, ``YYYY-MM-DD``.
* ``organisations``: the slugs of the organisations quit, sorted, distinct,
  comma-separated (``[a-z0-9_-]+`` each); empty when none was named.
* ``region``: ``CN-XX`` (ISO 3166-2:CN: a division of mainland China, or
  ``CN-HK``, ``CN-MO``, ``CN-TW`` for Hong Kong, Macau and Taiwan), ``XX``
  (any other country, ISO 3166-1 alpha-2) or ``unknown``.
* ``channel``: how the declaration arrived (``web``, ``api``, ``phone``, ...).
* ``commitment``: standard base64 of the 32-byte :func:`commitment`.

The commitment binds the entry to the published alias and statement without
revealing them: while a statement is published, its fields and its salt are
public and anyone can recompute the commitment.  Removing a statement for the
declarant's safety deletes the fields and the salt; the entry stays, and the
32 random bytes of salt make the commitment useless for guessing aliases.

One rejected declaration of one person is one :class:`Rejection` entry, so
that the published rejection counts are recomputed from the log like every
other number.  It holds the day of the rejection and the reason code, and
nothing else (no text, no alias, no commitment)::

    tuidang/rejection/v1
    date 2026-11-24
    reason spam

One dossier the centre handed over (to a government, the UN, a court) can be anchored as one
:class:`DossierAnchor` entry, so that the centre can later prove what it handed over and by
when. It holds the day of the handover and :func:`dossier_digest` of the dossier's files, and
nothing else (no recipient, no names); it counts towards no tally number::

    tuidang/dossier/v1
    date 2026-12-03
    sha256 3b4c...(64 lowercase hex digits)

docs/log-format.md specifies all of this for authors of independent verifiers.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from base64 import b64encode
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ._encoding import decode_b64
from .errors import FormatError

__all__ = [
    "COMMITMENT_DOMAIN",
    "DOSSIER_VERSION",
    "REJECTION_VERSION",
    "SALT_SIZE",
    "VERSION",
    "DossierAnchor",
    "Entry",
    "Rejection",
    "commitment",
    "counter_keys",
    "decode_any",
    "dossier_digest",
    "encode_entry",
    "recount",
]

#: First line of every entry of this version.
VERSION = "tuidang/declaration/v1"
#: First line of every rejection entry of this version.
REJECTION_VERSION = "tuidang/rejection/v1"
#: First line of every dossier anchor entry of this version.
DOSSIER_VERSION = "tuidang/dossier/v1"
#: Domain separator, the first field hashed into every commitment.
COMMITMENT_DOMAIN = "tuidang/declaration/v1/commitment"
#: Size in bytes of the random salt of a commitment.
SALT_SIZE = 32
#: Size in bytes of a commitment (SHA-256).
COMMITMENT_SIZE = 32

_KEYS = ("date", "organisations", "region", "channel", "commitment")
_SLUG_RE = re.compile(r"[a-z0-9_-]+")
_REGION_RE = re.compile(r"CN-[A-Z]{2}|[A-Z]{2}|unknown")
_CHANNEL_RE = re.compile(r"[a-z]+")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_REASON_RE = re.compile(r"[a-z_]+")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


_DOMAIN_AND_SALT_LENGTH = _field(COMMITMENT_DOMAIN.encode()) + SALT_SIZE.to_bytes(4, "big")


def _commit(salt: bytes, alias: bytes, statement: bytes, facets: bytes) -> bytes:
    """The commitment hash, given ``facets = F(organisations) || F(region) || F(date)``."""
    return hashlib.sha256(
        b"".join(
            (
                _DOMAIN_AND_SALT_LENGTH,
                salt,
                len(alias).to_bytes(4, "big"),
                alias,
                len(statement).to_bytes(4, "big"),
                statement,
                facets,
            )
        )
    ).digest()


@functools.lru_cache(maxsize=4096)
def _facets(
    date: datetime.date, organisations: tuple[str, ...], region: str, channel: str
) -> tuple[str, str, bytes]:
    """Validated facets of an entry: (text before the commitment, its version line and
    facet lines), the committed facet fields, cached because a log has few distinct ones."""
    entry = Entry(date, organisations, region, channel, bytes(COMMITMENT_SIZE))
    head = entry.encode().decode("ascii").rsplit("commitment ", 1)[0] + "commitment "
    committed = b"".join(
        _field(x.encode()) for x in (",".join(organisations), region, date.isoformat())
    )
    return head, ",".join(organisations), committed


def encode_entry(
    *,
    salt: bytes,
    alias: str,
    statement: str,
    organisations: Iterable[str],
    region: str,
    date: datetime.date,
    channel: str,
) -> bytes:
    """Return ``Entry.make(...).encode()``, fast: what a sequencer calls for every entry."""
    if len(salt) != SALT_SIZE:
        raise ValueError(f"salt is {len(salt)} bytes long, not {SALT_SIZE}")
    head, _, committed = _facets(date, tuple(sorted(set(organisations))), region, channel)
    digest = _commit(salt, alias.encode("utf-8"), statement.encode("utf-8"), committed)
    return (head + b64encode(digest).decode("ascii") + "\n").encode("ascii")


def commitment(
    salt: bytes,
    alias: str,
    statement: str,
    organisations: Iterable[str],
    region: str,
    date: datetime.date,
) -> bytes:
    """Return the salted commitment to a statement's published fields.

    ``SHA-256(F(domain) || F(salt) || F(alias) || F(statement) ||
    F(organisations) || F(region) || F(date))`` where ``F(x)`` is the length
    of ``x`` in bytes as a big-endian uint32 followed by ``x``; text fields
    are UTF-8 exactly as published (no normalisation), ``organisations`` is
    the sorted comma-separated slug list and ``region`` and ``date`` are
    written as in the entry.
    """
    if len(salt) != SALT_SIZE:
        raise ValueError(f"salt is {len(salt)} bytes long, not {SALT_SIZE}")
    facets = b"".join(
        _field(x.encode("utf-8"))
        for x in (",".join(sorted(set(organisations))), region, date.isoformat())
    )
    return _commit(salt, alias.encode("utf-8"), statement.encode("utf-8"), facets)


@dataclass(frozen=True)
class Entry:
    """One decoded log entry (see the module docstring for the text form)."""

    date: datetime.date
    organisations: tuple[str, ...]
    region: str
    channel: str
    commitment: bytes

    def __post_init__(self) -> None:
        if list(self.organisations) != sorted(set(self.organisations)):
            raise ValueError("organisations must be sorted and distinct")
        for slug in self.organisations:
            if not _SLUG_RE.fullmatch(slug):
                raise ValueError(f"invalid organisation slug {slug!r}")
        if not _REGION_RE.fullmatch(self.region):
            raise ValueError(f"invalid region {self.region!r}")
        if not _CHANNEL_RE.fullmatch(self.channel):
            raise ValueError(f"invalid channel {self.channel!r}")
        if len(self.commitment) != COMMITMENT_SIZE:
            raise ValueError(f"commitment is {len(self.commitment)} bytes, not {COMMITMENT_SIZE}")

    @classmethod
    def make(
        cls,
        *,
        salt: bytes,
        alias: str,
        statement: str,
        organisations: Iterable[str],
        region: str,
        date: datetime.date,
        channel: str,
    ) -> Entry:
        """Build the entry for a statement, committing to its published fields."""
        slugs = tuple(sorted(set(organisations)))
        digest = commitment(salt, alias, statement, slugs, region, date)
        return cls(date, slugs, region, channel, digest)

    def encode(self) -> bytes:
        """Return the canonical text of the entry, UTF-8 encoded."""
        return (
            f"{VERSION}\n"
            f"date {self.date.isoformat()}\n"
            f"organisations {','.join(self.organisations)}\n"
            f"region {self.region}\n"
            f"channel {self.channel}\n"
            f"commitment {b64encode(self.commitment).decode('ascii')}\n"
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Entry:
        """Parse an entry strictly: one text form per entry, anything else raises FormatError."""
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise FormatError("entry is not ASCII") from None
        if not text.endswith("\n"):
            raise FormatError("entry must end with a newline")
        lines = text[:-1].split("\n")
        if lines[0] != VERSION:
            raise FormatError(f"unknown entry version {lines[0]!r}")
        if len(lines) != 1 + len(_KEYS):
            raise FormatError(f"entry has {len(lines)} lines, expected {1 + len(_KEYS)}")
        values = {}
        for key, line in zip(_KEYS, lines[1:], strict=True):
            name, sep, value = line.partition(" ")
            if name != key or not sep:
                raise FormatError(f"expected a {key!r} line, got {line!r}")
            values[key] = value
        date = _parse_date(values["date"])
        organisations = tuple(values["organisations"].split(",")) if values["organisations"] else ()
        digest = decode_b64(values["commitment"], "commitment", COMMITMENT_SIZE)
        try:
            entry = cls(date, organisations, values["region"], values["channel"], digest)
        except ValueError as e:
            raise FormatError(f"malformed entry: {e}") from None
        return entry

    def matches(self, salt: bytes, alias: str, statement: str) -> bool:
        """Whether published ``alias`` and ``statement`` with ``salt`` open this entry's commitment."""
        expected = commitment(salt, alias, statement, self.organisations, self.region, self.date)
        return expected == self.commitment

    def counter_keys(self) -> list[str]:
        """The tally counters this entry adds one to (see :func:`counter_keys`)."""
        return counter_keys(self)


def _parse_date(value: str) -> datetime.date:
    if not _DATE_RE.fullmatch(value):
        raise FormatError(f"malformed date {value!r}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise FormatError(f"invalid date {value!r}") from None


def _decode_keyed_lines(data: bytes, version: str, keys: tuple[str, ...], what: str) -> list[str]:
    """The values of an entry that is its version line and one ``<key> <value>`` line per key,
    each ending in LF, in that order and nothing else; anything else raises FormatError."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise FormatError("entry is not ASCII") from None
    lines = text.split("\n")
    if lines[0] != version:
        raise FormatError(f"unknown entry version {lines[0]!r}")
    if len(lines) != len(keys) + 2 or lines[-1] != "":
        count = {2: "two", 3: "three", 4: "four"}.get(len(keys) + 1, str(len(keys) + 1))
        raise FormatError(f"{what} is exactly {count} lines, each ending in LF")
    values = []
    for key, line in zip(keys, lines[1:-1], strict=True):
        name, sep, value = line.partition(" ")
        if name != key or not sep:
            raise FormatError(f"expected a {key!r} line, got {line!r}")
        values.append(value)
    return values


@dataclass(frozen=True)
class Rejection:
    """One decoded rejection entry: the day a person's declaration was rejected and why."""

    date: datetime.date
    reason: str

    def __post_init__(self) -> None:
        if not _REASON_RE.fullmatch(self.reason):
            raise ValueError(f"invalid reason {self.reason!r}")

    def encode(self) -> bytes:
        """Return the canonical text of the entry, UTF-8 (ASCII) encoded."""
        return f"{REJECTION_VERSION}\ndate {self.date.isoformat()}\nreason {self.reason}\n".encode()

    @classmethod
    def decode(cls, data: bytes) -> Rejection:
        """Parse a rejection entry strictly; anything but its one text form raises FormatError."""
        values = _decode_keyed_lines(
            data, REJECTION_VERSION, ("date", "reason"), "a rejection entry"
        )
        try:
            return cls(_parse_date(values[0]), values[1])
        except ValueError as e:
            raise FormatError(f"malformed entry: {e}") from None

    def counter_keys(self) -> list[str]:
        """The tally counters this entry adds one to (see :func:`counter_keys`)."""
        return counter_keys(self)


def dossier_digest(files: dict[str, str]) -> str:
    """The SHA-256 (lowercase hex) of a dossier's manifest: one ``<sha256>  <name>`` line per
    file, sorted by name, each ending in LF — exactly what ``sha256sum`` prints for the files
    given in name order, so ``sha256sum a b c | sha256sum`` recomputes it from the files."""
    manifest = "".join(f"{files[name]}  {name}\n" for name in sorted(files))
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DossierAnchor:
    """One decoded dossier anchor: the day a dossier was handed over and its files' digest."""

    date: datetime.date
    sha256: str

    def __post_init__(self) -> None:
        if not _SHA256_RE.fullmatch(self.sha256):
            raise ValueError(f"invalid digest {self.sha256!r}")

    def encode(self) -> bytes:
        """Return the canonical text of the entry, UTF-8 (ASCII) encoded."""
        return f"{DOSSIER_VERSION}\ndate {self.date.isoformat()}\nsha256 {self.sha256}\n".encode()

    @classmethod
    def decode(cls, data: bytes) -> DossierAnchor:
        """Parse a dossier anchor strictly; anything but its one text form raises FormatError."""
        values = _decode_keyed_lines(data, DOSSIER_VERSION, ("date", "sha256"), "a dossier anchor")
        try:
            return cls(_parse_date(values[0]), values[1])
        except ValueError as e:
            raise FormatError(f"malformed entry: {e}") from None

    def counter_keys(self) -> list[str]:
        """The tally counters this entry adds one to (see :func:`counter_keys`)."""
        return counter_keys(self)


def decode_any(data: bytes) -> Entry | Rejection | DossierAnchor:
    """Parse an entry of any kind, chosen by its first line; strictly, like each kind's own
    ``decode``. An unknown first line (a kind or version this code does not know) raises
    FormatError: a verifier must not count what it cannot read."""
    if data.startswith(REJECTION_VERSION.encode() + b"\n"):
        return Rejection.decode(data)
    if data.startswith(DOSSIER_VERSION.encode() + b"\n"):
        return DossierAnchor.decode(data)
    return Entry.decode(data)


def counter_keys(entry: Entry | Rejection | DossierAnchor) -> list[str]:
    """The tally counters one entry adds one to.

    For a declaration: ``total``, ``day:<date>``, ``month:<YYYY-MM>``,
    ``channel:<channel>``, ``org:<slug>`` per organisation, and
    ``region:<CN-XX>`` for a province, ``region:abroad`` plus
    ``country:<XX>`` for a country abroad, or ``region:unknown``.  For a
    rejection: ``rejected:<reason>`` alone; for a dossier anchor:
    ``anchored:dossier`` alone.  Every number the tally publishes is a sum of
    these over the log.
    """
    if isinstance(entry, Rejection):
        return [f"rejected:{entry.reason}"]
    if isinstance(entry, DossierAnchor):
        return ["anchored:dossier"]
    keys = [
        "total",
        f"day:{entry.date.isoformat()}",
        f"month:{entry.date.isoformat()[:7]}",
        f"channel:{entry.channel}",
    ]
    keys.extend(f"org:{slug}" for slug in entry.organisations)
    if entry.region == "unknown" or entry.region.startswith("CN-"):
        keys.append(f"region:{entry.region}")
    else:
        keys.extend(["region:abroad", f"country:{entry.region}"])
    return keys


def recount(entries: Iterable[Entry | Rejection | DossierAnchor]) -> Counter[str]:
    """Recompute the tally's counters from a sequence of entries."""
    counts: Counter[str] = Counter()
    for entry in entries:
        counts.update(counter_keys(entry))
    return counts
