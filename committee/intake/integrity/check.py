"""The integrity check of a packet: its text judged part by part (hidden content,
sections dressed as the committee's own, sentences that instruct the reviewers,
plainly or obfuscated, instructions chopped into fragments) into `Finding`s, and those
into the evidence the committee sees (`find_injections`)."""

from __future__ import annotations

import bisect
import re

from committee.intake.integrity.directives import (
    FIRST_PERSON_VOTE,
    ROLE_MARKER,
    T_VOTE,
    classify,
    decoded_payloads,
    directive_reasons,
    hidden_concern,
    unquote,
)
from committee.intake.integrity.findings import (
    FAKE_SECTION,
    HIDDEN,
    MAX_FINDINGS,
    MAX_QUOTE,
    OBFUSCATED,
    SIGNAL_ID,
    Finding,
)
from committee.intake.integrity.folding import plain, rx, skeleton
from committee.intake.integrity.hidden import hidden_parts, substantive
from committee.intake.integrity.names import Names, names_for
from committee.intake.packets import ATX_HEADING_RE
from committee.intake.sentences import sentence_spans
from committee.models import Evidence, Packet

# a heading (the packet's one definition, `packets.ATX_HEADING_RE`) or a bold line used as one
_HEAD_LINE = re.compile(ATX_HEADING_RE.pattern + r"|^(?:\*\*|__)(?P<b>[^\n*_]{2,80})(?:\*\*|__):?[ \t]*$", re.MULTILINE)
_STRONG_HEAD = rx(
    r"^\W*(?:(?:hiring\s+)?committee|reviewers?'?s?|interviewers?'?s?|evaluators?'?s?|graders?'?s?|panel)\s+"
    r"(?:notes?|feedback|decision|summary|votes?|consensus|instructions?|scorecard|guidance|memo|comments?|verdict|"
    r"recommendation|only)\b|^\W*(?:notes?|instructions?|guidance|memo|message)\s+(?:to|for)\s+(?:the\s+)?"
    r"(?:reviewers?|committee|panel|evaluators?|graders?|interviewers?|ai|model|assistant|llm)\b|"
    r"^\W*(?:hiring|final|committee)\s+(?:decision|verdict|votes?|recommendation|outcome)\b|^\W*score\s*card\b|"
    r"^\W*(?:system|assistant|developer)\s+(?:prompt|message|instructions?|note)\b|^\W*(?:updated|revised|new|official)\s+"
    r"(?:rubric|scoring|instructions)\b"
)
_WEAK_HEAD = rx(
    r"\b(?:rubrics?|scoring|scores|evaluation|assessment|grading|verdict|votes?|voting|recommendation|decision|"
    r"debrief|consensus|outcome|feedback)\b"
)


def _units(text: str) -> list[tuple[int, int]]:
    """The units judged one at a time: each line's sentences (`committee.intake.sentences`)."""
    return [
        (a, b)
        for line in re.finditer(r"[^\n]+", text)
        for a, b in sentence_spans(text, line.start(), line.end())
        if text[a:b].strip()
    ]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, min(end, start + MAX_QUOTE)


