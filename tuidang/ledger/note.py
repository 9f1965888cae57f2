"""Signed notes (c2sp.org/signed-note) with Ed25519 and witness cosignatures.

A signed note is a UTF-8 text ending in a newline, a blank line, and one or
more signature lines::

    If you think cryptography is the answer to your problem,
    then you don't know what your problem is.

    — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1...RyyBwJnAM=

Each signature line is an em dash (U+2014), a space, the *key name*, a space,
and ``base64(key ID || signature)`` where the key ID is a big-endian uint32.

Keys
====

A key is named by a non-empty string without Unicode spaces or ``+``.  Its
*key ID* is::

    key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]

with signature type ``0x01`` for plain Ed25519 note signatures and ``0x04``
for Ed25519 witness cosignatures (c2sp.org/tlog-cosignature).  Keys are
exchanged as text, in the format of Go's golang.org/x/mod/sumdb/note:

* verifier key (vkey): ``<name>+<hex key ID>+<base64(type || 32-byte public key)>``
* signer key (skey): ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte seed)>``

Verification rules
==================

:func:`open` implements the spec's rules, plus the limits of Go's parser:

* the note must be valid UTF-8 with no control characters but newline;
* the text is everything up to and including the newline before the *last*
  blank line; at least one signature line must follow it, every line must
  be well formed, and there may be at most :data:`MAX_SIGNATURES`;
* a signature whose (name, key ID) matches no given verifier is returned as
  *unverified* and otherwise ignored;
* a signature from a known key that fails to verify rejects the whole note;
* a note with no verified signature at all is rejected.

Cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``)
=============================================================

A cosignature is a note signature whose bytes are an 8-byte big-endian POSIX
timestamp followed by an Ed25519 signature over::

    cosignature/v1
    time <timestamp>
    <the whole checkpoint text>

:class:`CosignatureSigner` and :class:`CosignatureVerifier` plug into
:func:`sign` and :func:`open` like the plain Ed25519 ones, so a witness is
"open the checkpoint with the log's verifier, check consistency, sign with a
CosignatureSigner".
"""

from __future__ import annotations

import hashlib
import time
from base64 import b64encode
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import nacl.exceptions
import nacl.signing

from ._encoding import decode_b64
from .errors import FormatError, SignatureError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "OpenedNote",
    "Signature",
    "Signer",
    "Verifier",
    "add_signatures",
    "cosignature_message",
    "cosignature_timestamp",
    "generate_key",
    "is_valid_key_name",
    "key_id",
    "new_signer",
    "new_verifier",
    "open",
    "parse",
    "parse_signature_line",
    "sign",
]

#: Signature type byte of plain Ed25519 note signatures.
ALG_ED25519 = 0x01
#: Signature type byte of Ed25519 ``cosignature/v1`` witness cosignatures.
ALG_COSIGNATURE_V1 = 0x04
#: Most signature lines :func:`open` accepts on one note (the spec requires >= 16).
MAX_SIGNATURES = 100
#: Largest timestamp a cosignature may carry (c2sp.org/tlog-cosignature).
MAX_TIMESTAMP = (1 << 63) - 1

_SIG_PREFIX = "\u2014 "  # em dash, space
_SKEY_PREFIX = "PRIVATE+KEY+"
_ED25519_SIZE = 32
_ED25519_SIG_SIZE = 64


def is_valid_key_name(name: str) -> bool:
    """Return whether ``name`` may be used as a key name.

    Key names must be non-empty and contain no Unicode whitespace and no
    ``+``.  Control characters are excluded too, since notes cannot carry them.
    """
    return bool(name) and "+" not in name and not any(c.isspace() or c < " " for c in name)


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """Return the uint32 key ID of a key: ``SHA-256(name || 0x0A || alg || key)[:4]``."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


class Signer(Protocol):
    """Something that signs note texts under a key name and key ID."""

    @property
    def name(self) -> str:
        """The key name written on the signature line."""
        ...  # pragma: no cover

    @property
    def key_id(self) -> int:
        """The uint32 key ID written at the start of the signature."""
        ...  # pragma: no cover

    def sign(self, text: bytes) -> bytes:
        """Return the signature bytes (without the key ID) over the note text."""
        ...  # pragma: no cover


class Verifier(Protocol):
    """Something that verifies note signatures made under a key name and key ID."""

    @property
    def name(self) -> str:
        """The key name this verifier answers for."""
        ...  # pragma: no cover

    @property
    def key_id(self) -> int:
        """The uint32 key ID this verifier answers for."""
        ...  # pragma: no cover

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (without the key ID) is valid over ``text``."""
        ...  # pragma: no cover


