"""Running the committee: the package API that the CLI and the UI call.

- `prepare(...)` validates a request against the catalog without writing anything
  (raises BadInput), so bad input never touches the database.
- `start_run(store, prepared)` stores the packet revision and the run, streams the
  graph with the SQLite checkpointer (thread id = run id) and stores the result.
- `resume_run(store, run_id)` continues a failed run from its last checkpoint;
  finished persona calls are not repeated (LangGraph keeps their writes).
- `replay_steps(store, run_id)` reads the stored checkpoints back; no engine runs.
- With follow-up questions (`prepare(..., questions=True)`), `start_run` may return
  `AwaitingAnswers` (the run is stored `awaiting_answers`); `answer_run(store, run_id,
  answers)` continues it with the answers as a new revision of the packet.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command

from committee.catalog import Catalog, default_catalog
from committee.engines.base import Engine
from committee.engines.panel import build_panel, check_options, parse_assignments
from committee.errors import BadInput, CommitteeError, EngineFailed, Interrupted, redact
from committee.graph.nodes import (
    build_graph,
    clear_failures,
    failure_error,
    in_panel_order,
    initial_state,
    recursion_limit,
)
from committee.intake.answers import check_answers, with_answers
from committee.launch import GRACE_S
from committee.models import (
    AwaitingAnswers,
    Context,
    DebriefTurn,
    Decision,
    EngineRef,
    Evidence,
    FeedbackItem,
    Packet,
    PacketRef,
    Persona,
    Question,
    Review,
    RunResult,
    Scenario,
    Signal,
    Timing,
    Usage,
    Vote,
)
from committee.store.runs import LEASE_S, RunRow, Store, owner_alive

log = logging.getLogger("committee.graph.runner")

PROTOCOLS = ("simultaneous", "round-robin")
MAX_ROUNDS = 10

# A progress callback receives (event, data): "start" {run_id, personas}, "review"
# {persona, vote}, "turn" {round, speaker, move, vote}, "decision" {outcome}.
Progress = Callable[[str, dict], None]


@dataclass(frozen=True)
class Prepared:
    """A validated request: everything a run needs, nothing stored yet."""

    packet: Packet
    scenario: Scenario
    panel: list[Persona]
    engine: Engine
    engine_name: str
    protocol: str
    rounds: int
    options: dict[str, Any] = field(default_factory=dict)
    catalog: Catalog | None = None
    questions: bool = False


def prepare(
    packet: Packet,
    *,
    scenario: str | None = None,
    engine: str = "offline",
    rounds: int = 2,
    protocol: str = "simultaneous",
    personas: list[str] | None = None,
    engine_options: dict[str, Any] | None = None,
    catalog: Catalog | None = None,
    persona_engines: list[str] | None = None,
    persona_models: list[str] | None = None,
    questions: bool = False,
) -> Prepared:
    """Validate a run request. The scenario is `scenario`, else the packet's front
    matter `scenario:`, else the catalog's default scenario; the panel is `personas`,
    else the catalog's default panel (data: `seat:` and `default:`). `persona_engines` / `persona_models` are
    `PERSONA=ENGINE` / `PERSONA=MODEL` items (a mixed panel, see `engines.panel`).
    `questions`: the personas may ask follow-up questions after the blind reviews.
    Raises BadInput for an unknown scenario, persona, engine, option or protocol,
    rounds outside 1..MAX_ROUNDS, or a missing key."""
    cat = catalog or default_catalog()
    sc = cat.scenario(scenario or packet.scenario)
    if protocol not in PROTOCOLS:
        raise BadInput(f"unknown protocol {protocol!r} (choose {' or '.join(PROTOCOLS)})")
    if not 1 <= rounds <= MAX_ROUNDS:
        raise BadInput(f"--rounds must be between 1 and {MAX_ROUNDS}, got {rounds}")
    ids = personas or cat.default_panel
    panel = [cat.persona(p) for p in ids]  # unknown ids first: the clearest message
    if len(set(ids)) != len(ids):
        raise BadInput("a persona is listed twice")
    if len(ids) < 2:
        raise BadInput("a committee needs at least two personas (give --persona once per member)")
    opts = {k: v for k, v in (engine_options or {}).items() if v is not None}
    eng, panel = build_panel(
        engine,
        opts,
        panel,
        engines=parse_assignments(persona_engines, "--persona-engine", ids),
        models=parse_assignments(persona_models, "--persona-model", ids),
    )
    opts.pop("http_client", None)  # a test transport is never stored with a run
    return Prepared(
        packet=packet,
        scenario=sc,
        panel=panel,
        engine=eng,
        engine_name=eng.name,
        protocol=protocol,
        rounds=rounds,
        options=opts,
        catalog=cat,
        questions=questions,
    )


def run_context(prep: Prepared, packet: Packet) -> Context:
    """The fixed part of a run (graph runtime context): packet, scenario, the
    scenario's signals and the panel in speaking order."""
    signals = (prep.catalog or default_catalog()).signals
    return Context(
        packet=packet,
        scenario=prep.scenario,
        signals={s: signals[s] for s in prep.scenario.signals},
        panel={p.id: p for p in prep.panel},
    )


