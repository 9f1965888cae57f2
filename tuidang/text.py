"""Template filters for text people typed: its language, and receipt codes that never break
inside a group. Loaded in templates as ``{% load text %}`` (see TEMPLATES in settings).

A Chinese alias or statement on an English page is marked ``lang="zh…"``, so that screen
readers read it as Chinese and the browser picks a Chinese font; a Traditional Chinese
statement on a Simplified page (or the reverse) is marked too, so that it keeps its own glyph
shapes. The script is told from the characters alone, with the two national character sets:
GB 2312 holds the Simplified forms and not the Traditional ones, Big5 the reverse. Nothing
about the declarant (such as the language of the page they declared on) is published by it.
"""

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _encodes(character: str, encoding: str) -> bool:
    try:
        character.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def chinese_script(text: str) -> str:
    """``"zh-Hans"``, ``"zh-Hant"``, ``"zh"`` (Chinese, either script) or ``""`` (no Chinese)."""
    simplified = traditional = 0
    found = False
    for character in set(HAN.findall(text or "")):
        found = True
        in_gb, in_big5 = _encodes(character, "gb2312"), _encodes(character, "big5")
        simplified += in_gb and not in_big5
        traditional += in_big5 and not in_gb
    if not found:
        return ""
    if simplified > traditional:
        return "zh-Hans"
    if traditional > simplified:
        return "zh-Hant"
    return "zh"


def lang_for(text: str, page_language: str) -> str:
    """The ``lang`` this text needs on a page in ``page_language``, or "" if it inherits it."""
    script = chinese_script(text)
    page = (page_language or "").lower()
    if not script:
        return ""
    if page.startswith("zh"):
        # "zh" text on a Chinese page reads right either way; only the other script is marked.
        own = "zh-Hant" if page == "zh-hant" else "zh-Hans"
        return script if script not in ("zh", own) else ""
    return script


@register.filter
def lang_attr(text: str) -> SafeString:
    """`` lang="…"`` for an element holding ``text``, or nothing: ``<h2{{ name|lang_attr }}>``."""
    lang = lang_for(str(text), get_language() or "")
    return format_html(' lang="{}"', lang) if lang else mark_safe("")


@register.filter
def receipt_groups(code: str) -> SafeString:
    """A receipt code whose groups never break inside: ``ABCDE-12345`` becomes two unbreakable
    spans with a break opportunity after the hyphen (line breaking never breaks between a
    hyphen and a digit by itself). Copying the text gives the code unchanged."""
    groups = str(code).split("-")
    spans = format_html_join(
        mark_safe("-<wbr>"), '<span class="group">{}</span>', ((g,) for g in groups)
    )
    return spans
