"""The `committee` command line (typer). Exit codes (design.md): 0 done; 2 bad input or
usage, one line on stderr, nothing written; 3 the engine failed after retries (the
run is stored and `committee resume RUN_ID` continues it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from committee.errors import BadInput, CommitteeError

app = typer.Typer(
    help=(
        "Practice with a fictional alignment-first hiring committee.\n\n"
        "Four personas (research lead, safety lead, VP Product, hiring manager) review your "
        "packet blind, argue in a debrief, vote, and committee rules turn the votes into a "
        "decision with coaching feedback. Runs are stored, so you can replay a debrief and "
        "compare revisions of a packet.\n\n"
        "Start with:  committee review examples/strong-safety-pm.md"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console()
err = Console(stderr=True)

DbOpt = typer.Option(None, "--db", help="SQLite database file. Default: $COMMITTEE_DB, else the per-user data directory.",
                     envvar="COMMITTEE_DB", show_envvar=False)
JsonOpt = typer.Option(False, "--json", help="Print JSON Lines (one compact object per line) instead of a report.")


def _store(db: Optional[Path]):
    from committee.store import Store

    return Store(db)


def _names(prep_or_catalog=None) -> dict[str, str]:
    from committee.catalog import default_catalog

    try:
        return {p.id: p.name.split(",")[0] for p in default_catalog().personas.values()}
    except CommitteeError:
        return {}


def _emit_json(obj) -> None:
    text = obj.model_dump_json() if hasattr(obj, "model_dump_json") else json.dumps(obj, separators=(",", ":"), default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@app.command()
def review(
    packets: list[Path] = typer.Argument(..., help="Packet files (.md, .txt). Several run one after another.", show_default=False),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Scenario id (see `committee scenarios`). Default: the packet's front matter, else safety-pm."),
    engine: str = typer.Option("offline", "--engine", "-e", help="offline (no key, deterministic) or anthropic (needs ANTHROPIC_API_KEY)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model id for LLM engines."),
    rounds: int = typer.Option(2, "--rounds", "-r", help="Most debrief rounds; the debrief stops earlier when all votes are on one side."),
    protocol: str = typer.Option("simultaneous", "--protocol", "-p", help="simultaneous (all speak each round) or round-robin (one at a time)."),
    persona: Optional[list[str]] = typer.Option(None, "--persona", help="Panel member id, repeatable (default: the four standard personas)."),
    db: Optional[Path] = DbOpt,
    as_json: bool = JsonOpt,
):
    """Review packets with the committee: blind reviews, debrief, votes, decision, feedback.

    Example: committee review examples/weak-growth-pm.md --rounds 3 --protocol round-robin
    """
    from committee.packets import read_packet
    from committee.report import ProgressBoard, render_result
    from committee.runner import prepare, start_run

    options = {"model": model} if model else {}
    # Validate every packet and option before anything is written.
    prepared = [prepare(read_packet(p), scenario=scenario, engine=engine, rounds=rounds, protocol=protocol,
                        personas=persona, engine_options=options) for p in packets]
    names = _names()
    with _store(db) as store:
        for prep in prepared:
            with ProgressBoard(err, names) as board:
                result = start_run(store, prep, progress=board.update)
            if as_json:
                _emit_json(result)
            else:
                render_result(result, out, names)


@app.command()
def resume(
    run_id: str = typer.Argument(..., help="The run to continue (see `committee runs`)."),
    db: Optional[Path] = DbOpt,
    as_json: bool = JsonOpt,
):
    """Continue a run that stopped (engine failure, killed process) from its last checkpoint.
    Persona calls that had already finished are not repeated."""
    from committee.report import ProgressBoard, render_result
    from committee.runner import resume_run

    names = _names()
    with _store(db) as store:
        with ProgressBoard(err, names) as board:
            result = resume_run(store, run_id, progress=board.update)
        _emit_json(result) if as_json else render_result(result, out, names)


@app.command()
def replay(
    run_id: str = typer.Argument(..., help="The run to replay (see `committee runs`)."),
    db: Optional[Path] = DbOpt,
    as_json: bool = JsonOpt,
):
    """Replay a stored debrief step by step, from its checkpoints (no engine is called)."""
    from committee.report import render_steps
    from committee.runner import replay_steps

    with _store(db) as store:
        steps = replay_steps(store, run_id)
    if as_json:
        for s in steps:
            _emit_json(s.as_json())
    else:
        render_steps(steps, out, _names())


@app.command()
def runs(
    limit: int = typer.Option(50, "--limit", "-n", help="Show at most this many runs."),
    packet: Optional[str] = typer.Option(None, "--packet", help="Only runs of this packet key."),
    db: Optional[Path] = DbOpt,
    as_json: bool = JsonOpt,
):
    """List stored runs, newest first."""
    import datetime as dt

    with _store(db) as store:
        rows = store.list_runs(limit=limit, packet_key=packet)
    if as_json:
        for r in rows:
            _emit_json(r.__dict__)
        return
    if not rows:
        err.print("no runs stored yet: try `committee review examples/strong-safety-pm.md`")
        return
    t = Table(title="Runs (newest first)")
    for col in ("run id", "when", "packet", "rev", "scenario", "engine", "protocol", "status", "decision"):
        t.add_column(col)
    for r in rows:
        when = dt.datetime.fromtimestamp(r.created_at).strftime("%Y-%m-%d %H:%M")
        t.add_row(r.run_id, when, r.packet_key, str(r.revision), r.scenario, r.engine, r.protocol, r.status,
                  (r.outcome or "-").replace("_", " "))
    out.print(t)


@app.command()
def personas(as_json: bool = JsonOpt):
    """List the installed personas (data files in personas/ and your config folder)."""
    from committee.catalog import default_catalog, search_path

    cat = default_catalog()
    if as_json:
        for p in cat.personas.values():
            _emit_json(p)
        return
    t = Table(title="Personas (fictional)", caption="Folders: " + ", ".join(str(p) for p in search_path("personas")))
    t.add_column("id", no_wrap=True)
    t.add_column("name · title", overflow="fold")
    t.add_column("weighs most", overflow="fold", ratio=2)
    t.add_column("hard lines (red signals)", overflow="fold")
    for p in cat.personas.values():
        t.add_row(p.id, f"{p.name}\n{p.title}", p.weighs_most[0], "\n".join(p.hard_lines))
    out.print(t)


@app.command()
def scenarios(as_json: bool = JsonOpt):
    """List the installed scenarios (roles, rubric dimensions, case prompts)."""
    from committee.catalog import default_catalog

    cat = default_catalog()
    if as_json:
        for s in cat.scenarios.values():
            _emit_json(s)
        return
    t = Table(title="Scenarios")
    for col in ("id", "title", "dimensions", "case prompts", "signals", "must pass"):
        t.add_column(col, overflow="fold")
    for s in cat.scenarios.values():
        t.add_row(s.id, s.title, ", ".join(d.id for d in s.dimensions), "; ".join(c.title for c in s.case_prompts),
                  str(len(s.signals)), ", ".join(s.rules.must_pass))
    out.print(t)


def main() -> None:
    """Console entry point: runs the app (click handles usage errors with exit 2) and
    maps CommitteeError to its exit code with a one-line message on stderr."""
    try:
        app()
    except CommitteeError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: a started run is stored and can be continued with `committee resume RUN_ID`")
        sys.exit(130)
