"""Pure view helpers for the UI: they turn a `RunResult` or replay `Step`s into rows
for tables and charts, frames for the step-by-step replay, and packet text with
evidence highlighted. No Streamlit here (the pages stay thin and these are tested
directly).

Untrusted text: packet text, and everything that quotes it (review summaries, turns,
feedback), goes through `escape_markdown` before it reaches `st.markdown`, so a
packet can never inject HTML, scripts, images, links, LaTeX or Streamlit directives.
Highlights are added only around already-escaped text, with Streamlit's own
`:color-background[...]` directive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from committee.intake.quotes import find_quote
from committee.models import Evidence, RunResult, Vote

VOTES = [v.value for v in Vote]  # best first: the order of `Vote` itself
VOTE_LABEL = {v: Vote(v).label for v in VOTES}
VOTE_COLOR = {"strong_hire": "#1b7f3b", "hire": "#7cc48a", "no_hire": "#f0a07a", "strong_no_hire": "#c0392b"}
HIGHLIGHT = {"red": "red-background", "green": "green-background", None: "orange-background"}
# persona lines: blues, purples and greys, so no persona reads as a vote (greens, oranges, reds)
PERSONA_COLORS = ["#1f5fa8", "#8e44ad", "#4a4a4a", "#17a2b8", "#6c5ce7", "#a0a0a0"]


def vote_label(vote: str | Vote | None) -> str:
    if vote is None:
        return "–"
    return Vote(vote).label


# ------------------------------------------------------------------ escaping

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping
# all that carry meaning in Markdown, GFM or Streamlit's extensions makes text inert.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'%@])")


def escape_markdown(text: str) -> str:
    """Escape `text` for `st.markdown` so it renders literally: no HTML, links, images,
    emphasis, headings, lists, tables, LaTeX (`$`), emoji or icon shortcodes (`:x:`),
    or colour directives. Newlines become hard line breaks, and a leading indent
    is kept as non-breaking spaces (so it never turns into a code block)."""
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        esc = _MD_SPECIAL.sub(r"\\\1", stripped)
        # a colon next to a word could still start an emoji/icon shortcode in a text
        # node; a word joiner after it breaks the pattern without changing the look
        esc = re.sub(r"\\:(?=\S)", "\\:\u2060", esc)
        # bare URLs and e-mail addresses would be autolinked by GFM: break "www." and "@" too
        esc = re.sub(r"(?i)\bwww\\\.", "www\u2060\\.", esc)
        esc = esc.replace("\\@", "\\@\u2060")  # no e-mail autolinks either
        out.append("\u00a0" * indent + esc)
    # two trailing spaces = hard break; blank lines stay paragraph breaks
    return "  \n".join(out).replace("  \n  \n", "\n\n")


def code_span(text: str) -> str:
    """Untrusted text as an inline code span (rendered literally; backticks, which
    would close the span, become quotes; newlines become spaces)."""
    t = (text or "").replace("`", "'").replace("\n", " ").strip()
    return f"`{t}`" if t else ""


# ------------------------------------------------------------------ evidence


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    polarity: str | None
    signals: tuple[str, ...]
    who: tuple[str, ...] = ()


def _ev(e: Evidence | Mapping[str, Any]) -> Evidence:
    return e if isinstance(e, Evidence) else Evidence.model_validate(e)


def evidence_spans(text: str, cited: Iterable[tuple[str | None, Evidence | Mapping[str, Any]]]) -> list[Span]:
    """Where each cited quote sits in `text` (its `start` when it matches, else the
    first occurrence), merged into non-overlapping spans, in text order. `cited` is
    (persona or None, evidence) pairs. Quotes not in the text are skipped. A span
    mixing red and green evidence has polarity None."""
    raw: list[tuple[int, int, str, str, str | None]] = []
    for who, e in cited:
        ev = _ev(e)
        q = ev.quote
        if not q:
            continue
        span = find_quote(text, q, ev.start)
        if span is None:
            continue
        raw.append((*span, ev.polarity, ev.signal, who))
    raw.sort()
    merged: list[list] = []
    for s, e, pol, sig, who in raw:
        if merged and s < merged[-1][1]:
            m = merged[-1]
            m[1] = max(m[1], e)
            m[2] = m[2] if m[2] == pol else None
            m[3].append(sig)
            if who:
                m[4].append(who)
        else:
            merged.append([s, e, pol, [sig], [who] if who else []])
    return [Span(s, e, pol, tuple(dict.fromkeys(sig)), tuple(dict.fromkeys(w))) for s, e, pol, sig, w in merged]


def segments(text: str, spans: Sequence[Span]) -> list[tuple[str, Span | None]]:
    """`text` cut into (chunk, span or None) pieces that concatenate back to it."""
    out: list[tuple[str, Span | None]] = []
    pos = 0
    for sp in spans:
        if sp.start > pos:
            out.append((text[pos : sp.start], None))
        out.append((text[sp.start : sp.end], sp))
        pos = sp.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def mark(text: str, color: str, *, bold: bool = False, strike: bool = False) -> str:
    """Escaped `text` inside a Streamlit colour directive (`color` like
    "red-background"), line by line, with surrounding whitespace kept outside the
    markers (Markdown emphasis must not start or end with a space)."""
    out = []
    for line in text.split("\n"):
        core = line.strip()
        if not core:
            out.append(escape_markdown(line))
            continue
        lead, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
        inner = escape_markdown(core)
        if strike:
            inner = f"~~{inner}~~"
        inner = f":{color}[{inner}]"
        if bold:
            inner = f"**{inner}**"
        out.append(escape_markdown(lead) + inner + (" " if trail else ""))
    return "  \n".join(out)


def diff_markdown(chunks: Sequence[tuple[str, str]]) -> str:
    """Markdown for a `committee.present.compare.word_diff`: removed text struck through on
    red, added text on green, everything escaped. Packet headings ("## Title") read as
    bold lines whether they are unchanged, edited, or added or removed whole (then the
    bold title keeps its highlight), never as a literal "## "."""
    parts = []
    for op, text in chunks:
        if op == "same":
            parts.append(escape_markdown(text))
        else:
            parts.append(
                mark(text, "red-background" if op == "removed" else "green-background", strike=op == "removed")
            )
    md = packet_lists("".join(parts).replace("  \n  \n", "\n\n"))
    md = re.sub(r"(?m)^\\#\\#[ \t]*(.+?)[ \t]*$", lambda m: f"**{m.group(1)}**  ", md)
    # a heading added or removed whole: its "## " sits inside the highlight, rendered the same way
    return _MARKED_HEADING.sub(lambda m: f"**{m.group(1)}{m.group(2)}**  ", md)


# a line that starts with a highlight (maybe struck through) whose text starts with an escaped "##"
_MARKED_HEADING = re.compile(r"(?m)^(:[a-z]+-background\[(?:~~)?)\\#\\#[ \t\u00a0]*(.+?)[ \t]*$")


# an escaped list marker at the start of a line ("\\- ", "\\* ", "\\+ ", "3\\. "), maybe
# indented (non-breaking spaces) and maybe inside a highlight's opening markers
_ESCAPED_ITEM = re.compile(
    r"(?m)^\u00a0*((?:\*\*)?(?::[a-z]+-background\[)?(?:~~)?)(?:\\([-*+])|(\d{1,3})\\\.)[ \u00a0]"
)


def packet_lists(md: str) -> str:
    """Escaped packet Markdown with the packet's own bulleted and numbered list lines
    turned back into list items (only the marker is unescaped: the item text stays
    inert), so "- item" lines read as a list instead of a literal "- "."""

    def item(m: re.Match) -> str:
        marker = "-" if m.group(2) else f"{m.group(3)}."
        return f"{marker} {m.group(1)}"

    return _ESCAPED_ITEM.sub(item, md)


def highlighted_markdown(text: str, spans: Sequence[Span]) -> str:
    """Markdown for `st.markdown`: `text` escaped, with each span wrapped in a
    coloured background (red flags red, green signals green, mixed orange). A span
    across paragraphs is highlighted paragraph by paragraph; a heading line inside the
    text (`### ...`) reads as a bold line."""
    parts = []
    for chunk, sp in segments(text, spans):
        if sp is None:
            parts.append(escape_markdown(chunk))
            continue
        parts.append(mark(chunk, HIGHLIGHT[sp.polarity], bold=True))
    md = packet_lists("".join(parts).replace("  \n  \n", "\n\n"))
    # a heading inside a section ("### Answer to ..., on values") reads as a bold line, not "### "
    return _ESCAPED_HEADING.sub(lambda m: f"**{m.group(1)}**  ", md)


_ESCAPED_HEADING = re.compile(r"(?m)^(?:\\#){1,6}[ \t]+(.+?)[ \t]*$")


def sections_markdown(packet, spans: Sequence[Span] = (), *, only_cited: bool = False) -> str:
    """The packet section by section (escaped titles in bold, text with the spans
    highlighted). With `only_cited`, only the sections holding a span (all of them
    when no span falls in any section)."""
    from committee.models import Section

    text = packet.text
    secs = [s for s in packet.sections if text[s.start : s.start + len(s.text)] == s.text] or [
        Section(title="Packet", text=text, start=0)
    ]
    blocks = []
    for sec in secs:
        s0, s1 = sec.start, sec.start + len(sec.text)
        local = [
            Span(max(sp.start, s0) - s0, min(sp.end, s1) - s0, sp.polarity, sp.signals, sp.who)
            for sp in spans
            if sp.start < s1 and sp.end > s0
        ]
        blocks.append((sec, local))
    if only_cited and any(local for _, local in blocks):
        blocks = [(sec, local) for sec, local in blocks if local]
    return "\n\n".join(
        f"**{escape_markdown(sec.title)}**\n\n{highlighted_markdown(sec.text, local)}" for sec, local in blocks
    )


VOTE_STEP = 0.15  # vote points apart (-2..+2 axis): four equal lines ~8 px apart on a 260 px chart
SCORE_STEP = 0.07  # score apart (1..4 axis)
OVERLAP_NOTE = "Equal lines are drawn slightly apart; hover a point for its value."


def jitter(rows: list[dict], *, by: str, value: str, out: str = "y", step: float = 0.08) -> list[dict]:
    """Copy `rows` adding `out` = `value` nudged by group `by` (groups `step` apart,
    centred on the value), so lines with the same values (personas with the same votes,
    dimensions with the same scores) stay visible side by side instead of hiding each
    other. `value` itself is kept: a chart plots `out` and shows `value` in its tooltip."""
    groups = list(dict.fromkeys(r[by] for r in rows))
    mid = (len(groups) - 1) / 2
    return [{**r, out: r[value] + (groups.index(r[by]) - mid) * step} for r in rows]


# ------------------------------------------------------------------ votes over time

STAGE_SEALED = "sealed"
STAGE_FINAL = "final"


def stage_name(round_: int) -> str:
    return f"round {round_}"


def timeline_from_turns(
    panel: Sequence[str], sealed: Mapping[str, str], turns: Sequence[Mapping[str, Any]], final: Mapping[str, str] | None
) -> list[dict]:
    """Rows {stage, order, persona, vote, vote_label, points}: each persona's sealed
    (blind) vote, its vote after each debrief round (carried forward when it did not
    speak in a round) and the final vote (when `final` is given)."""
    rows: list[dict] = []

    def add(stage: str, order: int, votes: Mapping[str, str]) -> None:
        for p in panel:
            if p in votes:
                v = str(votes[p])
                rows.append(
                    {
                        "stage": stage,
                        "order": order,
                        "persona": p,
                        "vote": v,
                        "vote_label": VOTE_LABEL[v],
                        "points": Vote(v).points,
                    }
                )

    if not sealed:
        return rows
    current = {p: str(v) for p, v in sealed.items()}
    add(STAGE_SEALED, 0, current)
    rounds = sorted({int(t["round"]) for t in turns})
    for r in rounds:
        for t in turns:
            if int(t["round"]) == r:
                current[t["speaker"]] = str(t["vote"])
        add(stage_name(r), r, current)
    if final:
        add(STAGE_FINAL, (rounds[-1] if rounds else 0) + 1, {p: str(v) for p, v in final.items()})
    return rows


def timeline_from_result(result: RunResult) -> list[dict]:
    return timeline_from_turns(
        result.personas,
        {r.persona: r.vote.value for r in result.reviews},
        [t.model_dump(mode="json") for t in result.debrief],
        {p: v.value for p, v in result.votes.items()},
    )


def tally(timeline: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Rows {stage, order, vote, vote_label, count}: how many personas held each
    vote at each stage (zero counts included, so stacked bars keep their order)."""
    stages = sorted({(r["order"], r["stage"]) for r in timeline})
    out = []
    for order, stage in stages:
        for v in VOTES:
            n = sum(1 for r in timeline if r["stage"] == stage and r["vote"] == v)
            out.append({"stage": stage, "order": order, "vote": v, "vote_label": VOTE_LABEL[v], "count": n})
    return out


