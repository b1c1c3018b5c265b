"""Catalog commands: the installed `personas` and `scenarios`."""

from __future__ import annotations

import typer

from committee.cli.common import JsonOpt, emit_json, out, persona_names


def personas(as_json: bool = JsonOpt):
    """List the installed personas (files in personas/ and your config folder)."""
    from committee.catalog import default_catalog, search_path
    from committee.present.terminal.catalog import render_personas

    cat = default_catalog()
    if as_json:
        for p in cat.personas.values():
            emit_json(p)
        return
    render_personas(list(cat.personas.values()), search_path("personas"), out)


def scenarios(
    scenario_id: str | None = typer.Argument(
        None, help="Show one scenario in full: its case prompts, rubric and rules."
    ),
    as_json: bool = JsonOpt,
):
    """List the installed scenarios, or show one in full.

    One scenario in full: the case prompts to answer, what a strong answer shows on
    each rubric dimension, and the committee rules.

    Example: committee scenarios safety-pm
    """
    from committee.catalog import default_catalog
    from committee.present.terminal.catalog import render_scenario, render_scenarios

    cat = default_catalog()
    chosen = [cat.scenario(scenario_id)] if scenario_id else list(cat.scenarios.values())
    if as_json:
        for s in chosen:
            emit_json(s)
        return
    if scenario_id:
        render_scenario(chosen[0], out, persona_names())
    else:
        render_scenarios(chosen, out)
