"""The follow-up questions of a stored run as a front end shows them (issue 17):
what was asked, what the candidate answered and the votes before and after the
answers, read from the run's replay steps (`graph.runner.replay_steps`). Pure data
shaping, no I/O; the text stays raw (a front end escapes it where it shows it).

Rules:
- the questions are those of the step that asked (`Step.questions`), in asking order;
- an answer is the one the waiting step received (`Step.answers`), "" when left empty
  or not given yet (`answered` says whether the run has received its answers at all);
- "before" is each persona's blind vote sealed before the answers, "after" its blind
  vote from the review of the answered packet (the same as "before" when every answer
  was empty: the blind reviews then stand), "final" its vote at the run's last step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AskedQuestion:
    """One question and its answer: `id` (q1, ...), `persona` and `dimension` ids (the
    dimension may be None), the question `text` and the `answer` ("" for none)."""

    id: str
    persona: str
    dimension: str | None
    text: str
    answer: str


@dataclass(frozen=True)
class VoteMove:
    """One persona's votes around the answers (vote ids; None while unknown): `before`
    the answers (blind), `after` them (blind, on the answered packet) and `final`."""

    persona: str
    before: str | None
    after: str | None
    final: str | None


@dataclass(frozen=True)
class FollowUp:
    """A run's questions (`questions`), whether it has received its answers
    (`answered`), whether any answer had text (`any_text`) and one `VoteMove` per
    panel member in panel order (`votes`)."""

    questions: list[AskedQuestion]
    answered: bool
    any_text: bool
    votes: list[VoteMove]


def follow_up(steps: Sequence, panel: Sequence[str]) -> FollowUp | None:
    """The follow-up of a run from its replay `steps` (oldest first; objects with
    `questions`, `answers`, `new_reviews` and `votes` as `runner.Step`) for its `panel`
    (persona ids in panel order). None for a run that asked no question."""
    asked = next((s.questions for s in steps if s.questions), None)
    if not asked:
        return None
    at = next((i for i, s in enumerate(steps) if s.answers is not None), None)
    answers = dict(steps[at].answers or {}) if at is not None else {}
    questions = [
        AskedQuestion(
            id=q["id"],
            persona=q["persona"],
            dimension=q.get("dimension"),
            text=q["text"],
            answer=str(answers.get(q["id"]) or ""),
        )
        for q in asked
    ]
    any_text = any(q.answer.strip() for q in questions)
    end = at if at is not None else len(steps)
    before = {r["persona"]: r["vote"] for s in steps[:end] for r in s.new_reviews}
    if at is None:
        after: dict[str, str] = {}
    elif any_text:
        after = {r["persona"]: r["vote"] for s in steps[at + 1 :] for r in s.new_reviews}
    else:
        after = dict(before)
    final = dict(steps[-1].votes or {}) if at is not None else {}
    votes = [VoteMove(p, before.get(p), after.get(p), final.get(p)) for p in panel]
    return FollowUp(questions=questions, answered=at is not None, any_text=any_text, votes=votes)
