"""`OfflineEngine`: the Engine interface over the rubric reader (`review.py`) and the
debrief planner (`debate.py`). Stateless apart from per-process caches and the
cancel flag, so one instance serves parallel reviews and simultaneous turns from many
threads."""

from __future__ import annotations

import threading
from typing import Any

from committee.engines.base import Engine
from committee.engines.offline.ask import ask_question
from committee.engines.offline.debate import plan_turn
from committee.engines.offline.review import analyse, build_review
from committee.errors import Interrupted
from committee.models import Context, DebriefTurn, Persona, Question, Review, TurnRequest, Usage


class OfflineEngine(Engine):
    """Deterministic rubric engine: same packet, scenario and panel -> same reviews and
    debrief. Takes no options (`NoOptions`)."""

    name = "offline"
    model = "rubric-v3"
    turns_read_round_limit = False  # a turn never reads TurnRequest.max_rounds

    def __init__(self, _options: Any = None) -> None:
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """After an interrupt, refuse new calls (they raise Interrupted), so the run stops
        at the next step and `resume` continues it; a call already computing finishes
        (it takes milliseconds) and is kept."""
        self._cancelled.set()

    def _check(self) -> None:
        if self._cancelled.is_set():
            raise Interrupted("interrupted")

    def warm(self, notify) -> None:
        """Load the shipped signal model (fit it, after saying so, when the corpus changed)."""
        from committee.engines.offline import learned

        learned.warm(notify)

    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        self._check()
        return build_review(ctx, persona, analyse(ctx)), Usage()

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        self._check()
        return plan_turn(ctx, req), Usage()

    def ask(self, ctx: Context, persona: Persona, review: Review) -> tuple[Question | None, Usage]:
        """The persona's follow-up question where an answer could move its vote (`ask.py`)."""
        self._check()
        return ask_question(ctx, persona, review), Usage()
