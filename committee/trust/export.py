"""Export: a self-contained debrief report of one stored run, for the candidate or a
coach, as Markdown, HTML or JSON.

The report holds the decision and the rule that produced it, the votes (sealed ->
final) with what the decision would have been without the debate, integrity
concerns, each persona's blind review with its quotes, the debrief transcript, the
feedback with quotes, and the packet text as reviewed.

HTML is one file with inline CSS, no script and no remote resource (a Content
Security Policy forbids both), readable offline; every piece of packet- or
engine-derived text goes through `html.escape`. In Markdown that text is inert: one
line each, raw HTML escaped, Markdown syntax backslash-escaped, bare URLs as code
(see `_md`); the packet itself is an indented code block.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from committee.catalog import default_catalog
from committee.errors import BadInput, CommitteeError
from committee.models import RunResult, Vote
from committee.trust.conformity import run_conformity

FORMATS = ("md", "html", "json")
DISCLAIMER = (
    "A practice simulation by a fictional committee: personas, rules and votes are invented for "
    "preparation and say nothing about any real company's process."
)


def _context(store, run_id: str) -> dict[str, Any]:
    result = store.get_result(run_id)
    if result is None:
        row = store.get_run(run_id)
        raise BadInput(
            f"run {run_id} has no result to export (status: {row.status}); finish it with `committee resume {run_id}`"
        )
    try:
        cat = default_catalog()
        names = {p.id: p.name for p in cat.personas.values()}
        titles = {p.id: p.title for p in cat.personas.values()}
        scenario = cat.scenarios.get(result.scenario)
    except CommitteeError:
        names, titles, scenario = {}, {}, None
    try:
        packet = store.get_revision(result.packet.key, result.packet.revision)
    except BadInput:
        packet = None
    return {
        "result": result,
        "names": names,
        "titles": titles,
        "scenario": scenario,
        "packet": packet,
        "conformity": run_conformity(result, scenario),
    }


def export_run(store, run_id: str, fmt: str) -> str:
    """The report of stored run `run_id` in `fmt` (md | html | json). Raises BadInput
    for an unknown run, an unfinished run or an unknown format."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown --format {fmt!r} (choose {', '.join(FORMATS)})")
    ctx = _context(store, run_id)
    return {"md": to_markdown, "html": to_html, "json": to_json}[fmt](ctx)


# ------------------------------------------------------------------------- json


def to_json(ctx: dict[str, Any]) -> str:
    r: RunResult = ctx["result"]
    obj = {
        "format": "committee-debrief/1",
        "disclaimer": DISCLAIMER,
        "personas": {p: {"name": ctx["names"].get(p, p), "title": ctx["titles"].get(p)} for p in r.personas},
        "run": r.model_dump(mode="json"),
        "conformity": ctx["conformity"],
        "scenario_title": ctx["scenario"].title if ctx["scenario"] else None,
        "candidate": ctx["packet"].candidate if ctx["packet"] else None,
        "packet_text": ctx["packet"].text if ctx["packet"] else None,
    }
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------- markdown


