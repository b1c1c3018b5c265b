"""Terminal rendering of the stored history: the runs listing, a packet's revisions
and the comparison of two revisions. Pure presentation: takes records, prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.text import Text

from committee.present.terminal.run import vote_text
from committee.present.terminal.tables import Col, bullets, diff_lines, print_table

ARROW = {"up": ("▲", "green"), "down": ("▼", "red"), "same": ("=", "dim"), "n/a": ("?", "dim")}


def render_runs(rows: Sequence, console: Console) -> None:
    """The table of `rows` (`store.RunRow`, newest first): every column when it fits;
    else the columns a reader scans for, one line per run, the packet key cut with an
    ellipsis when it must (`--json` has every field); else one block per run."""

    def when(r, fmt: str) -> str:
        return dt.datetime.fromtimestamp(r.created_at).strftime(fmt)

    def decision(r) -> str:
        return (r.outcome or "-").replace("_", " ")

    heads = ("run id", "when", "packet", "rev", "scenario", "engine", "protocol", "status", "decision")
    wide = [
        [
            r.run_id,
            when(r, "%Y-%m-%d %H:%M"),
            r.packet_key,
            str(r.revision),
            r.scenario,
            r.engine,
            r.protocol,
            r.shown_status,
            decision(r),
        ]
        for r in rows
    ]
    narrow_cols = [
        Col("run id"),
        Col("when", drop=1),
        Col("packet", shrink=12),
        Col("rev"),
        Col("engine", drop=2),
        Col("status"),
        Col("decision"),
    ]
    narrow = [
        [r.run_id, when(r, "%m-%d %H:%M"), r.packet_key, str(r.revision), r.engine, r.shown_status, decision(r)]
        for r in rows
    ]
    print_table(console, "Runs (newest first)", [Col(h) for h in heads], wide, narrower=[(narrow_cols, narrow)])


def render_history(key: str, records: Sequence, console: Console, names: Mapping[str, str]) -> None:
    """The revisions of packet `key` (`compare.history` records, oldest first), then,
    over the revisions that have a finished run, the final votes and the mean rubric
    scores of each one's latest run."""
    print_table(
        console,
        f"Revisions of {key}",
        [Col("rev"), Col("sha256", drop=1), Col("finished runs"), Col("latest run"), Col("scenario"), Col("decision")],
        [
            [
                str(r.revision),
                r.sha256[:10],
                str(r.runs),
                r.run_id or "-",
                r.scenario or "-",
                (r.outcome or "not run").replace("_", " "),
            ]
            for r in records
        ],
    )
    run = [r for r in records if r.run_id]
    if run:
        revs = [Col(f"rev {r.revision}") for r in run]
        print_table(
            console,
            "Final votes by revision",
            [Col("persona"), *revs],
            [
                [names.get(p, p), *[vote_text(r.votes.get(p)) for r in run]]
                for p in dict.fromkeys(p for r in run for p in r.votes)
            ],
        )
        print_table(
            console,
            "Mean rubric scores (1-4) by revision",
            [Col("dimension"), *[Col(f"rev {r.revision}", "center") for r in run]],
            [
                [d.replace("_", " "), *[f"{r.scores[d]:.2f}" if d in r.scores else "-" for r in run]]
                for d in dict.fromkeys(d for r in run for d in r.scores)
            ],
        )


def signal_line(signal_id: str, signals: Mapping[str, tuple[str, str]]) -> str:
    """One signal for a list: "title: description" from `signals` (id -> (title,
    description)); the id without hyphens when `signals` lacks it."""
    title, desc = signals.get(signal_id) or (signal_id.replace("-", " "), "")
    return f"{title}: {desc}" if desc else title


def render_compare(
    key: str,
    c,
    console: Console,
    names: Mapping[str, str],
    *,
    notes: Console,
    diff: bool,
    signals: Mapping[str, tuple[str, str]],
    dimensions: Mapping[str, str] | None = None,
) -> None:
    """The comparison `c` (`compare.compare`) of two revisions of packet `key`: the
    decisions, per persona the votes and their change, per rubric dimension (by its
    title in `dimensions`, id -> title) the mean scores and their change, the signals
    removed, introduced, added or lost (by title and description from `signals`, signal
    id -> (title, description) as `views.signal_text` gives them; the ids are in
    `--json`), and with `diff` the packet's text diff. The comparison's notes go to
    `notes` (stderr)."""
    dimensions = dimensions or {}
    b, a = c.before, c.after
    console.print(
        Text.assemble(
            (f"{key}: revision {b.revision} → {a.revision}", "bold"),
            f"   decision {(b.outcome or 'not run').replace('_', ' ')} → {(a.outcome or 'not run').replace('_', ' ')}",
        )
    )
    for n in c.notes:
        notes.print(Text(f"note: {n}", style="yellow"))
    # shown for a mixed panel, or when a persona changed engine or model between revisions
    voiced = (b.voices or a.voices) and (b.voices != a.voices or len(set({**b.voices, **a.voices}.values())) > 1)
    rows = []
    for v in c.votes:
        sym, style = ARROW[v.direction]
        voice = [f"{b.voices.get(v.persona, '?')} → {a.voices.get(v.persona, '?')}"] if voiced else []
        rows.append(
            [
                names.get(v.persona, v.persona),
                vote_text(v.before),
                vote_text(v.after),
                Text(f"{sym} {v.change:+d}" if v.change is not None else sym, style=style),
                *voice,
            ]
        )
    before, after = Col(f"rev {b.revision}"), Col(f"rev {a.revision}")
    voice_col = [Col("voiced by", wrap=True)] if voiced else []
    print_table(console, "Votes", [Col("persona"), before, after, Col("change"), *voice_col], rows)
    rows = []
    for s in c.scores:
        ch = s.change
        style = "green" if ch and ch > 0 else "red" if ch and ch < 0 else "dim"
        rows.append(
            [
                dimensions.get(s.dimension, s.dimension.replace("_", " ")),
                "-" if s.before is None else f"{s.before:.2f}",
                "-" if s.after is None else f"{s.after:.2f}",
                Text("-" if ch is None else f"{ch:+.2f}", style=style),
            ]
        )
    print_table(console, "Rubric dimensions (mean score 1-4)", [Col("dimension"), before, after, Col("change")], rows)
    for title, items, style in (
        ("Red flags removed", c.red_removed, "green"),
        ("Red flags introduced", c.red_introduced, "red"),
        ("Green signals added", c.green_added, "green"),
        ("Green signals lost", c.green_lost, "red"),
    ):
        if items:
            console.print(Text(title, style=f"bold {style}"))
            console.print(bullets([signal_line(s, signals) for s in items]))
    if diff and c.diff:
        console.print(Text("Packet diff", style="bold underline"))
        for line in diff_lines(c.diff, console.width):
            console.print(line, no_wrap=True, overflow="crop")
    elif diff:
        console.print(Text("The packet text is the same in both revisions.", style="dim"))
