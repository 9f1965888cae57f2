"""Where a declarant is: a division of mainland China, Hong Kong, Macau, Taiwan, or a country.

Stored codes (and the log's ``region`` line, docs/log-format.md) are the ones entries have
always carried: ISO 3166-2:CN codes (``CN-SX``) for the mainland's provinces, autonomous regions
and municipalities and for Hong Kong, Macau and Taiwan (``CN-HK``, ``CN-MO``, ``CN-TW``), and
ISO 3166-1 alpha-2 codes for every other country. Those three codes are identifiers kept so old
entries stay valid; nothing shown to a reader calls the three places provinces of the PRC.
Partner apps send the ISO 3166-1 codes ``HK``, ``MO`` and ``TW``: ``canonical`` maps them.

Country names come from CLDR (Babel) in each language (zh_Hant is CLDR's Taiwan usage).
Lists follow each language's collation, computed ahead by ``collation.py`` into
``country_order.json`` (a test recomputes it): English by letter ignoring case and accents,
Simplified Chinese by pinyin (CLDR's default for zh-Hans), Traditional Chinese by zhuyin
(bopomofo: CLDR's zhuyin collation, the phonetic order taught in Taiwan).
"""

import functools
import json
from pathlib import Path

from babel import Locale
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.data import COUNTRIES

# (code, 简体, 繁體, English). The mainland's divisions in the standard order, then the three
# places that are not provinces of the PRC.
MAINLAND = [
    ("CN-BJ", "北京", "北京", "Beijing"),
    ("CN-TJ", "天津", "天津", "Tianjin"),
    ("CN-HE", "河北", "河北", "Hebei"),
    ("CN-SX", "山西", "山西", "Shanxi"),
    ("CN-NM", "内蒙古", "內蒙古", "Inner Mongolia"),
    ("CN-LN", "辽宁", "遼寧", "Liaoning"),
    ("CN-JL", "吉林", "吉林", "Jilin"),
    ("CN-HL", "黑龙江", "黑龍江", "Heilongjiang"),
    ("CN-SH", "上海", "上海", "Shanghai"),
    ("CN-JS", "江苏", "江蘇", "Jiangsu"),
    ("CN-ZJ", "浙江", "浙江", "Zhejiang"),
    ("CN-AH", "安徽", "安徽", "Anhui"),
    ("CN-FJ", "福建", "福建", "Fujian"),
    ("CN-JX", "江西", "江西", "Jiangxi"),
    ("CN-SD", "山东", "山東", "Shandong"),
    ("CN-HA", "河南", "河南", "Henan"),
    ("CN-HB", "湖北", "湖北", "Hubei"),
    ("CN-HN", "湖南", "湖南", "Hunan"),
    ("CN-GD", "广东", "廣東", "Guangdong"),
    ("CN-GX", "广西", "廣西", "Guangxi"),
    ("CN-HI", "海南", "海南", "Hainan"),
    ("CN-CQ", "重庆", "重慶", "Chongqing"),
    ("CN-SC", "四川", "四川", "Sichuan"),
    ("CN-GZ", "贵州", "貴州", "Guizhou"),
    ("CN-YN", "云南", "雲南", "Yunnan"),
    ("CN-XZ", "西藏", "西藏", "Tibet"),
    ("CN-SN", "陕西", "陝西", "Shaanxi"),
    ("CN-GS", "甘肃", "甘肅", "Gansu"),
    ("CN-QH", "青海", "青海", "Qinghai"),
    ("CN-NX", "宁夏", "寧夏", "Ningxia"),
    ("CN-XJ", "新疆", "新疆", "Xinjiang"),
]
HK_MO_TW = [
    ("CN-HK", "香港", "香港", "Hong Kong"),
    ("CN-MO", "澳门", "澳門", "Macau"),
    ("CN-TW", "台湾", "台灣", "Taiwan"),
]
# Every region the tally lists one by one (zeros included), in this order.
PROVINCES = MAINLAND + HK_MO_TW
PROVINCE_CODES = frozenset(code for code, *_ in PROVINCES)
_PROVINCE_NAMES = {code: names for code, *names in PROVINCES}
# The ISO 3166-1 codes partner apps send for the three, and the codes stored for them.
ALIASES = {"HK": "CN-HK", "MO": "CN-MO", "TW": "CN-TW"}
# Countries abroad: every ISO 3166-1 country (django-countries' list, so the set of valid codes
# is the one entries were made with) but China and the three places above.
COUNTRY_CODES = frozenset(code for code in COUNTRIES if code not in {"CN", *ALIASES})
ABROAD = "abroad"

