"""Calibration: does the committee agree with labelled packets?

A folder of packets with a `MANIFEST.yaml` mapping each file to its label:

    gradual-rollout.md: {decision: no_hire, must_flag: [test-irreversible-harm], injection: false}
    email-metrics.md:   {decision: null, split: true, must_flag: []}

`decision` hire | no_hire | null (no expected outcome); `split: true` means the blind
reviews should disagree; `must_flag` the red signal ids at least one review must cite
with evidence; `injection: true` means the packet tries to instruct its reviewers.

`run_calibration` runs the committee once on every packet (ordinary stored runs) and
reports decision agreement and a confusion matrix (labelled packets only), per-signal
precision / recall / F1, per-persona agreement (the side of the persona's vote vs the
label), the split check and the injection check.

Per-signal numbers are computed against `must_flag`: a packet is a positive for a
signal iff its manifest entry lists it in `must_flag`; it is predicted iff any blind
review cites the signal as red evidence. `must_flag` names the flags a packet must
get, not every flag that would be fair, so a "false positive" may be a defensible
flag the manifest does not require: read precision as a lower bound.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from committee.catalog import load_yaml
from committee.errors import BadInput, pydantic_summary
from committee.intake.integrity.findings import is_injection
from committee.intake.packets import read_packet
from committee.models import RunResult
from committee.trust.common import (
    RunSpec,
    StudyProgress,
    derived_key,
    new_study_id,
    run_once,
    side,
    summarize,
    validate_spec,
)

MANIFEST = "MANIFEST.yaml"
OUTCOMES = ("hire", "no_hire")
SIGNAL_BASIS = (
    "per-signal precision/recall/F1 are computed against the manifest's must_flag lists: positive = the "
    "signal is in must_flag, predicted = any blind review cites it as red evidence (integrity signals are "
    "scored by the injection check instead). must_flag lists "
    "required flags, not every fair one, so precision is a lower bound."
)


class Label(BaseModel):
    """One manifest entry (unknown keys are an error, so a typo fails loudly)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["hire", "no_hire"] | None = None
    split: bool = False
    must_flag: list[str] = Field(default_factory=list)
    injection: bool = False


def load_manifest(folder: str | Path) -> dict[str, Label]:
    """`MANIFEST.yaml` of `folder`, validated; every listed file must exist. Raises
    BadInput naming the file and entry."""
    d = Path(folder)
    if not d.is_dir():
        raise BadInput(f"{d}: not a folder (calibrate takes a folder with {MANIFEST})")
    path = d / MANIFEST
    if not path.is_file():
        raise BadInput(
            f"{d}: no {MANIFEST} (file: {{decision: hire|no_hire|null, split: bool, must_flag: [...], injection: bool}})"
        )
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not raw:
        raise BadInput(f"{path}: expected a mapping of packet file -> label")
    labels: dict[str, Label] = {}
    for name, entry in raw.items():
        try:
            labels[str(name)] = Label.model_validate(entry or {})
        except ValidationError as exc:
            raise BadInput(f"{path}: {name}: {pydantic_summary(exc, limit=1, top='entry')}") from exc
        if not (d / str(name)).is_file():
            raise BadInput(f"{path}: lists {name!r}, which is not in {d}")
    return labels


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None  # = harmonic mean of p and r; 0 when tp = 0
    rnd = lambda x: None if x is None else round(x, 4)  # noqa: E731
    return {"tp": tp, "fp": fp, "fn": fn, "precision": rnd(p), "recall": rnd(r), "f1": rnd(f)}


def red_signals(result: RunResult) -> set[str]:
    """Red signal ids cited with evidence in any blind review of the run, integrity
    concerns (`prompt-injection*`) excepted: those are scored by the injection check."""
    return {e.signal for r in result.reviews for e in r.evidence if e.polarity == "red" and not is_injection(e.signal)}


