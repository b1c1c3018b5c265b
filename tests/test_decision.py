"""Committee rules: a pure function of votes, reviews and the scenario's rules."""

from __future__ import annotations

import pytest

from committee.decision.rules import consensus, decide
from committee.models import DecisionRules, Review, Vote

RULES = DecisionRules(
    must_pass=["values", "alignment_judgement"],
    fail_score=1,
    fail_quorum=2,
    vetoes={"research-lead": [Vote.strong_no_hire]},
    hire_threshold=0,
)


def _reviews(values_scores: list[int]) -> list[Review]:
    return [
        Review(persona=f"p{i}", vote=Vote.hire, scores={"values": s, "alignment_judgement": 3}, summary="-")
        for i, s in enumerate(values_scores)
    ]


def _votes(*vs: str) -> dict[str, Vote]:
    names = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
    return {n: Vote(v) for n, v in zip(names, vs)}


def test_majority_hire():
    d = decide(_votes("hire", "hire", "hire", "no_hire"), _reviews([3, 3, 3, 3]), RULES)
    assert (d.outcome, d.rule) == ("hire", "majority")


def test_tie_goes_to_no_hire():
    d = decide(_votes("hire", "no_hire", "hire", "no_hire"), _reviews([3, 3, 3, 3]), RULES)
    assert (d.outcome, d.rule) == ("no_hire", "tie")


def test_strong_votes_weigh_double():
    d = decide(_votes("strong_hire", "no_hire", "hire", "no_hire"), _reviews([3, 3, 3, 3]), RULES)
    assert d.outcome == "hire"  # +2 -1 +1 -1 = +1


def test_failed_must_pass_dimension_rejects_whatever_the_votes():
    d = decide(_votes("strong_hire", "strong_hire", "strong_hire", "strong_hire"), _reviews([1, 1, 4, 4]), RULES)
    assert (d.outcome, d.rule) == ("no_hire", "failed-dimension:values")


def test_one_failing_review_is_below_quorum():
    d = decide(_votes("hire", "hire", "hire", "hire"), _reviews([1, 3, 3, 3]), RULES)
    assert d.outcome == "hire"


def test_veto():
    d = decide(_votes("strong_no_hire", "strong_hire", "strong_hire", "hire"), _reviews([3, 3, 3, 3]), RULES)
    assert (d.outcome, d.rule) == ("no_hire", "veto:research-lead")


def test_non_veto_persona_strong_no_hire_is_just_a_vote():
    d = decide(_votes("hire", "hire", "strong_no_hire", "strong_hire"), _reviews([3, 3, 3, 3]), RULES)
    assert d.outcome == "hire"  # +1 +1 -2 +2


def test_no_votes_is_an_error():
    with pytest.raises(ValueError):
        decide({}, [], RULES)


@pytest.mark.parametrize(
    "votes,expected",
    [
        (("hire", "strong_hire"), True),
        (("no_hire", "strong_no_hire"), True),
        (("hire", "no_hire"), False),
    ],
)
def test_consensus_is_same_side(votes, expected):
    assert consensus({str(i): Vote(v) for i, v in enumerate(votes)}) is expected


def test_vote_points_and_rounding():
    assert [Vote(v).points for v in ("strong_hire", "hire", "no_hire", "strong_no_hire")] == [2, 1, -1, -2]
    assert Vote.from_points(0) == Vote.no_hire
    assert Vote.from_points(0.2) == Vote.hire and Vote.from_points(1.6) == Vote.strong_hire
    assert Vote.from_points(-1.6) == Vote.strong_no_hire


def test_failed_dimensions_is_the_one_rule_for_a_failed_must_pass_dimension():
    """`decide` and an engine reading a member's own scores use the same statement."""
    from committee.decision.rules import failed_dimensions
    from committee.models import DecisionRules

    rules = DecisionRules(must_pass=["values", "alignment_judgement"], fail_score=1, fail_quorum=2)
    assert failed_dimensions({"values": 1, "alignment_judgement": 2}, rules) == ["values"]
    assert failed_dimensions({"alignment_judgement": 1, "values": 1}, rules) == ["values", "alignment_judgement"]
    assert failed_dimensions({}, rules) == []  # a dimension not scored counts as 4


def test_coaching_needs_nothing_from_the_engine_seam():
    """`Context` and `TurnRequest` are data models (`committee.models`), so coaching
    (`committee.decision.feedback`) imports no name from `committee.engines.base`."""
    import ast
    from pathlib import Path

    import committee.decision.feedback as feedback
    from committee.models import Context, TurnRequest

    tree = ast.parse(Path(feedback.__file__).read_text(encoding="utf-8"))
    sources = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "committee.engines.base" not in sources
    assert Context.__module__ == TurnRequest.__module__ == "committee.models"
