"""A persona's blind review: dimension scores from the evidence, a vote, a summary.

Scoring, per rubric dimension d of the scenario (persona-specific through weights):

- each piece of evidence on d contributes its strength x the persona's signal weight
  (`signal_weights` amplify what the persona tracks; background sections such as the
  resume count at BACKGROUND_FACTOR); several hits of one signal add with diminishing
  returns;
- a persona is more exacting on the dimensions it weighs above its own mean weight:
  greens count for less and reds for more there (factor sqrt(w_d / mean w), clipped to
  EXACTING), so on the same thin evidence the safety lead scores alignment lower than
  VP Product does;
- value v_d = GREEN_GAIN * greens / exacting - RED_LOSS * reds * exacting, clipped to
  [-1, 1]; with no evidence at all v_d is slightly negative, more so on dimensions the
  persona weighs and on the scenario's must-pass dimensions (silence is not rewarded);
- the 1..4 score is v_d in bands, graded: a 4 needs at least BREADTH_FOR_4 distinct
  green signals on the dimension and no red there (one good sentence is a 3, not a
  4); a 1 needs a red flag the persona tracks (`signal_weights`/`hard_lines`), two
  red flags, or a red on a dimension it weighs at least at its mean (silence, or one
  untracked red on a dimension it weighs less, is a 2);
- the overall is the persona-weighted mean of v_d minus a small drag per red flag; the
  vote comes from the overall in bands;
- caps: a red signal in the persona's `hard_lines` caps the vote at no_hire
  (strong_no_hire when the hit is strong and the persona weighs that signal, or two
  hard lines are crossed); integrity concerns cap it at no_hire and can only lower it
  (and count as a red flag on the scenario's `conduct.integrity_penalised` dimensions);
  a packet too short to judge (rubric.SHORT_PACKET_WORDS) cannot earn a hire and is at
  most neutral on the scenario's `conduct.short_capped` dimensions.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from committee.decision.feedback import signal_title
from committee.decision.rules import failed_dimensions
from committee.engines.offline.detect import Hit, detect_cached
from committee.engines.offline.rubric import is_background, rubric_cues, rubric_hits, too_short
from committee.engines.offline.text import split_sentences
from committee.intake.quotes import find_quote
from committee.intake.sentences import short_quote
from committee.models import Context, Evidence, Persona, Review, Signal, Vote

GREEN_GAIN = 0.5
RED_LOSS = 0.9
RED_DRAG = 0.06  # overall penalty per (weighted) red flag, on top of its dimension
BACKGROUND_FACTOR = 0.6  # resume lines say who the candidate is, less how they reason
SILENCE = 0.15  # base penalty for a dimension with no evidence
MUST_PASS_SILENCE = 1.5  # silence on a must-pass dimension (values, alignment) costs more
INTEGRITY_STRENGTH = 1.0
HARD_LINE_STRENGTH = 0.75  # a hard line is crossed by clear evidence only: any concept-cue hit
# (strength >= 0.7 + similarity) or a learned hit at probability >= 0.6
SCORE_BANDS = ((-0.6, 1), (0.2, 2), (0.6, 3))  # v <= -0.6 -> 1, < 0.2 -> 2, < 0.6 -> 3, else 4
EXACTING = (0.8, 1.35)  # range of sqrt(dimension weight / persona's mean weight)
BREADTH_FOR_4 = 2  # distinct green signals a dimension needs for a 4
VOTE_BANDS = ((0.45, Vote.strong_hire), (0.05, Vote.hire), (-0.35, Vote.no_hire))
UNSURE_FACTOR = {"weak": 0.5, "admission": 0.5, "contradicted": 0.25}
# the weight of a red reading that is not sure (detect.judge); it never
# decides a verdict alone, and one the packet contradicts counts least

# The numbers below were set by hand with the rest of the scoring when the offline engine
# was written (commit 0cab4a5) and have been held since by the bench totals
# (bench/packet_sets.py on the sealed sets; engines/offline/README.md "Scoring").
UNSURE_DEFAULT = 0.5  # an unsure red reading with a concern not in UNSURE_FACTOR counts as a weak one
REPEAT_SHARE = 0.3  # further hits of one signal add 30% of their strength (diminishing returns) ...
SIGNAL_MASS_CAP = 1.5  # ... up to this mass per signal, before the persona's signal weight
SILENCE_RANGE = (0.04, 0.35)  # the silence penalty of a dimension is clipped to this range
SHORT_PACKET_CEILING = 0.0  # the most a too-short packet's short-capped dimension can be worth: neutral
STRONG_HARD_HIT = 0.8  # a hard-line hit this strong on a signal the persona weighs ...
STRONG_HARD_WEIGHT = 1.5  # ... at least this much (signal_weights) caps the vote at strong_no_hire
RUBRIC_RELEVANCE = 0.6  # a rubric cue matters less than a library signal when ordering and citing
HARD_LINE_RELEVANCE = 0.5  # added to the relevance of evidence on one of the persona's hard lines
# confidence = CONFIDENCE_BASE + per distinct library signal (at most CONFIDENCE_SIGNALS) +
# CONFIDENCE_MARGIN x how decided the overall is (|overall| / CONFIDENCE_DECIDED, at most 1),
# minus CONFIDENCE_MIXED for a packet with red and green library evidence, plus
# CONFIDENCE_HARD when a hard line is crossed; clipped to CONFIDENCE_RANGE
CONFIDENCE_BASE = 0.3
CONFIDENCE_PER_SIGNAL = 0.08
CONFIDENCE_SIGNALS = 5
CONFIDENCE_MARGIN = 0.3
CONFIDENCE_DECIDED = 0.5  # |overall| at which the margin term is full (VOTE_BANDS: about a strong vote)
CONFIDENCE_MIXED = 0.1
CONFIDENCE_HARD = 0.1
CONFIDENCE_RANGE = (0.15, 0.95)  # never certain, never without any confidence


def lower(a: Vote, b: Vote) -> Vote:
    return a if a.points <= b.points else b


@dataclass(frozen=True)
class Analysis:
    """Persona-independent reading of a packet: evidence hits (library + rubric) and
    the verified integrity evidence."""

    hits: list[Hit]
    integrity: list[Evidence]
    short: bool


def scenario_signals(ctx: Context) -> list[Signal]:
    return [ctx.signals[s] for s in ctx.scenario.signals if s in ctx.signals]


def verified_integrity(ctx: Context) -> list[Evidence]:
    """Integrity evidence whose quote is a verbatim span (offset repaired if needed)."""
    text = ctx.packet.text
    out = []
    for e in ctx.integrity:
        span = find_quote(text, e.quote, e.start) if e.quote else None
        if span is not None:
            out.append(e.model_copy(update={"start": span[0], "polarity": "red"}))
    return out


def analyse(ctx: Context) -> Analysis:
    text = ctx.packet.text
    integrity = verified_integrity(ctx)
    exclude = tuple(sorted((e.start, e.start + len(e.quote)) for e in integrity))
    hits = detect_cached(text, scenario_signals(ctx), exclude)
    sentences = [s for s in split_sentences(text) if not any(s.start < b and a < s.end for a, b in exclude)]
    dims = {d.id for d in ctx.scenario.dimensions}
    hits = hits + rubric_hits(sentences, hits, dims)
    return Analysis(sorted(hits, key=lambda h: (h.start, h.signal)), integrity, too_short(text))


def crosses_hard_line(persona: Persona, h: Hit) -> bool:
    """A red hit on one of the persona's hard lines that is clear evidence: a sure reading
    (`detect.judge`: not weak, not contradicted by the packet's own stance, not an
    admission) that is a concept-cue hit or a learned one at strength >= HARD_LINE_STRENGTH.
    Weaker evidence still counts in the scores but never triggers a categorical veto."""
    return (
        h.polarity == "red"
        and h.signal in persona.hard_lines
        and h.sure
        and (h.via == "cue" or h.strength >= HARD_LINE_STRENGTH)
    )


def lens(ctx: Context, persona: Persona) -> frozenset[str]:
    """The signals `persona` reads closely: those on a dimension it weighs at least at its
    mean weight, and those in its `signal_weights` or `hard_lines`. A persona notices a
    reading that is not sure only inside its lens; sure readings everyone notices. So the
    blind reviews differ in evidence, and the debrief has something to bring."""
    dims = [d.id for d in ctx.scenario.dimensions]
    weights = [persona.weights.get(d, 0.0) for d in dims]
    mean = sum(weights) / len(weights) if weights else 0.0
    close = {d for d in dims if persona.weights.get(d, 0.0) >= mean}
    return frozenset(
        {s for s, sig in ctx.signals.items() if sig.dimension in close}
        | set(persona.signal_weights)
        | set(persona.hard_lines)
    )


def reading(
    ctx: Context, persona: Persona, analysis: Analysis, shown: frozenset[tuple[str, int]] = frozenset()
) -> Analysis:
    """What `persona` notices of `analysis`: every sure or rubric hit, the unsure ones in
    its `lens`, and the hits in `shown` ((signal, start) pairs a colleague cited to it in
    the debrief)."""
    close = lens(ctx, persona)
    hits = [
        h for h in analysis.hits if h.sure or h.via == "rubric" or h.signal in close or (h.signal, h.start) in shown
    ]
    return Analysis(hits, analysis.integrity, analysis.short)


def _weight(persona: Persona, signal: str) -> float:
    return persona.signal_weights.get(signal, 1.0)


def _signal_mass(hits: list[Hit], persona: Persona) -> dict[str, float]:
    """Per signal: the strongest hit plus REPEAT_SHARE of the others (capped at
    SIGNAL_MASS_CAP), times the persona's weight for the signal."""
    by_signal: dict[str, list[float]] = defaultdict(list)
    for h in hits:
        by_signal[h.signal].append(
            h.strength
            * (BACKGROUND_FACTOR if is_background(h.section) else 1.0)
            * (1.0 if h.sure or h.polarity == "green" else UNSURE_FACTOR.get(h.concern, UNSURE_DEFAULT))
        )
    out = {}
    for sig, vals in by_signal.items():
        vals.sort(reverse=True)
        out[sig] = min(SIGNAL_MASS_CAP, vals[0] + REPEAT_SHARE * sum(vals[1:])) * _weight(persona, sig)
    return out