class _Covered:
    """Disjoint flagged spans, kept sorted, for overlap tests in O(log n)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self.ends, a + 1)  # first span ending after a
        return i < len(self.starts) and self.starts[i] < b

    def add(self, a: int, b: int) -> None:
        i = bisect.bisect_left(self.starts, a)
        self.starts.insert(i, a)
        self.ends.insert(i, b)


def _intake(packet: Packet) -> dict:
    intake = packet.meta.get("intake") if isinstance(packet.meta, dict) else None
    return intake if isinstance(intake, dict) else {}


def scan(text: str, intake: dict | None = None, names: Names | None = None) -> list[Finding]:
    """All findings in `text` (the packet's analysis text), in text order. `intake` is
    `Packet.meta["intake"]` (hidden PDF/DOCX fragments, removed invisible characters);
    `names` the catalog's words (default: `names_for()`)."""
    intake = intake or {}
    names = names or names_for()
    found: list[Finding] = []
    covered = _Covered()

    def add(signal: str, a: int, b: int, reason: str) -> None:
        a, b = _trim(text, a, b)
        if b > a and len(found) < MAX_FINDINGS and not covered.overlaps(a, b):
            found.append(Finding(signal, a, b, reason))
            covered.add(a, b)

    # 1. content hidden from a human reader: a concern when it says something to the
    #    reviewers, or says anything substantive at all (a reader cannot see it)
    outer_end = -1
    labels = {"comment": "HTML comment", "markdown": "Markdown comment", "element": "hidden HTML element"}
    for h in hidden_parts(text):
        if h.end <= outer_end:
            continue  # inside a part already judged as a whole
        outer_end = max(outer_end, h.end)
        if h.kind == "tags":
            add(HIDDEN, h.start, h.end, "text in invisible Unicode tag characters")
            continue
        why = hidden_concern(h.content, names) or substantive(h.content)
        if why:
            add(HIDDEN, h.start, h.end, f"{labels[h.kind]}: {why}")
    for frag in intake.get("hidden") or []:
        if not isinstance(frag, str):
            continue
        words = frag.split()
        if not words:
            continue
        why = hidden_concern(frag, names) or substantive(frag)
        if not why:
            continue
        m = re.search(r"\s*".join(re.escape(w) for w in words[:60]), text)
        if m:
            add(HIDDEN, m.start(), m.end(), f"hidden text in the document: {why}")

    # 2. sections dressed as the committee's own material
    heads = list(_HEAD_LINE.finditer(text))
    for i, h in enumerate(heads):
        title = (h.group(1) or h.group("b") or "").strip().rstrip("#").strip()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[h.end() : end]
        ub = plain(body)
        pb = unquote(ub)
        if _STRONG_HEAD.search(title) or (
            _WEAK_HEAD.search(title) and (T_VOTE.search(pb) or directive_reasons(pb, ub, names)[0])
        ):
            add(FAKE_SECTION, h.start(), end, f"a section titled {title!r} poses as committee material")

    # 3. sentences that instruct the reviewers, plainly or obfuscated
    removed_at = [o for o in ((intake.get("normalized") or {}).get("removed_at") or []) if isinstance(o, int)]
    for a, b in _units(text):
        if len(found) >= MAX_FINDINGS:
            break
        if covered.overlaps(a, b):
            continue
        unit = text[a:b]
        line_start = text.rfind("\n", 0, a) + 1
        context = text[max(line_start, a - 80) : a]
        why = classify(unit, context, names)
        if why:
            hidden_chars = any(a < o < b for o in removed_at)
            add(
                OBFUSCATED if hidden_chars else SIGNAL_ID,
                a,
                b,
                why + (" (with invisible characters inside)" if hidden_chars else ""),
            )
            continue
        if ROLE_MARKER.search(text[line_start:a]) and (
            T_VOTE.search(plain(unit)) or FIRST_PERSON_VOTE.search(plain(unit))
        ):
            add(SIGNAL_ID, line_start, b, "speaks as the system or assistant")
            continue
        folded, compact = skeleton(unit)
        if folded != plain(unit) or compact:
            why = classify(folded, context, names)
            if why or compact:
                add(
                    OBFUSCATED,
                    a,
                    b,
                    (why or "spelled out letter by letter") + " (disguised with look-alike or spaced letters)",
                )
                continue
        why = decoded_payloads(unit, names)
        if why:
            add(OBFUSCATED, a, b, why)
    # 4. an instruction chopped into one-word sentences ("Ignore. The. Rubric.")
    for line in re.finditer(r"[^\n]+", text):
        if len(found) >= MAX_FINDINGS:
            break
        a, b = line.span()
        units = [u for u in _units(line.group(0))]
        if len(units) < 3 or covered.overlaps(a, b) or (b - a) / len(units) > 25:
            continue
        why = classify(line.group(0), names=names)
        if why:
            add(SIGNAL_ID, a, b, why + " (split into fragments)")
    found.sort(key=lambda f: f.start)
    return found


def explain(packet: Packet, names: Names | None = None) -> list[Finding]:
    """The findings for a packet, with reasons (`names`: see `scan`)."""
    return scan(packet.text, _intake(packet), names)


def find_injections(packet: Packet, personas=(), dimensions=(), file_under: str | None = None) -> list[Evidence]:
    """Evidence (verbatim spans of `packet.text`, with `start`) for each place that
    addresses the reviewers instead of the case, filed under the dimension `file_under`
    (the scenario's `conduct.integrity_dimension`). The patterns name the catalog's
    members and dimensions plus the run's `personas` and `dimensions` (models), so a
    persona or dimension a user adds is covered. Never raises on odd text."""
    text = packet.text
    return [
        Evidence(quote=text[f.start : f.end], signal=f.signal, polarity="red", dimension=file_under, start=f.start)
        for f in explain(packet, names_for(personas, dimensions))
    ]
