"""Terminal rendering of the stored history: the runs listing, a packet's revisions
and the comparison of two revisions. Pure presentation: takes records, prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from committee.present.terminal.run import vote_text

WIDE = 120  # terminal columns from which tables show every column
NARROW_MIN = {"when": 11, "engine": 7, "status": 7, "decision": 8}  # columns a narrow table never cuts
ARROW = {"up": ("▲", "green"), "down": ("▼", "red"), "same": ("=", "dim"), "n/a": ("?", "dim")}


def render_runs(rows: Sequence, console: Console) -> None:
    """The table of `rows` (`store.RunRow`, newest first). Narrow terminals (under WIDE
    columns) get the columns a reader scans for, on one line each; `--json` has every
    field."""
    wide = console.width >= WIDE
    t = (
        Table(title="Runs (newest first)", box=box.HEAVY_HEAD)
        if wide
        else Table(
            title="Runs (newest first)", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True
        )
    )
    t.add_column("run id", no_wrap=True, min_width=12)
    cols = (
        ("when", "packet", "rev", "scenario", "engine", "protocol", "status", "decision")
        if wide
        else ("when", "packet · rev", "engine", "status", "decision")
    )
    # what the packet key may take in a narrow table: the width left by the run id, the
    # columns it never cuts and two characters between columns
    room = max(12, console.width - (12 + sum(NARROW_MIN.values()) + 2 * len(cols) + 1))
    for col in cols:
        if wide:
            t.add_column(col, overflow="fold")
        else:  # short columns keep their width; the packet key gives way (ellipsis)
            t.add_column(
                col,
                no_wrap=True,
                overflow="ellipsis",
                min_width=NARROW_MIN.get(col),
                max_width=None if col in NARROW_MIN else min(26, room),
            )
    for r in rows:
        when = dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M" if wide else "%m-%d %H:%M")
        decision = (r.outcome or "-").replace("_", " ")
        if wide:
            t.add_row(
                r.run_id,
                when,
                r.packet_key,
                str(r.revision),
                r.scenario,
                r.engine,
                r.protocol,
                r.shown_status,
                decision,
            )
        else:
            t.add_row(r.run_id, when, f"{r.packet_key} · {r.revision}", r.engine, r.shown_status, decision)
    console.print(t)


def render_history(key: str, records: Sequence, console: Console, names: Mapping[str, str]) -> None:
    """The revisions of packet `key` (`compare.history` records, oldest first), then,
    over the revisions that have a finished run, the final votes and the mean rubric
    scores of each one's latest run."""
    t = Table(title=f"Revisions of {key}")
    for col in ("rev", "sha256", "finished runs", "latest run", "scenario", "decision"):
        t.add_column(col)
    for r in records:
        t.add_row(
            str(r.revision),
            r.sha256[:10],
            str(r.runs),
            r.run_id or "-",
            r.scenario or "-",
            (r.outcome or "not run").replace("_", " "),
        )
    console.print(t)
    run = [r for r in records if r.run_id]
    if run:
        vt = Table(title="Final votes by revision")
        vt.add_column("persona")
        for r in run:
            vt.add_column(f"rev {r.revision}")
        for p in dict.fromkeys(p for r in run for p in r.votes):
            vt.add_row(names.get(p, p), *[vote_text(r.votes.get(p)) for r in run])
        console.print(vt)
        st = Table(title="Mean rubric scores (1-4) by revision")
        st.add_column("dimension")
        for r in run:
            st.add_column(f"rev {r.revision}", justify="center")
        for d in dict.fromkeys(d for r in run for d in r.scores):
            st.add_row(d.replace("_", " "), *[f"{r.scores[d]:.2f}" if d in r.scores else "-" for r in run])
        console.print(st)


def render_compare(
    key: str,
    c,
    console: Console,
    names: Mapping[str, str],
    *,
    notes: Console,
    diff: bool,
    signals: Mapping[str, str],
) -> None:
    """The comparison `c` (`compare.compare`) of two revisions of packet `key`: the
    decisions, per persona the votes and their change, per rubric dimension the mean
    scores and their change, the signals removed, introduced, added or lost (shown with
    their description from `signals`, signal id -> description), and with `diff` the
    packet's text diff. The comparison's notes go to `notes` (stderr)."""
    b, a = c.before, c.after
    console.print(
        Text.assemble(
            (f"{key}: revision {b.revision} → {a.revision}", "bold"),
            f"   decision {(b.outcome or 'not run').replace('_', ' ')} → {(a.outcome or 'not run').replace('_', ' ')}",
        )
    )
    for n in c.notes:
        notes.print(Text(f"note: {n}", style="yellow"))
    vt = Table(title="Votes")
    # shown for a mixed panel, or when a persona changed engine or model between revisions
    voiced = (b.voices or a.voices) and (b.voices != a.voices or len(set({**b.voices, **a.voices}.values())) > 1)
    for col in ("persona", f"rev {b.revision}", f"rev {a.revision}", "change", *(["voiced by"] if voiced else [])):
        vt.add_column(col)
    for v in c.votes:
        sym, style = ARROW[v.direction]
        voice = [f"{b.voices.get(v.persona, '?')} → {a.voices.get(v.persona, '?')}"] if voiced else []
        vt.add_row(
            names.get(v.persona, v.persona),
            vote_text(v.before),
            vote_text(v.after),
            Text(f"{sym} {v.change:+d}" if v.change is not None else sym, style=style),
            *voice,
        )
    console.print(vt)
    st = Table(title="Rubric dimensions (mean score 1-4)")
    for col in ("dimension", f"rev {b.revision}", f"rev {a.revision}", "change"):
        st.add_column(col)
    for s in c.scores:
        ch = s.change
        style = "green" if ch and ch > 0 else "red" if ch and ch < 0 else "dim"
        st.add_row(
            s.dimension.replace("_", " "),
            "-" if s.before is None else f"{s.before:.2f}",
            "-" if s.after is None else f"{s.after:.2f}",
            Text("-" if ch is None else f"{ch:+.2f}", style=style),
        )
    console.print(st)
    for title, items, style in (
        ("Red flags removed", c.red_removed, "green"),
        ("Red flags introduced", c.red_introduced, "red"),
        ("Green signals added", c.green_added, "green"),
        ("Green signals lost", c.green_lost, "red"),
    ):
        if items:
            console.print(Text(title, style=f"bold {style}"))
            for s in items:
                console.print(Text(f"  • {s}: {signals[s]}" if s in signals else f"  • {s}"))
    if diff and c.diff:
        console.print(Text("Packet diff", style="bold underline"))
        console.print(Syntax(c.diff, "diff", word_wrap=True, theme="ansi_dark"))
    elif diff:
        console.print(Text("The packet text is the same in both revisions.", style="dim"))