@dataclass(frozen=True)
class Scoring:
    values: dict[str, float]
    scores: dict[str, int]
    overall: float
    vote: Vote
    hard: list[Hit]


def _band(v: float, bands) -> object:
    for edge, out in bands:
        if v <= edge if out == 1 else v < edge:
            return out
    return 4


def exacting(persona: Persona, dim: str, dims: list[str]) -> float:
    """How demanding `persona` is on `dim`: sqrt of its weight over the persona's mean
    weight, clipped to EXACTING (1.0 for an average dimension)."""
    weights = [persona.weights.get(d, 0.0) for d in dims]
    mean_w = sum(weights) / len(weights) if weights else 0.0
    if mean_w <= 0:
        return 1.0
    lo, hi = EXACTING
    return max(lo, min(hi, (persona.weights.get(dim, 0.0) / mean_w) ** 0.5))


def score(
    ctx: Context,
    persona: Persona,
    analysis: Analysis,
    with_integrity: bool = True,
    emphasis: dict[str, float] | None = None,
) -> Scoring:
    """Dimension values and scores, overall and vote. `emphasis` multiplies the mass of
    named signals (the debrief uses it to ask "would I move if I weighed this more?")."""
    dims = [d.id for d in ctx.scenario.dimensions]
    weights = {d: persona.weights.get(d, 0.0) for d in dims}
    mean_w = (sum(weights.values()) / len(weights)) if weights else 1.0
    mass = _signal_mass(analysis.hits, persona)
    for sig, k in (emphasis or {}).items():
        if sig in mass:
            mass[sig] *= k
    polarity = {h.signal: h.polarity for h in analysis.hits}
    dimension = {h.signal: h.dimension for h in analysis.hits}
    green = defaultdict(float)
    red = defaultdict(float)
    breadth = defaultdict(int)
    red_count = defaultdict(int)
    tracked_red = defaultdict(bool)
    sure_red = {h.dimension for h in analysis.hits if h.polarity == "red" and h.sure}
    for sig, m in mass.items():
        (green if polarity[sig] == "green" else red)[dimension[sig]] += m
        if polarity[sig] == "green":
            breadth[dimension[sig]] += 1
        else:
            red_count[dimension[sig]] += 1
            tracked_red[dimension[sig]] |= sig in persona.signal_weights or sig in persona.hard_lines
    conduct = ctx.scenario.conduct
    if with_integrity and analysis.integrity:
        for d in conduct.integrity_penalised:
            if d in weights:
                red[d] += INTEGRITY_STRENGTH * len(analysis.integrity)
    values, scores = {}, {}
    for d in dims:
        ex = exacting(persona, d, dims)
        if green[d] or red[d]:
            v = max(-1.0, min(1.0, GREEN_GAIN * green[d] / ex - RED_LOSS * red[d] * ex))
        else:
            must = MUST_PASS_SILENCE if d in ctx.scenario.rules.must_pass else 1.0
            v = -min(SILENCE_RANGE[1], max(SILENCE_RANGE[0], SILENCE * must * (weights[d] / mean_w if mean_w else 1.0)))
        if d in conduct.short_capped and analysis.short:
            v = min(v, SHORT_PACKET_CEILING)
        values[d] = v
        sc = int(_band(v, SCORE_BANDS))
        if sc == 4 and (breadth[d] < BREADTH_FOR_4 or red[d]):
            sc = 3
        # a 1 is a failed dimension: a red flag the persona tracks, several red flags, a
        # red on a dimension it weighs at least as much as its average, or an integrity
        # concern; one untracked red on a dimension it weighs less is a 2
        # ... and never on readings that are all unsure (a failed must-pass dimension decides alone)
        concern = with_integrity and analysis.integrity and d in conduct.integrity_penalised
        if sc == 1 and not (
            concern or (d in sure_red and (tracked_red[d] or red_count[d] >= 2 or (red[d] and ex >= 1.0)))
        ):
            sc = 2
        scores[d] = sc
    total_w = sum(weights.values()) or 1.0
    reds = sum(m for s, m in mass.items() if polarity[s] == "red")
    overall = sum(weights[d] * values[d] for d in dims) / total_w - RED_DRAG * reds
    vote = next((v for edge, v in VOTE_BANDS if overall >= edge), Vote.strong_no_hire)
    if vote == Vote.hire and overall < VOTE_BANDS[1][0]:
        vote = Vote.no_hire
    hard = [h for h in analysis.hits if crosses_hard_line(persona, h)]
    if hard:
        strong = len({h.signal for h in hard}) >= 2 or any(
            h.strength >= STRONG_HARD_HIT and _weight(persona, h.signal) >= STRONG_HARD_WEIGHT for h in hard
        )
        vote = lower(vote, Vote.strong_no_hire if strong else Vote.no_hire)
    if vote == Vote.strong_no_hire and not any(h.polarity == "red" and h.sure for h in analysis.hits):
        vote = Vote.no_hire  # a veto-strength vote needs a sure red reading
    if with_integrity and analysis.integrity:
        vote = lower(vote, Vote.no_hire)
    if analysis.short:  # a few sentences cannot earn a hire, however good they are
        vote = lower(vote, Vote.no_hire)
    return Scoring(values, scores, overall, vote, hard)


