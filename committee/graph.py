"""The committee as a LangGraph `StateGraph`.

    intake_packet -> review_packet x N (Send fan-out, blind, parallel; reducer fan-in)
      -> seal_votes -> speak_turn x k (Send) -> tally_turns -> ... (until consensus
         after a round, or the round limit) -> decide_outcome -> write_feedback

Protocols (design.md): `simultaneous`, all personas speak in parallel each round and
see only earlier rounds; `round-robin`, one persona at a time, each seeing every
earlier turn. Every superstep is checkpointed by the checkpointer the caller compiles
with (thread id = run id), which is what `replay` reads and `resume` continues.

State holds only what changes during a run, as JSON-able dicts (reviews, turns, votes,
round, decision). What stays fixed (the packet, scenario, signals and personas) is the
run context (`engines.base.Context`), given to the graph as LangGraph's runtime
`context=`: it is stored once with the run (so `resume` does not depend on data files
edited since) and never copied into a checkpoint. Nodes are `verb_object(state,
runtime)` closures over the engine.
"""

from __future__ import annotations

import operator
from dataclasses import replace
import threading
import time
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy, Send

from committee.decision import CAP_NOTE, cap_for_integrity, consensus, decide
from committee.engines.base import Context, Engine, TurnRequest
from committee.errors import CommitteeError, EngineFailed, redact
from committee.integrity import find_injections
from committee.models import (
    DebriefTurn, Decision, Evidence, Review, Usage, Vote,
)


class CommitteeState(TypedDict, total=False):
    """Graph state. Lists with `operator.add` are reducer channels (fan-in)."""

    run_id: str
    panel: list[str]                   # persona ids, in speaking order
    protocol: str
    max_rounds: int
    integrity: list[dict]
    reviews: Annotated[list[dict], operator.add]
    debrief: Annotated[list[dict], operator.add]
    usage: Annotated[list[dict], operator.add]
    votes: dict[str, str]              # current vote per persona
    round: int                         # round in progress (1-based); 0 before the debrief
    next_speakers: list[str]
    done: bool
    decision: dict
    feedback: list[dict]


def _with_integrity(ctx: Context, state: dict) -> Context:
    """The run's context plus the integrity concerns found at intake (from the state)."""
    return replace(ctx, integrity=[Evidence.model_validate(e) for e in state.get("integrity") or []])


def _shared(state: dict) -> dict:
    """The small, changing part of the state a Send hands to one review or turn (the
    packet, rubric and panel come from the run context, never copied into checkpoints)."""
    keys = ("run_id", "panel", "protocol", "max_rounds", "integrity", "reviews", "debrief", "votes")
    return {k: state[k] for k in keys if k in state}


def _usage_entry(usage: Usage, t0: float, call: str, persona: str | None) -> dict:
    """One usage record: the engine's token usage plus `engine_s` (seconds spent in
    the engine call), the kind of `call` and the persona it was for."""
    return {**usage.model_dump(), "engine_s": time.perf_counter() - t0, "call": call, "persona": persona}


def _scrubbed(exc: Exception) -> Exception:
    """The error LangGraph will store in its checkpoint `writes`: secrets redacted, and
    anything that is not a CommitteeError turned into EngineFailed (exit 3)."""
    message = redact(str(exc) if isinstance(exc, CommitteeError) else f"{exc.__class__.__name__}: {exc}")
    return type(exc)(message) if isinstance(exc, CommitteeError) else EngineFailed(message)


class FailLast:
    """Holds an engine failure until the calls running beside it in the same superstep
    have returned, plus `grace_s`. LangGraph ends a step at its first failed task and
    shuts the step's thread pool down once the others return; a sibling that returns
    in that window can lose its checkpoint write, and `resume` would repeat a call that
    had succeeded (reproduced about 1 run in 4 with parallel failing calls). Failing
    last keeps every finished sibling's write. `limit_s` bounds the wait for siblings
    (an engine may set `call_limit_s`; default 15 minutes)."""

    def __init__(self, limit_s: float = 900.0, grace_s: float = 0.2):
        self.limit_s, self.grace_s = limit_s, grace_s
        self._cv = threading.Condition()
        self._running = 0
        self._last_done = 0.0

    def call(self, fn, *args):
        with self._cv:
            self._running += 1
        try:
            result = fn(*args)
        except Exception as exc:
            self._finish()
            with self._cv:
                self._cv.wait_for(lambda: self._running == 0, timeout=self.limit_s)
                wait = self._last_done + self.grace_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            raise _scrubbed(exc) from None
        except BaseException:
            self._finish()
            raise
        self._finish()
        return result

    def _finish(self) -> None:
        with self._cv:
            self._running -= 1
            self._last_done = time.monotonic()
            self._cv.notify_all()


def _speakers(protocol: str, panel: list[str], spoken_this_round: int) -> list[str]:
    if protocol == "simultaneous":
        return list(panel)
    return [panel[spoken_this_round]]


