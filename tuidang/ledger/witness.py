"""The wire format of c2sp.org/tlog-witness, for both ends of ``add-checkpoint``.

No networking happens here.  A log (the client) uses
:func:`format_add_checkpoint` to build the body it POSTs to
``<witness>/add-checkpoint`` and :func:`verify_cosignatures` to check the
response; a witness uses :func:`parse_add_checkpoint` and
:func:`check_add_checkpoint` to decide its answer, then
:func:`format_cosignatures` to write it.

Request body::

    old 20852014                                   size the witness last cosigned
    PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=   consistency proof, 0..63 lines
    ...
                                                   blank line
    example.com/behind-the-sofa                    signed checkpoint note
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — example.com/behind-the-sofa Az3grlgt...

Response body (200): one or more note signature lines, the witness's
cosignatures on the checkpoint.

:func:`check_add_checkpoint` raises :class:`WitnessError` carrying the HTTP
status the spec prescribes for each failure (404 unknown origin, 403 no
trusted signature, 400 malformed or old size larger than the checkpoint,
409 old size or root conflict, 422 bad consistency proof).
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ._encoding import decode_b64, parse_decimal
from .checkpoint import Checkpoint
from .errors import FormatError, LedgerError, ProofError, SignatureError
from .hashes import EMPTY_ROOT, HASH_SIZE
from .note import Signature, Verifier, parse, parse_signature_line
from .note import open as open_note
from .tree import verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "AddCheckpointRequest",
    "WitnessError",
    "check_add_checkpoint",
    "format_add_checkpoint",
    "format_cosignatures",
    "parse_add_checkpoint",
    "parse_cosignatures",
    "verify_cosignatures",
]

#: A client MUST NOT send more consistency proof lines than this.
MAX_PROOF_LINES = 63


class WitnessError(LedgerError):
    """An ``add-checkpoint`` request a witness must refuse, with its HTTP status.

    For a 409 caused by a stale old size, ``latest_size`` is the size the
    witness must report (as ``text/x.tlog.size``, ``"<size>\\n"``).
    """

    def __init__(self, status: int, message: str, latest_size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.latest_size = latest_size


@dataclass(frozen=True)
class AddCheckpointRequest:
    """A parsed ``add-checkpoint`` request body (the checkpoint is not yet verified)."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint: bytes) -> bytes:
    """Return the ``add-checkpoint`` body for a signed ``checkpoint`` note."""
    if old_size < 0:
        raise ValueError(f"old size {old_size} is negative")
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"consistency proof has {len(proof)} hashes, more than {MAX_PROOF_LINES}")
    lines = [f"old {old_size}"]
    for h in proof:
        if len(h) != HASH_SIZE:
            raise ValueError(f"proof hash is {len(h)} bytes long, not {HASH_SIZE}")
        lines.append(b64encode(h).decode("ascii"))
    parse(checkpoint)
    return ("\n".join(lines) + "\n\n").encode("ascii") + checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an ``add-checkpoint`` body strictly (raises :class:`FormatError`)."""
    head, sep, checkpoint = body.partition(b"\n\n")
    if not sep:
        raise FormatError("add-checkpoint body has no blank line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise FormatError("add-checkpoint header is not ASCII") from None
    if not lines[0].startswith("old "):
        raise FormatError("add-checkpoint body does not start with an old size line")
    old_size = parse_decimal(lines[0][len("old ") :], "old size")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise FormatError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = tuple(decode_b64(line, "proof hash", HASH_SIZE) for line in lines[1:])
    return AddCheckpointRequest(old_size, proof, checkpoint)


def check_add_checkpoint(
    request: AddCheckpointRequest,
    log_verifiers: Mapping[str, Iterable[Verifier]],
    latest_size: int = 0,
    latest_root: bytes = EMPTY_ROOT,
) -> Checkpoint:
    """Apply a witness's checks to an ``add-checkpoint`` request.

    ``log_verifiers`` maps each known origin to the log keys trusted for it.
    ``latest_size`` and ``latest_root`` describe the latest checkpoint the
    witness cosigned for that origin (size 0 and the empty root if none).
    Returns the verified checkpoint, which the witness should then persist
    (atomically with this check) and cosign.  Raises :class:`WitnessError`.
    """
    try:
        text, _ = parse(request.checkpoint)
        checkpoint = Checkpoint.parse(text)
    except FormatError as e:
        raise WitnessError(400, f"malformed checkpoint: {e}") from None
    verifiers = log_verifiers.get(checkpoint.origin)
    if verifiers is None:
        raise WitnessError(404, f"unknown log origin {checkpoint.origin!r}")
    try:
        open_note(request.checkpoint, verifiers)
    except SignatureError as e:
        raise WitnessError(403, str(e)) from None
    if request.old_size > checkpoint.size:
        raise WitnessError(400, f"old size {request.old_size} exceeds {checkpoint.size}")
    if request.old_size != latest_size:
        raise WitnessError(
            409, f"old size {request.old_size} is not {latest_size}", latest_size=latest_size
        )
    if request.old_size == checkpoint.size and checkpoint.root_hash != latest_root:
        raise WitnessError(409, f"checkpoint of size {checkpoint.size} has a different root")
    try:
        verify_consistency(
            request.old_size, checkpoint.size, latest_root, checkpoint.root_hash, request.proof
        )
    except ProofError as e:
        raise WitnessError(422, str(e)) from None
    return checkpoint


def format_cosignatures(signatures: Iterable[Signature]) -> bytes:
    """Return a witness's 200 response body: one signature line per cosignature."""
    body = "".join(s.line() for s in signatures)
    if not body:
        raise ValueError("a witness response needs at least one cosignature")
    return body.encode("utf-8")


def parse_cosignatures(body: bytes) -> list[Signature]:
    """Parse a witness response body into signature lines (not verified)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("witness response is not valid UTF-8") from None
    if not text.endswith("\n"):
        raise FormatError("witness response must end with a newline")
    return [parse_signature_line(line) for line in text[:-1].split("\n")]


def verify_cosignatures(
    checkpoint: bytes, response: bytes, witness_verifiers: Iterable[Verifier]
) -> list[Signature]:
    """Verify a witness response against the checkpoint it was asked to cosign.

    As the spec suggests, the response lines are appended to the checkpoint
    note and the result opened with the witness keys only.  Returns the
    verified cosignatures, which the log can add to its own checkpoint.
    """
    parse_cosignatures(response)
    return open_note(checkpoint + response, witness_verifiers).verified