def stage_order(timeline: Sequence[Mapping[str, Any]]) -> list[str]:
    return [s for _, s in sorted({(r["order"], r["stage"]) for r in timeline})]


# ------------------------------------------------------------------ result tables


def vote_rows(result: RunResult, names: Mapping[str, str] | None = None) -> list[dict]:
    names = names or {}
    out = []
    for r in result.reviews:
        final = result.votes.get(r.persona)
        out.append(
            {
                "persona": names.get(r.persona, r.persona),
                "sealed (blind)": vote_label(r.vote),
                "final": vote_label(final),
                "moved": "yes" if final and final != r.vote else "",
                "confidence": round(r.confidence, 2),
            }
        )
    return out


def score_rows(result: RunResult, names: Mapping[str, str] | None = None) -> list[dict]:
    """One row per persona: its rubric scores (1..4); a last row with the means."""
    names = names or {}
    dims = list(dict.fromkeys(d for r in result.reviews for d in r.scores))
    col = lambda d: d.replace("_", " ")  # noqa: E731
    rows = [
        {"persona": names.get(r.persona, r.persona), **{col(d): r.scores.get(d) for d in dims}} for r in result.reviews
    ]
    if result.reviews:
        means = {
            col(d): round(
                sum(r.scores[d] for r in result.reviews if d in r.scores)
                / max(1, sum(1 for r in result.reviews if d in r.scores)),
                2,
            )
            for d in dims
        }
        rows.append({"persona": "mean", **means})
    return rows


