"""Signed notes and cosignatures: spec and x/mod vectors, strict parsing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tuidang.ledger import (
    FormatError,
    SignatureError,
    add_signatures,
    generate_key,
    new_signer,
    new_verifier,
    open_note,
    sign,
)
from tuidang.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    MAX_SIGNATURES,
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    Signature,
    cosignature_message,
    cosignature_timestamp,
    is_valid_key_name,
    key_id,
    parse,
)

from .ledgertest import load_json, vector_path


def note_vectors() -> dict[str, Any]:
    data: dict[str, Any] = load_json(vector_path("signed-note-vectors.json"))
    return data


def test_verify_vectors() -> None:
    for case in note_vectors()["verify"]:
        verifier = new_verifier(case["vkey"])
        assert verifier.vkey == case["vkey"]
        if case["valid"]:
            opened = open_note(case["note"], [verifier])
            assert opened.text == case["text"]
            assert [s.name for s in opened.verified] == [verifier.name]
        else:
            with pytest.raises(SignatureError):
                open_note(case["note"], [verifier])


def test_sign_vectors_are_byte_exact() -> None:
    for case in note_vectors()["sign"]:
        signer = new_signer(case["skey"])
        assert signer.skey == case["skey"]
        assert signer.vkey == case["vkey"]
        assert sign(case["text"], signer) == case["note"].encode()
        assert sign(case["text"].encode(), signer) == case["note"].encode()


def test_spec_examples_parse() -> None:
    examples = note_vectors()["format_examples_unverifiable"]
    text, sigs = parse(examples["tlog-cosignature.md"])
    assert text.startswith("example.com/behind-the-sofa\n20852163\n")
    assert [s.name for s in sigs] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    assert cosignature_timestamp(sigs[1]) == 1679315147
    # The cosignature/v1 message printed in the spec is what we would sign.
    assert (
        cosignature_message(text.encode(), 1679315147).decode()
        == (examples["tlog-cosignature.md cosignature/v1 signed message"])
    )
    # Unknown keys only: the note is rejected, nothing is trusted.
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        open_note(examples["tlog-checkpoint.md"], [])


def test_key_ids_and_names() -> None:
    assert key_id("PeterNeumann", ALG_ED25519, b"\x1a\x5c" + bytes(30)) >= 0
    assert is_valid_key_name("example.com/log")
    for bad in ["", "a+b", "a b", "a\tb", "a\u00a0b", "a\x01b"]:
        assert not is_valid_key_name(bad)
    with pytest.raises(ValueError, match="invalid key name"):
        Ed25519Signer("bad name", bytes(32))
    with pytest.raises(ValueError, match="seed is 3 bytes"):
        Ed25519Signer("ok", b"abc")
    with pytest.raises(ValueError, match="public key is 3 bytes"):
        Ed25519Verifier("ok", b"abc")


def test_generate_key_round_trip() -> None:
    skey, vkey = generate_key("example.com/fresh")
    signer, verifier = new_signer(skey), new_verifier(vkey)
    assert isinstance(signer, Ed25519Signer) and not isinstance(signer, CosignatureSigner)
    note = sign("hello\n", signer)
    assert open_note(note, [verifier]).text == "hello\n"
    cskey, cvkey = generate_key("witness.example/w1", ALG_COSIGNATURE_V1)
    assert isinstance(new_signer(cskey), CosignatureSigner)
    assert isinstance(new_verifier(cvkey), CosignatureVerifier)
    with pytest.raises(ValueError, match="unsupported signature type 0x02"):
        generate_key("x", 0x02)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a+b", "expected name\\+id\\+key"),
        ("a b+01234567+AQ==", "invalid key name"),
        ("a+0123456+AQ==", "8 lowercase hex"),
        ("a+0123456G+AQ==", "8 lowercase hex"),
        ("a+01234567+!!!!", "malformed verifier key"),
        ("a+01234567+AQ==", "unsupported key type or length"),
        ("a+01234567+Ag" + "A" * 41 + "=", "unsupported key type or length"),
    ],
)
def test_malformed_vkeys(key: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        new_verifier(key)


def test_key_id_must_match() -> None:
    signer = Ed25519Signer("k", bytes(32))
    name, _, rest = signer.vkey.split("+", 2)
    with pytest.raises(FormatError, match="key ID does not match"):
        new_verifier(f"{name}+00000000+{rest}")
    with pytest.raises(FormatError, match="key ID does not match"):
        new_signer(f"PRIVATE+KEY+{name}+00000000+{signer.skey.split('+', 4)[4]}")
    with pytest.raises(FormatError, match="PRIVATE\\+KEY\\+ prefix"):
        new_signer(signer.vkey)


SIGNER_A = Ed25519Signer("example.com/a", bytes([1]) * 32)
SIGNER_B = Ed25519Signer("example.com/b", bytes([2]) * 32)


def test_several_signatures_and_adding_one() -> None:
    note = sign("text\n", SIGNER_A, SIGNER_B, SIGNER_A)
    assert note.decode().count("\u2014 ") == 2  # the same key signs once
    opened = open_note(note, [SIGNER_B.verifier()])
    assert [s.name for s in opened.verified] == ["example.com/b"]
    assert [s.name for s in opened.unverified] == ["example.com/a"]
    only_a = sign("text\n", SIGNER_A)
    both = add_signatures(only_a, SIGNER_B, SIGNER_A)
    assert both == note
    assert len(open_note(both, [SIGNER_A.verifier(), SIGNER_B.verifier()]).verified) == 2


def test_duplicate_lines_are_reported_once() -> None:
    note = sign("text\n", SIGNER_A).decode()
    line = note.split("\n\n")[1]
    doubled = note + line
    opened = open_note(doubled, [SIGNER_A.verifier()])
    assert len(opened.verified) == 1
    opened = open_note(
        doubled + sign("text\n", SIGNER_B).decode().split("\n\n")[1] * 2, [SIGNER_A.verifier()]
    )
    assert len(opened.unverified) == 1


def test_bad_signature_from_known_key_rejects_note() -> None:
    note = sign("text\n", SIGNER_A, SIGNER_B).decode()
    sig_a = Signature(SIGNER_A.name, SIGNER_A.key_id, SIGNER_A.sign(b"other\n"))
    forged = "text\n\n" + sig_a.line() + note.split("\n\n")[1].split("\n")[1] + "\n"
    with pytest.raises(SignatureError, match=r"invalid signature by example.com/a"):
        open_note(forged, [SIGNER_A.verifier(), SIGNER_B.verifier()])
    short = Signature(SIGNER_A.name, SIGNER_A.key_id, b"\x00" * 10).line()
    with pytest.raises(SignatureError, match="invalid signature"):
        open_note("text\n\n" + short, [SIGNER_A.verifier()])


def test_ambiguous_verifiers() -> None:
    with pytest.raises(ValueError, match="ambiguous verifiers"):
        open_note(sign("t\n", SIGNER_A), [SIGNER_A.verifier(), SIGNER_A.verifier()])


def _b64sig(n: int = 68) -> str:
    return base64.b64encode(bytes(n)).decode()


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (b"\xff\n\n" + "\u2014 a AAAA\n".encode(), "not valid UTF-8"),
        ("text\r\n\n\u2014 a " + _b64sig() + "\n", "control character"),
        ("text\n\u2014 a " + _b64sig() + "\n", "no blank line"),
        ("text\n\n\u2014 a " + _b64sig(), "must end with a newline"),
        ("text\n\n", "note has no signatures"),
        ("text\n\n- a " + _b64sig() + "\n", "malformed signature line"),
        ("text\n\n\u2014 a\n", "malformed signature line"),
        ("text\n\n\u2014 a+b " + _b64sig() + "\n", "malformed signature line"),
        ("text\n\n\u2014 a " + _b64sig() + " x\n", "malformed signature"),
        ("text\n\n\u2014 a AAAA\n", "too short"),
        ("text\n\n\u2014 a AAAAAAB=\n", "non-canonical signature"),
        (
            "text\n\n" + ("\u2014 a " + _b64sig() + "\n") * (MAX_SIGNATURES + 1),
            "signatures, more than",
        ),
    ],
)
def test_strict_note_parsing(note: str | bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        open_note(note, [SIGNER_A.verifier()])


def test_text_rules_for_signing() -> None:
    with pytest.raises(FormatError, match="must end with a newline"):
        sign("no newline", SIGNER_A)
    with pytest.raises(FormatError, match="control character"):
        sign("bell\a\n", SIGNER_A)
    with pytest.raises(ValueError, match="at least one signer"):
        sign("text\n")
    signers = [Ed25519Signer(f"k{i}", bytes([i]) * 32) for i in range(MAX_SIGNATURES + 1)]
    with pytest.raises(ValueError, match="at most 100 signatures"):
        sign("text\n", *signers)

    class BadName:
        name = "bad name"
        key_id = 0

        def sign(self, text: bytes) -> bytes:
            return b""

    with pytest.raises(ValueError, match="invalid key name"):
        sign("text\n", BadName())


def test_texts_with_blank_lines_split_at_the_last_one() -> None:
    note = sign("para one\n\npara two\n\n", SIGNER_A)
    assert open_note(note, [SIGNER_A.verifier()]).text == "para one\n\npara two\n\n"


def test_cosignatures() -> None:
    witness = CosignatureSigner("witness.example/w1", bytes([9]) * 32, clock=lambda: 1679315147.9)
    checkpoint = "example.com/log\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    note = sign(checkpoint, SIGNER_A, witness)
    opened = open_note(note, [SIGNER_A.verifier(), witness.verifier()])
    cosig = opened.verified[1]
    assert cosignature_timestamp(cosig) == 1679315147
    assert len(cosig.signature) == 72
    # The key ID commits to the 0x04 type byte, so it differs from a plain key's.
    assert witness.key_id != Ed25519Signer(witness.name, bytes([9]) * 32).key_id
    assert witness.vkey.split("+")[2].startswith("B")  # base64 of 0x04...
    # A plain verifier of the same key cannot be confused with the cosigner.
    verifier = witness.verifier()
    assert not verifier.verify(checkpoint.encode(), cosig.signature[:-1])
    too_late = (1 << 63).to_bytes(8, "big") + cosig.signature[8:]
    assert not verifier.verify(checkpoint.encode(), too_late)
    tampered = cosig.signature[:7] + b"\x00" + cosig.signature[8:]
    assert not verifier.verify(checkpoint.encode(), tampered)
    with pytest.raises(FormatError, match="not a cosignature"):
        cosignature_timestamp(opened.verified[0])
    future = CosignatureSigner("w", bytes(32), clock=lambda: -1)
    with pytest.raises(ValueError, match="timestamp -1 out of range"):
        future.sign(b"x\n")
