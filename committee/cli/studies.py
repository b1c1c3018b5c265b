"""Trust studies: `stability` (re-runs in shuffled orders), `probe` (counterfactual
swaps) and `calibrate` (against a labelled folder). Each study is stored."""

from __future__ import annotations

from pathlib import Path

import typer

from committee.cli.common import (
    DbOpt,
    EngineOpt,
    ModelOpt,
    WholeJsonOpt,
    emit_json,
    err,
    open_store,
    out,
    persona_names,
)
from committee.errors import BadInput

ScenarioOpt = typer.Option(
    None,
    "--scenario",
    "-s",
    help="Scenario id. Default: the packet's front matter, else the default scenario (marked `default: true`).",
)
RoundsOpt = typer.Option(2, "--rounds", "-r", help="Most debrief rounds per run.")
ProtocolOpt = typer.Option("simultaneous", "--protocol", "-p", help="simultaneous or round-robin.")
PersonaOpt = typer.Option(
    None,
    "--persona",
    help="Panel member id, repeatable (default: the default panel, every persona file by its seat: see `committee personas`).",
)


def _spec(engine: str, model: str | None, scenario: str | None, rounds: int, protocol: str, persona: list[str] | None):
    from committee.trust.common import RunSpec

    return RunSpec(
        scenario=scenario,
        engine=engine,
        rounds=rounds,
        protocol=protocol,
        personas=persona or None,
        engine_options={"model": model} if model else {},
    )


def stability(
    packet: Path = typer.Argument(..., help="The packet file to re-run.", show_default=False),
    runs: int = typer.Option(5, "--runs", "-k", help="How many runs (each with shuffled speaking and section order)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the shuffles: the same seed gives the same orders."),
    engine: str = EngineOpt,
    model: str | None = ModelOpt,
    scenario: str | None = ScenarioOpt,
    rounds: int = RoundsOpt,
    protocol: str = ProtocolOpt,
    persona: list[str] | None = PersonaOpt,
    db: str | None = DbOpt,
    as_json: bool = WholeJsonOpt,
):
    """Re-run the committee K times in shuffled orders: vote spread, agreement.

    Would the committee say the same again? Every run shuffles the persona speaking
    order and the packet's section order (LLM engines: independent samples too); report each persona's vote distribution, the modal decision and the
    agreement (share of runs with the modal decision). The study is stored.

    Example: committee stability examples/borderline-api-pm.md --runs 10 --seed 7
    """
    from committee.intake.packets import read_packet
    from committee.present.terminal.studies import render_stability, study_progress
    from committee.trust.common import validate_spec
    from committee.trust.stability import MAX_RUNS, run_stability

    if not 1 <= runs <= MAX_RUNS:
        raise BadInput(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    pk = read_packet(packet)
    spec = _spec(engine, model, scenario, rounds, protocol, persona)
    validate_spec(pk, spec)  # before anything is written
    with open_store(db) as store, study_progress(err, "stability") as progress:
        report = run_stability(store, pk, runs=runs, spec=spec, seed=seed, progress=progress)
    emit_json(report) if as_json else render_stability(report, out, persona_names())


def probe(
    packet: Path = typer.Argument(..., help="The packet file to probe.", show_default=False),
    swap: str = typer.Option(
        "name,school,employer,pronouns",
        "--swap",
        help="Attributes to swap, comma-separated: name, school, employer, pronouns.",
    ),
    per_swap: int = typer.Option(6, "--per-swap", help="Most variants per attribute (and per school/employer found)."),
    substitutions: Path | None = typer.Option(
        None,
        "--substitutions",
        help="Your own substitution lists (YAML, same shape as committee/trust/substitutions.yaml).",
    ),
    engine: str = EngineOpt,
    model: str | None = ModelOpt,
    scenario: str | None = ScenarioOpt,
    rounds: int = RoundsOpt,
    protocol: str = ProtocolOpt,
    persona: list[str] | None = PersonaOpt,
    db: str | None = DbOpt,
    as_json: bool = WholeJsonOpt,
):
    """Swap name, school, employer or pronouns: did any vote or score move?

    Counterfactual probes: would the verdict change with another name, school,
    employer or pronouns? Each variant changes one attribute only; every sealed vote,
    final vote, rubric score, cited signal and decision that moved against the
    original is reported. The study is stored.

    Example: committee probe examples/strong-safety-pm.md --swap name,employer
    """
    from committee.intake.packets import read_packet
    from committee.present.terminal.studies import render_probe, study_progress
    from committee.trust.common import validate_spec
    from committee.trust.probes import build_variants, load_substitutions, parse_swaps, run_probe

    if per_swap < 1:
        raise BadInput(f"--per-swap must be at least 1, got {per_swap}")
    swaps = parse_swaps(swap)
    subs = load_substitutions(substitutions)
    pk = read_packet(packet)
    spec = _spec(engine, model, scenario, rounds, protocol, persona)
    validate_spec(pk, spec)
    variants, skipped = build_variants(pk, swaps, subs, per_swap=per_swap)
    if not variants:  # before anything is written
        raise BadInput("nothing to probe: " + "; ".join(f"{a}: {r}" for a, r in skipped.items()))
    with open_store(db) as store, study_progress(err, "probe") as progress:
        report = run_probe(store, pk, swaps, spec=spec, subs=subs, per_swap=per_swap, progress=progress)
    emit_json(report) if as_json else render_probe(report, out, persona_names())


def calibrate(
    folder: Path = typer.Argument(..., help="A folder of packets with a MANIFEST.yaml of labels.", show_default=False),
    engine: str = EngineOpt,
    model: str | None = ModelOpt,
    rounds: int = RoundsOpt,
    protocol: str = ProtocolOpt,
    persona: list[str] | None = PersonaOpt,
    db: str | None = DbOpt,
    as_json: bool = WholeJsonOpt,
):
    """Calibrate on a labelled folder: agreement, confusion matrix, per-signal F1.

    Decision agreement, confusion matrix, per-signal precision/recall/F1 (against the manifest's must_flag lists),
    per-persona agreement, split and injection checks. The study is stored.

    MANIFEST.yaml maps each file to a mapping with decision (hire, no_hire or null), split (true when the
    blind reviews should disagree), must_flag (a list of red signal ids) and injection (true or false).
    The bundled examples/ folder has one.

    Example: committee calibrate path/to/labelled-packets --json
    """
    from committee.intake.packets import read_packet
    from committee.present.terminal.studies import render_calibration, study_progress
    from committee.trust.calibrate import load_manifest, run_calibration
    from committee.trust.common import validate_spec

    spec = _spec(engine, model, None, rounds, protocol, persona)
    for name in load_manifest(folder):  # every packet and option checked before anything is written
        validate_spec(read_packet(folder / name), spec)
    with open_store(db) as store, study_progress(err, "calibrate") as progress:
        report = run_calibration(store, folder, spec=spec, progress=progress)
    emit_json(report) if as_json else render_calibration(report, out, persona_names())
