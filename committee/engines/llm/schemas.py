"""Structured output of the LLM engines: the reply schemas a model must follow, and how
a reply becomes a `Review`, a `DebriefTurn` or a follow-up `Question`.

**Pinned vocabularies.** The schemas are built per run from its context, so every
closed vocabulary is an enum or a required property, not prose:
- review `scores`: an object with one required integer property (enum 1..4) per rubric
  dimension of the run's scenario, and nothing else;
- evidence `signal`: an enum of the scenario's signal ids;
- turn `to`: an enum of the panel's persona ids, or null;
- `vote` and `move`: enums of the contract's values;
- question `kind`: an enum of `models.QuestionKind`; `dimension`: an enum of the
  scenario's dimension ids, or null; `case_prompt`: an enum of its case prompt ids, or
  null.

A reply that fits its schema is therefore valid by construction, apart from quotes (a
quote not found verbatim in the packet is dropped and counted, never repaired) and two
bounds no portable schema keyword expresses: a question asked (`ask: true`) must have
text, at most QUESTION_MAX_CHARS of it (else one repair request). The rest of the checks
below only matter in the `text` output mode, where nothing constrains the model: an
unknown or missing dimension or a score outside 1..4, an unknown case prompt or a
missing `kind` gets one repair request (`InvalidReply`).

Three schemas per run, one per task (KINDS: `review`, `turn`, `question`): constrained
decoding can then never fill the wrong task. All are printed in the shared brief (and
declared as tools in the `tool` mode) whether or not the run asks questions, so the
cached prompt prefix stays the same for every call of the run.

Leniency that keeps a schema-valid reply valid: a changed vote without `reason` takes
the turn's text as its reason; `confidence` is clamped to 0..1; a list or object that
arrives as a JSON string (some servers do this) is decoded; keys outside the schema are
ignored; `ask: false` is no question whatever the other fields say; a question's quote
is kept only for `unsure-reading` and its case prompt only for `unanswered-prompt`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from committee.errors import pydantic_summary
from committee.intake.quotes import find_quote
from committee.models import Context, DebriefTurn, Evidence, Question, QuestionKind, Review, TurnRequest, Vote

VoteId = Literal["strong_hire", "hire", "no_hire", "strong_no_hire"]
MoveId = Literal["open", "challenge", "hold", "concede", "support"]
VOTES = [v.value for v in Vote]  # best first: the order of `Vote` itself
MOVES = ["open", "challenge", "hold", "concede", "support"]
SCORES = [1, 2, 3, 4]
QUESTION_KINDS = list(get_args(QuestionKind))  # silent-dimension, unsure-reading, unanswered-prompt
KINDS = ("review", "turn", "question")
QUESTION_MAX_CHARS = 600  # a follow-up question, not a second review (models.Question allows 1000)
QUOTE_HELP = "A contiguous span copied character for character from the packet; no ellipsis, no paraphrase."


class InvalidReply(ValueError):
    """The model's reply did not validate; the message is sent back in the repair request."""


# ------------------------------------------------------------------ schemas (sent)


def _evidence_schema(signals: tuple[str, ...]) -> dict:
    return {
        "type": "array",
        "description": "The passages that drive your view, strongest first.",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["quote", "signal"],
            "properties": {
                "quote": {"type": "string", "description": QUOTE_HELP},
                "signal": {"type": "string", "enum": list(signals), "description": "The signal id this passage shows."},
            },
        },
    }


@lru_cache(maxsize=64)
def _review_schema(dims: tuple[str, ...], signals: tuple[str, ...]) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["evidence", "scores", "summary", "vote", "confidence"],
        "properties": {
            "evidence": _evidence_schema(signals),
            "scores": {
                "type": "object",
                "additionalProperties": False,
                "required": list(dims),
                "description": "One score per rubric dimension: 1 fail, 2 weak, 3 solid, 4 strong.",
                "properties": {d: {"type": "integer", "enum": SCORES} for d in dims},
            },
            "summary": {
                "type": "string",
                "description": "Your verdict and its main reasons, 2-4 sentences, in your own voice.",
            },
            "vote": {"type": "string", "enum": VOTES},
            "confidence": {"type": "number", "description": "How sure you are of your vote, from 0 to 1."},
        },
    }


