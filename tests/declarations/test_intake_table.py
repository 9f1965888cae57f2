"""One table of submissions, sent through every way in: the partner API, the public form and CSV import.

Each case is a short sequence of bodies (the partner API's JSON shape) with what must come of
each: the status (accepted, pending, or the HTTP error), the fields that carry errors (as JSON
paths: ``people[0].name``, ``date``), and the moderation flags of what was stored. The same
table drives the three ways in, each translating the body into its own shape (form fields,
CSV rows); a few steps exist only where the shape can express them (a number where a string
belongs is JSON's problem alone) or come out differently by design (CSV import is staff entry:
four eyes, no bursts). The API's whole answers are also pinned, message for message, in the
three languages (``intake_table_answers.json``, recorded from the code before the rules moved
into ``tuidang.declarations.rules``).

There are more than 300 bodies: families of every size, each bad input, duplicates,
near-identical text, links, spam words and bursts.
"""

import csv
import functools
import io
import json
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from tests.base import BaseTestCase, no_contacts_key
from tuidang.declarations import arrivals, csvimport, schema
from tuidang.declarations.models import Arrival, Submission

NOW = "2026-11-23 10:00Z"
TODAY = date(2026, 11, 23)
ANSWERS = Path(__file__).with_name("intake_table_answers.json")
LANGUAGES = ("en", "zh-hans", "zh-hant")
API, FORM, CSV = "api", "form", "csv"
EVERY_WAY = frozenset({API, FORM, CSV})


@dataclass
class Raw:
    """A body that is not a JSON object of ours: bytes as sent, with their content type."""

    data: bytes
    content_type: str = "application/json"


@dataclass
class Step:
    body: Any
    status: Any  # "accepted", "pending", or the HTTP status of a refusal
    errors: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    ways: frozenset = EVERY_WAY
    # Where a way in answers differently by design: {way: (status, errors)}.
    differs: dict = field(default_factory=dict)
    no_contacts_key: bool = False


@dataclass
class Case:
    name: str
    steps: list[Step]


def p(name, orgs=("party",), region=None, statement=None, **extra) -> dict:
    person: dict[str, Any] = {"name": name, "organisations": list(orgs)}
    if region is not None:
        person["region"] = region
    if statement is not None:
        person["statement"] = statement
    person.update(extra)
    return person


def body(*people, **fields) -> dict:
    return {"people": list(people), **fields}


def accepted(b, flags=(), **kw) -> Step:
    return Step(b, "pending" if flags else "accepted", flags=tuple(flags), **kw)


def refused(b, *errors, status=400, **kw) -> Step:
    return Step(b, status, errors=tuple(errors), **kw)


ORGS = [
    ("party",),
    ("league",),
    ("pioneers",),
    ("party", "league"),
    ("league", "pioneers"),
    ("party", "pioneers"),
    ("party", "league", "pioneers"),
]
REGIONS = ["", "CN-SX", "CN-BJ", "CN-HK", "CN-TW", "HK", "MO", "TW", "US", "DE", "UA", "JP"]
NAMES = ["松山", "明月", "清風", "Pine", "Anna Lee", "青松", "夜雨", "Ｗｉｄｅ", "秋水", "Jean-Luc"]


