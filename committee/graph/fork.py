"""What-if forks of a stored debrief (`committee fork`).

A fork is a new run (its own run id, thread and row, linked to its parent by
`parent_run_id`, with the change it makes stored as `changed`) whose context is the
parent's with one change applied. It starts from the point where the change first
matters, and nothing before that point runs again:

    change               fork context                      the fork starts at
    mute P               P left off the panel              sealing the votes: every other
    protocol X           (state) protocol X                  persona's blind review is
    rounds N             (state) round limit N                kept, no review runs; the
    order P1,P2,...      panel in that speaking order         debrief runs again
    persona-weight       P's rubric weight on DIM = W      P's review: the others'
      P:DIM=W                                                reviews are kept, only P's
    swap-persona O=N     N (from the catalog) in O's seat    (N's) review runs, then the
                                                             debrief

Blind reviews see only the packet, never each other, so a review another persona's
change cannot touch is kept as it was sealed. The debrief runs again after any change:
every turn sees the panel and the protocol, and an LLM turn the round limit too. An
engine whose turns never read the limit (`Engine.turns_read_round_limit` False: the
offline one) lets a `--rounds` fork keep the rounds both limits share: the fork
starts from the parent's checkpoint after the last of them, at its tally (fewer
rounds: no turn runs; more: only the new rounds do).

How: the fork's thread is seeded with one checkpoint, written with
`graph.update_state(config, values, as_node="intake_packet")` as if the packet's intake
had just run there (its integrity concerns are the parent's) with the kept reviews in
`reviews`. The graph's own routing (`assign_reviews`) then sends a review only to the
persona that has none, or goes straight to `seal_votes`; the run continues with input
None through the runner (`_execute`), so a fork streams progress, is leased, fails and
resumes (`committee resume`) like any run. The thread is new, so the `reviews` reducer
starts empty: nothing is duplicated and no `Overwrite` is needed.

From a replay step (`plan_fork(..., from_round=R)`, the app's "What if…" on the step
shown): R is the number of debate rounds complete at that step (`rounds_complete`). A
change that acts on the debate from then on (`--protocol`, `--order`; `--rounds` for an
engine whose turns never read the limit) keeps rounds 1..R as they were spoken and
starts at the tally of round R (seeded as `speak_turn` from the parent's checkpoint
after round R), so round R+1 is the first one the change shapes; with R = 0 it starts
at sealing the votes, as above. A change a whole debrief or a blind review sees cannot
start mid-debate, and starts where it did before: `--mute` (a muted member is absent
from the whole debrief, its earlier turns included: the others heard them) at sealing
the votes, `--persona-weight`/`--swap-persona` at the changed member's review, and
`--rounds` for an engine whose turns are told the limit at sealing the votes. The plan
says where it starts (`ForkPlan.kept_rounds`, `start_reason`); a fork from a step
records `from_round` in its `changed` entry (`{"protocol": {"before", "after",
"from_round"}}`).

`plan_fork` validates everything (raises BadInput) before anything is stored;
`fork_run` stores and runs one fork; `sweep_mute` forks every single-persona mute of a
run and says how robust its decision is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from committee.catalog import Catalog, default_catalog
from committee.engines.base import Engine
from committee.engines.panel import build_panel
from committee.errors import BadInput
from committee.graph.nodes import build_graph
from committee.graph.runner import (
    MAX_ROUNDS,
    PROTOCOLS,
    Progress,
    _config,
    _execute,
    _marks_interrupt,
    _resume_options,
    context_from_json,
    context_json,
    new_run_id,
)
from committee.models import MAX_WEIGHT, Context, Persona, RunResult
from committee.store.runs import RunRow, Store

CHANGE_KINDS = ("mute", "persona_weight", "protocol", "rounds", "order", "swap_persona")
FLAGS = {k: "--" + k.replace("_", "-") for k in CHANGE_KINDS}
SWEEPS = ("mute",)


@dataclass(frozen=True)
class Change:
    """One what-if change, as given on the command line: `kind` is one of CHANGE_KINDS,
    `value` its text (`"safety-lead"`, `"safety-lead:values=3"`, `"round-robin"`,
    `3`, `"vp-product,safety-lead,..."`, `"safety-lead=ethics-lead"`)."""

    kind: str
    value: Any


def parse_change(**given: Any) -> Change:
    """The one change among keyword arguments named as CHANGE_KINDS (None = not given;
    a list is each of its items given: the CLI's options are repeatable). Raises
    BadInput when none or more than one is given, the same change twice included."""
    chosen = [
        (k, item) for k, v in given.items() if v is not None for item in (v if isinstance(v, list | tuple) else [v])
    ]
    unknown = [k for k, _ in chosen if k not in CHANGE_KINDS]
    if unknown:
        raise BadInput(f"unknown change {unknown[0]!r} (choose {', '.join(FLAGS.values())})")
    if len(chosen) != 1:
        listed = ", ".join(FLAGS[k] for k, _ in chosen) if chosen else "none"
        raise BadInput(f"a fork makes exactly one change ({', '.join(FLAGS.values())}); given: {listed}")
    return Change(*chosen[0])


@dataclass(frozen=True)
class ForkPlan:
    """A validated fork, nothing stored yet. `ctx` is the fork's run context, `panel`
    its persona ids in speaking order, `reviews` the parent's reviews it keeps (state
    dicts), `rerun` the personas whose review runs again (none for a change that starts
    at sealing the votes), `changed` what is stored and printed as `changed`."""

    parent: RunRow
    ctx: Context
    engine: Engine
    panel: list[str]
    protocol: str
    rounds: int
    reviews: list[dict]
    integrity: list[dict]
    rerun: list[str]
    changed: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    debate: dict[str, Any] | None = None  # the parent's state after the last round the fork keeps
    kept_rounds: int = 0  # debate rounds kept as spoken (0: the debrief runs again from round 1)
    start_reason: str = ""  # why the fork starts where it does (`start_of`)
    asked: dict[str, Any] = field(default_factory=dict)  # the parent's `questions` and `answers`, if it asked


# changes that act on the debate from a round boundary on (a fork from a replay step)
STEP_KINDS = ("protocol", "order", "rounds")


def rounds_complete(turns: list[dict], panel_size: int) -> int:
    """The debate rounds every member has spoken in among `turns` (turn dicts with
    `round`), counted from round 1 without a gap: what a replay step has behind it."""
    n = 0
    while sum(1 for t in turns if t.get("round") == n + 1) >= panel_size > 0:
        n += 1
    return n


def start_of(kind: str, from_round: int | None, *, spoken: int, new_rounds: int, reads_limit: bool) -> tuple[int, str]:
    """Where a fork with a change of `kind` starts: (debate rounds kept as spoken, why).
    `from_round` is the rounds complete at the replay step it is asked from (None: the
    whole run, as `committee fork`), `spoken` the rounds the parent debated,
    `new_rounds` the fork's round limit, `reads_limit` whether the engine's turns read
    the limit. The reason names no persona (a front end adds names)."""
    if kind == "mute":
        return 0, (
            "a muted member is left out of the whole debrief, its earlier turns included (the others heard "
            "them), so the fork starts at sealing the votes: every other blind review is kept"
        )
    if kind in ("persona_weight", "swap_persona"):
        return 0, (
            "the change shapes that member's blind review, so the fork starts at that review: the other "
            "members' reviews are kept and the debrief runs again from round 1"
        )
    if kind == "rounds" and reads_limit:
        return 0, (
            "every turn of this engine is told the round limit, so no spoken turn can be kept: the fork starts "
            "at sealing the votes and debates again from round 1"
        )
    if kind == "rounds" and from_round is None:  # `committee fork --rounds`: the rounds both limits share
        kept = min(new_rounds, spoken)
    elif kind in STEP_KINDS and from_round:
        kept = min(from_round, spoken, new_rounds)
    else:
        kept = 0
    if kept == 0 and from_round is None:
        return 0, "the whole debrief runs again under the change: the fork starts at sealing the votes"
    if kept == 0:
        return 0, "no debate round is complete at this step, so the fork starts at sealing the votes"
    if kind == "rounds" and from_round is not None and new_rounds < from_round:
        return kept, (
            f"the new limit is below the {from_round} rounds spoken by this step, so the fork keeps rounds "
            f"1-{kept} and ends at the tally of round {kept}"
        )
    return kept, (
        f"round{'s 1-' if kept > 1 else ' '}{kept} {'are' if kept > 1 else 'is'} kept as spoken; the fork goes on "
        f"from the tally of round {kept}, and round {kept + 1} is the first the change shapes"
    )


# the parent's state a round-limit fork keeps (the rest is the fork's own)
_DEBATE_KEYS = ("panel", "protocol", "integrity", "reviews", "debrief", "votes", "round", "next_speakers", "done")


def _on_panel(pid: str, panel: list[str], flag: str) -> str:
    pid = pid.strip()
    if pid not in panel:
        raise BadInput(f"{flag}: {pid!r} is not on the run's panel ({', '.join(panel)})")
    return pid


def _parent(store: Store, run_id: str) -> tuple[RunRow, Context, dict]:
    """The finished run `run_id` (an id, a unique prefix or `latest`): its row, context,
    final graph state and the compiled graph on the store's checkpoints. Raises
    BadInput for an unknown or unfinished run."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    if row.status != "done" or store.get_result(run_id) is None:
        raise BadInput(
            f"run {run_id} has not finished (status: {row.shown_status}): only a finished run can be forked; "
            f"`{row.finish_command}` finishes it"
        )
    ctx = context_from_json(store.get_context(run_id))
    graph = build_graph().compile(checkpointer=store.checkpointer())  # no engine: nothing can run
    values = graph.get_state({"configurable": {"thread_id": run_id}}).values
    if not values.get("reviews") or not values.get("decision"):
        raise BadInput(f"run {run_id} has no stored final checkpoint to fork from")
    return row, ctx, values, graph


