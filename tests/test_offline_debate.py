"""Offline engine: debrief turns from real disagreements."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PACKETS
from test_offline_review import BAD, BORDERLINE, GOOD, PANEL, PRICING_ONLY_RED, ctx_for

from committee.catalog import load_catalog
from committee.decision.rules import consensus
from committee.engines.offline import OfflineEngine
from committee.engines.offline.debate import hard_line_hits
from committee.intake.packets import read_packet
from committee.models import DebriefTurn, TurnRequest, Vote


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def reviewed(ctx):
    """An offline engine and its blind reviews of `ctx` (persona id -> Review)."""
    eng = OfflineEngine()
    return eng, {p: eng.review(ctx, per)[0] for p, per in ctx.panel.items()}


def speak(eng, ctx, revs, speaker, votes, transcript=(), rnd=2, rounds=3, protocol="simultaneous"):
    """`speaker`'s debrief turn in round `rnd` of `rounds`, having seen `transcript`."""
    req = TurnRequest(
        speaker=speaker,
        round=rnd,
        max_rounds=rounds,
        protocol=protocol,
        reviews=revs,
        transcript=list(transcript),
        votes=votes,
    )
    return eng.speak(ctx, req)[0]


def run(ctx, rounds=3, protocol="simultaneous"):
    eng, revs = reviewed(ctx)
    votes = {p: r.vote for p, r in revs.items()}
    turns: list[DebriefTurn] = []
    for rnd in range(1, rounds + 1):
        if protocol == "simultaneous":
            visible = list(turns)
            new = [speak(eng, ctx, revs, p, dict(votes), visible, rnd, rounds, protocol) for p in ctx.panel]
            turns += new
            for t in new:
                votes[t.speaker] = t.vote
        else:
            for p in ctx.panel:
                t = speak(eng, ctx, revs, p, dict(votes), turns, rnd, rounds, protocol)
                turns.append(t)
                votes[p] = t.vote
    return revs, turns, votes


def test_challenge_targets_the_largest_disagreement(cat):
    ctx = ctx_for(cat, BAD)
    eng, revs = reviewed(ctx)
    votes = {
        "research-lead": Vote.strong_no_hire,
        "safety-lead": Vote.hire,
        "vp-product": Vote.strong_hire,
        "hiring-manager": Vote.no_hire,
    }
    turn = speak(eng, ctx, revs, "research-lead", votes, rnd=1, rounds=2)
    assert turn.move == "challenge" and turn.to == "vp-product"
    assert turn.evidence and all(e.polarity == "red" for e in turn.evidence)
    assert all(e in revs["research-lead"].evidence for e in turn.evidence)  # from its own review
    vp = cat.personas["vp-product"]
    assert any(e.signal in vp.signal_weights or vp.weights.get(e.dimension, 0) > 1.5 for e in turn.evidence)
    assert turn.vote == Vote.strong_no_hire and "Elena Marchetti" in turn.text


def _challenge(speaker, to, vote, evidence):
    return DebriefTurn(round=1, speaker=speaker, move="challenge", to=to, text="...", evidence=evidence, vote=vote)


def test_concession_moves_one_step_with_a_reason(cat):
    ctx = ctx_for(cat, BORDERLINE, "api-pm")
    eng, revs = reviewed(ctx)
    # the research lead weighs failure-mode-vocabulary (in its signal_weights)
    ev = next(e for e in revs["hiring-manager"].evidence if e.signal == "failure-mode-vocabulary")
    votes = {
        "research-lead": Vote.no_hire,
        "safety-lead": Vote.no_hire,
        "vp-product": Vote.hire,
        "hiring-manager": Vote.strong_hire,
    }
    t = speak(
        eng, ctx, revs, "research-lead", votes, [_challenge("hiring-manager", "research-lead", Vote.strong_hire, [ev])]
    )
    assert t.move == "concede" and t.to == "hiring-manager"
    assert t.previous_vote == Vote.no_hire and t.vote == Vote.hire  # one step, not to strong_hire
    assert t.reason and "named failure modes" in t.reason and "failure-mode-vocabulary" not in t.reason


def test_hold_when_the_evidence_is_not_weighed(cat):
    ctx = ctx_for(cat, BORDERLINE, "api-pm")
    eng, revs = reviewed(ctx)
    # north-star evidence is product sense, which the safety lead weighs below its mean
    ev = next(e for e in revs["vp-product"].evidence if e.signal == "north-star-defined")
    votes = {
        "research-lead": Vote.no_hire,
        "safety-lead": Vote.no_hire,
        "vp-product": Vote.hire,
        "hiring-manager": Vote.hire,
    }
    t = speak(eng, ctx, revs, "safety-lead", votes, [_challenge("vp-product", "safety-lead", Vote.hire, [ev])])
    assert t.move == "hold" and t.vote == Vote.no_hire and t.reason


