"""The 91-victim test: counts from the model equal a hand count, duplicates included.

91 invented victims in 13 provinces (names from 13 surnames × 7 given names, so none repeats),
each arrested once, every third one detained as well, two dead in custody. Seven of them are
reported a second time, in another case, in traditional characters or in pinyin, with the same
arrest. Before the duplicates are resolved the model counts 98 people; after a person confirms
the seven planted pairs, every figure equals the hand count below, and undoing a merge brings
the extra person back.
"""

from collections import Counter

from opencc import OpenCC

from tests.cases.base import CasesTestCase
from tuidang.cases import duplicates
from tuidang.cases.counts import count_acts
from tuidang.cases.models import Act, Merge, Person
from tuidang.cases.transfer import import_data

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马"]
PINYIN = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
]
GIVEN = ["建国", "秀英", "志强", "丽华", "明", "文", "海燕"]
GIVEN_PINYIN = ["Jianguo", "Xiuying", "Zhiqiang", "Lihua", "Ming", "Wen", "Haiyan"]
PROVINCES = [
    "CN-JL", "CN-LN", "CN-HL", "CN-SD", "CN-HE", "CN-SC", "CN-HB",
    "CN-GD", "CN-BJ", "CN-SH", "CN-CQ", "CN-HA", "CN-FJ",
]  # fmt: skip
DEAD = {12, 45}
# Reported again: (victim index, how the second report spells the name)
PLANTED = {
    3: "traditional",
    12: "traditional",
    20: "pinyin",
    33: "pinyin-western",
    50: "traditional",
    64: "pinyin",
    90: "traditional",
}


def victim(index: int) -> dict:
    return {
        "name": SURNAMES[index // 7] + GIVEN[index % 7],
        "province": PROVINCES[index // 7],
        "year": 2000 + index % 13,
        "birth": 1940 + index % 50,
    }


def spelled(index: int, how: str) -> str:
    if how == "traditional":
        return OpenCC("s2t").convert(victim(index)["name"])
    surname, given = PINYIN[index // 7], GIVEN_PINYIN[index % 7]
    return f"{given} {surname}" if how == "pinyin-western" else f"{surname} {given}"


def case_file(owner: str) -> dict:
    cases = []
    for index in range(91):
        v = victim(index)
        acts = [
            {
                "event": "e",
                "victim": "p",
                "type": "arrest",
                "status": "released",
                "date": f"{v['year']}-06-04",
            }
        ]
        if index % 3 == 0:
            acts.append(
                {
                    "event": "e",
                    "victim": "p",
                    "type": "detention",
                    "status": "held",
                    "date": f"{v['year'] + 1}-01",
                }
            )
        if index in DEAD:
            acts.append(
                {
                    "event": "e",
                    "victim": "p",
                    "type": "death_in_custody",
                    "status": "dead",
                    "date": f"{v['year'] + 2}",
                }
            )
        cases.append(
            {
                "codename": f"V{index:02d}",
                "owner": owner,
                "people": [
                    {
                        "ref": "p",
                        "pseudonym": f"V{index:02d}",
                        "real_name": v["name"],
                        "birth_date": str(v["birth"]),
                        "region": v["province"],
                    }
                ],
                "events": [
                    {
                        "ref": "e",
                        "title": "Arrest",
                        "region": v["province"],
                        "date": f"{v['year']}-06-04",
                    }
                ],
                "acts": acts,
            }
        )
    people, events, acts = [], [], []
    for index, how in PLANTED.items():
        v = victim(index)
        people.append(
            {
                "ref": f"d{index}",
                "pseudonym": f"B{index}",
                "real_name": spelled(index, how),
                "birth_date": str(v["birth"]),
                "region": v["province"],
            }
        )
        events.append(
            {
                "ref": f"e{index}",
                "title": "Arrest (second report)",
                "region": v["province"],
                "date": f"{v['year']}-06-04",
            }
        )
        acts.append(
            {
                "event": f"e{index}",
                "victim": f"d{index}",
                "type": "arrest",
                "status": "unknown",
                "date": f"{v['year']}-06-04",
            }
        )
        if index in DEAD:  # the second report knows of the death too
            acts.append(
                {
                    "event": f"e{index}",
                    "victim": f"d{index}",
                    "type": "death_in_custody",
                    "status": "dead",
                    "date": f"{v['year'] + 2}",
                }
            )
    cases.append(
        {
            "codename": "Second-report",
            "owner": owner,
            "people": people,
            "events": events,
            "acts": acts,
        }
    )
    return {"format": "tuidang-cases/1", "cases": cases}


def hand_count() -> dict:
    by_type, by_year = Counter(), Counter()
    for index in range(91):
        year = victim(index)["year"]
        by_type["arrest"] += 1
        by_year[str(year)] += 1
        if index % 3 == 0:
            by_type["detention"] += 1
            by_year[str(year + 1)] += 1
        if index in DEAD:
            by_type["death_in_custody"] += 1
            by_year[str(year + 2)] += 1
    return {
        "victims": 91,
        "deaths": 2,
        "provinces": 13,
        "acts_by_type": dict(sorted(by_type.items())),
        "acts_by_year": dict(sorted(by_year.items())),
    }


class NinetyOneVictimsTests(CasesTestCase):
    def test_counts_equal_the_hand_count_once_the_planted_duplicates_are_merged(self):
        import_data(case_file("rita"))
        before = count_acts(Act.objects.all())
        self.assertEqual(before["victims"], 91 + len(PLANTED))
        self.assertEqual(before["deaths"], 3)  # victim 12 is dead in both reports

        found = duplicates.candidates(Person.objects.all())
        pairs = {frozenset((c.first.pseudonym, c.second.pseudonym)): c for c in found}
        for index in PLANTED:
            self.assertIn(frozenset((f"V{index:02d}", f"B{index}")), pairs, index)
        # Nothing else is proposed: the 91 names share no spelling.
        self.assertEqual(len(found), len(PLANTED))
        merges = [duplicates.merge(c.first, c.second, by=self.rita) for c in found]

        after = count_acts(Act.objects.all())
        expected = hand_count()
        for key, value in expected.items():
            self.assertEqual(after[key], value, key)
        self.assertEqual(after["acts"], sum(expected["acts_by_type"].values()))
        self.assertEqual(duplicates.candidates(Person.objects.all()), [])

        # Undo one merge: the person counts twice again and is proposed again.
        duplicates.undo(merges[0], by=self.rita)
        self.assertEqual(count_acts(Act.objects.all())["victims"], 92)
        self.assertEqual(len(duplicates.candidates(Person.objects.all())), 1)
        self.assertIsNotNone(Merge.objects.get(pk=merges[0].pk).undone_at)

    def test_a_rejected_pair_is_not_proposed_again(self):
        import_data(case_file("rita"))
        first = duplicates.candidates(Person.objects.all())[0]
        duplicates.reject(first.first, first.second, by=self.rita)
        remaining = duplicates.candidates(Person.objects.all())
        self.assertEqual(len(remaining), len(PLANTED) - 1)
        self.assertEqual(count_acts(Act.objects.all())["victims"], 98)
