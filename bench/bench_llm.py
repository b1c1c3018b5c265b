"""Benchmark of the LLM engines against a local stand-in model server, one per adapter.

A stdlib HTTP server on 127.0.0.1 (a thread of this process) answers /v1/messages
(Anthropic) and /v1/chat/completions (OpenAI) with valid replies after a fixed latency
(`committee.engines.llm.fake`). A full committee run goes through each real SDK over a
real socket, pointed at it with ANTHROPIC_BASE_URL / OPENAI_BASE_URL. Printed per adapter:

- wall time of the run against the critical path: sequential LLM stages x latency
  (simultaneous protocol: 1 review stage + 1 stage per round);
- for every request, the share of its prompt that is a prefix shared with an earlier
  request (tools, system, messages, in the order the APIs cache them; the task's output
  schema is sent beside, and is per task: see the README);
- tokens (the fake simulates each API's prompt cache) and cost per persona and per run,
  from the adapter's pricing.yaml.

Targets (issue 12): wall <= 1.2 x critical path at 0.3 s per call (4 personas, 2 rounds);
>= 80% shared prefix on every call after the first. Exit status 1 when a target is missed.

    python bench/bench_llm.py [--latency 0.3] [--rounds 2] [--runs 5] [--packet FILE] [--adapter NAME]

The wall-time target is checked on the median of the timed runs; the cold first run of
the process (imports, first connections, new database tables) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from committee.engines.llm.fake import FakeLLMServer, common_prefix, serve


def prompt_of(api: str, body: dict) -> str:
    """A request's prompt in the order its API caches it: tools, system, messages."""
    tools = json.dumps(body.get("tools"), sort_keys=True) if body.get("tools") else ""
    system = body.get("system") or []
    blocks = [b["text"] for b in system] if isinstance(system, list) else [str(system)]
    msgs = [m["content"] if isinstance(m["content"], str) else json.dumps(m["content"]) for m in body["messages"]]
    return tools + "".join(blocks) + "".join(msgs)


MODELS = {"anthropic": "claude-sonnet-5-5", "openai": "gpt-5.4-mini"}


def run_once(adapter: str, packet: Path, rounds: int, db: Path):
    from committee.graph.runner import prepare, start_run
    from committee.intake.packets import read_packet
    from committee.store.runs import Store

    with Store(db) as store:
        prep = prepare(
            read_packet(packet),
            engine=adapter,
            rounds=rounds,
            protocol="simultaneous",
            engine_options={"concurrency": 4, "model": MODELS[adapter]},
        )
        t0 = time.perf_counter()
        result = start_run(store, prep)
        return result, time.perf_counter() - t0


def bench(adapter: str, args, server) -> bool:
    """Run and print one adapter's figures; True when its targets hold."""
    api = server.api
    stages = 1 + args.rounds  # simultaneous protocol: reviews, then one stage per round
    critical = stages * args.latency
    walls, first = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs + 1):  # run 0 is the cold run (first in this process and database)
            api.seen.clear()
            result, wall = run_once(adapter, args.packet, args.rounds, Path(tmp) / "bench.db")
            walls.append(wall)
            first = first if i else result
            calls = sorted(api.seen, key=lambda s: s.start)
    cold, timed = walls[0], sorted(walls[1:])
    median = timed[len(timed) // 2] if len(timed) % 2 else sum(timed[len(timed) // 2 - 1 : len(timed) // 2 + 1]) / 2

    prompts = [prompt_of(s.api, s.body) for s in calls]
    shares, rows = [], []
    for i, (s, p) in enumerate(zip(calls, prompts)):
        shared = max((common_prefix(p, q) for q in prompts[:i]), default=0)
        share = shared / len(p)
        rows.append((i + 1, s.kind, s.round, s.persona, len(p), share, s.mode))
        if i:
            shares.append(share)

    print(
        f"\n=== {adapter}: stand-in {('Messages' if adapter == 'anthropic' else 'Chat Completions')} API on "
        f"127.0.0.1, {args.latency:.2f} s per call; simultaneous protocol, {len(result.personas)} personas, "
        f"{args.rounds} rounds; {len(calls)} calls per run"
    )
    print(f"{'#':>3} {'call':<6} {'rnd':>3} {'persona':<15} {'prompt B':>9} {'shared prefix':>14} mode")
    for n, kind, rnd, persona, size, share, mode in rows:
        print(f"{n:>3} {kind:<6} {rnd:>3} {persona:<15} {size:>9} {share:>13.1%} {mode}")
    for label, r in (("cold run", first), ("last run", result)):
        u = r.usage
        print(
            f"tokens, {label} (simulated cache, ~4 B/token): input {u.input_tokens}, cache write "
            f"{u.cache_creation_input_tokens}, cache read {u.cache_read_input_tokens}, output {u.output_tokens}; "
            f"cost ${u.cost_usd:.4f} per run at {r.engine.model} prices"
        )
    per = ", ".join(f"{p} ${u.cost_usd:.4f}" for p, u in result.usage_by_persona.items())
    print(f"cost per persona (last run): {per}")
    print(f"critical path: {stages} stages x {args.latency:.2f} s = {critical:.2f} s")
    print(
        f"wall, median of {len(timed)} runs: {median:.3f} s = {median / critical:.2f} x critical path "
        f"(best {timed[0]:.3f}, worst {timed[-1]:.3f}); cold first run {cold:.3f} s = {cold / critical:.2f} x"
    )
    min_share = min(shares) if shares else 1.0
    mean_share = sum(shares) / len(shares) if shares else 1.0
    print(f"shared prefix, calls 2..{len(calls)}: min {min_share:.1%}, mean {mean_share:.1%}")
    ok_wall = median <= 1.2 * critical
    ok_prefix = min_share >= 0.80
    print(f"target wall <= 1.2 x critical path (median): {'PASS' if ok_wall else 'FAIL'}")
    print(f"target >= 80% shared prefix after the first call: {'PASS' if ok_prefix else 'FAIL'}")
    return ok_wall and ok_prefix


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--latency", type=float, default=0.3, help="seconds per API call (default 0.3)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5, help="timed runs after the cold one (default 5)")
    ap.add_argument("--packet", type=Path, default=ROOT / "examples" / "strong-safety-pm.md")
    ap.add_argument(
        "--adapter",
        choices=["anthropic", "openai"],
        action="append",
        help="only this adapter (repeatable; default both)",
    )
    args = ap.parse_args()

    api = FakeLLMServer(latency=args.latency)  # 2-2 split votes: every round runs
    server = serve(api)
    server.api = api
    base = f"http://127.0.0.1:{server.server_address[1]}"
    os.environ["ANTHROPIC_BASE_URL"] = base
    os.environ["OPENAI_BASE_URL"] = base + "/v1"
    os.environ["ANTHROPIC_API_KEY"] = "bench-not-a-real-key"  # never send a real key, even to loopback
    os.environ["OPENAI_API_KEY"] = "bench-not-a-real-key"
    ok = [bench(adapter, args, server) for adapter in (args.adapter or ["anthropic", "openai"])]
    server.shutdown()
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
