"""The declaration log's entry format: known answers (the doc's worked example), strictness."""

from __future__ import annotations

import datetime
import re
from base64 import b64encode
from collections import Counter
from pathlib import Path

import pytest

from tuidang.ledger import leaf_hash
from tuidang.ledger.entry import (
    DossierAnchor,
    Entry,
    Rejection,
    commitment,
    counter_keys,
    decode_any,
    dossier_digest,
    encode_entry,
    recount,
)
from tuidang.ledger.errors import FormatError

DOC = Path(__file__).resolve().parents[2] / "docs" / "log-format.md"
SALT = bytes(range(32))
DAY = datetime.date(2026, 11, 23)
ALIAS = "松山"
STATEMENT = "我退出中共的一切组织。"


def example() -> Entry:
    return Entry.make(
        salt=SALT,
        alias=ALIAS,
        statement=STATEMENT,
        organisations=["party", "league"],
        region="CN-SX",
        date=DAY,
        channel="web",
    )


def test_the_worked_example_in_the_doc_is_what_the_code_computes():
    doc = DOC.read_text()
    entry = example()
    assert f"Salt (hex): `{SALT.hex()}`" in doc
    assert f"Commitment (hex): `{entry.commitment.hex()}`" in doc
    assert "```\n" + entry.encode().decode() + "```" in doc
    assert f"`{leaf_hash(entry.encode()).hex()}`" in doc
    # The hex dump of the commitment input, field by field, hashes to the commitment.
    dump = doc.split("The commitment input is these 159 bytes")[1].split("```")[1]
    data = bytes.fromhex("".join(re.findall(r"[0-9a-f]+", dump)))
    assert len(data) == 159
    import hashlib

    assert hashlib.sha256(data).digest() == entry.commitment


def test_round_trip_and_opening_the_commitment():
    entry = example()
    assert Entry.decode(entry.encode()) == entry
    assert entry.organisations == ("league", "party")
    assert entry.matches(SALT, ALIAS, STATEMENT)
    assert not entry.matches(SALT, ALIAS, STATEMENT + " ")
    assert not entry.matches(bytes(32), ALIAS, STATEMENT)


def test_no_organisations_is_an_empty_value():
    entry = Entry.make(
        salt=SALT,
        alias="",
        statement="",
        organisations=[],
        region="unknown",
        date=DAY,
        channel="post",
    )
    assert b"\norganisations \n" in entry.encode()
    assert Entry.decode(entry.encode()).organisations == ()


def test_commitment_needs_a_32_byte_salt_and_ignores_organisation_order():
    with pytest.raises(ValueError, match="salt"):
        commitment(b"short", ALIAS, STATEMENT, ["party"], "CN-SX", DAY)
    assert commitment(SALT, "a", "b", ["party", "league"], "US", DAY) == commitment(
        SALT, "a", "b", ["league", "party", "party"], "US", DAY
    )
    # Length prefixes keep fields apart: moving text between alias and statement changes it.
    assert commitment(SALT, "ab", "c", [], "US", DAY) != commitment(SALT, "a", "bc", [], "US", DAY)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"organisations": ("party", "league")}, "sorted"),
        ({"organisations": ("party", "party")}, "sorted"),
        ({"organisations": ("a,b",)}, "slug"),
        ({"region": "cn-sx"}, "region"),
        ({"region": "CHN"}, "region"),
        ({"channel": "Web"}, "channel"),
        ({"commitment": bytes(31)}, "commitment"),
    ],
)
def test_invalid_entries_cannot_be_built(changes, message):
    fields = {
        "date": DAY,
        "organisations": ("party",),
        "region": "CN-SX",
        "channel": "web",
        "commitment": bytes(32),
    }
    with pytest.raises(ValueError, match=message):
        Entry(**{**fields, **changes})


