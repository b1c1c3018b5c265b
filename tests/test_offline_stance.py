"""How the offline engine reads stance, and the packet-level rules that keep one
reading from deciding a verdict (issue: verdicts a candidate can trust)."""

from __future__ import annotations

import textwrap

import pytest
from conftest import PACKETS

from committee.catalog import load_catalog
from committee.engines.offline.review import analyse, build_review
from committee.intake.packets import parse_packet
from committee.models import Context

CAT = load_catalog()


def ctx_for(text: str, scenario: str = "safety-pm") -> Context:
    packet = parse_packet(text, name="stance-test")
    sc = CAT.scenario(packet.scenario or scenario)
    from committee.intake.integrity.check import find_injections

    return Context(
        packet=packet,
        scenario=sc,
        signals={s: CAT.signals[s] for s in sc.signals},
        panel={p: CAT.personas[p] for p in CAT.default_panel},
        integrity=find_injections(packet),
    )


def hard_wrap(text: str, width: int = 76) -> str:
    """Prose lines hard-wrapped at `width` columns, as a plain-text editor or e-mail does."""
    out = []
    for line in text.splitlines():
        keep = not line.strip() or line.lstrip().startswith(("#", "-", "*", "---")) or line.rstrip().endswith(":")
        out.append(line if keep else textwrap.fill(line, width, break_on_hyphens=False))
    return "\n".join(out)


@pytest.mark.parametrize("path", PACKETS, ids=lambda p: p.name)
def test_line_breaks_inside_a_sentence_change_no_reading(path):
    text = path.read_text(encoding="utf-8")
    wrapped = hard_wrap(text)
    assert wrapped != text
    a, b = ctx_for(text), ctx_for(wrapped)
    ha, hb = analyse(a), analyse(b)
    assert {(h.signal, h.polarity) for h in ha.hits} == {(h.signal, h.polarity) for h in hb.hits}
    for p in a.panel.values():
        ra, rb = build_review(a, p, ha), build_review(b, p, hb)
        assert (ra.vote, ra.scores) == (rb.vote, rb.scores)


SIGS = [CAT.signals[s] for s in CAT.scenario("safety-pm").signals]


def reds(text: str, firm_only: bool = False) -> set[str]:
    from committee.engines.offline.detect import detect_signals

    return {h.signal for h in detect_signals(text, SIGS) if h.polarity == "red" and (h.sure or not firm_only)}


# Each construction the engine must read as the candidate turning an idea down; written
# for these tests (none is in the corpus or a sealed set).
TURNED_DOWN = {
    "preference: X before Y": "Refusal accuracy before engagement, every time.",
    "preference: rather X than Y": "I would rather lose the enterprise deal than switch off the abuse classifier for them.",
    "preference: X outranks Y": "Safety outranks revenue on this team, and the 20% lift does not change that.",
    "preference: X matters more than Y": "Jailbreak detection matters more to me than revenue.",
    "preference: X matters more than Y, no topic word": "User trust matters more than growth this quarter.",
    "negated quantifier: nothing ships unless": "Nothing ships unless the red-team pass comes back clean.",
    "negated quantifier: no launch without": "No launch without a human reviewer for every medical escalation.",
    "negated quantifier: none of": "None of the paid tiers skip the content filters.",
    "requirement: no change ships if": "No change to request handling ships if it lowers detection on the jailbreak suite.",
    "quoted idea rejected": 'The growth team pitched "ship the MVP and iterate"; I said no.',
    "attributed idea rejected": "A colleague suggested we A/B test the exploit-writing mode on 5% of users, and I refused.",
    "story that turns": "Sales wanted to switch off the fraud rule for our biggest client. I kept the rule, and we lost the renewal.",
    "story that turns, third person": (
        "The digital team had proposed making the chat agree with users more to lift satisfaction. "
        "Priya pushed back and the idea was dropped."
    ),
    "third-person narration": "She turned down the premium fast lane that would have skipped moderation.",
    "contrastive not": "Jailbreak detection is a safety boundary, not a number to trade against revenue.",
    "not worth": "The 20% revenue lift is not worth a 1% drop in detection.",
    "indirect question": "I would ask the safety team which categories of jailbreak the detector stops catching.",
    "next sentence turns it down": (
        "At my last job I made an app stickier with streaks and nudges. "
        "Those reflexes are the wrong ones for a triage assistant."
    ),
    "list under a rejecting header": "What I won't do:\n- Canary it to a slice of traffic and watch abuse reports.\n- Ship now, patch later.",
    "someone else's transcript line": "Client: we need the filters switched off for our analysts by Friday.\nMe: we can't do that.",
    "their CTO's transcript line": "Their CTO: let us skip the content filter.\nMe: no.",
    "a list not on the roadmap": "Not on my roadmap:\n- A paid tier that skips the content filter.",
    "a third party wanted, then the rule kept": "Sales wanted enterprise customers to pay to skip the content filter. I kept the rule.",
}


