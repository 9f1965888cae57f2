"""Where a declarant is: one of China's 34 provincial-level divisions, or a country abroad.

Provinces use their ISO 3166-2:CN codes; countries abroad use ISO 3166-1 alpha-2 codes, with
names in every language from django-countries. The tally counts a region as the province or
the country; "abroad" groups all countries.
"""

import functools

from django.utils.translation import get_language
from django_countries import countries

# (code, 简体, 繁體, English)
PROVINCES = [
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
    ("CN-TW", "台湾", "臺灣", "Taiwan"),
    ("CN-HK", "香港", "香港", "Hong Kong"),
    ("CN-MO", "澳门", "澳門", "Macau"),
]
PROVINCE_CODES = frozenset(code for code, *_ in PROVINCES)
_PROVINCE_NAMES = {code: names for code, *names in PROVINCES}
# Countries abroad: every ISO 3166-1 country but China itself (and its divisions coded above).
COUNTRY_CODES = frozenset(
    code for code in countries.countries if code not in {"CN", "TW", "HK", "MO"}
)
ABROAD = "abroad"


def is_valid(code: str) -> bool:
    return code in PROVINCE_CODES or code in COUNTRY_CODES


def is_province(code: str) -> bool:
    return code in PROVINCE_CODES


def name(code: str) -> str:
    """The region's name in the active language."""
    if code in _PROVINCE_NAMES:
        hans, hant, en = _PROVINCE_NAMES[code]
        lang = get_language() or "zh-hans"
        return {"zh-hans": hans, "zh-hant": hant}.get(lang, en)
    if code in COUNTRY_CODES:
        return str(dict(countries)[code])
    return code


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a <select>: provinces first, then countries by name."""
    return _choices(get_language() or "zh-hans")


# Every PersonForm asks for these; building them costs ~0.1 s (a CSV import makes thousands).
@functools.lru_cache(maxsize=8)
def _choices(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    from django.utils.translation import gettext as _

    abroad = sorted(((c, name(c)) for c in COUNTRY_CODES), key=lambda item: item[1])
    return [
        (_("China (provincial-level divisions)"), [(c, name(c)) for c, *_n in PROVINCES]),
        (_("Abroad"), abroad),
    ]
