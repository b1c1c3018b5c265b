"""History commands: the stored `runs`, a packet's revision `history`, `compare` two
revisions, and conformity `stats` over stored runs."""

from __future__ import annotations

import typer

from committee.cli.common import DbOpt, JsonOpt, WholeJsonOpt, emit_json, err, open_store, out, persona_names
from committee.errors import BadInput, CommitteeError


def runs(
    limit: int = typer.Option(50, "--limit", "-n", help="Show at most this many runs."),
    packet: str | None = typer.Option(None, "--packet", help="Only runs of this packet key."),
    studies: bool = typer.Option(
        False,
        "--studies",
        help="Also list the runs stability, probe and calibrate stored (and the unanswered twins `answer` made).",
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """List stored runs, newest first (the studies' own runs with --studies)."""
    from committee.present.terminal.history import render_runs
    from committee.store.runs import db_exists

    if limit < 1:
        raise BadInput(f"--limit must be at least 1, got {limit}")
    if not db_exists(db):
        rows = []
    else:
        with open_store(db, create=False) as store:
            if packet:
                store.revisions(packet)  # an unknown key is bad input that names the stored ones
            rows = store.list_runs(limit=limit, packet_key=packet, studies=studies)
    if as_json:
        for r in rows:  # `twin_of` only on an unanswered twin (listed with --studies)
            emit_json({k: v for k, v in r.__dict__.items() if k != "twin_of" or v})
        return
    if not rows:
        err.print("no runs stored yet: try `committee review examples/strong-safety-pm.md`")
        return
    render_runs(rows, out)
    forks = [r for r in rows if r.parent_run_id]
    if forks:  # what-if forks, linked to the run they were forked from
        from committee.present.compare import change_text

        names = persona_names()
        for r in forks:
            err.print(
                f"fork {r.run_id} of run {r.parent_run_id}: what if {change_text(r.changed, names)}",
                style="dim",
                highlight=False,
                soft_wrap=True,
            )


def _signal_texts() -> dict[str, tuple[str, str]]:
    """Signal id -> (title, description) (`views.signal_text`) for every library signal
    and engine evidence id of the catalog; {} when it does not load."""
    from committee.catalog import default_catalog
    from committee.present.views import signal_text

    try:
        cat = default_catalog()
        return {sid: signal_text(sid, cat) for sid in (*cat.signals, *cat.engine_signals)}
    except CommitteeError:
        return {}


def _dimension_titles() -> dict[str, str]:
    """Dimension id -> title (`views.dimension_titles`); {} when the catalog does not load."""
    from committee.present.views import dimension_titles

    try:
        return dimension_titles()
    except CommitteeError:
        return {}


def history(
    key: str = typer.Argument(..., help="The packet key (front matter `packet:`, else the file name)."),
    scenario: str | None = typer.Option(None, "--scenario", "-s", help="Only runs of this scenario."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Revisions of one packet with the votes of each one's latest finished run.

    Example: committee history dylan-growth-pm
    """
    from committee.present.compare import history as revision_history
    from committee.present.terminal.history import render_history

    with open_store(db, create=False) as store:
        records = revision_history(store, key, scenario=scenario)
        waiting = [r for r in store.list_runs(packet_key=key) if r.status == "awaiting_answers"]
    if as_json:
        for r in records:
            emit_json(r.as_json())
        return
    render_history(key, records, out, persona_names())
    if not any(r.run_id for r in records):
        if waiting:  # newest first
            err.print(
                f"no finished run yet: run {waiting[0].run_id} is waiting for your answers "
                f"(`{waiting[0].finish_command}`)",
                highlight=False,
                soft_wrap=True,
            )
        else:
            err.print(f"no finished run yet: `committee review` a packet with `packet: {key}`")


def compare(
    key: str | None = typer.Argument(
        None, help="The packet key (see `committee history KEY`); not with --runs.", show_default=False
    ),
    rev_from: int | None = typer.Option(
        None, "--from", help="Older revision (default: the one before --to; negative counts from the latest)."
    ),
    rev_to: int | None = typer.Option(None, "--to", help="Newer revision (default: the latest; -1 is the latest)."),
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="Compare runs of this scenario (default: the --to revision's)."
    ),
    diff: bool = typer.Option(True, "--diff/--no-diff", help="Show the text diff of the packet."),
    runs: tuple[str, str] | None = typer.Option(
        None,
        "--runs",
        help="RUN_A RUN_B: two finished runs side by side instead (a run and its what-if fork: votes, decision, the turns that differ).",
        show_default=False,
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Compare two revisions of a packet: votes, rubric scores, signals, text diff.

    With --runs A B, two stored runs side by side instead: per persona the sealed and
    final votes, both decisions and the debrief turns that differ (a what-if fork and
    its parent, parent first).

    Per persona the vote in each revision and the change; per rubric dimension the mean
    score and its change; red flags removed or introduced, green signals added or lost;
    then the diff of the packet text.

    Example: committee compare dylan-growth-pm --from 1 --to 2
    """
    from committee.present.compare import compare as compare_revisions
    from committee.present.terminal.history import render_compare

    if runs is not None and runs != (None, None):
        if key is not None or rev_from is not None or rev_to is not None or scenario is not None:
            raise BadInput("--runs compares two runs: give it without a packet key, --from, --to or --scenario")
        from committee.present.compare import compare_runs
        from committee.present.terminal.fork import render_run_comparison

        with open_store(db, create=False) as store:
            c = compare_runs(store, *runs)
        emit_json(c.as_json()) if as_json else render_run_comparison(c, out, persona_names())
        return
    if key is None:
        raise BadInput("compare needs a packet key (see `committee history KEY`), or --runs RUN_A RUN_B")
    with open_store(db, create=False) as store:
        c = compare_revisions(store, key, before=rev_from, after=rev_to, scenario=scenario)
    if as_json:
        emit_json(c.as_json())
        return
    render_compare(
        key, c, out, persona_names(), notes=err, diff=diff, signals=_signal_texts(), dimensions=_dimension_titles()
    )


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
    from committee.present.terminal.studies import render_stats
    from committee.trust.conformity import conformity_stats, stored_results

    if limit < 1:
        raise BadInput(f"--limit must be at least 1, got {limit}")
    with open_store(db, create=False) as store:
        if packet:
            store.revisions(packet)  # an unknown key is bad input that names the stored ones
        results = stored_results(store, limit=limit, engine=engine, packet=packet, studies=studies)
    st = conformity_stats(results)
    emit_json(st) if as_json else render_stats(st, out, persona_names())