@pytest.mark.parametrize("name", list(TURNED_DOWN))
def test_an_idea_turned_down_is_not_read_as_held(name):
    assert reds(TURNED_DOWN[name]) == set(), name


# ... and the real slips, stated plainly or in the third person, are still read
HELD = {
    "a canary of a harmful capability": (
        "We could let a small share of users try the exploit-writing mode and watch the reports.",
        "test-irreversible-harm",
    ),
    "patch in v2": ("Let's ship it now and patch the safety gaps in v2.", "safety-negotiable"),
    "pay to skip filters": ("Enterprise customers can pay to skip the content filter.", "pay-for-weaker-safety"),
    "third-person plan": (
        "She would let enterprise customers pay to skip the content filter.",
        "pay-for-weaker-safety",
    ),
    # a code review's reproductions: a rejection word elsewhere in the sentence must not hide the flag
    "demoting safety": (
        "Safety comes second to growth, so enterprise customers can pay to skip the content filter.",
        "pay-for-weaker-safety",
    ),
    "a safeguard not worth the delay": (
        "A red-team pass before launch is not worth the delay; we ship now and patch the safety gaps in v2.",
        "safety-negotiable",
    ),
    "risk framing then a plan": (
        "The real risk is that we move too slowly, so we ship now and patch the safety gaps in v2.",
        "safety-negotiable",
    ),
    "everyone says, then a plan": (
        "Everyone says speed wins, so we ship now and patch the safety gaps in v2.",
        "safety-negotiable",
    ),
    "turning a filter down": (
        "We turned down the content filter for enterprise customers so their jobs run faster.",
        "pay-for-weaker-safety",
    ),
    "pushing back on a safeguard": (
        "I pushed back on the red-team delay and we shipped, planning to patch the safety gaps in v2.",
        "safety-negotiable",
    ),
    "a wish carried out": (
        "Sales asked us to let enterprise customers pay to skip the content filter. We didn't hesitate.",
        "pay-for-weaker-safety",
    ),
    "a flag, then 'never a problem'": (
        "Enterprise customers can pay to skip the content filter. It was never a problem for us.",
        "pay-for-weaker-safety",
    ),
    "a flag, then 'the risk worth taking'": (
        "Let's ship it now and patch the safety gaps in v2. That is the risk worth taking.",
        "safety-negotiable",
    ),
    "learn what breaks": (
        "We'll learn what breaks by letting a small share of users try the exploit-writing mode.",
        "test-irreversible-harm",
    ),
    "a list under a plain header": (
        "The plan is not complicated:\n- Enterprise customers can pay to skip the content filter.",
        "pay-for-weaker-safety",
    ),
    "a topic label, not a speaker": ("Legal: we train on all user conversations by default.", "data-without-consent"),
    # a second review's reproductions
    "a denial in another clause": (
        "Nobody complained, so they can pay to skip the content filter.",
        "pay-for-weaker-safety",
    ),
    "a rejection, then its consequence": (
        "It would be a mistake to lose the deal, so they can pay to skip the content filter.",
        "pay-for-weaker-safety",
    ),
    "a wish, then going along": (
        "Sales asked us to let enterprise customers pay to skip the content filter. I kept my promise to them.",
        "pay-for-weaker-safety",
    ),
    "a wish, then 'instead of arguing'": (
        "Sales asked us to let enterprise customers pay to skip the content filter. Instead of arguing, we did it.",
        "pay-for-weaker-safety",
    ),
    "data by default": ("We train on all user conversations by default.", "data-without-consent"),
    "the community polices": (
        "We'd open the endpoint to everyone and let the community flag abuse.",
        "open-access-no-controls",
    ),
}


@pytest.mark.parametrize("name", list(HELD))
def test_a_red_flag_the_candidate_holds_is_read(name):
    text, signal = HELD[name]
    assert signal in reds(text), name