# ---------------------------------------------------------------------------
# Ed25519 keys
# ---------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not is_valid_key_name(name):
        raise ValueError(f"invalid key name {name!r}")


class _Ed25519Key:
    """Shared state of the four key classes: name, type byte and raw key."""

    alg = ALG_ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        if len(public_key) != _ED25519_SIZE:
            raise ValueError(f"Ed25519 public key is {len(public_key)} bytes, not 32")
        self._name = name
        self._public_key = public_key
        self._key_id = key_id(name, self.alg, public_key)

    @property
    def name(self) -> str:
        """The key name."""
        return self._name

    @property
    def key_id(self) -> int:
        """The uint32 key ID."""
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        return self._public_key

    @property
    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex id>+<base64(type || key)>``."""
        encoded = b64encode(bytes([self.alg]) + self._public_key).decode("ascii")
        return f"{self._name}+{self._key_id:08x}+{encoded}"


class Ed25519Verifier(_Ed25519Key):
    """Verifies plain Ed25519 note signatures (type 0x01)."""

    def __init__(self, name: str, public_key: bytes) -> None:
        super().__init__(name, public_key)
        self._verify_key = nacl.signing.VerifyKey(public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is a valid Ed25519 signature of ``text``."""
        return self._check(text, signature)

    def _check(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != _ED25519_SIG_SIZE:
            return False
        try:
            self._verify_key.verify(message, signature)
        except nacl.exceptions.BadSignatureError:
            return False
        return True


class Ed25519Signer(_Ed25519Key):
    """Signs notes with Ed25519 (type 0x01), from a 32-byte seed."""

    def __init__(self, name: str, seed: bytes) -> None:
        if len(seed) != _ED25519_SIZE:
            raise ValueError(f"Ed25519 seed is {len(seed)} bytes, not 32")
        self._signing_key = nacl.signing.SigningKey(seed)
        super().__init__(name, bytes(self._signing_key.verify_key))

    @property
    def skey(self) -> str:
        """The signer key string ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>``."""
        encoded = b64encode(bytes([self.alg]) + bytes(self._signing_key)).decode("ascii")
        return f"{_SKEY_PREFIX}{self.name}+{self.key_id:08x}+{encoded}"

    def sign(self, text: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``text``."""
        return self._signing_key.sign(text).signature

    def verifier(self) -> Ed25519Verifier:
        """Return the matching verifier."""
        return Ed25519Verifier(self.name, self.public_key)


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """Return the message a ``cosignature/v1`` signs for checkpoint ``text`` at ``timestamp``."""
    return b"cosignature/v1\ntime %d\n" % timestamp + text


class CosignatureVerifier(Ed25519Verifier):
    """Verifies Ed25519 ``cosignature/v1`` witness cosignatures (type 0x04)."""

    alg = ALG_COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is ``timestamp || Ed25519(message)`` over ``text``."""
        if len(signature) != 8 + _ED25519_SIG_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return self._check(cosignature_message(text, timestamp), signature[8:])


class CosignatureSigner(Ed25519Signer):
    """Produces Ed25519 ``cosignature/v1`` witness cosignatures (type 0x04).

    ``clock`` returns the current POSIX time; it defaults to :func:`time.time`
    and exists so tests can produce reproducible cosignatures.
    """

    alg = ALG_COSIGNATURE_V1

    def __init__(self, name: str, seed: bytes, clock: Callable[[], float] = time.time) -> None:
        super().__init__(name, seed)
        self._clock = clock

    def sign(self, text: bytes) -> bytes:
        """Return ``uint64 timestamp || Ed25519(cosignature/v1 message)``."""
        timestamp = int(self._clock())
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise ValueError(f"cosignature timestamp {timestamp} out of range")
        message = cosignature_message(text, timestamp)
        return timestamp.to_bytes(8, "big") + self._signing_key.sign(message).signature

    def verifier(self) -> CosignatureVerifier:
        """Return the matching verifier."""
        return CosignatureVerifier(self.name, self.public_key)


_VERIFIERS: dict[int, type[Ed25519Verifier]] = {
    ALG_ED25519: Ed25519Verifier,
    ALG_COSIGNATURE_V1: CosignatureVerifier,
}
_SIGNERS: dict[int, type[Ed25519Signer]] = {
    ALG_ED25519: Ed25519Signer,
    ALG_COSIGNATURE_V1: CosignatureSigner,
}


def _parse_key(text: str, what: str) -> tuple[str, int, int, bytes]:
    """Split ``name+hexid+base64(type||key)`` and check the key ID."""
    parts = text.split("+", 2)  # the base64 part may itself contain "+"
    if len(parts) != 3:
        raise FormatError(f"malformed {what}: expected name+id+key")
    name, hex_id, encoded = parts
    if not is_valid_key_name(name):
        raise FormatError(f"malformed {what}: invalid key name {name!r}")
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise FormatError(f"malformed {what}: key ID {hex_id!r} is not 8 lowercase hex digits")
    raw = decode_b64(encoded, what)
    if len(raw) != 1 + _ED25519_SIZE or raw[0] not in _VERIFIERS:
        raise FormatError(f"malformed {what}: unsupported key type or length")
    return name, int(hex_id, 16), raw[0], raw[1:]


def new_verifier(vkey: str) -> Ed25519Verifier:
    """Parse a verifier key; type 0x01 gives an :class:`Ed25519Verifier`,
    type 0x04 a :class:`CosignatureVerifier`.  The key ID must match."""
    name, expected_id, alg, public_key = _parse_key(vkey, "verifier key")
    verifier = _VERIFIERS[alg](name, public_key)
    if verifier.key_id != expected_id:
        raise FormatError("malformed verifier key: key ID does not match the key")
    return verifier


def new_signer(skey: str) -> Ed25519Signer:
    """Parse a ``PRIVATE+KEY+...`` signer key; type 0x01 gives an
    :class:`Ed25519Signer`, type 0x04 a :class:`CosignatureSigner`."""
    if not skey.startswith(_SKEY_PREFIX):
        raise FormatError("malformed signer key: missing PRIVATE+KEY+ prefix")
    name, expected_id, alg, seed = _parse_key(skey[len(_SKEY_PREFIX) :], "signer key")
    signer = _SIGNERS[alg](name, seed)
    if signer.key_id != expected_id:
        raise FormatError("malformed signer key: key ID does not match the key")
    return signer


def generate_key(name: str, alg: int = ALG_ED25519) -> tuple[str, str]:
    """Generate a fresh key and return ``(skey, vkey)`` strings.

    ``alg`` is :data:`ALG_ED25519` for a log or note key, or
    :data:`ALG_COSIGNATURE_V1` for a witness cosigning key.
    """
    if alg not in _SIGNERS:
        raise ValueError(f"unsupported signature type {alg:#04x}")
    signer = _SIGNERS[alg](name, bytes(nacl.signing.SigningKey.generate()))
    return signer.skey, signer.vkey


# ---------------------------------------------------------------------------
# Note format
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """Return the signature line, ``— <name> <base64>\\n``."""
        encoded = b64encode(self.key_id.to_bytes(4, "big") + self.signature).decode("ascii")
        return f"{_SIG_PREFIX}{self.name} {encoded}\n"


class OpenedNote(NamedTuple):
    """Result of :func:`open`: the text and its verified and unverified signatures."""

    text: str
    verified: list[Signature]
    unverified: list[Signature]


def _as_text(data: str | bytes, what: str) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{what} is not valid UTF-8") from None
    if any(c < " " and c != "\n" for c in data):
        raise FormatError(f"{what} contains a control character")
    return data


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise FormatError("note text must end with a newline")


def parse_signature_line(line: str) -> Signature:
    """Parse one signature line (without its newline) into a :class:`Signature`."""
    if not line.startswith(_SIG_PREFIX):
        raise FormatError(f"malformed signature line {line!r}")
    name, sep, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not sep or not is_valid_key_name(name):
        raise FormatError(f"malformed signature line {line!r}")
    raw = decode_b64(encoded, "signature")
    if len(raw) < 5:
        raise FormatError(f"signature line {line!r} is too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse(note: str | bytes) -> tuple[str, list[Signature]]:
    """Split a signed note into its text and signatures, without verifying.

    Enforces every syntactic rule listed in the module docstring.  The
    returned text MUST NOT be trusted; use :func:`open` for that.
    """
    data = _as_text(note, "note")
    split = data.rfind("\n\n")
    if split < 0:
        raise FormatError("note has no blank line before its signatures")
    text, block = data[: split + 1], data[split + 2 :]
    if not block:
        raise FormatError("note has no signatures")
    if not block.endswith("\n"):
        raise FormatError("note must end with a newline after its last signature")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return text, [parse_signature_line(line) for line in lines]


def _index_verifiers(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    index: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        key = (v.name, v.key_id)
        if key in index:
            raise ValueError(
                f"ambiguous verifiers: two keys named {v.name!r} with ID {v.key_id:08x}"
            )
        index[key] = v
    return index


def open(note: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Verify a signed note and return its text and signatures.

    Returns ``(text, verified, unverified)``: signatures by a key in
    ``verifiers`` that verified (each key at most once, in note order), and
    signatures by unknown keys, which callers must not rely on.

    Raises :class:`~tuidang.ledger.errors.FormatError` if the note is
    malformed, and :class:`~tuidang.ledger.errors.SignatureError` if a
    known key's signature does not verify or if no known key signed it.
    """
    text, signatures = parse(note)
    known = _index_verifiers(verifiers)
    message = text.encode("utf-8")
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for sig in signatures:
        key = (sig.name, sig.key_id)
        verifier = known.get(key)
        if verifier is None:
            if sig not in unverified:
                unverified.append(sig)
            continue
        if not verifier.verify(message, sig.signature):
            raise SignatureError(f"invalid signature by {sig.name}+{sig.key_id:08x}")
        if key not in seen:
            seen.add(key)
            verified.append(sig)
    if not verified:
        raise SignatureError("note has no signature from a trusted key")
    return OpenedNote(text, verified, unverified)


def _signature_lines(text: str, signers: Iterable[Signer], existing: list[Signature]) -> str:
    message = text.encode("utf-8")
    have = {(s.name, s.key_id) for s in existing}
    lines = [s.line() for s in existing]
    for signer in signers:
        _check_name(signer.name)
        if (signer.name, signer.key_id) in have:
            continue
        have.add((signer.name, signer.key_id))
        lines.append(Signature(signer.name, signer.key_id, signer.sign(message)).line())
    if not lines:
        raise ValueError("a signed note needs at least one signer")
    if len(lines) > MAX_SIGNATURES:
        raise ValueError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(lines)


def sign(text: str | bytes, *signers: Signer) -> bytes:
    """Sign ``text`` with every signer and return the signed note, UTF-8 encoded.

    ``text`` must end in a newline and contain no control characters besides
    newline.  Signers with the same name and key ID sign only once.
    """
    text = _as_text(text, "note text")
    _check_text(text)
    return _signature_lines(text, signers, []).encode("utf-8")


def add_signatures(note: str | bytes, *signers: Signer) -> bytes:
    """Return ``note`` with signatures by ``signers`` appended.

    Existing signature lines are kept verbatim (they are not verified here);
    a signer whose name and key ID already appear on the note is skipped.
    This is how a witness's cosignature joins a log's checkpoint.
    """
    text, existing = parse(note)
    return _signature_lines(text, signers, existing).encode("utf-8")


def cosignature_timestamp(signature: Signature) -> int:
    """Return the POSIX timestamp carried by a ``cosignature/v1`` signature."""
    if len(signature.signature) != 8 + _ED25519_SIG_SIZE:
        raise FormatError("not a cosignature/v1 signature (wrong length)")
    return int.from_bytes(signature.signature[:8], "big")