def _after_round(graph, run_id: str, rnd: int, panel_size: int) -> dict[str, Any] | None:
    """The parent's state right after every turn of round `rnd` was spoken, before
    their tally (the checkpoint whose next step is `tally_turns`), or None."""
    for snap in graph.get_state_history({"configurable": {"thread_id": run_id}}):  # newest first
        v = snap.values or {}
        if tuple(snap.next) != ("tally_turns",) or v.get("round") != rnd or v.get("failures"):
            continue
        if sum(1 for t in v.get("debrief") or [] if t["round"] == rnd) == panel_size:
            return {k: v[k] for k in _DEBATE_KEYS if k in v}
    return None


def plan_fork(
    store: Store, run_id: str, change: Change, *, catalog: Catalog | None = None, from_round: int | None = None
) -> ForkPlan:
    """Validate a fork of finished run `run_id` with `change` and build its context and
    engine, writing nothing. `from_round`: the fork is asked from a replay step with that
    many debate rounds complete (`rounds_complete`); a debate change then keeps those
    rounds (`start_of` says where each kind starts and why). Raises BadInput for an unknown or unfinished run, a persona
    not on the panel (or, for --swap-persona NEW, not in the catalog or already on it),
    a mute that leaves fewer than two members, a dimension the scenario lacks, a weight
    outside 0..MAX_WEIGHT (or one that leaves the persona no positive weight), an
    unknown protocol, rounds outside 1..MAX_ROUNDS, an order that is not the panel
    reordered, a change that changes nothing, or an engine that cannot be built."""
    row, ctx, values, graph = _parent(store, run_id)
    panel = list(values["panel"])
    protocol, rounds = values["protocol"], int(values["max_rounds"])
    personas: dict[str, Persona] = dict(ctx.panel)
    reviews = list(values["reviews"])
    rerun: list[str] = []
    kind, value = change.kind, change.value
    flag = FLAGS.get(kind, kind)
    if kind == "mute":
        pid = _on_panel(str(value), panel, flag)
        if len(panel) - 1 < 2:
            raise BadInput(f"{flag} {pid}: a committee needs at least two members, and this run has {len(panel)}")
        panel.remove(pid)
        personas.pop(pid)
        changed: dict[str, Any] = {"mute": pid}
    elif kind == "persona_weight":
        text = str(value)
        who, sep, weight = text.rpartition("=")
        pid, colon, dim = who.partition(":")
        if not sep or not colon or not pid.strip() or not dim.strip() or not weight.strip():
            raise BadInput(f"{flag} takes PERSONA:DIMENSION=WEIGHT (e.g. safety-lead:values=3), got {text!r}")
        pid, dim = _on_panel(pid, panel, flag), dim.strip()
        dims = [d.id for d in ctx.scenario.dimensions]
        if dim not in dims:
            raise BadInput(f"{flag}: scenario {ctx.scenario.id} has no dimension {dim!r} ({', '.join(dims)})")
        try:
            w = float(weight)
        except ValueError:
            raise BadInput(f"{flag}: weight {weight.strip()!r} is not a number") from None
        if not math.isfinite(w) or not 0 <= w <= MAX_WEIGHT:
            raise BadInput(f"{flag}: weight {weight.strip()} is out of range (0 to {MAX_WEIGHT:g})")
        old = personas[pid].weights.get(dim, 0.0)
        if w == old:
            raise BadInput(f"{flag}: {pid} already weighs {dim} at {old:g}; nothing would change")
        weights = {**personas[pid].weights, dim: w}
        if sum(weights[d] for d in dims if d in weights) <= 0:
            raise BadInput(f"{flag}: {pid} would weigh no dimension of the rubric above 0")
        personas[pid] = personas[pid].model_copy(update={"weights": weights})
        reviews = [r for r in reviews if r["persona"] != pid]
        rerun = [pid]
        changed = {"persona_weight": {"persona": pid, "dimension": dim, "before": old, "after": w}}
    elif kind == "protocol":
        new = str(value).strip()
        if new not in PROTOCOLS:
            raise BadInput(f"{flag}: unknown protocol {new!r} (choose {' or '.join(PROTOCOLS)})")
        if new == protocol:
            raise BadInput(f"{flag}: run {row.run_id} already debated {new}; nothing would change")
        changed = {"protocol": {"before": protocol, "after": new}}
        protocol = new
    elif kind == "rounds":
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise BadInput(f"{flag} takes a whole number, got {value!r}") from None
        if not 1 <= n <= MAX_ROUNDS:
            raise BadInput(f"{flag} must be between 1 and {MAX_ROUNDS}, got {n}")
        if n == rounds:
            raise BadInput(f"{flag}: run {row.run_id} already had up to {n} rounds; nothing would change")
        changed = {"rounds": {"before": rounds, "after": n}}
        rounds = n
    elif kind == "order":
        new_order = [p.strip() for p in str(value).split(",") if p.strip()]
        for p in new_order:
            _on_panel(p, panel, flag)
        if sorted(new_order) != sorted(panel) or len(set(new_order)) != len(new_order):
            raise BadInput(f"{flag} lists every member of the panel once, in a new order ({','.join(panel)})")
        if new_order == panel:
            raise BadInput(f"{flag}: that is the run's own order; nothing would change")
        changed = {"order": {"before": panel, "after": new_order}}
        panel = new_order
        personas = {p: personas[p] for p in panel}
    elif kind == "swap_persona":
        text = str(value)
        old_id, sep, new_id = (s.strip() for s in text.partition("="))
        if not sep or not old_id or not new_id:
            raise BadInput(f"{flag} takes OLD=NEW (persona ids), got {text!r}")
        old_id = _on_panel(old_id, panel, flag)
        if new_id in panel:
            raise BadInput(f"{flag}: {new_id} is already on the panel")
        newcomer = (catalog or default_catalog()).persona(new_id)  # BadInput naming the known ids
        seat = panel.index(old_id)
        panel[seat] = new_id
        personas = {(new_id if p == old_id else p): (newcomer if p == old_id else personas[p]) for p in personas}
        personas = {p: personas[p] for p in panel}
        reviews = [r for r in reviews if r["persona"] != old_id]
        rerun = [new_id]
        changed = {"swap_persona": {"before": old_id, "after": new_id}}
    else:
        raise BadInput(f"unknown change {kind!r} (choose {', '.join(FLAGS.values())})")
    reviews = [r for r in reviews if r["persona"] in panel]
    ctx = ctx.model_copy(update={"panel": {p: personas[p] for p in panel}})
    options = _resume_options(row, ctx, None)
    engine, resolved = build_panel(row.engine, options, list(ctx.panel.values()))
    ctx = ctx.model_copy(update={"panel": {p.id: p for p in resolved}})
    options.pop("http_client", None)
    debate = None
    spoken = max((t["round"] for t in values.get("debrief") or []), default=0)
    kept, why = start_of(kind, from_round, spoken=spoken, new_rounds=rounds, reads_limit=engine.turns_read_round_limit)
    if kept >= 1:
        # the kept rounds stand as they were spoken; the fork goes on from the tally of
        # the last of them, with its own panel order and protocol
        debate = _after_round(graph, row.run_id, kept, len(panel))
        if debate is None:
            kept, why = (
                0,
                "the parent has no stored checkpoint after that round, so the fork starts at sealing the votes",
            )
        else:
            debate.update(panel=list(panel), protocol=protocol)
    if from_round is not None and kind in STEP_KINDS:
        changed = {kind: {**changed[kind], "from_round": kept}}
    return ForkPlan(
        parent=row,
        ctx=ctx,
        engine=engine,
        panel=panel,
        protocol=protocol,
        rounds=rounds,
        reviews=reviews,
        integrity=list(values.get("integrity") or []),
        rerun=rerun,
        changed=changed,
        options=options,
        debate=debate,
        kept_rounds=kept,
        start_reason=why,
        asked={k: values[k] for k in ("questions", "answers") if values.get(k)},
    )


