"""Faults and parallelism of the anthropic engine, through the real SDK and a mocked
transport: the SDK retries 429/529/5xx/timeouts, what still fails is EngineFailed,
400 is not retried, and the concurrency limit holds while calls overlap."""

from __future__ import annotations

import httpx2
import pytest

from committee.catalog import default_catalog
from committee.engines.anthropic import AnthropicEngine
from committee.engines.llm.fake import FakeLLMServer
from committee.errors import EngineFailed
from committee.graph.runner import prepare, start_run
from committee.intake.packets import read_packet
from committee.models import Context
from tests.conftest import EXAMPLES
from tests.fakes import with_transport

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
FAST = {"retry-after-ms": "1"}  # the SDK honours it: retries without the 0.5 s backoff


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-faults")


@pytest.fixture
def ctx() -> Context:
    cat = default_catalog()
    packet = read_packet(EXAMPLES / "borderline-api-pm.md")
    scenario = cat.scenario("safety-pm")
    return Context(
        packet=packet,
        scenario=scenario,
        signals={s: cat.signals[s] for s in scenario.signals},
        panel={p: cat.persona(p) for p in PANEL},
    )


def _engine(fake, **options):
    return AnthropicEngine(http_client=fake.client(), **options)


def test_429_then_200_is_retried_by_the_sdk(ctx):
    fake = FakeLLMServer()
    fake.on(kind="review", status=429, headers=FAST, times=1)
    review, usage = _engine(fake, max_retries=2).review(ctx, ctx.panel["vp-product"])
    assert review.persona == "vp-product"
    assert [s.status for s in fake.seen] == [429, 200]
    assert fake.seen[1].headers["x-stainless-retry-count"] == "1"
    assert usage.calls == 1  # one logical call; the retry is the SDK's


def test_529_overloaded_then_200(ctx):
    fake = FakeLLMServer()
    fake.on(kind="review", status=529, headers=FAST, times=2)
    _engine(fake, max_retries=2).review(ctx, ctx.panel["safety-lead"])
    assert [s.status for s in fake.seen] == [529, 529, 200]


def test_529_that_never_ends_is_engine_failed_after_max_retries(ctx):
    fake = FakeLLMServer()
    fake.on(status=529, headers=FAST, times=None)
    with pytest.raises(EngineFailed, match=r"review by safety-lead: HTTP 529 overloaded_error after retries"):
        _engine(fake, max_retries=3).review(ctx, ctx.panel["safety-lead"])
    assert fake.count() == 4  # first try + 3 retries


def test_500_then_200(ctx):
    fake = FakeLLMServer()
    fake.on(status=500, headers=FAST, times=1)
    _engine(fake, max_retries=1).review(ctx, ctx.panel["research-lead"])
    assert [s.status for s in fake.seen] == [500, 200]


def test_timeouts_are_retried_then_reported(monkeypatch, ctx):
    monkeypatch.setattr("anthropic._base_client.INITIAL_RETRY_DELAY", 0.001)  # no headers on a timeout
    fake = FakeLLMServer()
    fake.on(error=httpx2.ReadTimeout("scripted timeout"), times=1)
    review, _ = _engine(fake, max_retries=1, timeout=5).review(ctx, ctx.panel["hiring-manager"])
    assert review.persona == "hiring-manager" and [s.status for s in fake.seen] == [0, 200]
    fake.on(error=httpx2.ReadTimeout("scripted timeout"), times=None)
    with pytest.raises(EngineFailed, match="timed out after 5.0 s"):
        _engine(fake, max_retries=1, timeout=5).review(ctx, ctx.panel["hiring-manager"])


def test_400_is_not_retried(ctx):
    fake = FakeLLMServer()
    fake.on(status=400, times=None)
    with pytest.raises(EngineFailed, match="HTTP 400 invalid_request_error: scripted failure") as info:
        _engine(fake, max_retries=3).review(ctx, ctx.panel["vp-product"])
    assert "after retries" not in str(info.value)
    assert fake.count() == 1


def test_graph_runs_reviews_and_turns_concurrently(monkeypatch, store):
    # 0.6 s a call: long enough that all four of a stage are in flight together even when
    # a loaded machine starts the threads late (at 0.25 s this failed once under load)
    fake = FakeLLMServer(latency=0.6)

    with_transport(monkeypatch, "anthropic", fake)
    prep = prepare(
        read_packet(EXAMPLES / "strong-safety-pm.md"), engine="anthropic", rounds=2, engine_options={"concurrency": 4}
    )
    result = start_run(store, prep)
    assert len(result.debrief) == 8 and fake.count() == 12
    for kind, rnd in (("review", 0), ("turn", 1), ("turn", 2)):
        stage = [s for s in fake.seen if s.kind == kind and s.round == rnd]
        assert len(stage) == 4
        assert max(s.start for s in stage) < min(s.end for s in stage), f"{kind} {rnd}: requests did not overlap"
    # the wall time of concurrent stages is a bench figure (bench/bench_llm.py), not a test


def _max_overlap(seen) -> int:
    events = sorted([(s.start, 1) for s in seen] + [(s.end, -1) for s in seen], key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def test_concurrency_limit_caps_simultaneous_requests(monkeypatch, store):
    fake = FakeLLMServer(latency=0.15)

    with_transport(monkeypatch, "anthropic", fake)
    prep = prepare(
        read_packet(EXAMPLES / "strong-safety-pm.md"), engine="anthropic", rounds=1, engine_options={"concurrency": 2}
    )
    start_run(store, prep)
    reviews = [s for s in fake.seen if s.kind == "review"]
    assert _max_overlap(reviews) == 2, "the limit must allow 2 at once and no more"
    assert _max_overlap(fake.seen) <= 2


def test_failure_beside_finishing_siblings_keeps_their_results_for_resume(monkeypatch, store):
    """A persona call failing for good while its siblings are finishing: LangGraph shuts
    the step's pool down as the siblings return, which used to drop some of their
    checkpoint writes (about 1 run in 4), so `resume` repeated successful calls."""
    from committee.graph.runner import resume_run

    for i in range(10):
        fake = FakeLLMServer()
        fake.on(kind="review", persona="safety-lead", status=529, headers=FAST, times=2)
        with_transport(monkeypatch, "anthropic", fake)
        prep = prepare(
            read_packet(EXAMPLES / "strong-safety-pm.md"), engine="anthropic", engine_options={"max_retries": 1}
        )
        with pytest.raises(EngineFailed, match="529"):
            start_run(store, prep, run_id=f"race-{i}")
        assert fake.count(kind="review", ok=True) == 3
        resume_run(store, f"race-{i}")
        assert {p: fake.count(kind="review", persona=p, ok=True) for p in PANEL} == dict.fromkeys(PANEL, 1), f"run {i}"
        assert fake.count(ok=True) == 12