# ------------------------------------------------------------------ replay frames

# what each stored step of a run is called, in the replay of the web app and the terminal
NODE_TITLES = {
    "input": "Run started",
    "__start__": "Packet stored",
    "intake_packet": "Intake: packet checked and split into sections",
    "review_packet": "Blind reviews",
    "ask_questions": "Follow-up questions asked",
    "await_answers": "Answers received",
    "seal_votes": "Votes sealed",
    "speak_turn": "Debrief",
    "tally_turns": "Votes tallied",
    "decide_outcome": "Decision",
    "resume": "Resumed: the failed calls run again",
    "fork": "Forked from the parent run: what it kept",
    "unanswered": "Without the answers: the waiting run's blind reviews, debriefed as they were",
    "stopped": "Stopped: a call failed",
    "write_feedback": "Feedback written",
}


@dataclass
class PersonaFrame:
    """A persona at one replay step: its current vote, what it is doing, and the
    turn (or review) it produced in this step, if any."""

    persona: str
    vote: str | None = None
    status: str = "waiting"
    speaking: bool = False
    move: str | None = None
    to: str | None = None
    round: int | None = None
    text: str | None = None
    reason: str | None = None
    previous_vote: str | None = None
    evidence: list[dict] = field(default_factory=list)


@dataclass
class Frame:
    index: int
    step: int
    node: str
    title: str
    detail: str
    personas: dict[str, PersonaFrame]
    cited: list[tuple[str, dict]]  # (persona, evidence) cited in this step
    timeline: list[dict]  # vote timeline up to this step
    decision: dict | None


