"""The committee as a LangGraph `StateGraph`.

    intake_packet -> review_packet x N (Send fan-out, blind, parallel; reducer fan-in)
      [-> ask_questions -> await_answers (interrupt) -> intake_packet -> review_packet x N]
      -> seal_votes -> speak_turn x k (Send) -> tally_turns -> ... (until consensus
         after a round, or the round limit) -> decide_outcome -> write_feedback

Protocols (design.md): `simultaneous`, all personas speak in parallel each round and
see only earlier rounds; `round-robin`, one persona at a time, each seeing every
earlier turn. Every superstep is checkpointed by the checkpointer the caller compiles
with (thread id = run id), which is what `replay` reads and `resume` continues.

State holds only what changes during a run, as JSON-able dicts (reviews, turns, votes,
round, decision). What stays fixed (the packet, scenario, signals and personas) is the
run context (`models.Context`, a pydantic model), given to the graph as
LangGraph's runtime `context=`: it is stored once with the run (so `resume` does not
depend on data files edited since) and never copied into a checkpoint.

Follow-up questions (`ask` in the state, `committee review --questions`): after the blind
reviews each persona may ask one question (`Engine.ask`), the committee at most
MAX_QUESTIONS. When any is asked, `await_answers` pauses the run with LangGraph's
`interrupt()`; the caller resumes it with `Command(resume={question id: answer})` and a
run context whose packet carries the answers (`graph.follow_up.with_answers`). Answers
that are all empty leave the blind reviews as they were; otherwise the reviews before
the answers move to `prior_reviews` and the committee reads the answered packet again
from intake, integrity checks included. Without `ask` the graph is the one-shot run.

Nodes are module-level `verb_object(state, config, runtime)` functions. The engine
comes from the run's configuration, `config["configurable"]["engine"]`: an `Engine`
(what the runner passes) or an engine name such as `"offline"`, built through the
engine registry with the personas' own engines, as `committee review --engine` does.

An engine call that fails is data, not an exception: the node writes a `failures`
entry (`{call, persona, round, kind, error}`), its siblings in the same parallel step
finish and keep their writes, and the graph ends at the next routing point.
`clear_failures` sets a failed run up to continue (`resume`): only the calls that
failed, or never ran, run again. No run waits on another, and none shares state with
another beyond the engine object its caller chose.
"""

from __future__ import annotations

import operator
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Overwrite, Send, interrupt

from committee import errors
from committee.decision.rules import CAP_NOTE, cap_for_integrity, consensus, decide
from committee.engines.base import Engine
from committee.errors import BadInput, CommitteeError, EngineFailed, redact
from committee.intake.integrity.check import find_injections
from committee.models import (
    Context,
    DebriefTurn,
    Decision,
    Evidence,
    Question,
    Review,
    TurnRequest,
    Usage,
    Vote,
)


def _failures(current: list[dict] | None, update: list[dict] | None) -> list[dict]:
    """Reducer of `failures`: entries add up within a step; an update of None clears
    them (what `clear_failures` writes before a run continues)."""
    return [] if update is None else [*(current or []), *update]


class CommitteeState(TypedDict, total=False):
    """Graph state. Lists with `operator.add` are reducer channels (fan-in)."""

    run_id: str
    panel: list[str]  # persona ids, in speaking order
    protocol: str
    max_rounds: int
    integrity: list[dict]
    reviews: Annotated[list[dict], operator.add]
    debrief: Annotated[list[dict], operator.add]
    usage: Annotated[list[dict], operator.add]
    votes: dict[str, str]  # current vote per persona
    round: int  # round in progress (1-based); 0 before the debrief
    next_speakers: list[str]
    done: bool
    decision: dict
    feedback: list[dict]
    failures: Annotated[list[dict], _failures]  # engine calls that failed; the run stops at the next route
    ask: bool  # follow-up questions on (`committee review --questions`)
    questions: list[dict]  # the committee's questions (models.Question), once asked
    answers: dict[str, str]  # the candidate's answers by question id, once given
    prior_reviews: list[dict]  # the blind reviews before the answers (when answers were read)


MAX_QUESTIONS = 3  # questions a committee asks at most (one per persona)


def _with_integrity(ctx: Context, state: dict) -> Context:
    """The run's context plus the integrity concerns found at intake (from the state)."""
    return ctx.model_copy(update={"integrity": [Evidence.model_validate(e) for e in state.get("integrity") or []]})


