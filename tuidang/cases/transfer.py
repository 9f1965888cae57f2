"""``tuidang cases import FILE`` and ``export``: the JSON format of docs/cases-format.md.

An import is checked whole before anything is written: every problem is reported with where
it is (``cases[3].acts[2].type: unknown act type 'arest'``) and a file with any problem
imports nothing, so a corrected file can be imported again without duplicates. Identity fields
are sealed as they are stored, like everything typed in the pages.

An export leaves identity fields out unless asked (``--identities``, with a reason, audited):
a file that moves a centre's data to another system is the most complete copy there is.

Evidence files travel beside the JSON, not inside it: ``evidence/<sha256>`` in the JSON file's
directory, one file at a time (a file is never more than one evidence file in memory, where
base64 in the JSON would hold them all at once). Their contents name and show people as much as
a real name does, so they go out only with ``--identities``; each one written adds an
"exported" link to its chain of custody. An import hashes every file before writing anything,
refuses one that does not match its record, seals it like an upload and adds an "imported"
link.
"""

import datetime
import hashlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.dateparse import parse_datetime

from tuidang.cases import secrecy
from tuidang.cases.models import (
    Act,
    Case,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Consent,
    Contact,
    CustodyEntry,
    DuplicateDecision,
    Event,
    Evidence,
    Information,
    Intervention,
    Involvement,
    LegalStay,
    Merge,
    MovementLeg,
    Person,
    ProtectionApplication,
    Team,
    Term,
)
from tuidang.cases.models.documentation import format_fuzzy_date, parse_fuzzy_date
from tuidang.declarations import regions

FORMAT = "tuidang-cases/1"
PERSON_IDENTITY = ("real_name", "other_names", "birth_date", "address", "contact")
EVIDENCE_DIR = "evidence"
CHUNK = 1024 * 1024

# The casework of a person at risk: the file's key → the model and the fields it carries, under
# the model's own names (dates ISO 8601, times ISO 8601 with their offset, accounts by user
# name). Sensitivity is the field's own (secrecy.py): IDENTITY fields only with --identities.
CASEWORK: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "stays": (LegalStay, ("status", "country", "document", "valid_until", "notes", "recorded")),
    "movements": (
        MovementLeg,
        ("kind", "from_country", "to_country", "left_on", "arrived_on", "notes"),
    ),
    "applications": (
        ProtectionApplication,
        (
            "kind",
            "country",
            "authority",
            "reference",
            "status",
            "submitted_on",
            "interview_on",
            "decision",
            "decided_on",
            "appeal_deadline",
            "notes",
        ),
    ),
    "contacts": (
        Contact,
        (
            "party_kind",
            "party",
            "channel",
            "contacted_on",
            "summary",
            "reply_expected_by",
            "replied_on",
        ),
    ),
    "tasks": (CaseTask, ("title", "assignee", "due_on", "remind_at", "done_at")),
    "checkins": (CheckIn, ("at", "channel", "safe", "note", "recorded_by")),
}
CHECKIN_PLAN_FIELDS = ("every_hours", "grace_hours", "active", "started")
EVIDENCE_FIELDS = ("filename", "content_type", "description")
CUSTODY_FIELDS = ("action", "sha256", "note", "counterpart")
COUNTRY_FIELDS = {"country", "from_country", "to_country", "current_country"}


