"""`committee fork`: what-if forks of a stored debrief, and the coach's mute sweep."""

from __future__ import annotations

import typer

from committee.cli.common import DbOpt, JsonOpt, emit_json, err, open_store, out, persona_names
from committee.errors import BadInput


def fork(
    run_id: str = typer.Argument(
        ...,
        help="The finished run to fork: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`).",
    ),
    mute: list[str] | None = typer.Option(
        None, "--mute", help="PERSONA: leave this member off the panel (its review and vote are gone)."
    ),
    persona_weight: list[str] | None = typer.Option(
        None,
        "--persona-weight",
        help="PERSONA:DIMENSION=W: this member weighs a rubric dimension at W (0-100); only its review runs again.",
    ),
    protocol: list[str] | None = typer.Option(
        None, "--protocol", "-p", help="Debate with this protocol instead: simultaneous or round-robin."
    ),
    rounds: list[int] | None = typer.Option(
        None, "--rounds", "-r", help="Debate up to this many rounds instead (1-10)."
    ),
    order: list[str] | None = typer.Option(
        None, "--order", help="P1,P2,...: the panel in a new speaking order (every member once)."
    ),
    swap_persona: list[str] | None = typer.Option(
        None,
        "--swap-persona",
        help="OLD=NEW: NEW (a persona of the catalog, not on the panel) takes OLD's seat; only NEW's review runs.",
    ),
    sweep: str | None = typer.Option(
        None, "--sweep", help="mute: fork once per member, muting each, and say how robust the decision is."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """What if? Re-run a stored debrief with one change, from where it matters.

    The fork is a new run linked to its parent (see `committee runs`). Nothing before
    the change runs again: --mute, --protocol, --rounds and --order keep every blind
    review and start at sealing the votes; --persona-weight and --swap-persona keep the
    other members' reviews and run only the changed member's review. The debrief and
    the decision run again (with the offline engine, a --rounds fork keeps the rounds
    both limits share). With --json, the fork's `review --json` object plus
    `parent_run_id` and `changed`.

    Examples:
      committee fork latest --mute safety-lead
      committee fork 3f2a9c1b7d4e --persona-weight vp-product:values=3 --json
      committee fork latest --sweep mute
    """
    from committee.graph.fork import SWEEPS, parse_change, plan_fork, run_plan, sweep_mute
    from committee.present.terminal.fork import render_fork, render_sweep
    from committee.present.terminal.run import ProgressBoard

    names = persona_names()
    # each option is a list so that a change given twice is refused like two changes
    given = {
        k: v or None
        for k, v in dict(
            mute=mute,
            persona_weight=persona_weight,
            protocol=protocol,
            rounds=rounds,
            order=order,
            swap_persona=swap_persona,
        ).items()
    }
    if sweep is not None:
        if sweep not in SWEEPS:
            raise BadInput(f"unknown --sweep {sweep!r} (choose {', '.join(SWEEPS)})")
        if any(v is not None for v in given.values()):
            raise BadInput("--sweep makes its own changes: give it without --mute, --protocol or another change")
        with open_store(db, create=False) as store:
            with ProgressBoard(err, names) as board:
                result = sweep_mute(store, run_id, progress=board.update)
        emit_json(result.as_json(names)) if as_json else render_sweep(result, out, names)
        return
    change = parse_change(**given)
    with open_store(db, create=False) as store:
        plan = plan_fork(store, run_id, change)  # every check before anything is stored or drawn
        plan.engine.warm(err.print)
        with ProgressBoard(err, names) as board:
            result = run_plan(store, plan, progress=board.update)
    emit_json(result) if as_json else render_fork(result, out, names)