def context_json(
    ctx: Context, *, ask: bool = False, answers: dict[str, str] | None = None, answers_of: int | None = None
) -> str:
    """The run context as stored once with the run (for `resume`); `ask` records that
    the run asks follow-up questions, so a run that stops before its first checkpoint
    starts again as it was asked for (`context_asks`); `answers` ({question id: text})
    the answers given to a waiting run, so a run stopped before its graph took them
    continues with them (`context_answers`); `answers_of` that its packet is the
    answered revision of that revision (`answer_run`, `context_answers_of`)."""
    stored = {
        "packet": ctx.packet.model_dump(mode="json"),
        "scenario": ctx.scenario.model_dump(mode="json"),
        "signals": [s.model_dump(mode="json") for s in ctx.signals.values()],
        "panel": [p.model_dump(mode="json") for p in ctx.panel.values()],
    }
    if ask:
        stored["ask"] = True
    if answers is not None:
        stored["answers"] = answers
    if answers_of is not None:
        stored["answers_of"] = answers_of
    return json.dumps(stored)


def context_answers_of(text: str) -> int | None:
    """The revision whose follow-up questions the stored run context's packet answers
    (`context_json(answers_of=)`), None for a run not answered yet (or a context that
    cannot be read)."""
    try:
        of = json.loads(text).get("answers_of")
    except (ValueError, AttributeError):
        return None
    return of if isinstance(of, int) else None


def context_asks(text: str) -> bool:
    """Whether the stored run context (`context_json`) is of a run that asks follow-up
    questions (False for one that cannot be read: `context_from_json` says why)."""
    try:
        return bool(json.loads(text).get("ask"))
    except (ValueError, AttributeError):
        return False


def context_answers(text: str) -> dict[str, str] | None:
    """The answers stored in the run context (`context_json`), None when none were
    given (or the context cannot be read)."""
    try:
        answers = json.loads(text).get("answers")
    except (ValueError, AttributeError):
        return None
    return answers if isinstance(answers, dict) else None


def context_from_json(text: str) -> Context:
    """The run context stored with a run. Personas keep the numbers they ran with, even
    outside today's ranges. Raises BadInput when the stored context is unreadable."""
    try:
        d = json.loads(text)
        return Context(
            packet=Packet.model_validate(d["packet"]),
            scenario=Scenario.model_validate(d["scenario"]),
            signals={s["id"]: Signal.model_validate(s) for s in d["signals"]},
            panel={p["id"]: Persona.model_validate(p, context={"stored": True}) for p in d["panel"]},
        )
    except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise BadInput(f"the stored run context cannot be read by this version ({exc.__class__.__name__})") from None


def _config(run_id: str, prepared_protocol: str, rounds: int, panel_size: int, engine: Engine | None = None) -> dict:
    configurable: dict[str, Any] = {"thread_id": run_id}
    if engine is not None:
        configurable["engine"] = engine
    return {"configurable": configurable, "recursion_limit": recursion_limit(prepared_protocol, rounds, panel_size)}


def _emit(progress: Progress | None, item: dict) -> None:
    """Hand one item of the graph's own progress stream (`graph._tell`) to `progress`."""
    if progress is not None:
        progress(item["event"], {k: v for k, v in item.items() if k != "event"})


