"""Invented cases for ``tuidang demo``: 91 victims in 13 provinces, deaths, planted duplicates.

Every name, place and story here is made up. Six victims are reported a second time in another
case under another spelling (traditional characters, or pinyin), so the duplicates page has
real work to do; and five people at risk have a case (their casework comes with issue 10's
casework part).
"""

import random
from typing import Any

from tuidang.cases import names

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马"]
GIVEN = ["建国", "秀英", "志强", "丽华", "明", "文", "海燕"]
PROVINCES = [
    "CN-JL", "CN-LN", "CN-HL", "CN-SD", "CN-HE", "CN-SC", "CN-HB",
    "CN-GD", "CN-BJ", "CN-SH", "CN-CQ", "CN-HA", "CN-FJ",
]  # fmt: skip
SOURCE_CITATIONS = [
    "Interview with a relative, recorded by the centre",
    "Court notice seen by the family",
    "Report by a partner organisation",
]
DUPLICATES = [0, 9, 23, 40, 57, 77]  # reported again in the second report


def _traditional(text: str) -> str:
    from opencc import OpenCC

    return OpenCC("s2t").convert(text)


def demo_cases(owner: str, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    victims = [s + g for s in SURNAMES for g in GIVEN]  # 91 distinct names
    cases: list[dict[str, Any]] = []
    for group in range(13):
        members = range(group * 7, group * 7 + 7)
        province = PROVINCES[group]
        people: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        acts: list[dict[str, Any]] = []
        year = 2001 + group
        events.append(
            {
                "ref": "e1",
                "title": f"Arrests after leaflets were found ({year})",
                "description": "Neighbours reported leaflets about quitting the Party; police "
                f"searched homes in the district and took seven people away. {victims[members[0]]} "
                "was questioned for two days.",
                "region": province,
                "city": "",
                "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
        )
        events.append(
            {
                "ref": "e2",
                "title": "Detention and pressure on families",
                "description": "The families were told to make them renounce their statements.",
                "region": province,
                "date": f"{year + 1}-{rng.randint(1, 12):02d}",
            }
        )
        for index in members:
            ref = f"p{index}"
            people.append(
                {
                    "ref": ref,
                    "pseudonym": f"Case{group + 1:02d}-{index % 7 + 1}",
                    "real_name": victims[index],
                    "birth_date": str(1950 + index % 40),
                    "sex": "fm"[index % 2],
                    "region": province,
                    "consent": {"government": index % 3 != 0, "un": True, "public": False},
                }
            )
            acts.append({"event": "e1", "victim": ref, "type": "arrest", "status": "released"})
            if index % 3 == 0:
                acts.append(
                    {
                        "event": "e2",
                        "victim": ref,
                        "type": "detention",
                        "status": "held",
                        "perpetrators": [
                            {"agency": "District public security bureau", "type": "police"}
                        ],
                    }
                )
            if index in (12, 45):
                acts.append(
                    {"event": "e2", "victim": ref, "type": "death_in_custody", "status": "dead"}
                )
            if index % 5 == 0:
                acts.append(
                    {
                        "event": "e2",
                        "victim": ref,
                        "type": "family_harassment",
                        "status": "released",
                    }
                )
        cases.append(
            {
                "codename": f"Demo-{group + 1:02d}",
                "kind": "documentation",
                "owner": owner,
                "people": people,
                "events": events,
                "acts": acts,
                "sources": [
                    {
                        "type": "family",
                        "reliability": "high",
                        "language": "zh",
                        "citation": rng.choice(SOURCE_CITATIONS),
                        "events": ["e1"],
                    }
                ],
                "interventions": [
                    {
                        "type": "letter",
                        "recipient": "A parliament's human rights committee",
                        "status": "sent",
                        "date": f"{year + 2}-03-01",
                    }
                ],
            }
        )
    # A second report naming six of the same people in other spellings.
    people, acts = [], []
    for index in DUPLICATES:
        group = index // 7
        name = victims[index]
        spelling = (
            _traditional(name)
            if index % 2 == 0
            else names.pinyin(name[0]).title() + " " + names.pinyin(name[1:]).title()
        )
        people.append(
            {
                "ref": f"d{index}",
                "pseudonym": f"Report-B-{index}",
                "real_name": spelling,
                "birth_date": str(1950 + index % 40),
                "region": PROVINCES[group],
            }
        )
        acts.append(
            {"event": f"e{group}", "victim": f"d{index}", "type": "arrest", "status": "unknown"}
        )
    cases.append(
        {
            "codename": "Demo-Report-B",
            "kind": "documentation",
            "owner": owner,
            "people": people,
            "events": [
                {
                    "ref": f"e{index // 7}",
                    "title": "Arrests reported by a partner",
                    "region": PROVINCES[index // 7],
                    "date": "",
                }
                for index in DUPLICATES
            ],
            "acts": acts,
        }
    )
    for number in range(1, 6):
        cases.append(
            {"codename": f"Demo-AtRisk-{number}", "kind": "at_risk", "owner": owner, "risk": "high"}
        )
    return {"format": "tuidang-cases/1", "cases": cases}


def fill(owner) -> str:
    """Import the invented cases for ``owner`` (making the case-files key if there is none);
    returns one line for the operator."""
    from tuidang.cases import secrecy
    from tuidang.cases.counts import count_acts
    from tuidang.cases.models import Act, Case
    from tuidang.cases.transfer import import_data

    made_key = ""
    if not secrecy.key_path().exists():
        made_key = f" Made the key for case files at {secrecy.key_path()} (outside the data dir)."
        secrecy.make_key()
    if Case.objects.filter(codename__startswith="Demo-").exists():
        return "tuidang demo: the demo cases are there already."
    import_data(demo_cases(owner.get_username()))
    counts = count_acts(Act.objects.filter(event__case__codename__startswith="Demo-"))
    return (
        f"tuidang demo: {Case.objects.filter(codename__startswith='Demo-').count()} cases, "
        f"{counts['victims']} people reported as victims ({len(DUPLICATES)} of them twice, "
        f"to resolve at /cases/duplicates/), {counts['deaths']} deaths, "
        f"{counts['provinces']} provinces.{made_key}"
    )