def replay_frames(steps: Sequence[Any], panel: Sequence[str], names: Mapping[str, str] | None = None) -> list[Frame]:
    """One frame per stored checkpoint (`committee.graph.runner.Step`), oldest first."""
    names = names or {}
    nm = lambda p: names.get(p, p)  # noqa: E731
    frames: list[Frame] = []
    state = {p: PersonaFrame(p) for p in panel}
    sealed: dict[str, str] = {}
    turns: list[dict] = []
    for i, s in enumerate(steps):
        for pf in state.values():
            pf.speaking = False
        cited: list[tuple[str, dict]] = []
        for r in s.new_reviews:
            p = r["persona"]
            pf = state.setdefault(p, PersonaFrame(p))
            pf.vote, pf.status, pf.speaking = r["vote"], "sealed its blind vote", True
            pf.move, pf.to, pf.round, pf.reason, pf.previous_vote = "review", None, None, None, None
            pf.text, pf.evidence = r.get("summary"), list(r.get("evidence") or [])
            sealed[p] = r["vote"]
            cited += [(p, e) for e in pf.evidence]
        for t in s.new_turns:
            p = t["speaker"]
            pf = state.setdefault(p, PersonaFrame(p))
            pf.vote, pf.speaking = t["vote"], True
            pf.move, pf.to, pf.round = t["move"], t.get("to"), t["round"]
            pf.text, pf.reason, pf.previous_vote = t["text"], t.get("reason"), t.get("previous_vote")
            pf.evidence = list(t.get("evidence") or [])
            pf.status = f"round {t['round']}: {t['move']}" + (f" → {nm(t['to'])}" if t.get("to") else "")
            turns.append(t)
            cited += [(p, e) for e in pf.evidence]
        if s.node == "intake_packet" or (s.node in ("review_packet",) and not s.new_reviews):
            for pf in state.values():
                if pf.vote is None:
                    pf.status = "reviewing blind…"
        for p, v in (s.votes or {}).items():  # the tallied votes (after seal/tally)
            if p in state and not state[p].speaking:
                state[p].vote = v
        node = s.node.split(",")[0] if s.node else "input"
        title = NODE_TITLES.get(node, node)
        detail = ""
        if node == "fork":
            kept = f" and {len(s.new_turns)} debrief turn(s)" if s.new_turns else ""
            detail = f"{len(s.new_reviews)} blind review(s){kept} kept from the parent run, none repeated"
        elif node == "unanswered":
            detail = f"{len(s.new_reviews)} blind review(s) kept from the run that asked, none repeated"
        elif s.new_reviews:
            detail = f"{len(s.new_reviews)} blind review(s) sealed"
        elif s.new_turns:
            rounds = sorted({t["round"] for t in s.new_turns})
            title = f"Debrief round {rounds[0]}"
            detail = ", ".join(f"{nm(t['speaker'])} {t['move']}s" for t in s.new_turns)
        elif node == "tally_turns":
            last = turns[-1]["round"] if turns else 0
            if "decide_outcome" in s.next:
                detail = f"after round {last} the debate is over (consensus or the round limit)"
            elif s.round > last:
                detail = f"no consensus after round {last}: round {s.round} begins"
            else:
                detail = "next speaker"
        elif node == "seal_votes":
            detail = "the blind votes are revealed to the committee; the debrief begins"
        elif node == "decide_outcome" and s.decision:
            title = f"Decision: {s.decision['outcome'].replace('_', ' ')}"
            detail = s.decision.get("explanation", "")
        final = s.votes if s.decision else None
        frames.append(
            Frame(
                index=i,
                step=s.step,
                node=node,
                title=title,
                detail=detail,
                personas={p: PersonaFrame(**vars(pf)) for p, pf in state.items()},
                cited=cited,
                timeline=timeline_from_turns(list(state), sealed, turns, final),
                decision=s.decision,
            )
        )
    return frames