def cases() -> list[Case]:
    table: list[Case] = []

    def add(name: str, *steps: Step) -> None:
        table.append(Case(name, list(steps)))

    # --- Valid families of every size and shape ----------------------------------------
    for size in range(1, 11):
        for variant in range(4):
            people = [
                p(
                    f"{NAMES[(i + variant) % len(NAMES)]}{size}-{variant}-{i}",
                    ORGS[(i + size + variant) % len(ORGS)],
                    region=REGIONS[(i * 3 + size + variant) % len(REGIONS)] or None,
                    statement=(
                        f"我退出中共及其附属组织，家庭第{size}组第{variant}号第{i}人。"
                        if (i + variant) % 3 == 0
                        else None
                    ),
                )
                for i in range(size)
            ]
            fields: dict[str, Any] = {}
            if variant % 2:
                fields["date"] = (TODAY - timedelta(days=size * 30 + variant)).isoformat()
            if variant == 3:
                fields["receipt"] = True
            if variant == 2:
                fields["receipt"] = False
            add(f"family of {size}, variant {variant}", accepted(body(*people, **fields)))
    edge_valid = [
        ("name of 60 characters", p("名" * 58 + "60")),
        ("name with spaces around", p("  Spaced Name  ")),
        ("name with inner spaces", p("Mary Ann Lee")),
        ("full-width name", p("Ｆｕｌｌ　Ｗｉｄｔｈ")),
        ("emoji name", p("🌲 Pine 🌲")),
        ("statement of 2000 characters", p("Long", statement="长" * 1990 + "0123456789")),
        ("statement with line breaks", p("Lines", statement="第一行\n第二行\n第三行很长的句子。")),
        ("statement with tab", p("Tabbed", statement="一\t二")),
        ("empty statement", p("Quiet", statement="")),
        ("blank statement", p("Quiet2", statement="   ")),
        ("empty region", p("Nowhere", region="")),
        ("repeated organisation", p("Twice", ("party", "party"))),
        ("all organisations", p("Three", ("pioneers", "league", "party"))),
        ("short statement", p("Short", statement="我退")),
        ("region Macau alias", p("Macau Person", region="MO")),
        ("name with ideographic space inside", p("青　松")),
        ("statement with punctuation only", p("Punct", statement="！！！……")),
    ]
    for name, person in edge_valid:
        add(name, accepted(body(person)))
    add("earliest date", accepted(body(p("Earliest"), date="2004-11-01")))
    add("date today", accepted(body(p("Today"), date=TODAY.isoformat())))
    add(
        "date tomorrow somewhere on Earth",
        accepted(body(p("Kiribati"), date=(TODAY + timedelta(days=1)).isoformat())),
    )
    add("receipt only", accepted(body(p("Receipt"), receipt=True)))
    add(
        "contact sealed",
        accepted(body(p("Contact"), contact="微信 pine123"), ways=frozenset({API, FORM})),
    )
    add(
        "same person twice in one family",
        accepted(body(p("Twin", region="CN-SX"), p("Twin", region="CN-SX"))),
    )

    # --- Each bad input ------------------------------------------------------------------
    future = (TODAY + timedelta(days=2)).isoformat()
    bad_people = [
        ("no name", {"organisations": ["party"]}, "name"),
        ("empty name", p(""), "name"),
        ("spaces for a name", p("    "), "name"),
        ("name of 61 characters", p("名" * 61), "name"),
        ("name with a line break", p("松\n山"), "name"),
        ("name with a carriage return", p("松\r山"), "name"),
        ("name with a tab", p("松\t山"), "name"),
        ("name with a control character", p("松\u0007山"), "name"),
        ("name with DEL", p("松\u007f山"), "name"),
        ("name with a C1 control", p("松\u0085山"), "name"),
        ("name with a bidi override", p("松\u202e山"), "name"),
        ("name with a bidi isolate", p("松\u2066山"), "name"),
        ("name with a line separator", p("松\u2028山"), "name"),
        ("name of zero-width spaces", p("\u200b\u200b"), "name"),
        ("name of a soft hyphen", p("\u00ad"), "name"),
        ("name of Hangul fillers", p("\u3164\u3164"), "name"),
        ("name of a braille blank", p("\u2800"), "name"),
        ("name of combining marks", p("\u0301\u0301"), "name"),
        ("name with a noncharacter", p("松\ufdd0山"), "name"),
        ("name with a plane noncharacter", p("松\U0001fffe"), "name"),
        ("no organisations", {"name": "Nobody"}, "organisations"),
        ("empty organisations", p("Nobody", ()), "organisations"),
        ("unknown organisation", p("Mason", ("freemasons",)), "organisations"),
        ("one unknown organisation of two", p("Mason", ("party", "freemasons")), "organisations"),
        ("organisation in capitals", p("Caps", ("PARTY",)), "organisations"),
        ("unknown region", p("Far", region="CN-XX"), "region"),
        ("China as a region", p("Far", region="CN"), "region"),
        ("lower-case region", p("Far", region="cn-sx"), "region"),
        ("three-letter region", p("Far", region="USA"), "region"),
        ("statement of 2001 characters", p("Long", statement="长" * 2001), "statement"),
        ("statement with a control character", p("Ctl", statement="我\u0001退"), "statement"),
        ("statement with a bidi override", p("Ctl", statement="我\u202e退"), "statement"),
    ]
    # CSV import reads codes in any case (volunteers type them).
    csv_reads = {"organisation in capitals", "lower-case region"}
    for name, person, key in bad_people:
        differs = {CSV: ("accepted", ())} if name in csv_reads else {}
        add(f"{name}, alone", refused(body(person), f"people[0].{key}", differs=differs))
        if differs and "name" in person:
            person = {**person, "name": person["name"] + " again"}  # else a duplicate in CSV
        add(
            f"{name}, third of a family",
            refused(
                body(p(f"甲一{name}"), p(f"乙二{name}", ("league",)), person),
                f"people[2].{key}",
                differs=differs,
            ),
        )
    for name, person, key in bad_people[:10]:
        add(
            f"{name}, with a future date",
            refused(body(person, date=future), f"people[0].{key}", "date"),
        )
    bad_dates = [
        ("date in the future", future),
        ("date far in the future", "2099-01-01"),
        ("date before the campaign", "2004-10-31"),
        ("date in 1999", "1999-12-31"),
        ("date with slashes", "2026/11/20"),
        ("date with month 13", "2026-13-01"),
        ("date with day 32", "2026-01-32"),
        ("date in words", "yesterday"),
        ("date empty", ""),
        ("date with time", "2026-11-20T10:00:00"),
        ("date of 30 February", "2026-02-30"),
    ]
    for name, value in bad_dates:
        add(name, refused(body(p("Dated"), date=value), "date"))
    add(
        "everything wrong at once",
        refused(
            body(
                p("", ()),
                p("明月", ("party", "freemasons"), region="CN-XX"),
                p("清风", ("league",), statement="退" * 2001),
                date=future,
            ),
            "people[0].name",
            "people[0].organisations",
            "people[1].organisations",
            "people[1].region",
            "people[2].statement",
            "date",
        ),
    )
    add("eleven people", refused(body(*[p(f"Eleven {i}") for i in range(11)]), "people"))
    add("no people", refused({"people": []}, "people"))
    add(
        "contact without a key",
        refused(
            body(p("Contact"), contact="微信 pine123"),
            "contact",
            no_contacts_key=True,
            ways=frozenset({API, FORM}),
        ),
    )
    add(
        "contact with a control character",
        refused(body(p("Contact"), contact="a\u0001b"), "contact", ways=frozenset({API, FORM})),
    )
    # Shapes only JSON can get wrong.
    json_only = frozenset({API})
    shapes = [
        ("name a number", body(p(5)), ["people[0].name"]),
        ("name null", body({"name": None, "organisations": ["party"]}), ["people[0].name"]),
        (
            "organisations a string",
            body({"name": "S", "organisations": "party"}),
            ["people[0].organisations"],
        ),
        ("organisations of one letter", body(p("S", ["p"])), ["people[0].organisations"]),
        ("organisations of numbers", body(p("S", [1, 2])), ["people[0].organisations"]),
        ("organisation with a NUL", body(p("S", ["par\u0000ty"])), ["people[0].organisations"]),
        ("organisation too long", body(p("S", ["p" * 40])), ["people[0].organisations"]),
        ("region a number", body(p("S", region=86)), ["people[0].region"]),
        ("statement a list", body(p("S", statement=["a"])), ["people[0].statement"]),
        ("unknown person field", body(p("S", age=40)), ["people[0].age"]),
        (
            "two unknown person fields",
            body(p("S", age=40, city="x")),
            ["people[0].age", "people[0].city"],
        ),
        ("unknown field", body(p("S"), email="a@b.c"), ["email"]),
        ("date a number", body(p("S"), date=20261120), ["date"]),
        ("date null", body(p("S"), date=None), []),
        ("receipt a string", body(p("S"), receipt="yes"), ["receipt"]),
        ("receipt a number", body(p("S"), receipt=1), ["receipt"]),
        ("contact a number", body(p("S"), contact=123), ["contact"]),
        ("people an object", {"people": {"name": "S"}}, ["people"]),
        ("people a string", {"people": "S"}, ["people"]),
        ("people null", {"people": None}, ["people"]),
        ("no people key", {}, ["people"]),
        ("a person a string", body("S"), ["people[0]"]),
        ("a person a list", body(["S"]), ["people[0]"]),
        ("an empty person", body({}), ["people[0].name", "people[0].organisations"]),
        (
            "empty person after a good one",
            body(p("Good"), {}),
            ["people[1].name", "people[1].organisations"],
        ),
        ("a person null", body(None), ["people[0]"]),
        ("name NUL escaped", body(p("a\u0000b")), ["people[0].name"]),
        ("statement NUL escaped", body(p("S", statement="a\u0000b")), ["people[0].statement"]),
    ]
    for name, b, errors in shapes:
        if errors:
            add(name, refused(b, *errors, ways=json_only))
        else:
            add(name, accepted(b, ways=json_only))
    raw = [
        ("not JSON", Raw(b"{people: []}"), 400),
        ("truncated JSON", Raw(b'{"people": [{"name": "S"'), 400),
        ("a JSON list", Raw(b'[{"name": "S"}]'), 400),
        ("a JSON string", Raw(b'"hello"'), 400),
        ("JSON null", Raw(b"null"), 400),
        ("empty body", Raw(b""), 415),  # the test client sends no content type with it
        (
            "repeated key",
            Raw(b'{"people": [{"name": "", "name": "S", "organisations": ["party"]}]}'),
            400,
        ),
        (
            "repeated top key",
            Raw(b'{"people": [], "people": [{"name": "S", "organisations": ["party"]}]}'),
            400,
        ),
        (
            "NaN",
            Raw(b'{"people": [{"name": "S", "organisations": ["party"], "region": NaN}]}'),
            400,
        ),
        ("Infinity", Raw(b'{"people": [], "x": Infinity}'), 400),
        (
            "lone surrogate",
            Raw(b'{"people": [{"name": "\\ud800", "organisations": ["party"]}]}'),
            400,
        ),
        (
            "raw control character",
            Raw(b'{"people": [{"name": "S\x01", "organisations": ["party"]}]}'),
            400,
        ),
        ("raw DEL", Raw(b'{"people": [{"name": "S\x7f", "organisations": ["party"]}]}'), 400),
        (
            "not UTF-8",
            Raw('{"people": [{"name": "松山", "organisations": ["party"]}]}'.encode("gb18030")),
            400,
        ),
        ("form content type", Raw(b"name=S", "application/x-www-form-urlencoded"), 415),
        ("text content type", Raw(b'{"people": []}', "text/plain"), 415),
        ("Latin-1 charset", Raw(b'{"people": []}', "application/json; charset=latin-1"), 415),
        ("deep nesting", Raw(b"[" * 100_000 + b"]" * 100_000), 400),
        ("too large", Raw(b'{"people": [], "x": "' + b"a" * 300_000 + b'"}'), 413),
    ]
    for name, r, status in raw:
        # The body guard refuses an oversized body before Django, in plain text.
        add(name, refused(r, "text" if status == 413 else "body", status=status, ways=json_only))
    add(
        "UTF-8 charset named",
        accepted(
            Raw(json.dumps(body(p("Charset"))).encode(), "application/json; charset=UTF-8"),
            ways=json_only,
        ),
    )

    # --- Duplicates: same alias (folded), region and set of organisations ----------------------
    def twice(name, first, second, flags=("duplicate",)):
        add(name, accepted(body(first)), accepted(body(second), flags))

    twice("exact duplicate", p("重复", ("party",), "CN-SX"), p("重复", ("party",), "CN-SX"))
    twice("duplicate, no region", p("Dup NR"), p("Dup NR"))
    twice("duplicate, width folded", p("Ｄｕｐ", region="US"), p("Dup", region="US"))
    twice("duplicate, case folded", p("DUPLICATE CASE"), p("duplicate case"))
    twice("duplicate, spaces folded", p("Dup Space"), p("DupSpace"))
    twice("duplicate, zero-width folded", p("松山甲"), p("松\u200b山甲"))
    twice(
        "duplicate, organisations in another order",
        p("Order", ("party", "league")),
        p("Order", ("league", "party")),
    )
    twice("duplicate, HK alias", p("港人", region="CN-HK"), p("港人", region="HK"))
    twice(
        "not a duplicate: other region",
        p("Regional", region="CN-SX"),
        p("Regional", region="CN-BJ"),
        (),
    )
    twice(
        "not a duplicate: fewer organisations",
        p("Subset", ("party", "league")),
        p("Subset", ("party",)),
        (),
    )
    twice(
        "not a duplicate: more organisations",
        p("Superset", ("party",)),
        p("Superset", ("party", "league")),
        (),
    )
    twice("not a duplicate: other name", p("Name One"), p("Name Two"), ())
    twice(
        "not a duplicate: other organisation",
        p("Other Org", ("party",)),
        p("Other Org", ("league",)),
        (),
    )
    add(
        "duplicate in a family",
        accepted(body(p("Fam A", region="CN-GD"))),
        accepted(body(p("Fam B"), p("Fam A", region="CN-GD"), p("Fam C")), ("duplicate",)),
    )
    add(
        "duplicate of a pending one",
        accepted(body(p("Pending Dup", statement="see www.example.com")), ("link",)),
        accepted(body(p("Pending Dup")), ("duplicate",)),
    )
    add(
        "three times",
        accepted(body(p("Thrice"))),
        accepted(body(p("Thrice")), ("duplicate",)),
        accepted(body(p("Thrice")), ("duplicate",)),
    )
    add(
        "duplicate from another date",
        accepted(body(p("Dated Dup"), date="2026-01-01")),
        accepted(body(p("Dated Dup"), date="2026-02-01"), ("duplicate",)),
    )

    # --- Near-identical text ----------------------------------------------------------------
    base_text = "我在此声明退出中国共产党及其一切附属组织"
    variants = [
        ("same text", base_text, ("similar_text",)),
        (
            "text with punctuation",
            "我在此声明，退出中国共产党及其一切附属组织！",
            ("similar_text",),
        ),
        ("text with spaces", "我在此 声明退出 中国共产党及其一切附属组织", ("similar_text",)),
        ("text with full-width digits", None, ("similar_text",)),
        ("different text", "我是另一个人，我也退出共青团和少先队", ()),
    ]
    for index, (name, text, flags) in enumerate(variants):
        first = f"{base_text}{index}" if text is not None else f"声明编号１２３{base_text}"
        second = (
            f"{text}{index}"
            if text is not None and flags
            else (text if text is not None else f"声明编号123{base_text}")
        )
        add(
            f"near-identical: {name}",
            accepted(body(p(f"Writer A{index}", statement=first))),
            accepted(body(p(f"Writer B{index}", statement=second)), flags),
        )
    add(
        "near-identical: English case and punctuation",
        accepted(body(p("Writer E1", statement="I hereby quit the Communist Youth League."))),
        accepted(
            body(p("Writer E2", statement="i HEREBY quit the communist youth league")),
            ("similar_text",),
        ),
    )
    add(
        "near-identical: short texts are common",
        accepted(body(p("Writer S1", statement="我退出中共"))),
        accepted(body(p("Writer S2", statement="我退出中共"))),
    )
    add(
        "near-identical: second person of a family",
        accepted(body(p("Writer F1", statement="一段足够长的声明文字用于测试相似文本检查"))),
        accepted(
            body(
                p("Writer F2"),
                p("Writer F3", statement="一段足够长的声明文字，用于测试相似文本检查。"),
            ),
            ("similar_text",),
        ),
    )
    add(
        "near-identical and duplicate",
        accepted(body(p("Both", statement="重复的名字和重复的声明文字在一起出现"))),
        accepted(
            body(p("Both", statement="重复的名字和重复的声明文字在一起出现")),
            ("duplicate", "similar_text"),
        ),
    )
    add(
        "two fingerprints, one seen before",
        accepted(body(p("Prints A", statement="第一段被人见过的足够长的声明文字内容"))),
        accepted(
            body(
                p("Prints B", statement="第二段从来没有人见过的足够长的声明文字"),
                p("Prints C", statement="第一段被人见过的足够长的声明文字内容"),
            ),
            ("similar_text",),
        ),
    )
    add(
        "two fingerprints, none seen before",
        accepted(
            body(
                p("Prints D", statement="第三段从来没有人见过的足够长的声明文字"),
                p("Prints E", statement="第四段从来没有人见过的足够长的声明文字"),
            )
        ),
    )

    # --- Links and spam words ------------------------------------------------------------
    links = [
        "see http://example.org/x",
        "see https://example.org",
        "go to www.example",
        "visit example.com today",
        "mirror.example.net",
        "our site quit.org",
        "info at site.info",
        "try thing.xyz",
        "try thing.top",
        "国内网站 abc.cn",
        "site.ru mirror",
        "app.io",
        "about.me",
        "HTTP://SHOUT.EXAMPLE",
    ]
    for index, text in enumerate(links):
        add(
            f"link in statement: {text}",
            accepted(body(p(f"Linker {index}", statement=text)), ("link",)),
        )
    add("link in name", accepted(body(p("www.name.com")), ("link",)))
    add("no link: a dotted word", accepted(body(p("No Link", statement="e.g. this, i.e. that"))))
    add("no link: an e-mail-like name", accepted(body(p("pine at home"))))
    spam = [
        "casino",
        "viagra",
        "loan offer",
        "crypto giveaway",
        "博彩",
        "代开发票",
        "CASINO",
        "Viagra",
    ]
    for index, word in enumerate(spam):
        add(
            f"spam word in statement: {word}",
            accepted(
                body(p(f"Spammer {index}", statement=f"best {word} here {index}")), ("spam_word",)
            ),
        )
    add("spam word in name", accepted(body(p("casino king")), ("spam_word",)))
    add(
        "spam word in a family's second person",
        accepted(body(p("Clean One"), p("Dirty Two", statement="代开发票")), ("spam_word",)),
    )
    add(
        "link and spam word",
        accepted(body(p("Both Bad", statement="casino at www.example.com")), ("link", "spam_word")),
    )
    add("spam word split across people is not one", accepted(body(p("loan"), p("offer"))))

    # --- Bursts: more than five submissions from one source in ten minutes ---------------------
    burst = [accepted(body(p(f"Burst {i}", region="CN-SD"))) for i in range(5)]
    burst += [accepted(body(p(f"Burst {i}", region="CN-SD")), ("burst",)) for i in range(5, 9)]
    add("burst of nine", *burst)
    add(
        "burst and link",
        *[accepted(body(p(f"BL {i}"))) for i in range(5)],
        accepted(body(p("BL 5", statement="www.burst.com")), ("link", "burst")),
    )
    add(
        "burst of a duplicate",
        *[accepted(body(p(f"BD {i}"))) for i in range(5)],
        accepted(body(p("BD 0")), ("duplicate", "burst")),
    )
    add(
        "refused bodies do not count towards a burst",
        *[refused(body(p("")), "people[0].name") for _ in range(6)],
        accepted(body(p("Not Burst"))),
    )
    return table