def in_panel_order(panel: list[str], items: list[dict]) -> list[dict]:
    """Reviews (by `persona`) or turns (by `round`, then `speaker`) in panel order: the
    order a run that never failed has, whatever order calls finished or were repeated
    in after a resume. Stable, so a speaker's turns keep their order."""
    seat = {p: i for i, p in enumerate(panel)}
    return sorted(items, key=lambda x: (x.get("round", 0), seat.get(x.get("speaker") or x.get("persona"), len(seat))))


def _shared(state: dict) -> dict:
    """The small, changing part of the state a Send hands to one review or turn (the
    packet, rubric and panel come from the run context, never copied into checkpoints),
    reviews and turns in panel order."""
    keys = ("run_id", "panel", "protocol", "max_rounds", "integrity", "votes")
    shared = {k: state[k] for k in keys if k in state}
    for k in ("reviews", "debrief"):
        if k in state:
            shared[k] = in_panel_order(state["panel"], state[k])
    return shared


def _usage_entry(usage: Usage, t0: float, call: str, persona: str | None) -> dict:
    """One usage record: the engine's token usage plus `engine_s` (seconds spent in
    the engine call), the kind of `call` and the persona it was for."""
    return {**usage.model_dump(), "engine_s": time.perf_counter() - t0, "call": call, "persona": persona}


_BUILT: dict[tuple, Engine] = {}
_BUILT_LOCK = threading.Lock()


def engine_of(config: RunnableConfig, ctx: Context) -> Engine:
    """The run's engine: `config["configurable"]["engine"]`, an `Engine`, or an engine
    name (built once per name and panel through `engines.panel.build_panel`, so each
    persona's own `engine:`/`model:` is honoured, as on the CLI). Raises BadInput when
    it is missing or names no engine."""
    chosen = (config.get("configurable") or {}).get("engine")
    if isinstance(chosen, Engine):
        return chosen
    if not isinstance(chosen, str) or not chosen:
        raise BadInput('the committee graph needs an engine: config {"configurable": {"engine": "offline"}}')
    key = (chosen, tuple((p.id, p.engine, p.model) for p in ctx.panel.values()))
    with _BUILT_LOCK:
        if key not in _BUILT:
            from committee.engines.panel import build_panel

            _BUILT[key] = build_panel(chosen, {}, list(ctx.panel.values()))[0]
        return _BUILT[key]


def _attempt(call: str, persona: str | None, rnd: int | None, fn: Callable, *args) -> tuple[Any, dict | None]:
    """`(fn(*args), None)`, or `(None, failure)` when the call raised an Exception: the
    failure entry names the call, persona and round, the error's kind (a CommitteeError
    class name, else `unexpected`) and its one-line message with secrets redacted.
    BaseExceptions (Ctrl+C delivered in this thread) pass through."""
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001 - stored as data, raised by the runner
        known = isinstance(exc, CommitteeError)
        message = redact(str(exc) if known else f"{exc.__class__.__name__}: {exc}")
        return None, {
            "call": call,
            "persona": persona,
            "round": rnd,
            "kind": exc.__class__.__name__ if known else "unexpected",
            "error": " ".join(message.split()),
        }


def failure_error(failure: dict) -> CommitteeError:
    """The exception a stored failure entry stands for: its CommitteeError class (an
    unexpected error becomes EngineFailed "engine error: ..."), with the message."""
    if failure["kind"] == "unexpected":
        return EngineFailed(f"engine error: {failure['error']}")
    cls = getattr(errors, failure["kind"], None)
    return (cls if isinstance(cls, type) and issubclass(cls, CommitteeError) else EngineFailed)(failure["error"])


def _speakers(protocol: str, panel: list[str], spoken_this_round: int) -> list[str]:
    if protocol == "simultaneous":
        return list(panel)
    return [panel[spoken_this_round]]


def intake_packet(state: CommitteeState, runtime: Runtime[Context]) -> dict:
    """Find integrity concerns (hidden text, injections) in the packet; round 0."""
    ctx = runtime.context
    sc = ctx.scenario
    found = find_injections(
        ctx.packet, personas=ctx.panel.values(), dimensions=sc.dimensions, file_under=sc.conduct.integrity_dimension
    )
    return {"integrity": [e.model_dump() for e in found], "round": 0}


def assign_reviews(state: CommitteeState) -> list[Send] | str:
    """One blind review per persona that has none yet (all of them, except when a run
    continues after a failure)."""
    done = {r["persona"] for r in state.get("reviews") or []}
    shared = _shared(state)
    sends = [Send("review_packet", {"state": shared, "persona_id": p}) for p in state["panel"] if p not in done]
    return sends or after_reviews(state)


