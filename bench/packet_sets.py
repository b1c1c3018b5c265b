"""Committee judgement on labelled packet sets: decisions, citations and the debrief.

    python bench/packet_sets.py [DIR ...] [--rounds N] [--json]

Each DIR holds packets and a `MANIFEST.yaml` in the `committee calibrate` format
(`file: {decision: hire|no_hire, must_flag: [red ids the candidate holds]}`). Without
DIR, every set under `bench/sealed/` is measured. Only totals are printed: the sealed
sets were written by people who never saw the engine, and nobody tunes on their items.

Per set:
- decision agreement of the final votes (after the debrief) and of the sealed (blind)
  votes, both through the scenario's committee rules (`decision.decide`);
- Hire recall and No Hire recall of the final decision;
- red-citation precision: firm red citations (evidence without a `concern`) by any blind
  review that the labels list (micro-averaged over packets); the same with the readings
  shown as concerns to check; and the recall of the labelled flags by either;
- misread categorical readings: a persona's hard line crossed by a signal the labels
  do not list, and Hire-labelled packets rejected by a veto or a failed dimension;
- the debrief: the share of votes that changed, overall and on packets whose sealed
  reviews disagree (both sides present), and sealed vs final agreement there.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import yaml
from eval_offline import context, run_committee

from committee.catalog import load_catalog
from committee.decision.rules import decide
from committee.engines.offline.review import analyse, crosses_hard_line
from committee.intake.packets import read_packet

SEALED_DIR = ROOT / "bench" / "sealed"
# what each sealed set has been used for (its MANIFEST's first line says the same): the
# figure that counts is the one on a set nobody tuned on
ROLES = {
    "set-a": "tuned on (items read)",
    "set-b": "tuned on (items read)",
    "set-c": "tuned on after one sealed look",
    "set-d": "tuned on after its final look",
    "set-e": "final look (0.70), then read",
    "set-f": "final look (0.80), totals read since",
    "set-g": "the final figure (0.72), totals read once",
    "set-h": "a second final figure of the same version, totals read once",
}
TARGETS = {
    "agreement": 0.90,
    "hire_recall": 0.90,
    "no_hire_recall": 0.90,
    "red_precision": 0.85,
    "misread_categorical": 0,
}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def measure_set(cat, folder: Path, rounds: int = 2) -> dict:
    """Totals for one labelled folder (see the module docstring). Raises FileNotFoundError
    without a MANIFEST.yaml."""
    manifest = yaml.safe_load((folder / "MANIFEST.yaml").read_text(encoding="utf-8"))
    n = agree_final = agree_sealed = 0
    hires = hires_ok = nos = nos_ok = 0
    cited_ok = cited = labelled = labelled_found = read_all = read_ok = 0
    misread_lines = misread_rules = 0
    votes_total = votes_changed = 0
    split_n = split_votes = split_changed = split_final = split_sealed = 0
    for name, spec in sorted(manifest.items()):
        want = spec.get("decision")
        if want is None:
            continue
        packet = read_packet(folder / name)
        reviews, _turns, final, decision, _via = run_committee(cat, packet, rounds)
        ctx = context(cat, packet)
        sealed_votes = {r.persona: r.vote for r in reviews}
        sealed = decide(sealed_votes, reviews, ctx.scenario.rules)
        must = set(spec.get("must_flag") or [])
        n += 1
        agree_final += decision.outcome == want
        agree_sealed += sealed.outcome == want
        if want == "hire":
            hires += 1
            hires_ok += decision.outcome == "hire"
            misread_rules += decision.rule.startswith(("veto:", "failed-dimension:"))
        else:
            nos += 1
            nos_ok += decision.outcome == "no_hire"
        readings = {e.signal for r in reviews for e in r.evidence if e.polarity == "red" and e.signal in ctx.signals}
        reds = {
            e.signal
            for r in reviews
            for e in r.evidence
            if e.polarity == "red" and e.signal in ctx.signals and not e.concern
        }
        cited += len(reds)
        cited_ok += len(reds & must)
        read_all += len(readings)
        read_ok += len(readings & must)
        labelled += len(must)
        labelled_found += len(must & readings)
        hits = analyse(ctx).hits
        misread_lines += sum(
            1 for p in ctx.panel.values() for h in hits if crosses_hard_line(p, h) and h.signal not in must
        )
        changed = sum(1 for p, v in sealed_votes.items() if final[p] != v)
        votes_total += len(sealed_votes)
        votes_changed += changed
        if len({v.is_hire for v in sealed_votes.values()}) > 1:
            split_n += 1
            split_votes += len(sealed_votes)
            split_changed += changed
            split_final += decision.outcome == want
            split_sealed += sealed.outcome == want
    return {
        "set": folder.name,
        "packets": n,
        "hire": hires,
        "no_hire": nos,
        "agreement": _ratio(agree_final, n),
        "agreement_sealed": _ratio(agree_sealed, n),
        "hire_recall": _ratio(hires_ok, hires),
        "no_hire_recall": _ratio(nos_ok, nos),
        "red_precision": _ratio(cited_ok, cited),
        "red_recall": _ratio(labelled_found, labelled),
        "red_cited": cited,
        "red_precision_with_concerns": _ratio(read_ok, read_all),
        "red_read": read_all,
        "misread_hard_lines": misread_lines,
        "hire_rejected_by_rule": misread_rules,
        "misread_categorical": misread_lines + misread_rules,
        "vote_change_rate": _ratio(votes_changed, votes_total),
        "split_packets": split_n,
        "split_vote_change_rate": _ratio(split_changed, split_votes),
        "split_agreement": _ratio(split_final, split_n),
        "split_agreement_sealed": _ratio(split_sealed, split_n),
    }


def missed(r: dict) -> list[str]:
    """The targets (TARGETS) this set's totals miss."""
    out = [
        k
        for k in ("agreement", "hire_recall", "no_hire_recall", "red_precision")
        if r[k] is not None and r[k] < TARGETS[k]
    ]
    if r["misread_categorical"] > TARGETS["misread_categorical"]:
        out.append("misread_categorical")
    if (r["agreement"] or 0) < (r["agreement_sealed"] or 0):
        out.append("debrief lowers agreement")
    return out