def fails_must_pass(ctx: Context, scores: dict[str, int]) -> bool:
    """True when these scores fail one of the scenario's must-pass dimensions
    (`decision.failed_dimensions`): a member who reads a dimension as failed cannot vote
    hire, as the committee could not hire on it."""
    return bool(failed_dimensions(scores, ctx.scenario.rules))


def relevance(persona: Persona, ctx: Context, e_signal: str, e_dim: str | None, strength: float) -> float:
    """How much a piece of evidence matters to `persona` (for ordering and citing)."""
    w = persona.weights.get(e_dim or "", 0.0)
    rubric = RUBRIC_RELEVANCE if e_signal in rubric_cues() else 1.0
    hard = HARD_LINE_RELEVANCE if e_signal in persona.hard_lines else 0.0
    return w * _weight(persona, e_signal) * strength * rubric + hard


CONCERNS = {
    "weak": "a weak reading of one sentence",
    "admission": "told as a habit the candidate is correcting",
    "contradicted": "the packet takes the other side elsewhere",
}


def concern_text(h: Hit) -> str | None:
    """Why a red reading is not sure, in words for the candidate (None when it is sure)."""
    if h.polarity != "red" or h.sure:
        return None
    text = CONCERNS.get(h.concern, "an uncertain reading")
    return f"{text}: \u201c{short_quote(h.counter, 120)}\u201d" if h.counter else text


