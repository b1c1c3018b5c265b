"""Follow-up questions on labelled packets that leave one must-pass dimension silent.

    python bench/questions.py [DIR ...] [--json]

Each DIR holds packets `KEY.md` written (by writers who never saw the engine) to be
strong apart from one must-pass rubric dimension they leave silent, each with
`KEY.answers.yaml`: `silent_dimension`, a `good_answer`, a `bad_answer` and the red flags
the bad answer holds (`bad_flags`). Without DIR, every `bench/sealed/questions-*` set is
measured. Only totals are printed (the sets are sealed: nobody tunes on their items).

Per packet, with the offline engine and a temporary database:
- a one-shot run (no questions): its decision and blind votes are "before";
- a run with questions: whether any question was asked, and one on the silent dimension;
- three answered runs (each from its own waiting run): the good answer, the bad answer
  and an empty one, given to the question on the silent dimension (or, when none was
  asked about it, to every question: the candidate answers what was asked).

Figures (issue 17's targets): the share of packets whose good answer gives a Hire
decision (>= 0.80; with how many good answers turned a No Hire into a Hire, and the
reverse); votes a bad answer raised over the one-shot votes, blind or final
(0); packets whose votes an empty answer changed (0).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml

from committee.graph.runner import answer_run, prepare, start_run
from committee.intake.packets import read_packet
from committee.models import AwaitingAnswers
from committee.store.runs import Store

SETS = ROOT / "bench" / "sealed"
TARGETS = {"good_to_hire": 0.80, "bad_raised_votes": 0, "empty_changed_packets": 0}


def _answers(out: AwaitingAnswers, silent: str, text: str) -> dict[str, str]:
    on_silent = [q.id for q in out.questions if q.dimension == silent]
    return {q.id: text for q in out.questions if not on_silent or q.id in on_silent}


def measure(folder: Path) -> dict:
    """Totals for one folder of packets (see the module docstring)."""
    n = asked = asked_silent = good_hire = hire_before = bad_raised = bad_packets = empty_changed = 0
    turned = lost = 0  # good answers that turned a No Hire into a Hire, and a Hire into a No Hire
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        for path in sorted(folder.glob("*.md")):
            labels = yaml.safe_load(path.with_suffix(".answers.yaml").read_text(encoding="utf-8"))
            packet = read_packet(path)
            n += 1
            plain = start_run(store, prepare(packet))
            hire_before += plain.decision.outcome == "hire"
            before_blind = {r.persona: r.vote.points for r in plain.reviews}
            before_final = {p: v.points for p, v in plain.votes.items()}
            first = start_run(store, prepare(packet, questions=True))
            if not isinstance(first, AwaitingAnswers):
                good_hire += first.decision.outcome == "hire"  # nothing asked: the decision stands
                continue
            asked += 1
            asked_silent += any(q.dimension == labels["silent_dimension"] for q in first.questions)
            good = answer_run(store, first.run_id, _answers(first, labels["silent_dimension"], labels["good_answer"]))
            good_hire += good.decision.outcome == "hire"
            turned += plain.decision.outcome == "no_hire" and good.decision.outcome == "hire"
            lost += plain.decision.outcome == "hire" and good.decision.outcome == "no_hire"
            waiting = start_run(store, prepare(packet, questions=True))
            bad = answer_run(store, waiting.run_id, _answers(waiting, labels["silent_dimension"], labels["bad_answer"]))
            raised = sum(r.vote.points > before_blind[r.persona] for r in bad.reviews) + sum(
                v.points > before_final[p] for p, v in bad.votes.items()
            )
            bad_raised += raised
            bad_packets += raised > 0
            waiting = start_run(store, prepare(packet, questions=True))
            empty = answer_run(store, waiting.run_id, dict.fromkeys((q.id for q in waiting.questions), ""))
            empty_changed += {p: v.points for p, v in empty.votes.items()} != before_final
    return {
        "set": folder.name,
        "packets": n,
        "hire_before": round(hire_before / n, 2) if n else None,
        "asked": asked,
        "asked_on_silent_dimension": asked_silent,
        "good_to_hire": round(good_hire / n, 2) if n else None,
        "good_turned_to_hire": turned,
        "good_turned_to_no_hire": lost,
        "bad_raised_votes": bad_raised,
        "bad_packets_with_a_raised_vote": bad_packets,
        "empty_changed_packets": empty_changed,
        "wall_s": round(time.perf_counter() - t0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true", help="one JSON object per set")
    args = ap.parse_args()
    dirs = args.dirs or sorted(p for p in SETS.glob("questions-*") if p.is_dir())
    if not dirs:
        sys.exit("no question sets found (bench/sealed/questions-*)")
    for d in dirs:
        row = measure(d)
        if args.json:
            print(json.dumps(row))
            continue
        print(
            f"{row['set']}: {row['packets']} packets · Hire before answers {row['hire_before']:.2f} · "
            f"asked {row['asked']} (on the silent dimension {row['asked_on_silent_dimension']}) · "
            f"good answer -> Hire {row['good_to_hire']:.2f} (target >= {TARGETS['good_to_hire']:.2f}; "
            f"No Hire -> Hire {row['good_turned_to_hire']}, Hire -> No Hire {row['good_turned_to_no_hire']}) · "
            f"votes a bad answer raised {row['bad_raised_votes']} on {row['bad_packets_with_a_raised_vote']} packets "
            f"(target 0) · packets an empty answer changed {row['empty_changed_packets']} (target 0) · "
            f"{row['wall_s']} s"
        )


if __name__ == "__main__":
    main()
