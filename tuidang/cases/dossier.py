"""Dossiers: cases selected by filters → tables, a timeline, narratives, sources → PDF, CSV, JSON.

``build`` makes every file of one dossier version and records it (``Dossier``, with each file's
SHA-256 and the files sealed). What each person shows depends on two things, both required:
the recipient's **redaction profile** allows the field, and the person **consented** to being
named to that kind of recipient. Anyone else goes out as "Victim 12", with their names removed
from the narratives as well. A dossier that names anyone waits for a second person's approval
(``approve``) before its files can be downloaded or it can be handed over (``hand_over``), which
logs an ``Intervention`` on every case in it.

Numbers come from ``counts.count_acts`` over exactly the acts the dossier lists.
"""

import copy
import csv
import hashlib
import io
import json
import multiprocessing
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tuidang.accounts.models import AuditEvent
from tuidang.cases import pdf, secrecy
from tuidang.cases.counts import count_acts
from tuidang.cases.models import (
    Act,
    Case,
    Consent,
    Dossier,
    DossierFile,
    Event,
    Information,
    Intervention,
    Person,
    RedactionProfile,
    Term,
    Vocabulary,
)
from tuidang.cases.models.documentation import format_fuzzy_date
from tuidang.declarations.regions import name as region_name

FORMAT = "tuidang-dossier/1"
PDF_TEMPLATES = {
    "dossier.pdf": "cases/dossier_pdf.html",
    "un-communication.pdf": "cases/dossier_un.html",
}
# Below this many acts a dossier's PDFs are made one after the other in this process (starting
# a process costs more than it saves).
PARALLEL_FROM_ROWS = 2000
CSV_COLUMNS = [
    "case",
    "victim",
    "sex",
    "birth_date",
    "home_region",
    "act_type",
    "act",
    "date",
    "date_precision",
    "region",
    "city",
    "victim_status",
]


@dataclass
class Filters:
    """Which acts a dossier covers (all given filters apply together)."""

    cases: list[str] = field(default_factory=list)  # codenames
    regions: list[str] = field(default_factory=list)
    act_types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    def apply(self, acts):
        if self.cases:
            acts = acts.filter(event__case__codename__in=self.cases)
        if self.regions:
            acts = acts.filter(event__region__in=self.regions)
        if self.act_types:
            acts = acts.filter(act_type__code__in=self.act_types)
        if self.year_from:
            acts = acts.filter(Q(date__year__gte=self.year_from) | Q(date__isnull=True))
            acts = acts.filter(Q(date__isnull=False) | Q(event__date__year__gte=self.year_from))
        if self.year_to:
            acts = acts.filter(Q(date__year__lte=self.year_to) | Q(date__isnull=True))
            acts = acts.filter(Q(date__isnull=False) | Q(event__date__year__lte=self.year_to))
        return acts


def consents(people: list[Person], kind: Term) -> dict[int, bool]:
    """The latest answer of each person for this kind of recipient (no answer: no consent)."""
    latest: dict[int, bool] = {}
    for person_id, given in (
        Consent.objects.filter(person__in=people, recipient_kind=kind)
        .order_by("person_id", "-at", "-pk")
        .values_list("person_id", "given")
    ):
        latest.setdefault(person_id, given)
    return latest


def _redactor(replacements: dict[str, str]):
    """A function that puts each name of ``replacements`` in a text by its label, the longest
    name first where two start at the same place. Names are looked up by their first
    character, so a text costs its length, not its length times the number of names (a
    1,000-case dossier has thousands of names and a thousand narratives)."""
    by_first: dict[str, list[str]] = {}
    for name in sorted(replacements, key=len, reverse=True):
        by_first.setdefault(name[0], []).append(name)

    # Only where a name may start is looked at; the text between is copied as it is.
    starts = re.compile("[" + re.escape("".join(by_first)) + "]") if by_first else None

    def redact(text: str) -> str:
        if starts is None:
            return text
        out, i = [], 0
        while (found := starts.search(text, i)) is not None:
            at = found.start()
            for name in by_first[text[at]]:
                if text.startswith(name, at):
                    out.append(text[i:at])
                    out.append(replacements[name])
                    i = at + len(name)
                    break
            else:
                out.append(text[i : at + 1])
                i = at + 1
        out.append(text[i:])
        return "".join(out)

    return redact


