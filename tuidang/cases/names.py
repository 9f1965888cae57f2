"""Chinese names across simplified, traditional and pinyin spellings.

A name is folded to keys that are equal when two spellings may be the same name:
``hz:`` the characters converted to simplified (OpenCC's t2s) without spaces, and ``py:`` the
toneless pinyin of the whole name (pypinyin; a name typed in Latin letters is folded the same
way: tone marks dropped, ü/v/u folded together, spaces, hyphens and apostrophes removed). A Latin name in
Western order ("Xiaoming Zhang") also gets the key of its surname-first order.

So 张小明, 張小明, Zhang Xiaoming, zhāng xiǎomíng and Xiaoming Zhang share a key, and so do
homophones (张晓明): keys find *candidates*; a person decides (duplicates.py). Only keyed
digests of the keys are stored (secrecy.blind_index), never the keys themselves.
"""

import functools
import re
import unicodedata

from tuidang.cases import secrecy

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
NOT_LETTERS = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


@functools.cache
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def simplified(text: str) -> str:
    return _converter().convert(text)


def _latin(text: str) -> str:
    """Lower case without tone marks; ü (and the v or u: that stand for it) folded to u, so
    Lü, Lv and Lu all meet (pinyin has no other v)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("u:", "u").replace("v", "u")


def pinyin(text: str) -> str:
    """Toneless pinyin of ``text``, syllables joined, Latin letters kept as they are."""
    from pypinyin import Style, lazy_pinyin

    return NOT_LETTERS.sub("", _latin("".join(lazy_pinyin(text, style=Style.NORMAL))))


def spelling_keys(name: str) -> set[str]:
    """The unkeyed folds of one spelling (for tests and the duplicate reasons shown)."""
    name = " ".join(name.split())
    if not name:
        return set()
    keys = set()
    if CJK.search(name):
        hanzi = NOT_LETTERS.sub("", simplified(name).casefold())
        keys.add("hz:" + hanzi)
        keys.add("py:" + pinyin(simplified(name)))
    else:
        latin = _latin(name)
        tokens = [t for t in re.split(r"[\s\-'’.]+", latin) if t]
        keys.add("py:" + NOT_LETTERS.sub("", "".join(tokens)))
        if len(tokens) >= 2:
            keys.add("py:" + NOT_LETTERS.sub("", "".join([tokens[-1], *tokens[:-1]])))
    return {k for k in keys if len(k) > 3}


def name_keys(name: str) -> set[str]:
    """Keyed digests of ``spelling_keys``: what the database stores and compares."""
    return {secrecy.blind_index(key, "name") for key in spelling_keys(name)}