def after_reviews(state: CommitteeState) -> str:
    """After the blind reviews: the follow-up questions when they are on and not yet
    asked (and no call failed), else sealing the votes."""
    if state.get("ask") and "questions" not in state and not state.get("failures"):
        return "ask_questions"
    return "seal_votes"


def ask_questions(state: CommitteeState, config: RunnableConfig, runtime: Runtime[Context]) -> dict:
    """Each persona's follow-up question, if any (`Engine.ask`), in panel order; the
    committee keeps at most MAX_QUESTIONS: those on a silent must-pass dimension first,
    then unsure readings, then unanswered prompts, each in panel order, and a question
    another member already asks (`_topic`: the same silent dimension, the same quote, the
    same case prompt) only once.
    Ids are q1, q2, ... in that order."""
    ctx = _with_integrity(runtime.context, state)
    reviews = {r["persona"]: Review.model_validate(r) for r in state["reviews"]}
    asked: list[Question] = []
    usage: list[dict] = []
    for pid in state["panel"]:
        t0 = time.perf_counter()
        out, failure = _attempt(
            "ask", pid, None, lambda p=pid: engine_of(config, ctx).ask(ctx, ctx.panel[p], reviews[p])
        )
        if failure:
            return {"failures": [failure], "usage": usage}
        question, spent = out
        usage.append(_usage_entry(spent, t0, "ask", pid))
        if question is not None:
            asked.append(question.model_copy(update={"persona": pid}))
    kinds = ("silent-dimension", "unsure-reading", "unanswered-prompt")
    asked.sort(key=lambda q: kinds.index(q.kind))  # stable: panel order within a kind
    chosen: list[Question] = []
    for q in asked:
        if len(chosen) < MAX_QUESTIONS and all(_topic(c) != _topic(q) for c in chosen):
            chosen.append(q.model_copy(update={"id": f"q{len(chosen) + 1}"}))
    questions = [q.model_dump(mode="json") for q in chosen]
    _tell(runtime, "questions", {"questions": questions})
    return {"questions": questions, "usage": usage}


def _topic(q: Question) -> tuple:
    """What a question is about, for asking it once: the silent dimension, the quoted
    reading or the case prompt (a case prompt asked under two dimensions is one question)."""
    return {
        "silent-dimension": (q.kind, q.dimension),
        "unsure-reading": (q.kind, q.quote),
        "unanswered-prompt": (q.kind, q.case_prompt),
    }.get(q.kind, (q.kind, q.dimension, q.quote, q.case_prompt))


def after_questions(state: CommitteeState) -> str:
    """The end after a failed call, the wait for answers when a question was asked,
    else sealing the votes."""
    if state.get("failures"):
        return END
    return "await_answers" if state.get("questions") else "seal_votes"


def await_answers(state: CommitteeState) -> dict:
    """Pause the run (`interrupt`) with the questions until the candidate answers; the
    resume value is {question id: answer text}. Answers that are all empty keep the
    blind reviews; otherwise they move to `prior_reviews`, and the committee reads the
    answered packet (the run context the caller resumed with) again from intake."""
    given = interrupt({"questions": state["questions"]})
    ids = [q["id"] for q in state["questions"]]
    answers = {q: str((given or {}).get(q) or "").strip() for q in ids} if isinstance(given, dict) else {}
    if not any(answers.values()):
        return {"answers": answers}
    return {"answers": answers, "prior_reviews": state["reviews"], "reviews": Overwrite([])}


def after_answers(state: CommitteeState) -> str:
    """Sealing the votes when every answer was empty, else intake of the answered packet."""
    return "intake_packet" if any((state.get("answers") or {}).values()) else "seal_votes"


def _tell(runtime: Runtime[Context], event: str, data: dict) -> None:
    """Report progress on the graph's own stream (`stream_mode="custom"`): one
    `{"event": event, **data}` item; events are "review" {persona, vote}, "turn"
    {round, speaker, move, vote, to} and "decision" (the decision's fields). A no-op
    when the caller does not stream custom items."""
    runtime.stream_writer({"event": event, **data})


