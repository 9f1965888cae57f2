"""tlog-proof receipts and the tlog-witness add-checkpoint wire format."""

from __future__ import annotations

import base64

import pytest

from tuidang.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    FormatError,
    ProofError,
    SignatureError,
    add_signatures,
    check_add_checkpoint,
    consistency_proof_from_leaf_hashes,
    format_add_checkpoint,
    format_proof,
    inclusion_proof_from_leaf_hashes,
    leaf_hash,
    parse_add_checkpoint,
    parse_cosignatures,
    parse_proof,
    root_from_leaf_hashes,
    sign,
    verify_cosignatures,
    verify_proof,
)
from tuidang.ledger.note import CosignatureSigner, Ed25519Signer
from tuidang.ledger.proof import TlogProof
from tuidang.ledger.witness import WitnessError, format_cosignatures

from .ledgertest import load_json, vector_path

ORIGIN = "example.com/fancylog"
LOG = Ed25519Signer(ORIGIN, bytes([3]) * 32)
W1 = CosignatureSigner("witness1.example", bytes([4]) * 32, clock=lambda: 1700000000)
W2 = CosignatureSigner("witness2.example", bytes([5]) * 32, clock=lambda: 1700000001)
ENTRIES = [b"entry %d" % i for i in range(13)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


def checkpoint_note(size: int, *signers: Ed25519Signer) -> bytes:
    cp = Checkpoint(ORIGIN, size, root_from_leaf_hashes(LEAVES[:size]))
    return sign(cp.format(), *(signers or (LOG,)))


# ---------------------------------------------------------------------------
# tlog-proof
# ---------------------------------------------------------------------------


def test_receipt_round_trip_and_verify() -> None:
    note = checkpoint_note(13, LOG, W1, W2)
    proof = inclusion_proof_from_leaf_hashes(LEAVES, 5)
    receipt = format_proof(5, proof, note, extra=b"context")
    lines = receipt.decode().split("\n")
    assert lines[:3] == [
        "c2sp.org/tlog-proof@v1",
        "extra " + base64.b64encode(b"context").decode(),
        "index 5",
    ]
    parsed = parse_proof(receipt)
    assert parsed == TlogProof(5, tuple(proof), note, b"context")
    verifiers = [LOG.verifier(), W1.verifier(), W2.verifier()]
    result = verify_proof(receipt, ENTRIES[5], verifiers, origin=ORIGIN)
    assert (result.index, result.checkpoint.size, result.extra) == (5, 13, b"context")
    assert [s.name for s in result.signatures] == [ORIGIN, "witness1.example", "witness2.example"]
    assert verify_proof(parsed, LEAVES[5], [LOG.verifier()], prehashed=True).index == 5
    # Without extra data, and for a one-entry tree (no proof lines at all).
    single = format_proof(0, [], checkpoint_note(1))
    assert single.startswith(b"c2sp.org/tlog-proof@v1\nindex 0\n\n")
    assert verify_proof(single, ENTRIES[0], [LOG.verifier()]).extra is None


def test_receipt_failures() -> None:
    note = checkpoint_note(13)
    proof = inclusion_proof_from_leaf_hashes(LEAVES, 5)
    receipt = format_proof(5, proof, note)
    with pytest.raises(ProofError, match="does not lead to the root"):
        verify_proof(receipt, ENTRIES[6], [LOG.verifier()])
    with pytest.raises(ProofError, match="origin"):
        verify_proof(receipt, ENTRIES[5], [LOG.verifier()], origin="example.com/other")
    with pytest.raises(SignatureError):
        verify_proof(receipt, ENTRIES[5], [W1.verifier()])
    with pytest.raises(ValueError, match="negative"):
        format_proof(-1, proof, note)
    with pytest.raises(ValueError, match="not 32"):
        format_proof(5, [b"x"], note)
    with pytest.raises(FormatError):
        format_proof(5, proof, b"not a note")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"c2sp.org/tlog-proof@v1\nindex 0\n", "no blank line"),
        (b"c2sp.org/tlog-proof@v2\nindex 0\n\nx", "does not start with"),
        ("c2sp.org/tlog-proof@v1\nindex \u00e9\n\nx".encode(), "not ASCII"),
        (b"c2sp.org/tlog-proof@v1\n\nx", "missing its index line"),
        (b"c2sp.org/tlog-proof@v1\nextra AA==\n\nx", "missing its index line"),
        (b"c2sp.org/tlog-proof@v1\nindex 01\n\nx", "malformed entry index"),
        (b"c2sp.org/tlog-proof@v1\nextra A\nindex 1\n\nx", "malformed extra data"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx", "proof hash is 3 bytes"),
        (b"c2sp.org/tlog-proof@v1\nindex 1\n" + b"A" * 43 + b"=\n" * 64 + b"\nx", "more than 63"),
    ],
)
def test_strict_receipt_parsing(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_proof(data)


# ---------------------------------------------------------------------------
# tlog-witness
# ---------------------------------------------------------------------------


def test_spec_request_example_parses() -> None:
    examples = load_json(vector_path("signed-note-vectors.json"))["format_examples_unverifiable"]
    body = examples["tlog-witness.md add-checkpoint request body"].encode()
    request = parse_add_checkpoint(body)
    assert request.old_size == 20852014
    assert len(request.proof) == 4
    assert request.checkpoint.startswith(b"example.com/behind-the-sofa\n20852163\n")
    assert format_add_checkpoint(request.old_size, request.proof, request.checkpoint) == body


def test_request_round_trip_and_witness_checks() -> None:
    logs = {ORIGIN: [LOG.verifier()]}
    old_note, new_note = checkpoint_note(5), checkpoint_note(13)
    proof = consistency_proof_from_leaf_hashes(LEAVES, 5)
    body = format_add_checkpoint(5, proof, new_note)
    request = parse_add_checkpoint(body)
    old_root = root_from_leaf_hashes(LEAVES[:5])
    cp = check_add_checkpoint(request, logs, 5, old_root)
    assert cp.size == 13
    # A first contact: old 0, no proof.
    first = parse_add_checkpoint(format_add_checkpoint(0, [], old_note))
    assert check_add_checkpoint(first, logs).size == 5
    # Same size again with the same root is accepted (and cosigned again).
    same = parse_add_checkpoint(format_add_checkpoint(5, [], old_note))
    assert check_add_checkpoint(same, logs, 5, old_root).size == 5


def _status(request_body: bytes, latest: int = 5, root: bytes | None = None) -> WitnessError:
    logs = {ORIGIN: [LOG.verifier()]}
    latest_root = root if root is not None else root_from_leaf_hashes(LEAVES[:latest])
    with pytest.raises(WitnessError) as err:
        check_add_checkpoint(parse_add_checkpoint(request_body), logs, latest, latest_root)
    return err.value


def test_witness_statuses() -> None:
    proof = consistency_proof_from_leaf_hashes(LEAVES, 5)
    good = checkpoint_note(13)
    assert _status(b"old 5\n\nnot a note\n").status == 400
    other = Ed25519Signer("example.com/other", bytes(32))
    unknown = sign(Checkpoint("example.com/other", 1, EMPTY_ROOT).format(), other)
    assert _status(format_add_checkpoint(5, proof, unknown)).status == 404
    assert _status(format_add_checkpoint(5, proof, checkpoint_note(13, other))).status == 403
    assert _status(format_add_checkpoint(14, proof, good)).status == 400
    stale = _status(format_add_checkpoint(4, proof, good))
    assert (stale.status, stale.latest_size) == (409, 5)
    fork = Checkpoint(ORIGIN, 5, leaf_hash(b"fork")).format()
    assert _status(format_add_checkpoint(5, [], sign(fork, LOG))).status == 409
    assert _status(format_add_checkpoint(5, proof[:-1], good)).status == 422


def test_request_format_errors() -> None:
    note = checkpoint_note(13)
    with pytest.raises(ValueError, match="negative"):
        format_add_checkpoint(-1, [], note)
    with pytest.raises(ValueError, match="more than 63"):
        format_add_checkpoint(1, [bytes(32)] * 64, note)
    with pytest.raises(ValueError, match="not 32"):
        format_add_checkpoint(1, [b"x"], note)
    for body, message in [
        (b"old 1\n", "no blank line"),
        ("old \u00e9\n\nx".encode(), "not ASCII"),
        (b"new 1\n\nx", "does not start with an old size"),
        (b"old 01\n\nx", "malformed old size"),
        (b"old 1\n" + b"A" * 43 + b"=\n" * 64 + b"\nx", "more than 63"),
        (b"old 1\nAAAA\n\nx", "proof hash is 3 bytes"),
    ]:
        with pytest.raises(FormatError, match=message):
            parse_add_checkpoint(body)


def test_cosignature_response() -> None:
    note = checkpoint_note(13)
    text = note.decode().split("\n\n")[0] + "\n"
    cosigned = add_signatures(note, W1, W2)
    sigs = parse_cosignatures(cosigned[len(note) :])
    response = format_cosignatures(sigs)
    assert response == cosigned[len(note) :]
    verified = verify_cosignatures(note, response, [W1.verifier()])
    assert [s.name for s in verified] == ["witness1.example"]
    assert W1.verifier().verify(text.encode(), verified[0].signature)
    only_w2 = format_cosignatures(sigs[1:])
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        verify_cosignatures(note, only_w2, [W1.verifier()])
    with pytest.raises(ValueError, match="at least one"):
        format_cosignatures([])
    with pytest.raises(FormatError, match="not valid UTF-8"):
        parse_cosignatures(b"\xff\n")
    with pytest.raises(FormatError, match="end with a newline"):
        parse_cosignatures(response[:-1])
    with pytest.raises(FormatError, match="malformed signature line"):
        parse_cosignatures(b"\n")
