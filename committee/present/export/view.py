"""The one view model of the exported report: what the Markdown and the HTML templates
both show, as plain (unescaped) values; each template escapes for its own format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from committee.catalog import default_catalog
from committee.errors import BadInput, CommitteeError
from committee.models import Evidence, RunResult, Vote
from committee.trust.conformity import run_conformity

DISCLAIMER = (
    "A practice simulation by a fictional committee: personas, rules and votes are invented for "
    "preparation and say nothing about any real company's process."
)


def gather(store, run_id: str) -> dict[str, Any]:
    """What the report of stored run `run_id` is made from: `result` (RunResult),
    persona `names` and `titles` (id -> text; {} when the catalog does not load), the
    run's `scenario` (None when unknown), the reviewed `packet` (None when its revision
    is gone), the run's `conformity` (`trust.conformity.run_conformity`) and, for a
    what-if fork, `fork`: the parent and the fork side by side
    (`compare.RunComparison`; None for any other run or when the parent is gone).
    Raises BadInput for an unknown run or one without a result."""
    result = store.get_result(run_id)
    if result is None:
        row = store.get_run(run_id)
        raise BadInput(
            f"run {run_id} has no result to export (status: {row.shown_status}); finish it with `{row.finish_command}`"
        )
    try:
        cat = default_catalog()
        names = {p.id: p.name for p in cat.personas.values()}
        titles = {p.id: p.title for p in cat.personas.values()}
        scenario = cat.scenarios.get(result.scenario)
    except CommitteeError:
        names, titles, scenario = {}, {}, None
    try:
        packet = store.get_revision(result.packet.key, result.packet.revision)
    except BadInput:
        packet = None
    fork = None
    if result.parent_run_id:  # a what-if fork: its parent beside it (None when the parent is gone)
        from committee.present.compare import compare_runs

        try:
            fork = compare_runs(store, result.parent_run_id, run_id)
        except BadInput:
            fork = None
    return {
        "result": result,
        "names": names,
        "titles": titles,
        "scenario": scenario,
        "packet": packet,
        "conformity": run_conformity(result, scenario),
        "fork": fork,
    }


@dataclass(frozen=True)
class Sealed:
    """What the rules give on the sealed (blind) votes: `decision` ("hire" | "no hire"),
    its `rule`, and `same` ("the same outcome" | "a different outcome")."""

    decision: str
    rule: str
    same: str


@dataclass(frozen=True)
class VoteRow:
    """One persona's line of the votes table: display name, who voiced it ("engine /
    model"), sealed and final vote, whether and which way it changed ("no" | "yes,
    toward the sealed majority" ...), confidence as shown ("0.85") and summary."""

    persona: str
    voice: str
    sealed: Vote | None
    final: Vote | None
    changed: str
    confidence: str
    summary: str


@dataclass(frozen=True)
class ReviewView:
    """A blind review: the persona's display name, vote, summary, rubric scores
    (dimension id -> 1..4) and the evidence it cites."""

    persona: str
    vote: Vote | None
    summary: str
    scores: dict[str, int]
    evidence: list[Evidence]


@dataclass(frozen=True)
class TurnView:
    """A debrief turn: round (1-based), speaker and addressee (display names; `to` None
    when the turn addresses everyone), move, vote, text, evidence, and the reason under
    `reason_label` ("Vote changed" for a turn that moved its vote, else "Why")."""

    round: int
    speaker: str
    to: str | None
    move: str
    vote: Vote | None
    text: str
    evidence: list[Evidence]
    reason: str | None
    reason_label: str


@dataclass(frozen=True)
class FeedbackView:
    """Coaching on one weak dimension: its readable name, mean score as shown ("2.5"),
    advice, the quote that pulled it down (or None) and the red flags to remove."""

    dimension: str
    score: str
    advice: str
    quote: str | None
    remove_flags: list[str]


@dataclass(frozen=True)
class ForkVoteRow:
    """One persona in the parent and the fork: display name, sealed and final vote on
    each side (None where the persona is not on that panel)."""

    persona: str
    parent_sealed: Vote | None
    parent_final: Vote | None
    fork_sealed: Vote | None
    fork_final: Vote | None


@dataclass(frozen=True)
class ForkTurnRow:
    """A debrief turn that differs: round, speaker (display name) and the turn on each
    side as one line ("move, vote: text"; "(no turn)" where there is none)."""

    round: int
    speaker: str
    parent: str
    fork: str


@dataclass(frozen=True)
class ForkView:
    """A what-if fork beside its parent: the parent's run id, the change as text, both
    decisions ("Hire" | "No Hire" and the rule), whether it changed, the votes and the
    turns that differ (`same_turns` counts the turns that are the same)."""

    parent_run_id: str
    change: str
    parent_outcome: str
    parent_rule: str
    fork_outcome: str
    fork_rule: str
    decision_changed: bool
    votes: list[ForkVoteRow]
    turns: list[ForkTurnRow]
    same_turns: int


