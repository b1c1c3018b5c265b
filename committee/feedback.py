"""Coaching feedback built from the reviews: for each rubric dimension whose mean score
across reviews is below 3 (of 4), the quote that pulled it down, what a strong
answer adds (the dimension's `strong_answer` and the advice of the scenario's green
signals for that dimension that no review found), and the red flags to remove.

It speaks to the packet, not the person: it coaches what to change in the writing.
"""

from __future__ import annotations

from committee.engines.base import Context
from committee.models import FeedbackItem, Review

WEAK_BELOW = 3.0  # mean dimension score (1..4) under which a dimension gets coaching


def build_feedback(ctx: Context, reviews: list[Review]) -> list[FeedbackItem]:
    """One FeedbackItem per weak dimension, weakest first; [] when no review exists."""
    if not reviews:
        return []
    items: list[FeedbackItem] = []
    found = {e.signal for r in reviews for e in r.evidence}
    for dim in ctx.scenario.dimensions:
        scores = [r.scores[dim.id] for r in reviews if dim.id in r.scores]
        if not scores:
            continue
        mean = sum(scores) / len(scores)
        if mean >= WEAK_BELOW:
            continue
        reds = [e for r in reviews for e in r.evidence if e.polarity == "red" and ctx.signals.get(e.signal) and ctx.signals[e.signal].dimension == dim.id]
        flags = list(dict.fromkeys(e.signal for e in reds))
        missing = [s for s in ctx.signals.values() if s.polarity == "green" and s.dimension == dim.id and s.id not in found]
        parts = [f"A strong answer on {dim.name.lower()} shows {dim.strong_answer}."]
        parts += [ctx.signals[f].advice for f in flags if ctx.signals[f].advice]
        parts += [s.advice for s in missing[:2] if s.advice]
        items.append(FeedbackItem(
            dimension=dim.id, score=round(mean, 2), quote=reds[0].quote if reds else None,
            advice=" ".join(parts), remove_flags=flags,
        ))
    return sorted(items, key=lambda i: i.score)
