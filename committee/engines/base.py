"""The engine interface: one seam behind which every back end (offline, anthropic)
produces reviews and debrief turns. The graph calls engines; engines never touch the
graph, the store or the CLI.

Each call returns its value and the `Usage` it cost (zeros for the offline engine).
Engines must be thread-safe: the graph runs parallel reviews and simultaneous turns
in a thread pool. Packet text is data: an engine never follows instructions in it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from committee.models import (
    DebriefTurn, Decision, Evidence, FeedbackItem, Packet, Persona, Review, Scenario, Signal, Usage, Vote,
)


@dataclass(frozen=True)
class Context:
    """What every engine call sees: the packet, the scenario, the scenario's signals
    (id -> Signal), the panel (persona id -> Persona, in speaking order) and the
    integrity concerns found at intake (evidence with an `injection` signal id)."""

    packet: Packet
    scenario: Scenario
    signals: dict[str, Signal]
    panel: dict[str, Persona]
    integrity: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class TurnRequest:
    """A request for one debrief turn: `speaker` speaks in `round` (1-based), having
    seen `transcript` (the turns visible to it under the protocol), with everyone's
    blind `reviews` (persona id -> Review) and current `votes`."""

    speaker: str
    round: int
    max_rounds: int
    protocol: str
    reviews: dict[str, Review]
    transcript: list[DebriefTurn]
    votes: dict[str, Vote]


class Engine(ABC):
    """Back end interface. `name` is the engine id (`offline`, `anthropic`); `model`
    the model id or None. Errors that should stop the run raise
    `committee.errors.EngineFailed` (exit code 3, the run stays resumable)."""

    name: str = "engine"
    model: str | None = None

    @abstractmethod
    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        """A blind review of `ctx.packet` by `persona` against `ctx.scenario`'s rubric.
        Every evidence quote must be a verbatim span of `ctx.packet.text`."""

    @abstractmethod
    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        """One debrief turn for `req.speaker`. A changed vote must carry a `reason`."""

    def feedback(self, ctx: Context, reviews: list[Review], debrief: list[DebriefTurn],
                 decision: Decision) -> tuple[list[FeedbackItem], Usage]:
        """Coaching per weak rubric dimension (default: the deterministic builder in
        `committee.feedback`, shared by all engines)."""
        from committee.feedback import build_feedback

        return build_feedback(ctx, reviews), Usage()
