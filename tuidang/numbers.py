"""Numbers as each language writes them: the one place that turns a count into text.

Django's own zh-hans and zh-hant formats have no thousands separator ("1000000（还差 980274
份）"), while CLDR, which Babel carries, groups Chinese numbers by thousands with a comma like
English. Every number a page, a chart or a message shows goes through ``number`` so that a page
never shows "19726" beside "19,726"; the template filters of the same names are in
``tuidang.templatetags.numbers``.
"""

from babel.numbers import format_compact_decimal, format_decimal
from django.utils.translation import get_language, ngettext

# The CLDR locale for each of LANGUAGES: Taiwan's usage for Traditional (萬, 億).
CLDR_LOCALES = {"zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_TW", "en": "en"}

# Below this, a headline in Chinese is the exact number (9,999); from it on, 万/萬 and 亿/億.
CHINESE_HEADLINE_FROM = 10_000


def _locale(language: str | None) -> str:
    return CLDR_LOCALES.get(language or get_language() or "en", "en")


def number(value: int | float, language: str | None = None, fraction_digits: int = 0) -> str:
    """``value`` with the grouping of ``language`` (the active language by default), rounded
    to ``fraction_digits`` decimals (always shown: "12.0 a day" beside "12.5 a day")."""
    pattern = "#,##0" + ("." + "0" * fraction_digits if fraction_digits else "")
    return format_decimal(value, format=pattern, locale=_locale(language))


def headline(value: int, language: str | None = None) -> str:
    """A large figure as a reader of ``language`` expects it in a headline: 123.5万 in
    Chinese (rounded; show ``number`` beside it), the exact 1,234,567 in English."""
    locale = _locale(language)
    if locale.startswith("zh") and abs(value) >= CHINESE_HEADLINE_FROM:
        return format_compact_decimal(value, locale=locale, fraction_digits=1)
    return format_decimal(value, locale=locale)


def people(count: int) -> str:
    """A count of people ("1 person", "2 people") to put inside a message about something else."""
    return ngettext("%(count)s person", "%(count)s people", count) % {"count": number(count)}