def seed_values(plan: ForkPlan, fork_id: str) -> tuple[dict[str, Any], str]:
    """The fork's first checkpoint and the node it is written as. Usually
    `intake_packet`'s output: the fork's panel, protocol and round limit, the parent's
    integrity concerns, round 0, and the reviews kept from the parent. For a round-limit
    fork whose engine's turns never read the limit (`plan.debate`): `speak_turn`'s, the
    parent's state after the last round both limits share (reviews, turns, votes) with
    the new limit, so the fork goes on from that round's tally. Either way the fork
    keeps the parent's follow-up `questions` and `answers` (its packet is the answered
    revision), so its contract object carries them as the parent's does."""
    if plan.debate is not None:
        return {**plan.asked, **plan.debate, "run_id": fork_id, "max_rounds": plan.rounds}, "speak_turn"
    return {
        **plan.asked,
        "run_id": fork_id,
        "panel": list(plan.panel),
        "protocol": plan.protocol,
        "max_rounds": plan.rounds,
        "integrity": list(plan.integrity),
        "round": 0,
        "reviews": list(plan.reviews),
    }, "intake_packet"


def run_plan(
    store: Store, plan: ForkPlan, *, progress: Progress | None = None, fork_id: str | None = None
) -> RunResult:
    """Store the fork planned by `plan_fork` as a run linked to its parent, seed its
    thread and run it to its decision. Returns its contract object, with
    `parent_run_id` and `changed`. Raises as `start_run` does (EngineFailed with the
    fork stored and resumable)."""
    fork_id = fork_id or new_run_id()
    row = plan.parent
    store.create_run(
        fork_id,
        plan.ctx.packet,
        scenario=row.scenario,
        engine=row.engine,
        model=plan.engine.model,
        protocol=plan.protocol,
        rounds=plan.rounds,
        panel=list(plan.panel),
        options=plan.options,
        context=context_json(plan.ctx),
        parent_run_id=row.run_id,
        changed=plan.changed,
    )
    link = {"parent_run_id": row.run_id, "changed": plan.changed}
    with _marks_interrupt(store, fork_id):
        if progress:
            progress(
                "start",
                {
                    "run_id": fork_id,
                    "personas": list(plan.panel),
                    "packet": row.packet_key,
                    "revision": row.revision,
                    "parent_run_id": row.run_id,
                },
            )
            for r in plan.reviews:  # the kept reviews (and turns) show at once
                progress("review", {"persona": r["persona"], "vote": r["vote"]})
            for t in (plan.debate or {}).get("debrief") or []:
                progress("turn", {k: t.get(k) for k in ("round", "speaker", "move", "vote", "to")})
        graph = build_graph().compile(checkpointer=store.checkpointer())
        config = _config(fork_id, plan.protocol, plan.rounds, len(plan.panel), plan.engine)
        values, as_node = seed_values(plan, fork_id)
        graph.update_state(config, values, as_node=as_node)
        return _execute(store, plan.engine, fork_id, None, plan.ctx, plan.protocol, plan.rounds, progress, link)