TABLE = cases()


def raw_del(step: Step) -> bool:
    return isinstance(step.body, dict) and "\x7f" in json.dumps(step.body, ensure_ascii=False)


def language_of(index: int) -> str:
    return LANGUAGES[index % len(LANGUAGES)]


@time_machine.travel(NOW, tick=False)
@override_settings(RATE_LIMIT_SUBMISSIONS_PER_HOUR=100)
class IntakeTableTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def test_the_table_is_large(self):
        self.assertGreaterEqual(sum(len(case.steps) for case in TABLE), 300)
        for way in (API, FORM, CSV):
            self.assertGreaterEqual(
                sum(1 for case in TABLE for step in case.steps if way in step.ways), 200, way
            )

    def run_table(self, way: str, send) -> list[str]:
        """Send every case's steps ``way``; return the mismatches, described."""
        problems = []
        for index, case in enumerate(TABLE):
            cache.clear()  # each case is its own source, with its own burst and hourly counts
            before = set(Submission.objects.values_list("pk", flat=True))
            for number, step in enumerate(case.steps):
                if way not in step.ways:
                    continue
                status, errors, flags = send(step, language_of(index))
                want_status, want_errors = step.differs.get(way, (step.status, step.errors))
                want_flags = list(step.flags) if want_status in ("accepted", "pending") else None
                if way == CSV and want_flags is not None:
                    want_flags = [f for f in want_flags if f != "burst"] + ["staff_entered"]
                    want_status = "pending"
                got = (status, sorted(errors), flags)
                want = (want_status, sorted(want_errors), want_flags)
                if got != want:
                    problems.append(f"{case.name} [{number}]: got {got}, want {want}")
                created = set(Submission.objects.values_list("pk", flat=True)) - before
                if want_flags is None and created:
                    problems.append(f"{case.name} [{number}]: refused but stored")
                before |= created
        return problems

    # --- The partner API -------------------------------------------------------------------

    def api_send(
        self,
        step: Step,
        lang: str,
        answers: dict | None = None,
        key: str = "",
        escaped=True,
        queued=False,
    ):
        """POST the step's body; JSON bodies with non-ASCII text ``\\u``-escaped (as Python's
        json sends them) or as raw UTF-8 (as most apps send them): the server reads the first
        the careful way and the second, when it fits the schema, the fast way. ``queued``: the
        intake queue is on, so a body taken in is "received" and moderated by the sequencer's
        batch, run here before its outcome is read."""
        if isinstance(step.body, Raw):
            data, content_type = step.body.data, step.body.content_type
        else:
            data, content_type = json.dumps(step.body, ensure_ascii=escaped), "application/json"
        if step.no_contacts_key:
            with no_contacts_key():
                response = self.client.post(
                    f"/api/v1/declarations?lang={lang}", data, content_type=content_type
                )
        else:
            response = self.client.post(
                f"/api/v1/declarations?lang={lang}", data, content_type=content_type
            )
        if response["Content-Type"] != "application/json":  # refused before the view
            answer = {"errors": {"text": response.content.decode()}}
        else:
            answer = response.json()
        if answers is not None:
            answers[key] = [
                response.status_code,
                {k: v for k, v in answer.items() if k != "receipt"},
            ]
        if queued:
            self.assertEqual(Arrival.objects.count(), int(response.status_code == 201))
        if response.status_code == 201:
            if queued:
                self.assertEqual(answer["status"], "received")
                self.assertEqual(arrivals.drain(), 1)
            submission = Submission.objects.latest("pk")
            if not queued:
                self.assertEqual(answer["status"], submission.status)
            self.assertEqual(answer["people"], submission.people.count())
            wanted = isinstance(step.body, dict) and step.body.get("receipt") is True
            self.assertEqual(answer["receipt"] is not None, wanted)
            return submission.status, [], list(submission.flags)
        return response.status_code, list(answer["errors"]), None

    def test_api(self):
        problems = self.run_table(API, self.api_send)
        self.assertEqual(problems, [], "\n".join(problems))

    @override_settings(INTAKE_QUEUE=True)
    def test_api_through_the_intake_queue(self):
        """The same table with the queue on: the same errors at once, the same outcomes and
        flags once the sequencer's batch has moderated each body."""
        problems = self.run_table(API, functools.partial(self.api_send, queued=True))
        self.assertEqual(problems, [], "\n".join(problems))

    def test_api_raw_utf8(self):
        def send(step: Step, lang: str):
            status, errors, flags = self.api_send(step, lang, escaped=False)
            if raw_del(step):
                # DEL is escaped by no JSON writer but allowed raw: the API refuses it as a
                # control character in the body, as it always did, before looking at the field.
                self.assertEqual((status, errors), (400, ["body"]))
                return step.status, list(step.errors), None
            return status, errors, flags

        problems = self.run_table(API, send)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_the_fast_reading_is_taken_when_it_cannot_differ(self):
        fast = [
            step.body
            for case in TABLE
            for step in case.steps
            if isinstance(step.body, dict)
            and schema.decode(json.dumps(step.body, ensure_ascii=False).encode()) is not None
        ]
        self.assertGreater(len(fast), 150)  # most valid bodies
        for raw in [
            b'{"people": [{"name": "a", "name": "b", "organisations": ["party"]}]}',
            b'{"people": [{"name": "a", "organisations": ["party"]}, {"organisations": ["party"], "name": "b", "name": "c"}]}',
            b'{"people": [{"na\\u006de": "a", "name": "b", "organisations": ["party"]}]}',
            b'{"people": [{"name": "a\x7f", "organisations": ["party"]}]}',
            b'{"people": [{"name": null, "organisations": ["party"]}]}',
        ]:
            self.assertIsNone(schema.decode(raw), raw)

    def answers(self, queued=False) -> tuple[dict[str, list], dict[str, list]]:
        """The API's whole answers to the table in the three languages, sent escaped and as
        raw UTF-8."""
        answers: dict[str, list] = {}
        raw_utf8: dict[str, list] = {}
        for lang in LANGUAGES:
            with transaction.atomic():  # each language starts from the same empty tables
                for case in TABLE:
                    cache.clear()
                    for number, step in enumerate(case.steps):
                        if API in step.ways:
                            key = f"{lang} {case.name} [{number}]"
                            self.api_send(step, lang, answers, key, queued=queued)
                transaction.set_rollback(True)
            with transaction.atomic():  # and the same bodies as raw UTF-8
                for case in TABLE:
                    cache.clear()
                    for number, step in enumerate(case.steps):
                        if API in step.ways and not raw_del(step):
                            key = f"{lang} {case.name} [{number}]"
                            self.api_send(step, lang, raw_utf8, key, escaped=False, queued=queued)
                transaction.set_rollback(True)
        return answers, raw_utf8

    @override_settings(INTAKE_QUEUE=True)
    def test_api_answers_through_the_queue_word_for_word(self):
        """With the queue on, the answers are the recorded ones, but for the status of what
        was taken in: "received" (its outcome is pinned by test_api_through_the_intake_queue)."""
        answers, raw_utf8 = self.answers(queued=True)
        recorded = json.loads(ANSWERS.read_text())
        for status, answer in recorded.values():
            if status == 201:
                answer["status"] = "received"
        mismatches = [
            f"{key}: got {answers.get(key)}, recorded {recorded[key]}"
            for key in recorded
            if answers.get(key) != recorded[key]
        ]
        self.assertEqual(mismatches, [], "\n".join(mismatches[:20]))
        self.assertEqual(set(answers), set(recorded))
        self.assertEqual(raw_utf8, {key: answers[key] for key in raw_utf8})

    def test_api_answers_word_for_word_in_three_languages(self):
        """The whole answers (messages included) are the ones recorded before the rules moved."""
        answers, raw_utf8 = self.answers()
        if os.environ.get("TUIDANG_RECORD_INTAKE_ANSWERS"):
            lines = [
                f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(answer, ensure_ascii=False)}"
                for key, answer in sorted(answers.items())
            ]
            ANSWERS.write_text("{\n" + ",\n".join(lines) + "\n}\n")
        recorded = json.loads(ANSWERS.read_text())
        mismatches = [
            f"{key}: got {answers.get(key)}, recorded {recorded[key]}"
            for key in recorded
            if answers.get(key) != recorded[key]
        ]
        self.assertEqual(mismatches, [], "\n".join(mismatches[:20]))
        self.assertEqual(set(answers), set(recorded))
        self.assertEqual(raw_utf8, {key: answers[key] for key in raw_utf8})

    # --- The public form -------------------------------------------------------------------

    def form_send(self, step: Step, lang: str):
        b = step.body
        people = b.get("people") or []
        data: dict[str, Any] = {
            "person-TOTAL_FORMS": str(len(people)),
            "person-INITIAL_FORMS": "0",
            "declared_on": b.get("date", TODAY.isoformat()),
            "contact": b.get("contact", ""),
        }
        if b.get("receipt"):
            data["want_receipt"] = "on"
        for index, person in enumerate(people):
            for key, value in person.items():
                data[f"person-{index}-{key}"] = value
        if step.no_contacts_key:
            with no_contacts_key():
                response = self.client.post(f"/{lang}/declare/", data)
        else:
            response = self.client.post(f"/{lang}/declare/", data)
        if response.status_code == 200:
            submission = Submission.objects.latest("pk")
            self.assertEqual(response.context["result"]["status"], submission.status)
            return submission.status, [], list(submission.flags)
        errors = []
        formset, form = response.context["formset"], response.context["form"]
        for index, form_errors in enumerate(formset.errors):
            errors += [
                f"people[{index}].{name}" if name != "__all__" else f"people[{index}]"
                for name in form_errors
            ]
        if formset.non_form_errors():
            errors.append("people")
        names = {"declared_on": "date", "contact": "contact"}
        errors += [names.get(name, name) for name in form.errors]
        return response.status_code, errors, None

    def test_form(self):
        problems = self.run_table(FORM, self.form_send)
        self.assertEqual(problems, [], "\n".join(problems))

    # --- CSV import (staff) ----------------------------------------------------------------

    def csv_send(self, step: Step, lang: str):
        b = step.body
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(csvimport.COLUMNS)
        for person in b.get("people") or []:
            orgs = person.get("organisations")
            writer.writerow(
                [
                    person.get("name", ""),
                    ";".join(orgs) if isinstance(orgs, list) else "",
                    person.get("region", ""),
                    person.get("statement", ""),
                    b.get("date", TODAY.isoformat()),
                    "phone",
                    "family",
                ]
            )
        try:
            with translation.override("en"):  # the family rule's message is matched below
                parsed = csvimport.parse(out.getvalue().encode())
        except csvimport.ImportRefused:
            return 400, ["people"], None
        saved = csvimport.save(parsed, entered_by=self.val, language=lang)
        if parsed.errors:
            errors = set()
            for error in parsed.errors:
                index = error.line - 2
                for column in ("name", "organisations", "region", "statement"):
                    if f"{column}: " in error.message:
                        errors.add(f"people[{index}].{column}")
                if "date: " in error.message:
                    errors.add("date")
                family_rule = (
                    "row of its family" in error.message or "rows of its family" in error.message
                )
                if not family_rule and not any(
                    f"{c}: " in error.message for c in csvimport.COLUMNS
                ):
                    errors.add("people")
            self.assertEqual(saved.kept, [])
            return 400, sorted(errors), None
        (submission,) = saved.submissions
        return submission.status, [], list(submission.flags)

    def test_csv_import(self):
        problems = self.run_table(CSV, self.csv_send)
        self.assertEqual(problems, [], "\n".join(problems))
