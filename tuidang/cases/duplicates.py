"""The same person reported twice: candidates found by name, decided by a person, merges undoable.

Candidates are pairs of people (not yet merged) that share a name key (names.py) and whose
birth years, when both are known, are at most a year apart. Each candidate carries the
reasons shown to the person who decides: same characters, same pinyin, same birth year, same
home province. A decision is a ``DuplicateDecision``: "different" hides the pair for good;
"same" merges (``merge``): the second person points at the first (``merged_into``) and every
count follows, while both rows, their acts and their sources stay. ``undo`` puts them apart
again. Every decision is in the audit log.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.accounts.models import AuditEvent
from tuidang.cases.models import DuplicateDecision, Merge, Person, PersonNameKey


@dataclass
class Candidate:
    first: Person
    second: Person
    reasons: list = field(default_factory=list)  # lazy translations, shown as they are
    score: int = 0


def _pair(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


def candidates(people) -> list[Candidate]:
    """Likely duplicates among ``people`` (a Person queryset), most likely first."""
    people = people.canonical()
    shared = (
        PersonNameKey.objects.filter(person__in=people)
        .values("key")
        .annotate(n=Count("person", distinct=True))
        .filter(n__gt=1)
        .values("key")
    )
    rows = PersonNameKey.objects.filter(key__in=shared, person__in=people).values_list(
        "key", "person_id"
    )
    by_key: dict[str, set[int]] = {}
    for key, person_id in rows:
        by_key.setdefault(key, set()).add(person_id)
    pairs: dict[tuple[int, int], int] = {}
    for ids in by_key.values():
        ordered = sorted(ids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    if not pairs:
        return []
    decided = set(
        DuplicateDecision.objects.filter(
            first_id__in={a for a, _ in pairs}, second_id__in={b for _, b in pairs}
        ).values_list("first_id", "second_id")
    )
    wanted = {pid for pair in pairs for pid in pair}
    loaded = {p.pk: p for p in Person.objects.filter(pk__in=wanted).select_related("case")}
    found = []
    for (a, b), shared_keys in pairs.items():
        if (a, b) in decided:
            continue
        first, second = loaded[a], loaded[b]
        reasons = [_("same name in another spelling") if shared_keys == 1 else _("same name")]
        score = 2 * shared_keys
        years = first.birth_year, second.birth_year
        if None not in years:
            if abs(years[0] - years[1]) > 1:  # type: ignore[operator]
                continue
            reasons.append(
                _("same birth year") if years[0] == years[1] else _("birth years a year apart")
            )
            score += 2 if years[0] == years[1] else 1
        if first.region and first.region == second.region:
            reasons.append(_("same home province"))
            score += 1
        if first.case_id != second.case_id:
            reasons.append(_("reported in two cases"))
        found.append(Candidate(first, second, reasons, score))
    found.sort(key=lambda c: (-c.score, c.first.pk, c.second.pk))
    return found


def reject(first: Person, second: Person, by) -> DuplicateDecision:
    a, b = _pair(first, second)
    with transaction.atomic():
        decision, _created = DuplicateDecision.objects.update_or_create(
            first=a, second=b, defaults={"verdict": DuplicateDecision.Verdict.DIFFERENT, "by": by}
        )
        AuditEvent.record(by, "cases.duplicate_rejected", a, other=b.pk)
    return decision


def merge(survivor: Person, merged: Person, by) -> Merge:
    """Record that ``merged`` is ``survivor``: counts see one person from now on."""
    if survivor.pk == merged.pk:
        raise ValueError("a person cannot be merged into themselves")
    with transaction.atomic():
        survivor = Person.objects.select_for_update().get(pk=survivor.pk)
        merged = Person.objects.select_for_update().get(pk=merged.pk)
        if survivor.merged_into_id or merged.merged_into_id:
            raise ValueError("merge into the surviving record, not into one already merged")
        moved = list(Person.objects.filter(merged_into=merged).values_list("pk", flat=True))
        Person.objects.filter(pk__in=moved).update(merged_into=survivor)
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into"])
        a, b = _pair(survivor, merged)
        DuplicateDecision.objects.update_or_create(
            first=a, second=b, defaults={"verdict": DuplicateDecision.Verdict.SAME, "by": by}
        )
        record = Merge.objects.create(survivor=survivor, merged=merged, moved=moved, by=by)
        AuditEvent.record(by, "cases.merged", merged, into=survivor.pk, merge=record.pk)
    return record


def undo(record: Merge, by) -> None:
    """Put a merged person apart again (and those that had been merged into them)."""
    with transaction.atomic():
        record = Merge.objects.select_for_update().get(pk=record.pk)
        if record.undone_at:
            return
        Person.objects.filter(pk=record.merged_id).update(merged_into=None)
        Person.objects.filter(pk__in=record.moved).update(merged_into=record.merged_id)
        a, b = sorted([record.survivor_id, record.merged_id])
        DuplicateDecision.objects.filter(first_id=a, second_id=b).delete()
        record.undone_at, record.undone_by = timezone.now(), by
        record.save(update_fields=["undone_at", "undone_by"])
        AuditEvent.record(by, "cases.merge_undone", record.merged, merge=record.pk)
