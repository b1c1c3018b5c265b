"""Pydantic v2 domain models: everything that crosses a boundary (files, graph state,
engines, storage, JSON output). No I/O here.

Vocabulary: a *packet* (the candidate's material, one *revision* of a lineage *key*)
is *reviewed* by *personas* against a *scenario*'s *rubric* (scored *dimensions*),
citing *signals* (red flags, green signals) as *evidence*; the personas then argue in
a *debrief* of *rounds* made of *turns*, each ending with a *vote*; committee rules
turn the final votes into a *decision*. One execution is a *run* (one LangGraph thread).
"""

from __future__ import annotations

import hashlib
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_serializer, model_validator


class Strict(BaseModel):
    """Base for user-editable data files: unknown keys are an error, so a typo in a
    persona or scenario file fails loudly instead of being silently ignored, and no
    number may be infinite or NaN."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Vote(str, Enum):
    """A persona's vote. `points` is the signed weight used by the committee rules:
    strong_hire +2, hire +1, no_hire -1, strong_no_hire -2 (the source's four-level
    scale, with no neutral option)."""

    strong_hire = "strong_hire"
    hire = "hire"
    no_hire = "no_hire"
    strong_no_hire = "strong_no_hire"

    @property
    def points(self) -> int:
        return {"strong_hire": 2, "hire": 1, "no_hire": -1, "strong_no_hire": -2}[self.value]

    @property
    def is_hire(self) -> bool:
        return self.points > 0

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

    @classmethod
    def from_points(cls, points: float) -> Vote:
        """Nearest vote for a signed score in [-2, 2]; 0 rounds to no_hire (ties go
        against hiring, as in the committee rules)."""
        if points >= 1.5:
            return cls.strong_hire
        if points > 0:
            return cls.hire
        if points > -1.5:
            return cls.no_hire
        return cls.strong_no_hire


Polarity = Literal["red", "green"]
Move = Literal["open", "challenge", "hold", "concede", "support"]
Protocol = Literal["simultaneous", "round-robin"]


# ---------------------------------------------------------------- rubric and signals


class Dimension(Strict):
    """One rubric dimension, scored 1 (fail) .. 4 (strong) by every review."""

    id: str
    name: str
    description: str
    strong_answer: str = Field(description="What a strong answer on this dimension shows; used in feedback.")


class Signal(Strict):
    """A red flag or green signal (canonical ids from the project's signal library).

    `dimension` is the rubric dimension the signal bears on; `exemplars` are general
    example statements (never evaluation sentences) used by the offline engine;
    `advice` is the coaching line shown when the signal is found (red) or missing (green);
    `title` is its short readable name in feedback and debate (default: the first clause
    of `description`, else the id without hyphens; `feedback.signal_title`).
    """

    id: str
    title: str | None = None
    polarity: Polarity
    dimension: str
    description: str
    exemplars: list[str] = Field(default_factory=list)
    advice: str = ""
    cues: list[list[str]] = Field(
        default_factory=list,
        description="Concept cues for the offline engine: each cue is a list of concept groups "
        "(case-insensitive regular expressions) that must all occur in one passage.",
    )
    blockers: list[str] = Field(
        default_factory=list,
        description="Regular expressions that cancel the signal in a passage where they occur "
        "(e.g. a keyword stage described as one layer of several).",
    )
    window: int = Field(1, ge=1, le=3, description="How many adjacent sentences one cue may span.")
    contradicted_by: list[str] = Field(
        default_factory=list,
        description="Green signal ids that state the opposite stance on the same topic: found elsewhere in "
        "the packet, they make a reading of this red flag uncertain (the packet's own explicit stance).",
    )
    ask_is_the_flag: bool = Field(
        False,
        description="A red flag whose substance is someone else's ask met (bending a policy for a client): a "
        "sentence that reports another person's proposal still reads as it, where for others such a reading is weak.",
    )
    answered_by_cost: bool = Field(
        False,
        description="A red flag that a sentence accepting a cost for safety contradicts on its own "
        '("..., even if it costs us the launch date"; the offline engine\'s lexicon.CONCESSIVE_COST_RE).',
    )

    @field_validator("cues", "blockers")
    @classmethod
    def _regexes(cls, v):
        import re

        for pattern in (p for item in v for p in (item if isinstance(item, list) else [item])):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        if any(isinstance(item, list) and not item for item in v):
            raise ValueError("a cue needs at least one concept group")
        return v


class EngineSignal(Strict):
    """An evidence id an engine produces itself, beside the signal library
    (`engine_signals:` in `scenarios/signals.yaml`): the offline engine's rubric cues and
    the integrity check's concern. `detector` names the offline rubric function that finds
    it (None: produced elsewhere, e.g. by the integrity check); it applies only to a
    scenario that has `dimension`. `not_read_as`: red library signals whose sentences it
    never credits; `requires`: another engine signal that must have been found first."""

    id: str
    title: str
    polarity: Polarity
    description: str
    dimension: str | None = None
    detector: str | None = None
    not_read_as: list[str] = Field(default_factory=list)
    requires: str | None = None


class ConceptLibrary(Strict):
    """`scenarios/concepts.yaml`: named synonym groups that signal cues use as `{name}`.
    Each concept is one regular expression written as fragments joined with nothing in
    between (for short lines); names are lower-case letters and underscores."""

    concepts: dict[str, list[str]]

    @field_validator("concepts")
    @classmethod
    def _patterns(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        for name, parts in v.items():
            if not re.fullmatch(r"[a-z_]+", name):
                raise ValueError(f"concept name {name!r}: lower-case letters and underscores only")
            try:
                re.compile("".join(parts))
            except re.error as exc:
                raise ValueError(f"concept {name!r}: invalid regular expression: {exc}") from exc
        return v


class CasePrompt(Strict):
    id: str
    title: str
    prompt: str


class DecisionRules(Strict):
    """Committee rules of a scenario (see `committee.decision.rules.decide`).

    - `must_pass`: dimensions that reject on their own: if at least `fail_quorum` of the
      final reviews score one of them at or below `fail_score`, the outcome is no_hire
      whatever the votes (the source: failing the values or the product-sense round
      is a rejection by itself).
    - `vetoes`: persona id -> votes of that persona that decide no_hire alone.
    - otherwise hire iff the sum of vote points is > `hire_threshold`; a tie (sum equal
      to the threshold) goes to no_hire.

    Ranges: `fail_score` is a rubric score (1-4); `fail_quorum` counts members (1-50)
    and `hire_threshold` vote points (-100..100: at most 2 points a member, 50
    members), so a rule can never be out of reach of every panel by a typo.
    """

    must_pass: list[str] = Field(default_factory=list)
    fail_score: int = Field(1, ge=1, le=4)
    fail_quorum: int = Field(2, ge=1, le=50)
    vetoes: dict[str, list[Vote]] = Field(default_factory=dict)
    hire_threshold: int = Field(0, ge=-100, le=100)


class Conduct(Strict):
    """How the packet's own conduct, beside its answers, bears on a scenario's rubric
    (dimension ids of the scenario; empty or None: on no dimension).

    - `integrity_dimension`: the dimension integrity evidence (text in the packet that
      instructs the reviewers) is filed under;
    - `integrity_penalised`: dimensions on which an integrity concern counts as a red
      flag (and may fail them) in the offline engine;
    - `short_capped`: dimensions a packet too short to judge is at most neutral on.
    """

    integrity_dimension: str | None = None
    integrity_penalised: list[str] = Field(default_factory=list)
    short_capped: list[str] = Field(default_factory=list)


class Scenario(Strict):
    """A role and its interview: rubric dimensions, case prompts, the signals that
    matter for the role (ids into the signal library), how the packet's own conduct
    counts (`conduct`) and the decision rules."""

    id: str
    title: str
    role: str
    description: str
    dimensions: list[Dimension] = Field(min_length=1)
    case_prompts: list[CasePrompt] = Field(default_factory=list)
    signals: list[str] = Field(min_length=1)
    default: bool = Field(
        False, description="The scenario of a packet that names none and of a run that gives none (catalog)."
    )
    conduct: Conduct = Field(default_factory=Conduct)
    rules: DecisionRules = Field(default_factory=DecisionRules)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        ids = [d.id for d in self.dimensions]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate dimension ids")
        c = self.conduct
        named = [("rules.must_pass", d) for d in self.rules.must_pass]
        named += [("conduct.integrity_dimension", c.integrity_dimension)] if c.integrity_dimension else []
        named += [("conduct.integrity_penalised", d) for d in c.integrity_penalised]
        named += [("conduct.short_capped", d) for d in c.short_capped]
        for where, dim in named:
            if dim not in ids:
                raise ValueError(f"{where} names unknown dimension {dim!r}")
        return self

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        raise KeyError(dim_id)


class Style(Strict):
    """How a persona speaks: phrases the offline engine draws from (varied per turn)."""

    tone: str
    openers: list[str] = Field(min_length=1)
    challenge: list[str] = Field(min_length=1)
    champion: list[str] = Field(
        default_factory=list,
        description="Challenges of a lower vote (arguing for the packet); falls back to `challenge`.",
    )
    hold: list[str] = Field(min_length=1)
    concede: list[str] = Field(min_length=1)
    support: list[str] = Field(min_length=1)


# Ranges of persona numbers (the built-in files use 0.5-3.0): weights are relative, so a
# wider range adds nothing but the risk of overflowing the vote arithmetic. A persona
# read back from a stored run (validation context {"stored": True}) keeps the numbers
# it ran with, so runs made before these ranges still resume and replay.
MAX_WEIGHT = 100.0
MAX_SIGNAL_WEIGHT = 10.0


def _stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("stored"))


class Persona(Strict):
    """One committee member (fictional). `weights` are rubric-dimension weights (any
    positive numbers; normalised when used); `signal_weights` multiply the effect of
    particular signals; `hard_lines` are red signal ids that cap this persona's vote
    at no_hire (strong_no_hire when the evidence is unambiguous)."""

    id: str
    seat: int | None = Field(
        None,
        description="Place at the table: the default panel is every persona, by seat (no seat: after the "
        "seated ones), then id.",
    )
    name: str
    title: str
    background: str
    weighs_most: list[str] = Field(min_length=1)
    weights: dict[str, float]
    signal_weights: dict[str, float] = Field(default_factory=dict)
    hard_lines: list[str] = Field(default_factory=list)
    style: Style
    engine: str | None = Field(None, description="Optional engine id that voices this persona (a mixed panel).")
    model: str | None = Field(None, description="Optional model id for LLM engines (of `engine:` when it is set).")

    @field_validator("weights")
    @classmethod
    def _positive(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        top = float("inf") if _stored(info) else MAX_WEIGHT
        if not v or any(not 0 <= w <= top for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError(f"weights must be between 0 and {MAX_WEIGHT:g} with a positive sum")
        return v

    @field_validator("signal_weights")
    @classmethod
    def _multipliers(cls, v: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        top = float("inf") if _stored(info) else MAX_SIGNAL_WEIGHT
        bad = sorted(s for s, w in v.items() if not 0 <= w <= top)
        if bad:
            raise ValueError(f"signal_weights must be between 0 and {MAX_SIGNAL_WEIGHT:g} ({', '.join(bad)})")
        return v


# ---------------------------------------------------------------------- packet


class Section(BaseModel):
    """A `##` section of a packet. `start` is the character offset of `text` in
    `Packet.text`."""

    title: str
    text: str
    start: int = 0


class Packet(BaseModel):
    """A candidate's packet, one revision.

    `key` is the lineage key (front matter `packet:`, else the file stem); `revision`
    is assigned by the store (1-based; 0 until stored); `sha256` is of `text`.
    """

    key: str = Field(min_length=1, max_length=200)
    revision: int = 0
    candidate: str | None = None
    scenario: str | None = None
    text: str = Field(min_length=1)
    sections: list[Section] = Field(default_factory=list)
    meta: dict[str, object] = Field(default_factory=dict)
    source: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------- reviews and debrief


class Evidence(BaseModel):
    """A verbatim quote from the packet (`packet.text[start:start+len(quote)] == quote`)
    attached to a signal id, its polarity and the rubric dimension it bears on."""

    quote: str
    signal: str
    polarity: Polarity
    dimension: str | None = None
    start: int | None = None
    confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="The engine's probability for this reading (offline: "
        "the signal's classifier on the sentence; None: not stated). Whether a red reading "
        "is firm is told by `concern` (None for a firm one), not by this number.",
    )
    concern: str | None = Field(
        None,
        description="Why a reading is uncertain, shown to the candidate as a point to check "
        "(e.g. the packet says the opposite elsewhere); None for a firm reading.",
    )


class Review(BaseModel):
    """A persona's blind review: `scores` map dimension id -> 1..4; `vote` is the
    sealed vote; `confidence` is in [0, 1]."""

    persona: str
    vote: Vote
    scores: dict[str, int]
    evidence: list[Evidence] = Field(default_factory=list)
    summary: str
    confidence: float = Field(0.5, ge=0, le=1)

    @field_validator("scores")
    @classmethod
    def _range(cls, v: dict[str, int]) -> dict[str, int]:
        for k, s in v.items():
            if not 1 <= s <= 4:
                raise ValueError(f"score for {k} must be 1..4, got {s}")
        return v


class DebriefTurn(BaseModel):
    """One turn of the debrief: `speaker` makes a `move` (optionally `to` another
    persona) in `round` (1-based), citing `evidence`; `vote` is the speaker's vote
    after the turn and `reason` says why it changed (required when it did)."""

    round: int
    speaker: str
    move: Move
    to: str | None = None
    text: str
    evidence: list[Evidence] = Field(default_factory=list)
    vote: Vote
    previous_vote: Vote | None = None
    reason: str | None = None


class Decision(BaseModel):
    """The committee outcome and the rule that produced it (e.g. `majority`,
    `tie`, `failed-dimension:values`, `veto:research-lead`)."""

    outcome: Literal["hire", "no_hire"]
    rule: str
    explanation: str


class FeedbackItem(BaseModel):
    """Coaching for one rubric dimension: the quote that drove the score, what a
    strong answer would add, and red flags to remove (readable names in
    `remove_flags`, their signal ids in `remove_signals`).

    `kind` is "weak" (mean score below 3), "reach-4" (the next step on the weakest
    dimension of a packet with none below 3) or "case-prompts" (scenario case prompts
    the packet does not appear to answer; `dimension` is then "case_prompts", `score`
    the coverage on the 1..4 scale and `case_prompts` their ids) or "check" (red
    readings the engine is unsure of, on a dimension with no other item).
    `check_signals` are the ids of uncertain red readings: points for the candidate to
    check and make unambiguous, never to remove."""

    dimension: str
    score: float
    quote: str | None = None
    advice: str
    remove_flags: list[str] = Field(default_factory=list)
    remove_signals: list[str] = Field(default_factory=list)
    check_signals: list[str] = Field(default_factory=list)
    kind: str = "weak"
    case_prompts: list[str] = Field(default_factory=list)


QuestionKind = Literal["silent-dimension", "unsure-reading", "unanswered-prompt"]


class Question(BaseModel):
    """A follow-up question a persona asks the candidate after the blind reviews
    (`committee review --questions`). `id` is q1, q2, ... in asking order; `dimension`
    the rubric dimension an answer bears on; `kind` why it is asked: a must-pass
    dimension the packet leaves silent, a red reading the engine is unsure of (`quote`
    is then the packet span asked about) or a case prompt left unanswered (`case_prompt`
    its id). `text` is the persona's question, shown to the candidate as written."""

    id: str
    persona: str
    dimension: str | None = None
    text: str = Field(min_length=1, max_length=1000)
    kind: QuestionKind = "silent-dimension"
    quote: str | None = None
    case_prompt: str | None = None


class Usage(BaseModel):
    """Token usage and cost of LLM calls (all zero for the offline engine)."""

    calls: int = Field(0, description="Requests sent and answered (a repair request counts as one).")
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0
    dropped_quotes: int = Field(
        0, description="Evidence items an engine dropped: quote not verbatim in the packet, or unknown signal."
    )
    failed_calls: int = Field(
        0,
        description="Engine calls (a review or a turn) that failed for good; their tokens and cost are included above.",
    )

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})