def fork_run(
    store: Store,
    run_id: str,
    change: Change,
    *,
    progress: Progress | None = None,
    catalog: Catalog | None = None,
    fork_id: str | None = None,
    from_round: int | None = None,
) -> RunResult:
    """Fork finished run `run_id` (id, unique prefix or `latest`) with one `change`,
    run the fork and return its contract object (`review --json`'s, plus
    `parent_run_id` and `changed`); `from_round` as `plan_fork`. Raises BadInput
    (nothing stored) as `plan_fork` does, EngineFailed when an engine call fails for
    good (the fork is stored and resumable)."""
    plan = plan_fork(store, run_id, change, catalog=catalog, from_round=from_round)
    return run_plan(store, plan, progress=progress, fork_id=fork_id)


# ---------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepFork:
    """One fork of a sweep: the persona muted, the fork's run id, its decision
    (`outcome`, `rule`), final votes, and whether the outcome differs from the parent's."""

    muted: str
    run_id: str
    outcome: str
    rule: str
    votes: dict[str, str]
    flips: bool


@dataclass(frozen=True)
class Sweep:
    """Every single-persona mute of run `parent_run_id`: the parent's decision
    (`outcome`, `rule`), one `SweepFork` per member in panel order, `holds` (no mute
    changes the outcome) and `turns_on` (the members whose absence changes it)."""

    parent_run_id: str
    kind: str
    outcome: str
    rule: str
    forks: list[SweepFork]

    @property
    def turns_on(self) -> list[str]:
        """Persona ids, in panel order, whose mute changes the outcome."""
        return [f.muted for f in self.forks if f.flips]

    @property
    def holds(self) -> bool:
        """True when no single mute changes the outcome."""
        return not self.turns_on

    def summary(self, names: Mapping[str, str] | None = None) -> str:
        """The coach's line: "the decision (hire) holds without any one member", or
        "the decision (hire) turns on NAME" (names joined with "and")."""
        names = names or {}
        outcome = self.outcome.replace("_", " ")
        if self.holds:
            return f"the decision ({outcome}) holds without any one member"
        who = [names.get(p, p) for p in self.turns_on]
        joined = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]
        return (
            f"the decision ({outcome}) turns on {joined}: without {'them' if len(who) > 1 else 'that member'} it flips"
        )

    def as_json(self, names: Mapping[str, str] | None = None) -> dict[str, Any]:
        """`{parent_run_id, sweep, decision{outcome, rule}, holds, turns_on, summary,
        forks[{muted, run_id, outcome, rule, votes, flips}]}` (`summary` with `names`)."""
        return {
            "parent_run_id": self.parent_run_id,
            "sweep": self.kind,
            "decision": {"outcome": self.outcome, "rule": self.rule},
            "holds": self.holds,
            "turns_on": self.turns_on,
            "summary": self.summary(names),
            "forks": [asdict(f) for f in self.forks],
        }


