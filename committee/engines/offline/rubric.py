"""Rubric cues for what the signal library does not cover: how the packet communicates
(concrete numbers and thresholds, announced structure, or buzzwords instead of
mechanisms) and whether it names a north star that is not a growth metric.

The cues themselves are data: the entries of `engine_signals:` in
`scenarios/signals.yaml` that name a `detector:` (id, polarity, dimension, meaning,
`not_read_as`, `requires`). This module holds only the detectors, keyed by that name.
Each cue is an engine-local evidence id (not a library signal), each hit is still a
verbatim quote, and a cue on a dimension the scenario lacks finds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from committee.catalog import default_catalog
from committee.engines.offline import lexicon
from committee.engines.offline.detect import Hit
from committee.engines.offline.text import Sentence, is_background, normalise, word_count
from committee.errors import BadInput
from committee.models import EngineSignal

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


def _specifics(sentences: list[Sentence], skip: set[int], flagged: set[int]) -> list[Sentence]:
    """Up to three sentences with the most concrete numbers, thresholds or units, in text
    order (background sections and red-flag sentences aside)."""
    found = [s for s in sentences if not is_background(s.section) and s.index not in flagged | skip]
    found = [s for s in found if SPECIFIC_RE.findall(s.text)]
    found.sort(key=lambda s: (-len(SPECIFIC_RE.findall(s.text)), s.index))
    return sorted(found[:3], key=lambda s: s.index)


def _structure(sentences: list[Sentence], skip: set[int], flagged: set[int]) -> list[Sentence]:
    """The first labelled part or step, when the packet has at least two (background
    sections and red-flag sentences aside)."""
    found = [
        s
        for s in sentences
        if not is_background(s.section) and s.index not in flagged | skip and STRUCTURE_RE.match(s.text)
    ]
    return found[:1] if len(found) >= 2 else []


def _vague(sentences: list[Sentence], skip: set[int], flagged: set[int]) -> list[Sentence]:
    """Up to three sentences with buzzwords where a mechanism should be."""
    return [s for s in sentences if s.index not in skip and VAGUE_RE.search(s.text)][:3]


def _north_star(sentences: list[Sentence], skip: set[int], flagged: set[int]) -> list[Sentence]:
    """The first sentence outside the background that names a goal metric it does not negate."""
    for s in sentences:
        m = GOAL_RE.search(s.text)
        if not m or s.index in skip or is_background(s.section):
            continue
        norm = normalise(s.text)
        if not lexicon.negated(norm, m.start(), (0, len(norm)), [(m.start(), m.end())]):
            return [s]
    return []


def _guardrails(sentences: list[Sentence], skip: set[int], flagged: set[int]) -> list[Sentence]:
    """The first sentence that names guardrails or counter-metrics."""
    return [s for s in sentences if GUARDRAIL_RE.search(s.text) and s.index not in skip][:1]


# detector name (the `detector:` of an engine signal) -> (function, strength of each hit).
# A detector gets the sentences, the indices it must not credit (read as one of the
# cue's `not_read_as` red flags) and those read as any red flag. The strengths are
# calibration of the reader, set by hand with the review bands (review.py): a rubric
# cue counts about as much as a weak library hit.
Detector = Callable[[list[Sentence], set[int], set[int]], list[Sentence]]
DETECTORS: dict[str, tuple[Detector, float]] = {
    "specifics": (_specifics, 0.5),
    "structure": (_structure, 0.5),
    "vague": (_vague, 0.6),
    "north_star": (_north_star, 0.6),
    "guardrails": (_guardrails, 0.5),
}


_CUES: list = [None, {}]  # [the catalog read last, its rubric cues]


def rubric_cues() -> dict[str, EngineSignal]:
    """The catalog's engine signals that a rubric detector finds, by id, in data order
    (kept for as long as `default_catalog` returns the same catalog). Raises BadInput
    for a `detector:` this module does not have."""
    cat = default_catalog()
    if _CUES[0] is not cat:
        cues = {e.id: e for e in cat.engine_signals.values() if e.detector}
        for e in cues.values():
            if e.detector not in DETECTORS:
                known = ", ".join(DETECTORS)
                raise BadInput(f"engine signal {e.id!r}: unknown detector {e.detector!r} (known: {known})")
        _CUES[:] = [cat, cues]
    return _CUES[1]


def rubric_hits(sentences: list[Sentence], signal_hits: list[Hit], dimensions: set[str]) -> list[Hit]:
    """Rubric evidence for the scenario's `dimensions`, given the library hits: for each
    rubric cue (`rubric_cues`, in data order) on one of `dimensions` whose `requires` cue
    (an earlier entry) was found, a hit per sentence its detector returns."""
    hits: list[Hit] = []
    # a sentence that is itself a red flag earns no communication credit, however
    # precise ("20% revenue is huge and 1% is a small drop" is specific, and wrong)
    flagged = {h.sentence for h in signal_hits if h.polarity == "red"}
    for cue in rubric_cues().values():
        if cue.dimension not in dimensions or (cue.requires and not any(h.signal == cue.requires for h in hits)):
            continue
        skip = {h.sentence for h in signal_hits if h.signal in cue.not_read_as}
        find, strength = DETECTORS[cue.detector]
        hits += [
            Hit(cue.id, cue.polarity, cue.dimension, s.start, s.text, strength, s.index, "rubric", s.section)
            for s in find(sentences, skip, flagged)
        ]
    return hits


def too_short(text: str) -> bool:
    """Whether `text` is under SHORT_PACKET_WORDS words: too little to judge its communication."""
    return word_count(text) < SHORT_PACKET_WORDS
