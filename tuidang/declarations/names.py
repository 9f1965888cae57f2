"""What a name or alias is made of, for ``rules.clean_name`` and duplicate detection.

``rules.clean_name`` (the one rule for names, whichever way they come in) refuses names with
noncharacters or that ``is_blank``; duplicate detection folds names with ``fold``
(``models.normalise_name``). A name must show something: one made only of
characters that draw nothing (zero-width spaces and joiners, bidi marks, the soft hyphen,
tag characters, the Hangul filler, the braille blank, spaces) would be published as an empty
statement and would slip past the rule that a name is required.
"""

import re
import unicodedata

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that a
# renderer draws as nothing when it has no glyph for them. Many are also format characters
# (category Cf), but some are combining marks, letters, or not yet assigned.
DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# Drawn as blank though Unicode counts it as a symbol.
BRAILLE_BLANK = "\u2800"
INVISIBLE = re.compile(f"[{DEFAULT_IGNORABLE}{BRAILLE_BLANK}]")
# Categories that show nothing on their own: spaces, separators, controls, format characters,
# and combining marks with no letter to sit on.
BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"})

# Unicode's 66 noncharacters (U+FDD0..U+FDEF and the last two code points of every plane):
# reserved for a program's internal use, never for interchange.
NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)


def is_blank(name: str) -> bool:
    """True if nothing in ``name`` would be drawn: it is empty or only invisible characters."""
    return all(INVISIBLE.match(ch) or unicodedata.category(ch) in BLANK_CATEGORIES for ch in name)


def fold(name: str) -> str:
    """``name`` as compared for duplicates: width and case folded, spaces and invisible
    characters removed (so that "松山" and "松\u200b山" are the same alias)."""
    folded = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", INVISIBLE.sub("", folded)).casefold()