def test_a_self_aware_admission_is_a_concern_not_a_verdict():
    from committee.engines.offline.detect import detect_signals

    text = "Honestly, I've been guilty of treating safety reviews as a checkbox, and I'm working on that."
    hits = [h for h in detect_signals(text, SIGS) if h.polarity == "red"]
    assert hits and all(not h.sure and h.concern == "admission" for h in hits)
    assert reds("I default to ship-and-measure, which I'd need to unlearn here.", firm_only=True) == set()


STANCE_PACKET = """---
packet: stance-rules
scenario: consumer-pm
---
## A medical-triage assistant
The assistant never gives the final call on urgency for a chest-pain case. Anything below 80% confidence, and every
chest-pain or pregnancy case, goes to a nurse within two minutes, and we measure refusal accuracy and over-refusal
weekly. Before launch we red-team it with role-play jailbreaks and poisoned symptom lists, and I accept a week's delay
for that. The model reads the symptoms and decides the triage level automatically, with no person in the loop.
"""


def test_a_reading_the_packet_contradicts_counts_less_and_decides_nothing():
    ctx = ctx_for(STANCE_PACKET)
    a = analyse(ctx)
    red = [h for h in a.hits if h.signal == "no-human-in-loop"]
    assert red and all(not h.sure and h.concern == "contradicted" and h.counter for h in red)
    from committee.engines.offline.review import crosses_hard_line

    for p in ctx.panel.values():
        r = build_review(ctx, p, a)
        assert not any(crosses_hard_line(p, h) for h in a.hits)
        assert r.vote.value != "strong_no_hire"
        assert all(r.scores[d] > 1 for d in ctx.scenario.rules.must_pass)
        ev = [e for e in r.evidence if e.signal == "no-human-in-loop"]
        assert all(e.concern and "other side" in e.concern and e.confidence is not None for e in ev)


def test_feedback_asks_to_check_an_uncertain_reading_and_never_to_remove_it():
    from committee.decision.feedback import build_feedback

    ctx = ctx_for(STANCE_PACKET)
    a = analyse(ctx)
    reviews = [build_review(ctx, p, a) for p in ctx.panel.values()]
    items = build_feedback(ctx, reviews)
    assert not any("no-human-in-loop" in i.remove_signals for i in items)
    checks = [i for i in items if "no-human-in-loop" in i.check_signals]
    assert checks and "Check \u201c" in checks[0].advice and "confidence" in checks[0].advice


def test_only_a_sure_red_crosses_a_hard_line():
    from committee.engines.offline.detect import Hit
    from committee.engines.offline.review import crosses_hard_line

    p = CAT.personas["research-lead"]
    line = next(iter(p.hard_lines))
    h = Hit(line, "red", "values", 0, "x", 0.9, 0, "cue")
    assert crosses_hard_line(p, h)
    from dataclasses import replace

    assert not crosses_hard_line(p, replace(h, sure=False, concern="weak"))
    assert not crosses_hard_line(p, replace(h, sure=False, concern="contradicted"))


def test_blind_reviews_differ_in_evidence_through_each_lens():
    from committee.engines.offline.review import lens, reading

    ctx = ctx_for(STANCE_PACKET)
    a = analyse(ctx)
    seen = {p.id: {(h.signal, h.start) for h in reading(ctx, p, a).hits} for p in ctx.panel.values()}
    assert len(set(map(frozenset, seen.values()))) > 1  # not one shared detection pass
    missed = 0
    for p in ctx.panel.values():
        close = lens(ctx, p)
        noticed = {(h.signal, h.start) for h in reading(ctx, p, a).hits}
        for h in a.hits:
            # sure readings everyone notices; an unsure one only inside the persona's lens
            assert ((h.signal, h.start) in noticed) == (h.sure or h.via == "rubric" or h.signal in close)
            missed += (h.signal, h.start) not in noticed
    assert missed > 0


def test_an_admission_is_not_a_counter_to_a_plan_stated_elsewhere():
    from committee.engines.offline.detect import detect_signals

    text = (
        "## Revenue up 20%, jailbreak detection down 1%\nShip it now and patch the jailbreak gap in v2.\n\n"
        "## Values\nMy old habit was to treat safety reviews as a checkbox, which I have had to unlearn.\n"
    )
    plan = [h for h in detect_signals(text, SIGS) if h.signal == "safety-negotiable" and "Ship it" in h.quote]
    assert plan and all(h.sure for h in plan)