def sweep_mute(store: Store, run_id: str, *, progress: Progress | None = None, catalog: Catalog | None = None) -> Sweep:
    """Fork finished run `run_id` once per panel member, muting that member, and
    return how robust its decision is. Every fork is planned (validated) before any is
    stored; each is a stored run linked to the parent. Raises BadInput for an unknown or
    unfinished run or a panel of fewer than three (a mute must leave two), EngineFailed
    as `fork_run` does."""
    row, _, values, _ = _parent(store, run_id)
    panel = list(values["panel"])
    if len(panel) < 3:
        raise BadInput(f"--sweep mute: run {row.run_id} has {len(panel)} members; muting one must leave at least two")
    plans = [plan_fork(store, row.run_id, Change("mute", p), catalog=catalog) for p in panel]
    parent = values["decision"]
    forks = []
    for p, plan in zip(panel, plans):
        result = run_plan(store, plan, progress=progress)
        forks.append(
            SweepFork(
                muted=p,
                run_id=result.run_id,
                outcome=result.decision.outcome,
                rule=result.decision.rule,
                votes={q: v.value for q, v in result.votes.items()},
                flips=result.decision.outcome != parent["outcome"],
            )
        )
    return Sweep(parent_run_id=row.run_id, kind="mute", outcome=parent["outcome"], rule=parent["rule"], forks=forks)
