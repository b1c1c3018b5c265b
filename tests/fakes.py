"""A scripted engine for graph and CLI tests: votes are given per persona, turns
follow a simple rule, and every call is recorded (thread, start, end)."""

from __future__ import annotations

import threading
import time

from committee.engines.base import Engine
from committee.errors import EngineFailed
from committee.models import Context, DebriefTurn, Evidence, Review, TurnRequest, Usage, Vote


class ScriptedEngine(Engine):
    """`votes`: persona -> sealed vote. In each turn a persona in the minority moves
    one step toward the majority when `concede` is True, else holds. `delay` seconds
    per call make parallelism observable; `fail_on` = {(call, persona)} raise once."""

    name = "scripted"
    model = "script-1"

    def __init__(self, votes: dict[str, str], *, concede: bool = True, delay: float = 0.0, fail_on=()):
        self.votes = {p: Vote(v) for p, v in votes.items()}
        self.concede = concede
        self.delay = delay
        self.fail_on = set(fail_on)
        self.calls: list[tuple[str, str, float, float, int]] = []
        self._lock = threading.Lock()

    def _record(self, kind: str, persona: str, t0: float) -> None:
        with self._lock:
            self.calls.append((kind, persona, t0, time.perf_counter(), threading.get_ident()))

    def _maybe_fail(self, kind: str, persona: str) -> None:
        if (kind, persona) in self.fail_on:
            self.fail_on.discard((kind, persona))
            raise EngineFailed(f"scripted failure in {kind} for {persona}")

    def review(self, ctx: Context, persona) -> tuple[Review, Usage]:
        t0 = time.perf_counter()
        time.sleep(self.delay)
        self._maybe_fail("review", persona.id)
        first = ctx.packet.text.strip().split("\n")[0][:40]
        start = ctx.packet.text.index(first)
        vote = self.votes[persona.id]
        score = 3 if vote.is_hire else 2
        review = Review(
            persona=persona.id,
            vote=vote,
            scores={d.id: score for d in ctx.scenario.dimensions},
            evidence=[Evidence(quote=first, signal="threat-model-first", polarity="green", start=start)],
            summary=f"{persona.name} votes {vote.label}.",
            confidence=0.7,
        )
        self._record("review", persona.id, t0)
        return review, Usage(calls=1, input_tokens=10, output_tokens=5)

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        t0 = time.perf_counter()
        time.sleep(self.delay)
        self._maybe_fail("turn", req.speaker)
        mine = req.votes[req.speaker]
        hire_side = sum(1 for v in req.votes.values() if v.is_hire)
        majority_hire = hire_side * 2 > len(req.votes)
        if self.concede and mine.is_hire != majority_hire:
            new = Vote.hire if majority_hire else Vote.no_hire
            turn = DebriefTurn(
                round=req.round,
                speaker=req.speaker,
                move="concede",
                text="I move.",
                vote=new,
                previous_vote=mine,
                reason="the majority's evidence",
            )
        else:
            turn = DebriefTurn(round=req.round, speaker=req.speaker, move="hold", text="I hold.", vote=mine)
        self._record("turn", req.speaker, t0)
        return turn, Usage(calls=1, input_tokens=10, output_tokens=5)


def register(monkeypatch, name: str, factory) -> None:
    """Register `factory()` as engine `name` for one test (its options are accepted and
    ignored), the way an engine module registers itself in `committee.engines.ENGINES`.
    What the engine is (deterministic or not, ...) is read from the instance."""
    from pydantic import BaseModel, ConfigDict

    from committee import engines

    class AnyOptions(BaseModel):
        model_config = ConfigDict(extra="allow")

    spec = engines.EngineSpec(
        name=name,
        label=name,
        summary="a test engine",
        target=lambda _opts: factory(),
        options=AnyOptions,
        needs="nothing",
        ready=lambda: None,
    )
    monkeypatch.setitem(engines.ENGINES, name, spec)


def with_transport(monkeypatch, name: str, fake) -> None:
    """Engine `name` as registered, with `fake` (a FakeLLMServer) as its HTTP transport."""
    import dataclasses
    import importlib

    from committee import engines

    spec = engines.ENGINES[name]
    if callable(spec.target):  # already given a transport in this test
        engine_cls = spec.target.engine_cls
    else:
        module, cls = spec.target.split(":")
        engine_cls = getattr(importlib.import_module(module), cls)

    def target(opts):
        return engine_cls(opts.model_copy(update={"http_client": fake.client()}))

    target.engine_cls = engine_cls
    monkeypatch.setitem(engines.ENGINES, name, dataclasses.replace(spec, target=target))