GOOD = example().encode().decode()
C = b64encode(example().commitment).decode()


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("v1", "v2", 1),
        GOOD[:-1],
        GOOD + "extra 1\n",
        GOOD.replace(f"commitment {C}\n", ""),
        GOOD.replace(
            "date 2026-11-23\norganisations league,party\n",
            "organisations league,party\ndate 2026-11-23\n",
        ),
        GOOD.replace("date 2026", "date  2026"),
        GOOD.replace("date 2026-11-23", "date2026-11-23"),
        GOOD.replace("date 2026-11-23", "date 2026-11-23 "),
        GOOD.replace("date 2026-11-23", "date 26-11-23"),
        GOOD.replace("date 2026-11-23", "date 2026-02-30"),
        GOOD.replace("league,party", "party,league"),
        GOOD.replace("league,party", "league,,party"),
        GOOD.replace("league,party", "league,party,"),
        GOOD.replace("region CN-SX", "region abroad"),
        GOOD.replace("channel web", "channel "),
        GOOD.replace(C, C.rstrip("=")),
        GOOD.replace(C, b64encode(bytes(33)).decode()),
        GOOD.replace("\n", "\r\n"),
        GOOD.replace("region CN-SX", "region 山西"),
        "",
    ],
)
def test_decoding_is_strict(text):
    with pytest.raises(FormatError):
        Entry.decode(text.encode())


def test_counter_keys_for_province_country_and_unknown():
    def keys(region: str, orgs: tuple[str, ...] = ("party",)) -> list[str]:
        return counter_keys(Entry(DAY, orgs, region, "phone", bytes(32)))

    assert keys("CN-SX") == [
        "total",
        "day:2026-11-23",
        "month:2026-11",
        "channel:phone",
        "org:party",
        "region:CN-SX",
    ]
    assert keys("unknown", ())[-1] == "region:unknown"
    assert keys("UA")[-2:] == ["region:abroad", "country:UA"]
    assert example().counter_keys() == counter_keys(example())
    totals = recount([example(), Entry(DAY, (), "UA", "web", bytes(32))])
    assert totals["total"] == 2
    assert totals["channel:web"] == 2
    assert totals["org:league"] == 1
    assert totals["country:UA"] == 1


def test_encode_entry_is_entry_make_encoded():
    for organisations, region in ((["party", "league"], "CN-SX"), ([], "unknown"), (["a"], "UA")):
        fields = {
            "salt": SALT,
            "alias": ALIAS,
            "statement": STATEMENT,
            "organisations": organisations,
            "region": region,
            "date": DAY,
            "channel": "web",
        }
        assert encode_entry(**fields) == Entry.make(**fields).encode()
    with pytest.raises(ValueError, match="salt"):
        encode_entry(**{**fields, "salt": b""})


# --- Rejections (tuidang/rejection/v1) ------------------------------------------------------

REJECTION = b"tuidang/rejection/v1\ndate 2026-11-24\nreason not_declaration\n"


def test_rejection_known_answer_and_round_trip() -> None:
    rejection = Rejection(datetime.date(2026, 11, 24), "not_declaration")
    assert rejection.encode() == REJECTION
    assert Rejection.decode(REJECTION) == rejection
    assert decode_any(REJECTION) == rejection
    assert rejection.counter_keys() == ["rejected:not_declaration"]
    # The documented example is this one, byte for byte.
    assert "tuidang/rejection/v1\ndate 2026-11-24\nreason not_declaration\n" in DOC.read_text()


