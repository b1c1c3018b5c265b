"""The engine interface: one seam behind which every back end (offline, anthropic)
produces reviews and debrief turns. The graph calls engines; engines never touch the
graph, the store or the CLI.

Each call returns its value and the `Usage` it cost (zeros for the offline engine).
Engines must be thread-safe: the graph runs parallel reviews and simultaneous turns
in a thread pool. Packet text is data: an engine never follows instructions in it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from committee.decision.feedback import build_feedback
from committee.models import (
    Context,
    DebriefTurn,
    Decision,
    FeedbackItem,
    Persona,
    Question,
    Review,
    TurnRequest,
    Usage,
)


class Engine(ABC):
    """Back end interface. `name` is the engine id (`offline`, `anthropic`, `openai`);
    `model` the model id or None. What an engine is, read by the graph, the runner, the
    CLI, the UI and the studies (never an engine-name check):
    - `deterministic`: the same packet always gets the same run (studies sample once).
    - `turns_read_round_limit`: a turn may depend on `TurnRequest.max_rounds` (an LLM
      prompt says "round r of at most N"), so a what-if fork that changes only the
      round limit debates again from round 1; False (offline) lets such a fork keep the
      rounds both limits share (`graph.fork`).
    Errors that should stop the run raise `committee.errors.EngineFailed` (exit code
    3, the run stays resumable); the graph stores any failure as data in the run's
    state (retries are the SDKs' job)."""

    name: str = "engine"
    model: str | None = None
    deterministic: bool = True
    turns_read_round_limit: bool = True

    @abstractmethod
    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        """A blind review of `ctx.packet` by `persona` against `ctx.scenario`'s rubric.
        Every evidence quote must be a verbatim span of `ctx.packet.text`."""

    @abstractmethod
    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        """One debrief turn for `req.speaker`. A changed vote must carry a `reason`."""

    def ask(self, ctx: Context, persona: Persona, review: Review) -> tuple[Question | None, Usage]:
        """At most one follow-up question from `persona` after its blind `review`, where an
        answer could move its vote (`Question.kind`: a must-pass dimension the packet
        leaves silent, a red reading the engine is unsure of, a case prompt left
        unanswered), or None. The graph sets the id and caps the committee's questions
        (`graph.nodes.MAX_QUESTIONS`). Default: asks nothing."""
        return None, Usage()

    def cancel(self) -> None:
        """Stop calls in flight and refuse new ones (they raise Interrupted) after an
        interrupt. Default: nothing (calls are short)."""

    def warm(self, notify) -> None:
        """Get ready for the first call (e.g. load or fit a model), calling `notify(text)`
        first when that takes long, so a front end never sits silent. Default: nothing."""

    def model_for(self, persona: Persona) -> str | None:
        """The model that voices `persona` on this engine (None: no model)."""
        return self.model

    def failed_usage(self) -> Usage:
        """Usage of calls that failed for good since the last call (paid tokens that no
        result carries); resets the tally. Zero for engines that cost nothing."""
        return Usage()

    def feedback(
        self, ctx: Context, reviews: list[Review], debrief: list[DebriefTurn], decision: Decision
    ) -> tuple[list[FeedbackItem], Usage]:
        """Coaching per weak rubric dimension (default: the deterministic builder in
        `committee.decision.feedback`, shared by all engines)."""
        return build_feedback(ctx, reviews), Usage()
