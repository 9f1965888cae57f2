"""Regions (issue 8): every country's name in every language, each language's order, and Hong
Kong, Macau and Taiwan accepted by their ISO 3166-1 codes and never listed as provinces."""

import html
import json
import os
import re
import subprocess
import sys
import unicodedata

from django.test import SimpleTestCase
from django.utils import translation

from tests.base import BaseTestCase, login_verified, make_submission, run_sequencer
from tests.declarations.test_declare import form_data, person
from tuidang.declarations import collation, regions
from tuidang.declarations.models import Person, TallyCounter

LANGUAGES = ("zh-hans", "zh-hant", "en")
HAN = re.compile(r"[\u3400-\u9fff]")
# Names whose doubled character is the real transliteration, checked against CLDR and the
# names used by the countries' own Chinese-language sources: Barbados, Cocos, Kyrgyzstan.
REAL_DOUBLES = {"巴巴多斯", "科科斯（基林）群岛", "吉尔吉斯斯坦"}
# Words that would call a place a province, in each language.
PROVINCE_WORDS = {"zh-hans": "省", "zh-hant": "省", "en": "rovince"}
TAIWAN = {"zh-hans": "台湾", "zh-hant": "台灣", "en": "Taiwan"}
HONG_KONG = {"zh-hans": "香港", "zh-hant": "香港", "en": "Hong Kong"}
MACAU = {"zh-hans": "澳门", "zh-hant": "澳門", "en": "Macau"}
HK_MO_TW_HEADING = {"zh-hans": "港澳台", "zh-hant": "港澳台", "en": "Hong Kong, Macau and Taiwan"}
MAINLAND_HEADING = {
    "zh-hans": "中国大陆：省、自治区、直辖市",
    "zh-hant": "中國大陸：省、自治區、直轄市",
    "en": "Mainland China: provinces, regions and municipalities",
}


def name_in(code: str, language: str) -> str:
    """The name a page in ``language`` shows for ``code``."""
    with translation.override(language):
        return regions.name(code)


