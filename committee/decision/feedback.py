"""Coaching feedback built from the reviews, shared by every engine.

- For each rubric dimension whose mean score across reviews is below 3 (of 4): the
  quote that pulled it down, the red flags to remove (by readable name, with what to
  do instead), what a strong answer adds (the dimension's `strong_answer`) and the
  advice of the scenario's green signals for that dimension that no review found.
- When no dimension is below 3, one "to reach 4" step on the weakest dimension, so a
  strong packet still gets something concrete to improve.
- Red readings the engine is unsure of (evidence with a `concern`: weak, contradicted
  by the packet's own stance, an admission) are points to check, never things to
  remove: what was read, how sure, and how to make the point unambiguous
  (`check_signals`; a "check" item on a dimension with no other item).
- The scenario's case prompts that the packet does not appear to answer (fuzzy match
  of each prompt's title and text against the packet's `##` sections), since the
  committee may ask them.

It speaks to the packet, not the person: it coaches what to change in the writing.
"""

from __future__ import annotations

import re

from committee.catalog import Catalog, default_catalog
from committee.intake.integrity.findings import SIGNAL_ID as INTEGRITY_SIGNAL
from committee.intake.integrity.findings import is_injection
from committee.intake.sentences import short_quote
from committee.models import Context, Evidence, FeedbackItem, Review

WEAK_BELOW = 3.0  # mean dimension score (1..4) under which a dimension gets coaching
PROMPT_TITLE_MATCH = 75  # rapidfuzz token-set ratio of a prompt title and a section title
PROMPT_TEXT_MATCH = 0.10  # TF-IDF cosine of a prompt (title + text) and a section


def signal_title(signal_id: str, ctx: Context | None = None, catalog: Catalog | None = None) -> str:
    """A readable name for a signal id, never the raw id when something better exists: the
    `title:` of the library signal (the run's, else the catalog's) or of an engine's own
    evidence id (`engine_signals:` in signals.yaml; every integrity id reads as the
    integrity check's), else the first clause of the signal's description, else the id
    without hyphens. `catalog` is the run's catalog where the caller has one (default:
    `default_catalog()`)."""
    cat = catalog or default_catalog()
    if is_injection(signal_id) and signal_id not in cat.engine_signals:
        signal_id = INTEGRITY_SIGNAL
    sig = (ctx.signals.get(signal_id) if ctx is not None else None) or cat.signals.get(signal_id)
    own = cat.engine_signals.get(signal_id)
    if sig is not None and sig.title:
        return sig.title
    if own is not None:
        return own.title
    if sig is not None and sig.description:
        first = re.split(r"[,;.(]", sig.description, maxsplit=1)[0].strip()
        return first[0].lower() + first[1:] if first else signal_id.replace("-", " ")
    return signal_id.replace("-", " ").replace("_", " ")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _reds_on(dim: str, reviews: list[Review], ctx: Context, concerns: bool = False) -> list[Evidence]:
    """Red evidence on `dim`: the firm readings, or with `concerns` those the engine is
    unsure of (evidence with a `concern`)."""
    out = []
    for r in reviews:
        for e in r.evidence:
            if e.polarity != "red" or bool(e.concern) != concerns:
                continue
            sig = ctx.signals.get(e.signal)
            edim = sig.dimension if sig is not None else e.dimension
            if edim == dim:
                out.append(e)
    return out


def _missing_greens(dim: str, found: set[str], ctx: Context):
    return [s for s in ctx.signals.values() if s.polarity == "green" and s.dimension == dim and s.id not in found]


def _confidence(e: Evidence) -> str:
    return f", confidence {e.confidence:.2f}" if e.confidence is not None else ""


def _first_per_signal(evidence: list[Evidence]) -> dict[str, Evidence]:
    """The first piece of evidence of each signal, in order."""
    out: dict[str, Evidence] = {}
    for e in evidence:
        out.setdefault(e.signal, e)
    return out


def _flag_lines(reds: list[Evidence], ctx: Context) -> list[str]:
    """One line per firm red flag: what was read, where, how sure, and what to do instead."""
    lines = []
    for f, e in _first_per_signal(reds).items():
        read = f" (read in \u201c{short_quote(e.quote, 110)}\u201d{_confidence(e)})"
        sig = ctx.signals.get(f)
        if sig is not None and sig.advice:
            fix = _sentence(sig.advice)
            lines.append(f"Instead of \u201c{signal_title(f, ctx)}\u201d{read}: {fix[0].lower() + fix[1:]}")
        else:
            lines.append(f"Take out \u201c{signal_title(f, ctx)}\u201d{read}.")
    return lines