def review_packet(task: dict, config: RunnableConfig, runtime: Runtime[Context]) -> dict:
    """One persona's blind review, capped at No Hire when intake found a concern."""
    ctx = _with_integrity(runtime.context, task["state"])
    pid = task["persona_id"]
    t0 = time.perf_counter()
    out, failure = _attempt("review", pid, None, lambda: engine_of(config, ctx).review(ctx, ctx.panel[pid]))
    if failure:
        return {"failures": [failure]}
    review, usage = out
    review = review.model_copy(update={"persona": pid})
    capped = cap_for_integrity(review.vote, bool(ctx.integrity))
    if capped != review.vote:
        review = review.model_copy(update={"vote": capped, "summary": f"{review.summary} {CAP_NOTE}"})
    dumped = review.model_dump(mode="json")
    _tell(runtime, "review", {"persona": pid, "vote": dumped["vote"]})
    return {"reviews": [dumped], "usage": [_usage_entry(usage, t0, "review", pid)]}


def seal_votes(state: CommitteeState) -> dict:
    """The sealed votes in panel order, and round 1's speakers (nothing after a failure)."""
    if state.get("failures"):
        return {}
    order = list(state["panel"])
    votes = {r["persona"]: r["vote"] for r in state["reviews"]}
    return {
        "votes": {p: votes[p] for p in order},
        "round": 1,
        "next_speakers": _speakers(state["protocol"], order, 0),
        "done": False,
    }


def assign_turns(state: CommitteeState) -> list[Send] | str:
    """Route after sealing or a tally: the end after a failure, the decision when the
    debate is over, else one turn per next speaker who has not spoken this round."""
    if state.get("failures"):
        return END
    if state.get("done"):
        return "decide_outcome"
    rnd = state["round"]
    spoken = {t["speaker"] for t in state.get("debrief") or [] if t["round"] == rnd}
    shared = _shared(state)
    sends = [
        Send("speak_turn", {"state": shared, "persona_id": p, "round": rnd})
        for p in state["next_speakers"]
        if p not in spoken
    ]
    return sends or "tally_turns"


def speak_turn(task: dict, config: RunnableConfig, runtime: Runtime[Context]) -> dict:
    """One debrief turn, seeing the turns its protocol shows it; capped like a review."""
    st = task["state"]
    ctx = _with_integrity(runtime.context, st)
    rnd = task["round"]
    turns = [DebriefTurn.model_validate(t) for t in st.get("debrief") or []]
    visible = [t for t in turns if t.round < rnd] if st["protocol"] == "simultaneous" else turns
    req = TurnRequest(
        speaker=task["persona_id"],
        round=rnd,
        max_rounds=st["max_rounds"],
        protocol=st["protocol"],
        reviews={r["persona"]: Review.model_validate(r) for r in st["reviews"]},
        transcript=visible,
        votes={p: Vote(v) for p, v in st["votes"].items()},
    )
    t0 = time.perf_counter()
    out, failure = _attempt("turn", req.speaker, rnd, lambda: engine_of(config, ctx).speak(ctx, req))
    if failure:
        return {"failures": [failure]}
    turn, usage = out
    if turn.speaker != req.speaker or turn.round != rnd:
        turn = turn.model_copy(update={"speaker": req.speaker, "round": rnd})
    capped = cap_for_integrity(turn.vote, bool(ctx.integrity))
    if capped != turn.vote:
        turn = turn.model_copy(
            update={"vote": capped, "reason": turn.reason if capped != req.votes[req.speaker] else None}
        )
    dumped = turn.model_dump(mode="json")
    _tell(runtime, "turn", {k: dumped[k] for k in ("round", "speaker", "move", "vote", "to")})
    return {"debrief": [dumped], "usage": [_usage_entry(usage, t0, "turn", req.speaker)]}


def tally_turns(state: CommitteeState) -> dict:
    """Votes after this step's turns; the next speakers, the next round, or the end of
    the debate (consensus after a round, or the round limit). Nothing after a failure."""
    if state.get("failures"):
        return {}
    order = list(state["panel"])
    rnd = state["round"]
    this_round = [t for t in state["debrief"] if t["round"] == rnd]
    votes = dict(state["votes"])
    for t in this_round:
        votes[t["speaker"]] = t["vote"]
    update: dict[str, Any] = {"votes": votes}
    if len(this_round) < len(order):  # round-robin, round still open
        update["next_speakers"] = _speakers(state["protocol"], order, len(this_round))
        return update
    if consensus({p: Vote(v) for p, v in votes.items()}) or rnd >= state["max_rounds"]:
        update.update(done=True, next_speakers=[])
    else:
        update.update(round=rnd + 1, next_speakers=_speakers(state["protocol"], order, 0))
    return update


