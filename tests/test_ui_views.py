"""The pure helpers behind the UI (committee.present.views, committee.present.compare.word_diff):
escaping of untrusted text, evidence highlighting, vote timelines, replay frames."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from committee.intake.packets import parse_packet, read_packet
from committee.present.compare import word_diff
from committee.present.views import (
    code_span,
    diff_markdown,
    escape_markdown,
    evidence_spans,
    highlighted_markdown,
    jitter,
    replay_frames,
    sections_markdown,
    segments,
    tally,
    timeline_from_result,
    timeline_from_turns,
)
from tests.conftest import EXAMPLES

NASTY = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![tracker](https://evil.example/pixel.png)",
    "[click](javascript:alert(1))",
    "https://evil.example/a and www.evil.example",
    ":red[fake badge] :material/home: :smile:",
    "$\\frac{1}{2}$ and $$x$$",
    "# heading\n- list\n1. item\n> quote\n    code block\n| a | b |\n|---|---|",
    "**bold** _em_ ~~strike~~ `code` <b>x</b> &amp; &lt;",
]


def unescape(md: str) -> str:
    """Undo escape_markdown (for the round-trip property)."""
    text = md.replace("\n\n", "\n  \n").replace("  \n", "\n").replace("\u2060", "").replace("\u00a0", " ")
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


@pytest.mark.parametrize("text", NASTY)
def test_escape_markdown_leaves_no_active_syntax(text):
    out = escape_markdown(text)
    # every Markdown/HTML/LaTeX/directive character is backslash-escaped
    for ch in "<>[]()!$:`*_#|~&":
        for m in re.finditer(re.escape(ch), out):
            assert out[m.start() - 1] == "\\", (ch, out)
    assert "http://" not in out and "https://" not in out  # the colon is escaped: no autolink
    assert "    code" not in out  # an indent never becomes a code block


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2060\u00a0")
        | st.sampled_from("\n <>[]()!$:`*_#\\"),
        max_size=80,
    )
)
def test_escape_markdown_round_trips(text):
    lines = [line.lstrip(" \t") for line in text.split("\n")]
    expected = "\n".join(lines)
    got = "\n".join(line.lstrip(" ") for line in unescape(escape_markdown(text)).split("\n"))
    assert (
        got.replace(" \n", "\n").rstrip() == expected.replace(" \n", "\n").rstrip() or got.strip() == expected.strip()
    )


def test_code_span_cannot_be_closed_early():
    assert code_span("a`b") == "`a'b`"
    assert code_span("x\ny") == "`x y`"
    assert code_span("") == ""


def test_evidence_spans_merge_and_skip():
    text = "We ship fast. We A/B test harmful code. We add a threat model."
    ev = [
        ("safety-lead", {"quote": "We A/B test harmful code.", "signal": "test-irreversible-harm", "polarity": "red"}),
        (
            "research-lead",
            {"quote": "A/B test harmful", "signal": "test-irreversible-harm", "polarity": "red", "start": 3},
        ),
        ("vp-product", {"quote": "We add a threat model.", "signal": "threat-model-first", "polarity": "green"}),
        ("vp-product", {"quote": "not in the text", "signal": "x", "polarity": "green"}),
    ]
    spans = evidence_spans(text, ev)
    assert [(text[s.start : s.end], s.polarity) for s in spans] == [
        ("We A/B test harmful code.", "red"),
        ("We add a threat model.", "green"),
    ]
    assert spans[0].who == ("safety-lead", "research-lead")
    assert "".join(c for c, _ in segments(text, spans)) == text
    mixed = evidence_spans(
        text,
        [
            (None, {"quote": "We ship fast. We A/B", "signal": "a", "polarity": "green"}),
            (None, {"quote": "A/B test", "signal": "b", "polarity": "red"}),
        ],
    )
    assert len(mixed) == 1 and mixed[0].polarity is None and mixed[0].signals == ("a", "b")


def test_highlighted_markdown_escapes_inside_and_outside_highlights():
    text = "Intro <script>x</script>.\n\nWe log [all](http://x.example) chats."
    spans = evidence_spans(text, [(None, {"quote": "[all](http://x.example) chats", "signal": "d", "polarity": "red"})])
    md = highlighted_markdown(text, spans)
    assert "\\<script\\>" in md and "<script>" not in md
    assert "**:red-background[\\[all\\]\\(http\\:\u2060//x\\.example\\) chats]**" in md
    assert "](http" not in md


def test_sections_markdown_shows_cited_sections():
    packet = read_packet(EXAMPLES / "weak-growth-pm.md")
    quote = "Every token the model generates is checked against a live web index before it is shown"
    spans = evidence_spans(
        packet.text, [(None, {"quote": quote, "signal": "ignores-inference-cost", "polarity": "red"})]
    )
    only = sections_markdown(packet, spans, only_cited=True)
    assert only.startswith("**Technical design\\: Real\\-time fact\\-checking**")
    assert "Resume" not in only and ":red-background[" in only
    full = sections_markdown(packet, spans)
    assert "**Resume**" in full and "**Negotiation**" in full
    assert sections_markdown(packet, [], only_cited=True) == full.replace(
        "**:red-background[" + escape_markdown(quote) + "]**", escape_markdown(quote)
    )


def test_sections_markdown_without_headings():
    packet = parse_packet("Just one paragraph <b>here</b>.", name="p")
    assert sections_markdown(packet) == "**Packet**\n\nJust one paragraph \\<b\\>here\\</b\\>\\."


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(["alpha beta.", "gamma delta epsilon.", "", "## Head", "zeta <eta>.", "alpha gamma."]),
        max_size=8,
    ),
    st.lists(
        st.sampled_from(["alpha beta.", "gamma delta epsilon.", "", "## Head", "zeta <eta>.", "beta alpha."]),
        max_size=8,
    ),
)
def test_word_diff_rebuilds_both_sides(a_lines, b_lines):
    a, b = "\n".join(a_lines), "\n".join(b_lines)
    chunks = word_diff(a, b)
    assert "".join(t for op, t in chunks if op != "added") == a
    assert "".join(t for op, t in chunks if op != "removed") == b
    md = diff_markdown(chunks)
    assert "<eta>" not in md


def test_diff_markdown_marks_changes():
    md = diff_markdown(word_diff("## Plan\nShip to 1% first.", "## Plan\nShip after red-teaming."))
    assert md.startswith("**Plan**")
    assert ":red-background[~~" in md and ":green-background[" in md


def test_timeline_and_tally():
    turns = [
        {"round": 1, "speaker": "a", "vote": "no_hire"},
        {"round": 1, "speaker": "b", "vote": "hire"},
        {"round": 2, "speaker": "a", "vote": "hire"},
    ]
    rows = timeline_from_turns(["a", "b"], {"a": "strong_no_hire", "b": "hire"}, turns, {"a": "hire", "b": "hire"})
    by = {(r["stage"], r["persona"]): r["vote"] for r in rows}
    assert by == {
        ("sealed", "a"): "strong_no_hire",
        ("sealed", "b"): "hire",
        ("round 1", "a"): "no_hire",
        ("round 1", "b"): "hire",
        ("round 2", "a"): "hire",
        ("round 2", "b"): "hire",
        ("final", "a"): "hire",
        ("final", "b"): "hire",
    }
    counts = {(r["stage"], r["vote"]): r["count"] for r in tally(rows)}
    assert counts[("sealed", "strong_no_hire")] == 1 and counts[("round 2", "hire")] == 2
    assert sum(r["count"] for r in tally(rows) if r["stage"] == "final") == 2
    assert timeline_from_turns(["a"], {}, [], None) == []
    j = jitter(rows, by="persona", value="points")
    assert {round(r["y"] - r["points"], 6) for r in j if r["persona"] == "a"} == {-0.04}


@pytest.fixture
def scripted(monkeypatch):
    from tests.fakes import register

    holder = {}
    register(monkeypatch, "scripted", lambda: holder["engine"])
    return holder


def test_replay_frames_follow_the_run(store, scripted):
    from committee.graph.runner import prepare, replay_steps, start_run
    from tests.fakes import ScriptedEngine

    votes = {"research-lead": "no_hire", "safety-lead": "no_hire", "vp-product": "hire", "hiring-manager": "no_hire"}
    scripted["engine"] = ScriptedEngine(votes)
    result = start_run(
        store, prepare(read_packet(EXAMPLES / "weak-growth-pm.md"), engine="scripted", rounds=3, protocol="round-robin")
    )
    steps = replay_steps(store, result.run_id)
    frames = replay_frames(steps, result.personas)
    assert len(frames) == len(steps)
    assert all(pf.vote is None for pf in frames[0].personas.values())
    sealed = next(f for f in frames if f.node == "review_packet")
    assert {p: pf.vote for p, pf in sealed.personas.items()} == votes
    assert all(pf.speaking and pf.evidence for pf in sealed.personas.values())
    turn_frames = [f for f in frames if f.node == "speak_turn"]
    assert len(turn_frames) == len(result.debrief)  # round-robin: one speaker per step
    for f in turn_frames:
        assert sum(pf.speaking for pf in f.personas.values()) == 1
    moved = next(f for f in turn_frames if any(pf.speaking and pf.previous_vote for pf in f.personas.values()))
    pf = next(pf for pf in moved.personas.values() if pf.speaking)
    assert pf.vote != pf.previous_vote and pf.reason
    last = frames[-1]
    assert {p: pf.vote for p, pf in last.personas.items()} == {p: v.value for p, v in result.votes.items()}
    assert last.decision["outcome"] == result.decision.outcome
    assert last.timeline == timeline_from_result(result)
    assert frames[-2].title.startswith("Decision") or any(f.title.startswith("Decision") for f in frames)


def test_packet_from_upload_reads_like_the_cli():
    from committee.errors import BadInput
    from committee.present.views import packet_from_upload, upload_types

    data = (EXAMPLES / "weak-growth-pm.md").read_bytes()
    p = packet_from_upload("weak-growth-pm.md", data)
    assert p.key == "dylan-growth-pm" and p.text == read_packet(EXAMPLES / "weak-growth-pm.md").text
    assert packet_from_upload("notes.txt", b"## Resume\nHello").key == "notes"
    assert {"md", "txt"} <= set(upload_types())
    with pytest.raises(BadInput, match="unsupported"):
        packet_from_upload("x.exe", b"MZ")
    with pytest.raises(BadInput, match="limit"):
        packet_from_upload("big.md", b"a" * 2000, max_bytes=1000)


def test_sizes_read_as_kb_and_mb():
    from committee.present.views import size_text, upload_limit_bytes

    assert [size_text(n) for n in (900, 512 * 1024, 600 * 1024, 4 * 1024 * 1024, 1536 * 1024)] == [
        "900 bytes",
        "512 KB",
        "600 KB",
        "4 MB",
        "1.5 MB",
    ]
    assert upload_limit_bytes(512 * 1024) == 4 * 1024 * 1024  # PDF/DOCX may be 8x the text limit


def test_an_oversize_upload_is_refused_in_kb_with_the_ui_option():
    from committee.errors import BadInput
    from committee.present.views import packet_from_upload

    with pytest.raises(BadInput, match=r"big\.md is 600 KB: over the 512 KB limit .*committee ui --max-bytes"):
        packet_from_upload("big.md", b"x" * (600 * 1024), max_bytes=512 * 1024)


def test_committee_ui_checks_max_bytes_before_starting():
    import subprocess
    import sys

    from tests.conftest import ROOT

    proc = subprocess.run(
        [sys.executable, "-m", "committee", "ui", "--max-bytes", "lots", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode != 0 and "not a size" in proc.stderr, proc.stderr


def test_feedback_view_leaves_out_4_of_4_and_heads_case_prompts_apart():
    """One rule for the app and the terminal: a dimension at 4/4 is not to improve (a
    "check" item stays), case prompts are not a rubric dimension."""
    from committee.models import FeedbackItem
    from committee.present.views import feedback_quote_label, feedback_view

    items = [
        FeedbackItem(dimension="technical_fluency", score=4.0, advice="keep", kind="reach-4"),
        FeedbackItem(dimension="communication", score=2.0, advice="fix", quote="q"),
        FeedbackItem(dimension="alignment_judgement", score=4.0, advice="check", kind="check", check_signals=["x"]),
        FeedbackItem(dimension="case_prompts", score=2.5, advice="answer", kind="case-prompts"),
    ]
    view = feedback_view(items)
    assert [f.dimension for f in view.items] == ["communication", "alignment_judgement"]
    assert [f.kind for f in view.prompts] == ["case-prompts"]
    assert feedback_quote_label(items[1]) == "What pulled it down"
    assert feedback_quote_label(items[2]) == "Read uncertainly"


def test_signal_text_gives_every_signal_a_title_and_a_description():
    from committee.catalog import default_catalog
    from committee.present.views import signal_text

    cat = default_catalog()
    for sid in (*cat.signals, *cat.engine_signals):
        title, desc = signal_text(sid, cat)
        assert title and title != sid and desc, sid
    title, desc = signal_text("comm-structure", cat)
    assert title == "an answer organised into labelled parts" and desc.startswith("Organises")


def test_diff_markdown_renders_added_and_removed_headings_like_the_others():
    """A heading added or removed whole reads as a bold title (in its highlight), as an
    unchanged heading does, never as a literal "## "; its text stays escaped."""
    from committee.present.compare import word_diff
    from committee.present.views import diff_markdown

    before = "## Intro\nhello world\n"
    after = before + "\n## Incident response <b>now</b>\nWe roll back in 48 hours.\n"
    added = diff_markdown(word_diff(before, after))
    assert "**Intro**" in added
    assert "\\#" not in added and "## " not in added, added
    assert "**:green-background[Incident response \\<b\\>now\\</b\\>]**" in added, added
    removed = diff_markdown(word_diff(after, before))
    assert "\\#" not in removed and "**:red-background[~~Incident response" in removed, removed


def test_upload_refusal_and_limits_come_from_the_readers_numbers():
    from committee.intake.packets import BINARY_FACTOR
    from committee.present.views import message_markdown, size_text, upload_limits_text, upload_refusal

    limit = 100 * 1024
    assert upload_refusal("ok.md", limit, max_bytes=limit) is None
    assert upload_refusal("cv.pdf", limit * BINARY_FACTOR, max_bytes=limit) is None
    said = upload_refusal("big.md", limit + 10 * 1024, max_bytes=limit)
    assert said.startswith("big.md is 110 KB: over the 100 KB limit for Markdown and text files")
    assert "`committee ui --max-bytes 2m`" in said
    big_pdf = upload_refusal("cv.pdf", 20 * 1024 * 1024, max_bytes=limit)
    assert f"over the {size_text(limit * BINARY_FACTOR)} limit for PDF and DOCX" in big_pdf
    assert "--max-bytes 3m" in big_pdf  # 20 MB / 8: the limit that admits it, in whole MB
    assert "JSON files" in upload_refusal("p.json", limit + 1, max_bytes=limit)
    assert "<code>" not in message_markdown(said) and message_markdown(said).count("`") == 2  # one code span
    text = upload_limits_text(limit)
    assert (
        ".md" in text
        and "up to 100 KB" in text
        and ".pdf" in text
        and f"up to {size_text(limit * BINARY_FACTOR)}" in text
    )


def test_pasted_packet_keys_are_numbered_after_the_stored_ones():
    from committee.present.views import pasted_packet_key

    assert pasted_packet_key([]) == "pasted-packet-1"
    assert pasted_packet_key(["jane", "pasted-packet-2", "pasted-packet-10", "pasted-packet-x"]) == "pasted-packet-11"


def test_a_stored_packet_pastes_back_as_the_same_packet():
    from committee.intake.packets import parse_packet
    from committee.present.views import packet_markdown

    stored = read_packet(EXAMPLES / "strong-safety-pm.md")
    again = parse_packet(packet_markdown(stored), name="x", key=stored.key)
    assert (again.sha256, again.candidate, again.scenario) == (stored.sha256, stored.candidate, stored.scenario)
    plain = parse_packet("## Resume\nI ran evals.\n", name="cv")
    assert packet_markdown(plain) == plain.text  # nothing to put in front matter


def test_an_answered_packet_pastes_back_without_the_committees_own_keys():
    """The answered revision records which questions were answered (`meta.follow_up`):
    that is the committee's record, not the candidate's text, so it is not pasted back."""
    from committee.present.views import packet_markdown

    answered = read_packet(EXAMPLES / "strong-safety-pm.md")
    answered = answered.model_copy(update={"meta": {**answered.meta, "follow_up": {"answered": ["q1"]}}})
    text = packet_markdown(answered)
    assert "follow_up" not in text and "answered:" not in text and text.startswith("---\n")


def test_a_heading_inside_a_section_reads_as_a_bold_line_not_literal_hashes():
    """The answers part's `### Answer to ..., on values` (and any packet sub-heading) is a
    bold line in the replay's packet pane; a '#' inside a sentence stays text, escaped."""
    from committee.present.views import highlighted_markdown

    md = highlighted_markdown("Intro.\n\n### Answer to Elena <b>Marchetti</b>, on values\n\nWe use C# daily.\n", [])
    assert "\\#\\#\\#" not in md and "**Answer to Elena" in md
    assert "<b>" not in md and "C\\#" in md
