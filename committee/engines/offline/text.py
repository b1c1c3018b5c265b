"""Splitting packet text into sentences and clauses, keeping character offsets.

Every unit carries `start`/`end` offsets into the original text, so a quote is always
`text[start:end]` (verbatim). Headings and HTML comments are not sentences: headings
are kept as the section title of the sentences under them, and comments are hidden
text the candidate's reader never sees (and a common place for injected instructions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from committee.intake.integrity.hidden import CODE_FENCE_RE, hidden_spans
from committee.intake.packets import ATX_HEADING_RE
from committee.intake.sentences import sentence_spans
from committee.intake.typography import QUOTES_AND_DASHES

COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
BULLET_RE = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
BULLET_AT_RE = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
# clause boundaries inside a sentence (the boundary text is left out of both clauses)
CLAUSE_RE = re.compile(
    r"\s*;\s*|:\s+|\s+[—–]\s+|\s+-\s+|,\s*(?=(?:but|so|which|while|whereas|then|because|since|although|though|yet|and then|even though|even if)\b)"
    r"|,\s*(?=and (?:i|we|they|he|she|it|the|our|this|that|those|these|you|everything|anything)\b)"
    r"|\s+(?=(?:but|because|whereas|although)\b)",
    re.IGNORECASE,
)
BACKGROUND_RE = re.compile(r"\b(resume|résumé|cv|experience|background|about me|career)\b", re.IGNORECASE)
_NORMALISE = str.maketrans({**QUOTES_AND_DASHES, "\n": " ", "\r": " ", "\t": " "})


def normalise(text: str) -> str:
    """Lower-case text with typographic quotes and dashes made plain and line breaks
    made spaces (a hard-wrapped sentence reads as the same sentence); same length as
    the input, so offsets found in it hold for the original."""
    t = text.translate(_NORMALISE)
    low = t.lower()
    if len(low) != len(t):  # "İ".lower() is two characters: keep the offsets by lowering one character at a time
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in t)
    return low


def flat(text: str) -> str:
    """`text` with every run of whitespace (line breaks of hard-wrapped prose included)
    made one space: what the classifiers read."""
    return " ".join(text.split())


@lru_cache(maxsize=1024)
def _clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Clause spans of `text`, relative to it (memoised: framing asks once per concept)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in CLAUSE_RE.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return tuple(spans) or ((0, len(text)),)


@dataclass(frozen=True)
class Sentence:
    """One sentence: `text == packet_text[start:end]`; `block` numbers the paragraph
    (adjacent sentences in one block may be read together); `section` is the heading."""

    index: int
    start: int
    end: int
    text: str
    section: str
    block: int

    @property
    def flat(self) -> str:
        """The sentence as one line (`flat`)."""
        return flat(self.text)

    def clauses(self) -> list[tuple[int, int]]:
        """Clause spans as absolute offsets, covering the sentence in order."""
        return [(self.start + a, self.start + b) for a, b in _clause_spans(normalise(self.text))]

    def clause_at(self, offset: int) -> tuple[int, int]:
        """The clause containing absolute `offset` (the nearest one before it otherwise)."""
        best = (self.start, self.end)
        for a, b in self.clauses():
            if a <= offset:
                best = (a, b)
            if a <= offset < b:
                return (a, b)
        return best


def _masked(text: str) -> str:
    """The text with comments and code fences blanked out (same length). Text hidden
    from a human reader (`integrity.hidden_spans`) becomes line breaks, so no sentence
    runs across it and it is never read as evidence."""
    out = list(text)
    for rx in (COMMENT_RE, CODE_FENCE_RE):
        for m in rx.finditer(text):
            for i in range(m.start(), m.end()):
                if out[i] != "\n":
                    out[i] = " "
    for a, b in hidden_spans(text):
        out[a:b] = "\n" * (b - a)
    return "".join(out)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in " \t\r\n":
        a += 1
    while b > a and text[b - 1] in " \t\r\n":
        b -= 1
    m = BULLET_AT_RE.match(text, a) if a == 0 or text[a - 1] == "\n" else None
    if m and m.end() <= b:
        a = m.end()
    while a < b and text[a] in "*_" and text[b - 1] in "*_":  # markdown emphasis around a line
        a, b = a + 1, b - 1
    return a, b


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` in order, with offsets into `text`. Headings become section
    titles; comments and code fences are skipped; bullet items are separate sentences."""
    masked = _masked(text)
    sentences: list[Sentence] = []
    section = ""
    block = 0
    lines = []
    pos = 0
    for line in masked.splitlines(keepends=True):
        lines.append((pos, pos + len(line.rstrip("\r\n")), line))
        pos += len(line)
    items: list[tuple[int, int, str, int]] = []  # (start, end, section, block)
    cur: list[int] | None = None
    for a, b, line in lines:
        h = ATX_HEADING_RE.match(line)
        if h or not line.strip():
            if cur:
                items.append((cur[0], cur[1], section, block))
                cur = None
            block += 1
            if h:
                section = (h.group(1) or "").strip().strip("#").strip()
            continue
        if BULLET_RE.match(line) and cur:
            items.append((cur[0], cur[1], section, block))
            cur = None
        if cur is None:
            cur = [a, b]
        else:
            cur[1] = b
    if cur:
        items.append((cur[0], cur[1], section, block))
    for a, b, sec, blk in items:
        for sa, sb in sentence_spans(masked, a, b):
            sa, sb = _trim(masked, sa, sb)
            if sb - sa < 3 or not re.search(r"[A-Za-z]", masked[sa:sb]):
                continue
            sentences.append(Sentence(len(sentences), sa, sb, text[sa:sb], sec, blk))
    return sentences


def word_count(text: str) -> int:
    """Words a reader sees: comments, code fences and hidden spans are not counted."""
    return len(re.findall(r"[A-Za-z0-9][\w'-]*", _masked(text)))


def is_background(section: str) -> bool:
    """A resume-like section: it tells who the candidate is, not how they reason."""
    return bool(BACKGROUND_RE.search(section or ""))
