"""Run commands: `review` packets, `resume` a stopped run, `replay` a stored debrief."""

from __future__ import annotations

from pathlib import Path

import typer

from committee.cli.common import (
    ConcurrencyOpt,
    DbOpt,
    EngineOpt,
    JsonOpt,
    MaxTokensOpt,
    ModelOpt,
    OutputModeOpt,
    PersonaEngineOpt,
    PersonaModelOpt,
    RetriesOpt,
    TimeoutOpt,
    emit_json,
    engine_options,
    err,
    open_store,
    out,
    persona_names,
)


def review(
    packets: list[Path] = typer.Argument(
        ..., help="Packet files (.md, .txt, .pdf, .docx, .json). Several run one after another.", show_default=False
    ),
    scenario: str | None = typer.Option(
        None,
        "--scenario",
        "-s",
        help="Scenario id (see `committee scenarios`). Default: the packet's front matter, else the default scenario (marked `default: true`).",
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
        None,
        "--persona",
        help="Panel member id, repeatable (default: the default panel, every persona file by its seat: see `committee personas`).",
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
    packet_key: str | None = typer.Option(
        None,
        "--packet",
        help="Packet key of every file given, the lineage its revisions join (see `committee history KEY`). "
        "Default: the front matter's `packet:`, else the file name, so cv.docx and cv.pdf are both `cv`.",
        show_default=False,
    ),
    questions: bool = typer.Option(
        False,
        "--questions",
        help="Let the personas ask follow-up questions after the blind reviews (at most one each, three in all, "
        "where an answer could move a vote). The run then waits: answer with `committee answer RUN_ID`.",
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Review packets: blind reviews, debrief, votes, decision and feedback.

    With --questions the committee may first ask you about what the packet leaves unclear;
    the run is stored as `awaiting_answers` and `committee answer RUN_ID` continues it.

    Examples:
      committee review examples/weak-growth-pm.md -r 3 --protocol round-robin
      committee review examples/borderline-api-pm.md --questions
      committee review packet.md --engine anthropic
      committee review packet.md -e anthropic --persona-engine vp-product=openai
    """
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.models import AwaitingAnswers
    from committee.present.terminal.run import ProgressBoard, render_questions, render_result

    options = engine_options(model, timeout, max_retries, concurrency, output_mode, max_tokens)
    # Validate every packet and option before anything is written.
    prepared = [
        prepare(
            read_packet(p, max_bytes=max_bytes, key=packet_key),
            scenario=scenario,
            engine=engine,
            rounds=rounds,
            protocol=protocol,
            personas=persona,
            engine_options=options,
            persona_engines=persona_engine,
            persona_models=persona_model,
            questions=questions,
        )
        for p in packets
    ]
    prepared[0].engine.warm(err.print)
    names = persona_names()
    with open_store(db) as store:
        for path, prep in zip(packets, prepared, strict=True):
            if packet_key is None and (notice := same_stem_notice(store, prep.packet, path)):
                err.print(notice, style="yellow", highlight=False, markup=False, soft_wrap=True)
            with ProgressBoard(err, names) as board:
                result = start_run(store, prep, progress=board.update)
            if as_json:
                emit_json(result)
            elif isinstance(result, AwaitingAnswers):
                render_questions(result, out, names)
            else:
                render_result(result, out, names)


def same_stem_notice(store, packet, path: Path) -> str | None:
    """One line for a file whose packet key is its file name's and which is about to
    become the next revision of a packet whose latest revision was read from another
    file (cv.pdf after cv.docx, CV.md after cv.md); None when the key came from the
    front matter (it is not the file name's), for content already stored (the same
    revision again), for the same file revised, and for a new key."""
    from committee.errors import BadInput
    from committee.intake.packets import slug

    if packet.key != slug(path.stem):
        return None
    try:
        stored = store.revisions(packet.key)
    except BadInput:  # a new key: nothing to join
        return None
    if any(p.sha256 == packet.sha256 for p in stored):
        return None
    last = stored[-1]
    came_from = Path(last.source).name if last.source else None
    if came_from == path.name:
        return None
    was = f"came from {came_from}" if came_from else "has no file name"
    return (
        f"{path.name} is stored as revision {last.revision + 1} of packet '{packet.key}' "
        f"(revision {last.revision} {was}); pass --packet NAME to keep it apart"
    )


def answer(
    run_id: str = typer.Argument(
        ..., help="The run waiting for answers: its id, a unique prefix (4+ characters) or `latest`."
    ),
    answers: Path | None = typer.Option(
        None,
        "--answers",
        help="A YAML file mapping question ids to answer text (q1: ..., q2: ...). A question left out is "
        "unanswered. Without it, each question is asked here in turn.",
        show_default=False,
    ),
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Size limit in bytes of the packet with the answers (e.g. 524288, 512k, 2m). "
        "Default: $COMMITTEE_MAX_PACKET_BYTES, else 512k.",
        show_default=False,
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Answer the committee's follow-up questions and finish the run.

    Your answers become a "Follow-up answers" part of the packet, stored as its next
    revision, and the committee reads the packet again: reviews, debrief, votes,
    decision. Empty answers leave the blind votes as they were. `committee compare KEY`
    then shows what the answers changed.

    Examples:
      committee answer latest
      committee answer 3f2a9c --answers answers.yaml --json
    """
    import sys

    from committee.errors import BadInput
    from committee.graph.runner import answer_run, check_waiting, pending_questions
    from committee.intake.answers import read_answers
    from committee.present.terminal.run import ProgressBoard, render_result

    names = persona_names()
    with open_store(db, create=False) as store:
        run_id = store.resolve_run_id(run_id)
        row = store.get_run(run_id)
        check_waiting(row)
        newest = store.revisions(row.packet_key)[-1].revision
        if newest > row.revision:  # the answers build on the run's own revision, not the newest
            err.print(
                f"warning: packet {row.packet_key} has a newer revision {newest}; these answers build on "
                f"revision {row.revision}, the one run {run_id} reviewed",
                style="yellow",
                highlight=False,
                soft_wrap=True,
            )
        questions = pending_questions(store, run_id)
        if answers is not None:
            given = read_answers(answers)
        elif sys.stdin.isatty():
            given = ask_answers(questions, names)
            if given is None:
                err.print(f"nothing submitted: run {run_id} still waits for your answers (`committee answer {run_id}`)")
                return
        else:
            raise BadInput(f"no terminal to ask on: give the answers with --answers FILE (run {run_id})")
        with ProgressBoard(err, names) as board:
            result = answer_run(store, run_id, given, progress=board.update, max_bytes=max_bytes)
    if as_json:
        emit_json(result)
    else:
        render_result(result, out, names)


def read_multiline() -> str:
    """Lines read from stdin up to an empty line (or the end of input), joined with
    newlines: one answer, however many lines were pasted. "" when the first line is
    empty."""
    lines: list[str] = []
    while True:
        try:
            line = input()
        except EOFError:
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines)


def ask_answers(questions: list, names: dict[str, str]) -> dict[str, str] | None:
    """Each question asked on the terminal in turn, its answer read over several lines
    up to an empty line (`read_multiline`); then every answer shown and a confirmation
    asked. Returns {question id: answer} to submit, or None when the user declines."""
    given: dict[str, str] = {}
    for q in questions:
        err.print(f"[bold]{q.id}[/bold] · {names.get(q.persona, q.persona)} asks:", highlight=False)
        err.print(q.text, markup=False, highlight=False)
        err.print("your answer (several lines are fine; an empty line ends it, an empty first line skips):")
        given[q.id] = read_multiline()
    err.print("[bold]your answers[/bold]", highlight=False)
    for q in questions:
        err.print(f"[bold]{q.id}[/bold]:", highlight=False)
        err.print(given[q.id] or "(no answer)", markup=False, highlight=False)
    return given if typer.confirm("submit these answers?", default=True, err=True) else None


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
    """Continue a stopped run (failed engine, killed process) from its checkpoint.

    Persona calls that had already finished are not repeated. The run keeps its panel
    (each persona's engine and model) and its stored engine options; options given here
    replace them for this attempt, e.g. a longer --timeout.
    """
    from committee.graph.runner import resume_run
    from committee.models import AwaitingAnswers
    from committee.present.terminal.run import ProgressBoard, render_questions, render_result

    names = persona_names()
    options = engine_options(None, timeout, max_retries, concurrency, output_mode, max_tokens)
    with open_store(db, create=False) as store:
        run_id = store.resolve_run_id(run_id)  # an unknown id fails before the progress board draws
        row = store.get_run(run_id)
        if row.status == "done" and store.get_result(run_id) is not None:
            result = resume_run(store, run_id, engine_options=options)  # checks the options first
            err.print(f"run {run_id} had already finished; showing its stored result")
        else:
            with ProgressBoard(err, names) as board:
                result = resume_run(store, run_id, progress=board.update, engine_options=options)
        if as_json:
            emit_json(result)
        elif isinstance(result, AwaitingAnswers):  # a --questions run that stopped before asking
            render_questions(result, out, names)
        else:
            render_result(result, out, names)


def replay(
    run_id: str = typer.Argument(
        ..., help="The run to replay: its id, a unique prefix (4+ characters) or `latest` (see `committee runs`)."
    ),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
):
    """Replay a stored debrief step by step from its checkpoints (no engine runs).

    A what-if fork (`committee fork`) is followed by its parent and the fork side by side:
    votes, decision and the turns that differ.
    """
    from committee.graph.runner import panel_voices, replay_steps
    from committee.present.terminal.run import render_steps

    side_by_side = None
    with open_store(db, create=False) as store:
        run_id = store.resolve_run_id(run_id)
        steps = replay_steps(store, run_id)
        voices = panel_voices(store, run_id)
        row = store.get_run(run_id)
        if not as_json and row.parent_run_id and row.status == "done":
            from committee.errors import BadInput
            from committee.present.compare import compare_runs

            try:
                side_by_side = compare_runs(store, row.parent_run_id, run_id)
            except BadInput as exc:  # the parent is gone: the fork's own replay still shows
                err.print(f"parent run {row.parent_run_id}: {exc}", highlight=False)
    if as_json:
        for s in steps:
            emit_json(s.as_json())
    else:
        names = persona_names()
        render_steps(steps, out, names, voices, row)
        if side_by_side is not None:
            from committee.present.terminal.fork import render_run_comparison

            out.line()
            render_run_comparison(side_by_side, out, names)