@lru_cache(maxsize=64)
def _turn_schema(signals: tuple[str, ...], panel: tuple[str, ...]) -> dict:
    nullable = [{"type": "string"}, {"type": "null"}]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["move", "to", "text", "evidence", "vote", "reason"],
        "properties": {
            "move": {"type": "string", "enum": MOVES},
            "to": {
                "anyOf": [{"type": "string", "enum": list(panel)}, {"type": "null"}],
                "description": "The persona id you answer, or null when addressing the room.",
            },
            "text": {"type": "string", "description": "What you say: 2-5 sentences, citing the packet."},
            "evidence": _evidence_schema(signals),
            "vote": {"type": "string", "enum": VOTES, "description": "Your vote after this turn."},
            "reason": {
                "anyOf": nullable,
                "description": "Why your vote changed (which evidence moved you); null when it did not change.",
            },
        },
    }


def _one_of_or_null(ids: tuple[str, ...], description: str) -> dict:
    choices = [{"type": "string", "enum": list(ids)}] if ids else []
    return {"anyOf": [*choices, {"type": "null"}], "description": description}


@lru_cache(maxsize=64)
def _question_schema(dims: tuple[str, ...], prompts: tuple[str, ...]) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["ask", "kind", "dimension", "case_prompt", "question", "quote"],
        "properties": {
            "ask": {
                "type": "boolean",
                "description": "true only when an answer could move your vote; false asks nothing "
                "(the other fields are then ignored).",
            },
            "kind": {
                "type": "string",
                "enum": QUESTION_KINDS,
                "description": "silent-dimension: a must-pass dimension the packet leaves silent; "
                "unsure-reading: a passage you are unsure how to read; "
                "unanswered-prompt: a case prompt the packet leaves unanswered.",
            },
            "dimension": _one_of_or_null(dims, "The rubric dimension an answer bears on."),
            "case_prompt": _one_of_or_null(prompts, "unanswered-prompt: the case prompt's id; else null."),
            "question": {
                "type": "string",
                "description": "Your question to the candidate, as they will read it: one or two "
                "sentences in your own voice, under 300 characters.",
            },
            "quote": {
                "anyOf": [{"type": "string", "description": QUOTE_HELP}, {"type": "null"}],
                "description": "unsure-reading: the passage you ask about; else null.",
            },
        },
    }


def reply_schema(kind: str, ctx: Context) -> dict:
    """The JSON schema of a `kind` (one of KINDS) reply for this run's scenario and
    panel (cached per vocabulary; treat the result as read-only)."""
    signals = tuple(ctx.signals)
    dims = tuple(d.id for d in ctx.scenario.dimensions)
    if kind == "review":
        return _review_schema(dims, signals)
    if kind == "turn":
        return _turn_schema(signals, tuple(ctx.panel))
    if kind == "question":
        return _question_schema(dims, tuple(c.id for c in ctx.scenario.case_prompts))
    raise ValueError(f"unknown reply kind {kind!r}")


# ------------------------------------------------------------------ parsing (received)


