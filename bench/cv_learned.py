"""Leave-one-writer-out cross-validation of the learned layer (learned.py): how the
offline engine's signal detection does on a writer it has never read.

    python bench/cv_learned.py [--grid] [files...]

Each corpus file (default: the installed corpus, `scenarios/corpus/*.jsonl`) is one
writer. For each file, the model is fitted on all the other files plus the signal
library's exemplars, and the held-out file's sentences go through the detector
(`detect.detect_signals`) with that model. The concept cues were never tuned on these
writers, except `author-*.jsonl`, which are always trained on and never scored.

Prints pooled sentence-level red and green P/R/F1 and the red flags raised on items with
no red label. `--grid` also sweeps the detector's thresholds (P_RED, MAX_REJECTS,
MIN_ANY_RED, P_GREEN, P_CUE) and prints the best settings; the constants in
`detect.py` were chosen this way.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from committee.catalog import load_catalog  # noqa: E402
from committee.engines.offline import detect, learned  # noqa: E402

GRID = {"P_RED": (0.3, 0.4, 0.5), "MAX_REJECTS": (0.7,), "MIN_ANY_RED": (0.3, 0.4),
        "P_CUE": (0.2,), "CUE_FRAMED": (True,), "P_CUE_GREEN": (0.2,), "P_GREEN": (0.5,),
        "P_SURE": (0.9,), "ANCHOR": (0.3, 0.5, 0.6), "P_ALONE": (0.4, 0.5, 0.6, 0.7)}


def prf(pred, gold):
    tp, fp, fn = int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(pred, Y, pol):
    rp, rr, rf = prf(pred[:, pol], Y[:, pol])
    gp, gr, gf = prf(pred[:, ~pol], Y[:, ~pol])
    clean = ~Y[:, pol].any(1)
    return {"red": (rp, rr, rf), "green": (gp, gr, gf), "roc": int(pred[clean][:, pol].any(1).sum()), "clean": int(clean.sum())}


def line(label, s):
    r, g = s["red"], s["green"]
    return (f"{label:52s} red {r[0]:.2f}/{r[1]:.2f}/{r[2]:.2f} · green {g[0]:.2f}/{g[1]:.2f}/{g[2]:.2f} · "
            f"red on clean {s['roc']}/{s['clean']}")


def partial(sig, text: str) -> float:
    """Largest share of one cue's concept groups found asserted in any sentence of `text`."""
    best = 0.0
    for se in detect.split_sentences(text):
        norm = detect.normalise(se.text)
        for _, spans in detect._cue_groups(sig, se, norm, ""):
            best = max(best, sum(1 for x in spans if x) / len(spans))
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--cache", help="save the folds' outputs here, or load them if the file exists (grid work)")
    a = ap.parse_args(argv)
    cat = load_catalog()
    sigs = [cat.signals[s] for s in cat.scenario("safety-pm").signals]
    corpus = [Path(f) for f in a.files] or learned.corpus_files()
    always = [f for f in corpus if f.name.startswith("author-")]
    writers = [f for f in corpus if f not in always]
    pol = np.array([s.polarity == "red" for s in sigs])
    k = len(sigs)
    col = {s.id: j for j, s in enumerate(sigs)}
    Y, H, CUE, ENGINE, NOQ, PART = [], [], [], [], [], []
    real_get = learned.get_model
    if a.cache and Path(a.cache).exists():
        z = np.load(a.cache)
        Y, H, CUE, ENGINE, NOQ, PART = [z["Y"]], [z["H"]], list(z["CUE"]), list(z["ENGINE"]), list(z["NOQ"]), list(z["PART"])
        writers = []
    for f in writers:
        t = time.perf_counter()
        model = learned.fit(sigs, learned.load_corpus([g for g in writers if g != f] + always))
        fit_s = time.perf_counter() - t
        held = learned.load_corpus([f])
        texts, y, _ = learned.training_set(sigs, held)
        n = len(held)
        Y.append(y[:n, :k].astype(bool))
        H.append(model.heads(texts[:n]))
        learned.get_model = lambda _s, m=model: m
        for it in held:
            cue_row, eng_row = np.zeros(k, bool), np.zeros(k, bool)
            for h in detect.detect_signals(it["text"], sigs, mode="cues"):
                cue_row[col[h.signal]] = True
            for h in detect.detect_signals(it["text"], sigs):
                eng_row[col[h.signal]] = True
            CUE.append(cue_row)
            ENGINE.append(eng_row)
            NOQ.append(not detect.lexicon.is_question(detect.normalise(it["text"])))
            PART.append([partial(sig, it["text"]) for sig in sigs])
        print(f"fold {f.name}: {n} items, fit {fit_s:.2f}s", file=sys.stderr)
    learned.get_model = real_get
    Y, H, CUE, ENGINE, NOQ, PART = (np.vstack(Y), np.vstack(H), np.vstack(CUE), np.vstack(ENGINE), np.array(NOQ),
                                    np.array(PART))
    if a.cache and not Path(a.cache).exists():
        np.savez(a.cache, Y=Y, H=H, CUE=CUE, ENGINE=ENGINE, NOQ=NOQ, PART=PART)
    print(line("concept cues alone", score(CUE, Y, pol)))
    print(line("detector as configured (detect.py constants)", score(ENGINE, Y, pol)))
    if a.grid:
        P, rej, anyred = H[:, :k], H[:, k], H[:, k + 1]
        rows = []
        for vals in itertools.product(*GRID.values()):
            c = dict(zip(GRID, vals))
            framed = ((rej < c["MAX_REJECTS"]) & NOQ)[:, None] & ((anyred >= c["MIN_ANY_RED"])[:, None] | (P >= c["P_SURE"]))
            cue_red = CUE & (P >= c["P_CUE"]) & (framed if c["CUE_FRAMED"] else True)
            red = ((P >= np.where(PART >= c["ANCHOR"], c["P_RED"], c["P_ALONE"])) & framed) | cue_red
            green = (P >= c["P_GREEN"]) | (CUE & (P >= c["P_CUE_GREEN"]))
            pred = np.where(pol[None, :], red, green)
            rows.append((c, score(pred, Y, pol)))
        for c, s in rows:
            if c["P_RED"] == 0.4 and c["MIN_ANY_RED"] == 0.4:
                print(line(" ".join(f"{k}={v}" for k, v in c.items()), s))
        print("best red F1 (approximation of the detector from its parts):")
        for c, s in sorted(rows, key=lambda r: -r[1]["red"][2])[:12]:
            print(line(" ".join(f"{k}={v}" for k, v in c.items()), s))
        print("best red F1 with red flags on under 2% of clean items:")
        for c, s in sorted([r for r in rows if r[1]["roc"] < 0.02 * r[1]["clean"]], key=lambda r: -r[1]["red"][2])[:8]:
            print(line(" ".join(f"{k}={v}" for k, v in c.items()), s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
