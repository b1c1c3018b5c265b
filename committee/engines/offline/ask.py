"""Follow-up questions of the offline engine: what a persona asks the candidate after its
blind review, chosen where an answer could move its vote.

A persona considers three kinds of question (`models.Question.kind`):

- `silent-dimension`: a must-pass dimension (scenario `rules.must_pass`) on which it
  read no evidence at all;
- `unsure-reading`: a red reading it noticed that is not sure (`detect.judge`: weak,
  contradicted or an admission);
- `unanswered-prompt`: a case prompt of the scenario the packet does not appear to
  answer (`decision.feedback.unanswered_prompts`).

Each is tested against the persona's own scoring (`review.verdict`) with the best answer
it could get: two strong green readings on the silent dimension (or, for a prompt, on
the dimension the persona weighs most that is not yet at 4), or the unsure reading taken
away. A question whose best answer would not raise the vote is not asked, so a persona
whose vote no answer could move asks nothing. Of the rest the persona asks the one that
would move its vote most (ties: the kinds in the order above).
"""

from __future__ import annotations

from committee.decision.feedback import signal_title, unanswered_prompts
from committee.engines.offline.detect import Hit
from committee.engines.offline.review import Analysis, analyse, reading, verdict
from committee.intake.sentences import short_quote
from committee.models import Context, Persona, Question, Review

KIND_ORDER = ("silent-dimension", "unsure-reading", "unanswered-prompt")
ANSWER_SECTION = "Follow-up answers"
IMAGINED = 2  # green readings a good answer is imagined to bring (review.BREADTH_FOR_4: enough for a 4)


def _imagined_greens(ctx: Context, dimension: str) -> list[Hit]:
    """What a strong answer on `dimension` is imagined to add: up to IMAGINED distinct
    green signals of the scenario on that dimension, each a firm reading of strength 1."""
    greens = [s for s in ctx.signals.values() if s.polarity == "green" and s.dimension == dimension]
    return [Hit(s.id, "green", dimension, -1, "", 1.0, -1, "cue", section=ANSWER_SECTION) for s in greens[:IMAGINED]]


def _with(analysis: Analysis, hits: list[Hit]) -> Analysis:
    return Analysis(hits, analysis.integrity, analysis.short)


def _gain(ctx: Context, persona: Persona, base: Analysis, imagined: Analysis) -> int:
    """How many vote points the imagined answer would win (0 or less: none)."""
    return verdict(ctx, persona, imagined).vote.points - verdict(ctx, persona, base).vote.points


def candidates(ctx: Context, persona: Persona, analysis: Analysis) -> list[tuple[int, Question]]:
    """Every question `persona` could ask with the vote points its best answer would win
    (only those that win at least one), best first. `analysis` is the packet's reading
    (`review.analyse`); the persona's own reading of it is taken here. Ids are left "q"."""
    own = reading(ctx, persona, analysis)
    sc = verdict(ctx, persona, own)
    out: list[tuple[int, Question]] = []
    read_on = {h.dimension for h in own.hits}
    for dim in ctx.scenario.dimensions:
        if dim.id not in ctx.scenario.rules.must_pass or dim.id in read_on:
            continue
        gain = _gain(ctx, persona, own, _with(own, own.hits + _imagined_greens(ctx, dim.id)))
        if gain > 0:
            text = (
                f"I could not read anything in your packet that I can weigh on {dim.name.lower()}, which this committee must see. "
                f"What would you tell us? A strong answer shows {dim.strong_answer}."
            )
            out.append((gain, Question(id="q", persona=persona.id, dimension=dim.id, text=text)))
    seen: set[str] = set()
    for h in own.hits:
        if h.polarity != "red" or h.sure or h.signal in seen:
            continue
        seen.add(h.signal)
        gain = _gain(ctx, persona, own, _with(own, [x for x in own.hits if not (x.signal == h.signal and not x.sure)]))
        if gain > 0:
            text = (
                f"You wrote \u201c{short_quote(h.quote, 160)}\u201d. I read it as \u201c{signal_title(h.signal, ctx)}\u201d, "
                f"but not firmly. What did you mean, and what would you do?"
            )
            asked = Question(
                id="q", persona=persona.id, dimension=h.dimension, text=text, kind="unsure-reading", quote=h.quote
            )
            out.append((gain, asked))
    below_4 = [d for d in ctx.scenario.dimensions if sc.scores.get(d.id, 0) < 4]
    if below_4:
        top = max(below_4, key=lambda d: persona.weights.get(d.id, 0.0))
        for prompt in unanswered_prompts(ctx):
            gain = _gain(ctx, persona, own, _with(own, own.hits + _imagined_greens(ctx, top.id)))
            if gain > 0:
                text = f"The packet does not seem to answer \u201c{prompt.title}\u201d. {prompt.prompt}"
                asked = Question(
                    id="q",
                    persona=persona.id,
                    dimension=top.id,
                    text=text,
                    kind="unanswered-prompt",
                    case_prompt=prompt.id,
                )
                out.append((gain, asked))
            break  # one prompt is enough to ask about: the first the packet leaves open
    out.sort(key=lambda gq: (-gq[0], KIND_ORDER.index(gq[1].kind)))
    return out


def ask_question(ctx: Context, persona: Persona, review: Review) -> Question | None:
    """The one question `persona` asks after its blind `review` (see the module
    docstring), or None when no answer could move its vote."""
    found = candidates(ctx, persona, analyse(ctx))
    return found[0][1] if found else None
