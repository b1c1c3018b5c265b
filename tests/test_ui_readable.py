"""The view models behind issue 14's reading fixes (items 7-10, 12): readable decision
text, cited passages once per card, packet lists, messages with code spans, chart
axes and colours, and the Trust page's default probe. Pure functions, plus a few
AppTest checks of the pages that draw them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from committee.catalog import default_catalog
from committee.decision.rules import decide
from committee.graph.runner import prepare, start_run
from committee.intake.packets import parse_packet, read_packet
from committee.models import DecisionRules, Review, Vote
from committee.present.views import (
    PERSONA_COLORS,
    VOTE_COLOR,
    cited_passages,
    escape_markdown,
    evidence_spans,
    highlighted_markdown,
    message_markdown,
    packet_lists,
    readable_ids,
    readable_rule,
)
from committee.store.runs import Store
from committee.trust import views as trust_views
from committee.trust.probes import ATTRIBUTES
from tests.conftest import EXAMPLES, ROOT

NAMES = {
    "research-lead": "Dr. Mara Okafor",
    "safety-lead": "Jonas Whitfield",
    "vp-product": "Elena Marchetti",
    "hiring-manager": "Dr. Kwame Asante",
}
DIMS = {"alignment_judgement": "Alignment judgement", "values": "Values"}


def review(persona: str, **scores: int) -> Review:
    return Review(persona=persona, vote=Vote.no_hire, confidence=0.9, summary="s", scores=scores)


# ------------------------------------------------------------------ item 8: readable decision text


def test_decision_explanations_read_with_names_and_titles():
    votes = {p: Vote.strong_hire for p in NAMES}
    rules = DecisionRules(must_pass=["alignment_judgement"], fail_quorum=2, fail_score=1)
    failed = decide(votes, [review(p, alignment_judgement=1) for p in NAMES], rules)
    text = readable_ids(failed.explanation, NAMES, DIMS)
    assert text == (
        "4 reviews failed the must-pass dimension “Alignment judgement” "
        "(Dr. Mara Okafor, Jonas Whitfield, Elena Marchetti, Dr. Kwame Asante)."
    )
    assert "alignment_judgement" in failed.explanation  # the contract keeps its ids
    assert readable_rule(failed.rule, NAMES, DIMS) == "must-pass dimension failed: Alignment judgement"
    majority = decide(votes, [review(p) for p in NAMES], DecisionRules())
    text = readable_ids(majority.explanation, NAMES, DIMS)
    assert "Dr. Mara Okafor: Strong Hire, Jonas Whitfield: Strong Hire" in text and "=" not in text
    veto = decide(
        {"safety-lead": Vote.strong_no_hire}, [], DecisionRules(vetoes={"safety-lead": [Vote.strong_no_hire]})
    )
    assert readable_ids(veto.explanation, NAMES).startswith("Jonas Whitfield voted Strong No Hire")
    assert readable_rule(veto.rule, NAMES) == "veto by Jonas Whitfield"
    # an id inside a longer word is left alone
    assert readable_ids("research-leads and pre-research-lead", NAMES) == "research-leads and pre-research-lead"


# ------------------------------------------------------------------ item 7: cited passages


def test_cited_passages_show_each_quote_once_in_its_passage():
    packet = read_packet(EXAMPLES / "weak-growth-pm.md")
    q1 = "Launch plan: roll it out gradually, 1% of users in the first week, then 5%, 25% and finally everyone."
    q2 = "Some outputs in the early cohorts will probably be harmful"
    q3 = "I would focus on base salary and a signing bonus that covers the equity I am leaving behind."
    assert all(q in packet.text for q in (q1, q2, q3))
    evidence = [
        {"quote": q1, "signal": "test-irreversible-harm", "polarity": "red"},
        {"quote": q2, "signal": "test-irreversible-harm", "polarity": "red"},
        {"quote": q2, "signal": "safety-negotiable", "polarity": "red"},  # the same quote, another signal
        {"quote": q3, "signal": "cash-first-negotiation", "polarity": "red"},
        {"quote": "not in the packet at all", "signal": "x", "polarity": "green"},
    ]
    passages = cited_passages(packet, evidence, title=lambda s: s.upper())
    assert [p.quotes for p in passages] == [[q1, q2], [q3], ["not in the packet at all"]]
    joined = "\n".join(p.markdown for p in passages)
    for q in (q1, q2, q3):  # each quote once, highlighted
        assert joined.count(escape_markdown(q)) == 1
    assert passages[0].section.startswith("Product sense") and passages[1].section == "Negotiation"
    assert passages[0].signals == ["test-irreversible-harm", "safety-negotiable"]
    assert passages[0].titles == ["TEST-IRREVERSIBLE-HARM", "SAFETY-NEGOTIABLE"]
    assert ":red-background[" in passages[0].markdown and "##" not in joined  # no heading line pulled in
    assert "Equity in a private company is hard to value" in passages[1].markdown.replace("\\", "")  # context


# ------------------------------------------------------------------ item 9: packet lists


def test_packet_lists_render_as_lists_and_stay_inert():
    text = "Plan:\n- gate <b>access</b>\n* [x](javascript:1)\n  - nested\n1. first\n12. twelfth\n-not a list\n"
    md = highlighted_markdown(text, [])
    lines = md.split("  \n")
    assert lines[1] == "- gate \\<b\\>access\\</b\\>"
    assert lines[2] == "- \\[x\\]\\(javascript\\:\u20601\\)"
    assert lines[3] == "- nested" and lines[4] == "1. first" and lines[5] == "12. twelfth"
    assert lines[6] == "\\-not a list"
    spans = evidence_spans(text, [(None, {"quote": "- gate <b>access</b>", "signal": "s", "polarity": "red"})])
    assert highlighted_markdown(text, spans).split("  \n")[1] == "- **:red-background[gate \\<b\\>access\\</b\\>]**"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("- *+1.2 \nab<>[]()!$:`_#|~&")), max_size=60))
def test_packet_lists_only_unescape_a_line_start_marker(text):
    out = packet_lists(escape_markdown(text))
    for line in out.split("\n"):
        body = re.sub(r"^(?:[-]|\d{1,3}\.) ", "", line)  # a list marker the packet had
        for m in re.finditer(r"[<>\[\]()!$`*_#|~&]", body):
            assert body[m.start() - 1] == "\\", (text, out)


# ------------------------------------------------------------------ item 12: messages


def test_messages_keep_code_spans_and_escape_the_rest():
    assert message_markdown("front matter `pronouns:` *x*") == "front matter `pronouns:` \\*x\\*"
    assert message_markdown("one ` alone <b>") == escape_markdown("one ` alone <b>")


def test_the_trust_default_probe_is_an_example_it_can_vary():
    files = trust_views.example_files(EXAMPLES)
    i = trust_views.probe_default(EXAMPLES, files, list(ATTRIBUTES))
    assert files[i] == "strong-safety-pm.md"
    ready, skipped = trust_views.probe_plan(read_packet(EXAMPLES / "borderline-api-pm.md"), list(ATTRIBUTES))
    assert not ready and "front matter" in skipped["name"]
    assert trust_views.probe_plan(read_packet(EXAMPLES / files[i]), list(ATTRIBUTES))[0]


# ------------------------------------------------------------------ item 9: charts


def _spec(chart) -> dict:
    return chart.to_dict()


def test_stage_labels_are_kept_and_persona_colours_are_not_vote_colours():
    import sys

    sys.path.insert(0, str(ROOT / "ui"))
    import uikit

    stages = ["sealed"] + [f"round {r}" for r in range(1, 6)] + ["final"]
    timeline = [
        {"stage": s, "order": i, "persona": p, "vote": "hire", "vote_label": "Hire", "points": 1}
        for i, s in enumerate(stages)
        for p in NAMES
    ]
    for chart in (uikit.tally_chart(timeline), uikit.persona_lines_chart(timeline, NAMES)):
        axis = _spec(chart)["encoding"]["x"]["axis"]
        assert axis["labelOverlap"] is False and axis["labelAngle"] != 0  # all 7 labels drawn, tilted
    color = _spec(uikit.persona_lines_chart(timeline, NAMES))["encoding"]["color"]["scale"]
    assert color["domain"] == list(NAMES.values())
    assert not {c.lower() for c in color["range"]} & {c.lower() for c in VOTE_COLOR.values()}
    assert set(color["range"]) <= set(PERSONA_COLORS)


def test_four_identical_persona_lines_stay_four_and_show_their_true_vote():
    """Four personas with the same votes draw four lines (nudged `VOTE_STEP` apart, one
    marker shape each, the chart saying so), and the tooltip shows the vote itself."""
    import sys

    sys.path.insert(0, str(ROOT / "ui"))
    import uikit

    from committee.present.views import VOTE_STEP

    timeline = [
        {"stage": s, "order": i, "persona": p, "vote": "hire", "vote_label": "Hire", "points": 1}
        for i, s in enumerate(["sealed", "final"])
        for p in NAMES
    ]
    spec = _spec(uikit.persona_lines_chart(timeline, NAMES))
    enc = spec["encoding"]
    assert enc["y"]["field"] == "y" and enc["shape"]["field"] == "name"
    assert "slightly apart" in str(spec["title"])
    assert {t["field"] for t in enc["tooltip"]} >= {"vote_label"} and "y" not in {t["field"] for t in enc["tooltip"]}
    rows = next(iter(spec["datasets"].values()))
    ys = sorted({round(r["y"], 6) for r in rows if r["stage"] == "final"})
    assert len(ys) == 4 and min(b - a for a, b in zip(ys, ys[1:])) >= VOTE_STEP - 1e-9


# ------------------------------------------------------------------ AppTest: pages


@pytest.fixture
def db(db_path, monkeypatch):
    monkeypatch.setenv("COMMITTEE_DB", str(db_path))
    return db_path


def test_trust_conformity_without_flips_says_so_instead_of_an_empty_chart(db):
    with Store(db) as store:
        start_run(store, prepare(read_packet(EXAMPLES / "strong-safety-pm.md")))
    at = AppTest.from_file(str(ROOT / "ui" / "app_pages" / "5_Trust.py"), default_timeout=60).run()
    assert not at.exception
    assert any("No persona changed its vote" in c.value for c in at.caption)
    charts = [c for c in at.get("vega_lite_chart") if "Flip rate" in c.proto.spec]
    assert not charts


def test_persona_weight_charts_share_one_scale(db):
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/personas.py").run()
    assert not at.exception
    import json

    domains = [
        json.dumps(json.loads(c.proto.spec)["encoding"]["x"]["scale"]["domain"])
        for c in at.get("vega_lite_chart")
        if "share of the vote" in c.proto.spec
    ]
    assert len(domains) == len(default_catalog().personas) and len(set(domains)) == 1


def test_compare_opens_on_the_latest_packet_and_hints_at_the_same_revision(db):
    with Store(db) as store:
        for name in ("weak-growth-pm.md", "weak-growth-pm-rev2.md", "strong-safety-pm.md"):
            start_run(store, prepare(read_packet(EXAMPLES / name)))
        start_run(store, prepare(parse_packet("## Notes\nA study's own packet.\n", name="nadia-safety-pm--probe")))
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    box = at.selectbox(key="compare_select")
    assert box.value == "nadia-safety-pm" and "nadia-safety-pm--probe" not in box.options
    box.set_value("dylan-growth-pm").run()
    at.selectbox(key="compare_to").set_value(1).run()
    assert not at.exception
    assert any("choose two different revisions" in i.value for i in at.info)
    assert not [s for s in at.subheader if s.value.startswith("Revision 1 → 1")]
    at.toggle(key="compare_studies").set_value(True).run()
    assert "nadia-safety-pm--probe" in at.selectbox(key="compare_select").options


def test_a_fork_in_the_run_picker_says_what_it_changed(monkeypatch):
    import sys

    from committee.store.runs import RunRow

    monkeypatch.syspath_prepend(str(ROOT / "ui"))
    sys.modules.pop("uikit", None)
    import uikit

    base = dict(
        packet_key="nadia-safety-pm",
        revision=1,
        scenario="safety-pm",
        engine="offline",
        model=None,
        protocol="simultaneous",
        rounds=2,
        panel=["research-lead", "safety-lead"],
        status="done",
        outcome="hire",
        created_at=0.0,
        options={},
        votes={},
        error=None,
        finished_at=0.0,
    )
    parent = RunRow(run_id="aaaa", **base)
    fork = RunRow(run_id="bbbb", parent_run_id="aaaa", changed={"mute": "safety-lead"}, **base)
    assert "what if" not in uikit.run_label(parent)
    assert "what if: Dr. Someone muted" in uikit.run_label(fork, {"safety-lead": "Dr. Someone"})