class PacketRef(BaseModel):
    key: str
    revision: int
    sha256: str


class EngineRef(BaseModel):
    name: str
    model: str | None = None

    def label(self) -> str:
        """`engine / model` (or just the engine), as reports print who voiced a persona."""
        return f"{self.name} / {self.model}" if self.model else self.name


class Timing(BaseModel):
    """Seconds: `wall_s` for the whole run, `engine_s` summed over engine calls."""

    wall_s: float = 0.0
    engine_s: float = 0.0


class RunResult(BaseModel):
    """The `review --json` contract object (see design.md)."""

    run_id: str
    packet: PacketRef
    scenario: str
    engine: EngineRef
    protocol: Protocol
    personas: list[str]
    reviews: list[Review]
    debrief: list[DebriefTurn]
    votes: dict[str, Vote]
    decision: Decision
    feedback: list[FeedbackItem] = Field(default_factory=list)
    integrity: list[Evidence] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    usage_by_persona: dict[str, Usage] = Field(
        default_factory=dict, description="Usage per persona (review and turns)."
    )
    persona_engines: dict[str, EngineRef] = Field(
        default_factory=dict, description="The engine and model that voiced each persona."
    )
    timing: Timing = Field(default_factory=Timing)
    questions: list[Question] = Field(
        default_factory=list, description="Follow-up questions the committee asked (a run made with --questions)."
    )
    answers: dict[str, str] = Field(
        default_factory=dict, description="The candidate's answers, by question id (empty: not answered)."
    )
    parent_run_id: str | None = Field(None, description="A what-if fork: the run it was forked from.")
    changed: dict[str, Any] | None = Field(None, description="A what-if fork: the change it makes (`graph.fork`).")

    @model_serializer(mode="wrap")
    def _optional_parts(self, handler):
        """`questions` and `answers` appear in the JSON only for a run that asked
        questions, `parent_run_id` and `changed` only for a what-if fork, so the
        `review --json` contract of every other run is unchanged."""
        out = handler(self)
        if isinstance(out, dict):
            if not self.questions:
                out.pop("questions", None)
                out.pop("answers", None)
            if self.parent_run_id is None:
                out.pop("parent_run_id", None)
                out.pop("changed", None)
        return out


