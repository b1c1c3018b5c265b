"""Leave-one-writer-out cross-validation of the learned layer (learned.py).

    python bench/cv_learned.py [--c 4.0] [files...]

Each corpus file (default: the installed corpus, `scenarios/corpus/*.jsonl`) is one
writer. For each file, the classifier is fitted on the other files plus the signal
library's exemplars, and the held-out file's sentences are scored with the detector's
cues and framing (which the corpus writers never saw) and with the classifier at a grid
of thresholds. Prints pooled sentence-level red/green P/R/F1 and the red flags raised on
items with no red label, so a threshold can be chosen for writers the model has not seen.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from committee.catalog import load_catalog  # noqa: E402
from committee.engines.offline import detect, learned, lexicon  # noqa: E402
from committee.engines.offline.text import normalise, split_sentences  # noqa: E402


def prf(pred, gold):
    tp, fp, fn = int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(label, pred, Y, pol):
    Y = Y.astype(bool)
    rp, rr, rf = prf(pred[:, pol], Y[:, pol])
    gp, gr, gf = prf(pred[:, ~pol], Y[:, ~pol])
    clean = ~Y[:, pol].any(1)
    roc = int(pred[clean][:, pol].any(1).sum())
    print(f"{label:44s} red {rp:.2f}/{rr:.2f}/{rf:.2f} · green {gp:.2f}/{gr:.2f}/{gf:.2f} · red on clean {roc}/{int(clean.sum())}")
    return rf, gf, roc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--c", type=float, default=learned.C)
    ap.add_argument("--train-extra", nargs="*", default=[], help="files always in training, never scored")
    a = ap.parse_args(argv)
    cat = load_catalog()
    sigs = [cat.signals[s] for s in cat.scenario("safety-pm").signals]
    files = [Path(f) for f in a.files] or learned.corpus_files()
    extra = [Path(f) for f in a.train_extra]
    pol = np.array([s.polarity == "red" for s in sigs])
    col = {s.id: j for j, s in enumerate(sigs)}
    probs, gold, cue, neg, ok = [], [], [], [], []
    # the cues and framing alone: the learned layer switched off
    saved = detect.P_RED, detect.P_RED_NEG, detect.P_GREEN
    detect.P_RED = detect.P_RED_NEG = detect.P_GREEN = 2.0
    for f in files:
        t = time.perf_counter()
        m = learned.fit(sigs, learned.load_corpus([g for g in files if g != f] + extra), c=a.c)
        fit_s = time.perf_counter() - t
        held = learned.load_corpus([f])
        texts, y = learned.training_set(sigs, held)
        n = len(held)
        probs.append(m.probabilities(texts[:n]))
        gold.append(y[:n])
        for it in held:
            row = np.zeros(len(sigs), bool)
            for h in detect.detect_signals(it["text"], sigs):
                row[col[h.signal]] = True
            cue.append(row)
            sents = split_sentences(it["text"])
            nt = normalise(it["text"])
            neg.append(lexicon.any_negation(nt))
            ok.append([not (s.polarity == "red" and lexicon.is_question(nt))
                       and not any(detect._blocked(s, se, normalise(se.text)) for se in sents) for s in sigs])
        print(f"fold {f.name}: {n} items, fit {fit_s:.2f}s", file=sys.stderr)
    detect.P_RED, detect.P_RED_NEG, detect.P_GREEN = saved
    P, Y, CUE, NEG, OK = np.vstack(probs), np.vstack(gold), np.vstack(cue), np.array(neg), np.array(ok)
    report("cues + similarity (today)", CUE, Y, pol)
    for th in (0.4, 0.5, 0.6, 0.7, 0.8):
        report(f"classifier alone >= {th}", P >= th, Y, pol)
    for tr in (0.5, 0.6, 0.7, 0.8):
        for tn in (0.8, 0.9, 1.1):
            for tg in (0.4, 0.5, 0.6):
                thr = np.where(pol[None, :], np.where(NEG[:, None], tn, tr), tg)
                report(f"today + learned red {tr}/{tn} green {tg}", CUE | ((P >= thr) & OK), Y, pol)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