def _evidence(ctx: Context, analysis: Analysis) -> list[Evidence]:
    out = [
        Evidence(
            quote=h.quote,
            signal=h.signal,
            polarity=h.polarity,
            dimension=h.dimension,
            start=h.start,
            confidence=round(min(1.0, max(0.0, h.p)), 2) if h.via != "rubric" else None,
            concern=concern_text(h),
        )
        for h in analysis.hits
    ]
    for e in analysis.integrity:
        out.append(
            Evidence(
                quote=e.quote,
                signal=e.signal,
                polarity="red",
                dimension=e.dimension or ctx.scenario.conduct.integrity_dimension,
                start=e.start,
            )
        )
    return out


def label(ctx: Context, signal: str) -> str:
    """A short readable name for a signal or rubric cue, quoted ("a price that buys
    weaker safeguards"), never the raw id."""
    return f"\u201c{signal_title(signal, ctx)}\u201d"


def meaning(ctx: Context, signal: str) -> str:
    """The signal's description as a clause (lower-cased first letter, no full stop)."""
    cue = rubric_cues().get(signal)
    if cue is not None:
        return cue.description
    sig = ctx.signals.get(signal)
    if sig is None:
        return label(ctx, signal)
    d = sig.description.rstrip(".")
    return d[0].lower() + d[1:]