def line(r: dict) -> str:
    def f(x):
        return "  - " if x is None else f"{x:.2f}"

    role = f" [{ROLES[r['set']]}]" if r["set"] in ROLES else ""
    return (
        f"  {r['set'] + role}\n  {'':14} n={r['packets']:2} ({r['hire']} hire)  agreement final {f(r['agreement'])} sealed "
        f"{f(r['agreement_sealed'])}  hire recall {f(r['hire_recall'])}  no-hire recall {f(r['no_hire_recall'])}  "
        f"red P/R {f(r['red_precision'])}/{f(r['red_recall'])} of {r['red_cited']} firm (with concerns P "
        f"{f(r['red_precision_with_concerns'])} of {r['red_read']})\n  {'':14} misread hard lines "
        f"{r['misread_hard_lines']}, hire rejected by veto/failed dimension {r['hire_rejected_by_rule']}\n"
        f"  {'':14} debrief: votes changed {f(r['vote_change_rate'])}; on {r['split_packets']} packets whose "
        f"sealed reviews disagree: votes changed {f(r['split_vote_change_rate'])}, agreement final "
        f"{f(r['split_agreement'])} vs sealed {f(r['split_agreement_sealed'])}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    dirs = args.dirs or sorted(p.parent for p in SEALED_DIR.glob("*/MANIFEST.yaml"))
    cat = load_catalog()
    rows = [measure_set(cat, d, args.rounds) for d in dirs]
    if args.json:
        print(json.dumps(rows))
    else:
        for r in rows:
            print(line(r))
            print(f"  {'':14} targets missed: {', '.join(missed(r)) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
