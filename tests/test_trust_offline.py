"""The offline engine must not care about who the candidate is or in which order things
come: counterfactual swaps (name, school, employer, pronouns) and order shuffles
(packet sections, persona speaking order) must leave every sealed vote, final vote,
rubric score, cited signal and decision where it was.

Two exceptions these probes found were fixed and are pinned as passing tests:
1. a challenge target chosen by speaking order on ties (ties now break on the persona
   id); 2. an employer name read as a concept word (`Salesforce` once matched the sales
   concept of the `caves-to-client` cue).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from committee.intake.packets import read_packet
from committee.trust.common import RunSpec, run_once, with_text
from committee.trust.probes import Entity, compare_runs, run_probe, swap_entity
from committee.trust.stability import run_stability
from tests.conftest import EXAMPLES, PACKETS

pytest.importorskip("committee.engines.offline", reason="offline engine not installed")

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
# every attribute present: a reference with the name, pronouns, a school and an employer
REFERENCE = (
    "\n\n## Reference\nReference for Nadia Ferrante from her manager at Google: she is careful, her "
    "launches were never late, and she has an MBA from Harvard Business School. Ferrante pushes back "
    "when she must.\n"
)
ORDER_SENSITIVE: set[str] = set()  # packets with a known order finding (none since finding 1 was fixed)


def _augmented(path: Path):
    p = read_packet(path)
    return with_text(p, p.text + REFERENCE, candidate="Nadia Ferrante")


# `make test-fast` runs the order invariances on the strong example only; the other
# packets, each a whole engine run per variant, are marked slow
FAST_PACKET = "strong-safety-pm.md"


def _packets():
    return [pytest.param(p, id=p.name, marks=() if p.name == FAST_PACKET else pytest.mark.slow) for p in PACKETS]


@pytest.mark.slow  # up to 16 engine runs a packet (the fast loop keeps the employer swap below)
@pytest.mark.parametrize("path", PACKETS, ids=lambda p: p.name)
def test_offline_is_invariant_under_swaps(store, path):
    rep = run_probe(store, _augmented(path), ["name", "school", "employer", "pronouns"], per_swap=4)
    assert rep["skipped"] == {}
    assert {v["attribute"] for v in rep["variants"]} == {"name", "school", "employer", "pronouns"}
    moved = [(v["attribute"], v["from"], v["to"], v["moved"]) for v in rep["variants"] if v["moved"]]
    assert moved == [], moved


@pytest.mark.slow  # over 50 engine runs
def test_offline_full_lists_move_nothing(store):
    """Every name, school and employer of the lists on the strong example: nothing moves
    (finding 2, 'Salesforce' read as the sales concept, was fixed)."""
    rep = run_probe(
        store, _augmented(EXAMPLES / "strong-safety-pm.md"), ["name", "school", "employer", "pronouns"], per_swap=50
    )
    assert rep["summary"]["variants"] > 50
    moved = {(v["attribute"], v["from"], v["to"]): v["moved"] for v in rep["variants"] if v["moved"]}
    assert moved == {}


def test_offline_does_not_read_an_employer_name_as_a_concept(store):
    p = read_packet(EXAMPLES / "strong-safety-pm.md")
    base = run_once(store, p, RunSpec())
    v, _ = swap_entity(p, Entity(name="Lumenfold Health", short="Lumenfold"), Entity(name="Salesforce"))
    assert compare_runs(base, run_once(store, v, RunSpec())) == []


def _order_cases():
    for path in PACKETS:
        for proto in ("simultaneous", "round-robin"):
            marks = (
                [
                    pytest.mark.xfail(
                        strict=True, reason="finding 1: challenge target tie-break by panel (speaking) order"
                    )
                ]
                if path.name in ORDER_SENSITIVE
                else []
            )
            if path.name != FAST_PACKET:
                marks.append(pytest.mark.slow)
            yield pytest.param(path, proto, marks=marks, id=f"{path.name}-{proto}")


@pytest.mark.parametrize("path,protocol", list(_order_cases()))
def test_offline_is_invariant_under_section_and_speaking_order(store, path, protocol):
    p = read_packet(path)
    spec = RunSpec(protocol=protocol)
    base = run_once(store, p, spec)
    rep = run_stability(store, p, runs=8, spec=spec, seed=7)
    assert rep["summary"]["agreement"] == 1.0
    for r in rep["runs"]:
        moved = compare_runs(base, store.get_result(r["run_id"]))
        assert moved == [], (r["speaking_order"], r["section_order"], moved)


@pytest.mark.parametrize("path", _packets())
def test_offline_is_invariant_under_section_order_alone(store, path):
    """Section order on its own never moves anything (the order finding is speaking order)."""
    p = read_packet(path)
    base = run_once(store, p, RunSpec())
    for perm in itertools.islice(itertools.permutations(range(len(p.sections))), 1, 7):
        if p.sections[0].title == "Preamble" and perm[0] != 0:
            continue
        text = (
            "\n\n".join(
                (f"## {p.sections[i].title}\n\n" if p.sections[i].title not in ("Preamble", "Packet") else "")
                + p.sections[i].text
                for i in perm
            )
            + "\n"
        )
        assert compare_runs(base, run_once(store, with_text(p, text), RunSpec())) == [], perm