LANGUAGES = ("zh-hans", "zh-hant", "en")
_CLDR_LOCALES = {"zh-hans": "zh_Hans", "zh-hant": "zh_Hant", "en": "en"}


def canonical(code: str) -> str:
    """The stored form of ``code``: ``TW`` becomes ``CN-TW`` (likewise HK, MO); others as is."""
    return ALIASES.get(code, code)


def is_valid(code: str) -> bool:
    return code in PROVINCE_CODES or code in COUNTRY_CODES


def is_province(code: str) -> bool:
    """Whether the tally lists ``code`` on its own row (the mainland's divisions, Hong Kong,
    Macau, Taiwan) rather than inside "abroad". The name is historical: see HK_MO_TW."""
    return code in PROVINCE_CODES


def active_language() -> str:
    """The active language if it is one of LANGUAGES, else English."""
    current = get_language() or "zh-hans"
    return current if current in LANGUAGES else "en"


def name(code: str, language: str | None = None) -> str:
    """The region's name in ``language`` (the active language by default)."""
    language = language or active_language()
    if code in _PROVINCE_NAMES:
        hans, hant, en = _PROVINCE_NAMES[code]
        return {"zh-hans": hans, "zh-hant": hant}.get(language, en)
    if code in COUNTRY_CODES:
        return country_names(language)[code]
    return code


@functools.cache
def country_names(language: str) -> dict[str, str]:
    """Every country abroad by code, named by CLDR in ``language``."""
    territories = Locale.parse(_CLDR_LOCALES[language]).territories
    return {code: territories[code] for code in COUNTRY_CODES}


# Each language's order of the countries, computed by collation.py (which needs pypinyin, a
# development dependency: 57 MB and a third of a second per process to sort 245 fixed names).
_ORDER_FILE = Path(__file__).with_name("country_order.json")


@functools.cache
def country_order(language: str) -> dict[str, int]:
    """Each country's place in ``language``'s alphabetical order."""
    order = json.loads(_ORDER_FILE.read_text(encoding="utf-8"))[language]
    return {code: place for place, code in enumerate(order)}


def countries_sorted(language: str) -> list[tuple[str, str]]:
    """(code, name) of every country abroad, in ``language``'s order."""
    names, order = country_names(language), country_order(language)
    return sorted(names.items(), key=lambda item: (order.get(item[0], len(order)), item[1]))


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: the mainland, then Hong Kong, Macau and Taiwan, then
    every other country by name."""
    return _choices(active_language())


# Every PersonForm asks for these; building them costs ~0.1 s (a CSV import makes thousands).
@functools.lru_cache(maxsize=8)
def _choices(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (str(MAINLAND_HEADING), [(c, name(c, language)) for c, *_n in MAINLAND]),
        (str(HK_MO_TW_HEADING), [(c, name(c, language)) for c, *_n in HK_MO_TW]),
        (str(ABROAD_HEADING), countries_sorted(language)),
    ]


MAINLAND_HEADING = _("Mainland China: provinces, regions and municipalities")
HK_MO_TW_HEADING = _("Hong Kong, Macau and Taiwan")
ABROAD_HEADING = _("Abroad")
