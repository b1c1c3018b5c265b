"""Terminal rendering of what-if forks: a fork's report headed by its change, the
coach's mute sweep, and two runs side by side (`compare.compare_runs`: parent and fork
for `replay` of a fork and `compare --runs`)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.text import Text

from committee.models import RunResult
from committee.present.compare import RunComparison, change_text
from committee.present.terminal.run import flat, indent, render_result, vote_text
from committee.present.terminal.tables import Col, print_table, rule_text


def render_fork(result: RunResult, console: Console, names: Mapping[str, str] | None = None) -> None:
    """A fork's report: one line naming the parent and the change, then the run's
    usual report."""
    names = dict(names or {})
    console.print(
        Text.assemble(
            ("what if: ", "bold magenta"),
            change_text(result.changed, names),
            (f"  (fork {result.run_id} of run {result.parent_run_id})", "dim"),
        )
    )
    render_result(result, console, names)
    console.print(
        Text(
            f"parent and fork side by side: committee compare --runs {result.parent_run_id} {result.run_id}",
            style="dim",
        )
    )


def render_sweep(sweep, console: Console, names: Mapping[str, str] | None = None) -> None:
    """The mute sweep (`graph.fork.Sweep`): one row per muted member with the fork's
    decision, then the coach's one-line verdict."""
    names = dict(names or {})
    print_table(
        console,
        f"What if one member is muted · run {sweep.parent_run_id} decided {sweep.outcome.replace('_', ' ')}",
        [Col("muted"), Col("fork"), Col("decision"), Col("rule", wrap=True)],
        [
            [
                names.get(f.muted, f.muted),
                f.run_id,
                Text(
                    f.outcome.replace("_", " ") + (" (flips)" if f.flips else ""),
                    style="bold yellow" if f.flips else "",
                ),
                rule_text(f.rule),
            ]
            for f in sweep.forks
        ],
    )
    console.print(Text(sweep.summary(names), style="bold green" if sweep.holds else "bold yellow"))


def render_run_comparison(c: RunComparison, console: Console, names: Mapping[str, str] | None = None) -> None:
    """Two runs side by side: the change (for a fork), sealed and final votes on each
    side, both decisions, and the debrief turns that differ."""
    names = dict(names or {})
    nm = lambda p: names.get(p, p)  # noqa: E731
    left = "parent" if c.relation == "fork" else "run A"
    right = "fork" if c.relation == "fork" else "run B"
    head = Text.assemble((f"{left} {c.before.run_id}", "bold"), "  ->  ", (f"{right} {c.after.run_id}", "bold"))
    if c.changed:
        head.append(f"  ·  what if: {change_text(c.changed, names)}", style="magenta")
    console.print(head)
    for note in c.notes:
        console.print(Text(note, style="dim"))
    sealed = {v.persona: v for v in c.sealed}

    def cells(blind, final) -> list[Text]:
        """The sealed and the final vote of one side; a persona off that panel says so."""
        if final is None:
            return [Text("not on the panel", style="dim"), Text("")]
        return [vote_text(blind), vote_text(final)]

    both = [
        (nm(v.persona), cells(sealed[v.persona].before, v.before), cells(sealed[v.persona].after, v.after))
        for v in c.votes
    ]
    joined = lambda two: two[0] if not two[1].plain else Text.assemble(two[0], " -> ", two[1])  # noqa: E731
    print_table(
        console,
        "Side by side",
        [Col("persona"), Col(f"{left} sealed -> final"), Col(f"{right} sealed -> final")],
        [[p, joined(a), joined(b)] for p, a, b in both],
        narrower=[
            (
                [Col("persona"), *[Col(f"{side} {when}") for side in (left, right) for when in ("sealed", "final")]],
                [[p, *a, *b] for p, a, b in both],
            )
        ],
    )
    for side, d, changed in ((left, c.before, False), (right, c.after, c.decision_changed)):
        console.print(
            Text.assemble(
                (f"{side} decision: ", "bold"),
                (f"{d.outcome.replace('_', ' ')}", "bold yellow" if changed else "bold"),
                f" ({rule_text(d.rule)})",
            )
        )
    console.print(
        Text(
            "the decision changed" if c.decision_changed else "the decision is the same",
            style="bold yellow" if c.decision_changed else "bold green",
        )
    )
    console.print(Text(f"Turns that differ: {len(c.turns)} ({c.same_turns} the same)", style="bold underline"))
    for d in c.turns:
        console.print(Text.assemble((f"[round {d.round}] ", "dim"), (nm(d.speaker), "bold")))
        for side, turn in ((left, d.before), (right, d.after)):
            if turn is None:
                console.print(Text(f"  {side}: (no turn)", style="dim"))
                continue
            to = f" -> {nm(turn['to'])}" if turn.get("to") else ""
            console.print(
                indent(
                    Text.assemble(f"{side}: {turn['move']}{to} ", vote_text(turn["vote"]), f"  {flat(turn['text'])}")
                )
            )
