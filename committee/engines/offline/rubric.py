"""Rubric cues for what the signal library does not cover: how the packet communicates
(concrete numbers and thresholds, announced structure, or buzzwords instead of
mechanisms) and whether it names a north star that is not a growth metric.

These are engine-local evidence ids (not library signals); each is still a verbatim
quote, and a dimension the scenario lacks gets none.
"""

from __future__ import annotations

import re

from committee.engines.offline import lexicon
from committee.engines.offline.detect import Hit
from committee.engines.offline.text import Sentence, is_background, normalise, word_count

# id -> (polarity, dimension, what it means)
RUBRIC_SIGNALS: dict[str, tuple[str, str, str]] = {
    "comm-specifics": ("green", "communication", "concrete numbers, thresholds or units instead of adjectives"),
    "comm-structure": ("green", "communication", "an answer organised into labelled parts or steps"),
    "comm-vague": ("red", "communication", "buzzwords where a mechanism should be"),
    "north-star-defined": ("green", "product_sense", "a north star that measures solved problems, not growth"),
    "metric-guardrails": ("green", "product_sense", "a north star guarded by counter-metrics"),
}

SPECIFIC_RE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:%|percent|ms\b|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|x\b|k\b|million|billion|thousand|per\b|users?|requests?|cases?|tokens?)"
    r"|\$\s?\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|thousand)[- ](?:weeks?|days?|months?|layers?|percent|steps?|hundred|thousand)"
    r"|\b(?:below|above|under|over|at least|at most|less than|more than)\s\d",
    re.IGNORECASE,
)
STRUCTURE_RE = re.compile(
    r"^(?:(?:two|three|four|five|\d)\s+(?:layers|parts|steps|stages|phases|options|pillars|questions|risks|metrics)\b"
    r"|(?:first|second|third|finally|step \d)\b[,:]?"
    r"|[A-Za-z][\w -]{1,30}:\s)",
    re.IGNORECASE,
)
VAGUE_RE = re.compile(
    r"\b(synerg\w*|best[- ]in[- ]class|world[- ]class|seamless(ly)?|game[- ]chang\w*|revolutionar\w*|cutting[- ]edge|"
    r"next[- ]gen\w*|leverag\w* (ai|the power)|disrupt\w*|10x|paradigm shift|move the needle|holistic\w*)\b",
    re.IGNORECASE,
)
GOAL_RE = re.compile(
    r"\bnorth[- ]star\b|\b(primary|key|main|headline|core) (metric|goal|kpi)\b|\bsuccess (is|will be) (measured|defined)\b|\bmeasure success\b",
    re.IGNORECASE,
)
GUARDRAIL_RE = re.compile(
    r"\b(guardrails?|counter-?metrics?|goodhart\w*|supporting metrics|next to it|alongside it|paired with|under it)\b",
    re.IGNORECASE,
)
SHORT_PACKET_WORDS = 50  # below this a packet gives too little to judge its communication


def _hit(rid: str, sent: Sentence, strength: float) -> Hit:
    polarity, dim, _ = RUBRIC_SIGNALS[rid]
    return Hit(rid, polarity, dim, sent.start, sent.text, strength, sent.index, "rubric", sent.section)


def rubric_hits(sentences: list[Sentence], signal_hits: list[Hit], dimensions: set[str]) -> list[Hit]:
    """Rubric evidence for the scenario's `dimensions`, given the library hits."""
    hits: list[Hit] = []
    growth = {h.sentence for h in signal_hits if h.signal == "growth-north-star"}
    # a sentence that is itself a red flag earns no communication credit, however
    # precise ("20% revenue is huge and 1% is a small drop" is specific, and wrong)
    flagged = {h.sentence for h in signal_hits if h.polarity == "red"}
    if "communication" in dimensions:
        specifics = [
            s
            for s in sentences
            if not is_background(s.section) and s.index not in flagged and len(SPECIFIC_RE.findall(s.text)) >= 1
        ]
        specifics.sort(key=lambda s: (-len(SPECIFIC_RE.findall(s.text)), s.index))
        hits += [_hit("comm-specifics", s, 0.5) for s in sorted(specifics[:3], key=lambda s: s.index)]
        structured = [
            s
            for s in sentences
            if not is_background(s.section) and s.index not in flagged and STRUCTURE_RE.match(s.text)
        ]
        if len(structured) >= 2:
            hits.append(_hit("comm-structure", structured[0], 0.5))
        hits += [_hit("comm-vague", s, 0.6) for s in sentences if VAGUE_RE.search(s.text)][:3]
    if "product_sense" in dimensions:
        for s in sentences:
            m = GOAL_RE.search(s.text)
            if not m or s.index in growth or is_background(s.section):
                continue
            norm = normalise(s.text)
            if lexicon.negated(norm, m.start(), (0, len(norm)), [(m.start(), m.end())]):
                continue
            hits.append(_hit("north-star-defined", s, 0.6))
            break
        if any(h.signal == "north-star-defined" for h in hits):
            for s in sentences:
                if GUARDRAIL_RE.search(s.text) and s.index not in growth:
                    hits.append(_hit("metric-guardrails", s, 0.5))
                    break
    return hits


def too_short(text: str) -> bool:
    return word_count(text) < SHORT_PACKET_WORDS
