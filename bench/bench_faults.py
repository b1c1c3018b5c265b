"""Kill and interrupt bench: Ctrl-Cs and `kill -9`s at random points of real runs.

Each trial starts `committee review --engine anthropic` in its own process against a
local stand-in server (`committee.engines.llm.fake`, 0.4-1.4 s per call, so a run
takes several seconds), sends SIGINT (once or twice) or SIGKILL at a random moment,
then runs `committee resume latest`. It prints, per kind of signal:

- calls repeated: a call that had returned (200, ended at least 0.1 s before the
  signal) and was made again by the resume. Target 0.
- tracebacks: any "Traceback" on stderr of either process. Target 0.
- stuck: runs not `done` after the resume. Target 0.
- exit after SIGINT: seconds from the first signal to the process's exit (p50, p95),
  and the exit codes: 130 when the run was stopped, 0 when it reached its decision
  before the calls in flight could be cancelled (a Ctrl-C during the last steps).

Usage: python bench/bench_faults.py [--interrupts 20] [--kills 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from committee.engines.llm.fake import FakeLLMServer, serve

PACKET = ROOT / "examples" / "strong-safety-pm.md"
SLACK_S = 0.1  # a call that returned this close to a SIGKILL may not have reached the checkpoint


def _ok_calls(fake: FakeLLMServer, before: float | None = None) -> collections.Counter:
    return collections.Counter(
        (s.kind, s.persona, s.round)
        for s in fake.seen
        if s.status == 200 and not s.repair and (before is None or s.end < before - SLACK_S)
    )


def trial(kind: str, rng: random.Random, tmp: Path, i: int) -> dict:
    """One run, one signal (`kind` "int" or "kill"), one resume; what it measured."""
    fake = FakeLLMServer(latency=0.4 + rng.random())
    server = serve(fake)
    server.handle_error = lambda request, address: None  # a killed client resets its connection: expected here
    db = tmp / f"{kind}-{i}.db"
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "ANTHROPIC_API_KEY": "sk-ant-bench-faults-0001",
        "COMMITTEE_DB": str(db),
    }
    cmd = [sys.executable, "-m", "committee", "review", str(PACKET), "--engine", "anthropic", "--max-retries", "0"]
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        time.sleep(2.0 + rng.random() * 6)
        signals = rng.choice([1, 2]) if kind == "int" else 1
        t_signal = time.perf_counter()  # the fake's clock
        t0 = time.monotonic()
        for _ in range(signals):
            proc.send_signal(signal.SIGINT if kind == "int" else signal.SIGKILL)
            time.sleep(0.15)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        exit_s = time.monotonic() - t0
        returned = _ok_calls(fake, t_signal)
        resumed = subprocess.run(
            [sys.executable, "-m", "committee", "resume", "latest"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=180,
        )
        every = _ok_calls(fake)
        statuses = None  # the signal came before the run was stored: nothing to resume
        if db.exists():
            with sqlite3.connect(db) as conn:
                if conn.execute("SELECT 1 FROM sqlite_master WHERE name='runs'").fetchone():
                    statuses = [s for (s,) in conn.execute("SELECT status FROM runs")]
    finally:
        server.shutdown()
    return {
        "kind": kind,
        "signals": signals,
        "exit_s": exit_s,
        "returncode": proc.returncode,
        "repeated": sum(1 for call in returned if every[call] > 1),
        "tracebacks": ("Traceback" in err) + ("Traceback" in resumed.stderr),
        "stuck": sum(1 for s in statuses or [] if s != "done"),
        "stored": statuses is not None and bool(statuses),
        "resume_rc": resumed.returncode if statuses else 0,
    }


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interrupts", type=int, default=20, help="trials with Ctrl-C (SIGINT, once or twice)")
    ap.add_argument("--kills", type=int, default=20, help="trials with kill -9 (SIGKILL)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    plan = ["int"] * args.interrupts + ["kill"] * args.kills
    rng.shuffle(plan)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        for i, kind in enumerate(plan, 1):
            r = trial(kind, rng, Path(tmp), i)
            results.append(r)
            print(
                f"  {i:>2}/{len(plan)} {kind:<4} x{r['signals']} exit {r['exit_s']:.2f} s rc {r['returncode']:>4}"
                f"  repeated {r['repeated']}  tracebacks {r['tracebacks']}  stuck {r['stuck']}  resume rc {r['resume_rc']}",
                flush=True,
            )
    print("\nkill/interrupt bench (2 cores; stand-in server 0.4-1.4 s per call)")
    for kind, title in (("int", "Ctrl-C (SIGINT x1-2)"), ("kill", "kill -9 (SIGKILL)")):
        rows = [r for r in results if r["kind"] == kind]
        if not rows:
            continue
        exits = [r["exit_s"] for r in rows]
        line = (
            f"  {title:<22} n={len(rows):>2}  calls repeated {sum(r['repeated'] for r in rows)}"
            f"  tracebacks {sum(r['tracebacks'] for r in rows)}  stuck {sum(r['stuck'] for r in rows)}"
            f"  resume failed {sum(1 for r in rows if r['resume_rc'] != 0)}"
            f"  before the run was stored {sum(1 for r in rows if not r['stored'])}"
        )
        if kind == "int":
            line += (
                f"  exit 130 (stopped) {sum(1 for r in rows if r['returncode'] == 130)}, 0 (the run ended first)"
                f" {sum(1 for r in rows if r['returncode'] == 0)}, other"
                f" {sum(1 for r in rows if r['returncode'] not in (0, 130))}"
                f"  signal to exit p50 {statistics.median(exits):.2f} s p95 {_pct(exits, 95):.2f} s"
            )
        print(line)


if __name__ == "__main__":
    main()