class CountryNamesTestCase(SimpleTestCase):
    def test_every_name_in_every_language(self):
        for language in LANGUAGES:
            names = {code: name_in(code, language) for code in regions.COUNTRY_CODES}
            self.assertGreater(len(names), 240)
            for code, name in names.items():
                with self.subTest(language=language, code=code, name=name):
                    self.assertTrue(name)
                    self.assertEqual(name, name.strip())
                    self.assertNotRegex(name, r"\s\s|[\x00-\x1f]")
                    self.assertEqual(name, unicodedata.normalize("NFC", name))
                    if language == "en":
                        self.assertIsNone(HAN.search(name))
                    else:
                        # Chinese throughout: no English left untranslated, no stray space.
                        self.assertNotRegex(name, r"[A-Za-z ]")
                        self.assertIsNotNone(HAN.search(name))
                        if name not in REAL_DOUBLES:
                            self.assertNotRegex(name, r"(.)\1")
            # Each language names every country differently, and no country like a region.
            self.assertEqual(len(set(names.values())), len(names), language)
            ours = {name_in(code, language) for code in regions.PROVINCE_CODES}
            self.assertEqual(ours & set(names.values()), set(), language)

    def test_the_names_found_wrong_are_right(self):
        expected = {
            ("zh-hant", "GL"): "格陵蘭",  # was 冰島, Iceland's name
            ("zh-hant", "MQ"): "馬丁尼克",  # was 茅利塔尼亞, Mauritania's name
            ("zh-hant", "IS"): "冰島",
            ("zh-hant", "MR"): "茅利塔尼亞",
            ("zh-hans", "WS"): "萨摩亚",  # was 美属萨摩亚群岛
            ("zh-hans", "AS"): "美属萨摩亚",
            ("zh-hans", "TJ"): "塔吉克斯坦",  # was 塔吉克斯斯坦
            ("zh-hans", "NP"): "尼泊尔",  # was 尼珀尔
            ("en", "GL"): "Greenland",
            ("en", "WS"): "Samoa",
        }
        for (language, code), name in expected.items():
            self.assertEqual(name_in(code, language), name, (language, code))

    def test_the_active_language_names_them(self):
        for language in LANGUAGES:
            with translation.override(language):
                self.assertEqual(regions.name("GL"), regions.name("GL", language))
                self.assertEqual(regions.name("CN-TW"), TAIWAN[language])

    def assertInOrder(self, language, names):
        listed = [name for _code, name in regions.countries_sorted(language)]
        positions = [listed.index(name) for name in names]
        self.assertEqual(positions, sorted(positions), f"{language}: {names}")

    def test_each_language_sorts_by_its_collation(self):
        # English: letters, ignoring case and accents (Åland between Afghanistan and Albania).
        self.assertInOrder("en", ["Afghanistan", "Åland Islands", "Albania", "Côte d’Ivoire"])
        self.assertInOrder("en", ["Croatia", "Cuba", "Curaçao", "Cyprus", "Czechia"])
        # Simplified Chinese: pinyin, syllable by syllable (a, ao, ba, de, fa, ri, zhi, zhong).
        self.assertInOrder(
            "zh-hans",
            [
                "阿尔巴尼亚",
                "阿富汗",
                "澳大利亚",
                "巴西",
                "德国",
                "法国",
                "日本",
                "智利",
                "中非共和国",
            ],
        )
        # Same letters, then tone: 巴林 ba1 lin2 before 巴拿马 ba1 na2; 乍得 zha4 before 智利.
        self.assertInOrder("zh-hans", ["巴林", "巴拿马", "乍得", "智利"])
        # Traditional Chinese: zhuyin, ㄅㄆㄇㄈㄉ… before the vowels ㄚ… and ㄧㄨㄩ last.
        self.assertInOrder("zh-hant", ["巴西", "法國", "德國", "智利", "日本", "阿富汗", "越南"])
        first = {lang: regions.countries_sorted(lang)[0][1] for lang in LANGUAGES}
        self.assertEqual(first, {"zh-hans": "阿尔巴尼亚", "zh-hant": "巴貝多", "en": "Afghanistan"})

    def test_the_shipped_order_is_the_collation_of_the_current_names(self):
        # Computed ahead (pypinyin is a development dependency); a new Babel whose names sort
        # differently fails here until `python -m tuidang.declarations.collation` is run.
        shipped = json.loads(regions._ORDER_FILE.read_text(encoding="utf-8"))
        self.assertEqual(shipped, collation.country_order())
        for language in LANGUAGES:
            self.assertEqual(sorted(shipped[language]), sorted(regions.COUNTRY_CODES))

    def test_serving_does_not_load_pypinyin(self):
        # Every view and form imported, and each language's region lists built, as a worker does.
        script = (
            "import sys, django; django.setup(); import tuidang.urls;"
            "from django.utils import translation; from tuidang.declarations import regions;"
            "[translation.activate(l) or regions.choices() for l in regions.LANGUAGES];"
            "print(len(regions.choices()[2][1]), 'pypinyin' in sys.modules)"
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tuidang.settings"}
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
        )
        self.assertEqual(
            done.stdout.split(), [str(len(regions.COUNTRY_CODES)), "False"], done.stderr
        )

    def test_every_chinese_name_has_a_reading(self):
        # A character pypinyin cannot read would sort by its code point, out of place.
        for language in ("zh-hans", "zh-hant"):
            for code, name in regions.country_names(language).items():
                key = collation.sort_key(name, language)[0]
                unread = [chunk for kind, chunk, _tone in key if kind == 0 and HAN.search(chunk)]
                self.assertEqual(unread, [], (language, code, name))

    def test_the_three_are_not_countries_abroad_nor_provinces_by_name(self):
        for code in ("TW", "HK", "MO", "CN"):
            self.assertNotIn(code, regions.COUNTRY_CODES)
        for language in LANGUAGES:
            groups = dict(regions._choices(language))
            headings = list(groups)
            self.assertEqual(len(headings), 3)
            hk_mo_tw = groups[headings[1]]
            self.assertEqual(
                [name for _code, name in hk_mo_tw],
                [HONG_KONG[language], MACAU[language], TAIWAN[language]],
            )
            self.assertNotIn(PROVINCE_WORDS[language], headings[1])
            self.assertNotIn("CN-TW", [code for code, _name in groups[headings[0]]])