def _check_lines(concerns: list[Evidence], ctx: Context) -> list[str]:
    """One line per uncertain red reading: a point to check, never a thing to remove. It
    names the reading, how sure the engine is and why not more, and how to make the
    point unambiguous."""
    by_quote: dict[str, list[Evidence]] = {}
    for e in _first_per_signal(concerns).values():
        by_quote.setdefault(e.quote, []).append(e)
    lines = []
    for quote, group in by_quote.items():
        read = " and as ".join(f"\u201c{signal_title(e.signal, ctx)}\u201d{_confidence(e)}" for e in group)
        why = "; ".join(dict.fromkeys(e.concern for e in group))
        lines.append(
            f"Check \u201c{short_quote(quote, 110)}\u201d: it was read as {read}, but not firmly ({why}). If you meant "
            f"the opposite, say it plainly in the same sentence: the position you hold, and what you would not "
            f"do. If you did mean it, it counts against the packet, at a reduced weight."
        )
    return lines


def _weak_item(ctx: Context, dim, mean: float, reviews: list[Review], found: set[str]) -> FeedbackItem:
    reds = _reds_on(dim.id, reviews, ctx)
    flags = list(dict.fromkeys(e.signal for e in reds))
    concerns = [e for e in _reds_on(dim.id, reviews, ctx, concerns=True) if e.signal not in flags]
    cited = [e for r in reviews for e in r.evidence if e.dimension == dim.id]
    parts: list[str] = []
    if not cited:
        parts.append(f"No sentence of the packet was read as evidence on {dim.name.lower()} yet, for or against.")
    parts += _flag_lines(reds, ctx)
    parts += _check_lines(concerns, ctx)
    parts.append(f"A strong answer on {dim.name.lower()} shows {dim.strong_answer.rstrip('.')}.")
    missing = _missing_greens(dim.id, found, ctx)
    if missing:
        parts.append("To add: " + " ".join(_sentence(s.advice) for s in missing[:2] if s.advice))
    return FeedbackItem(
        dimension=dim.id,
        score=round(mean, 2),
        quote=(reds or concerns)[0].quote if reds or concerns else None,
        advice=" ".join(p for p in parts if p),
        remove_flags=[signal_title(f, ctx) for f in flags],
        remove_signals=flags,
        check_signals=list(dict.fromkeys(e.signal for e in concerns)),
        kind="weak",
    )


def _reach_item(ctx: Context, dim, mean: float, reviews: list[Review], found: set[str]) -> FeedbackItem:
    reds = _reds_on(dim.id, reviews, ctx)
    flags = list(dict.fromkeys(e.signal for e in reds))
    concerns = [e for e in _reds_on(dim.id, reviews, ctx, concerns=True) if e.signal not in flags]
    have = list(
        dict.fromkeys(e.signal for r in reviews for e in r.evidence if e.dimension == dim.id and e.polarity == "green")
    )
    missing = _missing_greens(dim.id, found, ctx)
    parts = [
        f"To reach 4 on {dim.name.lower()} (now {mean:.1f} on average):"
        if mean < 4
        else f"To keep {dim.name.lower()} at 4 with more margin:"
    ]
    parts += _flag_lines(reds, ctx)
    parts += _check_lines(concerns, ctx)
    if missing and missing[0].advice:
        step = _sentence(missing[0].advice)
        parts.append(step[0].lower() + step[1:] if not flags else step)
    else:
        parts.append(f"show {dim.strong_answer.rstrip('.')}.")
    if have and not flags:
        parts.append(
            f"A 4 needs more than one distinct strength here; the packet already shows {signal_title(have[0], ctx)}."
        )
    return FeedbackItem(
        dimension=dim.id,
        score=round(mean, 2),
        quote=reds[0].quote if reds else None,
        advice=" ".join(parts),
        remove_flags=[signal_title(f, ctx) for f in flags],
        remove_signals=flags,
        check_signals=list(dict.fromkeys(e.signal for e in concerns)),
        kind="reach-4",
    )


