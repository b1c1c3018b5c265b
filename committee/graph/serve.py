"""The committee as a graph LangGraph Server serves (`langgraph.json`, graph id
`committee`): a run made through the server is an ordinary product run.

`graph` is a module-level compiled graph with one node, `convene_committee`, that
takes the server's run input, validates it exactly as `committee review` does
(`runner.prepare`), and runs the committee through `runner.start_run` against the
product's store (`COMMITTEE_DB`, else the per-user default). So the run has the
product's run id, its checkpoints, revision and result rows, and `runs`, `history`,
`compare`, `export`, `replay`, `resume` and the web app see it like a CLI run.

- **Input** (`ServeRequest`; LangGraph drops keys it does not declare, silently):
  `packet` (the packet as Markdown, front matter allowed), optional `scenario`,
  `engine`, `model`, `rounds`, `protocol`, `personas`, and `persona_engines` /
  `persona_models` (`PERSONA=VALUE` items, a mixed panel).
- **Progress**: per-persona events on the `custom` stream mode, the runner's progress
  events (`{"event": "review", "persona": ..., "vote": ...}`, `turn`, `decision`).
- **Output** (keys of the final state): `run_id`, `status` (`done` or
  `failed`), `votes` and `decision` shaped as in the CLI's JSON contract, `result` (the
  whole contract object), or `error` (one line) when the run failed. An engine failure
  is data in the state, and the stored run stays resumable with `committee resume`.
- Bad input (an unknown scenario or engine, an unreadable packet) fails the server run
  with the same one-line message as the CLI, before anything is stored.

The committee's own graph (`committee.graph.nodes`) runs inside the node in a thread of its
own, with the product's checkpointer; the server's persistence holds only this outer
thread's input and output.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, ConfigDict, ValidationError

from committee.errors import BadInput, CommitteeError, pydantic_summary


class ServeRequest(BaseModel):
    """The input, checked: the same names and meanings as `committee review`'s options
    (ranges are checked by `runner.prepare`, with the CLI's messages)."""

    model_config = ConfigDict(extra="forbid")

    packet: str
    scenario: str | None = None
    engine: str = "offline"
    model: str | None = None
    rounds: int = 2
    protocol: str = "simultaneous"
    personas: list[str] | None = None
    persona_engines: list[str] | None = None
    persona_models: list[str] | None = None


class ServeState(TypedDict, total=False):
    """The graph's state: the request's keys plus what the run produced."""

    packet: str
    scenario: str
    engine: str
    model: str
    rounds: int
    protocol: str
    personas: list[str]
    persona_engines: list[str]
    persona_models: list[str]

    run_id: str
    status: str
    votes: dict[str, str]
    decision: dict[str, Any]
    result: dict[str, Any]
    error: str


def _prepared(state: ServeState):
    from committee.graph.runner import prepare
    from committee.intake.packets import default_key, parse_packet

    # LangGraph keeps only the keys its schema declares, so an unknown key never gets here
    given = {k: v for k, v in dict(state).items() if k in ServeRequest.model_fields and v is not None}
    try:
        req = ServeRequest.model_validate(given)
    except ValidationError as exc:
        raise BadInput(f"run input: {pydantic_summary(exc)}") from None
    if not req.packet.strip():
        raise BadInput('the run input needs "packet": the packet as Markdown text')
    key = default_key(req.packet)[0]
    packet = parse_packet(req.packet, name=key, source="LangGraph Server input")
    return prepare(
        packet,
        scenario=req.scenario,
        engine=req.engine,
        rounds=req.rounds,
        protocol=req.protocol,
        personas=req.personas,
        engine_options={"model": req.model} if req.model else None,
        persona_engines=req.persona_engines,
        persona_models=req.persona_models,
    )


def convene_committee(state: ServeState) -> dict:
    """Validate the input, run the committee into the product's store, return its
    outcome. Raises ValueError (the server's run error) for bad input."""
    from committee.graph.runner import new_run_id, start_run
    from committee.store.runs import Store

    try:
        prep = _prepared(state)
    except BadInput as exc:
        raise ValueError(str(exc)) from None
    writer = get_stream_writer()
    run_id = new_run_id()
    outcome: dict[str, Any] = {}
    where = "COMMITTEE_DB"
    events: queue.Queue = queue.Queue()  # the writer works only in this node's thread

    def progress(event: str, data: dict) -> None:
        events.put({"event": event, **data})

    def work() -> None:  # a fresh thread: the inner graph must not inherit this node's config
        nonlocal where
        try:
            prep.engine.warm(lambda text: events.put({"event": "notice", "text": text}))
            with Store() as store:
                where = store.label
                outcome["result"] = start_run(store, prep, progress=progress, run_id=run_id)
        except CommitteeError as exc:
            outcome["error"] = " ".join(str(exc).split()).replace(
                f"committee resume {run_id}", f"committee resume {run_id} --db {where}"
            )
        except Exception as exc:  # noqa: BLE001 - reported as data, the run stays stored
            outcome["error"] = f"{exc.__class__.__name__}: {exc}"
        finally:
            events.put(None)

    thread = threading.Thread(target=work, name=f"committee-{run_id}", daemon=True)
    thread.start()
    while (item := events.get()) is not None:
        writer(item)
    thread.join()
    if "result" not in outcome:
        return {"run_id": run_id, "status": "failed", "error": outcome.get("error", "the run stopped")}
    result = outcome["result"].model_dump(mode="json")
    return {
        "run_id": run_id,
        "status": "done",
        "votes": result["votes"],
        "decision": result["decision"],
        "result": result,
    }


def build_served_graph() -> StateGraph:
    """The uncompiled one-node graph LangGraph Server serves."""
    g = StateGraph(ServeState, input_schema=ServeRequest)
    g.add_node("convene_committee", convene_committee)
    g.add_edge(START, "convene_committee")
    g.add_edge("convene_committee", END)
    return g


graph = build_served_graph().compile()
