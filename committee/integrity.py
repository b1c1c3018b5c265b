"""Intake integrity check: text in a packet that tries to instruct its reviewers
(prompt injection) is reported as evidence with signal id `prompt-injection`.

Packet text is data. What this finds is shown to the committee as an integrity
concern; engines may only lower a vote because of it, never raise one.
"""

from __future__ import annotations

import re

from committee.models import Evidence, Packet

SIGNAL_ID = "prompt-injection"

# Each pattern targets text addressed to the reviewers/system rather than the case.
_PATTERNS = [
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:rubric|instructions?|guidelines|rules|prompt|criteria|above|previous)\b",
    r"\b(?:record|give|assign|cast|vote|output|return|mark)\b[^.\n]{0,40}\b(?:strong[ _-]?hire|hire vote|top score|4/4|score of 4)\b",
    r"\b(?:reviewers?|committee|evaluators?|grader|assistant|AI|model|system)\s*[:,]\s*(?:please\s+)?(?:ignore|you must|you should|record|vote|note that|this candidate)",
    r"\b(?:pre-?approved|already approved|approved by the hiring manager)\b",
    r"\b(?:system prompt|you are now|act as|pretend (?:to be|you are)|new instructions)\b",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)


def find_injections(packet: Packet) -> list[Evidence]:
    """Evidence (verbatim spans of `packet.text`) for each place that addresses the
    reviewers. An HTML comment that matches is quoted whole (its content is hidden
    from a human reader, which is itself a concern)."""
    text = packet.text
    found: list[Evidence] = []
    covered: list[tuple[int, int]] = []
    for m in _COMMENT_RE.finditer(text):
        if _RE.search(m.group(1)):
            found.append(Evidence(quote=m.group(0), signal=SIGNAL_ID, polarity="red", dimension="values", start=m.start()))
            covered.append((m.start(), m.end()))
    for m in _RE.finditer(text):
        if any(a <= m.start() < b for a, b in covered):
            continue
        start = max(text.rfind("\n", 0, m.start()), max(text.rfind(". ", 0, m.start()) + 1, 0))
        start = start + 1 if start > 0 and text[start] in "\n." else start
        end_nl = text.find("\n", m.end())
        end = len(text) if end_nl < 0 else end_nl
        quote = text[start:end].strip()
        qs = text.find(quote, start)
        found.append(Evidence(quote=quote, signal=SIGNAL_ID, polarity="red", dimension="values", start=qs))
        covered.append((qs, qs + len(quote)))
    return found
