"""Committee rules: a pure function from final votes and reviews to a decision.

Order of the rules (scenario `rules`, see `DecisionRules`):
1. failed dimension: if at least `fail_quorum` reviews score a `must_pass` dimension
   at or below `fail_score`, no_hire (a failed values or product round rejects alone);
2. veto: a persona listed in `vetoes` casting one of its veto votes -> no_hire;
3. majority: hire iff the sum of vote points (strong_hire 2, hire 1, no_hire -1,
   strong_no_hire -2) exceeds `hire_threshold`; a sum equal to it is a tie -> no_hire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from committee.models import Decision, DecisionRules, Review, Vote


def failed_dimensions(scores: Mapping[str, int], rules: DecisionRules) -> list[str]:
    """The must-pass dimensions (`rules.must_pass`, in order) that one review's `scores`
    (dimension id -> 1..4; a missing dimension counts as 4) fail: at or below
    `rules.fail_score`. The single statement of what failing a dimension means, for the
    committee rule below and for an engine that applies it to a member's own reading."""
    return [d for d in rules.must_pass if scores.get(d, 4) <= rules.fail_score]


def decide(votes: Mapping[str, Vote], reviews: Sequence[Review], rules: DecisionRules) -> Decision:
    """Decide from final `votes` (persona id -> Vote) and the blind `reviews` (for the
    dimension scores). Raises ValueError when there are no votes."""
    if not votes:
        raise ValueError("a decision needs at least one vote")
    for dim in rules.must_pass:
        failing = [r.persona for r in reviews if dim in failed_dimensions(r.scores, rules)]
        if len(failing) >= rules.fail_quorum:
            return Decision(
                outcome="no_hire",
                rule=f"failed-dimension:{dim}",
                explanation=f"{len(failing)} reviews failed the must-pass dimension {dim!r} ({', '.join(failing)}).",
            )
    for persona, veto_votes in rules.vetoes.items():
        vote = votes.get(persona)
        if vote is not None and vote in veto_votes:
            return Decision(
                outcome="no_hire",
                rule=f"veto:{persona}",
                explanation=f"{persona} voted {vote.label}, which decides alone under this scenario's rules.",
            )
    total = sum(Vote(v).points for v in votes.values())
    tally = ", ".join(f"{p}={Vote(v).label}" for p, v in votes.items())
    if total > rules.hire_threshold:
        return Decision(
            outcome="hire", rule="majority", explanation=f"Vote points {total:+d} > {rules.hire_threshold} ({tally})."
        )
    if total == rules.hire_threshold:
        return Decision(
            outcome="no_hire",
            rule="tie",
            explanation=f"Vote points {total:+d} tie at the threshold; ties go to No Hire ({tally}).",
        )
    return Decision(
        outcome="no_hire", rule="majority", explanation=f"Vote points {total:+d} < {rules.hire_threshold} ({tally})."
    )


def consensus(votes: Mapping[str, Vote]) -> bool:
    """True when every vote is on the same side (all hire-side or all no-hire-side)."""
    sides = {Vote(v).is_hire for v in votes.values()}
    return len(sides) <= 1


# A packet that tries to instruct its reviewers cannot end above No Hire, whatever an
# engine answered: the integrity concern may only lower a vote (applied by the graph
# to every engine's reviews and turns).
INTEGRITY_CAP = Vote.no_hire
CAP_NOTE = "Capped at No Hire: the packet contains text that addresses the reviewers (integrity concern)."


def cap_for_integrity(vote: Vote, has_concern: bool) -> Vote:
    """`vote`, lowered to INTEGRITY_CAP when the packet has an integrity concern."""
    return INTEGRITY_CAP if has_concern and vote.points > INTEGRITY_CAP.points else vote
