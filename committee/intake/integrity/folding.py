"""How the detectors read text: case-free patterns (`rx`), typographic quotes and
dashes made ASCII (`plain`), and look-alike letters folded back (`skeleton`): Cyrillic
and Greek homoglyphs, full-width and mathematical letters, digits inside words,
letters spaced out with single separators."""

from __future__ import annotations

import re
import unicodedata

from committee.intake.typography import MORE_QUOTES_AND_DASHES, QUOTES_AND_DASHES

_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "ѕ": "s",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ӏ": "l",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ɑ": "a",
        "һ": "h",
        "ո": "n",
        "ս": "u",
        "օ": "o",
        "հ": "h",
        # Greek
        "α": "a",
        "β": "b",
        "γ": "y",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ω": "w",
        # Latin look-alikes
        "ı": "i",
        "ȷ": "j",
        "ℓ": "l",
        "ſ": "s",
        "ꞵ": "b",
        # quotes and dashes
        **QUOTES_AND_DASHES,
        **MORE_QUOTES_AND_DASHES,
    }
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_WORD = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[\w@$]{3,}\b")
_SPACED = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[ .\-_*·•|/+~][^\W\d_]){2,}(?![^\W\d_])")
_COMPACT = (
    "ignore",
    "disregard",
    "rubric",
    "stronghire",
    "votehire",
    "instruction",
    "reviewer",
    "committee",
    "pretend",
    "givemeahire",
    "approved",
)


_TYPO = str.maketrans({**QUOTES_AND_DASHES, **MORE_QUOTES_AND_DASHES})


def plain(s: str) -> str:
    """Lower case with typographic quotes, dashes and no-break spaces made ASCII."""
    return s.lower().translate(_TYPO)


def skeleton(s: str) -> tuple[str, bool]:
    """Fold look-alikes for matching: NFKC (full-width, mathematical letters), Cyrillic
    and Greek homoglyphs, digits inside words, letters spaced out with single
    separators. Returns (folded text, whether a spaced-out run hid a keyword)."""
    t = unicodedata.normalize("NFKC", s).lower().translate(_CONFUSABLES)
    t = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), t)
    compact_hit = False

    def collapse(m: re.Match) -> str:
        nonlocal compact_hit
        letters = re.sub(r"[^\w]|_", "", m.group(0))
        if len(letters) >= 6 and any(k in letters for k in _COMPACT):
            compact_hit = True
        return letters

    t = _SPACED.sub(collapse, t)
    return re.sub(r"[ \t]+", " ", t), compact_hit


def rx(p: str) -> re.Pattern:
    """`p` compiled case-free, with `^` and `$` at every line."""
    return re.compile(p, re.IGNORECASE | re.MULTILINE)
