"""The one sentence splitter: where sentences end in a run of text, with character
offsets. Intake's integrity check, the offline reader and the revision diff all use it.

A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
whitespace and a capital, a digit, a quote or an opening bracket, unless the
punctuation ends a common abbreviation ("e.g.", "Dr.", "vs.") or an initial ("J.").
Line breaks are the caller's business (a packet holds one paragraph per line).
"""

from __future__ import annotations

import re

SENT_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
ABBREV_RE = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms|Inc|Ltd|No|cf|al|St)\.|\b[A-Z]\.)$")


def sentence_spans(text: str, a: int = 0, b: int | None = None) -> list[tuple[int, int]]:
    """The sentences of `text[a:b]` as (start, end) offsets into `text`, in order and
    covering the range (the whitespace between two sentences starts the second)."""
    b = len(text) if b is None else b
    spans: list[tuple[int, int]] = []
    pos = a
    for m in SENT_END_RE.finditer(text, a, b):
        if ABBREV_RE.search(text[max(a, m.start() - 8) : m.start() + 1]):
            continue
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, b))
    return spans


def short_quote(q: str, limit: int = 160) -> str:
    """`q` on one line (runs of whitespace as one space), cut at a word boundary with an
    ellipsis when longer than `limit` characters: how a quote is shown in prose."""
    q = " ".join(q.split())
    return q if len(q) <= limit else q[: limit - 1].rsplit(" ", 1)[0] + "…"