def test_hard_line_is_never_conceded(cat):
    ctx = ctx_for(cat, PRICING_ONLY_RED)
    eng, revs = reviewed(ctx)
    assert not revs["research-lead"].vote.is_hire
    greens = [
        e for e in revs["research-lead"].evidence if e.polarity == "green" and e.dimension == "alignment_judgement"
    ]
    assert greens  # evidence the research lead weighs...
    votes = {p: Vote.strong_hire for p in PANEL} | {"research-lead": revs["research-lead"].vote}
    t = speak(
        eng,
        ctx,
        revs,
        "research-lead",
        votes,
        [_challenge("safety-lead", "research-lead", Vote.strong_hire, greens[:1])],
    )
    assert t.move == "hold" and not t.vote.is_hire  # ...but it never crosses its own hard line
    assert "hard line" in (t.reason or "")


@pytest.mark.parametrize("protocol", ["simultaneous", "round-robin"])
def test_debate_turns_are_unique_and_votes_move_only_with_reasons(cat, protocol):
    ctx = ctx_for(cat, BORDERLINE, "api-pm")
    revs, turns, votes = run(ctx, rounds=3, protocol=protocol)
    texts = [t.text for t in turns]
    assert len(texts) == len(set(texts))
    moves = {t.move for t in turns}
    assert "challenge" in moves and ({"hold", "concede"} & moves)
    last = {p: r.vote for p, r in revs.items()}
    for t in turns:
        if t.vote != last[t.speaker]:
            assert t.move == "concede" and t.reason
            assert abs(ORDER.index(t.vote) - ORDER.index(last[t.speaker])) == 1
        last[t.speaker] = t.vote
        for e in t.evidence:
            assert ctx.packet.text[e.start : e.start + len(e.quote)] == e.quote


ORDER = [Vote.strong_no_hire, Vote.no_hire, Vote.hire, Vote.strong_hire]


@pytest.mark.parametrize("text", [GOOD, BAD])
def test_agreement_gives_open_and_support_moves(cat, text):
    ctx = ctx_for(cat, text)
    revs, turns, votes = run(ctx, rounds=2)
    assert consensus(votes)
    assert {t.move for t in turns} <= {"open", "support"}
    assert {t.move for t in turns[:4]} == {"open"}
    assert len({t.text for t in turns}) == len(turns)
    assert all(t.evidence for t in turns)


def test_debate_is_deterministic(cat):
    ctx = ctx_for(cat, BORDERLINE, "api-pm")
    a = [t.model_dump() for t in run(ctx, 2)[1]]
    b = [t.model_dump() for t in run(ctx, 2)[1]]
    assert a == b


def test_a_firm_vote_holds_even_on_evidence_it_weighs(cat):
    ctx = ctx_for(cat, PRICING_ONLY_RED)
    eng, revs = reviewed(ctx)
    assert revs["safety-lead"].vote.is_hire
    red = next(e for e in revs["research-lead"].evidence if e.signal == "pay-for-weaker-safety")
    # values sits above the safety lead's mean weight, so it weighs this evidence ...
    votes = {p: r.vote for p, r in revs.items()}
    t = speak(
        eng,
        ctx,
        revs,
        "safety-lead",
        votes,
        [_challenge("research-lead", "safety-lead", votes["research-lead"], [red])],
    )
    # ... but weighing it double does not carry its own score below hire: it holds, saying so
    assert t.move == "hold" and t.vote == votes["safety-lead"]
    assert "weighed double" in (t.reason or "")


def test_marginal_vote_moves_on_the_split_dev_packet():
    """On the split dev packet the research lead's blind No Hire is marginal; the
    failure-mode evidence it tracks moves it one step in the debrief, with a reason."""
    path = Path(__file__).parent / "data" / "shared-eval" / "packets" / "email-drafting-metrics.md"  # from ../shared
    cat = load_catalog()
    packet = read_packet(path)
    ctx = ctx_for(cat, packet, packet.scenario)
    revs, turns, votes = run(ctx, rounds=2)
    moved = [t for t in turns if t.move == "concede"]
    assert moved and all(t.reason and abs(ORDER.index(t.vote) - ORDER.index(t.previous_vote)) == 1 for t in moved)
    assert {t.speaker for t in moved} <= {"research-lead", "safety-lead"}
    assert len({t.text for t in turns}) == len(turns)