def test_decode_any_reads_declarations_too() -> None:
    assert decode_any(example().encode()) == example()
    with pytest.raises(FormatError, match="unknown entry version"):
        decode_any(b"tuidang/rejection/v2\ndate 2026-11-24\nreason spam\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("tuidang/rejection/v1\ndate 2026-11-24\nreason spám\n".encode(), "not ASCII"),
        (b"tuidang/declaration/v1\ndate 2026-11-24\nreason spam\n", "unknown entry version"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason spam", "exactly three lines"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason spam\n\n", "exactly three lines"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\n", "exactly three lines"),
        (b"tuidang/rejection/v1\nreason spam\ndate 2026-11-24\n", "expected a 'date' line"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason\n", "expected a 'reason' line"),
        (b"tuidang/rejection/v1\ndate 2026-11-31\nreason spam\n", "invalid date"),
        (b"tuidang/rejection/v1\ndate 26-11-24\nreason spam\n", "malformed date"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason Spam\n", "invalid reason"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason spam \n", "invalid reason"),
        (b"tuidang/rejection/v1\ndate 2026-11-24\nreason \n", "invalid reason"),
    ],
)
def test_rejection_parsing_is_strict(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        Rejection.decode(data)


def test_rejections_count_only_their_reason() -> None:
    rejection = Rejection(DAY, "spam")
    counts = recount([example(), rejection, rejection])
    assert counts["rejected:spam"] == 2
    assert counts["total"] == 1
    assert counts[f"day:{DAY.isoformat()}"] == 1  # a rejection is not a declaration of its day
    assert counter_keys(rejection) == ["rejected:spam"]
    with pytest.raises(ValueError, match="invalid reason"):
        Rejection(DAY, "a b")


# --- Dossier anchors (tuidang/dossier/v1) ---------------------------------------------------

FILES = {"dossier.json": "b" * 64, "dossier.csv": "a" * 64}
# printf '%s  dossier.csv\n%s  dossier.json\n' $(printf 'a%.0s' {1..64}) $(printf 'b%.0s' {1..64})
#   | sha256sum
MANIFEST = f"{'a' * 64}  dossier.csv\n{'b' * 64}  dossier.json\n".encode()
ANCHOR_DAY = datetime.date(2026, 12, 3)


def test_dossier_anchor_known_answer_and_round_trip() -> None:
    import hashlib

    digest = dossier_digest(FILES)
    assert digest == hashlib.sha256(MANIFEST).hexdigest()
    anchor = DossierAnchor(ANCHOR_DAY, digest)
    data = f"tuidang/dossier/v1\ndate 2026-12-03\nsha256 {digest}\n".encode()
    assert anchor.encode() == data
    assert DossierAnchor.decode(data) == anchor
    assert decode_any(data) == anchor
    assert anchor.counter_keys() == ["anchored:dossier"]
    # The documented example is this one (files whose hashes are all a's and all b's).
    assert data.decode() in DOC.read_text()


def test_anchors_count_towards_no_tally_number() -> None:
    anchor = DossierAnchor(ANCHOR_DAY, "c" * 64)
    counts = recount([example(), anchor, Rejection(DAY, "spam")])
    without = recount([example(), Rejection(DAY, "spam")])
    assert counts == without + Counter({"anchored:dossier": 1})
    with pytest.raises(ValueError, match="invalid digest"):
        DossierAnchor(ANCHOR_DAY, "C" * 64)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (f"tuidang/dossier/v1\ndate 2026-12-03\nsha256 {'é' * 64}\n".encode(), "not ASCII"),
        (f"tuidang/dossier/v2\ndate 2026-12-03\nsha256 {'a' * 64}\n".encode(), "unknown"),
        (f"tuidang/dossier/v1\ndate 2026-12-03\nsha256 {'a' * 64}".encode(), "three lines"),
        (b"tuidang/dossier/v1\ndate 2026-12-03\n", "three lines"),
        (f"tuidang/dossier/v1\nsha256 {'a' * 64}\ndate 2026-12-03\n".encode(), "'date' line"),
        (b"tuidang/dossier/v1\ndate 2026-12-03\nsha256\n", "'sha256' line"),
        (f"tuidang/dossier/v1\ndate 2026-12-32\nsha256 {'a' * 64}\n".encode(), "invalid date"),
        (b"tuidang/dossier/v1\ndate 2026-12-03\nsha256 abc\n", "invalid digest"),
    ],
)
def test_dossier_anchor_parsing_is_strict(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        DossierAnchor.decode(data)