def build_graph(engine: Engine, retry: RetryPolicy | None = None) -> StateGraph:
    """An uncompiled committee graph over `engine`; compile it with a checkpointer.
    `retry` (optional) is applied to the engine-calling nodes; pass an explicit
    `retry_on` (LangGraph's default also retries 4xx client errors)."""
    guard = FailLast(limit_s=engine.call_limit_s)

    def intake_packet(state: CommitteeState, runtime: Runtime[Context]) -> dict:
        packet = runtime.context.packet
        return {"integrity": [e.model_dump() for e in find_injections(packet)], "round": 0}

    def assign_reviews(state: CommitteeState) -> list[Send]:
        shared = _shared(state)
        return [Send("review_packet", {"state": shared, "persona_id": pid}) for pid in state["panel"]]

    def review_packet(task: dict, runtime: Runtime[Context]) -> dict:
        ctx = _with_integrity(runtime.context, task["state"])
        t0 = time.perf_counter()
        review, usage = guard.call(engine.review, ctx, ctx.panel[task["persona_id"]])
        review = review.model_copy(update={"persona": task["persona_id"]})
        capped = cap_for_integrity(review.vote, bool(ctx.integrity))
        if capped != review.vote:
            review = review.model_copy(update={"vote": capped, "summary": f"{review.summary} {CAP_NOTE}"})
        return {"reviews": [review.model_dump(mode="json")],
                "usage": [_usage_entry(usage, t0, "review", task["persona_id"])]}

    def seal_votes(state: CommitteeState) -> dict:
        order = list(state["panel"])
        votes = {r["persona"]: r["vote"] for r in state["reviews"]}
        return {
            "votes": {p: votes[p] for p in order},
            "round": 1,
            "next_speakers": _speakers(state["protocol"], order, 0),
            "done": False,
        }

    def assign_turns(state: CommitteeState) -> list[Send] | str:
        if state.get("done"):
            return "decide_outcome"
        shared = _shared(state)
        return [Send("speak_turn", {"state": shared, "persona_id": p, "round": state["round"]}) for p in state["next_speakers"]]

    def speak_turn(task: dict, runtime: Runtime[Context]) -> dict:
        st = task["state"]
        ctx = _with_integrity(runtime.context, st)
        rnd = task["round"]
        turns = [DebriefTurn.model_validate(t) for t in st.get("debrief") or []]
        visible = [t for t in turns if t.round < rnd] if st["protocol"] == "simultaneous" else turns
        req = TurnRequest(
            speaker=task["persona_id"], round=rnd, max_rounds=st["max_rounds"], protocol=st["protocol"],
            reviews={r["persona"]: Review.model_validate(r) for r in st["reviews"]},
            transcript=visible, votes={p: Vote(v) for p, v in st["votes"].items()},
        )
        t0 = time.perf_counter()
        turn, usage = guard.call(engine.speak, ctx, req)
        if turn.speaker != req.speaker or turn.round != rnd:
            turn = turn.model_copy(update={"speaker": req.speaker, "round": rnd})
        capped = cap_for_integrity(turn.vote, bool(ctx.integrity))
        if capped != turn.vote:
            turn = turn.model_copy(update={"vote": capped, "reason": turn.reason if capped != req.votes[req.speaker] else None})
        return {"debrief": [turn.model_dump(mode="json")], "usage": [_usage_entry(usage, t0, "turn", req.speaker)]}

    def tally_turns(state: CommitteeState) -> dict:
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
        scenario = runtime.context.scenario
        reviews = [Review.model_validate(r) for r in state["reviews"]]
        votes = {p: Vote(v) for p, v in state["votes"].items()}
        return {"decision": decide(votes, reviews, scenario.rules).model_dump()}

    def write_feedback(state: CommitteeState, runtime: Runtime[Context]) -> dict:
        ctx = _with_integrity(runtime.context, state)
        reviews = [Review.model_validate(r) for r in state["reviews"]]
        turns = [DebriefTurn.model_validate(t) for t in state["debrief"]]
        t0 = time.perf_counter()
        items, usage = guard.call(engine.feedback, ctx, reviews, turns, Decision.model_validate(state["decision"]))
        return {"feedback": [i.model_dump() for i in items], "usage": [_usage_entry(usage, t0, "feedback", None)]}

    g = StateGraph(CommitteeState, context_schema=Context)
    g.add_node("intake_packet", intake_packet)
    g.add_node("review_packet", review_packet, retry_policy=retry)
    g.add_node("seal_votes", seal_votes)
    g.add_node("speak_turn", speak_turn, retry_policy=retry)
    g.add_node("tally_turns", tally_turns)
    g.add_node("decide_outcome", decide_outcome)
    g.add_node("write_feedback", write_feedback, retry_policy=retry)
    g.add_edge(START, "intake_packet")
    g.add_conditional_edges("intake_packet", assign_reviews, ["review_packet"])
    g.add_edge("review_packet", "seal_votes")
    g.add_conditional_edges("seal_votes", assign_turns, ["speak_turn", "decide_outcome"])
    g.add_edge("speak_turn", "tally_turns")
    g.add_conditional_edges("tally_turns", assign_turns, ["speak_turn", "decide_outcome"])
    g.add_edge("decide_outcome", "write_feedback")
    g.add_edge("write_feedback", END)
    return g


def recursion_limit(protocol: str, rounds: int, panel_size: int) -> int:
    """Supersteps a run can take, plus margin: intake, reviews, seal, then per round
    (turn step + tally) once (simultaneous) or once per persona (round-robin), then
    decide and feedback."""
    per_round = 2 if protocol == "simultaneous" else 2 * panel_size
    return 3 + rounds * per_round + 2 + 5


def initial_state(run_id: str, panel: list[str], protocol: str, rounds: int) -> CommitteeState:
    """The input of a new run. The packet, scenario, signals and personas travel in the
    run context (`Context`, passed as `context=` to the graph), not in the state, so
    no checkpoint copies them."""
    return CommitteeState(run_id=run_id, panel=list(panel), protocol=protocol, max_rounds=rounds)
