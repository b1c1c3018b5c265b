"""History commands: the stored `runs`, a packet's revision `history`, `compare` two
revisions, and conformity `stats` over stored runs."""

from __future__ import annotations

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from committee.cli.common import DbOpt, JsonOpt, WholeJsonOpt, emit_json, err, open_store, out, persona_names
from committee.errors import BadInput, CommitteeError

WIDE = 120  # terminal columns from which tables show every column
NARROW_MIN = {"when": 11, "engine": 7, "status": 7, "decision": 8}  # columns a narrow table never cuts


def runs(
    limit: int = typer.Option(50, "--limit", "-n", help="Show at most this many runs."),
    packet: str | None = typer.Option(None, "--packet", help="Only runs of this packet key."),
    studies: bool = typer.Option(False, "--studies", help="Also list the runs stability, probe and calibrate stored."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """List stored runs, newest first (the studies' own runs with --studies)."""
    import datetime as dt

    from committee.store import db_exists

    if not db_exists(db):
        rows = []
    else:
        with open_store(db, create=False) as store:
            rows = store.list_runs(limit=limit, packet_key=packet, studies=studies)
    if as_json:
        for r in rows:
            emit_json(r.__dict__)
        return
    if not rows:
        err.print("no runs stored yet: try `committee review examples/strong-safety-pm.md`")
        return
    # narrow terminals (under WIDE columns) get the columns a reader scans for, on one
    # line each; `--json` has every field
    wide = out.width >= WIDE
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
    for col in cols:
        if wide:
            t.add_column(col, overflow="fold")
        else:  # short columns keep their width; the packet key gives way (ellipsis)
            t.add_column(
                col,
                no_wrap=True,
                overflow="ellipsis",
                min_width=NARROW_MIN.get(col),
                max_width=None if col in NARROW_MIN else 26,
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
    out.print(t)


def _signal_text(sid: str) -> str:
    from committee.catalog import default_catalog

    try:
        sig = default_catalog().signals.get(sid)
    except CommitteeError:
        sig = None
    return f"{sid}: {sig.description}" if sig else sid


def history(
    key: str = typer.Argument(..., help="The packet key (front matter `packet:`, else the file name)."),
    scenario: str | None = typer.Option(None, "--scenario", "-s", help="Only runs of this scenario."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Revisions of one packet with the votes of each one's latest finished run.

    Example: committee history dylan-growth-pm
    """
    from committee.compare import history as revision_history
    from committee.report import vote_text

    with open_store(db, create=False) as store:
        records = revision_history(store, key, scenario=scenario)
    if as_json:
        for r in records:
            emit_json(r.as_json())
        return
    names = persona_names()
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
    out.print(t)
    run = [r for r in records if r.run_id]
    if run:
        vt = Table(title="Final votes by revision")
        vt.add_column("persona")
        for r in run:
            vt.add_column(f"rev {r.revision}")
        for p in dict.fromkeys(p for r in run for p in r.votes):
            vt.add_row(names.get(p, p), *[vote_text(r.votes.get(p)) for r in run])
        out.print(vt)
        st = Table(title="Mean rubric scores (1-4) by revision")
        st.add_column("dimension")
        for r in run:
            st.add_column(f"rev {r.revision}", justify="center")
        for d in dict.fromkeys(d for r in run for d in r.scores):
            st.add_row(d.replace("_", " "), *[f"{r.scores[d]:.2f}" if d in r.scores else "-" for r in run])
        out.print(st)
    if not any(r.run_id for r in records):
        err.print(f"no finished run yet: `committee review` a packet with `packet: {key}`")


def compare(
    key: str = typer.Argument(..., help="The packet key (see `committee history KEY`)."),
    rev_from: int | None = typer.Option(
        None, "--from", help="Older revision (default: the one before --to; negative counts from the latest)."
    ),
    rev_to: int | None = typer.Option(None, "--to", help="Newer revision (default: the latest; -1 is the latest)."),
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="Compare runs of this scenario (default: the --to revision's)."
    ),
    diff: bool = typer.Option(True, "--diff/--no-diff", help="Show the text diff of the packet."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Compare two revisions of a packet: votes, rubric scores, signals, text diff.

    Per persona the vote in each revision and the change; per rubric dimension the mean
    score and its change; red flags removed or introduced, green signals added or lost;
    then the diff of the packet text.

    Example: committee compare dylan-growth-pm --from 1 --to 2
    """
    from rich.syntax import Syntax

    from committee.compare import compare as compare_revisions
    from committee.report import vote_text

    with open_store(db, create=False) as store:
        c = compare_revisions(store, key, before=rev_from, after=rev_to, scenario=scenario)
    if as_json:
        emit_json(c.as_json())
        return
    names = persona_names()
    b, a = c.before, c.after
    out.print(
        Text.assemble(
            (f"{key}: revision {b.revision} → {a.revision}", "bold"),
            f"   decision {(b.outcome or 'not run').replace('_', ' ')} → {(a.outcome or 'not run').replace('_', ' ')}",
        )
    )
    for n in c.notes:
        err.print(Text(f"note: {n}", style="yellow"))
    arrow = {"up": ("▲", "green"), "down": ("▼", "red"), "same": ("=", "dim"), "n/a": ("?", "dim")}
    vt = Table(title="Votes")
    # shown for a mixed panel, or when a persona changed engine or model between revisions
    voiced = (b.voices or a.voices) and (b.voices != a.voices or len(set({**b.voices, **a.voices}.values())) > 1)
    for col in ("persona", f"rev {b.revision}", f"rev {a.revision}", "change", *(["voiced by"] if voiced else [])):
        vt.add_column(col)
    for v in c.votes:
        sym, style = arrow[v.direction]
        voice = [f"{b.voices.get(v.persona, '?')} → {a.voices.get(v.persona, '?')}"] if voiced else []
        vt.add_row(
            names.get(v.persona, v.persona),
            vote_text(v.before),
            vote_text(v.after),
            Text(f"{sym} {v.change:+d}" if v.change is not None else sym, style=style),
            *voice,
        )
    out.print(vt)
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
    out.print(st)
    for title, items, style in (
        ("Red flags removed", c.red_removed, "green"),
        ("Red flags introduced", c.red_introduced, "red"),
        ("Green signals added", c.green_added, "green"),
        ("Green signals lost", c.green_lost, "red"),
    ):
        if items:
            out.print(Text(title, style=f"bold {style}"))
            for s in items:
                out.print(Text(f"  • {_signal_text(s)}"))
    if diff and c.diff:
        out.print(Text("Packet diff", style="bold underline"))
        out.print(Syntax(c.diff, "diff", word_wrap=True, theme="ansi_dark"))
    elif diff:
        out.print(Text("The packet text is the same in both revisions.", style="dim"))


def stats(
    limit: int = typer.Option(1000, "--limit", "-n", help="Use at most this many of the newest runs."),
    engine: str | None = typer.Option(None, "--engine", "-e", help="Only runs of this engine."),
    packet: str | None = typer.Option(None, "--packet", help="Only runs of this packet key."),
    studies: bool = typer.Option(False, "--studies", help="Count the runs stability, probe and calibrate stored too."),
    db: str | None = DbOpt,
    as_json: bool = WholeJsonOpt,
):
    """Conformity over stored runs: flip rates, decisions the debate changed.

    Per persona how often the final vote differs from the sealed (blind) vote, how often the debate changed the decision, and whether
    changed votes moved toward the majority of the sealed votes.

    Example: committee stats --engine offline
    """
    from committee.trust.conformity import conformity_stats, stored_results
    from committee.trust.render import render_stats

    if limit < 1:
        raise BadInput(f"--limit must be at least 1, got {limit}")
    with open_store(db, create=False) as store:
        if packet:
            store.revisions(packet)  # an unknown key is bad input that names the stored ones
        results = stored_results(store, limit=limit, engine=engine, packet=packet, studies=studies)
    st = conformity_stats(results)
    emit_json(st) if as_json else render_stats(st, out, persona_names())