class AwaitingAnswers(BaseModel):
    """What `review --questions --json` prints for a run paused for the candidate's
    answers (design.md, issue 17): the run, its status and the questions. `committee
    answer RUN_ID` continues it."""

    run_id: str
    status: Literal["awaiting_answers"] = "awaiting_answers"
    packet: PacketRef
    questions: list[Question]


# ----------------------------------------------------------------- engine calls


class Context(BaseModel):
    """What every engine call sees (the graph's runtime context): the packet, the
    scenario, the scenario's signals (id -> Signal), the panel (persona id -> Persona,
    in speaking order) and the integrity concerns found at intake (evidence with an
    `injection` signal id).

    A frozen pydantic model that round-trips through JSON (`model_dump_json` /
    `model_validate_json`; pass `context={"stored": True}` to keep persona numbers
    outside today's ranges), so LangGraph Server's JSON context, which LangGraph turns
    into `Context(**dict)`, becomes real models. Raises pydantic's ValidationError."""

    model_config = ConfigDict(frozen=True)

    packet: Packet
    scenario: Scenario
    signals: dict[str, Signal]
    panel: dict[str, Persona]
    integrity: list[Evidence] = Field(default_factory=list)


class TurnRequest(BaseModel):
    """A request for one debrief turn: `speaker` speaks in `round` (1-based), having
    seen `transcript` (the turns visible to it under the protocol), with everyone's
    blind `reviews` (persona id -> Review) and current `votes`. A frozen pydantic
    model that round-trips through JSON."""

    model_config = ConfigDict(frozen=True)

    speaker: str
    round: int
    max_rounds: int
    protocol: str
    reviews: dict[str, Review]
    transcript: list[DebriefTurn]
    votes: dict[str, Vote]