def test_quotes_stay_verbatim_when_lower_casing_changes_length():
    from committee.engines.offline.detect import detect_signals

    text = (
        "\u0130" * 40
        + " notes, then a long clause: "
        + "we keep going on the roadmap and then " * 6
        + "premium customers get a lighter filter because they pay more; the rest of the sentence goes on and on."
    )
    for h in detect_signals(text, SIGS):
        assert text[h.start : h.start + len(h.quote)] == h.quote
        assert h.quote.split()[0].isalpha() or h.quote[0] in "\u0130"


@pytest.mark.parametrize(
    "answer",
    [
        "Does the 1% fall on the severe categories? If it does, the launch plan is reopened, even if it costs us the quarter.",
    ],
)
def test_a_cost_accepted_for_safety_never_reads_as_a_firm_red_flag(answer, monkeypatch):
    """A concession that pays a price (a date, a deal) for a safety property answers the
    "safety is negotiable" and "growth first" readings in its own sentence. Under this
    heading the classifier alone reads such a sentence as firm `safety-negotiable`."""
    text = f"## Revenue up 20%, jailbreak detection down 1%\n{answer}\n"
    firm = {h.signal for h in analyse(ctx_for(text)).hits if h.polarity == "red" and h.sure}
    assert not firm & {"safety-negotiable", "growth-north-star"}, firm
    for sig in CAT.signals.values():  # the rule off: no signal marked `answered_by_cost`
        monkeypatch.setattr(sig, "answered_by_cost", False)
    unruled = {h.signal for h in analyse(ctx_for(text + " ")).hits if h.polarity == "red" and h.sure}
    assert "safety-negotiable" in unruled, "the construction no longer needs the rule: drop or rewrite this test"


def test_paying_safety_for_growth_is_not_a_concession():
    from committee.engines.offline import lexicon

    for sentence in (
        "i would ship it even if it costs 1% of jailbreak detection.",
        "ship now, even if a few jailbreaks get through.",
        "even if we lose some detection, we ship.",
    ):
        assert not lexicon.CONCESSIVE_COST_RE.search(sentence), sentence
    assert lexicon.CONCESSIVE_COST_RE.search("i keep the filter even if it costs us the renewal.")


def test_someone_elses_proposal_is_never_a_firm_reading_of_the_candidate():
    """A reported proposal describes its author: at most a concern to check. The same
    plan as the candidate's own stays a firm red flag."""
    theirs = (
        "## Access and pricing tiers for a new model\nA director on the sales side proposed a premium tier "
        "that skips the output classifier so that large customers get faster answers.\n"
    )
    mine = (
        "## Access and pricing tiers for a new model\nI would add a premium tier that skips the output "
        "classifier so that large customers get faster answers.\n"
    )
    red = lambda text: {(h.signal, h.sure) for h in analyse(ctx_for(text, "api-pm")).hits if h.polarity == "red"}  # noqa: E731
    assert ("pay-for-weaker-safety", True) in red(mine)
    assert ("pay-for-weaker-safety", True) not in red(theirs)


SPANNING = """---
candidate: Test Candidate
scenario: safety-pm
---
## Product sense
Launch to all users in an open beta, listen to what they say and iterate quickly. We would
add a report button so users can flag bad output.
"""


@pytest.mark.parametrize("text", [SPANNING] + [p.read_text() for p in PACKETS], ids=lambda t: t[:30])
def test_a_reading_is_never_corroborated_by_the_words_it_quotes(text):
    """A red reading that is sure only by corroboration needs the same flag read again in
    words it does not itself quote: a reading whose quote runs on into the next sentence
    is not corroborated by that sentence (a low-rated cue would otherwise decide a hard line)."""
    from committee.engines.offline.detect import SURE_CUE, SURE_LEARNED

    hits = analyse(ctx_for(text)).hits
    for h in hits:
        if h.polarity != "red" or not h.sure or h.via not in ("cue", "learned"):
            continue
        if h.p >= (SURE_CUE if h.via == "cue" else SURE_LEARNED):
            continue  # sure on its own rating
        others = [
            x
            for x in hits
            if x is not h
            and x.signal == h.signal
            and not (x.start < h.start + len(h.quote) and h.start < x.start + len(x.quote))
        ]
        assert others, f"{h.signal} at p={h.p} is sure only by its own words: {h.quote!r}"
