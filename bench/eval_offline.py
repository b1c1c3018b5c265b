"""Measure the offline engine: committee decisions on the dev packets, signal detection
on labelled sentences, and engine time.

    python bench/eval_offline.py [--shared PATH] [--rounds N] [--json] [--check]

`--shared` is the folder holding `packets/` and `signals-dev.jsonl` (default:
`../shared/eval` relative to the repository root). `--check` exits 1 when a target is
missed. Sentence sets written for this engine live in `tests/data/`: two held out
(`offline_signals.jsonl`; `offline_signals_hard.jsonl`, off-vocabulary, whose items are
never printed so that nobody tunes on them) and two the cues were tuned on
(`offline_signals_tune.jsonl`, `offline_signals_mine.jsonl`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor as _ThreadPool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml

from committee.catalog import load_catalog
from committee.decision.rules import consensus, decide
from committee.engines.offline import (
    OfflineEngine,
    learned,
)
from committee.engines.offline import detect as detect_mod
from committee.engines.offline.similarity import build_index
from committee.intake.packets import parse_packet, read_packet
from committee.models import Context, Packet, TurnRequest, Vote

TARGETS = {"decision_agreement": 0.90, "red_f1": 0.85, "green_f1": 0.75, "red_on_clean": 0, "engine_s_2000w": 1.0}
DATA = ROOT / "tests" / "data"
# never tuned on: the first held-out set, and the off-vocabulary set (read only for its numbers)
HELD_OUT = [
    DATA / "offline_signals.jsonl",
    DATA / "offline_signals_hard.jsonl",
    DATA / "offline_signals_sealed_a.jsonl",
    DATA / "offline_signals_sealed_b.jsonl",
]
# sets read only for their totals: their items are never printed, so nobody tunes on them
SEALED = {"offline_signals_hard.jsonl", "offline_signals_sealed_a.jsonl", "offline_signals_sealed_b.jsonl"}
# packet sets written by helpers who never saw the engine (bench/sealed/): only totals are printed
SEALED_SETS = {"set-a", "set-b", "set-c", "set-d", "set-e", "set-f"}
# the cues and framing were tuned on these (numbers are regression pins, not generalisation)
TUNED = [
    ROOT / "scenarios" / "corpus" / "author-tune-set.jsonl",
    ROOT / "scenarios" / "corpus" / "author-sentences.jsonl",
]


def find_injections(packet: Packet):
    try:
        from committee.intake.integrity.check import find_injections as f
    except ImportError:  # before the intake module exists
        return []
    return f(packet)


def context(cat, packet: Packet, scenario_id: str | None = None, integrity=None) -> Context:
    sc = cat.scenario(scenario_id or packet.scenario)
    panel = {p: cat.personas[p] for p in cat.default_panel}
    return Context(
        packet=packet,
        scenario=sc,
        signals={s: cat.signals[s] for s in sc.signals},
        panel=panel,
        integrity=find_injections(packet) if integrity is None else integrity,
    )


# ----------------------------------------------------------------- committee runs


class _Serial:
    """A stand-in for a thread pool that runs calls one after another."""

    def __init__(self, max_workers=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items):
        return [fn(i) for i in items]


def simulate(
    engine,
    ctx: Context,
    rounds: int,
    protocol: str = "simultaneous",
    stop_on_consensus: bool = True,
    parallel: bool = True,
):
    """Reviews, then debrief rounds, as the graph runs them (in threads when `parallel`).
    Returns (reviews, turns, votes, engine seconds summed over calls)."""
    ThreadPoolExecutor = _ThreadPool if parallel else _Serial  # noqa: N806
    spent = 0.0

    def timed(fn, *a):
        t0 = time.perf_counter()
        out = fn(*a)[0]
        return out, time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=len(ctx.panel)) as pool:
        results = list(pool.map(lambda p: timed(engine.review, ctx, p), ctx.panel.values()))
    reviews = {r.persona: r for r, _ in results}
    spent += sum(t for _, t in results)
    votes = {p: reviews[p].vote for p in ctx.panel}
    turns = []

    def request(p, rnd):
        return TurnRequest(
            speaker=p,
            round=rnd,
            max_rounds=rounds,
            protocol=protocol,
            reviews=reviews,
            transcript=list(turns),
            votes=dict(votes),
        )

    for rnd in range(1, rounds + 1):
        if protocol == "simultaneous":  # every member sees the transcript as the round began
            reqs = [request(p, rnd) for p in ctx.panel]
            with ThreadPoolExecutor(max_workers=len(ctx.panel)) as pool:
                out = list(pool.map(lambda r: timed(engine.speak, ctx, r), reqs))
        else:  # each member sees the turns before its own
            out = (timed(engine.speak, ctx, request(p, rnd)) for p in ctx.panel)
        for t, s in out:  # a generator: each turn lands before the next request is built
            turns.append(t)
            spent += s
            votes[t.speaker] = t.vote
        if stop_on_consensus and consensus(votes):
            break
    return reviews, turns, votes, spent


def run_committee(cat, packet: Packet, rounds: int):
    """The full committee through `committee.graph.runner` (graph + checkpointer) when it is
    there; otherwise the same steps composed here."""
    try:
        from committee.graph.runner import prepare, start_run
        from committee.store.runs import Store
    except ImportError:
        ctx = context(cat, packet)
        reviews, turns, votes, _ = simulate(OfflineEngine(), ctx, rounds)
        return list(reviews.values()), turns, votes, decide(votes, list(reviews.values()), ctx.scenario.rules), "direct"
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "bench.db")
        try:
            res = start_run(store, prepare(packet, rounds=rounds, protocol="simultaneous", catalog=cat))
        finally:
            close = getattr(store, "close", None)
            if close:
                close()
    return res.reviews, res.debrief, res.votes, res.decision, "runner"


def bench_packets(cat, shared: Path, rounds: int) -> dict:
    manifest = yaml.safe_load((shared / "packets" / "MANIFEST.yaml").read_text())
    rows, agree, judged, flags_total, flags_cited = [], 0, 0, 0, 0
    for name, spec in manifest.items():
        packet = read_packet(shared / "packets" / name)
        reviews, turns, votes, decision, via = run_committee(cat, packet, rounds)
        cited = {e.signal for r in reviews for e in r.evidence}
        must = spec.get("must_flag") or []
        flags_total += len(must)
        flags_cited += sum(1 for f in must if f in cited)
        blind = {r.persona: r.vote for r in reviews}
        row = {
            "packet": name,
            "expected": spec.get("decision"),
            "decision": decision.outcome,
            "rule": decision.rule,
            "blind": {p: v.value for p, v in blind.items()},
            "final": {p: Vote(v).value for p, v in votes.items()},
            "must_flag": must,
            "missing_flags": [f for f in must if f not in cited],
            "turns": len(turns),
            "via": via,
        }
        if spec.get("decision") is not None:
            judged += 1
            agree += decision.outcome == spec["decision"]
        if spec.get("split"):
            sides = {v.is_hire for v in blind.values()}
            row["split_ok"] = len(sides) > 1
        if spec.get("injection"):
            ctx = context(cat, packet)
            clean = context(cat, packet, integrity=[])
            eng = OfflineEngine()
            row["injection_found"] = len(ctx.integrity)
            row["injection_never_raises"] = all(
                eng.review(ctx, p)[0].vote.points <= eng.review(clean, p)[0].vote.points for p in ctx.panel.values()
            )
        rows.append(row)
    return {
        "packets": rows,
        "decision_agreement": agree / judged if judged else None,
        "judged": judged,
        "must_flag_cited": flags_cited,
        "must_flag_total": flags_total,
    }


# ------------------------------------------------------------------ signal sets


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {
        "p": round(p, 3),
        "r": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def bench_signals(cat, path: Path, mode: str = "engine", threshold: float | None = None) -> dict:
    """Sentence-level P/R/F1: each item's text is a one-sentence packet reviewed by the
    committee under the safety-pm scenario (all library signals; a signal counts when any
    persona's review cites it); `mode` "cues" /
    "similarity" call the detector directly for the ablation."""
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    eng = OfflineEngine()
    counts = {"red": [0, 0, 0], "green": [0, 0, 0]}
    red_on_clean, misses = 0, []
    sc = cat.scenario("safety-pm")
    sigs = [cat.signals[s] for s in sc.signals]
    for it in items:
        if mode == "engine":
            packet = parse_packet(it["text"], name=it["id"])
            # the committee's reading of the sentence (every persona's lens together), as
            # before lenses existed; one persona's review shows only what its lens notices
            ctx = context(cat, packet, "safety-pm", integrity=[])
            found = {
                (e.signal, e.polarity)
                for p in ctx.panel.values()
                for e in eng.review(ctx, p)[0].evidence
                if e.signal in cat.signals
            }
        else:
            hits = detect_mod.detect_signals(
                it["text"], sigs, mode=mode, sim_only_threshold=threshold or detect_mod.T_HIGH
            )
            found = {(h.signal, h.polarity) for h in hits}
        for pol in ("red", "green"):
            pred = {s for s, p in found if p == pol}
            gold = set(it[pol])
            c = counts[pol]
            c[0] += len(pred & gold)
            c[1] += len(pred - gold)
            c[2] += len(gold - pred)
            if pred != gold:
                misses.append({"id": it["id"], "polarity": pol, "predicted": sorted(pred), "gold": sorted(gold)})
        if not it["red"] and any(p == "red" for _, p in found):
            red_on_clean += 1
    return {
        "items": len(items),
        "red": prf(*counts["red"]),
        "green": prf(*counts["green"]),
        "red_flags_on_items_without_red": red_on_clean,
        "items_without_red": sum(1 for it in items if not it["red"]),
        "misses": misses,
    }


# ----------------------------------------------------------------------- timing


def synthetic_packet(words: int, seed_texts: list[str]) -> Packet:
    """A packet of about `words` words: sections of sentences cycled from `seed_texts`."""
    out, n, i, sec = ["---", f"packet: bench-{words}", "scenario: safety-pm", "---"], 0, 0, 0
    while n < words:
        if i % 8 == 0:
            sec += 1
            out.append(f"\n## Part {sec}")
        s = seed_texts[i % len(seed_texts)]
        out.append(s if i < len(seed_texts) else f"In case {i}, {s[0].lower()}{s[1:]}")
        n += len(s.split())
        i += 1
    return parse_packet("\n".join(out), name=f"bench-{words}")


def bench_timing(cat, shared: Path, rounds: int) -> dict:
    seeds = []
    for path in [shared / "signals-dev.jsonl", *HELD_OUT, *TUNED]:
        if path.exists():
            seeds += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    # one fixed shuffle, so every length draws the same mix of sets (the sets differ in how
    # many sentences carry signals, which would otherwise read as a change in cost per word)
    random.Random(0).shuffle(seeds)
    eng = OfflineEngine()
    t0 = time.perf_counter()
    build_index([cat.signals[s] for s in cat.scenario("safety-pm").signals])
    setup = time.perf_counter() - t0
    library = [cat.signals[i] for i in sorted(cat.signals)]
    t0 = time.perf_counter()
    model = learned.fit(library, learned.load_corpus())
    fit_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.pkl"
        learned._save(path, model)
        t0 = time.perf_counter()
        learned._load(path)
        load_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
    learned.get_model(library)  # the run below uses the cached model, as every run after the first does
    per_packet = []
    for path in sorted((shared / "packets").glob("*.md")):
        packet = read_packet(path)
        detect_mod._CACHE.clear()
        *_, spent = simulate(eng, context(cat, packet), rounds, stop_on_consensus=False, parallel=False)
        per_packet.append(spent)
    scaling, wall = {}, {}
    for words in (500, 1000, 2000, 4000):
        packet = synthetic_packet(words, seeds)
        ctx = context(cat, packet)
        runs, walls = [], []
        for _ in range(5):
            detect_mod._CACHE.clear()
            *_, spent = simulate(eng, ctx, rounds, stop_on_consensus=False, parallel=False)
            runs.append(spent)
            detect_mod._CACHE.clear()
            t0 = time.perf_counter()
            simulate(eng, ctx, rounds, stop_on_consensus=False, parallel=True)
            walls.append(time.perf_counter() - t0)
        scaling[words] = round(min(runs), 4)  # min of 5: the machine is shared, noise only adds
        wall[words] = round(min(walls), 4)
    per_word = {w: s / w for w, s in scaling.items()}
    return {
        "index_fit_s": round(setup, 4),
        "learned_fit_s": round(fit_s, 2),
        "learned_load_s": round(load_s, 4),
        "learned_cache_mb": round(size_mb, 1),
        "corpus_sentences": len(learned.load_corpus()),
        "packet_engine_s_mean": round(statistics.mean(per_packet), 4),
        "packet_engine_s_max": round(max(per_packet), 4),
        "rounds": rounds,
        "engine_s_by_words": scaling,
        "engine_s_2000w": scaling[2000],
        "wall_s_threaded_by_words": wall,
        "growth_4000_over_2000": round(scaling[4000] / scaling[2000], 2),
        "per_word_ms": {w: round(v * 1000, 4) for w, v in per_word.items()},
    }


# ------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    shared = args.shared.resolve()
    if not (shared / "packets" / "MANIFEST.yaml").exists():
        print(f"no eval folder at {shared} (expected packets/MANIFEST.yaml); pass --shared PATH", file=sys.stderr)
        return 2
    cat = load_catalog()
    from packet_sets import SEALED_DIR, measure_set
    from packet_sets import missed as set_missed

    report = {
        "packets": bench_packets(cat, shared, args.rounds),
        "packet_sets": [
            measure_set(cat, d, args.rounds)
            for d in [
                shared / "packets",
                ROOT / "examples",
                *sorted(p.parent for p in SEALED_DIR.glob("*/MANIFEST.yaml")),
            ]
        ],
        "dev": bench_signals(cat, shared / "signals-dev.jsonl"),
        "held_out": {p.name: bench_signals(cat, p) for p in HELD_OUT if p.exists()},
        "tuned_on": {p.name: bench_signals(cat, p) for p in TUNED if p.exists()},
        "ablation_dev": {
            "cues_only": bench_signals(cat, shared / "signals-dev.jsonl", "cues"),
            **{
                f"similarity_only@{t}": bench_signals(cat, shared / "signals-dev.jsonl", "similarity", t)
                for t in (0.25, 0.35, 0.45)
            },
        },
        "timing": bench_timing(cat, shared, args.rounds),
    }
    misses = []
    if (report["packets"]["decision_agreement"] or 0) < TARGETS["decision_agreement"]:
        misses.append("decision agreement")
    if report["dev"]["red"]["f1"] < TARGETS["red_f1"]:
        misses.append("dev red F1")
    if report["dev"]["green"]["f1"] < TARGETS["green_f1"]:
        misses.append("dev green F1")
    if report["dev"]["red_flags_on_items_without_red"] > TARGETS["red_on_clean"]:
        misses.append("red flags on clean items")
    if report["timing"]["engine_s_2000w"] >= TARGETS["engine_s_2000w"]:
        misses.append("2,000-word engine time")
    for r in report["packet_sets"]:
        if r["set"] in SEALED_SETS:
            misses += [f"{r['set']}: {m}" for m in set_missed(r)]
    report["targets_missed"] = misses
    if args.json:
        print(json.dumps(report, default=str))
    else:
        print_report(report)
    return 1 if args.check and misses else 0


def _line(name: str, r: dict) -> str:
    return (
        f"  {name:40} red P/R/F1 {r['red']['p']:.2f}/{r['red']['r']:.2f}/{r['red']['f1']:.2f}   "
        f"green P/R/F1 {r['green']['p']:.2f}/{r['green']['r']:.2f}/{r['green']['f1']:.2f}   "
        f"red on clean {r['red_flags_on_items_without_red']}/{r['items_without_red']}  (n={r['items']})"
    )


def print_report(rep: dict) -> None:
    pk = rep["packets"]
    print("== committee on dev packets")
    for row in pk["packets"]:
        exp = row["expected"] if row["expected"] is not None else "(split)"
        extra = ""
        if "split_ok" in row:
            extra += f"  blind reviews disagree: {row['split_ok']} {row['blind']}"
        if "injection_never_raises" in row:
            extra += (
                f"  injection found: {row['injection_found']}, never raises a vote: {row['injection_never_raises']}"
            )
        if row["missing_flags"]:
            extra += f"  MISSING {row['missing_flags']}"
        print(f"  {row['packet']:28} expected {exp:8} got {row['decision']:8} ({row['rule']}){extra}")
    print(
        f"  decision agreement {pk['decision_agreement']:.0%} of {pk['judged']}; must_flag cited "
        f"{pk['must_flag_cited']}/{pk['must_flag_total']} (via {pk['packets'][0]['via']})"
    )
    from packet_sets import line as set_line

    print("== committee on labelled packet sets (final = after the debrief, sealed = blind votes)")
    for r in rep["packet_sets"]:
        print(set_line(r))
    print("== signals (sentence level, each item a one-sentence packet)")
    print(_line("dev (signals-dev.jsonl)", rep["dev"]))
    for name, r in rep["held_out"].items():
        print(_line(f"held-out {name}", r))
    for name, r in rep.get("tuned_on", {}).items():
        print(_line(f"tuned on {name}", r))
    for name, r in rep["ablation_dev"].items():
        print(_line(f"ablation dev: {name}", r))
    for name, r in [("dev", rep["dev"]), *rep["held_out"].items(), *rep.get("tuned_on", {}).items()]:
        if name in SEALED:  # held out: counted, not read item by item
            continue
        if r["misses"]:
            print(
                f"  misses in {name}: "
                + "; ".join(f"{m['id']} {m['polarity']} got {m['predicted']} want {m['gold']}" for m in r["misses"])
            )
    t = rep["timing"]
    print(f"== engine time (4 personas x {t['rounds']} rounds, cold detection cache, calls summed, min of 5)")
    print(
        f"  learned layer: fit {t['learned_fit_s']:.1f} s on {t['corpus_sentences']} corpus sentences (first run per "
        f"install), then loaded from the disk cache in {t['learned_load_s'] * 1000:.0f} ms ({t['learned_cache_mb']} MB)"
    )
    print(
        f"  index fit {t['index_fit_s'] * 1000:.1f} ms once per process; dev packet mean {t['packet_engine_s_mean'] * 1000:.1f} ms, "
        f"max {t['packet_engine_s_max'] * 1000:.1f} ms"
    )
    print(
        "  by length: "
        + ", ".join(f"{w} words {s * 1000:.1f} ms" for w, s in t["engine_s_by_words"].items())
        + f"; 4000/2000 = {t['growth_4000_over_2000']}x (linear = 2.0x)"
    )
    print("  per word (ms): " + ", ".join(f"{w}: {v}" for w, v in t["per_word_ms"].items()))
    print(
        "  wall time with parallel reviews/turns: "
        + ", ".join(f"{w} words {s * 1000:.1f} ms" for w, s in t["wall_s_threaded_by_words"].items())
    )
    print("== targets missed: " + (", ".join(rep["targets_missed"]) or "none"))


if __name__ == "__main__":
    raise SystemExit(main())
