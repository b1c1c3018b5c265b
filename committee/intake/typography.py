"""The typographic characters that stand for plain ones (curly quotes, dashes, the
no-break space), as character -> ASCII maps for `str.maketrans`: the one list the
offline engine's `normalise` and the integrity check's `plain` fold with. Every map
is one character to one character, so offsets found in folded text hold."""

from __future__ import annotations

#: the curly quotes, the en and em dash and the no-break space of everyday typing
QUOTES_AND_DASHES = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}
#: the rarer ones (low-9 and reversed quotes, guillemets, the other dashes), which the
#: integrity check folds too; the offline engine's reading keeps them as written
MORE_QUOTES_AND_DASHES = {
    "„": '"',
    "‟": '"',
    "«": '"',
    "»": '"',
    "‚": "'",
    "‛": "'",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "―": "-",
}