class _ActRow(NamedTuple):
    """One act as ``dossier_data`` reads it (the order of its ``values_list``)."""

    pk: int
    victim_id: int
    date: Any
    date_precision: str
    type_code: str
    type_label: str
    status_code: str
    status_label: str
    event_id: int
    title: str
    region: str
    city: str
    event_date: Any
    event_date_precision: str
    case_id: int
    codename: str


def _label_field(language: str) -> str:
    """The column ``Term.label(language)`` reads, to read labels along with the acts."""
    language = language.lower()
    if language.startswith("zh-hant"):
        return "label_zh_hant"
    if language.startswith("zh"):
        return "label_zh_hans"
    return "label_en"


def dossier_data(
    acts, profile: RedactionProfile, *, title: str, recipient: str, version: int = 1
) -> dict[str, Any]:
    """Everything a dossier says, as plain data (the JSON file; the PDF and CSV are made from it)."""
    # A few queries whatever the number of cases (tests/cases/test_queries.py): the acts as
    # plain rows with their event, case and terms (no model instances: a 1,000-case dossier has
    # 20,000 acts but 1,000 events, and an event instance per act would open its sealed
    # description once per act); the events' descriptions, once each; the people they name,
    # each with only the sealed fields a dossier may show (opening a sealed value costs a
    # decryption; addresses and contacts never go out, so they are not read); the spellings of
    # people merged into them; consents.
    language = translation.get_language() or "en"
    label = _label_field(language)
    acts = [
        _ActRow(*row)
        for row in acts.order_by(
            "event__case__codename", "event__date", "event_id", "pk"
        ).values_list(
            "pk",
            "victim_id",
            "date",
            "date_precision",
            "act_type__code",
            f"act_type__{label}",
            "victim_status__code",
            f"victim_status__{label}",
            "event_id",
            "event__title",
            "event__region",
            "event__city",
            "event__date",
            "event__date_precision",
            "event__case_id",
            "event__case__codename",
        )
    ]
    summary_counts = count_acts(Act.objects.filter(pk__in=[a.pk for a in acts]))
    descriptions: dict[int, str] = {}
    if profile.narratives:
        descriptions = dict(
            Event.objects.filter(pk__in={a.event_id for a in acts}).values_list("pk", "description")
        )
    shown = ("pk", "real_name", "other_names", "birth_date", "sex", "region", "merged_into")
    named_in_acts = {a.victim_id for a in acts}
    people = {p.pk: p for p in Person.objects.filter(pk__in=named_in_acts).only(*shown)}
    survivors = {p.merged_into_id for p in people.values() if p.merged_into_id} - set(people)
    people.update({p.pk: p for p in Person.objects.filter(pk__in=survivors).only(*shown)})
    # Each victim as one person after merges: the surviving record speaks for the others.
    victims: dict[int, Person] = {}
    victim_of: dict[int, Person] = {}  # act pk → its victim after merges
    for act in acts:
        person = people[act.victim_id]
        person = people[person.merged_into_id] if person.merged_into_id else person
        victims.setdefault(person.pk, person)
        victim_of[act.pk] = person
    merged_spellings: dict[int | None, list[str]] = {}
    for survivor, real_name, other_names in Person.objects.filter(
        merged_into__in=list(victims)
    ).values_list("merged_into", "real_name", "other_names"):
        merged_spellings.setdefault(survivor, []).extend([real_name, *other_names.splitlines()])
    consent = consents(list(victims.values()), profile.recipient_kind)
    labels: dict[int, str] = {}
    named: dict[int, bool] = {}
    for number, person in enumerate(victims.values(), 1):
        named[person.pk] = profile.real_names and consent.get(person.pk, False)
        labels[person.pk] = (
            person.real_name if named[person.pk] and person.real_name else f"V{number:03d}"
        )
    # Names of the people who go out anonymised, in every spelling, are taken out of the text.
    replacements = {}
    for person in victims.values():
        if not named[person.pk]:
            spellings = [person.real_name, *person.other_names.splitlines()]
            for spelling in spellings + merged_spellings.get(person.pk, []):
                if spelling.strip():
                    replacements[spelling.strip()] = labels[person.pk]

    redact = _redactor(replacements)

    def victim_entry(person: Person) -> dict[str, Any]:
        show = named[person.pk]
        return {
            "label": labels[person.pk],
            "named": show,
            "sex": person.sex,
            "birth_date": person.birth_date if show and profile.birth_dates else "",
            "home_region": person.region,
        }

    cases: dict[int, dict[str, Any]] = {}
    rows = []
    timeline: dict[int, dict[str, Any]] = {}
    for act in acts:
        person = victim_of[act.pk]
        entry = cases.get(act.case_id)
        if entry is None:
            entry = cases[act.case_id] = {
                "codename": act.codename,
                "events": {},
                "victims": {},
                "sources": [],
            }
        if person.pk not in entry["victims"]:
            entry["victims"][person.pk] = victim_entry(person)
        event_date = format_fuzzy_date(act.event_date, act.event_date_precision)
        event_entry = entry["events"].get(act.event_id)
        if event_entry is None:  # once per event, not once per act (redacting costs)
            event_entry = entry["events"][act.event_id] = {
                "date": event_date,
                "region": act.region,
                "region_name": region_name(act.region) if act.region else "",
                "city": act.city if profile.cities else "",
                "title": redact(act.title),
                "narrative": redact(descriptions.get(act.event_id, "")),
                "acts": [],
            }
            timeline[act.event_id] = {
                "date": event_date,
                "sort": act.event_date.isoformat() if act.event_date else "9999",
                "case": act.codename,
                "region": act.region,
                "title": event_entry["title"],
            }
        act_entry = {
            "victim": labels[person.pk],
            "type": act.type_code,
            "type_label": act.type_label,
            "date": format_fuzzy_date(act.date, act.date_precision) or event_date,
            "status": act.status_code,
            "status_label": act.status_label,
        }
        event_entry["acts"].append(act_entry)
        rows.append(
            {
                "case": act.codename,
                "victim": labels[person.pk],
                "sex": person.sex,
                "birth_date": entry["victims"][person.pk]["birth_date"],
                "home_region": person.region,
                "act_type": act.type_code,
                "act": act.type_label,
                "date": act_entry["date"],
                "date_precision": act.date_precision if act.date else act.event_date_precision,
                "region": act.region,
                "city": event_entry["city"],
                "victim_status": act.status_code,
            }
        )
    if profile.sources:
        for information in Information.objects.filter(case__in=list(cases)).exclude(citation=""):
            cases[information.case_id]["sources"].append(
                {"citation": information.citation, "date": str(information.date or "")}
            )
    summary = {
        "victims": summary_counts["victims"],
        "deaths": summary_counts["deaths"],
        "provinces": summary_counts["provinces"],
        "acts": summary_counts["acts"],
        "cases": len(cases),
        "named_victims": sum(named.values()),
    }
    return {
        "format": FORMAT,
        "title": title,
        "recipient": recipient,
        "recipient_kind": profile.recipient_kind.code,
        "profile": profile.name,
        "version": version,
        "generated": timezone.now().date().isoformat(),
        "summary": summary,
        "acts_by_type": summary_counts["acts_by_type"],
        "acts_by_year": summary_counts["acts_by_year"],
        "acts_by_province_and_type": summary_counts["acts_by_province_and_type"],
        "acts_by_year_and_type": summary_counts["acts_by_year_and_type"],
        "timeline": [
            {k: v for k, v in item.items() if k != "sort"}
            for item in sorted(timeline.values(), key=lambda i: (i["sort"], i["case"]))
        ],
        "cases": [
            {
                "codename": entry["codename"],
                "victims": list(entry["victims"].values()),
                "events": list(entry["events"].values()),
                "sources": entry["sources"],
            }
            for entry in cases.values()
        ],
        "rows": rows,
    }