def score(rows: list[dict[str, Any]], panel: list[str]) -> dict[str, Any]:
    """The calibration metrics from per-packet rows (see `run_calibration`)."""
    labelled = [r for r in rows if r["expected"] in OUTCOMES]
    confusion = {e: {p: 0 for p in OUTCOMES} for e in OUTCOMES}
    for r in labelled:
        confusion[r["expected"]][r["predicted"]] += 1
    correct = sum(r["expected"] == r["predicted"] for r in labelled)
    ids = sorted({s for r in rows for s in r["must_flag"]} | {s for r in rows for s in r["red_cited"]})
    signals = {}
    tot = [0, 0, 0]
    for s in ids:
        tp = sum(s in r["must_flag"] and s in r["red_cited"] for r in rows)
        fp = sum(s not in r["must_flag"] and s in r["red_cited"] for r in rows)
        fn = sum(s in r["must_flag"] and s not in r["red_cited"] for r in rows)
        signals[s] = {**_prf(tp, fp, fn), "support": tp + fn}
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
    personas = {}
    for p in panel:
        final = [r for r in labelled if p in r["votes"]]
        agree = sum(side(r["votes"][p]) == r["expected"] for r in final)
        agree_sealed = sum(side(r["sealed"][p]) == r["expected"] for r in final if p in r["sealed"])
        personas[p] = {
            "packets": len(final),
            "agree": agree,
            "agreement": round(agree / len(final), 4) if final else None,
            "agree_sealed": agree_sealed,
            "agreement_sealed": round(agree_sealed / len(final), 4) if final else None,
        }
    splits = [r for r in rows if r["split"]]
    injections = [r for r in rows if r["injection"]]
    clean = [r for r in rows if not r["injection"]]
    must_ok = [r for r in rows if r["must_flag"]]
    return {
        "packets": len(rows),
        "decision": {
            "labelled": len(labelled),
            "correct": correct,
            "agreement": round(correct / len(labelled), 4) if labelled else None,
            "confusion": confusion,
            "confusion_axes": "confusion[expected][predicted]",
        },
        "signals": signals,
        "signals_micro": _prf(*tot),
        "signals_basis": SIGNAL_BASIS,
        "must_flag_complete": {"packets": len(must_ok), "complete": sum(not r["missing_flags"] for r in must_ok)},
        "personas": personas,
        "split": {"packets": len(splits), "disagree": sum(r["blind_disagree"] for r in splits)},
        "injection": {
            "packets": len(injections),
            "flagged": sum(r["integrity"] > 0 for r in injections),
            "false_alarms": sum(r["integrity"] > 0 for r in clean),
            "clean_packets": len(clean),
        },
    }


def run_calibration(
    store,
    folder: str | Path,
    *,
    spec: RunSpec | None = None,
    progress: StudyProgress | None = None,
    catalog=None,
    save: bool = True,
) -> dict[str, Any]:
    """Run the committee on every packet of a labelled folder and score it. All
    packets and the request are validated before anything is written (BadInput)."""
    spec = spec or RunSpec()
    labels = load_manifest(folder)
    d = Path(folder)
    packets = {}
    for name in labels:
        packet = read_packet(d / name)
        # stored apart from the user's own packets: a labelled file copied from an example
        # keeps its key, and must not become a revision of the user's packet
        packets[name] = packet.model_copy(update={"key": derived_key(packet.key, "calibrate")})
        validate_spec(packets[name], spec, catalog)
    panel = spec.panel
    rows: list[dict[str, Any]] = []
    for i, (name, label) in enumerate(labels.items()):
        if progress:
            progress(i, len(labels), name)
        res = run_once(store, packets[name], spec, catalog=catalog)
        s = summarize(res, panel)
        cited = red_signals(res)
        sealed_sides = {side(v) for v in s["sealed"].values()}
        rows.append(
            {
                "file": name,
                "expected": label.decision,
                "predicted": res.decision.outcome,
                "correct": None if label.decision is None else label.decision == res.decision.outcome,
                "must_flag": sorted(label.must_flag),
                "red_cited": sorted(cited),
                "missing_flags": sorted(set(label.must_flag) - cited),
                "extra_flags": sorted(cited - set(label.must_flag)),
                "green_cited": sorted({e.signal for r in res.reviews for e in r.evidence if e.polarity == "green"}),
                "split": label.split,
                "blind_disagree": len(sealed_sides) > 1,
                "injection": label.injection,
                "integrity": len(res.integrity),
                **s,
            }
        )
    if progress:
        progress(len(labels), len(labels), "done")
    report = {
        "study_id": new_study_id("calibration"),
        "kind": "calibration",
        "folder": str(d.resolve()),
        "engine": spec.engine,
        "spec": spec.as_json(),
        "panel": panel,
        "summary": score(rows, panel),
        "packets": rows,
    }
    if save:
        store.save_study(
            report["study_id"],
            "calibration",
            engine=spec.engine,
            params={"folder": report["folder"], "spec": spec.as_json()},
            summary=report,
            run_ids=[r["run_id"] for r in rows],
        )
    return report