class RegionCodesOverTheApiTestCase(BaseTestCase):
    def test_partner_apps_send_iso_3166_1_codes(self):
        for code, stored in (("TW", "CN-TW"), ("HK", "CN-HK"), ("MO", "CN-MO")):
            body = {"people": [{"name": f"松{code}", "organisations": ["party"], "region": code}]}
            response = self.client.post(
                "/api/v1/declarations", json.dumps(body), content_type="application/json"
            )
            self.assertEqual(response.status_code, 201, response.content)
            self.assertEqual(response.json()["status"], "accepted")
            self.assertEqual(Person.objects.get(name=f"松{code}").region, stored)
        # The stored form is accepted too, and China itself, or nonsense, is not a region.
        for code, status in (("CN-TW", 201), ("CN", 400), ("XX", 400)):
            body = {"people": [{"name": f"林{code}", "organisations": ["party"], "region": code}]}
            response = self.client.post(
                "/api/v1/declarations", json.dumps(body), content_type="application/json"
            )
            self.assertEqual(response.status_code, status, response.content)
        run_sequencer()
        counts = TallyCounter.snapshot()
        self.assertEqual(
            (counts["region:CN-TW"], counts["region:CN-HK"], counts["region:CN-MO"]), (2, 1, 1)
        )
        self.assertEqual(counts.get("region:abroad", 0), 0)
        tally = self.client.get("/api/v1/tally").json()
        self.assertEqual(tally["regions"]["CN-TW"], 2)
        self.assertEqual(tally["countries"], {})

    def test_the_error_for_an_unknown_code_still_names_it(self):
        body = {"people": [{"name": "松", "organisations": ["party"], "region": "ZZ"}]}
        response = self.client.post(
            "/api/v1/declarations?lang=en", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"]["people[0].region"], ["Unknown region: ZZ."])


def optgroups(page: str) -> dict[str, list[str]]:
    """Each <optgroup>'s label and the names of its options, as the page shows them."""
    return {
        html.unescape(label): [html.unescape(n) for n in re.findall(r"<option [^>]*>([^<]*)", body)]
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', page, re.S)
    }


class RegionsOnThePagesTestCase(BaseTestCase):
    def assertGroups(self, page: str, language: str):
        groups = optgroups(page)
        self.assertEqual(list(groups)[:2], [MAINLAND_HEADING[language], HK_MO_TW_HEADING[language]])
        self.assertEqual(
            groups[HK_MO_TW_HEADING[language]],
            [HONG_KONG[language], MACAU[language], TAIWAN[language]],
        )
        mainland = groups[MAINLAND_HEADING[language]]
        self.assertEqual(len(mainland), 31)
        self.assertNotIn(TAIWAN[language], mainland)
        abroad = groups[list(groups)[2]]
        self.assertEqual(abroad, [n for _c, n in regions.countries_sorted(language)])
        self.assertNotIn(PROVINCE_WORDS[language], "".join(list(groups)[1:]))

    def test_the_declare_form_groups_and_names_them_in_every_language(self):
        for language in LANGUAGES:
            page = self.client.get(f"/{language}/declare/").content.decode()
            self.assertGroups(page, language)

    def test_the_volunteer_intake_groups_them_the_same(self):
        login_verified(self.client, self.val)
        for language in LANGUAGES:
            page = self.client.get(f"/{language}/staff/intake/").content.decode()
            self.assertGroups(page, language)

    def test_the_form_accepts_tw_and_the_statement_names_taiwan(self):
        response = self.client.post(
            "/zh-hant/declare/", form_data(person("阿里山", ["party"], "我退出中共。", "TW"))
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "我們已經收到您的聲明")
        self.assertEqual(Person.objects.get().region, "CN-TW")
        run_sequencer()
        for language in LANGUAGES:
            page = self.client.get(f"/{language}/statements/", follow=True).content.decode()
            self.assertIn("阿里山", page)
            self.assertIn(TAIWAN[language], page)
            self.assertNotIn("臺灣", page)

    def test_the_tally_lists_them_apart_from_the_provinces(self):
        make_submission("松山", region="CN-SX")
        make_submission("玉山", "阿里", region="CN-TW")
        make_submission("太平山", region="CN-HK")
        make_submission("格陵兰人", region="GL")
        make_submission("冰岛人", region="IS")
        run_sequencer()
        for language in LANGUAGES:
            page = self.client.get(f"/{language}/tally/").content.decode()
            table = re.search(r'<section id="regions".*?</table>', page, re.S)[0]
            groups = {}
            for body in re.findall(r"<tbody>(.*?)</tbody>", table, re.S):
                heading = re.search(r'<th scope="rowgroup"[^>]*>([^<]*)</th>', body)
                rows = re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)<', body)
                groups[html.unescape(heading[1]) if heading else None] = rows
            self.assertEqual(
                list(groups), [MAINLAND_HEADING[language], HK_MO_TW_HEADING[language], None]
            )
            self.assertEqual(
                groups[HK_MO_TW_HEADING[language]],
                [(HONG_KONG[language], "1"), (MACAU[language], "0"), (TAIWAN[language], "2")],
            )
            mainland = dict(groups[MAINLAND_HEADING[language]])
            self.assertEqual(len(mainland), 31)
            self.assertEqual(mainland[{"en": "Shanxi"}.get(language, "山西")], "1")
            self.assertNotIn(TAIWAN[language], mainland)
            # Nothing on the page calls the three provinces, and abroad is two countries.
            chart = re.search(r'<svg[^>]*id="chart-regions".*?</svg>', page, re.S)[0]
            self.assertNotIn("Provinces", chart)
            self.assertIn(TAIWAN[language], chart)
            countries = re.search(r'<section id="regions".*?</section>', page, re.S)[0]
            greenland = {"zh-hans": "格陵兰", "zh-hant": "格陵蘭", "en": "Greenland"}[language]
            iceland = {"zh-hans": "冰岛", "zh-hant": "冰島", "en": "Iceland"}[language]
            self.assertEqual(countries.count(f">{greenland}<"), 1)
            self.assertEqual(countries.count(f">{iceland}<"), 1)
            # Equal counts in the reader's order, not by code (GL before IS): Iceland first
            # in pinyin (bing, ge) and zhuyin (ㄅ, ㄍ), Greenland first in English.
            before = countries.index(f">{greenland}<") < countries.index(f">{iceland}<")
            self.assertEqual(before, language == "en", language)
