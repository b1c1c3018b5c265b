"""Structured output of the anthropic engine: what the model must return, and how a
reply becomes a `Review` or a `DebriefTurn`.

Every request asks for the same JSON schema, the `Reply` envelope with a `review`
and a `turn` slot (the task fills one, the other is null). One schema for every call
keeps the request prefix identical across reviews and debrief rounds, so the prompt
cache written by the reviews also serves the turns (a structured-output schema is part
of what the cache is keyed on).

Validation has two layers: pydantic (types, enums, ranges) and `review_from` /
`turn_from` (every rubric dimension scored once, a changed vote carries a reason).
Either failure raises `InvalidReply`; the engine answers it with one repair request.
Evidence whose quote is not a verbatim span of the packet, or whose signal id is not in
the scenario, is dropped and counted, never repaired.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from committee.decision import cap_for_integrity
from committee.engines.base import Context, TurnRequest
from committee.models import DebriefTurn, Evidence, Review, Vote

VoteId = Literal["strong_hire", "hire", "no_hire", "strong_no_hire"]
MoveId = Literal["open", "challenge", "hold", "concede", "support"]


class InvalidReply(ValueError):
    """The model's reply did not validate; the message is sent back in the repair request."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceOut(_Out):
    quote: str = Field(description="A contiguous span copied character for character from the packet; no ellipsis, no paraphrase.")
    signal: str = Field(description="One signal id from the scenario's signal list.")


class ScoreOut(_Out):
    dimension: str = Field(description="A rubric dimension id.")
    score: int = Field(ge=1, le=4, description="1 fail, 2 weak, 3 solid, 4 strong.")


class ReviewOut(_Out):
    evidence: list[EvidenceOut] = Field(description="The passages that drive your scores, strongest first.")
    scores: list[ScoreOut] = Field(description="Exactly one score for every rubric dimension.")
    summary: str = Field(description="Your verdict and its main reasons, 2-4 sentences, in your own voice.")
    vote: VoteId
    confidence: float = Field(ge=0, le=1, description="How sure you are of your vote, 0..1.")


class TurnOut(_Out):
    move: MoveId
    to: str | None = Field(description="The persona id you answer, or null when addressing the room.")
    text: str = Field(description="What you say: 2-5 sentences, citing the packet.")
    evidence: list[EvidenceOut]
    vote: VoteId = Field(description="Your vote after this turn.")
    reason: str | None = Field(description="Why your vote changed; required when it differs from your current vote, else null.")


class Reply(_Out):
    review: ReviewOut | None = Field(description="Filled for a blind review task, else null.")
    turn: TurnOut | None = Field(description="Filled for a debrief turn task, else null.")


# ------------------------------------------------------------------ parsing


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_reply(text: str) -> Reply:
    """The `Reply` in a model's text output. Tolerates a code fence or prose around the
    object (servers that ignore `output_config`); raises InvalidReply otherwise."""
    raw = _FENCE.sub("", text.strip())
    if not raw.startswith("{"):
        start, end = raw.find("{"), raw.rfind("}")
        if start < 0 or end <= start:
            raise InvalidReply("the reply contains no JSON object")
        raw = raw[start:end + 1]
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidReply(f"the reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    try:
        return Reply.model_validate(data)
    except ValidationError as exc:
        raise InvalidReply(_errors(exc)) from exc


def _errors(exc: ValidationError, limit: int = 8) -> str:
    parts = []
    for e in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        parts.append(f"{loc}: {e['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


# ------------------------------------------------------------------ evidence


def locate(quote: str, text: str) -> tuple[str, int] | None:
    """The packet span a quote refers to: the exact quote, else the same words with
    different whitespace (line wraps). Returns (span as it is in the packet, start)."""
    q = quote.strip().strip('"“”')
    if len(q) < 8:
        return None
    i = text.find(q)
    if i >= 0:
        return q, i
    words = q.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.group(0), m.start()) if m else None


def check_evidence(items: list[EvidenceOut], ctx: Context) -> tuple[list[Evidence], int]:
    """Evidence with verbatim quotes and known signal ids (polarity and dimension come
    from the signal library, not from the model); returns (kept, dropped count)."""
    kept: list[Evidence] = []
    dropped = 0
    seen: set[tuple[str, str]] = set()
    for item in items:
        sig = ctx.signals.get(item.signal)
        found = locate(item.quote, ctx.packet.text)
        if sig is None or found is None:
            dropped += 1
            continue
        quote, start = found
        if (quote, sig.id) in seen:
            continue
        seen.add((quote, sig.id))
        kept.append(Evidence(quote=quote, signal=sig.id, polarity=sig.polarity, dimension=sig.dimension, start=start))
    return kept, dropped


# ------------------------------------------------------------------ conversion


def review_from(reply: Reply, ctx: Context, persona_id: str) -> tuple[Review, int]:
    """The Review in a reply (and the number of evidence items dropped). Raises
    InvalidReply when the review slot is empty or the scores do not cover the rubric."""
    out = reply.review
    if out is None:
        raise InvalidReply("this task is a blind review: fill `review` (and set `turn` to null)")
    dims = [d.id for d in ctx.scenario.dimensions]
    scores: dict[str, int] = {}
    problems = []
    for s in out.scores:
        if s.dimension not in dims:
            problems.append(f"unknown dimension {s.dimension!r}")
        elif s.dimension in scores:
            problems.append(f"dimension {s.dimension!r} scored twice")
        else:
            scores[s.dimension] = s.score
    missing = [d for d in dims if d not in scores]
    if missing:
        problems.append(f"missing scores for {', '.join(missing)}")
    if problems:
        raise InvalidReply("review.scores: " + "; ".join(problems) + f" (score each of {', '.join(dims)} once)")
    evidence, dropped = check_evidence(out.evidence, ctx)
    review = Review(persona=persona_id, vote=Vote(out.vote), scores=scores, evidence=evidence,
                    summary=out.summary.strip() or "(no summary)", confidence=out.confidence)
    return review, dropped


def turn_from(reply: Reply, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, int]:
    """The DebriefTurn in a reply (and the number of evidence items dropped). Raises
    InvalidReply when the turn slot is empty or a changed vote has no reason."""
    out = reply.turn
    if out is None:
        raise InvalidReply("this task is a debrief turn: fill `turn` (and set `review` to null)")
    previous = req.votes.get(req.speaker)
    vote = cap_for_integrity(Vote(out.vote), bool(ctx.integrity))  # a capped vote is not a change
    reason = (out.reason or "").strip() or None
    if previous is not None and vote != previous and not reason:
        raise InvalidReply(f"turn.reason: your vote changed from {previous.value} to {vote.value}; say why in `reason`")
    to = out.to if out.to in ctx.panel and out.to != req.speaker else None
    evidence, dropped = check_evidence(out.evidence, ctx)
    turn = DebriefTurn(round=req.round, speaker=req.speaker, move=out.move, to=to, text=out.text.strip(),
                       evidence=evidence, vote=vote, previous_vote=previous,
                       reason=reason if vote != previous else None)
    return turn, dropped
