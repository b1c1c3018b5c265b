"""Terminal rendering of the catalog: the personas, the scenarios, and one scenario in
full (case prompts, rubric, committee rules). Pure presentation: takes models, prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from committee.present.terminal.tables import Col, bullets, print_table


def render_personas(personas: Sequence, folders: Sequence[Path], console: Console) -> None:
    """The table of `personas` (`models.Persona`), captioned with the `folders` they
    were read from."""
    print_table(
        console,
        "Personas (fictional)",
        [
            Col("id"),
            Col("name · title", wrap=True),
            Col("weighs most", wrap=True),
            Col("hard lines (red signals)", wrap=True),
        ],
        [[p.id, f"{p.name}\n{p.title}", p.weighs_most[0], "\n".join(p.hard_lines)] for p in personas],
        caption="Folders: " + ", ".join(str(p) for p in folders),
    )


def render_scenarios(scenarios: Sequence, console: Console) -> None:
    """The table of `scenarios` (`models.Scenario`) with their case prompts' titles."""
    print_table(
        console,
        "Scenarios (show one with `committee scenarios ID`)",
        [Col("id"), Col("title", wrap=True), Col("case prompts", wrap=True)],
        [[s.id, s.title, "\n".join(f"• {c.title}" for c in s.case_prompts)] for s in scenarios],
    )


def render_scenario(s, console: Console, names: Mapping[str, str] | None = None) -> None:
    """Scenario `s` (`models.Scenario`) in full: the case prompts to answer, what a
    strong answer shows on each rubric dimension, and the committee rules (a veto by
    its persona's name from `names`, persona id -> name; the id where it has none)."""
    names = names or {}
    console.print(f"[bold]{escape(s.title)}[/] ({s.id}): {escape(s.role)}")
    console.print(escape(" ".join(s.description.split())))
    console.print("\n[bold underline]Case prompts[/] (answer them as `## Product sense: <title>` sections)")
    console.print(
        bullets([Text.from_markup(f"[bold]{escape(c.title)}[/]: {escape(c.prompt)}") for c in s.case_prompts], indent=0)
    )
    console.print("\n[bold underline]Rubric[/] (each dimension scored 1-4)")
    must = lambda d: " [red](must pass)[/]" if d.id in s.rules.must_pass else ""  # noqa: E731
    console.print(
        bullets(
            [
                Text.from_markup(
                    f"[bold]{escape(d.name)}[/]{must(d)}: {escape(d.description)} "
                    f"A strong answer shows {escape(d.strong_answer)}."
                )
                for d in s.dimensions
            ],
            indent=0,
        )
    )
    r = s.rules
    vetoes = "; ".join(f"{names.get(p, p)}: {', '.join(v.label for v in vs)}" for p, vs in r.vetoes.items()) or "none"
    console.print(
        f"\n[bold underline]Committee rules[/]\n• failing a must-pass dimension ({r.fail_quorum}+ reviews at "
        f"{r.fail_score}/4) rejects alone\n• vetoes: {escape(vetoes)}\n• otherwise hire when the vote points "
        f"(Strong Hire 2, Hire 1, No Hire -1, Strong No Hire -2) sum above {r.hire_threshold}; a tie is No Hire"
    )