# a bare URL or e-mail address (GFM links them even without markup): shown as code
_MD_LINKISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,20}:/{1,3}|www\.)[^\s`<>|]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE
)
# Markdown's inline syntax: emphasis, code, links and images, tables, strikethrough, footnotes, escapes
_MD_INLINE = re.compile(r"([\\`*_\[\]()!#|~{}^])")
# what would start a block at the beginning of a line: list items, ordered lists, setext underlines
_MD_LINE_START = re.compile(r"^(?:([-+=>])|(\d{1,9})([.)]))")
# what could start raw HTML or a character reference; a lone '>' or '&' is plain text
_MD_HTML = re.compile(r"<|&(?=#?[A-Za-z0-9]+;)")


def _no_html(text: str) -> str:
    """`<` and entity-like `&` escaped: no tag, comment or character reference can form,
    while '>' (a blockquote only at a line start, see `_MD_LINE_START`) and 'R&D' stay
    readable in the raw file."""
    return _MD_HTML.sub(lambda m: "&lt;" if m.group(0) == "<" else "&amp;", text)


def _reason_label(turn) -> str:
    """ "Vote changed" for a turn that moved its vote, "Why" for one that held."""
    moved = turn.previous_vote is not None and turn.vote != turn.previous_vote
    return "Vote changed" if moved else "Why"


def _md(s: Any) -> str:
    """Packet- or engine-derived text for Markdown, inert: one line (no heading, list,
    quote or code block can start), raw HTML escaped, every inline construct (links,
    images, emphasis, code, tables) backslash-escaped, bare URLs and e-mail addresses
    shown as code so no renderer turns them into links."""
    text = " ".join(str(s).split())
    out: list[str] = []
    pos = 0
    for m in _MD_LINKISH.finditer(text):
        token = m.group(0)
        while token and (token[-1] in ".,;:!?'\"]}" or (token[-1] == ")" and token.count(")") > token.count("("))):
            token = token[:-1]  # trailing punctuation is the sentence's, not the address's
        if not token:
            continue
        out.append(_MD_INLINE.sub(r"\\\1", _no_html(text[pos : m.start()])))
        out.append(f"`{token}`")  # the token has no backtick, '<', '>' or '|': the span cannot break
        pos = m.start() + len(token)
    out.append(_MD_INLINE.sub(r"\\\1", _no_html(text[pos:])))
    line = "".join(out)
    return _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", line)


def _code(s: Any) -> str:
    """A Markdown code span holding `s` verbatim, whatever backticks it contains."""
    text = " ".join(str(s).split()).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _label(v: str | Vote | None) -> str:
    return Vote(v).label if v else "-"


def to_markdown(ctx: dict[str, Any]) -> str:
    r: RunResult = ctx["result"]
    name = lambda p: ctx["names"].get(p, p)  # noqa: E731
    conf = ctx["conformity"]
    L: list[str] = []
    cand = ctx["packet"].candidate if ctx["packet"] and ctx["packet"].candidate else None
    L.append(f"# Debrief report: {_md(r.packet.key)} (revision {r.packet.revision})")
    L.append("")
    L.append(f"_{DISCLAIMER}_")
    L.append("")
    meta = [
        f"run {_code(r.run_id)}",
        f"scenario {_md(ctx['scenario'].title if ctx['scenario'] else r.scenario)}",
        f"engine {_md(r.engine.name)}{' / ' + _md(r.engine.model) if r.engine.model else ''}",
        f"protocol {_md(r.protocol)}",
    ]
    if cand:
        meta.insert(0, f"candidate {_md(cand)}")
    L.append(" · ".join(meta))
    L.append("")
    outcome = "Hire" if r.decision.outcome == "hire" else "No Hire"
    L.append(f"## Decision: {outcome}")
    L.append("")
    L.append(f"Rule: {_code(r.decision.rule)}. {_md(r.decision.explanation)}")
    if "sealed_decision" in conf:
        same = "the same outcome" if not conf["decision_changed"] else "a different outcome"
        L.append("")
        L.append(
            f"Without the debate (sealed votes) the rules give **{conf['sealed_decision'].replace('_', ' ')}** "
            f"({_code(conf['sealed_rule'])}): {same}."
        )
    L.append("")
    L.append("## Votes (sealed → final)")
    L.append("")
    L.append("| persona | voiced by | sealed (blind) | final | changed | confidence | summary |")
    L.append("|---|---|---|---|---|---|---|")
    rows = {c["persona"]: c for c in conf["personas"]}
    for rv in r.reviews:
        c = rows.get(rv.persona, {})
        changed = ("yes, " + (c.get("direction") or "") + " the sealed majority") if c.get("changed") else "no"
        summary = _md(rv.summary)
        voice = r.persona_engines[rv.persona].label() if rv.persona in r.persona_engines else r.engine.label()
        L.append(
            f"| {_md(name(rv.persona))} | {_code(voice)} | {_label(rv.vote)} | {_label(r.votes.get(rv.persona))} | {changed} | "
            f"{rv.confidence:.2f} | {summary} |"
        )
    L.append("")
    if r.integrity:
        L.append("## Integrity concerns")
        L.append("")
        L.append(
            "These passages address the reviewers instead of the case; they were treated as data and count "
            "against the packet."
        )
        L.append("")
        for e in r.integrity:
            L.append(f"> {_md(e.quote)}")
            L.append("")
    L.append("## Blind reviews")
    for rv in r.reviews:
        L.append("")
        L.append(f"### {_md(name(rv.persona))}: {_label(rv.vote)}")
        L.append("")
        L.append(_md(rv.summary))
        L.append("")
        L.append("Scores (1-4): " + ", ".join(f"{_md(d)} {s}" for d, s in rv.scores.items()))
        for e in rv.evidence:
            L.append(f"- {_md(e.polarity)} {_code(e.signal)}: “{_md(e.quote)}”")
    L.append("")
    L.append("## Debrief transcript")
    for t in r.debrief:
        L.append("")
        to = f" → {_md(name(t.to))}" if t.to else ""
        L.append(f"**Round {t.round} · {_md(name(t.speaker))}** ({_md(t.move)}{to}) · vote: {_label(t.vote)}")
        L.append("")
        L.append(_md(t.text))
        for e in t.evidence:
            L.append(f"> “{_md(e.quote)}”")
        if t.reason:
            L.append("")
            L.append(f"_{_reason_label(t)}: {_md(t.reason)}_")
    L.append("")
    L.append("## Feedback for the next revision")
    L.append("")
    if not r.feedback:
        L.append("No rubric dimension averaged below 3 of 4: keep the packet's structure.")
    for f in r.feedback:
        L.append(f"- **{_md(f.dimension.replace('_', ' '))}** (mean {f.score:.1f}/4): {_md(f.advice)}")
        if f.quote:
            L.append(f"  - what pulled it down: “{_md(f.quote)}”")
        if f.remove_flags:
            L.append(f"  - remove: {', '.join(_md(x) for x in f.remove_flags)}")
    if ctx["packet"]:
        L.append("")
        L.append("## The packet as reviewed")
        L.append("")
        # an indented code block: every line indented, so nothing in the text can end it
        L += ["    " + line for line in html.escape(ctx["packet"].text, quote=False).splitlines()]
    L.append("")
    L.append(f"_Exported {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by committee._")
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------------- html

_CSS = """
body{font:15px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.meta,.disclaimer{color:#555;font-size:.9rem}.disclaimer{font-style:italic}
.decision{padding:.8rem 1rem;border-radius:6px;margin:1rem 0}.hire{background:#e7f6ea;border-left:5px solid #2e7d32}
.no_hire{background:#fdecea;border-left:5px solid #c62828}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f7}.v-strong_hire{color:#1b5e20;font-weight:bold}.v-hire{color:#2e7d32}.v-no_hire{color:#c62828}
.v-strong_no_hire{color:#8e0000;font-weight:bold}blockquote{margin:.4rem 0 .4rem 1rem;padding-left:.7rem;border-left:3px solid #bbb;color:#333}
.turn{margin:.8rem 0}.turn .who{font-weight:600}.red{color:#c62828}.green{color:#2e7d32}.integrity{background:#fff8e1;border-left:5px solid #f9a825;padding:.5rem 1rem}
pre{white-space:pre-wrap;background:#f7f7f9;padding:1rem;border-radius:6px;font-size:.85rem}
@media print{details{display:block}}
"""


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _vote_html(v: str | Vote | None) -> str:
    if not v:
        return "-"
    v = Vote(v)
    return f'<span class="v-{_e(v.value)}">{_e(v.label)}</span>'


def _quote_html(e) -> str:
    return (
        f'<blockquote><span class="{_e(e.polarity)}">{_e(e.polarity)} · {_e(e.signal)}</span><br>'
        f"{_e(e.quote)}</blockquote>"
    )


def to_html(ctx: dict[str, Any]) -> str:
    r: RunResult = ctx["result"]
    name = lambda p: ctx["names"].get(p, p)  # noqa: E731
    conf = ctx["conformity"]
    H: list[str] = []
    cand = ctx["packet"].candidate if ctx["packet"] and ctx["packet"].candidate else None
    title = f"Debrief report: {r.packet.key} (revision {r.packet.revision})"
    H.append("<!DOCTYPE html>")
    H.append('<html lang="en"><head><meta charset="utf-8">')
    H.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
    H.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    H.append(f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>")
    H.append(f"<h1>{_e(title)}</h1>")
    H.append(f'<p class="disclaimer">{_e(DISCLAIMER)}</p>')
    meta = [
        f"run {r.run_id}",
        f"scenario {ctx['scenario'].title if ctx['scenario'] else r.scenario}",
        f"engine {r.engine.name}{' / ' + r.engine.model if r.engine.model else ''}",
        f"protocol {r.protocol}",
    ]
    if cand:
        meta.insert(0, f"candidate {cand}")
    H.append(f'<p class="meta">{" · ".join(_e(m) for m in meta)}</p>')
    outcome = "Hire" if r.decision.outcome == "hire" else "No Hire"
    H.append(
        f'<div class="decision {_e(r.decision.outcome)}"><strong>Decision: {_e(outcome)}</strong> '
        f"(rule: <code>{_e(r.decision.rule)}</code>)<br>{_e(r.decision.explanation)}"
    )
    if "sealed_decision" in conf:
        same = "the same outcome" if not conf["decision_changed"] else "a different outcome"
        H.append(
            f"<br>Without the debate (sealed votes) the rules give <strong>"
            f"{_e(conf['sealed_decision'].replace('_', ' '))}</strong> (<code>{_e(conf['sealed_rule'])}</code>): "
            f"{_e(same)}."
        )
    H.append("</div>")
    H.append(
        "<h2>Votes (sealed → final)</h2><table><tr><th>persona</th><th>voiced by</th><th>sealed (blind)</th><th>final</th>"
        "<th>changed</th><th>confidence</th><th>summary</th></tr>"
    )
    rows = {c["persona"]: c for c in conf["personas"]}
    for rv in r.reviews:
        c = rows.get(rv.persona, {})
        changed = f"yes, {c.get('direction') or ''} the sealed majority" if c.get("changed") else "no"
        voice = r.persona_engines[rv.persona].label() if rv.persona in r.persona_engines else r.engine.label()
        H.append(
            f"<tr><td>{_e(name(rv.persona))}</td><td>{_e(voice)}</td><td>{_vote_html(rv.vote)}</td>"
            f"<td>{_vote_html(r.votes.get(rv.persona))}</td><td>{_e(changed)}</td>"
            f"<td>{rv.confidence:.2f}</td><td>{_e(rv.summary)}</td></tr>"
        )
    H.append("</table>")
    if r.integrity:
        H.append(
            '<h2>Integrity concerns</h2><div class="integrity"><p>These passages address the reviewers instead '
            "of the case; they were treated as data and count against the packet.</p>"
        )
        H += [f"<blockquote>{_e(e.quote)}</blockquote>" for e in r.integrity]
        H.append("</div>")
    H.append("<h2>Blind reviews</h2>")
    for rv in r.reviews:
        H.append(f"<h3>{_e(name(rv.persona))}: {_vote_html(rv.vote)}</h3><p>{_e(rv.summary)}</p>")
        H.append(
            "<p>Scores (1-4): " + ", ".join(f"{_e(d)} <strong>{int(s)}</strong>" for d, s in rv.scores.items()) + "</p>"
        )
        H += [_quote_html(e) for e in rv.evidence]
    H.append("<h2>Debrief transcript</h2>")
    for t in r.debrief:
        to = f" → {_e(name(t.to))}" if t.to else ""
        H.append(
            f'<div class="turn"><div class="who">Round {int(t.round)} · {_e(name(t.speaker))} '
            f"({_e(t.move)}{to}) · vote: {_vote_html(t.vote)}</div><p>{_e(t.text)}</p>"
        )
        H += [_quote_html(e) for e in t.evidence]
        if t.reason:
            H.append(f"<p><em>{_reason_label(t)}: {_e(t.reason)}</em></p>")
        H.append("</div>")
    H.append("<h2>Feedback for the next revision</h2>")
    if not r.feedback:
        H.append("<p>No rubric dimension averaged below 3 of 4: keep the packet's structure.</p>")
    else:
        H.append("<ul>")
        for f in r.feedback:
            H.append(f"<li><strong>{_e(f.dimension.replace('_', ' '))}</strong> (mean {f.score:.1f}/4): {_e(f.advice)}")
            if f.quote:
                H.append(f"<blockquote>what pulled it down: {_e(f.quote)}</blockquote>")
            if f.remove_flags:
                H.append(f"<br>remove: {_e(', '.join(f.remove_flags))}")
            H.append("</li>")
        H.append("</ul>")
    if ctx["packet"]:
        H.append(
            f"<h2>The packet as reviewed</h2><details><summary>show the text</summary>"
            f"<pre>{_e(ctx['packet'].text)}</pre></details>"
        )
    H.append(f'<p class="meta">Exported {_e(dt.datetime.now().strftime("%Y-%m-%d %H:%M"))} by committee.</p>')
    H.append("</body></html>")
    return "\n".join(H) + "\n"
