"""msgspec or pydantic for the partner API's typed schema: the time to read one body.

The same shape in both (``tuidang/declarations/schema.py``'s ``DeclarationRequest``: a list of
people, each with a name of at most 60 characters, at least one organisation, optional region and
statement; optional date, contact, receipt; unknown fields refused), the bench's one-person body
and a family of four, read from bytes into typed objects. Run it in a virtualenv that has both
(pydantic is not a dependency of tuidang)::

    python3 -m venv /tmp/schema-choice && /tmp/schema-choice/bin/pip install pydantic msgspec
    /tmp/schema-choice/bin/python bench/schema_choice.py
"""

import json
import statistics
import time
from typing import Annotated

import msgspec
import pydantic

ONE = {
    "people": [
        {
            "name": "bench1-123456",
            "organisations": ["league", "pioneers"],
            "statement": "load test statement bench1 number 123456",
            "region": "CN-GD",
        }
    ],
    "date": "2026-12-03",
}
FAMILY = {**ONE, "people": ONE["people"] * 4, "receipt": True}


class MPerson(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(max_length=60)]
    organisations: Annotated[list[str], msgspec.Meta(min_length=1)]
    region: str | msgspec.UnsetType = msgspec.UNSET
    statement: Annotated[str, msgspec.Meta(max_length=2000)] | msgspec.UnsetType = msgspec.UNSET


class MBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    people: Annotated[list[MPerson], msgspec.Meta(min_length=1, max_length=10)]
    date: (
        Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | msgspec.UnsetType
    ) = msgspec.UNSET
    contact: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType = msgspec.UNSET
    receipt: bool | msgspec.UnsetType = msgspec.UNSET


class PPerson(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, pydantic.Field(max_length=60)]
    organisations: Annotated[list[str], pydantic.Field(min_length=1)]
    region: str | None = None
    statement: Annotated[str, pydantic.Field(max_length=2000)] | None = None


class PBody(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    people: Annotated[list[PPerson], pydantic.Field(min_length=1, max_length=10)]
    date: Annotated[str, pydantic.Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")] | None = None
    contact: Annotated[str, pydantic.Field(max_length=500)] | None = None
    receipt: bool | None = None


def per_call(function, body: bytes, rounds: int = 7, number: int = 5000) -> float:
    """Median over ``rounds`` of the CPU time per call, in microseconds."""
    times = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(number):
            function(body)
        times.append((time.process_time() - started) / number * 1e6)
    return statistics.median(times)


def main() -> None:
    decoder = msgspec.json.Decoder(MBody)
    print(
        f"msgspec {msgspec.__version__}, pydantic {pydantic.VERSION}; CPU µs per body, median of 7"
    )
    for label, body in [("one person", ONE), ("family of four", FAMILY)]:
        raw = json.dumps(body, ensure_ascii=False).encode()
        m = per_call(decoder.decode, raw)
        p = per_call(PBody.model_validate_json, raw)
        j = per_call(json.loads, raw)
        print(f"{label:15} msgspec {m:6.1f}   pydantic {p:6.1f}   (json.loads alone {j:6.1f})")


if __name__ == "__main__":
    main()