def _check_item(ctx: Context, dim, mean: float, reviews: list[Review]) -> FeedbackItem | None:
    """Uncertain red readings on a dimension that has no other item: points to check."""
    firm = {e.signal for e in _reds_on(dim.id, reviews, ctx)}
    concerns = [e for e in _reds_on(dim.id, reviews, ctx, concerns=True) if e.signal not in firm]
    if not concerns:
        return None
    return FeedbackItem(
        dimension=dim.id,
        score=round(mean, 2),
        quote=concerns[0].quote,
        advice=" ".join(_check_lines(concerns, ctx)),
        check_signals=list(dict.fromkeys(e.signal for e in concerns)),
        kind="check",
    )


def unanswered_prompts(ctx: Context) -> list:
    """The scenario's case prompts that no `##` section of the packet appears to answer:
    no section or `###` sub-heading title close to the prompt's title (rapidfuzz token-set ratio) and no
    section whose words are close to the prompt's (TF-IDF cosine)."""
    prompts = list(ctx.scenario.case_prompts)
    sections = [s for s in ctx.packet.sections if s.text.strip()]
    if not prompts or not sections:
        return prompts if sections else []
    from rapidfuzz import fuzz

    from committee.engines.offline import tfidf
    from committee.engines.offline.similarity import words

    # a `###` heading inside a section can answer a prompt too (an answer to a follow-up
    # question about it is headed with the prompt's title: intake/answers.py)
    from committee.intake.packets import ATX_HEADING_RE  # the one heading definition

    subs = [(m.group(1) or "").strip().rstrip("#").strip() for s in sections for m in ATX_HEADING_RE.finditer(s.text)]
    titles = [s.title for s in sections] + [t for t in subs if t]
    docs = [f"{p.title}. {p.prompt}" for p in prompts] + [f"{s.title}. {s.text}" for s in sections]
    vec = tfidf.fit(docs, words)
    sims = vec.dense(docs[: len(prompts)]) @ vec.dense(docs[len(prompts) :]).T
    out = []
    for i, p in enumerate(prompts):
        title = max(
            max(
                fuzz.token_set_ratio(p.title.lower(), t.lower()),
                fuzz.partial_ratio(p.title.lower(), t.lower()),
            )
            for t in titles
        )
        if title < PROMPT_TITLE_MATCH and sims[i].max() < PROMPT_TEXT_MATCH:
            out.append(p)
    return out


def _prompts_item(ctx: Context) -> FeedbackItem | None:
    missing = unanswered_prompts(ctx)
    if not missing:
        return None
    total = len(ctx.scenario.case_prompts)
    names = "; ".join(f"“{p.title}”" for p in missing)
    advice = (
        f"The committee for this role may also pose case prompts the packet does not appear to answer: "
        f"{names}. A short, structured answer to each (the boundary first, then the plan and its costs) "
        f"would give the reviewers evidence to score."
    )
    return FeedbackItem(
        dimension="case_prompts",
        score=round(1 + 3 * (total - len(missing)) / total, 2),
        advice=advice,
        kind="case-prompts",
        case_prompts=[p.id for p in missing],
    )


def build_feedback(ctx: Context, reviews: list[Review]) -> list[FeedbackItem]:
    """Items for weak dimensions, weakest first (or one "to reach 4" step when none is
    weak), then unanswered case prompts; [] when no review exists."""
    if not reviews:
        return []
    found = {e.signal for r in reviews for e in r.evidence}
    means = []
    for order, dim in enumerate(ctx.scenario.dimensions):
        scores = [r.scores[dim.id] for r in reviews if dim.id in r.scores]
        if scores:
            means.append((sum(scores) / len(scores), dim.id not in ctx.scenario.rules.must_pass, order, dim))
    weak = [_weak_item(ctx, dim, mean, reviews, found) for mean, _, _, dim in means if mean < WEAK_BELOW]
    items = sorted(weak, key=lambda i: i.score)
    if not items and means:
        # the weakest dimension (one where a signal is still missing first); when every
        # mean is 4, the one resting on the fewest distinct strengths
        breadth = {
            dim.id: len(
                {e.signal for r in reviews for e in r.evidence if e.dimension == dim.id and e.polarity == "green"}
            )
            for *_, dim in means
        }
        mean, _, _, dim = min(
            means, key=lambda m: (m[0], not _missing_greens(m[3].id, found, ctx), breadth[m[3].id], m[1], m[2])
        )
        items.append(_reach_item(ctx, dim, mean, reviews, found))
    covered = {i.dimension for i in items}
    items += [
        c
        for mean, _, _, dim in means
        if dim.id not in covered
        for c in [_check_item(ctx, dim, mean, reviews)]
        if c is not None
    ]
    prompts = _prompts_item(ctx)
    if prompts is not None:
        items.append(prompts)
    return items