def dim_name(ctx: Context, dim: str | None) -> str:
    try:
        return ctx.scenario.dimension(dim or "").name.lower()
    except KeyError:
        return (dim or "the packet").replace("_", " ")


def _pick(options: list[str], *keys: str) -> str:
    h = int(hashlib.sha256("|".join(keys).encode()).hexdigest(), 16)
    return options[h % len(options)]


def _summary(ctx: Context, persona: Persona, sc: Scoring, evidence: list[Evidence], confidence: float) -> str:
    opener = _pick(persona.style.openers, ctx.packet.sha256, persona.id, "summary")
    ranked = sorted(evidence, key=lambda e: -relevance(persona, ctx, e.signal, e.dimension, 1.0))
    # firm red flags first: an uncertain reading is never presented as what decides a vote
    reds = sorted((e for e in ranked if e.polarity == "red"), key=lambda e: bool(e.concern))
    greens = [e for e in ranked if e.polarity == "green"]
    top_dim = max(sc.values, key=lambda d: persona.weights.get(d, 0.0)) if sc.values else None
    if sc.hard:
        h = sc.hard[0]
        main = f'{sc.vote.label}: the packet crosses one of my hard lines, the red flag {label(ctx, h.signal)}: "{short_quote(h.quote)}"'
    elif sc.vote.is_hire and greens:
        e = greens[0]
        main = f'{sc.vote.label}. The strongest evidence is on {dim_name(ctx, e.dimension)}: "{short_quote(e.quote)}"'
    elif reds and not reds[0].concern:
        e = reds[0]
        main = (
            f'{sc.vote.label}. What decides it for me is the red flag {label(ctx, e.signal)}: "{short_quote(e.quote)}"'
        )
    elif reds:
        e = reds[0]
        main = (
            f'{sc.vote.label}. I may be reading it wrong, but "{short_quote(e.quote)}" reads to me as '
            f"{label(ctx, e.signal)}, and little else in the packet outweighs it"
        )
    elif greens:
        e = greens[0]
        main = (
            f"{sc.vote.label}. There is something to like on {dim_name(ctx, e.dimension)} "
            f'("{short_quote(e.quote, 110)}"), but nothing on {dim_name(ctx, top_dim)}, which I weigh most'
        )
    else:
        main = f"{sc.vote.label}. I found no evidence on {dim_name(ctx, top_dim)}, or anywhere else in the rubric"
    if not main.endswith((".", "?", "!", '"', "”")):
        main += "."
    return f"{opener} {main}"


