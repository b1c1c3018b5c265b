"""Stability: shuffled section and speaking order, vote distributions and agreement over
an LLM-like engine whose votes vary (seeded), storage of the study."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from committee.catalog import default_catalog
from committee.decision.rules import decide
from committee.errors import BadInput
from committee.intake.packets import parse_packet, read_packet
from committee.models import Vote
from committee.trust.common import RunSpec
from committee.trust.stability import run_stability, shuffle_sections
from tests.conftest import EXAMPLES
from tests.test_trust_fakes import PANEL, FirstSectionEngine, VaryingEngine, register  # noqa: F401

PACKET = """---
packet: shuffle-me
candidate: Ada Park
scenario: safety-pm
level: senior
---
Intro line before any heading.

## Resume
Seven years of product work.

## Product sense: launch
I start from the threat model.
Second paragraph of the case.

## Values
I delayed a launch once.

## Negotiation
Equity over cash.
"""


def test_shuffle_keeps_front_matter_preamble_and_every_section_verbatim():
    p = parse_packet(PACKET)
    seen_orders = set()
    for seed in range(12):
        v, order = shuffle_sections(p, random.Random(seed), key="shuffle-me--stability")
        seen_orders.add(tuple(order))
        assert (v.key, v.candidate, v.scenario) == ("shuffle-me--stability", "Ada Park", "safety-pm")
        assert v.meta == p.meta and v.meta["level"] == "senior"
        assert v.text.startswith("Intro line before any heading.")
        assert sorted(order) == sorted(s.title for s in p.sections if s.title != "Preamble")
        assert [s.title for s in v.sections[1:]] == order
        for s in v.sections:  # offsets index the shuffled text
            assert v.text[s.start : s.start + len(s.text)] == s.text
        assert {s.title: s.text for s in v.sections} == {s.title: s.text for s in p.sections}
    assert len(seen_orders) > 3


def test_shuffle_of_a_packet_without_headings_is_a_no_op():
    p = parse_packet("Just one block of text about the threat model.\n")
    v, order = shuffle_sections(p, random.Random(1))
    assert v.text == p.text and order == ["Packet"]


WEIGHTS = {
    "research-lead": [0.1, 0.3, 0.4, 0.2],
    "safety-lead": [0.0, 0.5, 0.5, 0.0],
    "vp-product": [0.3, 0.5, 0.2, 0.0],
    "hiring-manager": [0.0, 0.0, 1.0, 0.0],  # always no_hire
}


def test_stability_over_varying_engine_reports_distribution_and_agreement(store, register):  # noqa: F811
    eng = VaryingEngine(WEIGHTS, seed=11)
    spec = RunSpec(engine=register(eng), protocol="round-robin", rounds=1)
    k = 24
    rep = run_stability(store, read_packet(EXAMPLES / "strong-safety-pm.md"), runs=k, spec=spec, seed=5)
    s = rep["summary"]
    assert s["runs"] == k and len(rep["runs"]) == k
    # recompute what the engine gave: run i is every persona's i-th draw
    expected = {p: [eng.draw(p, n).value for n in range(k)] for p in PANEL}
    for p in PANEL:
        assert s["personas"][p]["sealed"] == {v: expected[p].count(v) for v in [x.value for x in Vote]}
        assert s["personas"][p]["final"] == s["personas"][p]["sealed"]  # the engine holds in the debrief
    assert s["personas"]["hiring-manager"]["final"]["no_hire"] == k
    assert s["personas"]["hiring-manager"]["agreement"] == 1.0
    assert len([v for v, c in s["personas"]["research-lead"]["final"].items() if c]) >= 3  # it really varies
    rules = default_catalog().scenario("safety-pm").rules
    outcomes = []
    for i in range(k):
        votes = {p: Vote(expected[p][i]) for p in PANEL}
        outcomes.append(decide(votes, [], rules).outcome)
    counts = Counter(outcomes)
    modal = max(counts, key=lambda o: (counts[o], o == "no_hire"))
    assert s["modal_decision"] == modal
    assert s["agreement"] == round(counts[modal] / k, 4)
    assert 0.5 <= s["agreement"] < 1.0  # the committee is not unanimous across samples
    assert s["decisions"] == {"hire": counts["hire"], "no_hire": counts["no_hire"]}
    for r in rep["runs"]:  # per run: the four votes and the decision
        assert set(r["votes"]) == set(PANEL) and r["decision"]["outcome"] in ("hire", "no_hire")


def test_speaking_order_is_shuffled_per_run_and_reproducible(tmp_path, register):  # noqa: F811
    from committee.store.runs import Store

    orders = []
    for attempt in range(2):
        eng = VaryingEngine({p: [0, 1, 0, 0] for p in PANEL})
        spec = RunSpec(engine=register(eng), protocol="round-robin", rounds=1)
        with Store(tmp_path / f"s{attempt}.db") as st:
            rep = run_stability(st, read_packet(EXAMPLES / "strong-safety-pm.md"), runs=6, spec=spec, seed=42)
        spoken = [sp for _, sp in eng.turns]
        runs = [spoken[i : i + 4] for i in range(0, len(spoken), 4)]
        assert runs == [r["speaking_order"] for r in rep["runs"]]  # the engine heard them in that order
        orders.append(
            ([r["speaking_order"] for r in rep["runs"]], [r["section_order"] for r in rep["runs"]], eng.first_sections)
        )
    assert orders[0] == orders[1]  # same seed, same orders
    assert len({tuple(o) for o in orders[0][0]}) > 1
    assert len({tuple(o) for o in orders[0][1]}) > 1
    assert len(set(orders[0][2])) > 1  # engines really saw different first sections


def test_order_sensitive_engine_shows_up_as_low_agreement(store, register):  # noqa: F811
    eng = FirstSectionEngine(hire_when_first="Resume")
    rep = run_stability(
        store, read_packet(EXAMPLES / "strong-safety-pm.md"), runs=12, spec=RunSpec(engine=register(eng)), seed=1
    )
    s = rep["summary"]
    firsts = Counter(r["section_order"][0] for r in rep["runs"])
    assert s["decisions"]["hire"] == firsts["Resume"]
    assert 0 < s["decisions"]["hire"] < 12 and s["agreement"] < 1.0


def test_study_and_runs_are_stored_under_a_derived_key(store, register):  # noqa: F811
    eng = VaryingEngine({p: [0, 1, 0, 0] for p in PANEL})
    packet = read_packet(EXAMPLES / "strong-safety-pm.md")
    rep = run_stability(store, packet, runs=3, spec=RunSpec(engine=register(eng)), seed=0)
    row = store.get_study(rep["study_id"])
    assert row["kind"] == "stability" and row["packet_key"] == packet.key
    assert row["run_ids"] == [r["run_id"] for r in rep["runs"]]
    assert row["summary"]["summary"]["agreement"] == 1.0
    for rid in row["run_ids"]:
        res = store.get_result(rid)
        assert res is not None and res.packet.key == f"{packet.key}--stability"
        text = store.get_revision(res.packet.key, res.packet.revision).text
        for r in res.reviews:  # evidence is verbatim in the shuffled text that was stored
            assert all(text[e.start : e.start + len(e.quote)] == e.quote for e in r.evidence)
    assert packet.key not in store.packet_keys()  # the candidate's lineage is untouched


@pytest.mark.parametrize("runs", [0, -1, 501])
def test_bad_run_count_is_bad_input_and_writes_nothing(store, runs):
    with pytest.raises(BadInput):
        run_stability(store, read_packet(EXAMPLES / "strong-safety-pm.md"), runs=runs)
    assert store.list_runs() == [] and store.list_studies() == []