def _execute(
    store: Store,
    engine: Engine,
    run_id: str,
    graph_input: dict | Command | None,
    ctx: Context,
    protocol: str,
    rounds: int,
    progress: Progress | None,
    link: dict[str, Any] | None = None,
) -> RunResult | AwaitingAnswers:
    """Run (or continue) the graph, then assemble and store the result (with `link`,
    a fork's `parent_run_id` and `changed`, laid over it); a run paused for follow-up
    answers is stored `awaiting_answers` and its questions returned. Marks the run
    failed or interrupted and raises when it did not reach its decision. A run that
    finished although a front end stopped its script meanwhile (Streamlit's rerun) is
    stored as done, and the stop is raised again so the front end goes on with it; a
    Ctrl+C that came too late to stop the run stores it too, then raises Interrupted."""
    t0 = time.perf_counter()
    graph = build_graph().compile(checkpointer=store.checkpointer())
    config = _config(run_id, protocol, rounds, len(ctx.panel), engine)
    # a paid call cannot be made again for free: every checkpoint is written before the
    # next step starts (LangGraph's default `async` may lose the last one on a crash)
    durability = "async" if engine.deterministic else "sync"
    try:
        try:
            with _lease(store, run_id):
                stopped = _stream(
                    graph,
                    engine,
                    progress,
                    graph_input,
                    config,
                    context=ctx,
                    stream_mode="custom",
                    durability=durability,
                )
            snapshot = graph.get_state(config)
            failures = snapshot.values.get("failures") or []
            if stopped is not None and (failures or snapshot.next):
                raise _Stopped(stopped)
            if failures:  # the calls beside the failed ones finished and are checkpointed
                raise failure_error(failures[0])
        except BaseException:
            _keep_failed_usage(store, engine, run_id)
            raise
    except _Stopped as stop:
        store.fail_run(run_id, "interrupted (Ctrl+C)" if isinstance(stop.cause, KeyboardInterrupt) else "interrupted")
        if isinstance(stop.cause, KeyboardInterrupt):
            raise Interrupted(
                f"interrupted: run {run_id} is stored; continue it with `committee resume {run_id}`"
            ) from None
        raise stop.cause from None  # e.g. Streamlit's rerun: the run is marked interrupted, resumable
    except CommitteeError as exc:
        message = redact(str(exc))
        store.fail_run(run_id, message)
        if isinstance(exc, Interrupted):
            raise type(exc)(message) from None
        raise type(exc)(f"{message} (run {run_id} is stored; continue it with `committee resume {run_id}`)") from None
    except Exception as exc:  # a bug outside the engine calls: keep the run resumable
        message = redact(f"{exc.__class__.__name__}: {exc}")
        store.fail_run(run_id, message)
        raise EngineFailed(
            f"engine error: {message} (run {run_id} is stored; continue it with `committee resume {run_id}`)"
        ) from None
    if snapshot.interrupts:  # paused for follow-up answers (graph.nodes.await_answers)
        store.await_answers(run_id)
        return AwaitingAnswers(
            run_id=run_id,
            packet=PacketRef(key=ctx.packet.key, revision=ctx.packet.revision, sha256=ctx.packet.sha256),
            questions=[Question.model_validate(q) for q in snapshot.values.get("questions") or []],
        )
    if snapshot.next:
        store.fail_run(run_id, "the run stopped before the decision")
        raise EngineFailed(f"run {run_id} stopped before the decision; continue it with `committee resume {run_id}`")
    result = assemble(
        run_id, snapshot.values, ctx, engine=engine, wall_s=time.perf_counter() - t0, failed=store.failed_usage(run_id)
    )
    if link:
        result = result.model_copy(update=link)
    store.finish_run(result)
    if isinstance(stopped, KeyboardInterrupt):  # the user asked to stop: a study must not go on
        raise Interrupted(
            f"interrupted: run {run_id} had already reached its decision and is stored; "
            f"`committee resume {run_id}` shows it"
        )
    if stopped is not None:
        raise stopped
    return result


