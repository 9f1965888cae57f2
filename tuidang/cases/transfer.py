"""``tuidang cases import FILE`` and ``export``: the JSON format of docs/cases-format.md.

An import is checked whole before anything is written: every problem is reported with where
it is (``cases[3].acts[2].type: unknown act type 'arest'``) and a file with any problem
imports nothing, so a corrected file can be imported again without duplicates. Identity fields
are sealed as they are stored, like everything typed in the pages.

An export leaves identity fields out unless asked (``--identities``, with a reason, audited):
a file that moves a centre's data to another system is the most complete copy there is.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from tuidang.cases.models import (
    Act,
    Case,
    Consent,
    Event,
    Information,
    Intervention,
    Involvement,
    Person,
    Term,
)
from tuidang.cases.models.documentation import format_fuzzy_date, parse_fuzzy_date
from tuidang.declarations import regions

FORMAT = "tuidang-cases/1"
PERSON_IDENTITY = ("real_name", "other_names", "birth_date", "address", "contact")


class ImportProblems(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _terms() -> dict[str, dict[str, Term]]:
    found: dict[str, dict[str, Term]] = {}
    for term in Term.objects.all():
        found.setdefault(term.vocabulary, {})[term.code] = term
    return found


def import_data(data: Any, *, owner=None, by=None) -> list[Case]:
    """Import every case in ``data`` (parsed JSON) or nothing; ImportProblems lists why not."""
    problems: list[str] = []
    terms = _terms()
    users = get_user_model().objects

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
        for j, s in enumerate(item.get("sources") or []):
            sw = f"{where}.sources[{j}]"
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
            sources.append((s, source_type, reliability, fuzzy(s.get("date"), f"{sw}.date")))
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
        plans.append(
            (item, codename, kind, case_owner, people, events, acts, sources, interventions)
        )
    if problems:
        raise ImportProblems(problems)
    made = []
    with transaction.atomic():
        for item, codename, kind, case_owner, people, events, acts, sources, interventions in plans:
            case = Case.objects.create(
                codename=codename, kind=kind, owner=case_owner, risk=item.get("risk") or ""
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
                        perpetrator=person_rows.get(str(inv.get("person")))
                        if inv.get("person")
                        else None,
                        agency=inv.get("agency") or "",
                        agency_type=agency_type,
                        degree=degree,
                    )
            for s, source_type, reliability, (day, _precision) in sources:
                info = Information.objects.create(
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
            made.append(case)
    return made


def export_data(cases, *, identities: bool = False) -> dict[str, Any]:
    """The cases in the import format; identity fields only when ``identities``."""
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
        out.append(
            {
                "codename": case.codename,
                "kind": case.kind,
                "owner": case.owner.get_username(),
                "risk": case.risk,
                "people": people,
                "events": events,
                "acts": acts,
                "sources": sources,
                "interventions": interventions,
            }
        )
    return {"format": FORMAT, "identities": identities, "cases": out}
