"""Each language's alphabetical order of the country names, computed ahead of time.

Babel (CLDR) has names but no collation, and ICU is a large native dependency for sorting 245
fixed names. So the order is computed here with pypinyin (a development dependency) and kept in
``country_order.json``, which ``regions`` reads; ``tests/declarations/test_regions.py`` checks
the file against this module, so a new Babel with other names fails until it is regenerated:

    .venv/bin/python -m tuidang.declarations.collation

- en: by letter, ignoring case and accents (Åland Islands between Afghanistan and Albania).
- zh-hans: by pinyin, character by character, the tone breaking ties (CLDR's zh-Hans default,
  as Chinese dictionaries and mainland lists order names).
- zh-hant: by zhuyin (bopomofo), character by character, then tone: CLDR's zh-Hant "zhuyin"
  collation, the phonetic order taught and used in Taiwan. (CLDR's zh-Hant default is by stroke
  count, which needs stroke data no small package has; zhuyin is what a Taiwanese reader
  scanning a list of places expects as well.)
Punctuation (the full-width brackets of 刚果（布）) sorts before any syllable.
"""

import json
import re
import unicodedata

from tuidang.declarations import regions

_TONE_MARKS = {"ˊ": 2, "ˇ": 3, "ˋ": 4, "˙": 5}
_PINYIN = re.compile(r"([a-zü]+)([1-5])")
_BOPOMOFO = re.compile(r"[\u3105-\u312f]+")


def pinyin_key(text: str) -> tuple:
    from pypinyin import Style, lazy_pinyin

    key = []
    for chunk in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, v_to_u=True):
        match = _PINYIN.fullmatch(chunk)
        key.append((1, match[1], int(match[2])) if match else (0, chunk, 0))
    return tuple(key)


def zhuyin_key(text: str) -> tuple:
    from pypinyin import Style, lazy_pinyin

    key = []
    for chunk in lazy_pinyin(text, style=Style.BOPOMOFO):
        letters = "".join(c for c in chunk if c not in _TONE_MARKS)
        if not _BOPOMOFO.fullmatch(letters):
            key.append((0, chunk, 0))
            continue
        tone = next((_TONE_MARKS[c] for c in chunk if c in _TONE_MARKS), 1)
        # The bopomofo block is in zhuyin order (ㄅㄆㄇㄈ…), so code points compare right.
        key.append((1, letters, tone))
    return tuple(key)


def latin_key(text: str) -> tuple:
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return (bare.replace("’", "'").casefold(),)


SORT_KEYS = {"zh-hans": pinyin_key, "zh-hant": zhuyin_key, "en": latin_key}


def sort_key(text: str, language: str) -> tuple:
    """The key that orders ``text`` by ``language``'s collation; the text itself breaks ties."""
    return (SORT_KEYS[language](text), text)


def country_order() -> dict[str, list[str]]:
    """Every country's code, in each language's order of its names."""
    order = {}
    for language in regions.LANGUAGES:
        keys = {
            code: sort_key(regions.name(code, language), language) for code in regions.COUNTRY_CODES
        }
        order[language] = sorted(keys, key=keys.__getitem__)
    return order


def main() -> None:
    text = json.dumps(country_order(), indent=1) + "\n"
    regions._ORDER_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {regions._ORDER_FILE}")


if __name__ == "__main__":
    main()
