"""Offline-verifiable inclusion receipts (c2sp.org/tlog-proof).

A tlog-proof bundles everything needed to check, without talking to the log,
that an entry was logged and that the tree it was logged in was observed by
witnesses::

    c2sp.org/tlog-proof@v1
    extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6          (optional)
    index 73894
    gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=           inclusion proof,
    B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=           leaf sibling first
    ...
                                                           blank line
    example.com/fancylog                                   signed checkpoint,
    109482                                                 verbatim
    sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

    — example.com/fancylog hI2DJw...
    — witness1.example mJirIklj...

The ``extra`` data is opaque and NOT authenticated; applications must not
trust it.  :func:`verify_proof` checks the checkpoint's signatures with the
given verifiers (log key and, typically, witness keys), parses the checkpoint
and checks the inclusion proof against its root.  Deciding how many and which
signatures are enough (a witness quorum) is policy, left to the caller, who
gets the verified signatures back.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._encoding import decode_b64, parse_decimal
from .checkpoint import Checkpoint
from .errors import FormatError, ProofError
from .hashes import HASH_SIZE, leaf_hash
from .note import Signature, Verifier, parse
from .note import open as open_note
from .tree import verify_inclusion

__all__ = ["HEADER", "TlogProof", "VerifiedProof", "format_proof", "parse_proof", "verify_proof"]

#: First line of every tlog-proof.
HEADER = "c2sp.org/tlog-proof@v1"
#: More proof lines than this cannot belong to a tree of size < 2**63.
_MAX_PROOF_HASHES = 63


@dataclass(frozen=True)
class TlogProof:
    """A parsed (not yet verified) tlog-proof."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None


@dataclass(frozen=True)
class VerifiedProof:
    """Result of :func:`verify_proof`: what was proven, and by whom it is vouched."""

    index: int
    checkpoint: Checkpoint
    signatures: tuple[Signature, ...]
    extra: bytes | None


def format_proof(
    index: int, proof: Sequence[bytes], checkpoint: bytes, extra: bytes | None = None
) -> bytes:
    """Return a tlog-proof for entry ``index`` with the signed ``checkpoint`` note."""
    if index < 0:
        raise ValueError(f"entry index {index} is negative")
    lines = [HEADER]
    if extra is not None:
        lines.append("extra " + b64encode(extra).decode("ascii"))
    lines.append(f"index {index}")
    for h in proof:
        if len(h) != HASH_SIZE:
            raise ValueError(f"proof hash is {len(h)} bytes long, not {HASH_SIZE}")
        lines.append(b64encode(h).decode("ascii"))
    parse(checkpoint)  # refuse to emit a receipt around a malformed note
    return ("\n".join(lines) + "\n\n").encode("ascii") + checkpoint


def parse_proof(data: bytes) -> TlogProof:
    """Parse a tlog-proof strictly; the checkpoint note is only split off, not verified."""
    head, sep, checkpoint = data.partition(b"\n\n")
    if not sep:
        raise FormatError("tlog-proof has no blank line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise FormatError("tlog-proof header is not ASCII") from None
    if lines[0] != HEADER:
        raise FormatError(f"tlog-proof does not start with {HEADER!r}")
    rest = lines[1:]
    extra = None
    if rest and rest[0].startswith("extra "):
        extra = decode_b64(rest.pop(0)[len("extra ") :], "extra data")
    if not rest or not rest[0].startswith("index "):
        raise FormatError("tlog-proof is missing its index line")
    index = parse_decimal(rest.pop(0)[len("index ") :], "entry index")
    if len(rest) > _MAX_PROOF_HASHES:
        raise FormatError(f"tlog-proof has {len(rest)} proof lines, more than {_MAX_PROOF_HASHES}")
    proof = tuple(decode_b64(line, "proof hash", HASH_SIZE) for line in rest)
    return TlogProof(index, proof, checkpoint, extra)


def verify_proof(
    receipt: bytes | TlogProof,
    entry: bytes,
    verifiers: Iterable[Verifier],
    *,
    prehashed: bool = False,
    origin: str | None = None,
) -> VerifiedProof:
    """Verify a tlog-proof for ``entry`` and return what it proves.

    ``entry`` is the logged entry's bytes, or its RFC 6962 leaf hash when
    ``prehashed`` is true.  ``verifiers`` are the trusted log and witness
    keys; at least one must have signed the checkpoint (see
    :func:`tuidang.ledger.note.open`).  With ``origin`` the checkpoint's
    origin line must equal it.

    Raises :class:`~tuidang.ledger.errors.FormatError`,
    :class:`~tuidang.ledger.errors.SignatureError` or
    :class:`~tuidang.ledger.errors.ProofError`.
    """
    parsed = receipt if isinstance(receipt, TlogProof) else parse_proof(receipt)
    opened = open_note(parsed.checkpoint, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise ProofError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    leaf = entry if prehashed else leaf_hash(entry)
    verify_inclusion(parsed.index, checkpoint.size, leaf, parsed.proof, checkpoint.root_hash)
    return VerifiedProof(parsed.index, checkpoint, tuple(opened.verified), parsed.extra)
