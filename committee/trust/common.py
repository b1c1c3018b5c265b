"""Shared pieces of the trust studies: how to run one committee (a `RunSpec` over the
runner API), a compact summary of a run (the four votes and the decision), packets
derived from a candidate's packet, and small vote arithmetic."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from committee.catalog import default_catalog
from committee.intake.packets import KEY_RE, split_sections
from committee.models import Packet, RunResult, Vote

VOTES = [v.value for v in Vote]  # strong_hire .. strong_no_hire

# A study progress callback: (done, total, label). Multi-run commands draw it on stderr.
StudyProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RunSpec:
    """How each run of a study is made (the arguments of `committee.graph.runner.prepare`)."""

    scenario: str | None = None
    engine: str = "offline"
    rounds: int = 2
    protocol: str = "simultaneous"
    personas: list[str] | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)
    persona_engines: list[str] | None = None  # PERSONA=ENGINE items (a mixed panel)
    persona_models: list[str] | None = None  # PERSONA=MODEL items

    @property
    def panel(self) -> list[str]:
        return list(self.personas or default_catalog().default_panel)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def new_study_id(kind: str) -> str:
    return f"{kind[:4]}-{uuid.uuid4().hex[:10]}"


class RunRecorder:
    """A study's view of `store`: everything passes through, and the id of each run
    created through it is noted in `run_ids` (in order), so a study cut short (it failed,
    or a Streamlit rerun stopped the script running it) can still account for the runs
    it made (`save_unfinished`)."""

    def __init__(self, store):
        self.store = store
        self.run_ids: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self.store, name)

    def create_run(self, run_id: str, *args, **kwargs):
        out = self.store.create_run(run_id, *args, **kwargs)
        self.run_ids.append(run_id)
        return out


def unfinished_kind(kind: str) -> str:
    """The study kind that holds the runs of a cut-short `kind` study ("stability" ->
    "stability-unfinished"): listed by no page or command that lists `kind` studies."""
    return f"{kind}-unfinished"


def save_unfinished(
    store, kind: str, run_ids: list[str], *, engine: str, packet_key: str | None = None, why: str = ""
) -> str | None:
    """Store the runs of a `kind` study that did not finish as one study row of kind
    `unfinished_kind(kind)`, so every study run belongs to a stored study; returns its id
    (None, and nothing written, without runs). Its summary: {"kind", "unfinished": True,
    "why", "runs"} (the number of runs)."""
    if not run_ids:
        return None
    study_id = new_study_id(kind)
    store.save_study(
        study_id,
        unfinished_kind(kind),
        engine=engine,
        packet_key=packet_key,
        params={"why": why},
        summary={"kind": kind, "unfinished": True, "why": why, "runs": len(run_ids)},
        run_ids=list(run_ids),
    )
    return study_id


def orphan_study_runs(store, runs: dict[str, str]) -> set[str]:
    """The ids of `runs` (run id -> packet key) made under a study's own packet key
    (`KEY--stability`, ...) that no stored study lists. Every attempt lists its runs since
    `save_unfinished`; older versions left such runs when a rerun cut a study short.
    Pages that count study runs leave these out."""
    from committee.store.runs import STUDY_KEY_SUFFIXES

    candidates = {rid for rid, key in runs.items() if key.endswith(STUDY_KEY_SUFFIXES)}
    if not candidates:
        return set()
    listed = {r for study in store.list_studies(limit=1_000_000) for r in study["run_ids"]}
    return candidates - listed


def _prepare(packet: Packet, spec: RunSpec, personas: list[str] | None, catalog):
    """`graph.runner.prepare` for `packet` under `spec` (the panel in `personas`' order
    when given). Raises BadInput like `committee review`."""
    from committee.graph.runner import prepare

    return prepare(
        packet,
        scenario=spec.scenario,
        engine=spec.engine,
        rounds=spec.rounds,
        protocol=spec.protocol,
        personas=personas or spec.personas,
        engine_options=spec.engine_options,
        catalog=catalog,
        persona_engines=spec.persona_engines,
        persona_models=spec.persona_models,
    )


def run_once(store, packet: Packet, spec: RunSpec, *, personas: list[str] | None = None, catalog=None) -> RunResult:
    """One ordinary stored run of `packet` under `spec` (optionally with the panel in
    another speaking order). Raises BadInput / EngineFailed like `committee review`."""
    from committee.graph.runner import start_run

    return start_run(store, _prepare(packet, spec, personas, catalog))


def validate_spec(packet: Packet, spec: RunSpec, catalog=None) -> bool:
    """Raise BadInput before anything is written if `spec` cannot run on `packet`;
    returns whether its runs are deterministic (every engine on the panel is)."""
    return _prepare(packet, spec, None, catalog).engine.deterministic


def summarize(result: RunResult, order: Iterable[str] | None = None) -> dict[str, Any]:
    """The compact view of a run every trust command prints: sealed (blind) and final
    votes per persona (in `order`, default the run's panel order), rubric scores per
    persona and the decision."""
    order = list(order or result.personas)
    sealed = {r.persona: r.vote.value for r in result.reviews}
    return {
        "run_id": result.run_id,
        "packet": {"key": result.packet.key, "revision": result.packet.revision},
        "sealed": {p: sealed[p] for p in order if p in sealed},
        "votes": {p: result.votes[p].value for p in order if p in result.votes},
        "scores": {
            r.persona: dict(r.scores)
            for r in sorted(result.reviews, key=lambda r: order.index(r.persona) if r.persona in order else len(order))
        },
        "decision": {"outcome": result.decision.outcome, "rule": result.decision.rule},
    }


def side(vote: str | Vote) -> str:
    """'hire' or 'no_hire': the side of the table a vote sits on."""
    return "hire" if Vote(vote).is_hire else "no_hire"


def distribution(votes: Iterable[str]) -> dict[str, int]:
    """Counts of each of the four votes (all four keys present, in scale order)."""
    c = Counter(votes)
    return {v: c.get(v, 0) for v in VOTES}


def derived_key(key: str, suffix: str) -> str:
    """The lineage key for a study's variants (`KEY--suffix`, `suffix` one of
    `store.STUDY_KINDS`), so shuffled or swapped texts never become revisions of the
    candidate's own packet."""
    base = key[: 200 - len(suffix) - 2]
    out = f"{base}--{suffix}"
    return out if KEY_RE.match(out) else f"packet--{suffix}"


def with_text(packet: Packet, text: str, *, key: str | None = None, candidate: str | None | object = ...) -> Packet:
    """A copy of `packet` with new body `text` (sections re-split, so every section's
    `start` indexes the new text) and front matter kept (candidate, scenario, meta)."""
    return Packet(
        key=key or packet.key,
        revision=0,
        candidate=packet.candidate if candidate is ... else candidate,
        scenario=packet.scenario,
        text=text,
        sections=split_sections(text),
        meta=dict(packet.meta),
        source=packet.source,
    )