@contextmanager
def _marks_interrupt(store: Store, run_id: str) -> Iterator[None]:
    """Whatever ends a run outside the graph's own handling (a Ctrl+C or a front end
    stopping its script, e.g. Streamlit's rerun, while the first progress is drawn or
    the result stored; an error storing it) leaves the run marked failed or interrupted
    and resumable, never `running`; a run already stored as done stays done. A Ctrl+C
    becomes Interrupted with the one-line message; anything else is re-raised."""
    try:
        yield
    except KeyboardInterrupt:
        store.fail_run(run_id, "interrupted (Ctrl+C)")
        raise Interrupted(
            f"interrupted: run {run_id} is stored; continue it with `committee resume {run_id}`"
        ) from None
    except Exception as exc:
        store.fail_run(run_id, redact(f"{exc.__class__.__name__}: {exc}"))
        raise
    except BaseException:
        store.fail_run(run_id, "interrupted")
        raise


@contextmanager
def _lease(store: Store, run_id: str) -> Iterator[None]:
    """Renew this process's lease on the run every `LEASE_S / 3` seconds while the body
    runs (a daemon thread), so another machine can tell a live run from a dead one."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(LEASE_S / 3):
            try:
                store.heartbeat(run_id)
            except Exception as exc:  # noqa: BLE001 - a missed beat only shortens the lease
                log.warning("run %s: lease not renewed (%s)", run_id, exc.__class__.__name__)

    thread = threading.Thread(target=beat, name=f"lease-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


class _Stopped(Exception):
    """The caller's thread was interrupted (Ctrl+C, or a BaseException such as
    Streamlit's rerun) before the run ended; `cause` is what interrupted it."""

    def __init__(self, cause: BaseException):
        super().__init__(repr(cause))
        self.cause = cause