def decide_outcome(state: CommitteeState, runtime: Runtime[Context]) -> dict:
    """The committee's decision from the final votes and the scenario's rules."""
    reviews = [Review.model_validate(r) for r in in_panel_order(state["panel"], state["reviews"])]
    votes = {p: Vote(v) for p, v in state["votes"].items()}
    decision = decide(votes, reviews, runtime.context.scenario.rules).model_dump()
    _tell(runtime, "decision", decision)
    return {"decision": decision}


def write_feedback(state: CommitteeState, config: RunnableConfig, runtime: Runtime[Context]) -> dict:
    """Coaching from the engine, per weak rubric dimension."""
    ctx = _with_integrity(runtime.context, state)
    reviews = [Review.model_validate(r) for r in in_panel_order(state["panel"], state["reviews"])]
    turns = [DebriefTurn.model_validate(t) for t in in_panel_order(state["panel"], state["debrief"])]
    t0 = time.perf_counter()
    out, failure = _attempt(
        "feedback",
        None,
        None,
        lambda: engine_of(config, ctx).feedback(ctx, reviews, turns, Decision.model_validate(state["decision"])),
    )
    if failure:
        return {"failures": [failure]}
    items, usage = out
    return {"feedback": [i.model_dump() for i in items], "usage": [_usage_entry(usage, t0, "feedback", None)]}


# where a run that failed in a call of this kind continues from (`clear_failures`)
_CONTINUE_AFTER = {
    "review": "intake_packet",
    "ask": "review_packet",
    "turn": "tally_turns",
    "feedback": "decide_outcome",
}


def clear_failures(graph, config: RunnableConfig) -> bool:
    """If the run's last checkpoint holds failures, clear them as if the node before
    the failed calls had just run (a new checkpoint), so that continuing the run (input
    None) runs only the calls that failed or never ran. Returns whether it did.
    `graph` is the compiled committee graph with the run's checkpointer."""
    failures = graph.get_state(config).values.get("failures") or []
    if not failures:
        return False
    graph.update_state(config, {"failures": None}, as_node=_CONTINUE_AFTER[failures[0]["call"]])
    return True


def build_graph() -> StateGraph:
    """The uncompiled committee graph; compile it with a checkpointer and run it with
    `context=Context(...)` and `config={"configurable": {"thread_id": run_id,
    "engine": engine}}`."""
    g = StateGraph(CommitteeState, context_schema=Context)
    nodes = (intake_packet, review_packet, ask_questions, await_answers, seal_votes, speak_turn, tally_turns)
    for node in (*nodes, decide_outcome, write_feedback):
        g.add_node(node.__name__, node)
    g.add_edge(START, "intake_packet")
    g.add_conditional_edges("intake_packet", assign_reviews, ["review_packet", "ask_questions", "seal_votes"])
    g.add_conditional_edges("review_packet", after_reviews, ["ask_questions", "seal_votes"])
    g.add_conditional_edges("ask_questions", after_questions, ["await_answers", "seal_votes", END])
    g.add_conditional_edges("await_answers", after_answers, ["intake_packet", "seal_votes"])
    g.add_conditional_edges("seal_votes", assign_turns, ["speak_turn", "tally_turns", "decide_outcome", END])
    g.add_edge("speak_turn", "tally_turns")
    g.add_conditional_edges("tally_turns", assign_turns, ["speak_turn", "tally_turns", "decide_outcome", END])
    g.add_edge("decide_outcome", "write_feedback")
    g.add_edge("write_feedback", END)
    return g


def recursion_limit(protocol: str, rounds: int, panel_size: int) -> int:
    """Supersteps a run can take, plus margin: intake, reviews, seal, then per round
    (turn step + tally) once (simultaneous) or once per persona (round-robin), then
    decide and feedback; follow-up questions add at most five steps (ask, wait, intake,
    reviews again)."""
    per_round = 2 if protocol == "simultaneous" else 2 * panel_size
    return 3 + rounds * per_round + 2 + 5 + 5


def initial_state(run_id: str, panel: list[str], protocol: str, rounds: int, ask: bool = False) -> CommitteeState:
    """The input of a new run (`ask`: follow-up questions on). The packet, scenario,
    signals and personas travel in the run context (`Context`, passed as `context=` to
    the graph), not in the state, so no checkpoint copies them."""
    state = CommitteeState(run_id=run_id, panel=list(panel), protocol=protocol, max_rounds=rounds)
    if ask:
        state["ask"] = True
    return state
