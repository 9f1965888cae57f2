"""Counts that survive an auditor: computed from acts, never typed in.

- **victims**: distinct people with at least one act, after merges (a person reported in two
  cases and merged counts once);
- **deaths**: victims with an act whose type or victim status counts as a death (Term);
- **provinces**: distinct province-level regions (``CN-*`` codes) where acts happened;
- **acts** by type, by year, by province × type and by year × type, where one act reported
  twice (same person after merges, same type, same date) counts once.

Everything a dossier's ``summary`` states comes from ``count_acts``; tests check it against
hand counts.
"""

from collections import Counter
from typing import Any

from django.db.models import F, Q

from tuidang.cases.models import Act
from tuidang.cases.models.documentation import canonical_person

UNKNOWN_YEAR = "unknown"


def count_acts(acts) -> dict[str, Any]:
    rows = (
        acts.annotate(
            person=canonical_person(),
            type_code=F("act_type__code"),
            place=F("event__region"),
            day=F("date"),
            event_day=F("event__date"),
        )
        .annotate(death=Q(act_type__counts_as_death=True) | Q(victim_status__counts_as_death=True))
        .values_list("person", "type_code", "place", "day", "event_day", "death")
    )
    seen: set[tuple] = set()
    victims: set[int] = set()
    dead: set[int] = set()
    provinces: set[str] = set()
    by_type: Counter[str] = Counter()
    by_year: Counter[str] = Counter()
    by_province_type: Counter[tuple[str, str]] = Counter()
    by_year_type: Counter[tuple[str, str]] = Counter()
    for person, type_code, place, day, event_day, death in rows:
        victims.add(person)
        if death:
            dead.add(person)
        if place and place.startswith("CN-"):
            provinces.add(place)
        when = day or event_day
        key = (person, type_code, when)
        if key in seen:
            continue
        seen.add(key)
        year = str(when.year) if when else UNKNOWN_YEAR
        by_type[type_code] += 1
        by_year[year] += 1
        by_province_type[(place or "", type_code)] += 1
        by_year_type[(year, type_code)] += 1
    return {
        "victims": len(victims),
        "deaths": len(dead),
        "provinces": len(provinces),
        "province_codes": sorted(provinces),
        "acts": sum(by_type.values()),
        "acts_by_type": dict(sorted(by_type.items())),
        "acts_by_year": dict(sorted(by_year.items())),
        "acts_by_province_and_type": {
            f"{place}|{code}": n for (place, code), n in sorted(by_province_type.items())
        },
        "acts_by_year_and_type": {
            f"{year}|{code}": n for (year, code), n in sorted(by_year_type.items())
        },
    }


def acts_for_cases(cases) -> Any:
    return Act.objects.filter(event__case__in=cases)
