"""Checkpoint note bodies (c2sp.org/tlog-checkpoint)."""

from __future__ import annotations

import base64

import pytest

from tuidang.ledger import Checkpoint, FormatError

from .ledgertest import load_json, vector_path

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_format_and_parse_round_trip() -> None:
    cp = Checkpoint("example.com/log", 42, ROOT)
    text = cp.format()
    assert text == f"example.com/log\n42\n{ROOT_B64}\n"
    assert Checkpoint.parse(text) == cp
    assert Checkpoint.parse(text.encode()) == cp
    ext = Checkpoint("example.com/log", 0, ROOT, ("ext one", "ext two"))
    assert ext.format().endswith("\next one\next two\n")
    assert Checkpoint.parse(ext.format()) == ext


def test_spec_example() -> None:
    note = load_json(vector_path("signed-note-vectors.json"))["format_examples_unverifiable"][
        "tlog-checkpoint.md"
    ]
    cp = Checkpoint.parse(note.split("\n\n")[0] + "\n")
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert base64.b64encode(cp.root_hash) == b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"\xff\n1\nx\n", "not valid UTF-8"),
        (f"o\n1\n{ROOT_B64}", "must end with a newline"),
        ("o\n1\n", "at least 3"),
        (f"\n1\n{ROOT_B64}\n", "origin line is empty"),
        (f"o\n01\n{ROOT_B64}\n", "malformed tree size"),
        (f"o\n+1\n{ROOT_B64}\n", "malformed tree size"),
        (f"o\n 1\n{ROOT_B64}\n", "malformed tree size"),
        (f"o\n\u0661\n{ROOT_B64}\n", "malformed tree size"),  # Arabic-Indic digit one
        (f"o\n{1 << 63}\n{ROOT_B64}\n", "too large"),
        ("o\n1\nAAAA\n", "root hash is 3 bytes long"),
        ("o\n1\n" + ROOT_B64.rstrip("=") + "\n", "malformed root hash"),
        ("o\n1\n" + ROOT_B64[:-2] + "B=\n", "non-canonical root hash"),
        ("o\n1\n\u00e9" + ROOT_B64[1:] + "\n", "malformed root hash"),
        (f"o\n1\n{ROOT_B64}\n\n", "extension lines must be non-empty"),
        (f"o\n1\n{ROOT_B64}\next\n\n", "extension lines must be non-empty"),
    ],
)
def test_strict_parsing(text: str | bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        Checkpoint.parse(text)


def test_constructor_validation() -> None:
    with pytest.raises(ValueError, match="origin"):
        Checkpoint("", 1, ROOT)
    with pytest.raises(ValueError, match="origin"):
        Checkpoint("a\nb", 1, ROOT)
    with pytest.raises(ValueError, match="tree size"):
        Checkpoint("o", -1, ROOT)
    with pytest.raises(ValueError, match="root hash"):
        Checkpoint("o", 1, b"short")
    with pytest.raises(ValueError, match="extension"):
        Checkpoint("o", 1, ROOT, ("",))
