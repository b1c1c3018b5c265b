"""Terminal rendering of what-if forks: a fork's report headed by its change, the
coach's mute sweep, and two runs side by side (`compare.compare_runs`: parent and fork
for `replay` of a fork and `compare --runs`)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from committee.models import RunResult
from committee.present.compare import RunComparison, change_text
from committee.present.terminal.run import flat, render_result, vote_text


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
    t = Table(
        title=f"What if one member is muted · run {sweep.parent_run_id} decided {sweep.outcome.replace('_', ' ')}"
    )
    t.add_column("muted")
    t.add_column("fork")
    t.add_column("decision")
    t.add_column("rule")
    for f in sweep.forks:
        style = "bold yellow" if f.flips else ""
        t.add_row(
            names.get(f.muted, f.muted),
            f.run_id,
            Text(f.outcome.replace("_", " ") + (" (flips)" if f.flips else ""), style=style),
            f.rule,
        )
    console.print(t)
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
    t = Table(title="Side by side")
    t.add_column("persona")
    t.add_column(f"{left} sealed -> final")
    t.add_column(f"{right} sealed -> final")
    sealed = {v.persona: v for v in c.sealed}
    for v in c.votes:
        s = sealed[v.persona]

        def cell(blind, final):
            if final is None:
                return Text("not on the panel", style="dim")
            return Text.assemble(vote_text(blind), " -> ", vote_text(final))

        t.add_row(nm(v.persona), cell(s.before, v.before), cell(s.after, v.after))
    t.add_row(
        Text("decision", style="bold"),
        Text(f"{c.before.outcome.replace('_', ' ')} ({c.before.rule})", style="bold"),
        Text(
            f"{c.after.outcome.replace('_', ' ')} ({c.after.rule})",
            style="bold yellow" if c.decision_changed else "bold",
        ),
    )
    console.print(t)
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
                Text.assemble(f"  {side}: {turn['move']}{to} ", vote_text(turn["vote"]), f"  {flat(turn['text'])}")
            )