# ------------------------------------------------------------------ packet input


def size_text(n: int) -> str:
    """A byte count as people read it: `900 bytes`, `512 KB`, `1.5 MB` (K = 1024)."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB" if n % 1024 == 0 or n >= 100 * 1024 else f"{n / 1024:.1f} KB"
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if n % (1024 * 1024) == 0 else f"{mb:.1f} MB"


def upload_limit_bytes(limit: int | None = None) -> int:
    """The largest file an upload may be: PDF and DOCX may be `BINARY_FACTOR` times the
    packet limit (their extracted text may not exceed it)."""
    from committee.intake.packets import BINARY_FACTOR, max_packet_bytes

    return (limit or max_packet_bytes()) * BINARY_FACTOR


def upload_refusal(name: str, size: int, *, max_bytes: int | None = None) -> str | None:
    """Why an uploaded file of `size` bytes named `name` is too large to read (a message
    for `message_markdown`: its size and the limit for its kind in KB/MB, and the
    `committee ui --max-bytes` that would admit it), or None when it is within the
    limit. The Submit page says it as soon as the file is chosen; `packet_from_upload`
    refuses the same file with the same words."""
    from pathlib import Path

    from committee.intake.packets import BINARY_FACTOR, CONTAINERS, max_packet_bytes

    limit = max_packet_bytes(max_bytes)
    binary = Path(name).suffix.lower() in CONTAINERS
    file_limit = upload_limit_bytes(limit) if binary else limit
    if size <= file_limit:
        return None
    suffix = Path(name).suffix.lower()
    kind = "PDF and DOCX files" if binary else "JSON files" if suffix == ".json" else "Markdown and text files"
    mib = 1024 * 1024
    need = max(2, -(-(size // BINARY_FACTOR if binary else size) // mib))  # whole MB that admit the file
    return (
        f"{name} is {size_text(size)}: over the {size_text(file_limit)} limit for {kind} "
        f"(start the app with `committee ui --max-bytes {need}m` to raise it)"
    )


def upload_limits_text(limit: int | None = None) -> str:
    """The upload limits in words, per kind of file, from the numbers the readers use
    (`max_packet_bytes`, `BINARY_FACTOR`, `READERS`, `CONTAINERS`): e.g. "Markdown, text
    and JSON (.json, .markdown, .md, .text, .txt): up to 512 KB · PDF and DOCX (.docx,
    .pdf): up to 4 MB, their text up to 512 KB"."""
    from committee.intake.packets import CONTAINERS, READERS, max_packet_bytes

    limit = limit or max_packet_bytes()
    texts = sorted(s for s in READERS if s and s not in CONTAINERS)
    kinds = "Markdown, text and JSON" if ".json" in texts else "Markdown and text"
    return (
        f"{kinds} ({', '.join(texts)}): up to {size_text(limit)} · PDF and DOCX ({', '.join(sorted(CONTAINERS))}): "
        f"up to {size_text(upload_limit_bytes(limit))}, their text up to {size_text(limit)}"
    )


