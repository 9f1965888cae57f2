"""Where a declarant is: a division of mainland China, Hong Kong, Macau, Taiwan, or a country.

Stored codes (and the log's ``region`` line, docs/log-format.md) are the ones entries have
always carried: ISO 3166-2:CN codes (``CN-SX``) for the mainland's provinces, autonomous regions
and municipalities and for Hong Kong, Macau and Taiwan (``CN-HK``, ``CN-MO``, ``CN-TW``), and
ISO 3166-1 alpha-2 codes for every other country. Those three codes are identifiers kept so old
entries stay valid; nothing shown to a reader calls the three places provinces of the PRC.
Partner apps send the ISO 3166-1 codes ``HK``, ``MO`` and ``TW``: ``canonical`` maps them.

Country names come from CLDR (Babel) in each language; lists are sorted by each language's
collation: English by letter ignoring case and accents, Simplified Chinese by pinyin (CLDR's
default for zh-Hans), Traditional Chinese by zhuyin (bopomofo; CLDR's zhuyin collation, the
phonetic order used in Taiwan), both from pypinyin, syllable by syllable, tone breaking ties.
"""

import functools
import re
import unicodedata

from babel import Locale
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.data import COUNTRIES
from pypinyin import Style, lazy_pinyin

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


_TONE_MARKS = {"ˊ": 2, "ˇ": 3, "ˋ": 4, "˙": 5}
_PINYIN = re.compile(r"([a-zü]+)([1-5])")


def _pinyin_key(text: str) -> tuple:
    key = []
    for chunk in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True):
        match = _PINYIN.fullmatch(chunk)
        # Punctuation (the full-width brackets of 刚果（布）) sorts before any syllable.
        key.append((1, match[1], int(match[2])) if match else (0, chunk, 0))
    return tuple(key)


def _zhuyin_key(text: str) -> tuple:
    key = []
    for chunk in lazy_pinyin(text, style=Style.BOPOMOFO):
        if not chunk or not "\u3105" <= chunk.strip("ˊˇˋ˙")[:1] <= "\u312f":
            key.append((0, chunk, 0))
            continue
        tone = next((_TONE_MARKS[c] for c in chunk if c in _TONE_MARKS), 1)
        # The bopomofo block is in zhuyin order (ㄅㄆㄇㄈ…), so code points compare right.
        key.append((1, "".join(c for c in chunk if c not in _TONE_MARKS), tone))
    return tuple(key)


def _latin_key(text: str) -> tuple:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return (bare.replace("’", "'").casefold(), text)


SORT_KEYS = {"zh-hans": _pinyin_key, "zh-hant": _zhuyin_key, "en": _latin_key}


def sort_key(text: str, language: str):
    """The key that orders ``text`` by ``language``'s collation (see the module docstring)."""
    return (SORT_KEYS[language](text), text)


def countries_sorted(language: str) -> list[tuple[str, str]]:
    """(code, name) of every country abroad, in ``language``'s order."""
    names = country_names(language)
    return sorted(names.items(), key=lambda item: sort_key(item[1], language))


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
