"""Coaching feedback (committee/decision/feedback.py): readable names, a next step even for a
strong packet, unanswered case prompts, and no communication credit for red flags."""

from __future__ import annotations

import re

import pytest

from committee.catalog import load_catalog
from committee.decision.feedback import build_feedback, signal_title, unanswered_prompts
from committee.engines.offline import OfflineEngine
from committee.engines.offline.review import analyse
from committee.intake.packets import parse_packet
from committee.models import Context
from tests.conftest import EXAMPLES
from tests.test_offline_review import ctx_for as review_ctx


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def ctx_for(cat, text, scenario=None):
    """The run context of `text` on `scenario`, else the packet's own, else safety-pm."""
    packet = parse_packet(text, name="t")
    return review_ctx(cat, packet, scenario or packet.scenario or "safety-pm")


def feedback(ctx):
    eng = OfflineEngine()
    return build_feedback(ctx, [eng.review(ctx, p)[0] for p in ctx.panel.values()])


def test_every_library_signal_has_a_readable_title(cat):
    for sid in cat.signals:
        title = signal_title(sid)
        assert title == cat.signals[sid].title and title != sid and title != sid.replace("-", " ")


def test_weak_packet_coaching_uses_readable_names_and_keeps_the_ids(cat):
    items = feedback(ctx_for(cat, (EXAMPLES / "weak-growth-pm.md").read_text()))
    weak = [i for i in items if i.kind == "weak"]
    assert weak and weak == sorted(weak, key=lambda i: i.score)
    ids = set(cat.signals)
    for item in weak:
        assert item.remove_flags == [signal_title(s) for s in item.remove_signals]
        assert set(item.remove_signals) <= ids
        for text in [item.advice, *item.remove_flags]:
            assert not any(re.search(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", text) for sid in ids), text
    flagged = {s for i in weak for s in i.remove_signals}
    assert {"growth-north-star", "pay-for-weaker-safety", "test-irreversible-harm"} <= flagged
    product = next(i for i in weak if i.dimension == "product_sense")
    assert "a growth or engagement metric as the north star" in product.advice and product.quote


def test_strong_packet_still_gets_one_concrete_step(cat):
    items = feedback(ctx_for(cat, (EXAMPLES / "strong-safety-pm.md").read_text()))
    assert not [i for i in items if i.kind == "weak"]
    reach = [i for i in items if i.kind == "reach-4"]
    assert len(reach) == 1
    step = reach[0]
    assert step.dimension in {d.id for d in ctx_for(cat, "x").scenario.dimensions}
    assert step.advice.startswith("To ") and len(step.advice) > 60


def test_unanswered_case_prompts_are_flagged_and_answered_ones_are_not(cat):
    ctx = ctx_for(cat, (EXAMPLES / "borderline-api-pm.md").read_text())
    missing = {p.id for p in unanswered_prompts(ctx)}
    assert "api-tiers" not in missing  # its section title is the prompt's title
    assert {"revenue-vs-jailbreak", "weights-leak"} <= missing
    item = next(i for i in feedback(ctx) if i.kind == "case-prompts")
    assert item.dimension == "case_prompts" and set(item.case_prompts) == missing
    assert "Revenue up 20%, jailbreak detection down 1%" in item.advice
    assert 1.0 <= item.score < 4.0


def test_a_packet_answering_a_prompt_under_its_own_words_counts(cat):
    text = (
        "## Product sense: launching the multi-file code writer\nBefore any user sees the new capability that "
        "writes multi-file code, the launch plan requires red-teaming and an eval suite.\n"
    )
    assert "reasoning-launch" not in {p.id for p in unanswered_prompts(ctx_for(cat, text, "safety-pm"))}


def test_a_red_flag_sentence_earns_no_communication_credit(cat):
    text = (
        "## Case: revenue versus jailbreaks\n20% revenue is huge and 1% is a small drop, so I would ship it.\n\n"
        "## Plan\nThe assistant answers billing questions for small shops and hands refunds to a person. "
        "We reviewed forty support tickets to pick the first three intents. Each intent gets its own test set.\n"
    )
    ctx = ctx_for(cat, text)
    hits = analyse(ctx).hits
    red = [h for h in hits if h.polarity == "red"]
    assert red and red[0].quote.startswith("20% revenue is huge")
    credited = {h.sentence for h in hits if h.signal in ("comm-specifics", "comm-structure")}
    assert red[0].sentence not in credited


def test_no_reviews_no_feedback(cat):
    assert build_feedback(ctx_for(cat, "## Plan\nSomething.\n"), []) == []


def test_a_signal_read_firmly_is_never_also_a_point_to_check():
    from committee.catalog import load_catalog
    from committee.decision.feedback import build_feedback
    from committee.engines.offline.review import analyse, build_review
    from committee.intake.packets import parse_packet

    cat = load_catalog()
    text = (
        "## Revenue up 20%, jailbreak detection down 1%\nShip it now and patch the jailbreak gap in v2.\n\n"
        "## Values\nMy old habit was to treat safety reviews as a checkbox, which I have had to unlearn.\n"
    )
    packet = parse_packet(text, name="both")
    sc = cat.scenario("safety-pm")
    ctx = Context(
        packet=packet,
        scenario=sc,
        signals={s: cat.signals[s] for s in sc.signals},
        panel={p: cat.personas[p] for p in cat.default_panel},
        integrity=[],
    )
    reviews = [build_review(ctx, p, analyse(ctx)) for p in ctx.panel.values()]
    items = build_feedback(ctx, reviews)
    assert any("safety-negotiable" in i.remove_signals for i in items)
    for i in items:
        assert not set(i.remove_signals) & set(i.check_signals)
