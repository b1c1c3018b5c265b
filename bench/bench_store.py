"""Storage under load: SQLite and PostgreSQL side by side.

    python bench/bench_store.py [--procs 4] [--per-proc 10]

For each backend, `--procs` processes each start `--per-proc` offline reviews at once
(threads, each with its own Store connection) on one database: a SQLite file, and a
throwaway PostgreSQL cluster from Debian's package (`tests/pg_service.py`). Prints
runs stored against runs started (none may be lost), throughput (runs per minute of
wall time) and p50/p95 run latency (seconds, one `start_run` each).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PACKETS = ["strong-safety-pm.md", "weak-growth-pm.md", "weak-growth-pm-rev2.md"]


def worker(target: str, n: int) -> None:
    """One process: `n` reviews at once on `target`; prints one JSON line of latencies."""
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.store.runs import Store

    preps = [prepare(read_packet(ROOT / "examples" / PACKETS[i % len(PACKETS)])) for i in range(n)]
    preps[0].engine.warm(lambda _text: None)

    def one(prep) -> float:
        t0 = time.perf_counter()
        with Store(target) as store:
            start_run(store, prep)
        return time.perf_counter() - t0

    with ThreadPoolExecutor(n) as pool:
        print(json.dumps(list(pool.map(one, preps))))


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def measure(name: str, target: str, procs: int, per: int) -> dict:
    from committee.store.runs import Store

    with Store(target):
        pass  # migrations once, before the clock
    t0 = time.perf_counter()
    ps = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", target, str(per)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(procs)
    ]
    outs = [p.communicate(timeout=900) for p in ps]
    wall = time.perf_counter() - t0
    failed = [e.strip().splitlines()[-1:] for p, (_, e) in zip(ps, outs) if p.returncode]
    lat = [x for out, _ in outs if out.strip() for x in json.loads(out.strip().splitlines()[-1])]
    with Store(target) as store:
        rows = store.list_runs(limit=10_000)
    return {
        "backend": name,
        "started": procs * per,
        "stored": sum(r.status == "done" for r in rows),
        "failed_procs": failed,
        "wall_s": wall,
        "runs_per_min": 60 * len(lat) / wall if wall else 0,
        "p50_s": _pct(lat, 0.5) if lat else None,
        "p95_s": _pct(lat, 0.95) if lat else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--per-proc", type=int, default=10)
    ap.add_argument("--worker", nargs=2, metavar=("TARGET", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0
    from tests.pg_service import start_postgres

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(measure("sqlite", str(Path(tmp) / "bench.db"), args.procs, args.per_proc))
    base = Path(tempfile.mkdtemp(prefix="committee-pg-bench-"))
    try:
        server = start_postgres(base)
        try:
            results.append(measure("postgresql", server.new_database(), args.procs, args.per_proc))
        finally:
            server.stop()
    except RuntimeError as exc:
        print(f"postgresql: not measured ({exc})")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(
        f"== storage: {args.procs} processes x {args.per_proc} concurrent offline reviews on one database "
        f"({os.cpu_count()} cores)"
    )
    print(f"  {'backend':11} {'stored':>9} {'wall s':>7} {'runs/min':>9} {'p50 s':>6} {'p95 s':>6}")
    ok = True
    for r in results:
        print(
            f"  {r['backend']:11} {r['stored']:>4} of {r['started']:<3} {r['wall_s']:7.1f} {r['runs_per_min']:9.1f} "
            f"{r['p50_s'] or 0:6.2f} {r['p95_s'] or 0:6.2f}"
            + (f"  failed: {r['failed_procs']}" if r["failed_procs"] else "")
        )
        ok &= r["stored"] == r["started"] and not r["failed_procs"]
    print(f"target: every run stored, no process failed: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
