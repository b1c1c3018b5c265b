"""Catalog commands: the installed `personas` and `scenarios`."""

from __future__ import annotations

import typer
from rich.table import Table

from committee.cli.common import JsonOpt, emit_json, out


def personas(as_json: bool = JsonOpt):
    """List the installed personas (data files in personas/ and your config folder)."""
    from committee.catalog import default_catalog, search_path

    cat = default_catalog()
    if as_json:
        for p in cat.personas.values():
            emit_json(p)
        return
    t = Table(title="Personas (fictional)", caption="Folders: " + ", ".join(str(p) for p in search_path("personas")))
    t.add_column("id", no_wrap=True)
    t.add_column("name · title", overflow="fold")
    t.add_column("weighs most", overflow="fold", ratio=2)
    t.add_column("hard lines (red signals)", overflow="fold")
    for p in cat.personas.values():
        t.add_row(p.id, f"{p.name}\n{p.title}", p.weighs_most[0], "\n".join(p.hard_lines))
    out.print(t)


def scenarios(
    scenario_id: str | None = typer.Argument(
        None, help="Show one scenario in full: its case prompts, rubric and rules."
    ),
    as_json: bool = JsonOpt,
):
    """List the installed scenarios, or show one: the case prompts to answer, what a
    strong answer shows on each rubric dimension, and the committee rules.

    Example: committee scenarios safety-pm
    """
    from rich.markup import escape

    from committee.catalog import default_catalog

    cat = default_catalog()
    chosen = [cat.scenario(scenario_id)] if scenario_id else list(cat.scenarios.values())
    if as_json:
        for s in chosen:
            emit_json(s)
        return
    if not scenario_id:
        t = Table(title="Scenarios (show one with `committee scenarios ID`)")
        t.add_column("id", no_wrap=True)
        t.add_column("title", overflow="fold")
        t.add_column("case prompts", overflow="fold", ratio=2)
        for s in chosen:
            t.add_row(s.id, s.title, "\n".join(f"• {c.title}" for c in s.case_prompts))
        out.print(t)
        return
    s = chosen[0]
    out.print(f"[bold]{escape(s.title)}[/] ({s.id}): {escape(s.role)}")
    out.print(escape(" ".join(s.description.split())))
    out.print("\n[bold underline]Case prompts[/] (answer them as `## Product sense: <title>` sections)")
    for c in s.case_prompts:
        out.print(f"• [bold]{escape(c.title)}[/]: {escape(c.prompt)}")
    out.print("\n[bold underline]Rubric[/] (each dimension scored 1-4)")
    for d in s.dimensions:
        must = " [red](must pass)[/]" if d.id in s.rules.must_pass else ""
        out.print(
            f"• [bold]{escape(d.name)}[/]{must}: {escape(d.description)} A strong answer shows {escape(d.strong_answer)}."
        )
    r = s.rules
    vetoes = "; ".join(f"{p}: {', '.join(v.label for v in vs)}" for p, vs in r.vetoes.items()) or "none"
    out.print(
        f"\n[bold underline]Committee rules[/]\n• failing a must-pass dimension ({r.fail_quorum}+ reviews at "
        f"{r.fail_score}/4) rejects alone\n• vetoes: {escape(vetoes)}\n• otherwise hire when the vote points "
        f"(Strong Hire 2, Hire 1, No Hire -1, Strong No Hire -2) sum above {r.hire_threshold}; a tie is No Hire"
    )


# ---------------------------------------------------------------- revisions and UI