def _decoded(value: Any) -> Any:
    """A list or object that arrived as a JSON string, decoded; anything else unchanged."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class EvidenceOut(_Out):
    quote: str
    signal: str


Items = Annotated[list[EvidenceOut], BeforeValidator(_decoded)]


class ReviewOut(_Out):
    evidence: Items
    scores: Annotated[dict[str, Any], BeforeValidator(_decoded)]
    summary: str
    vote: VoteId
    confidence: float = 0.5

    @field_validator("confidence", mode="before")
    @classmethod
    def _clamp(cls, v: Any) -> float:
        try:
            return min(1.0, max(0.0, float(v)))
        except (TypeError, ValueError):
            return 0.5


class TurnOut(_Out):
    move: MoveId
    to: str | None = None
    text: str
    evidence: Items = []
    vote: VoteId
    reason: str | None = None


class QuestionOut(_Out):
    ask: bool
    kind: QuestionKind | None = None
    dimension: str | None = None
    case_prompt: str | None = None
    question: str = ""
    quote: str | None = None


OUTS: dict[str, type[_Out]] = {"review": ReviewOut, "turn": TurnOut, "question": QuestionOut}
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_reply(text: str, kind: str) -> ReviewOut | TurnOut | QuestionOut:
    """The reply object of a `kind` task in a model's output. Tolerates a code fence or
    prose around the object (the `text` output mode) and the older envelope
    `{"review": {...}, "turn": null}`; raises InvalidReply otherwise."""
    raw = _FENCE.sub("", text.strip())
    if not raw.startswith("{"):
        start, end = raw.find("{"), raw.rfind("}")
        if start < 0 or end <= start:
            raise InvalidReply("the reply contains no JSON object")
        raw = raw[start : end + 1]
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidReply(f"the reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    if isinstance(data, dict) and isinstance(data.get(kind), dict) and set(data) <= set(KINDS):
        data = data[kind]
    try:
        return OUTS[kind].model_validate(data)
    except ValidationError as exc:
        raise InvalidReply(pydantic_summary(exc)) from exc


# ------------------------------------------------------------------ evidence


def locate(quote: str, text: str) -> tuple[str, int] | None:
    """The packet span a quote refers to: the exact quote, else the same words with
    different whitespace (line wraps). Returns (span as it is in the packet, start)."""
    q = quote.strip().strip('"“”')
    if len(q) < 8:
        return None
    span = find_quote(text, q, loose=True)
    return (text[span[0] : span[1]], span[0]) if span else None


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


def review_from(out: ReviewOut, ctx: Context, persona_id: str) -> tuple[Review, int]:
    """The Review in a reply (and the number of evidence items dropped). Raises
    InvalidReply when the scores do not cover the rubric exactly, with integers 1..4
    (possible only in the `text` output mode)."""
    dims = [d.id for d in ctx.scenario.dimensions]
    problems = [f"unknown dimension {d!r}" for d in out.scores if d not in dims]
    missing = [d for d in dims if d not in out.scores]
    if missing:
        problems.append(f"missing scores for {', '.join(missing)}")
    bad = [d for d in dims if d in out.scores and (isinstance(out.scores[d], bool) or out.scores[d] not in SCORES)]
    if bad:
        problems.append(f"scores must be integers 1-4 ({', '.join(bad)})")
    if problems:
        raise InvalidReply("scores: " + "; ".join(problems) + f" (score each of {', '.join(dims)} once)")
    evidence, dropped = check_evidence(out.evidence, ctx)
    review = Review(
        persona=persona_id,
        vote=Vote(out.vote),
        scores={d: int(out.scores[d]) for d in dims},
        evidence=evidence,
        summary=out.summary.strip() or "(no summary)",
        confidence=out.confidence,
    )
    return review, dropped


def turn_from(out: TurnOut, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, int]:
    """The DebriefTurn in a reply (and the number of evidence items dropped). A changed
    vote without a `reason` takes the turn's text as its reason (the schema cannot
    require a reason only when the vote changes). The integrity cap is the graph's job."""
    previous = req.votes.get(req.speaker)
    vote = Vote(out.vote)
    text = out.text.strip() or "(no text)"
    reason = (out.reason or "").strip() or None
    if previous is not None and vote != previous and not reason:
        reason = text
    to = out.to if out.to in ctx.panel and out.to != req.speaker else None
    evidence, dropped = check_evidence(out.evidence, ctx)
    turn = DebriefTurn(
        round=req.round,
        speaker=req.speaker,
        move=out.move,
        to=to,
        text=text,
        evidence=evidence,
        vote=vote,
        previous_vote=previous,
        reason=reason if vote != previous else None,
    )
    return turn, dropped


def question_from(out: QuestionOut, ctx: Context, persona_id: str) -> tuple[Question | None, int]:
    """The follow-up Question in a reply, or None for `ask: false` (and the number of
    quotes dropped: an `unsure-reading` quote not found verbatim in the packet is
    dropped, the question kept). The id is left "q": the graph numbers the committee's
    questions. Raises InvalidReply for a question asked without text or longer than
    QUESTION_MAX_CHARS, and (the `text` mode only) without a kind or with an unknown
    dimension or case prompt."""
    if not out.ask:
        return None, 0
    problems = []
    text = " ".join(out.question.split())
    if not text:
        problems.append("`question` is empty although `ask` is true (set `ask` to false to ask nothing)")
    elif len(text) > QUESTION_MAX_CHARS:
        problems.append(f"`question` is {len(text)} characters; keep it under 300 (one or two sentences)")
    if out.kind is None:
        problems.append(f"`kind` is required when `ask` is true (one of {', '.join(QUESTION_KINDS)})")
    dims = [d.id for d in ctx.scenario.dimensions]
    if out.dimension is not None and out.dimension not in dims:
        problems.append(f"unknown dimension {out.dimension!r} (one of {', '.join(dims)}, or null)")
    prompts = [c.id for c in ctx.scenario.case_prompts]
    if out.kind == "unanswered-prompt" and out.case_prompt is not None and out.case_prompt not in prompts:
        problems.append(f"unknown case prompt {out.case_prompt!r} (one of {', '.join(prompts) or 'none'}, or null)")
    if problems:
        raise InvalidReply("question: " + "; ".join(problems))
    quote, dropped = None, 0
    if out.kind == "unsure-reading" and out.quote and out.quote.strip():
        found = locate(out.quote, ctx.packet.text)
        quote, dropped = (found[0], 0) if found else (None, 1)
    question = Question(
        id="q",
        persona=persona_id,
        dimension=out.dimension,
        text=text,
        kind=out.kind,
        quote=quote,
        case_prompt=out.case_prompt if out.kind == "unanswered-prompt" else None,
    )
    return question, dropped