def verdict(ctx: Context, persona: Persona, analysis: Analysis) -> Scoring:
    """`score` of what the persona reads, with the vote as its review gives it: integrity
    concerns may only lower it, and scores that fail a must-pass dimension cap it at
    no_hire (the committee rule, applied to the member's own reading)."""
    sc = score(ctx, persona, analysis)
    if analysis.integrity:
        sc = Scoring(
            sc.values, sc.scores, sc.overall, lower(sc.vote, score(ctx, persona, analysis, False).vote), sc.hard
        )
    if fails_must_pass(ctx, sc.scores):
        sc = Scoring(sc.values, sc.scores, sc.overall, lower(sc.vote, Vote.no_hire), sc.hard)
    return sc


def build_review(ctx: Context, persona: Persona, analysis: Analysis) -> Review:
    """The persona's blind review of what it notices (`reading`) of the packet analysis."""
    analysis = reading(ctx, persona, analysis)
    sc = verdict(ctx, persona, analysis)
    evidence = _evidence(ctx, analysis)
    evidence.sort(key=lambda e: (-relevance(persona, ctx, e.signal, e.dimension, 1.0), e.start or 0))
    n_lib = len({h.signal for h in analysis.hits if h.via != "rubric"})
    mixed = any(h.polarity == "red" for h in analysis.hits) and any(
        h.polarity == "green" and h.via != "rubric" for h in analysis.hits
    )
    confidence = (
        CONFIDENCE_BASE
        + CONFIDENCE_PER_SIGNAL * min(n_lib, CONFIDENCE_SIGNALS)
        + CONFIDENCE_MARGIN * min(1.0, abs(sc.overall) / CONFIDENCE_DECIDED)
        - (CONFIDENCE_MIXED if mixed else 0.0)
    )
    if sc.hard:
        confidence += CONFIDENCE_HARD
    confidence = round(max(CONFIDENCE_RANGE[0], min(CONFIDENCE_RANGE[1], confidence)), 2)
    for e in evidence:
        assert ctx.packet.text[e.start : e.start + len(e.quote)] == e.quote
    return Review(
        persona=persona.id,
        vote=sc.vote,
        scores=sc.scores,
        evidence=evidence,
        summary=_summary(ctx, persona, sc, evidence, confidence),
        confidence=confidence,
    )