class ImportProblems(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _terms() -> dict[str, dict[str, Term]]:
    found: dict[str, dict[str, Term]] = {}
    for term in Term.objects.all():
        found.setdefault(term.vocabulary, {})[term.code] = term
    return found


class ExportRefused(ValueError):
    """An export that cannot be written as asked (evidence files with nowhere to go)."""


def _field_out(row: models.Model, name: str, identities: bool, text) -> tuple[bool, Any]:
    """(whether the field goes out, its value in the file) under the export's rules."""
    field = row._meta.get_field(name)
    level = getattr(field, "sensitivity", secrecy.ORDINARY)
    if level >= secrecy.IDENTITY and not identities:
        return False, None
    value = getattr(row, name)
    if field.is_relation:
        return True, value.get_username() if value is not None else ""
    if isinstance(value, datetime.date):  # datetimes too
        return True, value.isoformat()
    if value is None:
        return True, ""
    if level == secrecy.CONFIDENTIAL:
        return True, text(value)
    return True, value


def _fields_out(row: models.Model, names, identities: bool, text) -> dict[str, Any]:
    out = {}
    for name in names:
        goes, value = _field_out(row, name, identities, text)
        if goes:
            out[name] = value
    return out


def _field_in(model: type[models.Model], name: str, raw: Any, where: str, problems, users):
    """The value of ``model.name`` read from the file, or ``_ABSENT`` (the model's default)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete field, named in this module
    if raw is None or (raw == "" and not isinstance(field, models.CharField | models.BinaryField)):
        if field.null or field.has_default() or getattr(field, "auto_now_add", False):
            return None if field.null else _ABSENT
        if field.blank:
            return ""
        problems.append(f"{where}.{name}: missing")
        return _ABSENT
    if field.is_relation:
        found = users(raw)
        if found is None:
            problems.append(f"{where}.{name}: no account named {raw!r}")
        return found
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(raw)) if isinstance(raw, str) else None
        if moment is None or moment.tzinfo is None:
            problems.append(
                f"{where}.{name}: not a date and time with its offset (2026-01-05T09:30:00+00:00): {raw!r}"
            )
        return moment
    if isinstance(field, models.DateField):
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            problems.append(f"{where}.{name}: not a date (YYYY-MM-DD): {raw!r}")
            return None
    if isinstance(field, models.BooleanField):
        if not isinstance(raw, bool):
            problems.append(f"{where}.{name}: true or false, not {raw!r}")
        return bool(raw)
    if isinstance(field, models.PositiveIntegerField):
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            problems.append(f"{where}.{name}: a whole number of hours, not {raw!r}")
        return raw
    value = str(raw)
    if field.choices and value not in {str(code) for code, _label in field.flatchoices}:
        problems.append(
            f"{where}.{name}: {value!r} is not one of "
            + ", ".join(str(code) for code, _label in field.flatchoices if code)
        )
    elif name in COUNTRY_FIELDS and value:
        value = regions.canonical(value.strip().upper())
        if value != "CN" and not regions.is_valid(value):
            problems.append(f"{where}.{name}: unknown country or region code {raw!r}")
    elif field.max_length is not None and len(value) > field.max_length:
        problems.append(f"{where}.{name}: longer than {field.max_length} characters")
    return value


_ABSENT = object()


def _fields_in(model, names, item: dict, where: str, problems, users) -> dict[str, Any]:
    values = {}
    for name in names:
        value = _field_in(model, name, item.get(name), where, problems, users)
        if value is not _ABSENT:
            values[name] = value
    return values


def _sha256_of(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size, read a chunk at a time."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def import_data(data: Any, *, owner=None, by=None, base_dir: Path | None = None) -> list[Case]:
    """Import every case in ``data`` (parsed JSON) or nothing; ImportProblems lists why not.

    Evidence files are read from ``base_dir`` (the JSON file's directory) and must match the
    SHA-256 their record gives; they are hashed here, before anything is written, and again
    as they are sealed (a file changed in between undoes the whole import).
    """
    problems: list[str] = []
    terms = _terms()
    users = get_user_model().objects
    accounts: dict[str, Any] = {}

    def account(name: Any):
        if str(name) not in accounts:
            accounts[str(name)] = users.filter(username=str(name)).first()
        return accounts[str(name)]

    folder = (base_dir or Path.cwd()).resolve()
    limit = settings.CASES_EVIDENCE_MAX_BYTES

    def term(vocabulary: str, code: Any, where: str, default: str | None = None) -> Term:
        code = code or default
        found = terms.get(vocabulary, {}).get(str(code))
        if found is None:
            problems.append(f"{where}: unknown {vocabulary.replace('_', ' ')} {code!r}")
        # None only when a problem is recorded, and then nothing is written.
        return found  # type: ignore[return-value]

    def fuzzy(value: Any, where: str):
        try:
            return parse_fuzzy_date(str(value or ""))
        except ValueError as error:
            problems.append(f"{where}: {error}")
            return None, "unknown"

    def region(value: Any, where: str) -> str:
        code = regions.canonical(str(value or "").strip().upper()) if value else ""
        if code and not regions.is_valid(code):
            problems.append(f"{where}: unknown region code {value!r}")
        return code

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportProblems([f'the file is not in the format "{FORMAT}" (its "format" field)'])
    plans = []
    codenames = set()
    for i, item in enumerate(data.get("cases") or []):
        where = f"cases[{i}]"
        codename = str(item.get("codename") or "").strip()
        if not codename:
            problems.append(f"{where}.codename: missing")
        elif codename in codenames or Case.objects.filter(codename=codename).exists():
            problems.append(f"{where}.codename: {codename!r} is already taken")
        codenames.add(codename)
        kind = item.get("kind") or Case.Kind.DOCUMENTATION
        if kind not in Case.Kind.values:
            problems.append(f"{where}.kind: {kind!r} is not one of {', '.join(Case.Kind.values)}")
        case_owner = owner
        if item.get("owner"):
            case_owner = users.filter(username=item["owner"]).first()
            if case_owner is None:
                problems.append(f"{where}.owner: no account named {item['owner']!r}")
        if case_owner is None:
            problems.append(f"{where}.owner: missing (give one, or --owner)")
        case_fields = _fields_in(
            Case, ("backup", "current_country"), item, where, problems, account
        )
        people = {}
        for j, p in enumerate(item.get("people") or []):
            pw = f"{where}.people[{j}]"
            ref = str(p.get("ref") or j)
            if ref in people:
                problems.append(f"{pw}.ref: {ref!r} used twice")
            if not p.get("pseudonym"):
                problems.append(f"{pw}.pseudonym: missing")
            if p.get("birth_date"):
                fuzzy(p["birth_date"], f"{pw}.birth_date")
            consent = {}
            for kind_code, given in (p.get("consent") or {}).items():
                consent[kind_code] = (
                    term("recipient_kind", kind_code, f"{pw}.consent"),
                    bool(given),
                )
            people[ref] = (p, region(p.get("region"), f"{pw}.region"), consent)
        for ref, (p, _home, _consent) in people.items():
            if p.get("same_as") is not None and str(p["same_as"]) == ref:
                problems.append(f"{where}.people: {ref!r} is the same as itself")
        events = {}
        for j, e in enumerate(item.get("events") or []):
            ew = f"{where}.events[{j}]"
            ref = str(e.get("ref") or j)
            if not e.get("title"):
                problems.append(f"{ew}.title: missing")
            events[ref] = (
                e,
                region(e.get("region"), f"{ew}.region"),
                fuzzy(e.get("date"), f"{ew}.date"),
            )
        acts = []
        for j, a in enumerate(item.get("acts") or []):
            aw = f"{where}.acts[{j}]"
            if str(a.get("event")) not in events:
                problems.append(f"{aw}.event: no event with ref {a.get('event')!r}")
            if str(a.get("victim")) not in people:
                problems.append(f"{aw}.victim: no person with ref {a.get('victim')!r}")
            perpetrators = []
            for k, inv in enumerate(a.get("perpetrators") or []):
                iw = f"{aw}.perpetrators[{k}]"
                if inv.get("person") and str(inv["person"]) not in people:
                    problems.append(f"{iw}.person: no person with ref {inv['person']!r}")
                degree = inv.get("degree") or "unknown"
                if degree not in Involvement.Degree.values:
                    problems.append(
                        f"{iw}.degree: {degree!r} is not one of {', '.join(Involvement.Degree.values)}"
                    )
                agency_type = (
                    term("perpetrator_type", inv["type"], f"{iw}.type") if inv.get("type") else None
                )
                perpetrators.append((inv, degree, agency_type))
            acts.append(
                (
                    a,
                    term("act_type", a.get("type"), f"{aw}.type"),
                    term("victim_status", a.get("status"), f"{aw}.status", "unknown"),
                    fuzzy(a.get("date"), f"{aw}.date") if a.get("date") else (None, "unknown"),
                    perpetrators,
                )
            )
        sources = []
        source_refs: set[str] = set()
        for j, s in enumerate(item.get("sources") or []):
            sw = f"{where}.sources[{j}]"
            source_ref = str(s.get("ref") or j)
            if source_ref in source_refs:
                problems.append(f"{sw}.ref: {source_ref!r} used twice")
            source_refs.add(source_ref)
            source_type = term("source_type", s.get("type"), f"{sw}.type")
            reliability = s.get("reliability") or "unknown"
            if reliability not in Information.Reliability.values:
                problems.append(
                    f"{sw}.reliability: {reliability!r} is not one of {', '.join(Information.Reliability.values)}"
                )
            for ref in s.get("events") or []:
                if str(ref) not in events:
                    problems.append(f"{sw}.events: no event with ref {ref!r}")
            for ref in s.get("people") or []:
                if str(ref) not in people:
                    problems.append(f"{sw}.people: no person with ref {ref!r}")
            sources.append(
                (source_ref, s, source_type, reliability, fuzzy(s.get("date"), f"{sw}.date"))
            )
        interventions = []
        for j, v in enumerate(item.get("interventions") or []):
            vw = f"{where}.interventions[{j}]"
            status = v.get("status") or "planned"
            if status not in Intervention.Status.values:
                problems.append(
                    f"{vw}.status: {status!r} is not one of {', '.join(Intervention.Status.values)}"
                )
            interventions.append(
                (
                    v,
                    term("intervention_type", v.get("type"), f"{vw}.type"),
                    status,
                    fuzzy(v.get("date"), f"{vw}.date"),
                )
            )
        evidence = []
        for j, v in enumerate(item.get("evidence") or []):
            vw = f"{where}.evidence[{j}]"
            fields = _fields_in(Evidence, EVIDENCE_FIELDS, v, vw, problems, account)
            sha256 = str(v.get("sha256") or "").lower()
            if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
                problems.append(f"{vw}.sha256: not a SHA-256 (64 hexadecimal digits): {sha256!r}")
            received = _fields_in(Evidence, ("received",), v, vw, problems, account)
            if v.get("information") is not None and str(v["information"]) not in source_refs:
                problems.append(f"{vw}.information: no source with ref {v['information']!r}")
            path = None
            if not v.get("file"):
                problems.append(
                    f"{vw}.file: missing (an export made without --identities carries no "
                    "evidence files; export again with --identities, or leave the evidence out)"
                )
            else:
                path = (folder / str(v["file"])).resolve()
                if not path.is_relative_to(folder):
                    problems.append(f"{vw}.file: {v['file']!r} is outside {folder}")
                    path = None
                elif not path.is_file():
                    problems.append(f"{vw}.file: no file {path}")
                    path = None
            if path is not None:
                try:
                    actual, size = _sha256_of(path)
                except OSError as error:
                    problems.append(f"{vw}.file: cannot read {path}: {error.strerror}")
                    actual, size = sha256, 0
                if size > limit:
                    problems.append(
                        f"{vw}.file: {path} is {_megabytes(size)} MB; a case accepts files of "
                        f"at most {_megabytes(limit)} MB (TUIDANG_CASES_EVIDENCE_MAX_BYTES)"
                    )
                elif actual != sha256:
                    problems.append(
                        f"{vw}.file: {path} does not match its record in case {codename!r}: "
                        f"its SHA-256 is {actual}, the record says {sha256}. It was changed "
                        "or is another file; nothing is imported"
                    )
            custody = []
            for k, entry in enumerate(v.get("custody") or []):
                cw = f"{vw}.custody[{k}]"
                # A link's hash is the file's unless the file says otherwise.
                values = _fields_in(
                    CustodyEntry,
                    ("at", "by", *CUSTODY_FIELDS),
                    {"sha256": sha256, **entry},
                    cw,
                    problems,
                    account,
                )
                custody.append(values)
            evidence.append((v, sha256, path, fields, received, custody))
        casework: dict[str, list] = {}
        for key, (model, names) in CASEWORK.items():
            for j, record in enumerate(item.get(key) or []):
                rw = f"{where}.{key}[{j}]"
                values = _fields_in(model, names, record, rw, problems, account)
                casework.setdefault(key, []).append((record, values))
        contact_refs = [str(c.get("ref") or j) for j, c in enumerate(item.get("contacts") or [])]
        for j, c in enumerate(item.get("contacts") or []):
            if c.get("follow_up_of") and str(c["follow_up_of"]) not in contact_refs:
                problems.append(
                    f"{where}.contacts[{j}].follow_up_of: no contact with ref {c['follow_up_of']!r}"
                )
        plan = None
        if item.get("checkin_plan"):
            plan = _fields_in(
                CheckInPlan, CHECKIN_PLAN_FIELDS, item["checkin_plan"], f"{where}.checkin_plan",
                problems, account,
            )  # fmt: skip
        if (casework or plan) and kind == Case.Kind.DOCUMENTATION:
            problems.append(
                f"{where}.kind: casework (stays, movements, applications, contacts, tasks, "
                "check-ins) belongs to a case of kind at_risk or both"
            )
        plans.append(
            {
                "item": item,
                "codename": codename,
                "kind": kind,
                "owner": case_owner,
                "fields": case_fields,
                "people": people,
                "events": events,
                "acts": acts,
                "sources": sources,
                "interventions": interventions,
                "evidence": evidence,
                "casework": casework,
                "plan": plan,
            }
        )
    # A merge may join two cases (the same person reported in both): a ``same_as`` is looked
    # for in its own case first, then as a ref that only one case of the file uses (an
    # export's refs are unique across the file).
    same_as: dict[tuple[int, str], tuple[int, str]] = {}
    for i, plan in enumerate(plans):
        for ref, (p, _home, _consent) in plan["people"].items():
            target = p.get("same_as")
            if target is None or str(target) == ref:
                continue
            target = str(target)
            if target in plan["people"]:
                found = [(i, target)]
            else:
                found = [(j, target) for j, other in enumerate(plans) if target in other["people"]]
            if len(found) != 1:
                problems.append(
                    f"cases[{i}].people: {ref!r} is the same as {target!r}, which "
                    + ("no person of the file is" if not found else "several cases use as a ref")
                )
                continue
            survivor = plans[found[0][0]]["people"][target][0]
            if survivor.get("same_as"):
                problems.append(
                    f"cases[{i}].people: {ref!r} is the same as {target!r}, itself merged "
                    "into another (point at the surviving record)"
                )
            same_as[(i, ref)] = found[0]
    if problems:
        raise ImportProblems(problems)
    made = []
    with transaction.atomic():
        written = [_create_case(plan, by) for plan in plans]
        for i, (_case, person_rows) in enumerate(written):
            for ref, (p, _home, _consent) in plans[i]["people"].items():
                if p.get("same_as"):
                    j, survivor_ref = same_as[(i, ref)]
                    _merge_imported(person_rows[ref], written[j][1][survivor_ref], by)
        made = [case for case, _person_rows in written]
    return made


def _create_case(plan: dict[str, Any], by) -> tuple[Case, dict[str, Person]]:
    """Write one case checked by ``import_data`` (inside its transaction)."""
    item, people, events, acts = plan["item"], plan["people"], plan["events"], plan["acts"]
    sources, interventions = plan["sources"], plan["interventions"]
    team = None
    if item.get("team"):
        team, _created = Team.objects.get_or_create(name=str(item["team"]))
    case = Case.objects.create(
        codename=plan["codename"],
        kind=plan["kind"],
        owner=plan["owner"],
        risk=item.get("risk") or "",
        team=team,
        **plan["fields"],
    )
    person_rows = {}
    for ref, (p, home, consent) in people.items():
        person_rows[ref] = Person.objects.create(
            case=case,
            kind=p.get("kind") or Person.Kind.INDIVIDUAL,
            pseudonym=p["pseudonym"],
            real_name=p.get("real_name") or "",
            other_names="\n".join(p.get("other_names") or []),
            birth_date=str(p.get("birth_date") or ""),
            sex=p.get("sex") or "",
            region=home,
            address=p.get("address") or "",
            contact=p.get("contact") or "",
            notes=p.get("notes") or "",
        )
        for kind_term, given in consent.values():
            Consent.objects.create(
                person=person_rows[ref],
                recipient_kind=kind_term,
                given=given,
                recorded_by=by,
            )
    event_rows = {}
    for ref, (e, place, (day, precision)) in events.items():
        event_rows[ref] = Event.objects.create(
            case=case,
            title=e["title"],
            description=e.get("description") or "",
            region=place,
            city=e.get("city") or "",
            date=day,
            date_precision=precision,
        )
    for a, act_type, status, (day, precision), perpetrators in acts:
        act = Act.objects.create(
            event=event_rows[str(a["event"])],
            victim=person_rows[str(a["victim"])],
            act_type=act_type,
            victim_status=status,
            date=day,
            date_precision=precision,
        )
        for inv, degree, agency_type in perpetrators:
            Involvement.objects.create(
                act=act,
                perpetrator=person_rows.get(str(inv.get("person"))) if inv.get("person") else None,
                agency=inv.get("agency") or "",
                agency_type=agency_type,
                degree=degree,
            )
    source_rows = {}
    for ref, s, source_type, reliability, (day, _precision) in sources:
        info = source_rows[ref] = Information.objects.create(
            case=case,
            source=s.get("source") or "",
            source_type=source_type,
            reliability=reliability,
            date=day,
            language=s.get("language") or "",
            summary=s.get("summary") or "",
            citation=s.get("citation") or "",
        )
        info.events.set([event_rows[str(r)] for r in s.get("events") or []])
        info.people.set([person_rows[str(r)] for r in s.get("people") or []])
    for v, kind_term, status, (day, _precision) in interventions:
        Intervention.objects.create(
            case=case,
            kind=kind_term,
            recipient=v.get("recipient") or "",
            date=day,
            status=status,
            description=v.get("description") or "",
            response=v.get("response") or "",
        )
    _create_evidence(case, plan["evidence"], source_rows, by)
    _create_casework(case, plan["casework"], plan["plan"])
    return case, person_rows


def _merge_imported(merged: Person, survivor: Person, by) -> None:
    """A person the file says is the same as another: merged as a person decided it, undoably."""
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into"])
    first, second = sorted([merged, survivor], key=lambda person: person.pk)
    DuplicateDecision.objects.get_or_create(
        first=first, second=second, defaults={"verdict": DuplicateDecision.Verdict.SAME, "by": by}
    )
    Merge.objects.create(survivor=survivor, merged=merged, moved=[], by=by)


def _create_evidence(case: Case, evidence, source_rows: dict[str, Information], by) -> None:
    for v, sha256, path, fields, received, custody in evidence:
        # Read whole once more to seal it (the model seals a file in one piece, and the
        # check above kept its size under the limit); hashed again, so a file swapped
        # since the check undoes the import instead of storing something unverified.
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ImportProblems(
                [
                    f"{path} changed during the import and no longer matches its record in "
                    f"case {case.codename!r} (SHA-256 {actual}, the record says {sha256}); "
                    "nothing imported"
                ]
            )
        row = Evidence.objects.create(
            case=case,
            information=source_rows.get(str(v.get("information")))
            if v.get("information") is not None
            else None,
            size=len(data),
            sha256=sha256,
            sealed_content=secrecy.seal_bytes(data, f"cases.evidence.{sha256}"),
            **fields,
        )
        del data
        # Forget the sealed copy now rather than when the next file replaces this row.
        row.sealed_content = b""
        if received.get("received"):
            Evidence.objects.filter(pk=row.pk).update(received=received["received"])
        for values in custody:
            at = values.pop("at", None)
            entry = row.custody.create(**values)
            if at:
                CustodyEntry.objects.filter(pk=entry.pk).update(at=at)
        row.custody.create(
            by=by,
            action=CustodyEntry.Action.IMPORTED,
            sha256=sha256,
            note="tuidang cases import: SHA-256 verified",
        )


def _create_casework(case: Case, casework: dict[str, list], plan: dict | None) -> None:
    contacts: dict[str, Contact] = {}
    for key, (model, _names) in CASEWORK.items():
        for j, (record, values) in enumerate(casework.get(key, [])):
            row = model._default_manager.create(case=case, **values)
            if isinstance(row, Contact):
                contacts[str(record.get("ref") or j)] = row
    for j, (record, _values) in enumerate(casework.get("contacts", [])):
        if record.get("follow_up_of"):
            contact = contacts[str(record.get("ref") or j)]
            contact.follow_up_of = contacts[str(record["follow_up_of"])]
            contact.save(update_fields=["follow_up_of"])
    if plan is not None:
        CheckInPlan.objects.create(case=case, **plan)


def export_data(
    cases, *, identities: bool = False, files_dir: Path | None = None, reason: str = ""
) -> dict[str, Any]:
    """The cases in the import format; identity fields and evidence files only when
    ``identities``, the files written into ``files_dir`` (each an "exported" custody link).

    Run it inside a transaction: the custody links are undone if writing fails.
    """
    if identities and files_dir is None and Evidence.objects.filter(case__in=cases).exists():
        raise ExportRefused(
            "the cases hold evidence files, and an export with --identities writes them beside "
            f"the JSON file (in {EVIDENCE_DIR}/): give --out FILE"
        )
    out = []
    for case in cases.select_related("owner").order_by("codename"):
        # Without identities, names in free text give way to pseudonyms, as in dossiers.
        replacements: dict[str, str] = {}
        if not identities:
            for person in case.people.all():
                for spelling in person.name_spellings():
                    replacements[spelling.strip()] = person.pseudonym

        def text(value: str, replacements: dict[str, str] = replacements) -> str:
            for name in sorted(replacements, key=len, reverse=True):
                value = value.replace(name, replacements[name])
            return value

        people = []
        for person in case.people.order_by("pk"):
            entry: dict[str, Any] = {
                "ref": f"p{person.pk}",
                "kind": person.kind,
                "pseudonym": person.pseudonym,
                "sex": person.sex,
                "region": person.region,
                "consent": {
                    c.recipient_kind.code: c.given
                    for c in reversed(list(person.consents.select_related("recipient_kind")))
                },
            }
            if person.merged_into_id:
                entry["same_as"] = f"p{person.merged_into_id}"
            if identities:
                entry.update(
                    real_name=person.real_name,
                    other_names=person.other_names.splitlines(),
                    birth_date=person.birth_date,
                    address=person.address,
                    contact=person.contact,
                    notes=person.notes,
                )
            people.append(entry)
        events = [
            {
                "ref": f"e{event.pk}",
                "title": event.title,
                "description": text(event.description),
                "region": event.region,
                "city": event.city,
                "date": event.fuzzy_date,
            }
            for event in case.events.order_by("pk")
        ]
        acts = [
            {
                "event": f"e{act.event_id}",
                "victim": f"p{act.victim_id}",
                "type": act.act_type.code,
                "status": act.victim_status.code,
                "date": format_fuzzy_date(act.date, act.date_precision),
                "perpetrators": [
                    {
                        "agency": inv.agency,
                        "type": inv.agency_type.code if inv.agency_type else "",
                        "degree": inv.degree,
                        **({"person": f"p{inv.perpetrator_id}"} if inv.perpetrator_id else {}),
                    }
                    for inv in act.involvements.select_related("agency_type")
                ],
            }
            for act in Act.objects.filter(event__case=case)
            .select_related("act_type", "victim_status")
            .order_by("pk")
        ]
        sources = [
            {
                "ref": f"s{info.pk}",
                "type": info.source_type.code,
                "reliability": info.reliability,
                "date": str(info.date or ""),
                "language": info.language,
                "summary": text(info.summary),
                "citation": info.citation,
                "events": [f"e{pk}" for pk in info.events.values_list("pk", flat=True)],
                "people": [f"p{pk}" for pk in info.people.values_list("pk", flat=True)],
                **({"source": info.source} if identities else {}),
            }
            for info in case.information.select_related("source_type").order_by("pk")
        ]
        interventions = [
            {
                "type": v.kind.code,
                "recipient": v.recipient,
                "date": str(v.date or ""),
                "status": v.status,
                "description": text(v.description),
                "response": text(v.response),
            }
            for v in case.interventions.select_related("kind").order_by("pk")
        ]
        entry = {
            "codename": case.codename,
            "kind": case.kind,
            "owner": case.owner.get_username(),
            **_fields_out(case, ("backup", "current_country"), identities, text),
            "team": case.team.name if case.team else "",
            "risk": case.risk,
            "people": people,
            "events": events,
            "acts": acts,
            "sources": sources,
            "interventions": interventions,
            "evidence": _evidence_out(case, identities, text, files_dir, reason),
        }
        if case.kind != Case.Kind.DOCUMENTATION:
            entry.update(_casework_out(case, identities, text))
        out.append(entry)
    return {"format": FORMAT, "identities": identities, "cases": out}


def _evidence_out(case: Case, identities: bool, text, files_dir: Path | None, reason: str):
    found = []
    # The sealed bytes are left out of the rows (deferred, and no queryset cache keeps the
    # rows) and loaded one file at a time, so an export holds at most one evidence file in
    # memory whatever the case holds.
    for evidence in case.evidence.defer("sealed_content").order_by("pk").iterator():
        entry: dict[str, Any] = {
            "sha256": evidence.sha256,
            "size": evidence.size,
            **_fields_out(evidence, EVIDENCE_FIELDS, identities, text),
            "received": evidence.received.isoformat(),
            **({"information": f"s{evidence.information_id}"} if evidence.information_id else {}),
        }
        if identities:
            assert files_dir is not None  # export_data refused otherwise
            _write_evidence_file(files_dir, evidence)
            entry["file"] = f"{EVIDENCE_DIR}/{evidence.sha256}"
            evidence.custody.create(
                by=None,
                action=CustodyEntry.Action.EXPORTED,
                sha256=evidence.sha256,
                note=f"tuidang cases export --identities: {reason}"[:300],
            )
        entry["custody"] = [
            {
                "at": link.at.isoformat(),
                "by": link.by.get_username() if link.by else "",
                **_fields_out(link, CUSTODY_FIELDS, identities, text),
            }
            for link in evidence.custody.select_related("by").order_by("at", "pk")
        ]
        if not identities:
            entry["custody"] = [{**link, "note": text(link["note"])} for link in entry["custody"]]
        found.append(entry)
    return found


def _write_evidence_file(files_dir: Path, evidence: Evidence) -> None:
    """``files_dir/<sha256>``, readable by its owner only; a file already there with the right
    hash (the same evidence in two cases, an export run twice) is kept."""
    files_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = files_dir / evidence.sha256
    if path.is_file() and _sha256_of(path)[0] == evidence.sha256:
        return
    # A row of its own, dropped on return: the instance iterated keeps no file's bytes.
    data = Evidence.objects.get(pk=evidence.pk).content()  # checked against its hash
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    partial.replace(path)


def _casework_out(case: Case, identities: bool, text) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, (model, names) in CASEWORK.items():
        rows = model._default_manager.filter(case=case).order_by("pk")
        found[key] = []
        for row in rows:
            entry = _fields_out(row, names, identities, text)
            if model is Contact:
                entry = {"ref": f"c{row.pk}", **entry}
                if row.follow_up_of_id:  # type: ignore[attr-defined]
                    entry["follow_up_of"] = f"c{row.follow_up_of_id}"  # type: ignore[attr-defined]
            found[key].append(entry)
    plan = CheckInPlan.objects.filter(case=case).first()
    found["checkin_plan"] = (
        _fields_out(plan, CHECKIN_PLAN_FIELDS, identities, text) if plan else None
    )
    return found
