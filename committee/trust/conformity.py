"""Conformity: does the debate change anything, and does it pull people toward the room?

Per run (`run_conformity`): each persona's sealed (blind) vote against its final vote,
whether it changed (any step on the four-level scale) or crossed sides (hire <->
no hire), and which way it moved relative to the majority of the sealed votes.
`conformity_stats` aggregates over stored runs: flip rate per persona, how often the
debate changed the decision (the decision the committee rules give on the sealed
votes, via `committee.decision.rules.decide`, against the final decision), and how many
flips moved toward the sealed majority.

Definitions (also printed in `committee stats`):
- changed: final vote != sealed vote. crossed: the vote changed side.
- sealed majority: the side (hire / no hire) holding more than half the sealed
  votes; none on a tie.
- toward: the vote moved (in points, strong_no_hire -2 .. strong_hire +2) in the
  direction of the sealed majority side; away: the opposite; none: no majority.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from committee.catalog import default_catalog
from committee.decision.rules import decide
from committee.errors import CommitteeError
from committee.models import Decision, RunResult, Scenario, Vote

MAX_STATS_RUNS = 100_000


def sealed_majority(sealed: dict[str, Vote]) -> str | None:
    """'hire' or 'no_hire' when that side holds more than half the sealed votes."""
    hire = sum(1 for v in sealed.values() if v.is_hire)
    if hire * 2 > len(sealed):
        return "hire"
    if hire * 2 < len(sealed):
        return "no_hire"
    return None


def sealed_decision(result: RunResult, scenario: Scenario) -> Decision:
    """The decision the committee rules give on the sealed (blind) votes: what the
    committee would have decided without a debate."""
    sealed = {r.persona: r.vote for r in result.reviews}
    return decide(sealed, result.reviews, scenario.rules)


def run_conformity(result: RunResult, scenario: Scenario | None = None) -> dict[str, Any]:
    """Sealed vs final per persona for one run, plus the sealed-vote decision against
    the final one (when the scenario is known)."""
    sealed = {r.persona: r.vote for r in result.reviews}
    majority = sealed_majority(sealed)
    rows = []
    for p in result.personas:
        if p not in sealed or p not in result.votes:
            continue
        s, f = sealed[p], result.votes[p]
        delta = f.points - s.points
        if delta == 0:
            direction = None
        elif majority is None:
            direction = "none"
        else:
            direction = "toward" if (delta > 0) == (majority == "hire") else "away"
        turn = next(
            (t for t in result.debrief if t.speaker == p and t.previous_vote is not None and t.vote != t.previous_vote),
            None,
        )
        rows.append(
            {
                "persona": p,
                "sealed": s.value,
                "final": f.value,
                "changed": s != f,
                "crossed": s.is_hire != f.is_hire,
                "direction": direction,
                "round": turn.round if turn else None,
                "reason": turn.reason if turn else None,
            }
        )
    out: dict[str, Any] = {
        "run_id": result.run_id,
        "packet": result.packet.key,
        "engine": result.engine.name,
        "protocol": result.protocol,
        "sealed_majority": majority,
        "personas": rows,
        "final_decision": result.decision.outcome,
    }
    if scenario is not None:
        sd = sealed_decision(result, scenario)
        out.update(
            sealed_decision=sd.outcome, sealed_rule=sd.rule, decision_changed=sd.outcome != result.decision.outcome
        )
    return out


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def conformity_stats(results: list[RunResult], scenarios: dict[str, Scenario] | None = None) -> dict[str, Any]:
    """Aggregate conformity over finished runs (see the module doc for definitions)."""
    if scenarios is None:
        try:
            scenarios = default_catalog().scenarios
        except CommitteeError:
            scenarios = {}
    per: dict[str, Counter] = {}
    runs = changed_decisions = known = 0
    to_hire = to_no_hire = 0
    flips = Counter()
    by_protocol: dict[str, Counter] = {}
    for res in results:
        rc = run_conformity(res, scenarios.get(res.scenario))
        runs += 1
        proto = by_protocol.setdefault(res.protocol, Counter())
        proto["runs"] += 1
        if "decision_changed" in rc:
            known += 1
            proto["known"] += 1
            if rc["decision_changed"]:
                changed_decisions += 1
                proto["decision_changed"] += 1
                to_hire += rc["final_decision"] == "hire"
                to_no_hire += rc["final_decision"] == "no_hire"
        for row in rc["personas"]:
            c = per.setdefault(row["persona"], Counter())
            c["runs"] += 1
            c["changed"] += row["changed"]
            c["crossed"] += row["crossed"]
            if row["changed"]:
                flips["changed"] += 1
                flips[row["direction"]] += 1
                c[row["direction"]] += 1
                proto["changed"] += 1
                proto["toward"] += row["direction"] == "toward"
            if row["crossed"]:
                flips["crossed"] += 1
                flips[f"crossed_{row['direction']}"] += 1
            proto["votes"] += 1
    personas = {
        p: {
            "runs": c["runs"],
            "changed": c["changed"],
            "crossed": c["crossed"],
            "flip_rate": _rate(c["changed"], c["runs"]),
            "cross_rate": _rate(c["crossed"], c["runs"]),
            "toward": c["toward"],
            "away": c["away"],
            "no_majority": c["none"],
        }
        for p, c in per.items()
    }
    return {
        "runs": runs,
        "personas": personas,
        "decision_changed": changed_decisions,
        "decision_changed_rate": _rate(changed_decisions, known),
        "decision_changed_to": {"hire": to_hire, "no_hire": to_no_hire},
        "runs_with_known_scenario": known,
        "flips": {
            "changed": flips["changed"],
            "toward": flips["toward"],
            "away": flips["away"],
            "no_majority": flips["none"],
            "toward_rate": _rate(flips["toward"], flips["toward"] + flips["away"]),
            "crossed": flips["crossed"],
            "crossed_toward": flips["crossed_toward"],
            "crossed_away": flips["crossed_away"],
        },
        "by_protocol": {
            p: {
                "runs": c["runs"],
                "flip_rate": _rate(c["changed"], c["votes"]),
                "toward": c["toward"],
                "decision_changed_rate": _rate(c["decision_changed"], c["known"]),
            }
            for p, c in by_protocol.items()
        },
        "definitions": {
            "flip_rate": "share of a persona's runs whose final vote differs from its sealed (blind) vote",
            "cross_rate": "share of runs where the vote changed side (hire <-> no hire)",
            "decision_changed": "runs where the committee rules on the sealed votes give another outcome than the final decision",
            "toward": "changed votes that moved in the direction of the sealed-majority side; away: the opposite; "
            "no_majority: the sealed votes were tied",
        },
    }


def stored_results(
    store, *, limit: int = 1000, engine: str | None = None, packet: str | None = None, studies: bool = False
) -> list[RunResult]:
    """Finished runs from the store, newest first (optionally one engine or packet key;
    the studies' own runs only with `studies`). What-if forks are left out: they reuse
    their parent's sealed reviews, which would count twice; so are the unanswered twins
    (`RunRow.twin_of`), which no one started."""
    out = []
    for row in store.list_runs(limit=min(limit, MAX_STATS_RUNS), packet_key=packet, studies=studies):
        if row.status != "done" or (engine and row.engine != engine) or row.parent_run_id or row.twin_of:
            continue
        res = store.get_result(row.run_id)
        if res is not None:
            out.append(res)
    return out
