"""Engines for the trust tests (importable by the other test_trust_* files), plus tests
that pin the fakes themselves, so a broken fake cannot make a trust test pass."""

from __future__ import annotations

import random
import re
import threading

import pytest

from committee.engines.base import Engine
from committee.models import Context, DebriefTurn, Evidence, Review, TurnRequest, Usage, Vote
from tests.fakes import register as register_engine

PANEL = ["research-lead", "safety-lead", "vp-product", "hiring-manager"]
VOTES = [v.value for v in Vote]


def _first_sentence(text: str) -> tuple[str, int]:
    line = next(ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    quote = line.strip()[:60]
    return quote, text.index(quote)


def _review(ctx: Context, persona: str, vote: Vote, evidence: list[Evidence] | None = None) -> Review:
    score = 3 if vote.is_hire else 2
    if evidence is None:
        q, s = _first_sentence(ctx.packet.text)
        evidence = [Evidence(quote=q, signal="threat-model-first", polarity="green", start=s)]
    return Review(
        persona=persona,
        vote=vote,
        scores={d.id: score for d in ctx.scenario.dimensions},
        evidence=evidence,
        summary=f"{persona} votes {vote.label}.",
        confidence=0.6,
    )


def _hold(req: TurnRequest) -> DebriefTurn:
    return DebriefTurn(round=req.round, speaker=req.speaker, move="hold", text="I hold.", vote=req.votes[req.speaker])


class VaryingEngine(Engine):
    """An LLM-like engine: every review is an independent, seeded draw. Persona `p`'s
    n-th review draws its vote from `weights[p]` (probabilities over the four votes)
    with `random.Random(f"{seed}:{p}:{n}")`, so a test can recompute every vote. Turns
    hold (final vote = sealed vote). `given` records the sealed votes per persona;
    `seen_orders` the speaking order of each round-robin round; `first_sections` the
    first section title of every packet reviewed."""

    name = "varying"
    model = "sample-1"

    def __init__(self, weights: dict[str, list[float]], seed: int = 0):
        self.weights = weights
        self.seed = seed
        self.n: dict[str, int] = {}
        self.given: dict[str, list[str]] = {p: [] for p in weights}
        self.turns: list[tuple[int, str]] = []
        self.first_sections: list[str] = []
        self.packets: list[str] = []
        self._lock = threading.Lock()

    def draw(self, persona: str, n: int) -> Vote:
        rng = random.Random(f"{self.seed}:{persona}:{n}")
        return Vote(rng.choices(VOTES, weights=self.weights[persona])[0])

    def review(self, ctx: Context, persona) -> tuple[Review, Usage]:
        with self._lock:
            n = self.n.get(persona.id, 0)
            self.n[persona.id] = n + 1
            vote = self.draw(persona.id, n)
            self.given[persona.id].append(vote.value)
            if persona.id == PANEL[0]:
                self.first_sections.append(ctx.packet.sections[0].title if ctx.packet.sections else "")
                self.packets.append(ctx.packet.text)
        return _review(ctx, persona.id, vote), Usage(calls=1, input_tokens=100, output_tokens=20)

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        with self._lock:
            self.turns.append((req.round, req.speaker))
        return _hold(req), Usage(calls=1)


class FirstSectionEngine(Engine):
    """Order-sensitive on purpose: every persona votes hire when the packet's first
    section is titled `hire_when_first`, else no_hire (a primacy effect)."""

    name = "first-section"

    def __init__(self, hire_when_first: str):
        self.hire_when_first = hire_when_first

    def review(self, ctx, persona):
        first = ctx.packet.sections[0].title if ctx.packet.sections else ""
        vote = Vote.hire if first == self.hire_when_first else Vote.no_hire
        return _review(ctx, persona.id, vote), Usage()

    def speak(self, ctx, req):
        return _hold(req), Usage()


class FlipEngine(Engine):
    """Sealed votes from `sealed`; in the first debrief round each persona moves to its
    vote in `final` (with a reason when it changed) and holds afterwards. The plan is
    chosen per packet key: `plans[key] = (sealed, final)`."""

    name = "flip"

    def __init__(self, plans: dict[str, tuple[dict[str, str], dict[str, str]]]):
        self.plans = plans

    def review(self, ctx, persona):
        sealed, _ = self.plans[ctx.packet.key]
        return _review(ctx, persona.id, Vote(sealed[persona.id])), Usage()

    def speak(self, ctx, req):
        _, final = self.plans[ctx.packet.key]
        mine = req.votes[req.speaker]
        new = Vote(final[req.speaker])
        if new == mine:
            return _hold(req), Usage()
        return DebriefTurn(
            round=req.round,
            speaker=req.speaker,
            move="concede",
            text="I move.",
            vote=new,
            previous_vote=mine,
            reason="scripted change",
        ), Usage()


class KeywordEngine(Engine):
    """A tiny labelled-world engine for calibration: a sentence with `growth` is cited
    as red `growth-north-star`, one with `pricing` as red `pay-for-weaker-safety`;
    a persona votes no_hire when it cites a red flag, except `vp-product`, who always
    votes hire (a persona that disagrees with the labels)."""

    name = "keyword"
    RULES = [
        (re.compile(r"[^.\n]*\bgrowth\b[^.\n]*"), "growth-north-star"),
        (re.compile(r"[^.\n]*\bpricing\b[^.\n]*"), "pay-for-weaker-safety"),
    ]

    def review(self, ctx, persona):
        text = ctx.packet.text
        ev = []
        for rx, sid in self.RULES:
            m = rx.search(text)
            if m:
                q = m.group(0).strip()
                ev.append(Evidence(quote=q, signal=sid, polarity="red", start=text.index(q)))
        vote = Vote.no_hire if ev and persona.id != "vp-product" else Vote.hire
        return _review(ctx, persona.id, vote, ev or None), Usage()

    def speak(self, ctx, req):
        return _hold(req), Usage()


class NameBiasedEngine(Engine):
    """Biased on purpose: the research lead votes no_hire when the candidate is
    `biased_against`, hire otherwise; everybody else votes hire."""

    name = "name-biased"

    def __init__(self, biased_against: str):
        self.biased_against = biased_against

    def review(self, ctx, persona):
        vote = Vote.hire
        if persona.id == "research-lead" and ctx.packet.candidate == self.biased_against:
            vote = Vote.strong_no_hire
        return _review(ctx, persona.id, vote), Usage()

    def speak(self, ctx, req):
        return _hold(req), Usage()


@pytest.fixture
def register(monkeypatch):
    """`register(engine)` makes `make_engine(engine.name)` return that instance."""

    def _reg(engine: Engine) -> str:
        register_engine(monkeypatch, engine.name, lambda: engine)
        return engine.name

    return _reg


# ----------------------------------------------------------- the fakes themselves


def test_varying_engine_draws_are_reproducible_and_vary():
    a = VaryingEngine({"p": [0.25, 0.25, 0.25, 0.25]}, seed=3)
    b = VaryingEngine({"p": [0.25, 0.25, 0.25, 0.25]}, seed=3)
    draws_a = [a.draw("p", n).value for n in range(40)]
    assert draws_a == [b.draw("p", n).value for n in range(40)]
    assert len(set(draws_a)) >= 3  # it really varies


def test_varying_engine_respects_zero_weights():
    e = VaryingEngine({"p": [0, 1, 0, 0]})
    assert {e.draw("p", n).value for n in range(30)} == {"hire"}