def _stream(graph, engine: Engine, progress: Progress | None, *args, **kwargs) -> BaseException | None:
    """`graph.stream(*args, **kwargs)` in a worker thread, progress reported from the
    caller's thread (front ends draw only there). On an interrupt in the caller's
    thread, the engine cancels its calls in flight (they end as failures in the state)
    and the worker gets `GRACE_S` seconds to finish the step, so every call that had
    returned is checkpointed and `resume` repeats none; further interrupts in that
    window are ignored. Returns the interrupt, if one came while the graph still ended
    in time (the caller reads the final state); raises what the graph raised, or
    `_Stopped` when the graph did not end in time."""
    chunks: queue.Queue = queue.Queue()
    outcome: dict[str, BaseException] = {}

    def work() -> None:
        try:
            for chunk in graph.stream(*args, **kwargs):
                chunks.put(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome["error"] = exc
        finally:
            chunks.put(None)

    worker = threading.Thread(target=work, name="committee-run", daemon=True)
    worker.start()
    stopped: BaseException | None = None
    deadline = None
    while True:
        try:
            chunk = chunks.get(timeout=0.1 if deadline is None else max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            if deadline is not None and time.monotonic() >= deadline:
                break
            continue
        except BaseException as exc:  # Ctrl+C, or a front end stopping its script
            if stopped is None:
                stopped, deadline = exc, time.monotonic() + GRACE_S
                engine.cancel()
            continue
        if chunk is None:
            break
        if stopped is None:
            try:
                _emit(progress, chunk)
            except BaseException as exc:  # a front end stopping its script mid-draw
                stopped, deadline = exc, time.monotonic() + GRACE_S
                engine.cancel()
    if stopped is not None and (worker.is_alive() or "error" in outcome):
        raise _Stopped(stopped)
    error = outcome.get("error")
    if error is not None and not isinstance(error, Exception):
        raise _Stopped(error)  # a KeyboardInterrupt delivered inside the run
    if error is not None:
        raise error
    return stopped


def _keep_failed_usage(store: Store, engine: Engine, run_id: str) -> None:
    """Record the tokens of calls that failed for good (they were paid for)."""
    spent = engine.failed_usage()
    if spent.calls or spent.failed_calls:
        store.add_failed_usage(run_id, spent)


def assemble(
    run_id: str, values: dict, ctx: Context, *, engine: Engine, wall_s: float, failed: Usage | None = None
) -> RunResult:
    """The `review --json` contract object from a finished run's final state and context.
    `failed` (stored with the run) is the usage of calls that failed for good: it is
    part of `usage`, not of any persona's."""
    packet = ctx.packet
    order = list(values["panel"])
    reviews = [Review.model_validate(r) for r in in_panel_order(order, values["reviews"])]
    entries = [
        (u.get("persona"), Usage.model_validate({k: u[k] for k in Usage.model_fields if k in u}))
        for u in values.get("usage", [])
    ]
    usage = sum((u for _, u in entries), failed or Usage())
    by_persona = {p: sum((u for q, u in entries if q == p), Usage()) for p in order}
    return RunResult(
        run_id=run_id,
        packet=PacketRef(key=packet.key, revision=packet.revision, sha256=packet.sha256),
        scenario=ctx.scenario.id,
        engine=EngineRef(name=engine.name, model=engine.model),
        persona_engines={
            p.id: EngineRef(name=p.engine or engine.name, model=p.model or engine.model_for(p))
            for p in ctx.panel.values()
        },
        protocol=values["protocol"],
        personas=order,
        reviews=reviews,
        debrief=[DebriefTurn.model_validate(t) for t in in_panel_order(values["panel"], values.get("debrief", []))],
        votes={p: Vote(values["votes"][p]) for p in order},
        decision=Decision.model_validate(values["decision"]),
        feedback=[FeedbackItem.model_validate(f) for f in values.get("feedback", [])],
        integrity=[Evidence.model_validate(e) for e in values.get("integrity", [])],
        usage=usage,
        usage_by_persona=by_persona if usage.calls else {},
        timing=Timing(
            wall_s=round(wall_s, 4), engine_s=round(sum(u.get("engine_s", 0.0) for u in values.get("usage", [])), 4)
        ),
        questions=[Question.model_validate(q) for q in values.get("questions") or []],
        answers=dict(values.get("answers") or {}),
    )


def new_run_id() -> str:
    """A fresh run id (also the LangGraph thread id): 12 hex characters."""
    return uuid.uuid4().hex[:12]


def store_new_run(store: Store, prep: Prepared, run_id: str) -> tuple[Packet, Context]:
    """Store the packet revision and the run (status `running`, with its context), as a
    run is before the graph's first step. Returns the stored packet and the run context."""
    packet = store.save_packet(prep.packet)
    ctx = run_context(prep, packet)
    store.create_run(
        run_id,
        packet,
        scenario=prep.scenario.id,
        engine=prep.engine_name,
        model=prep.engine.model,
        protocol=prep.protocol,
        rounds=prep.rounds,
        panel=[p.id for p in prep.panel],
        options=prep.options,
        context=context_json(ctx, ask=prep.questions),
    )
    return packet, ctx


def start_run(
    store: Store, prep: Prepared, *, progress: Progress | None = None, run_id: str | None = None
) -> RunResult | AwaitingAnswers:
    """Store the packet revision and the run, run the graph, store and return the
    result, or the questions of a run that asks (`prep.questions`) and now waits for
    answers. Raises EngineFailed (exit 3) after marking the run failed/resumable."""
    run_id = run_id or new_run_id()
    packet, ctx = store_new_run(store, prep, run_id)
    with _marks_interrupt(store, run_id):
        if progress:
            progress(
                "start",
                {
                    "run_id": run_id,
                    "personas": [p.id for p in prep.panel],
                    "packet": packet.key,
                    "revision": packet.revision,
                },
            )
        state = initial_state(run_id, list(ctx.panel), prep.protocol, prep.rounds, ask=prep.questions)
        return _execute(store, prep.engine, run_id, dict(state), ctx, prep.protocol, prep.rounds, progress)


def resume_run(
    store: Store, run_id: str, *, progress: Progress | None = None, engine_options: dict[str, Any] | None = None
) -> RunResult | AwaitingAnswers:
    """Continue a stored run from its last checkpoint with the same engine and options
    (plus `engine_options`, e.g. a new timeout). `run_id` may be a unique prefix or
    `latest`. A `failed` run and a run left `running` by a process that is gone are
    continued; a run whose owning process is still alive is refused (BadInput), so a
    run never executes twice at once. A run that stopped before its first checkpoint
    starts again from its stored context, under the same id (a --questions run may then
    return `AwaitingAnswers`). A finished run returns its
    stored result without running anything (after checking `engine_options`). Raises
    BadInput for an unknown run id, a run stored without a context, or an option the
    run's engines do not take or a value out of range."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    if row.status == "done":
        stored = store.get_result(run_id)
        if stored is not None:
            if engine_options:  # nothing runs, but a bad option is still bad input
                ctx = context_from_json(store.get_context(run_id))
                check_options(row.engine, _resume_options(row, ctx, engine_options), list(ctx.panel.values()))
            return stored
    if row.status == "awaiting_answers":
        raise BadInput(f"run {run_id} is waiting for answers to its questions: `committee answer {run_id}`")
    if row.status == "running" and owner_alive(row.owner, row.lease_until):
        raise BadInput(f"run {run_id} is still running in process {row.owner}; wait for it, or stop that process first")
    ctx = context_from_json(store.get_context(run_id))
    options = _resume_options(row, ctx, engine_options)
    engine, _ = build_panel(row.engine, options, list(ctx.panel.values()))  # personas carry their engine and model
    graph = build_graph().compile(checkpointer=store.checkpointer())
    config = _config(run_id, row.protocol, row.rounds, len(row.panel))
    snapshot = graph.get_state(config)
    started = bool(snapshot.values)
    if started:
        clear_failures(graph, config)  # only the calls that failed, or never ran, run again
    # a run killed before its first checkpoint has nothing to continue: its context is
    # stored, so it starts again from the beginning under the same id
    asks = context_asks(store.get_context(run_id))
    graph_input = None if started else dict(initial_state(run_id, list(ctx.panel), row.protocol, row.rounds, ask=asks))
    given = context_answers(store.get_context(run_id))
    if started and snapshot.interrupts and given is not None:  # stopped before the graph took its answers
        graph_input = Command(resume=given)
    store.mark_running(run_id)
    with _marks_interrupt(store, run_id):
        if progress:
            progress(
                "start", {"run_id": run_id, "personas": row.panel, "packet": row.packet_key, "revision": row.revision}
            )
        return _execute(store, engine, run_id, graph_input, ctx, row.protocol, row.rounds, progress, fork_link(row))


def fork_link(row: RunRow) -> dict[str, Any] | None:
    """`{"parent_run_id", "changed"}` of a what-if fork's row, None for any other run."""
    return {"parent_run_id": row.parent_run_id, "changed": row.changed} if row.parent_run_id else None


def pending_questions(store: Store, run_id: str) -> list[Question]:
    """The questions a run asked (from its last checkpoint; [] for a run that asked
    none). Raises BadInput for an unknown run."""
    run_id = store.resolve_run_id(run_id)
    store.get_run(run_id)
    graph = build_graph().compile(checkpointer=store.checkpointer())
    values = graph.get_state({"configurable": {"thread_id": run_id}}).values or {}
    return [Question.model_validate(q) for q in values.get("questions") or []]


def awaiting(store: Store, run_id: str) -> AwaitingAnswers | None:
    """The stored run `run_id` (id, unique prefix or `latest`) as it waits for answers:
    its packet and questions (what `start_run` returned when it paused), or None when
    the run is not `awaiting_answers`. Lets a front end bring a waiting run's questions
    back after a reload. Raises BadInput for an unknown run."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    if row.status != "awaiting_answers":
        return None
    packet = store.get_revision(row.packet_key, row.revision)
    return AwaitingAnswers(
        run_id=run_id,
        packet=PacketRef(key=packet.key, revision=packet.revision, sha256=packet.sha256),
        questions=pending_questions(store, run_id),
    )


def answer_run(
    store: Store,
    run_id: str,
    answers: dict[str, object],
    *,
    progress: Progress | None = None,
    engine_options: dict[str, Any] | None = None,
    max_bytes: int | str | None = None,
) -> RunResult:
    """Continue a run that waits for follow-up answers (`awaiting_answers`) with
    `answers` ({question id: text}; a question left out or empty is unanswered). The
    non-empty answers become the packet's `## Follow-up answers` part
    (`intake.answers.with_answers`), stored as the packet's next revision, which the run
    then belongs to; the committee reads it again from intake. All answers empty: the
    blind reviews stand and the debrief goes on from them. Returns the finished result
    with `questions` and `answers`. Raises BadInput for an unknown run, a run that is not
    waiting, an unknown question id, an answer too long or an answered packet over a
    packet's limits (`max_bytes`, else $COMMITTEE_MAX_PACKET_BYTES; MAX_SECTIONS):
    nothing is stored then, the run keeps waiting."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    check_waiting(row)
    questions = pending_questions(store, run_id)
    given = check_answers(questions, answers)
    stored = store.get_context(run_id)
    ctx = context_from_json(stored)
    options = _resume_options(row, ctx, engine_options)
    engine, _ = build_panel(row.engine, options, list(ctx.panel.values()))
    names = {p.id: p.name for p in ctx.panel.values()}
    # an earlier attempt stopped before the committee read its answers and left the run
    # waiting on the answered revision (a context stored before answers were kept with it):
    # answer the questions' own revision
    of = context_answers_of(stored)
    base = ctx.packet if of is None else store.get_revision(ctx.packet.key, of)
    answered = with_answers(base, questions, given, names, ctx.scenario, max_bytes=max_bytes)
    if answered is not base and engine.deterministic and of is None:
        # the revision without the answers gets its run too, at no cost (once)
        _finish_unanswered(store, engine, row, ctx, len(questions), progress=None)
    packet = base if answered is base else store.save_packet(answered)
    if packet.revision != ctx.packet.revision:
        ctx = ctx.model_copy(update={"packet": packet})
    # the answers are stored with the context: a run stopped before the graph took them
    # (a Ctrl+C or a front end's rerun as it starts) continues with them on `resume`
    answers_of = base.revision if packet.revision != base.revision else None
    store.answer_with(run_id, ctx.packet, context_json(ctx, answers=given, answers_of=answers_of))
    store.mark_running(run_id)
    with _marks_interrupt(store, run_id):
        if progress:
            progress(
                "start",
                {"run_id": run_id, "personas": row.panel, "packet": ctx.packet.key, "revision": ctx.packet.revision},
            )
        out = _execute(store, engine, run_id, Command(resume=given), ctx, row.protocol, row.rounds, progress)
    if isinstance(out, AwaitingAnswers):  # the graph asks once per run; never twice
        raise EngineFailed(f"run {run_id} asked again after its answers")
    return out


def check_waiting(row: RunRow) -> None:
    """BadInput unless the run waits for answers (`awaiting_answers`); the message says
    what finishes a run that stopped meanwhile (a Ctrl+C while its answers were read:
    `committee resume RUN_ID` continues it, the answers already given included)."""
    if row.status == "awaiting_answers":
        return
    hint = f"; `{row.finish_command}` continues it" if row.shown_status in ("failed", "stopped") else ""
    raise BadInput(f"run {row.run_id} is not waiting for answers (status {row.shown_status}){hint}")


def _finish_unanswered(store: Store, engine: Engine, row: RunRow, ctx: Context, asked: int, progress) -> RunResult:
    """A finished run of the unanswered revision beside the answered one, so that
    `compare` shows what the answers changed: a new run of the same revision whose
    thread starts from the waiting run's last checkpoint with every answer empty (the
    blind reviews are not repeated; the debrief goes on from them). Only for a
    deterministic engine, where the debrief costs nothing and the run is the one
    `review` without --questions would have made. The twin is stored with `twin_of`
    (the waiting run's id): never `latest`, left out of `runs` and `stats`."""
    graph = build_graph().compile(checkpointer=store.checkpointer())
    values = dict(graph.get_state({"configurable": {"thread_id": row.run_id}}).values)
    run_id = new_run_id()
    store.create_run(
        run_id,
        ctx.packet,
        scenario=row.scenario,
        engine=row.engine,
        model=row.model,
        protocol=row.protocol,
        rounds=row.rounds,
        panel=row.panel,
        options=row.options,
        context=context_json(ctx),
        twin_of=row.run_id,
    )
    values.update(run_id=run_id, answers={f"q{i}": "" for i in range(1, asked + 1)})
    config = {"configurable": {"thread_id": run_id}}
    graph.update_state(config, values, as_node="await_answers")
    with _marks_interrupt(store, run_id):
        out = _execute(store, engine, run_id, None, ctx, row.protocol, row.rounds, progress)
    if isinstance(out, AwaitingAnswers):
        raise EngineFailed(f"run {run_id} asked again after its answers")
    return out


def _resume_options(row: RunRow, ctx: Context, given: dict[str, Any] | None) -> dict[str, Any]:
    """The stored run options with those given to `resume` laid over them."""
    options = {**row.options, **{k: v for k, v in (given or {}).items() if v is not None}}
    if all(p.engine for p in ctx.panel.values()):
        options.pop("model", None)  # stored per persona since the panel was resolved
    return options


def panel_voices(store: Store, run_id: str) -> dict[str, str]:
    """Persona id -> "engine / model" that voiced it, from the stored run context (empty
    for a run stored without one). Raises BadInput for an unknown run."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    try:
        ctx = context_from_json(store.get_context(run_id))
    except BadInput:
        return {}
    return {
        p.id: EngineRef(name=p.engine or row.engine, model=p.model or row.model).label() for p in ctx.panel.values()
    }


@dataclass(frozen=True)
class Step:
    """One stored checkpoint of a run, oldest first. `node` names what produced it
    (`input`, `intake_packet`, `review_packet`, `seal_votes`, `speak_turn`, ...);
    `new_reviews`/`new_turns` are what that step added; `votes` the votes after it."""

    step: int
    checkpoint_id: str
    node: str
    round: int
    votes: dict[str, str]
    new_reviews: list[dict]
    new_turns: list[dict]
    decision: dict | None
    next: list[str]
    questions: list[dict] | None = None  # what `ask_questions` asked (that step only)
    answers: dict[str, str] | None = None  # what `await_answers` received (that step only)

    def as_json(self) -> dict:
        """The step as `replay --json` prints it; `questions`/`answers` only on the steps
        that asked or received them."""
        out = self.__dict__.copy()
        for k in ("questions", "answers"):
            if out[k] is None:
                out.pop(k)
        return out


def replay_steps(store: Store, run_id: str) -> list[Step]:
    """The run's checkpoints, oldest first, read from the database (no engine call,
    no graph execution). The node that produced a checkpoint is what the previous
    checkpoint had as `next`; a what-if fork's first checkpoint, seeded from its parent
    (`graph.fork`), is `fork`, and its `new_reviews` are the reviews the fork kept; an
    unanswered twin's first (`_finish_unanswered`) is `unanswered`.
    Raises BadInput for an unknown run or no checkpoint."""
    run_id = store.resolve_run_id(run_id)
    row = store.get_run(run_id)
    graph = build_graph().compile(checkpointer=store.checkpointer())  # no engine: nothing can run
    history = list(graph.get_state_history({"configurable": {"thread_id": run_id}}))
    if not history:
        raise BadInput(f"run {row.run_id} has no stored checkpoints")
    history.reverse()  # oldest first
    steps: list[Step] = []
    seen_reviews = seen_turns = 0
    asked = answered = False
    previous_next: tuple[str, ...] = ()
    for snap in history:
        values = snap.values or {}
        reviews = values.get("reviews") or []
        turns = values.get("debrief") or []
        if len(reviews) < seen_reviews:  # answers were read: the blind reviews start again
            seen_reviews = 0
        node = "resume" if snap.metadata.get("source") == "update" else ",".join(sorted(set(previous_next))) or "input"
        if not steps and node == "resume" and (row.parent_run_id or row.twin_of):
            node = "fork" if row.parent_run_id else "unanswered"
        if values.get("failures") and node in ("seal_votes", "tally_turns"):
            node = "stopped"  # the routing step after a failed call: it wrote nothing
        steps.append(
            Step(
                step=snap.metadata.get("step", len(steps) - 1),
                checkpoint_id=snap.config["configurable"]["checkpoint_id"],
                node=node,
                round=values.get("round", 0) or 0,
                votes=dict(values.get("votes") or {}),
                new_reviews=reviews[seen_reviews:],
                new_turns=turns[seen_turns:],
                decision=values.get("decision"),
                next=sorted(set(snap.next)),
                questions=values.get("questions") if "questions" in values and not asked else None,
                answers=values.get("answers") if "answers" in values and not answered else None,
            )
        )
        asked, answered = asked or "questions" in values, answered or "answers" in values
        seen_reviews, seen_turns = len(reviews), len(turns)
        previous_next = snap.next
    return steps