def to_json(data: dict[str, Any]) -> bytes:
    public = {k: v for k, v in data.items() if k != "rows"}
    return json.dumps(public, ensure_ascii=False, indent=2, sort_keys=False).encode() + b"\n"


def to_csv(data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(data["rows"])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets read Chinese right


def _tables(data: dict[str, Any]) -> dict[str, Any]:
    """The province × act type and year × act type tables, as rows for the templates."""
    language = translation.get_language() or "en"
    labels = {t.code: t.label(language) for t in Term.objects.of(Vocabulary.ACT_TYPE)}
    types = sorted(data["acts_by_type"])

    def table(pairs: dict[str, int], name) -> list[dict[str, Any]]:
        keys = sorted({k.split("|")[0] for k in pairs})
        return [
            {
                "name": name(key),
                "cells": [pairs.get(f"{key}|{code}", 0) for code in types],
                "total": sum(pairs.get(f"{key}|{code}", 0) for code in types),
            }
            for key in keys
        ]

    return {
        "types": [labels.get(code, code) for code in types],
        "type_totals": [data["acts_by_type"][code] for code in types],
        "by_province": table(
            data["acts_by_province_and_type"], lambda code: region_name(code) if code else "—"
        ),
        "by_year": table(data["acts_by_year_and_type"], lambda year: year),
    }


def _acts_by_victim(data: dict[str, Any]) -> None:
    """Give each event of ``data`` its acts grouped by victim (``by_victim``) for the PDFs: one
    paragraph per victim and event instead of one per act. Every act is still there (type,
    date, status), acts alike in all three counted (×2); WeasyPrint's cost is per paragraph
    and line, and a 1,000-case dossier has 20,000 acts (the CSV keeps one row per act)."""
    for case in data["cases"]:
        for event in case["events"]:
            grouped: dict[str, Counter[tuple[str, str, str]]] = {}
            for act in event["acts"]:
                key = (act["type_label"], act["date"] or "?", act["status_label"])
                grouped.setdefault(act["victim"], Counter())[key] += 1
            event["by_victim"] = [
                {
                    "victim": victim,
                    "acts": "; ".join(
                        f"{kind} ({date}) — {status}" + (f" ×{n}" if n > 1 else "")
                        for (kind, date, status), n in acts.items()
                    ),
                }
                for victim, acts in grouped.items()
            ]


def to_html(data: dict[str, Any], template: str = "cases/dossier_pdf.html", tables=None) -> str:
    printable = {**data, "cases": copy.deepcopy(data["cases"])}
    _acts_by_victim(printable)
    return render_to_string(template, {"d": printable, "tables": tables or _tables(data)})


def to_pdf(data: dict[str, Any], template: str = "cases/dossier_pdf.html", tables=None) -> bytes:
    return pdf.write_pdf(to_html(data, template, tables))


def pdf_pool() -> ProcessPoolExecutor:
    """One process for the UN layout of a big dossier, started afresh (spawned, not forked: a
    web worker has other threads) and made to import WeasyPrint at once, so that it is ready
    by the time the data is."""
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(pdf.warm)
    return pool


def render_files(data: dict[str, Any], pool: ProcessPoolExecutor | None = None) -> dict[str, bytes]:
    """The four files. Both PDFs' HTML is made here (templates need Django); for a big dossier
    the UN layout, the longer of the two, is laid out in another process (``pool``, or one
    started here) while this one lays out the dossier's PDF and writes the JSON and CSV
    (WeasyPrint uses one core; the layout is most of a big dossier's time). The other process
    gets only HTML: no Django, no database, no data."""
    tables = _tables(data)
    un_html = to_html(data, PDF_TEMPLATES["un-communication.pdf"], tables)
    own_pool = None
    if pool is None and len(data["rows"]) >= PARALLEL_FROM_ROWS:
        pool = own_pool = pdf_pool()
    try:
        un = pool.submit(pdf.write_pdf, un_html) if pool is not None else None
        files = {
            "dossier.json": to_json(data),
            "dossier.csv": to_csv(data),
            "dossier.pdf": to_pdf(data, PDF_TEMPLATES["dossier.pdf"], tables),
            "un-communication.pdf": un.result() if un else pdf.write_pdf(un_html),
        }
    finally:
        if own_pool is not None:
            own_pool.shutdown()
    return files


def build(
    cases,
    filters: Filters,
    profile: RedactionProfile,
    *,
    title: str,
    recipient: str,
    by=None,
    audit_detail=None,
    language: str = "",
) -> tuple[Dossier, dict[str, bytes]]:
    """Build and record one dossier over the acts of ``cases`` (the caller's accessible cases)
    that pass ``filters``. Returns the record and the files."""
    acts = filters.apply(Act.objects.filter(event__case__in=cases))
    version = Dossier.objects.filter(title=title, recipient=recipient).count() + 1
    # The recipient's language, whatever the page or terminal the build came from.
    # A big dossier's second PDF process starts now, to be ready when the data is.
    pool = pdf_pool() if acts.count() >= PARALLEL_FROM_ROWS else None
    try:
        with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
            data = dossier_data(acts, profile, title=title, recipient=recipient, version=version)
            files = render_files(data, pool)
    finally:
        if pool is not None:
            pool.shutdown()
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    with transaction.atomic():
        dossier = Dossier.objects.create(
            title=title,
            recipient=recipient,
            profile=profile,
            filters=asdict(filters),
            version=version,
            names_identities=data["summary"]["named_victims"] > 0,
            summary=data["summary"],
            files=hashes,
            created_by=by,
        )
        dossier.cases.set(Case.objects.filter(codename__in=[c["codename"] for c in data["cases"]]))
        DossierFile.objects.bulk_create(
            DossierFile(
                dossier=dossier,
                name=name,
                sha256=hashes[name],
                sealed_content=secrecy.seal_bytes(content, f"cases.dossier.{hashes[name]}"),
            )
            for name, content in files.items()
        )
        AuditEvent.record(
            by,
            "cases.dossier_built",
            dossier,
            recipient=recipient,
            profile=profile.name,
            files=hashes,
            named_victims=data["summary"]["named_victims"],
            **(audit_detail or {}),
        )
    return dossier, files


class NotAllowed(Exception):
    pass


def approve(dossier: Dossier, by) -> None:
    """The second person's approval: never the person who built it."""
    if dossier.created_by_id is not None and dossier.created_by_id == by.pk:
        raise NotAllowed("the person who built a dossier cannot approve it")
    with transaction.atomic():
        dossier.approved_by, dossier.approved_at = by, timezone.now()
        dossier.save(update_fields=["approved_by", "approved_at"])
        AuditEvent.record(by, "cases.dossier_approved", dossier, files=dossier.files)


def hand_over(dossier: Dossier, by, *, on=None) -> list[Intervention]:
    """Record that the dossier went to its recipient, as an Intervention on each of its cases."""
    if not dossier.may_be_handed_over:
        raise NotAllowed("a dossier naming people needs a second person's approval first")
    if dossier.handed_over_at:
        raise NotAllowed("this dossier version was already handed over")
    kind = Term.objects.get(vocabulary=Vocabulary.INTERVENTION_TYPE, code="dossier")
    day = on or timezone.localdate()
    note = f"{dossier.title} v{dossier.version}: " + ", ".join(
        f"{name} sha256:{digest}" for name, digest in sorted(dossier.files.items())
    )
    with transaction.atomic():
        dossier.handed_over_by, dossier.handed_over_at = by, timezone.now()
        dossier.save(update_fields=["handed_over_by", "handed_over_at"])
        made = [
            Intervention.objects.create(
                case=case,
                kind=kind,
                recipient=dossier.recipient,
                date=day,
                status=Intervention.Status.SENT,
                description=note,
                handover=dossier,
            )
            for case in dossier.cases.all()
        ]
        AuditEvent.record(
            by,
            "cases.dossier_handed_over",
            dossier,
            recipient=dossier.recipient,
            files=dossier.files,
        )
    return made