def _fork_view(c, name) -> ForkView:
    from committee.present.compare import change_text

    label = lambda o: "Hire" if o == "hire" else "No Hire"  # noqa: E731
    sealed = {v.persona: v for v in c.sealed}

    def line(t: dict | None) -> str:
        if t is None:
            return "(no turn)"
        to = f" → {name(t['to'])}" if t.get("to") else ""
        return f"{t['move']}{to}, {Vote(t['vote']).label}: {t['text']}"

    return ForkView(
        parent_run_id=c.before.run_id,
        change=change_text(c.changed, {p: name(p) for p in c.before.personas + c.after.personas}),
        parent_outcome=label(c.before.outcome),
        parent_rule=c.before.rule,
        fork_outcome=label(c.after.outcome),
        fork_rule=c.after.rule,
        decision_changed=c.decision_changed,
        votes=[
            ForkVoteRow(
                persona=name(v.persona),
                parent_sealed=_vote(sealed[v.persona].before),
                parent_final=_vote(v.before),
                fork_sealed=_vote(sealed[v.persona].after),
                fork_final=_vote(v.after),
            )
            for v in c.votes
        ],
        turns=[ForkTurnRow(d.round, name(d.speaker), line(d.before), line(d.after)) for d in c.turns],
        same_turns=c.same_turns,
    )


@dataclass(frozen=True)
class Report:
    """The whole report of one run, in reading order. `scenario` is the scenario's title
    (its id when unknown); `model` is None for an engine without one; `outcome` is
    "hire" | "no_hire" and `outcome_label` "Hire" | "No Hire"; `sealed` is None when the
    sealed votes give no decision; `integrity` holds the flagged quotes; `packet_text`
    is None when the reviewed revision is gone; `exported` is the local time of export
    ("YYYY-MM-DD HH:MM")."""

    key: str
    revision: int
    disclaimer: str
    candidate: str | None
    run_id: str
    scenario: str
    engine: str
    model: str | None
    protocol: str
    outcome: str
    outcome_label: str
    rule: str
    explanation: str
    sealed: Sealed | None
    votes: list[VoteRow]
    integrity: list[str]
    reviews: list[ReviewView]
    turns: list[TurnView]
    feedback: list[FeedbackView]
    packet_text: str | None
    exported: str
    fork: ForkView | None = None  # a what-if fork: its parent beside it

    @property
    def title(self) -> str:
        return f"Debrief report: {self.key} (revision {self.revision})"


def _vote(v: str | Vote | None) -> Vote | None:
    return Vote(v) if v else None


def report_view(ctx: dict[str, Any]) -> Report:
    """The view model of the report from `gather`'s context."""
    r: RunResult = ctx["result"]
    name = lambda p: ctx["names"].get(p, p)  # noqa: E731
    conf = ctx["conformity"]
    packet = ctx["packet"]
    sealed = None
    if "sealed_decision" in conf:
        sealed = Sealed(
            decision=conf["sealed_decision"].replace("_", " "),
            rule=conf["sealed_rule"],
            same="the same outcome" if not conf["decision_changed"] else "a different outcome",
        )
    changes = {c["persona"]: c for c in conf["personas"]}
    votes = []
    for rv in r.reviews:
        c = changes.get(rv.persona, {})
        votes.append(
            VoteRow(
                persona=name(rv.persona),
                voice=r.persona_engines[rv.persona].label() if rv.persona in r.persona_engines else r.engine.label(),
                sealed=_vote(rv.vote),
                final=_vote(r.votes.get(rv.persona)),
                changed=f"yes, {c.get('direction') or ''} the sealed majority" if c.get("changed") else "no",
                confidence=f"{rv.confidence:.2f}",
                summary=rv.summary,
            )
        )
    return Report(
        key=r.packet.key,
        revision=r.packet.revision,
        disclaimer=DISCLAIMER,
        candidate=packet.candidate if packet and packet.candidate else None,
        run_id=r.run_id,
        scenario=ctx["scenario"].title if ctx["scenario"] else r.scenario,
        engine=r.engine.name,
        model=r.engine.model or None,
        protocol=r.protocol,
        outcome=r.decision.outcome,
        outcome_label="Hire" if r.decision.outcome == "hire" else "No Hire",
        rule=r.decision.rule,
        explanation=r.decision.explanation,
        sealed=sealed,
        votes=votes,
        integrity=[e.quote for e in r.integrity],
        reviews=[
            ReviewView(
                persona=name(rv.persona),
                vote=_vote(rv.vote),
                summary=rv.summary,
                scores=rv.scores,
                evidence=rv.evidence,
            )
            for rv in r.reviews
        ],
        turns=[
            TurnView(
                round=t.round,
                speaker=name(t.speaker),
                to=name(t.to) if t.to else None,
                move=t.move,
                vote=_vote(t.vote),
                text=t.text,
                evidence=t.evidence,
                reason=t.reason or None,
                reason_label="Vote changed" if t.previous_vote is not None and t.vote != t.previous_vote else "Why",
            )
            for t in r.debrief
        ],
        feedback=[
            FeedbackView(
                dimension=f.dimension.replace("_", " "),
                score=f"{f.score:.1f}",
                advice=f.advice,
                quote=f.quote or None,
                remove_flags=list(f.remove_flags),
            )
            for f in r.feedback
        ],
        packet_text=packet.text if packet else None,
        exported=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        fork=_fork_view(ctx["fork"], name) if ctx.get("fork") is not None else None,
    )