def test_challenges_go_to_movable_colleagues_before_a_pinned_one(cat):
    ctx = ctx_for(cat, PRICING_ONLY_RED)
    eng, revs = reviewed(ctx)
    # the research lead sits below hire on its own hard line (pay-for-weaker-safety);
    # the hiring manager has no hard line in this packet
    assert hard_line_hits(ctx, cat.personas["research-lead"], revs["research-lead"])
    assert not hard_line_hits(ctx, cat.personas["hiring-manager"], revs["hiring-manager"])
    votes = {
        "research-lead": Vote.strong_no_hire,
        "vp-product": Vote.hire,
        "safety-lead": Vote.strong_hire,
        "hiring-manager": Vote.no_hire,
    }
    t = speak(eng, ctx, revs, "safety-lead", votes, rnd=1, rounds=2)
    # the widest disagreement is with the research lead, but it cannot be argued up:
    # the movable colleague comes first
    assert t.move == "challenge" and t.to == "hiring-manager"


def test_borderline_example_splits_and_nobody_crosses_a_line(cat):
    from tests.conftest import EXAMPLES

    packet = read_packet(EXAMPLES / "borderline-api-pm.md")
    ctx = ctx_for(cat, packet, packet.scenario)
    sc = ctx.scenario
    revs, turns, votes = run(ctx, rounds=2)
    conceded = [t for t in turns if t.move == "concede"]
    assert all(t.reason and t.evidence for t in conceded)
    # a member who reads a must-pass dimension as failed never ends on the hire side
    must = sc.rules.must_pass
    for p, r in revs.items():
        if any(r.scores[d] <= sc.rules.fail_score for d in must):
            assert not r.vote.is_hire and not votes[p].is_hire, p
    # the VP (growth-tolerant) and the safety lead genuinely disagree on this packet
    assert revs["vp-product"].vote.is_hire and not revs["safety-lead"].vote.is_hire
    # the safety lead crossed its own hard line (open access with no controls): it never moves up
    assert votes["safety-lead"] == revs["safety-lead"].vote
    assert not any(t.speaker == "safety-lead" and t.move == "concede" for t in turns)


@pytest.mark.parametrize("protocol", ["simultaneous", "round-robin"])
def test_no_turn_repeats_a_quote_already_cited(cat, protocol):
    from committee.intake.sentences import short_quote

    checked = 0
    for path in PACKETS:
        packet = read_packet(path)
        ctx = ctx_for(cat, packet, packet.scenario or "safety-pm")
        _, turns, _ = run(ctx, rounds=3, protocol=protocol)
        for i, t in enumerate(turns):
            # what the speaker had heard: earlier rounds (simultaneous), every earlier turn (round-robin)
            seen = [u for u in turns[:i] if protocol == "round-robin" or u.round < t.round]
            earlier = {(e.signal, e.start) for u in seen for e in u.evidence}
            for e in t.evidence:
                if (e.signal, e.start) in earlier:
                    checked += 1
                    assert short_quote(e.quote) not in t.text, (path.name, t.speaker, t.round)
    assert checked > 0  # the debriefs do come back to evidence already on the table


def test_a_member_updates_on_evidence_its_own_reading_missed(cat):
    """Blind reviews differ in evidence (each persona's lens); in the debrief a member
    takes in the other side's evidence that its own reading missed, and that evidence
    then counts in its scoring."""
    from committee.engines.offline.debate import shared
    from committee.engines.offline.review import analyse, reading

    differ = grew = 0
    for path in [*PACKETS, Path(__file__).parent / "data" / "split_lens.md"]:
        packet = read_packet(path)
        ctx = ctx_for(cat, packet, packet.scenario or "safety-pm")
        eng, revs = reviewed(ctx)
        own = {p: {(e.signal, e.start) for e in r.evidence} for p, r in revs.items()}
        differ += len({frozenset(v) for v in own.values()}) > 1
        req = TurnRequest(
            speaker="x",
            round=1,
            max_rounds=2,
            protocol="simultaneous",
            reviews=revs,
            transcript=[],
            votes={p: r.vote for p, r in revs.items()},
        )
        for p, persona in ctx.panel.items():
            missed = shared(req, p) - own[p]
            if not missed:
                continue
            grew += 1
            before = {(h.signal, h.start) for h in reading(ctx, persona, analyse(ctx)).hits}
            after = {(h.signal, h.start) for h in reading(ctx, persona, analyse(ctx), shared(req, p)).hits}
            assert missed & (after - before)  # the member now reads evidence it had not noticed
    assert differ > 0 and grew > 0