def packet_from_upload(name: str, data: bytes, *, max_bytes: int | None = None):
    """A Packet from an uploaded file's name and bytes, read exactly as `committee
    review` reads a file (same readers, limits and checks; the key defaults to the
    file name). Raises BadInput for an unsupported suffix, an oversize file
    (`upload_refusal`'s words) or unreadable content."""
    from committee.errors import BadInput
    from committee.intake.packets import max_packet_bytes, packet_from_bytes

    limit = max_packet_bytes(max_bytes)
    refusal = upload_refusal(name, len(data), max_bytes=limit)
    if refusal:
        raise BadInput(refusal)
    return packet_from_bytes(data, name, max_bytes=limit, source=name)


def packet_markdown(packet) -> str:
    """A stored packet as text to paste back into the Submit form: its front matter
    (`candidate:`, `scenario:` and any other key it kept, not the `intake` record, not the
    `follow_up` record of answered questions (the committee's, not the candidate's) and not
    `packet:`, which the form's key field carries) above its text, so a review of it reads
    the same packet again (same text, so the same sha256)."""
    import yaml

    head = {k: v for k, v in (("candidate", packet.candidate), ("scenario", packet.scenario)) if v}
    head.update({k: v for k, v in (packet.meta or {}).items() if k not in ("intake", "follow_up")})
    if not head:
        return packet.text
    front = yaml.safe_dump(head, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{front}---\n{packet.text}"


_PASTED_KEY = re.compile(r"pasted-packet-(\d+)")


def pasted_packet_key(stored_keys: Iterable[str]) -> str:
    """The key a pasted packet that names no candidate gets: `pasted-packet-N`, N one
    past the highest such key stored (readable, unlike a hash of the text)."""
    ns = [int(m.group(1)) for k in stored_keys if (m := _PASTED_KEY.fullmatch(k))]
    return f"pasted-packet-{max(ns, default=0) + 1}"


def upload_types() -> list[str]:
    """File suffixes (without dot) the packet readers accept."""
    from committee.intake.packets import READERS

    return sorted(s.lstrip(".") for s in READERS if s)


# ------------------------------------------------------------------ readable text

_VOTE_WORDS = "|".join(re.escape(Vote(v).label) for v in sorted(VOTES, key=lambda v: -len(Vote(v).label)))


def readable_ids(text: str, names: Mapping[str, str], dimensions: Mapping[str, str] | None = None) -> str:
    """`text` (made by the committee, e.g. a decision's `explanation`) with persona ids
    replaced by their names ("research-lead=Strong Hire" -> "Dr. Mara Okafor: Strong
    Hire") and dimension ids by their titles ("'alignment_judgement'" -> "“Alignment
    judgement”"). The stored text (the JSON contract) keeps its ids; this is for reading."""
    out = text or ""
    for pid in sorted(names, key=len, reverse=True):
        out = re.sub(
            rf"(?<![\w-]){re.escape(pid)}(?![\w-])(=(?=(?:{_VOTE_WORDS})\b))?",
            lambda m, n=names[pid]: n + (": " if m.group(1) else ""),
            out,
        )
    for did in sorted(dimensions or {}, key=len, reverse=True):
        title = (dimensions or {})[did]
        out = re.sub(rf"'{re.escape(did)}'|(?<![\w-]){re.escape(did)}(?![\w-])", f"“{title}”", out)
    return out


def readable_rule(rule: str, names: Mapping[str, str], dimensions: Mapping[str, str] | None = None) -> str:
    """A decision's `rule` id in words: "majority", "tie", "veto by Jonas Whitfield",
    "must-pass dimension failed: Alignment judgement"."""
    kind, _, arg = (rule or "").partition(":")
    if kind == "veto":
        return f"veto by {names.get(arg, arg)}"
    if kind == "failed-dimension":
        return f"must-pass dimension failed: {(dimensions or {}).get(arg, arg.replace('_', ' '))}"
    return {"majority": "majority of vote points", "tie": "tie (goes to No Hire)"}.get(kind, rule.replace("_", " "))


@dataclass
class CitedPassage:
    """Quotes a card cites, each once (however many signals it was cited for), in their
    passage of the packet: the surrounding sentences as escaped Markdown with the quotes
    highlighted. Quotes whose passages overlap share one passage, so no quote is shown
    twice."""

    quotes: list[str]
    section: str
    markdown: str
    titles: list[str]
    signals: list[str]


def cited_passages(packet, evidence: Iterable[Evidence | Mapping[str, Any]], title=None) -> list[CitedPassage]:
    """The passages behind `evidence` (a card's citations), in citation order: each
    distinct quote once, with one sentence of context either side (within its paragraph
    and section), so the card shows what it cites without scrolling the packet.
    `title(signal_id)` gives readable signal names (ids go to tooltips)."""
    title = title or (lambda sid: sid.replace("-", " "))
    text = packet.text
    by_quote: dict[str, list[Evidence]] = {}
    for e in evidence:
        ev = _ev(e)
        if ev.quote and ev.quote.strip():
            by_quote.setdefault(ev.quote.strip(), []).append(ev)
    found: list[dict] = []  # one per quote found in the text: its span and context window
    loose: list[CitedPassage] = []  # quotes not in the text: shown alone
    for quote, evs in by_quote.items():
        sigs = list(dict.fromkeys(ev.signal for ev in evs))
        spans = evidence_spans(text, [(None, ev) for ev in evs])
        if not spans:
            pols = {ev.polarity for ev in evs}
            md = mark(quote, HIGHLIGHT[pols.pop() if len(pols) == 1 else None], bold=True)
            loose.append(CitedPassage([quote], "", md, [title(x) for x in sigs], sigs))
            continue
        sp = spans[0]
        sec = next((x for x in packet.sections if x.start <= sp.start < x.start + len(x.text)), None)
        lo, hi = (sec.start, sec.start + len(sec.text)) if sec else (0, len(text))
        brk = text.rfind("\n\n", lo, sp.start)
        para_start = brk + 2 if brk >= 0 else lo
        para_end = text.find("\n\n", sp.end, hi)
        para_end = hi if para_end < 0 else para_end
        found.append(
            {
                "quote": quote,
                "span": sp,
                "a": _sentence_start(text, para_start, sp.start, back=2),
                "b": _sentence_end(text, sp.end, para_end),
                "para": (para_start, para_end),
                "section": sec.title if sec else "",
                "signals": sigs,
                "order": len(found),
            }
        )
    groups: list[list[dict]] = []  # overlapping windows in one paragraph share a passage
    for f in sorted(found, key=lambda f: (f["a"], f["b"])):
        if groups and f["para"] == groups[-1][-1]["para"] and f["a"] < max(g["b"] for g in groups[-1]):
            groups[-1].append(f)
        else:
            groups.append([f])
    out: list[tuple[int, CitedPassage]] = []
    for g in groups:
        a, b = min(f["a"] for f in g), max(f["b"] for f in g)
        para_start, para_end = g[0]["para"]
        local: list[Span] = []
        for f in sorted(g, key=lambda f: f["span"].start):
            sp = f["span"]
            if local and sp.start - a < local[-1].end:  # overlapping quotes: one highlight
                last = local[-1]
                pol = last.polarity if last.polarity == sp.polarity else None
                local[-1] = Span(last.start, max(last.end, sp.end - a), pol, last.signals + sp.signals)
            else:
                local.append(Span(sp.start - a, sp.end - a, sp.polarity, sp.signals))
        md = highlighted_markdown(text[a:b].rstrip(), local)
        md = ("… " if a > para_start else "") + md.rstrip() + (" …" if b < para_end else "")
        sigs = list(dict.fromkeys(x for f in g for x in f["signals"]))
        passage = CitedPassage([f["quote"] for f in g], g[0]["section"], md, [title(x) for x in sigs], sigs)
        out.append((min(f["order"] for f in g), passage))
    return [p for _, p in sorted(out, key=lambda t: t[0])] + loose


def _sentence_start(text: str, lo: int, pos: int, *, back: int = 1) -> int:
    """The start of the `back`-th sentence that begins at or before `pos` (not before `lo`)."""
    starts = [lo] + [m.end() for m in re.finditer(r"[.!?]\s+", text[lo:pos])]
    starts = [lo + x if i else lo for i, x in enumerate(starts)]
    return starts[max(len(starts) - back, 0)]


def _sentence_end(text: str, pos: int, hi: int) -> int:
    """The end of the sentence after the one that ends at `pos` (not past `hi`)."""
    m = re.search(r"[.!?](\s|$)", text[pos:hi].lstrip())
    if not m:
        return hi
    skipped = len(text[pos:hi]) - len(text[pos:hi].lstrip())
    return min(pos + skipped + m.end(), hi)


def message_markdown(text: str) -> str:
    """A message the committee wrote (an error, a skip reason) for `st.markdown`: its
    `code` spans shown as code instead of literal backticks, everything else escaped
    (a message may quote packet text)."""
    parts = (text or "").split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        return escape_markdown(text or "")

    def plain(p: str) -> str:  # spaces around a code span stay spaces (not an escaped indent)
        core = p.strip(" ")
        lead, trail = p[: len(p) - len(p.lstrip(" "))], p[len(p.rstrip(" ")) :]
        return lead + escape_markdown(core) + trail if core else p

    return "".join(code_span(p) if i % 2 else plain(p) for i, p in enumerate(parts))


# ------------------------------------------------------------------ catalog text for reading


def dimension_titles(catalog=None) -> dict[str, str]:
    """Rubric dimension id -> its title ("alignment_judgement" -> "Alignment judgement"),
    over every scenario of `catalog` (default: `default_catalog()`; may raise
    `CommitteeError` when it does not load)."""
    from committee.catalog import default_catalog

    cat = catalog or default_catalog()
    return {d.id: d.name for sc in cat.scenarios.values() for d in sc.dimensions}


def signal_text(signal_id: str, catalog=None) -> tuple[str, str]:
    """(title, description) of a signal id for reading: the title by
    `committee.decision.feedback.signal_title` (never the raw id when something better
    exists), the description of the library signal or, for an engine's own evidence id
    (`engine_signals:` of signals.yaml, e.g. `comm-structure`), of that entry; "" when
    neither has one. `catalog` defaults to `default_catalog()`."""
    from committee.catalog import default_catalog
    from committee.decision.feedback import signal_title

    cat = catalog or default_catalog()
    own = cat.signals.get(signal_id) or cat.engine_signals.get(signal_id)
    return signal_title(signal_id, None, cat), ((own.description or "").strip() if own is not None else "")


# ------------------------------------------------------------------ feedback


@dataclass
class FeedbackView:
    """Coaching feedback as a reader sees it, in the web app and the terminal alike:
    `items`, the `FeedbackItem`s of rubric dimensions still below 4 of 4 in the engine's
    order (a dimension at 4 is left out, unless it is a "check" item: a red reading to make
    unambiguous), and `prompts`, the "case-prompts" items (the scenario's case prompts the
    packet leaves open), which are not a rubric dimension and get their own heading."""

    items: list = field(default_factory=list)
    prompts: list = field(default_factory=list)


def feedback_view(feedback: Iterable[Any]) -> FeedbackView:
    """`feedback` (a run's `FeedbackItem`s) split as `FeedbackView` describes."""
    feedback = list(feedback or ())
    return FeedbackView(
        items=[f for f in feedback if f.kind != "case-prompts" and (f.score < 4 or f.kind == "check")],
        prompts=[f for f in feedback if f.kind == "case-prompts"],
    )


def feedback_quote_label(item: Any) -> str:
    """What a feedback item's quote is: "Read uncertainly" for a check (a red reading the
    engine is unsure of, nothing to remove), else "What pulled it down"."""
    if item.kind == "check" or (item.check_signals and not item.remove_signals):
        return "Read uncertainly"
    return "What pulled it down"
