"""The `committee` command line (typer). Exit codes (design.md): 0 done; 2 bad input or
usage, one line on stderr, nothing written; 3 the engine failed after retries (the
run is stored and `committee resume RUN_ID` continues it)."""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from committee.errors import BadInput, CommitteeError, redact

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


def _reader_left() -> None:
    """The reader stopped reading (`committee runs | head`): nothing went wrong here, so
    exit 0, with stdout on devnull so the interpreter's final flush cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())
    sys.exit(0)


class _Out(Console):
    """Standard output; a closed pipe ends the command with exit 0 (rich's default is 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _reader_left()


out = _Out()
err = Console(stderr=True)

DbOpt = typer.Option(
    None,
    "--db",
    help="Database: a SQLite file, or a postgresql:// URL a team shares. Default: $COMMITTEE_DB, else a file in the per-user data directory.",
    envvar="COMMITTEE_DB",
    show_envvar=False,
)
WIDE = 120  # terminal columns from which tables show every column
NARROW_MIN = {"when": 11, "engine": 7, "status": 7, "decision": 8}  # columns a narrow table never cuts
JsonOpt = typer.Option(False, "--json", help="Print JSON Lines (one compact object per line) instead of a report.")


def _store(db: str | None, *, create: bool = True):
    """The database; `create=False` for commands that only read (they never create
    a file, and say so when there is none)."""
    from committee.store import Store

    return Store(db, create=create)


def _names() -> dict[str, str]:
    from committee.catalog import default_catalog

    try:
        return {p.id: p.name.split(",")[0] for p in default_catalog().personas.values()}
    except CommitteeError:
        return {}


def _emit_json(obj) -> None:
    text = (
        obj.model_dump_json()
        if hasattr(obj, "model_dump_json")
        else json.dumps(obj, separators=(",", ":"), default=str)
    )
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _engines_help() -> str:
    from committee.engines import ENGINES

    return "Engine: " + "; ".join(f"{n} ({spec.summary}; needs {spec.needs})" for n, spec in ENGINES.items()) + "."


# Engine options, shared by `review` and `resume` (the studies take `--engine` and `--model` only). Each engine takes the
# ones its options model declares (see `committee.engines`); a mixed panel passes each
# engine the ones it takes, and an option no engine on the panel takes is an error.
EngineOpt = typer.Option("offline", "--engine", "-e", help=_engines_help())
ModelOpt = typer.Option(
    None,
    "--model",
    "-m",
    help="Model id for the run's LLM engine (a persona's own `model:` still wins for that persona).",
)
TimeoutOpt = typer.Option(None, "--timeout", help="LLM engines: seconds per API request (default 120).")
RetriesOpt = typer.Option(None, "--max-retries", help="LLM engines: SDK retries for 429/5xx/529/timeouts (default 4).")
ConcurrencyOpt = typer.Option(
    None, "--concurrency", help="LLM engines: most simultaneous API requests per engine (default 4)."
)
MaxTokensOpt = typer.Option(
    None,
    "--max-tokens",
    help="LLM engines: most output tokens per reply, 256-64000 (default 16000; a cut-off reply gets one repair request).",
)
OutputModeOpt = typer.Option(
    None,
    "--output-mode",
    help="LLM engines: how replies are constrained: native (JSON schema), tool (forced tool call), text (JSON in text, validated), or auto (default: native, moving on when the server rejects it).",
)
PersonaEngineOpt = typer.Option(
    None,
    "--persona-engine",
    help="PERSONA=ENGINE, repeatable: voice this persona with another engine (a mixed panel).",
    show_default=False,
)
PersonaModelOpt = typer.Option(
    None, "--persona-model", help="PERSONA=MODEL, repeatable: the model that voices this persona.", show_default=False
)


def _engine_options(
    model=None, timeout=None, max_retries=None, concurrency=None, output_mode=None, max_tokens=None
) -> dict:
    """The given engine options (stored with the run for `resume`: never a secret)."""
    given = {
        "model": model,
        "timeout": timeout,
        "max_retries": max_retries,
        "concurrency": concurrency,
        "output_mode": output_mode,
        "max_tokens": max_tokens,
    }
    return {k: v for k, v in given.items() if v is not None}


@app.command()
def review(
    packets: list[Path] = typer.Argument(
        ..., help="Packet files (.md, .txt, .pdf, .docx, .json). Several run one after another.", show_default=False
    ),
    scenario: str | None = typer.Option(
        None,
        "--scenario",
        "-s",
        help="Scenario id (see `committee scenarios`). Default: the packet's front matter, else safety-pm.",
    ),
    engine: str = EngineOpt,
    model: str | None = ModelOpt,
    rounds: int = typer.Option(
        2, "--rounds", "-r", help="Most debrief rounds; the debrief stops earlier when all votes are on one side."
    ),
    protocol: str = typer.Option(
        "simultaneous", "--protocol", "-p", help="simultaneous (all speak each round) or round-robin (one at a time)."
    ),
    persona: list[str] | None = typer.Option(
        None, "--persona", help="Panel member id, repeatable (default: the four standard personas)."
    ),
    persona_engine: list[str] | None = PersonaEngineOpt,
    persona_model: list[str] | None = PersonaModelOpt,
    timeout: float | None = TimeoutOpt,
    max_retries: int | None = RetriesOpt,
    concurrency: int | None = ConcurrencyOpt,
    output_mode: str | None = OutputModeOpt,
    max_tokens: int | None = MaxTokensOpt,
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Packet size limit in bytes (e.g. 524288, 512k, 2m), checked before parsing; PDF/DOCX files may be 8x larger on disk. Default: $COMMITTEE_MAX_PACKET_BYTES, else 512k.",
        show_default=False,
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Review packets with the committee: blind reviews, debrief, votes, decision, feedback.

    Examples:
      committee review examples/weak-growth-pm.md --rounds 3 --protocol round-robin
      committee review packet.md --engine anthropic --persona-engine vp-product=openai --persona-model vp-product=llama3.1
    """
    from committee.packets import read_packet
    from committee.report import ProgressBoard, render_result
    from committee.runner import prepare, start_run

    options = _engine_options(model, timeout, max_retries, concurrency, output_mode, max_tokens)
    # Validate every packet and option before anything is written.
    prepared = [
        prepare(
            read_packet(p, max_bytes=max_bytes),
            scenario=scenario,
            engine=engine,
            rounds=rounds,
            protocol=protocol,
            personas=persona,
            engine_options=options,
            persona_engines=persona_engine,
            persona_models=persona_model,
        )
        for p in packets
    ]
    prepared[0].engine.warm(err.print)
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
    run_id: str = typer.Argument(
        ..., help="The run to continue: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`)."
    ),
    timeout: float | None = TimeoutOpt,
    max_retries: int | None = RetriesOpt,
    concurrency: int | None = ConcurrencyOpt,
    output_mode: str | None = OutputModeOpt,
    max_tokens: int | None = MaxTokensOpt,
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Continue a run that stopped (engine failure, killed process) from its last checkpoint.

    Persona calls that had already finished are not repeated. The run keeps its panel
    (each persona's engine and model) and its stored engine options; options given here
    replace them for this attempt, e.g. a longer --timeout.
    """
    from committee.report import ProgressBoard, render_result
    from committee.runner import resume_run

    names = _names()
    options = _engine_options(None, timeout, max_retries, concurrency, output_mode, max_tokens)
    with _store(db, create=False) as store:
        run_id = store.resolve_run_id(run_id)  # an unknown id fails before the progress board draws
        row = store.get_run(run_id)
        if row.status == "done" and store.get_result(run_id) is not None:
            result = resume_run(store, run_id, engine_options=options)  # checks the options first
            err.print(f"run {run_id} had already finished; showing its stored result")
        else:
            with ProgressBoard(err, names) as board:
                result = resume_run(store, run_id, progress=board.update, engine_options=options)
        _emit_json(result) if as_json else render_result(result, out, names)


@app.command()
def replay(
    run_id: str = typer.Argument(
        ..., help="The run to replay: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`)."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Replay a stored debrief step by step, from its checkpoints (no engine is called)."""
    from committee.report import render_steps
    from committee.runner import panel_voices, replay_steps

    with _store(db, create=False) as store:
        run_id = store.resolve_run_id(run_id)
        steps = replay_steps(store, run_id)
        voices = panel_voices(store, run_id)
        row = store.get_run(run_id)
    if as_json:
        for s in steps:
            _emit_json(s.as_json())
    else:
        render_steps(steps, out, _names(), voices, row)


@app.command()
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
        with _store(db, create=False) as store:
            rows = store.list_runs(limit=limit, packet_key=packet, studies=studies)
    if as_json:
        for r in rows:
            _emit_json(r.__dict__)
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
def scenarios(
    scenario_id: str | None = typer.Argument(
        None, help="Show one scenario in full: its case prompts, rubric and rules."
    ),
    as_json: bool = JsonOpt,
):
    """List the installed scenarios, or show one: the case prompts to answer, what a
    strong answer shows on each rubric dimension, and the committee rules.

    Example: committee scenarios safety-pm
    """
    from rich.markup import escape

    from committee.catalog import default_catalog

    cat = default_catalog()
    chosen = [cat.scenario(scenario_id)] if scenario_id else list(cat.scenarios.values())
    if as_json:
        for s in chosen:
            _emit_json(s)
        return
    if not scenario_id:
        t = Table(title="Scenarios (show one with `committee scenarios ID`)")
        t.add_column("id", no_wrap=True)
        t.add_column("title", overflow="fold")
        t.add_column("case prompts", overflow="fold", ratio=2)
        for s in chosen:
            t.add_row(s.id, s.title, "\n".join(f"• {c.title}" for c in s.case_prompts))
        out.print(t)
        return
    s = chosen[0]
    out.print(f"[bold]{escape(s.title)}[/] ({s.id}): {escape(s.role)}")
    out.print(escape(" ".join(s.description.split())))
    out.print("\n[bold underline]Case prompts[/] (answer them as `## Product sense: <title>` sections)")
    for c in s.case_prompts:
        out.print(f"• [bold]{escape(c.title)}[/]: {escape(c.prompt)}")
    out.print("\n[bold underline]Rubric[/] (each dimension scored 1-4)")
    for d in s.dimensions:
        must = " [red](must pass)[/]" if d.id in s.rules.must_pass else ""
        out.print(
            f"• [bold]{escape(d.name)}[/]{must}: {escape(d.description)} A strong answer shows {escape(d.strong_answer)}."
        )
    r = s.rules
    vetoes = "; ".join(f"{p}: {', '.join(v.label for v in vs)}" for p, vs in r.vetoes.items()) or "none"
    out.print(
        f"\n[bold underline]Committee rules[/]\n• failing a must-pass dimension ({r.fail_quorum}+ reviews at "
        f"{r.fail_score}/4) rejects alone\n• vetoes: {escape(vetoes)}\n• otherwise hire when the vote points "
        f"(Strong Hire 2, Hire 1, No Hire -1, Strong No Hire -2) sum above {r.hire_threshold}; a tie is No Hire"
    )


# ---------------------------------------------------------------- revisions and UI


def _signal_text(sid: str) -> str:
    from committee.catalog import default_catalog

    try:
        sig = default_catalog().signals.get(sid)
    except CommitteeError:
        sig = None
    return f"{sid}: {sig.description}" if sig else sid


@app.command()
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

    with _store(db, create=False) as store:
        records = revision_history(store, key, scenario=scenario)
    if as_json:
        for r in records:
            _emit_json(r.as_json())
        return
    names = _names()
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


@app.command()
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

    with _store(db, create=False) as store:
        c = compare_revisions(store, key, before=rev_from, after=rev_to, scenario=scenario)
    if as_json:
        _emit_json(c.as_json())
        return
    names = _names()
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


def ui_script() -> Path:
    """The Streamlit app's entry script: `ui/app.py` beside the package in a checkout
    (or `committee/_builtin/ui/app.py` in an installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "ui" / "app.py", here / "_builtin" / "ui" / "app.py"):
        if candidate.is_file():
            return candidate
    raise BadInput("the Streamlit app (ui/app.py) is not installed beside the package; run from a checkout")


@app.command()
def ui(
    port: int = typer.Option(8501, "--port", help="Port to serve the app on."),
    address: str = typer.Option(
        "127.0.0.1", "--address", help="Interface to listen on (0.0.0.0 to serve other machines)."
    ),
    db: str | None = DbOpt,
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Packet size limit for pasted text and uploads (e.g. 524288, 512k, 2m); PDF/DOCX files may be 8x larger. Default: $COMMITTEE_MAX_PACKET_BYTES, else 512k.",
    ),
):
    """Start the web app (Streamlit) on the same database as the CLI.

    Submit a packet and watch the debrief, replay stored runs, compare revisions.
    Stop it with Ctrl+C.

    Example: committee ui --port 8501   then open http://localhost:8501
    """
    import os
    import signal
    import subprocess

    from committee.db import display, is_url
    from committee.store import default_db_path

    if not 1 <= port <= 65535:
        raise BadInput(f"--port must be between 1 and 65535, got {port}")
    script = ui_script()
    env = dict(os.environ)
    if max_bytes is not None:
        from committee.packets import MAX_BYTES_ENV, parse_size

        env[MAX_BYTES_ENV] = str(parse_size(max_bytes, "--max-bytes"))
    target = db or default_db_path()
    env["COMMITTEE_DB"] = target if is_url(target) else str(Path(target).expanduser().resolve())
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    host = "localhost" if address in ("127.0.0.1", "0.0.0.0", "::") else address
    err.print(
        f"committee UI on http://{host}:{port}  (database {display(env['COMMITTEE_DB'])}; Ctrl+C to stop)",
        highlight=False,
    )
    proc = subprocess.Popen(cmd, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())  # stop Streamlit with us
    try:
        code = proc.wait()
    except KeyboardInterrupt:  # Ctrl+C reaches Streamlit too; let it shut down
        code = 0 if proc.wait() in (0, -signal.SIGINT) else proc.returncode
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(code if code >= 0 else 0)


# ------------------------------------------------- trust the verdict (committee.trust)

_TEngine = EngineOpt
_TModel = ModelOpt
_TScenario = typer.Option(
    None, "--scenario", "-s", help="Scenario id. Default: the packet's front matter, else safety-pm."
)
_TRounds = typer.Option(2, "--rounds", "-r", help="Most debrief rounds per run.")
_TProtocol = typer.Option("simultaneous", "--protocol", "-p", help="simultaneous or round-robin.")
_TPersona = typer.Option(None, "--persona", help="Panel member id, repeatable (default: the four standard personas).")
_TJson = typer.Option(False, "--json", help="Print the whole result as one JSON object.")


def _trust_spec(
    engine: str, model: str | None, scenario: str | None, rounds: int, protocol: str, persona: list[str] | None
):
    from committee.trust.common import RunSpec

    return RunSpec(
        scenario=scenario,
        engine=engine,
        rounds=rounds,
        protocol=protocol,
        personas=persona or None,
        engine_options={"model": model} if model else {},
    )


@app.command()
def stability(
    packet: Path = typer.Argument(..., help="The packet file to re-run.", show_default=False),
    runs: int = typer.Option(5, "--runs", "-k", help="How many runs (each with shuffled speaking and section order)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the shuffles: the same seed gives the same orders."),
    engine: str = _TEngine,
    model: str | None = _TModel,
    scenario: str | None = _TScenario,
    rounds: int = _TRounds,
    protocol: str = _TProtocol,
    persona: list[str] | None = _TPersona,
    db: str | None = DbOpt,
    as_json: bool = _TJson,
):
    """Re-run the committee K times in shuffled orders: vote distributions, agreement.

    Would the committee say the same again? Every run shuffles the persona speaking
    order and the packet's section order (LLM engines: independent samples too); report each persona's vote distribution, the modal decision and the
    agreement (share of runs with the modal decision). The study is stored.

    Example: committee stability examples/borderline-api-pm.md --runs 10 --seed 7
    """
    from committee.packets import read_packet
    from committee.trust.common import validate_spec
    from committee.trust.render import render_stability, study_progress
    from committee.trust.stability import MAX_RUNS, run_stability

    if not 1 <= runs <= MAX_RUNS:
        raise BadInput(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    pk = read_packet(packet)
    spec = _trust_spec(engine, model, scenario, rounds, protocol, persona)
    validate_spec(pk, spec)  # before anything is written
    with _store(db) as store, study_progress(err, "stability") as progress:
        report = run_stability(store, pk, runs=runs, spec=spec, seed=seed, progress=progress)
    _emit_json(report) if as_json else render_stability(report, out, _names())


@app.command()
def probe(
    packet: Path = typer.Argument(..., help="The packet file to probe.", show_default=False),
    swap: str = typer.Option(
        "name,school,employer,pronouns",
        "--swap",
        help="Attributes to swap, comma-separated: name, school, employer, pronouns.",
    ),
    per_swap: int = typer.Option(6, "--per-swap", help="Most variants per attribute (and per school/employer found)."),
    substitutions: Path | None = typer.Option(
        None,
        "--substitutions",
        help="Your own substitution lists (YAML, same shape as committee/trust/substitutions.yaml).",
    ),
    engine: str = _TEngine,
    model: str | None = _TModel,
    scenario: str | None = _TScenario,
    rounds: int = _TRounds,
    protocol: str = _TProtocol,
    persona: list[str] | None = _TPersona,
    db: str | None = DbOpt,
    as_json: bool = _TJson,
):
    """Swap name, school, employer or pronouns and report every vote or score that moved.

    Counterfactual probes: would the verdict change with another name, school,
    employer or pronouns? Each variant changes one attribute only; every sealed vote,
    final vote, rubric score, cited signal and decision that moved against the
    original is reported. The study is stored.

    Example: committee probe examples/strong-safety-pm.md --swap name,employer
    """
    from committee.packets import read_packet
    from committee.trust.common import validate_spec
    from committee.trust.probes import build_variants, load_substitutions, parse_swaps, run_probe
    from committee.trust.render import render_probe, study_progress

    if per_swap < 1:
        raise BadInput(f"--per-swap must be at least 1, got {per_swap}")
    swaps = parse_swaps(swap)
    subs = load_substitutions(substitutions)
    pk = read_packet(packet)
    spec = _trust_spec(engine, model, scenario, rounds, protocol, persona)
    validate_spec(pk, spec)
    variants, skipped = build_variants(pk, swaps, subs, per_swap=per_swap)
    if not variants:  # before anything is written
        raise BadInput("nothing to probe: " + "; ".join(f"{a}: {r}" for a, r in skipped.items()))
    with _store(db) as store, study_progress(err, "probe") as progress:
        report = run_probe(store, pk, swaps, spec=spec, subs=subs, per_swap=per_swap, progress=progress)
    _emit_json(report) if as_json else render_probe(report, out, _names())


@app.command()
def stats(
    limit: int = typer.Option(1000, "--limit", "-n", help="Use at most this many of the newest runs."),
    engine: str | None = typer.Option(None, "--engine", "-e", help="Only runs of this engine."),
    packet: str | None = typer.Option(None, "--packet", help="Only runs of this packet key."),
    studies: bool = typer.Option(False, "--studies", help="Count the runs stability, probe and calibrate stored too."),
    db: str | None = DbOpt,
    as_json: bool = _TJson,
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
    with _store(db, create=False) as store:
        if packet:
            store.revisions(packet)  # an unknown key is bad input that names the stored ones
        results = stored_results(store, limit=limit, engine=engine, packet=packet, studies=studies)
    st = conformity_stats(results)
    _emit_json(st) if as_json else render_stats(st, out, _names())


@app.command()
def calibrate(
    folder: Path = typer.Argument(..., help="A folder of packets with a MANIFEST.yaml of labels.", show_default=False),
    engine: str = _TEngine,
    model: str | None = _TModel,
    rounds: int = _TRounds,
    protocol: str = _TProtocol,
    persona: list[str] | None = _TPersona,
    db: str | None = DbOpt,
    as_json: bool = _TJson,
):
    """Calibrate against a labelled folder: agreement, confusion matrix, per-signal F1.

    Decision agreement, confusion matrix, per-signal precision/recall/F1 (against the manifest's must_flag lists),
    per-persona agreement, split and injection checks. The study is stored.

    MANIFEST.yaml maps each file to a mapping with decision (hire, no_hire or null), split (true when the
    blind reviews should disagree), must_flag (a list of red signal ids) and injection (true or false).
    The bundled examples/ folder has one.

    Example: committee calibrate path/to/labelled-packets --json
    """
    from committee.packets import read_packet
    from committee.trust.calibrate import load_manifest, run_calibration
    from committee.trust.common import validate_spec
    from committee.trust.render import render_calibration, study_progress

    spec = _trust_spec(engine, model, None, rounds, protocol, persona)
    for name in load_manifest(folder):  # every packet and option checked before anything is written
        validate_spec(read_packet(folder / name), spec)
    with _store(db) as store, study_progress(err, "calibrate") as progress:
        report = run_calibration(store, folder, spec=spec, progress=progress)
    _emit_json(report) if as_json else render_calibration(report, out, _names())


@app.command()
def export(
    run_id: str = typer.Argument(
        ...,
        help="The run to export: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`).",
        show_default=False,
    ),
    fmt: str = typer.Option("html", "--format", "-f", help="md, html (one self-contained file) or json."),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    db: str | None = DbOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json, printed as one compact line."),
):
    """Export a run as a self-contained debrief report (md, html or json).

    For the candidate or a coach: decision and rule, votes (sealed -> final), integrity concerns, blind reviews, the
    debrief transcript and feedback with quotes. HTML is escaped and readable offline.

    Example: committee export 3f2a9c1b7d4e --format html --out debrief.html
    """
    from committee.trust.export import FORMATS, export_run

    fmt = "json" if as_json else fmt.lower()
    if fmt not in FORMATS:
        raise BadInput(f"unknown --format {fmt!r} (choose {', '.join(FORMATS)})")
    if out_file is not None and out_file.is_dir():
        raise BadInput(f"{out_file}: is a directory; give a file name")
    with _store(db, create=False) as store:
        text = export_run(store, store.resolve_run_id(run_id), fmt)
    if as_json:
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) + "\n"
    if out_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{out_file}: cannot write ({exc.strerror})") from exc
    err.print(f"wrote {out_file} ({fmt}, {len(text.encode('utf-8'))} bytes)", highlight=False)


def _usage_error_line(exc) -> str:
    """One line for a click usage error: the message and where to get help."""
    msg = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    return f"{msg}{where}"


def _unwrap(doc: str) -> str:
    """A docstring as help text: lines of a paragraph joined (this typer keeps single
    line breaks, which then break sentences mid-line at any terminal width), except
    lines that start a list item or an indented example, which stay on their own."""
    paragraphs = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        lines = para.splitlines()
        joined = lines[:1]
        for line in lines[1:]:
            if line.startswith((" ", "-", "*")) or joined[-1].rstrip().endswith(":"):
                joined.append(line)
            else:
                joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        paragraphs.append("\n".join(joined))
    return "\n\n".join(paragraphs)


for _command in app.registered_commands:
    if _command.callback is not None and _command.callback.__doc__:
        _command.callback.__doc__ = _unwrap(_command.callback.__doc__)


class _QuietAfterFailure(logging.Filter):
    """Drop `concurrent.futures`' "exception calling callback" tracebacks that LangGraph's
    executor leaves when several parallel calls fail at once: the run's failure is
    already reported in one line (its error, or a late write after the executor shut
    down); any other callback error still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        late = isinstance(exc, RuntimeError) and "after shutdown" in str(exc)
        return not (
            record.getMessage().startswith("exception calling callback") and (late or isinstance(exc, CommitteeError))
        )


def main() -> None:
    """Console entry point. Exit codes: 0 done; 2 usage errors (click) and BadInput; 3
    EngineFailed; 130 interrupted. Every error is one line on stderr, no traceback.
    Ctrl+C follows `committee.launch.sigint_policy`."""
    from committee.launch import sigint_policy

    with sigint_policy():
        _main()


def _main() -> None:
    try:
        from typer._click import exceptions as click_exc  # typer vendors click
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click_exc
    from rich.markup import escape

    logging.getLogger("concurrent.futures").addFilter(_QuietAfterFailure())
    try:
        rv = app(standalone_mode=False)
    except CommitteeError as exc:
        err.print(f"[bold red]error:[/] {escape(' '.join(redact(str(exc)).split()))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click_exc.NoArgsIsHelpError:
        sys.exit(0)  # the help was printed: `committee` alone teaches the commands
    except click_exc.ClickException as exc:
        err.print(f"[bold red]error:[/] {escape(_usage_error_line(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except KeyboardInterrupt:
        err.print(
            "interrupted: a started run is stored and can be continued with `committee resume RUN_ID`", soft_wrap=True
        )
        sys.exit(130)
    except BrokenPipeError:
        _reader_left()
    sys.exit(rv if isinstance(rv, int) else 0)
