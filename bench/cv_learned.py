"""Leave-one-writer-out cross-validation of the offline engine's signal detection: how it
does on a writer whose sentences it has never read.

    python bench/cv_learned.py [--json] [files...]

Each corpus file (default: the installed corpus, `scenarios/corpus/*.jsonl`) is one
writer, in its own domains and voice. For each file, the learned layer is fitted on all
the other files (plus the signal library's exemplars) and the held-out file's sentences
go through the detector (`detect.detect_signals`, the safety-pm scenario's signals) with
that model. `author-*.jsonl` (the sets the concept cues were tuned on) are always trained
on and never scored; no concept cue was written from the other files.

Prints pooled sentence-level red and green P/R/F1 and the red flags raised on items with
no red label, for the concept cues alone and for the whole detector. The thresholds in
`detect.py` were chosen from these numbers (the notes in its constants say which).
Takes about 5 s per writer on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np
from eval_offline import _line as line
from eval_offline import prf

from committee.catalog import load_catalog
from committee.engines.offline import detect, learned


def score(pred: np.ndarray, gold: np.ndarray, red: np.ndarray) -> dict:
    """Pooled P/R/F1 per polarity and red flags on items with no red label, in the shape
    `eval_offline.bench_signals` reports (so its `_line` prints both)."""

    def counts(p, g):
        return prf(int((p & g).sum()), int((p & ~g).sum()), int((~p & g).sum()))

    clean = ~gold[:, red].any(1)
    return {
        "red": counts(pred[:, red], gold[:, red]),
        "green": counts(pred[:, ~red], gold[:, ~red]),
        "red_flags_on_items_without_red": int(pred[clean][:, red].any(1).sum()),
        "items_without_red": int(clean.sum()),
        "items": len(gold),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="corpus files (default: scenarios/corpus/*.jsonl)")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    a = ap.parse_args(argv)
    cat = load_catalog()
    sigs = [cat.signals[s] for s in cat.scenario("safety-pm").signals]
    library = [cat.signals[i] for i in sorted(cat.signals)]
    corpus = [Path(f) for f in a.files] or learned.corpus_files()
    always = [f for f in corpus if f.name.startswith("author-")]
    writers = [f for f in corpus if f not in always]
    red = np.array([s.polarity == "red" for s in sigs])
    col = {s.id: j for j, s in enumerate(sigs)}
    gold, cues, engine, folds = [], [], [], {}
    real = learned.get_model
    try:
        for f in writers:
            t = time.perf_counter()
            full = learned.fit(library, learned.load_corpus([g for g in writers if g != f] + always))
            learned.get_model = lambda s, m=full: m.select([x.id for x in s])
            held = learned.load_corpus([f])
            rows = []
            for it in held:
                y = np.zeros(len(sigs), bool)
                for sid in it["red"] + it["green"]:
                    if sid in col:
                        y[col[sid]] = True
                c, e = np.zeros(len(sigs), bool), np.zeros(len(sigs), bool)
                for h in detect.detect_signals(it["text"], sigs, mode="cues"):
                    c[col[h.signal]] = True
                for h in detect.detect_signals(it["text"], sigs):
                    e[col[h.signal]] = True
                gold.append(y), cues.append(c), engine.append(e), rows.append((y, e))
            folds[f.name] = score(np.array([e for _, e in rows]), np.array([y for y, _ in rows]), red)
            print(f"  fold {f.name}: {len(held)} items, {time.perf_counter() - t:.1f}s", file=sys.stderr)
    finally:
        learned.get_model = real
    gold, cues, engine = np.array(gold), np.array(cues), np.array(engine)
    report = {
        "writers": len(writers),
        "concept_cues_alone": score(cues, gold, red),
        "detector": score(engine, gold, red),
        "folds": folds,
    }
    if a.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"== leave-one-writer-out over {len(writers)} writers (each scored by a model fitted on the others)")
    print(line("concept cues alone", report["concept_cues_alone"]))
    print(line("detector (cues + learned)", report["detector"]))
    for name, s in folds.items():
        print(line(f"  {name}", s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
