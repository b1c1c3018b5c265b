"""Conformity: sealed vs final votes per run, and stats over scripted stored runs where
every flip, its direction and every decision change is known in advance."""

from __future__ import annotations

from committee.catalog import default_catalog
from committee.intake.packets import parse_packet
from committee.models import Vote
from committee.trust.common import RunSpec, run_once
from committee.trust.conformity import conformity_stats, run_conformity, sealed_majority, stored_results
from tests.test_trust_fakes import FlipEngine, register  # noqa: F401

RL, SL, VP, HM = "research-lead", "safety-lead", "vp-product", "hiring-manager"

PLANS = {
    # vp crosses to the sealed majority (toward); the decision stays no_hire
    "run1": (
        {RL: "no_hire", SL: "no_hire", VP: "hire", HM: "no_hire"},
        {RL: "no_hire", SL: "no_hire", VP: "no_hire", HM: "no_hire"},
    ),
    # vp softens strong_hire -> hire (away from the hire majority); hm crosses toward it
    "run2": (
        {RL: "hire", SL: "hire", VP: "strong_hire", HM: "no_hire"},
        {RL: "hire", SL: "hire", VP: "hire", HM: "hire"},
    ),
    # rl hardens to strong_no_hire (away from the hire majority): a veto, the debate changes the decision
    "run3": (
        {RL: "no_hire", SL: "hire", VP: "hire", HM: "strong_hire"},
        {RL: "strong_no_hire", SL: "hire", VP: "hire", HM: "strong_hire"},
    ),
    # nobody moves
    "run4": ({RL: "hire", SL: "hire", VP: "hire", HM: "hire"}, {RL: "hire", SL: "hire", VP: "hire", HM: "hire"}),
}


def _runs(store, register):  # noqa: F811
    spec = RunSpec(engine=register(FlipEngine(PLANS)), scenario="safety-pm", rounds=2)
    return {k: run_once(store, parse_packet(f"---\npacket: {k}\n---\n## Case\nA plan for {k}.\n"), spec) for k in PLANS}


def test_sealed_majority():
    assert sealed_majority({"a": Vote.hire, "b": Vote.hire, "c": Vote.no_hire}) == "hire"
    assert sealed_majority({"a": Vote.hire, "b": Vote.no_hire}) is None
    assert sealed_majority({"a": Vote.strong_no_hire, "b": Vote.no_hire, "c": Vote.hire}) == "no_hire"


def test_per_run_conformity(store, register):  # noqa: F811
    res = _runs(store, register)
    sc = default_catalog().scenario("safety-pm")
    r1 = run_conformity(res["run1"], sc)
    vp = next(r for r in r1["personas"] if r["persona"] == VP)
    assert (vp["sealed"], vp["final"], vp["changed"], vp["crossed"], vp["direction"]) == (
        "hire",
        "no_hire",
        True,
        True,
        "toward",
    )
    assert vp["round"] == 1 and vp["reason"] == "scripted change"
    assert r1["decision_changed"] is False and r1["sealed_decision"] == "no_hire"
    r3 = run_conformity(res["run3"], sc)
    assert res["run3"].decision.rule == "veto:research-lead"
    assert r3["sealed_decision"] == "hire" and r3["final_decision"] == "no_hire" and r3["decision_changed"] is True
    rl = next(r for r in r3["personas"] if r["persona"] == RL)
    assert rl["direction"] == "away" and rl["crossed"] is False


def test_stats_flip_rates_decision_changes_and_direction(store, register):  # noqa: F811
    _runs(store, register)
    st = conformity_stats(stored_results(store))
    assert st["runs"] == 4
    p = st["personas"]
    assert (p[RL]["changed"], p[RL]["flip_rate"]) == (1, 0.25)
    assert (p[SL]["changed"], p[SL]["flip_rate"]) == (0, 0.0)
    assert (p[VP]["changed"], p[VP]["flip_rate"], p[VP]["crossed"]) == (2, 0.5, 1)
    assert (p[HM]["changed"], p[HM]["flip_rate"], p[HM]["cross_rate"]) == (1, 0.25, 0.25)
    assert (p[VP]["toward"], p[VP]["away"]) == (1, 1)
    assert st["decision_changed"] == 1 and st["decision_changed_rate"] == 0.25
    assert st["decision_changed_to"] == {"hire": 0, "no_hire": 1}
    f = st["flips"]
    assert (f["changed"], f["toward"], f["away"], f["no_majority"]) == (4, 2, 2, 0)
    assert f["toward_rate"] == 0.5 and (f["crossed"], f["crossed_toward"]) == (2, 2)


def test_stats_filters_and_empty(store, register):  # noqa: F811
    assert conformity_stats([])["runs"] == 0
    _runs(store, register)
    assert stored_results(store, engine="offline") == []
    assert [r.packet.key for r in stored_results(store, packet="run2")] == ["run2"]