def test_evidence_a_lens_missed_counts_once_it_is_shown(cat):
    """A reading that is not sure, outside a persona's lens, is not noticed in its blind
    review; shown in the debrief, it enters the persona's scoring."""
    from committee.engines.offline.detect import Hit
    from committee.engines.offline.review import Analysis, lens, reading, score

    ctx = ctx_for(cat, "## Plan\nA plain sentence about the launch plan and nothing else.")
    persona = cat.personas["research-lead"]
    outside = next(s for s in ctx.signals.values() if s.polarity == "green" and s.id not in lens(ctx, persona))
    h = Hit(outside.id, "green", outside.dimension, 10, "A plain", 0.8, 0, "learned", p=0.6, sure=False)
    a = Analysis([h], [], False)
    assert reading(ctx, persona, a).hits == []
    shown = reading(ctx, persona, a, frozenset({(h.signal, h.start)}))
    assert shown.hits == [h]
    assert (
        score(ctx, persona, shown).values[outside.dimension]
        > score(ctx, persona, reading(ctx, persona, a)).values[outside.dimension]
    )


def test_a_firm_red_flag_it_weighs_keeps_a_member_on_the_no_hire_side(cat):
    """The concession above, once the member's own review holds a firm red reading on
    what it weighs: green evidence elsewhere does not buy the red flag back, so it holds
    and says why; the same red shown only as a concern to check does not pin it."""
    ctx = ctx_for(cat, BORDERLINE, "api-pm")
    eng, revs = reviewed(ctx)
    ev = next(e for e in revs["hiring-manager"].evidence if e.signal == "failure-mode-vocabulary")
    lead = cat.personas["research-lead"]
    red_id = next(s for s in lead.signal_weights if s in ctx.signals and ctx.signals[s].polarity == "red")
    base = revs["research-lead"].evidence[0]
    red = base.model_copy(
        update={"signal": red_id, "polarity": "red", "dimension": ctx.signals[red_id].dimension, "concern": None}
    )
    votes = {
        "research-lead": Vote.no_hire,
        "safety-lead": Vote.no_hire,
        "vp-product": Vote.hire,
        "hiring-manager": Vote.strong_hire,
    }
    challenge = [_challenge("hiring-manager", "research-lead", Vote.strong_hire, [ev])]

    def answer(extra):
        mine = revs["research-lead"].model_copy(update={"evidence": [*revs["research-lead"].evidence, extra]})
        return speak(eng, ctx, {**revs, "research-lead": mine}, "research-lead", votes, challenge)

    pinned = answer(red)
    assert pinned.move == "hold" and pinned.vote == Vote.no_hire
    assert "red flag" in (pinned.reason or "")
    unsure = answer(red.model_copy(update={"concern": "read as this, confidence 0.5"}))
    assert unsure.move == "concede" and unsure.vote == Vote.hire


def test_a_firm_red_on_a_must_pass_dimension_is_weighed_by_every_member(cat):
    """VP Product weighs values below its mean and does not track `data-without-consent`,
    so a concern to check there is not its business; a firm reading on a must-pass
    dimension fails the packet whoever weighs it, so every member answers to it."""
    from committee.engines.offline.debate import weighs
    from committee.models import Evidence

    ctx = ctx_for(cat, BORDERLINE, "platform-pm")
    vp = cat.personas["vp-product"]
    assert "values" in ctx.scenario.rules.must_pass
    firm = Evidence(quote="q", signal="data-without-consent", polarity="red", dimension="values", start=0)
    assert not weighs(vp, firm) and weighs(vp, firm, ctx)
    assert not weighs(vp, firm.model_copy(update={"concern": "read as this; if you meant otherwise, say it"}), ctx)
    green = firm.model_copy(update={"signal": "consent-first-data", "polarity": "green"})
    assert not weighs(vp, green, ctx)


def test_a_challenge_brings_firm_evidence_before_a_concern(cat):
    """Of two red readings the colleague has not weighed, the challenger cites the firm
    one first: its strongest point, not the one the packet itself casts doubt on."""
    ctx = ctx_for(cat, BORDERLINE, "platform-pm")
    eng, revs = reviewed(ctx)
    base = revs["safety-lead"].evidence[0]
    concern = base.model_copy(
        update={
            "signal": "warnings-as-mitigation",
            "polarity": "red",
            "dimension": "alignment_judgement",
            "concern": "contradicted elsewhere",
            "start": 1,
        }
    )
    firm = base.model_copy(
        update={"signal": "data-without-consent", "polarity": "red", "dimension": "values", "concern": None, "start": 2}
    )
    mine = revs["safety-lead"].model_copy(update={"evidence": [concern, firm], "vote": Vote.no_hire})
    votes = {
        "research-lead": Vote.no_hire,
        "safety-lead": Vote.no_hire,
        "vp-product": Vote.strong_hire,
        "hiring-manager": Vote.hire,
    }
    t = speak(eng, ctx, {**revs, "safety-lead": mine}, "safety-lead", votes, rnd=1, rounds=2)
    assert t.move == "challenge" and t.to == "vp-product"
    assert [e.signal for e in t.evidence] == ["data-without-consent"]
