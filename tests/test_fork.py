"""What-if forks (`committee.graph.fork`) at the graph level: a scripted engine counts
every call, so a fork is seen to start where its change first matters and to repeat
nothing before it; a fork is a run of its own, linked to its parent, that replays,
resumes and stays out of the revision history."""

from __future__ import annotations

import pytest

from committee.errors import BadInput, EngineFailed
from committee.graph.fork import Change, fork_run, parse_change, plan_fork, rounds_complete, sweep_mute
from committee.graph.runner import Prepared, prepare, replay_steps, resume_run, start_run
from committee.intake.packets import read_packet
from committee.present.compare import compare_runs, history
from tests.conftest import EXAMPLES
from tests.fakes import ScriptedEngine, register

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
SPLIT = {"research-lead": "no_hire", "safety-lead": "no_hire", "vp-product": "hire", "hiring-manager": "hire"}


class CountingEngine(ScriptedEngine):
    """The scripted engine, also keeping the persona each review was asked of (its
    weights show which numbers reached the engine)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewed: list = []

    def review(self, ctx, persona):
        self.reviewed.append(persona)
        return super().review(ctx, persona)

    def reviews(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "review"]

    def turns(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "turn"]


current: dict = {}


@pytest.fixture(autouse=True)
def _register(monkeypatch):
    register(monkeypatch, "scripted", lambda: current["engine"])


def _parent(store, engine, *, personas=None, rounds=2, protocol="simultaneous"):
    current["engine"] = engine
    prep: Prepared = prepare(
        read_packet(EXAMPLES / "strong-safety-pm.md"),
        engine="scripted",
        rounds=rounds,
        protocol=protocol,
        personas=personas,
    )
    result = start_run(store, prep)
    engine.calls.clear()
    engine.reviewed.clear()
    return result


def test_a_mute_fork_makes_no_review_call_and_leaves_the_member_out(store):
    # a 2-2 tie goes to No Hire; without one No Hire the committee hires
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    assert parent.decision.outcome == "no_hire"
    fork = fork_run(store, parent.run_id, Change("mute", "safety-lead"))
    assert eng.reviews() == []  # every blind review was kept: none ran again
    assert "safety-lead" not in eng.turns() and set(eng.turns()) == {"research-lead", "vp-product", "hiring-manager"}
    assert fork.run_id != parent.run_id
    assert fork.parent_run_id == parent.run_id and fork.changed == {"mute": "safety-lead"}
    assert list(fork.votes) == ["research-lead", "vp-product", "hiring-manager"]
    assert fork.personas == ["research-lead", "vp-product", "hiring-manager"]
    assert [r.persona for r in fork.reviews] == fork.personas
    # the kept reviews are the parent's, as sealed
    kept = {r.persona: r for r in parent.reviews}
    assert all(r == kept[r.persona] for r in fork.reviews)
    assert fork.decision.outcome == "hire"
    assert fork.usage.calls == len(eng.turns())  # the fork's usage is what the fork spent
    row = store.get_run(fork.run_id)
    assert row.parent_run_id == parent.run_id and row.changed == {"mute": "safety-lead"}
    assert row.panel == fork.personas and row.status == "done"
    assert store.get_result(parent.run_id) == parent  # the parent is untouched
    assert [r.run_id for r in store.forks_of(parent.run_id)] == [fork.run_id]


def test_protocol_rounds_and_order_forks_keep_every_review_and_debate_again(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng, rounds=2)
    rr = fork_run(store, parent.run_id, Change("protocol", "round-robin"))
    assert eng.reviews() == [] and eng.turns() == PANEL * 2  # one at a time, in panel order
    assert rr.protocol == "round-robin" and rr.changed == {
        "protocol": {"before": "simultaneous", "after": "round-robin"}
    }
    eng.calls.clear()
    three = fork_run(store, parent.run_id, Change("rounds", 3))
    assert eng.reviews() == [] and len(eng.turns()) == 12
    assert [t.round for t in three.debrief] == [1] * 4 + [2] * 4 + [3] * 4
    assert three.changed == {"rounds": {"before": 2, "after": 3}}
    eng.calls.clear()
    order = ["hiring-manager", "vp-product", "safety-lead", "research-lead"]
    moved = fork_run(store, rr.run_id, Change("order", ",".join(order)))  # a fork of a fork
    assert eng.reviews() == [] and eng.turns() == order * 2
    assert moved.personas == order and list(moved.votes) == order
    assert moved.parent_run_id == rr.run_id and moved.protocol == "round-robin"


def test_a_rounds_fork_keeps_the_shared_rounds_when_turns_never_read_the_limit(store):
    """An engine whose turns do not depend on the round limit (the offline one): the
    fork starts at the tally of the last round both limits share."""
    eng = CountingEngine(SPLIT, concede=False)
    eng.turns_read_round_limit = False
    parent = _parent(store, eng, rounds=2)
    assert [t.round for t in parent.debrief] == [1] * 4 + [2] * 4  # the round limit ended it
    more = fork_run(store, parent.run_id, Change("rounds", 3))
    assert eng.reviews() == [] and sorted(eng.turns()) == sorted(PANEL)  # only round 3 was debated
    assert more.debrief[:8] == parent.debrief and [t.round for t in more.debrief[8:]] == [3] * 4
    assert more.usage.calls == 4
    steps = replay_steps(store, more.run_id)
    assert steps[0].node == "fork" and len(steps[0].new_reviews) == 4 and len(steps[0].new_turns) == 8
    assert steps[1].node == "tally_turns"
    eng.calls.clear()
    fewer = fork_run(store, parent.run_id, Change("rounds", 1))
    assert eng.calls == []  # nothing ran again: round 1's tally now ends the debate
    assert fewer.debrief == parent.debrief[:4] and fewer.changed == {"rounds": {"before": 2, "after": 1}}
    assert fewer.decision.outcome == "no_hire" and fewer.usage.calls == 0


def test_a_weight_fork_reruns_only_that_members_review_with_the_new_weight(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    before = store.get_result(parent.run_id)
    fork = fork_run(store, parent.run_id, Change("persona_weight", "vp-product:values=3.5"))
    assert eng.reviews() == ["vp-product"]  # the other three reviews were kept
    assert eng.reviewed[0].weights["values"] == 3.5
    assert fork.changed["persona_weight"]["persona"] == "vp-product"
    assert fork.changed["persona_weight"]["dimension"] == "values"
    assert fork.changed["persona_weight"]["after"] == 3.5
    from committee.graph.runner import context_from_json

    stored = context_from_json(store.get_context(parent.run_id)).panel["vp-product"].weights["values"]
    assert fork.changed["persona_weight"]["before"] == stored != 3.5
    assert [r.persona for r in fork.reviews] == PANEL  # panel order, whatever ran when
    assert {r.persona: r for r in fork.reviews if r.persona != "vp-product"} == {
        r.persona: r for r in before.reviews if r.persona != "vp-product"
    }
    steps = replay_steps(store, fork.run_id)
    assert steps[0].node == "fork"
    assert sorted(r["persona"] for r in steps[0].new_reviews) == sorted(set(PANEL) - {"vp-product"})
    assert [r["persona"] for s in steps[1:] for r in s.new_reviews] == ["vp-product"]
    # the stored context carries the changed weight, so a resume would use it too
    assert context_from_json(store.get_context(fork.run_id)).panel["vp-product"].weights["values"] == 3.5
    assert context_from_json(store.get_context(parent.run_id)).panel["vp-product"].weights["values"] != 3.5


def test_a_swap_fork_seats_the_newcomer_and_runs_only_its_review(store):
    three = ["research-lead", "safety-lead", "vp-product"]
    eng = CountingEngine(dict(SPLIT), concede=False)
    parent = _parent(store, eng, personas=three)
    fork = fork_run(store, parent.run_id, Change("swap_persona", "safety-lead=hiring-manager"))
    assert eng.reviews() == ["hiring-manager"]
    assert fork.personas == ["research-lead", "hiring-manager", "vp-product"]  # the newcomer takes the seat
    assert fork.changed == {"swap_persona": {"before": "safety-lead", "after": "hiring-manager"}}
    assert "hiring-manager" in fork.persona_engines


def test_bad_forks_are_refused_before_anything_is_stored(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    two = _parent(store, CountingEngine(SPLIT), personas=["research-lead", "vp-product"])
    before = len(store.list_runs())
    cases = [
        (parent.run_id, Change("mute", "nobody"), "not on the run's panel"),
        (two.run_id, Change("mute", "vp-product"), "at least two members"),
        (parent.run_id, Change("persona_weight", "vp-product:values=101"), "out of range"),
        (parent.run_id, Change("persona_weight", "vp-product:values=-1"), "out of range"),
        (parent.run_id, Change("persona_weight", "vp-product:nonsense=2"), "no dimension"),
        (parent.run_id, Change("persona_weight", "vp-product=2"), "PERSONA:DIMENSION=WEIGHT"),
        (parent.run_id, Change("protocol", "simultaneous"), "nothing would change"),
        (parent.run_id, Change("protocol", "shouting"), "unknown protocol"),
        (parent.run_id, Change("rounds", 0), "between 1 and"),
        (parent.run_id, Change("order", "vp-product,safety-lead"), "every member"),
        (parent.run_id, Change("swap_persona", "safety-lead=vp-product"), "already on the panel"),
        (parent.run_id, Change("swap_persona", "safety-lead=nobody"), "nobody"),
        ("nosuchrun", Change("mute", "safety-lead"), "no run"),
    ]
    for run_id, change, message in cases:
        with pytest.raises(BadInput, match=message):
            fork_run(store, run_id, change)
    with pytest.raises(BadInput, match="must leave at least two"):
        sweep_mute(store, two.run_id)
    with pytest.raises(BadInput, match="exactly one change"):
        parse_change(mute="safety-lead", rounds=3)
    with pytest.raises(BadInput, match="exactly one change"):
        parse_change()
    assert len(store.list_runs()) == before  # nothing stored
    assert eng.calls == []


def test_an_unfinished_run_cannot_be_forked(store):
    eng = CountingEngine(SPLIT, concede=False, fail_on={("review", "safety-lead")})
    current["engine"] = eng
    with pytest.raises(EngineFailed):
        start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md"), engine="scripted"), run_id="halfway")
    with pytest.raises(BadInput, match="has not finished"):
        plan_fork(store, "halfway", Change("mute", "vp-product"))


def test_a_fork_that_fails_resumes_as_a_fork_without_repeating_calls(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    eng.fail_on = {("turn", "vp-product")}
    with pytest.raises(EngineFailed, match="resume"):
        fork_run(store, parent.run_id, Change("mute", "safety-lead"), fork_id="fork-fails")
    assert store.get_run("fork-fails").status == "failed"
    first = eng.turns()
    eng.calls.clear()
    result = resume_run(store, "fork-fails")
    assert eng.reviews() == [] and eng.turns()[0] == "vp-product"
    assert not set(first) & {t for t in eng.turns()[:1]}
    assert result.parent_run_id == parent.run_id and result.changed == {"mute": "safety-lead"}
    assert list(result.votes) == ["research-lead", "vp-product", "hiring-manager"]


def test_the_mute_sweep_says_whom_the_decision_turns_on(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    sweep = sweep_mute(store, parent.run_id)
    assert eng.reviews() == []
    assert [f.muted for f in sweep.forks] == PANEL
    # muting a No Hire breaks the tie toward Hire; muting a Hire leaves No Hire
    assert sweep.turns_on == ["research-lead", "safety-lead"] and not sweep.holds
    assert "turns on Dr. A and Dr. B" in sweep.summary({"research-lead": "Dr. A", "safety-lead": "Dr. B"})
    assert {store.get_run(f.run_id).parent_run_id for f in sweep.forks} == {parent.run_id}
    unanimous = _parent(store, CountingEngine({p: "hire" for p in PANEL}))
    held = sweep_mute(store, unanimous.run_id)
    assert held.holds and held.summary() == "the decision (hire) holds without any one member"
    js = held.as_json()
    assert js["holds"] is True and js["turns_on"] == [] and len(js["forks"]) == 4


def test_forks_stay_out_of_the_revision_history_and_compare_beside_the_parent(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng)
    fork = fork_run(store, parent.run_id, Change("mute", "safety-lead"))
    [rec] = history(store, parent.packet.key)
    assert rec.run_id == parent.run_id and rec.runs == 1  # the fork never stands for the revision
    from committee.trust.conformity import stored_results

    assert [r.run_id for r in stored_results(store)] == [parent.run_id]  # nor counts twice in `stats`
    c = compare_runs(store, fork.run_id, parent.run_id)  # either order: parent first
    assert c.relation == "fork" and c.before.run_id == parent.run_id and c.after.run_id == fork.run_id
    assert c.changed == {"mute": "safety-lead"} and c.decision_changed
    by = {v.persona: v for v in c.votes}
    assert by["safety-lead"].before == "no_hire" and by["safety-lead"].after is None
    assert {d.speaker for d in c.turns if d.status == "only_before"} == {"safety-lead"}
    assert c.same_turns + len(c.turns) == len({(t.round, t.speaker) for t in parent.debrief + fork.debrief})


def test_a_debate_fork_from_a_replay_step_keeps_the_rounds_spoken_by_that_step(store):
    """The app's "What if…" from the step shown: a protocol or order fork from a step
    with round 1 complete keeps round 1 as spoken (no call) and debates from round 2."""
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng, rounds=3)
    steps = replay_steps(store, parent.run_id)
    at = next(i for i, s in enumerate(steps) if s.node == "tally_turns")  # round 1's tally
    done = rounds_complete([t for s in steps[: at + 1] for t in s.new_turns], len(PANEL))
    assert done == 1
    rr = fork_run(store, parent.run_id, Change("protocol", "round-robin"), from_round=done)
    assert eng.reviews() == [] and eng.turns() == PANEL * 2  # rounds 2 and 3, one at a time
    assert rr.debrief[:4] == parent.debrief[:4]  # round 1 kept as spoken
    assert rr.changed == {"protocol": {"before": "simultaneous", "after": "round-robin", "from_round": 1}}
    assert rr.usage.calls == 8
    fork_steps = replay_steps(store, rr.run_id)
    assert fork_steps[0].node == "fork" and len(fork_steps[0].new_turns) == 4
    assert [len(s.new_turns) for s in fork_steps if s.node == "speak_turn"] == [1] * 8  # round-robin from round 2
    eng.calls.clear()
    order = list(reversed(PANEL))
    moved = fork_run(store, parent.run_id, Change("order", ",".join(order)), from_round=2)
    assert sorted(eng.turns()) == sorted(order)  # only round 3 is debated again
    key = lambda t: (t.round, t.speaker)  # noqa: E731
    assert sorted(moved.debrief[:8], key=key) == sorted(parent.debrief[:8], key=key)
    assert [t.speaker for t in moved.debrief[8:]] == order and moved.personas == order
    assert moved.changed["order"]["from_round"] == 2
    eng.calls.clear()
    from_start = fork_run(store, parent.run_id, Change("protocol", "round-robin"), from_round=0)
    assert eng.turns() == PANEL * 3 and from_start.changed["protocol"]["from_round"] == 0


def test_a_fork_from_a_step_says_where_a_change_that_cannot_start_there_starts(store):
    eng = CountingEngine(SPLIT, concede=False)
    parent = _parent(store, eng, rounds=2)
    muted = plan_fork(store, parent.run_id, Change("mute", "safety-lead"), from_round=2)
    assert muted.kept_rounds == 0 and muted.debate is None and "whole debrief" in muted.start_reason
    weighed = plan_fork(store, parent.run_id, Change("persona_weight", "safety-lead:values=3"), from_round=2)
    assert weighed.kept_rounds == 0 and "blind review" in weighed.start_reason
    # this engine's turns are told the round limit: no spoken turn can be kept
    limit = plan_fork(store, parent.run_id, Change("rounds", 3), from_round=2)
    assert limit.kept_rounds == 0 and "told the round limit" in limit.start_reason
    eng.turns_read_round_limit = False
    limit = plan_fork(store, parent.run_id, Change("rounds", 1), from_round=2)
    assert limit.kept_rounds == 1 and "below the 2 rounds" in limit.start_reason
    proto = plan_fork(store, parent.run_id, Change("protocol", "round-robin"), from_round=1)
    assert proto.kept_rounds == 1 and "round 2 is the first the change shapes" in proto.start_reason


def test_rounds_complete_counts_whole_rounds_from_round_one():
    t = [{"round": 1}] * 4 + [{"round": 2}] * 2
    assert rounds_complete(t, 4) == 1 and rounds_complete(t[:3], 4) == 0 and rounds_complete([], 4) == 0
    assert rounds_complete([{"round": 2}] * 4, 4) == 0
