"""Stability: would the committee say the same again?

`run_stability` re-runs the committee K times on one packet. Every run shuffles the
persona speaking order and the order of the packet's `##` sections (seeded, so a
study is reproducible with the same `seed`); with an LLM engine every run is also an
independent sample. The report gives each persona's vote distribution (sealed and
final), the modal decision and the agreement (share of runs that reached it).

Shuffled packets keep their front matter (candidate, scenario, meta) and the text
before the first heading in place; each section's text is copied verbatim, so
evidence quoted by an engine is a verbatim span of the shuffled text it was given.
They are stored under the key `KEY--stability`, never as revisions of `KEY`.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from committee.errors import BadInput
from committee.intake.packets import HEADING_RE, split_sections
from committee.models import Packet
from committee.trust.common import (
    RunSpec,
    StudyProgress,
    derived_key,
    distribution,
    new_study_id,
    run_once,
    summarize,
    validate_spec,
    with_text,
)

MAX_RUNS = 500


def shuffle_sections(packet: Packet, rng: random.Random, *, key: str | None = None) -> tuple[Packet, list[str]]:
    """A copy of `packet` whose `##` sections are in a random order (text before the
    first heading stays first). Returns (packet, section titles in the new order).
    A packet with fewer than two headed sections comes back with its text unchanged."""
    text = packet.text
    heads = list(HEADING_RE.finditer(text))
    sections = split_sections(text)
    has_preamble = bool(heads) and bool(text[: heads[0].start()].strip())
    preamble = sections[0] if has_preamble else None
    headed = sections[1:] if has_preamble else (sections if heads else [])
    if len(headed) < 2:
        return with_text(packet, text, key=key), [s.title for s in sections]
    order = rng.sample(range(len(headed)), len(headed))
    parts = [preamble.text] if preamble else []
    parts += [f"## {headed[i].title}\n\n{headed[i].text}" for i in order]
    new_text = "\n\n".join(parts) + "\n"
    variant = with_text(packet, new_text, key=key)
    for s in sections:  # every section survives verbatim
        if s.text not in new_text:
            raise AssertionError(f"section {s.title!r} lost its text when shuffled")
    return variant, [headed[i].title for i in order]


def _modal(counter: Counter, prefer: list[str]) -> str | None:
    """Most common value; ties broken by `prefer` order (for decisions: no_hire first,
    as ties go against hiring in the committee rules)."""
    if not counter:
        return None
    top = max(counter.values())
    tied = [v for v in counter if counter[v] == top]
    return sorted(tied, key=lambda v: prefer.index(v) if v in prefer else len(prefer))[0]


def summarize_stability(records: list[dict[str, Any]], panel: list[str]) -> dict[str, Any]:
    """Per persona: final and sealed vote distributions, modal final vote and the share
    of runs that cast it; overall: decision counts, modal decision, agreement (share
    of runs with the modal decision, 0..1) and the decision rules that fired."""
    n = len(records)
    personas: dict[str, Any] = {}
    for p in panel:
        finals = [r["votes"][p] for r in records if p in r["votes"]]
        sealed = [r["sealed"][p] for r in records if p in r["sealed"]]
        dist = distribution(finals)
        modal = _modal(Counter(finals), ["no_hire", "hire", "strong_no_hire", "strong_hire"])
        personas[p] = {
            "final": dist,
            "sealed": distribution(sealed),
            "modal": modal,
            "agreement": round(dist[modal] / len(finals), 4) if finals else None,
        }
    decisions = Counter(r["decision"]["outcome"] for r in records)
    modal = _modal(decisions, ["no_hire", "hire"])
    return {
        "runs": n,
        "personas": personas,
        "decisions": {"hire": decisions.get("hire", 0), "no_hire": decisions.get("no_hire", 0)},
        "modal_decision": modal,
        "agreement": round(decisions[modal] / n, 4) if n else None,
        "rules": dict(Counter(r["decision"]["rule"] for r in records).most_common()),
    }


def run_stability(
    store,
    packet: Packet,
    *,
    runs: int,
    spec: RunSpec | None = None,
    seed: int = 0,
    progress: StudyProgress | None = None,
    catalog=None,
    save: bool = True,
) -> dict[str, Any]:
    """Run the committee `runs` times on `packet` with shuffled speaking and section
    order (reproducible with `seed`), store every run and the study, and return the
    report (one JSON-able dict). Raises BadInput before writing for a bad request."""
    spec = spec or RunSpec()
    if not 1 <= runs <= MAX_RUNS:
        raise BadInput(f"--runs must be between 1 and {MAX_RUNS}, got {runs}")
    validate_spec(packet, spec, catalog)
    panel = spec.panel
    rng = random.Random(seed)
    key = derived_key(packet.key, "stability")
    records: list[dict[str, Any]] = []
    for i in range(runs):
        if progress:
            progress(i, runs, f"run {i + 1}/{runs}")
        speaking = rng.sample(panel, len(panel))
        variant, section_order = shuffle_sections(packet, rng, key=key)
        result = run_once(store, variant, spec, personas=speaking, catalog=catalog)
        records.append(
            {"index": i, **summarize(result, panel), "speaking_order": speaking, "section_order": section_order}
        )
    if progress:
        progress(runs, runs, "done")
    report = {
        "study_id": new_study_id("stability"),
        "kind": "stability",
        "packet": {"key": packet.key, "sha256": packet.sha256, "candidate": packet.candidate},
        "engine": spec.engine,
        "spec": spec.as_json(),
        "seed": seed,
        "panel": panel,
        "summary": summarize_stability(records, panel),
        "runs": records,
    }
    if save:
        store.save_study(
            report["study_id"],
            "stability",
            engine=spec.engine,
            packet_key=packet.key,
            params={"runs": runs, "seed": seed, "spec": spec.as_json()},
            summary=report,
            run_ids=[r["run_id"] for r in records],
        )
    return report
