"""Signal detection: which of the scenario's signals a packet asserts, and where.

Two views of meaning are combined per sentence:

1. the learned layer (`learned.py`): a classifier per signal trained on a labelled
   corpus of many writers, plus two framing heads (does the sentence turn an idea
   down? does it assert any red flag?). Alone, it finds a signal when its probability
   clears a threshold, survives deleting any one content word (or a leading label),
   and, for a red flag, when the framing heads and the lexicon's whole-sentence
   rejections ("it would be a mistake to", "I declined to") agree;
2. concept cues (the signal's `cues` in the signal library): every concept group of a
   cue must occur in the sentence (or in `window` adjacent sentences), each in an
   asserted form: not negated in its clause, not reported in order to be rejected
   ("some suggest X, but..."), not inside a rejected quotation, not in a question.
   A cue hit counts when the signal's classifier agrees at least a little.

The signal's `blockers` cancel both (e.g. a keyword stage described as one layer);
TF-IDF similarity to the exemplars (`similarity.py`) sets a cue hit's strength. The
thresholds were chosen by leave-one-writer-out cross-validation (`bench/cv_learned.py`,
the engine README). The result is persona-independent and cached per packet text and
signal library, so the four parallel reviews of one packet share one detection pass.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

from committee.engines.offline import learned, lexicon
from committee.engines.offline.concepts import expand
from committee.engines.offline.similarity import STOP, fingerprint, get_index
from committee.engines.offline.text import Sentence, is_background, normalise, split_sentences
from committee.models import Signal

T_HIGH = 0.55  # similarity-only ablation (bench): threshold
SIM_FULL = 0.35  # similarity at which a cue hit gets its full strength bonus
MAX_QUOTE = 300  # longer sentences are quoted by clause
CACHE_SIZE = 128
# learned layer (learned.py), thresholds on its probabilities; chosen by
# leave-one-writer-out cross-validation on the corpus (bench/cv_learned.py, README)
P_RED = 0.4  # a signal's own classifier finds a red flag in a sentence that has at
ANCHOR = 0.3  # ... least this share of one of the signal's cues' concept groups,
P_ALONE = 0.6  # ... and without them at this probability
P_GREEN = 0.5  # a signal's own classifier finds a green signal, in a sentence the
GREEN_MAX_ANY_RED = 0.8  # ... "asserts some red flag" head reads below this
P_CUE = 0.05  # a red concept-cue hit counts when the signal's classifier agrees this much
P_CUE_GREEN = 0.1  # ... a green one
MAX_REJECTS = 0.8  # no red flag in a sentence the "rejects an idea" head reads above this,
MIN_ANY_RED = 0.4  # nor in one the "asserts some red flag" head reads below this,
P_SURE_CUE = 0.5  # unless a concept cue found it and the signal's classifier is this sure
ROBUST = 0.15  # a learned-only hit must keep this probability with any one word deleted
ROBUST_MAX_WORDS = 40  # longer sentences skip the one-word-deleted check
# packet-level judgement (`judge`): how sure a red reading must be to decide a verdict alone
SURE_CUE = 0.5  # a concept-cue hit the signal's classifier rates at least this
SURE_LEARNED = 0.7  # a learned-only hit at least this
SURE_GREEN = 0.7  # a learned green (cue greens are sure)
REJECTED_P = 0.4  # a sentence that turns a red idea down counts as the packet's stance on it from this probability
REJECTING_P = 0.3  # ... from this one in a sentence that plainly rejects (framing head or lexicon)
SURE_MIN_WORDS = 4  # a learned reading of fewer content words than this is a topic guess: weak
LABEL_RE = re.compile(r"^\s*[\w'-]+(?: [\w'-]+){0,2}\s*[:\u2014-]\s+")  # "North star: ", "Plan - "


@dataclass(frozen=True)
class Hit:
    """One detected signal: `quote == text[start:start+len(quote)]`; `strength` in
    (0, 1]; `via` is "cue", "learned" or "similarity" (the similarity-only ablation);
    `sentence` the sentence index."""

    signal: str
    polarity: str
    dimension: str
    start: int
    quote: str
    strength: float
    sentence: int
    via: str
    section: str = ""
    p: float = 1.0  # the signal's classifier probability for the sentence (1.0 without the learned layer)
    sure: bool = True  # a firm reading (see `judge`); only a sure red may decide a verdict alone
    concern: str = ""  # why it is not sure: "weak", "admission" or "contradicted"
    counter: str = ""  # for "contradicted": the packet's own sentence that says otherwise


def _hit(sig: Signal, sent: Sentence, start: int, quote: str, strength: float, via: str) -> Hit:
    """A reading of `sig` in `sent`, quoting `quote` (which starts at `start` in the packet text)."""
    return Hit(sig.id, sig.polarity, sig.dimension, start, quote, strength, sent.index, via, sent.section)


@lru_cache(maxsize=4096)
def _rx(pattern: str) -> re.Pattern:
    """A cue or blocker pattern compiled, with `{concept}` names expanded (concepts.py)."""
    return re.compile(expand(pattern), re.IGNORECASE)


def _disjoint(spans: list[list[tuple[int, int]]]) -> list[tuple[int, int]] | None:
    """One span per concept group such that no two overlap (a word cannot stand for two
    concepts of one cue: "pay more" is not both "pay" and "more"), or None."""
    chosen: list[tuple[int, int]] = []

    def pick(k: int) -> bool:
        if k == len(spans):
            return True
        for a, b in spans[k]:
            if all(b <= x or y <= a for x, y in chosen):
                chosen.append((a, b))
                if pick(k + 1):
                    return True
                chosen.pop()
        return False

    return list(chosen) if pick(0) else None


def _asserted_spans(
    sig: Signal, group: str, sent: Sentence, norm: str, own: list[tuple[int, int]], next_norm: str
) -> list[tuple[int, int]]:
    """Sentence-relative spans of `group` matches that the sentence asserts."""
    out = []
    for m in _rx(group).finditer(norm):
        clause = sent.clause_at(sent.start + m.start())
        clause = (clause[0] - sent.start, clause[1] - sent.start)
        if lexicon.negated(norm, m.start(), clause, own, requirement=sig.polarity == "green") or lexicon.attributed(
            norm, m.start(), clause
        ):
            continue
        if sig.polarity == "red" and lexicon.distanced(norm, m.start(), next_norm):
            continue
        out.append((m.start(), m.end()))
    return out


def _blocked(sig: Signal, sent: Sentence, norm: str) -> bool:
    for pattern in sig.blockers:
        for m in _rx(pattern).finditer(norm):
            clause = sent.clause_at(sent.start + m.start())
            clause = (clause[0] - sent.start, clause[1] - sent.start)
            # a negated blocker ("without consent", "no rate limits") does not block
            if not lexicon.negated(norm, m.start(), clause, [(m.start(), m.end())]):
                return True
    return False


def _cue_groups(
    sig: Signal, sent: Sentence, norm: str, next_norm: str, full_only: bool = False
) -> list[tuple[list[str], list[list[tuple[int, int]]]]]:
    """For each cue: its groups and the asserted spans found for each group. A cue with
    a group absent from the sentence skips the (costlier) framing analysis: its present
    groups get a placeholder span, which only the similarity path reads, and only in
    sentences without any negation. With `full_only`, such cues are left out."""
    results = []
    for cue in sig.cues:
        present = [_rx(g).search(norm) for g in cue]
        if not all(present):
            if not full_only:
                results.append((cue, [[(m.start(), m.end())] if m else [] for m in present]))
            continue
        own = [(m.start(), m.end()) for g in cue for m in _rx(g).finditer(norm)]
        results.append((cue, [_asserted_spans(sig, g, sent, norm, own, next_norm) for g in cue]))
    return results


def _quote_span(sent: Sentence, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Absolute span to quote: the sentence, or the clauses covering the matches when
    the sentence is long."""
    if sent.end - sent.start <= MAX_QUOTE or not spans:
        return sent.start, sent.end
    first = sent.clause_at(sent.start + min(a for a, _ in spans))
    last = sent.clause_at(sent.start + max(b for _, b in spans) - 1)
    if last[1] - first[0] <= MAX_QUOTE:
        return first[0], last[1]
    return first


def _strength(base: float, sim: float) -> float:
    return round(min(1.0, base + (1 - base) * min(1.0, sim / SIM_FULL)), 3)


def detect_signals(
    text: str,
    signals: list[Signal],
    exclude: tuple[tuple[int, int], ...] = (),
    mode: str = "combined",
    sim_only_threshold: float = T_HIGH,
) -> list[Hit]:
    """All hits of `signals` in `text`, in text order (at most one per signal and
    sentence). Sentences overlapping `exclude` spans (e.g. injected instructions
    found at intake) are not read. `mode` is for measurement only: "cues" uses the
    concept cues alone (no learned layer), "similarity" nothing but similarity >=
    `sim_only_threshold`."""
    sentences = [s for s in split_sentences(text) if not any(s.start < b and a < s.end for a, b in exclude)]
    if not sentences or not signals:
        return []
    norms = [normalise(s.text) for s in sentences]
    question = [lexicon.is_question(n) for n in norms]
    rejects = [lexicon.rejects_an_idea(n) for n in norms]
    story = _turned_stories(sentences, norms)
    others = [lexicon.other_speaker(n) for n in norms]
    content = [_content_words(n) for n in norms]
    sims = get_index(signals).similarities([s.flat for s in sentences])
    hits: list[Hit] = []
    turned_down: dict[int, list[int]] = {}  # signal column -> sentences that turn that red idea down
    if mode == "similarity":
        for j, sig in enumerate(signals):
            for i, sent in enumerate(sentences):
                if sims[i, j] >= sim_only_threshold:
                    hits.append(_hit(sig, sent, sent.start, sent.text, 0.5, "similarity"))
        return hits
    k = len(signals)
    model = learned.get_model(signals) if mode == "combined" else None
    heads = model.heads([s.flat for s in sentences]) if model else None
    without_one_word: dict[int, object] = {}

    def robust(i: int, j: int) -> bool:
        """The learned probability stays >= ROBUST whichever single word is deleted, and
        without a leading label of up to three words ("North star: ...", "Guardrails:
        ..."): one salient word is not evidence of a stance."""
        if i not in without_one_word:
            text = sentences[i].flat
            w = text.split()
            content = [x for x in range(len(w)) if w[x].strip(".,;:!?()\"'").lower() not in STOP]
            if len(content) > ROBUST_MAX_WORDS:  # one word weighs little there; keeps cost linear
                content = []
            variants = [" ".join(w[:x] + w[x + 1 :]) for x in content] if len(w) > 1 else []
            variants = variants or [text]
            label = LABEL_RE.match(text)
            if label and text[label.end() :].strip():
                variants.append(text[label.end() :])
            without_one_word[i] = model.heads(variants)
        return float(without_one_word[i][:, j].min()) >= ROBUST

    asserted: dict[int, object] = {}

    def asserted_p(i: int, j: int) -> float:
        """The learned probability of the part of sentence i that it asserts
        (`lexicon.asserted_part`): the whole sentence's when nothing is set aside."""
        if i not in asserted:
            part = " ".join(lexicon.asserted_part(norms[i]).split())
            asserted[i] = heads[i] if part == " ".join(norms[i].split()) else model.heads([part])[0]
        return float(asserted[i][j])

    for j, sig in enumerate(signals):
        for i, sent in enumerate(sentences):
            norm = norms[i]
            nxt = sentences[i + 1] if i + 1 < len(sentences) and sentences[i + 1].block == sent.block else None
            next_norm = norms[i + 1] if nxt else ""
            if sig.polarity == "red" and question[i]:
                continue
            if _blocked(sig, sent, norm):
                continue
            sim = float(sims[i, j])
            p = 1.0 if heads is None else float(heads[i, j])
            # the learned framing heads: a red flag is not read in a sentence that turns
            # an idea down, or that reads as no red flag at all; nor in the set-up of a
            # story whose next sentences turn the reported wish down
            red = sig.polarity == "red"
            if red and others[i]:
                continue  # someone else's line in a transcript: neither the candidate's stance nor a counter to it
            if red and (story[i] or (heads is not None and heads[i, k] >= MAX_REJECTS)):
                if p >= (REJECTED_P if story[i] else REJECTING_P) and content[i] >= SURE_MIN_WORDS:
                    turned_down.setdefault(j, []).append(i)
                continue
            if red and heads is not None and heads[i, k + 1] < MIN_ANY_RED and p < P_SURE_CUE:
                continue
            p_cue = P_CUE if red else P_CUE_GREEN
            groups = _cue_groups(sig, sent, norm, next_norm)
            full = [c for c in (_disjoint(spans) for cue, spans in groups if all(spans)) if c]
            if full and p >= p_cue:
                a, b = _quote_span(sent, full[0])
                hits.append(_hit(sig, sent, a, text[a:b], _strength(0.7, sim), "cue"))
                continue
            if sig.window > 1 and nxt is not None and p >= p_cue and not _blocked(sig, nxt, next_norm):
                after = sentences[i + 2] if i + 2 < len(sentences) and sentences[i + 2].block == sent.block else None
                pair = _cue_groups(sig, nxt, next_norm, norms[i + 2] if after else "")
                if any(
                    any(here) and all(h or t for h, t in zip(here, there)) and not all(there)
                    for (_, here), (_, there) in zip(groups, pair)
                ):
                    hits.append(
                        _hit(
                            sig,
                            sent,
                            sent.start,
                            text[sent.start : nxt.end],
                            _strength(0.65, max(sim, float(sims[i + 1, j]))),
                            "cue",
                        )
                    )
                    continue
            if heads is None or is_background(sent.section):  # resume lines: cues only
                continue
            if red and rejects[i]:
                # a whole-sentence rejection ("it would be a mistake to ...") holds a learned
                # reading at a distance; concept cues above judged each concept's own framing
                if p >= REJECTING_P and content[i] >= SURE_MIN_WORDS:
                    turned_down.setdefault(j, []).append(i)
                continue
            if (red and heads[i, k + 1] < MIN_ANY_RED) or (not red and heads[i, k + 1] >= GREEN_MAX_ANY_RED):
                continue
            partial = max((sum(1 for x in spans if x) / len(spans) for _, spans in groups), default=0.0)
            threshold = (P_RED if partial >= ANCHOR else P_ALONE) if red else P_GREEN
            if red and p >= threshold and asserted_p(i, j) < threshold:
                # what the sentence sets aside ("..., not a number to trade against revenue")
                # carried the reading: the sentence takes the other side
                if content[i] >= SURE_MIN_WORDS:
                    turned_down.setdefault(j, []).append(i)
                continue
            if p >= threshold and robust(i, j):
                hits.append(_hit(sig, sent, sent.start, sent.text, round(min(1.0, 0.45 + 0.5 * p), 3), "learned"))
    if heads is not None:
        # a learned-only red flag gives way to a green signal found in the same sentence
        # that its classifier reads as at least as likely ("... a person decides; nothing
        # changes automatically" is the hand-off, not its absence)
        row = {s.index: i for i, s in enumerate(sentences)}
        col = {s.id: j for j, s in enumerate(signals)}
        green = {}
        for h in hits:
            if h.polarity == "green":
                green[h.sentence] = max(green.get(h.sentence, 0.0), float(heads[row[h.sentence], col[h.signal]]))
        hits = [
            h
            for h in hits
            if not (
                h.via == "learned"
                and h.polarity == "red"
                and green.get(h.sentence, -1.0) >= heads[row[h.sentence], col[h.signal]]
            )
        ]
    hits = judge(hits, sentences, norms, signals, heads, turned_down)
    for h in hits:
        assert text[h.start : h.start + len(h.quote)] == h.quote
    return sorted(hits, key=lambda h: (h.start, h.signal))


def _turned_stories(sentences: list[Sentence], norms: list[str]) -> list[bool]:
    """Per sentence: what it says is turned down by the story it belongs to, so it is not
    the candidate's stance. Either it reports someone else's wish or proposal and it, or
    one of the next three sentences of its paragraph, tells the candidate turning it down
    ("Sales wanted to switch off the fraud rule for our biggest client. I kept the rule."),
    or the next sentence of its paragraph turns it down outright ("At my last job I made
    apps stickier with streaks. Those reflexes are the wrong ones here."), or it is an
    item of a list introduced by a rejecting header ("What I won't do:"). (A transcript
    line of someone else, "Client: ...", is skipped by the caller: it is not the
    candidate's at all.)"""
    out = []
    listed_until = -1  # items of a list introduced by a rejecting header ("What I won't do:")
    for i, s in enumerate(sentences):
        if lexicon.rejecting_header(norms[i]):
            listed_until = max(
                [x for x in range(i + 1, min(i + 9, len(sentences))) if sentences[x].block == s.block] + [i]
            )
        if i <= listed_until and not lexicon.rejecting_header(norms[i]):
            out.append(True)
            continue
        nxt = [x for x in range(i + 1, min(i + 4, len(sentences))) if sentences[x].block == s.block]
        if nxt and lexicon.rejects_the_previous(norms[nxt[0]]):
            out.append(True)
            continue
        wish = lexicon.WISH_RE.search(norms[i])
        out.append(
            bool(wish)
            and (any(lexicon.turns_down(norms[x]) for x in nxt) or lexicon.turns_down(norms[i][wish.end() :]))
        )
    return out


def _content_words(norm: str) -> int:
    return sum(1 for w in re.findall(r"[a-z0-9']+", norm) if w not in STOP)


def judge(
    hits: list[Hit],
    sentences: list[Sentence],
    norms: list[str],
    signals: list[Signal],
    heads,
    turned_down: dict[int, list[int]],
) -> list[Hit]:
    """Packet-level judgement of each red reading: is it sure enough to decide a verdict
    alone (a hard line, a veto, a failed must-pass dimension)? The rule:

    - a red reading of a signal marked `answered_by_cost` (signals.yaml) is
      **contradicted** by its own sentence when that sentence pays a price for safety
      ("..., even if it costs us the quarter");
    - a red reading is **contradicted** when the packet itself takes the other side on
      the same topic elsewhere: another sentence turns the same red idea down (its
      classifier >= REJECTED_P in a story that turns, >= REJECTING_P in a sentence that
      plainly rejects; an admission is no counter), or a green signal named in the red
      flag's `contradicted_by` is found in another sentence of the same section, unless the reading is a concept-cue hit in the
      candidate's own first-person plan ("I would open every tier to everyone"): gating
      one capability elsewhere does not take that back;
    - it is an **admission** when its sentence, or one of the next two of its paragraph,
      names a habit in order to correct it ("which I'd need to unlearn", "I have had to
      unlearn the reflex");
    - it is **weak** when its sentence reports someone else's proposal or ask ("someone
      proposed a priority tier that skips the classifier"; a signal marked
      `ask_is_the_flag` aside, whose substance is the ask: measured on the read sealed
      sets, +1 packet on each of a, c and e, no packet lost);
    - otherwise it is **sure** when it is corroborated (the same red flag read again in
      words the reading does not itself quote), or a concept-cue hit the classifier rates >= SURE_CUE, or a learned hit
      at >= SURE_LEARNED in a sentence of at least SURE_MIN_WORDS content words; below
      that it is **weak**.

    Contradicted, admitted and weak readings still count (at a reduced weight, `review.py`)
    and are shown to the candidate as concerns to check, never as verdicts. Greens are
    sure from a cue or at >= SURE_GREEN."""
    col = {s.id: j for j, s in enumerate(signals)}
    by_id = {s.id: s for s in signals}
    row = {s.index: i for i, s in enumerate(sentences)}
    others_wish = lru_cache(maxsize=None)(lambda i: lexicon.reports_others_wish(norms[i]))  # once per sentence
    greens_at: dict[tuple[str, str], list[Hit]] = {}  # (green id, section) -> its hits
    reds_at: dict[str, list[Hit]] = {}  # red id -> the candidate's own readings of it, admissions aside
    for g in hits:
        if g.polarity == "green":
            greens_at.setdefault((g.signal, g.section), []).append(g)
        elif not lexicon.ADMISSION_RE.search(norms[row[g.sentence]]) and not (
            not by_id[g.signal].ask_is_the_flag and others_wish(row[g.sentence])
        ):
            reds_at.setdefault(g.signal, []).append(g)  # what corroborates: the candidate's own readings
    out = []
    for h in hits:
        i = row.get(h.sentence)
        p = 1.0 if heads is None or i is None else round(float(heads[i, col[h.signal]]), 3)
        if h.polarity == "green":
            out.append(replace(h, p=p, sure=h.via in ("cue", "rubric") or p >= SURE_GREEN))
            continue
        # the packet's stance against the idea elsewhere; an admission is about a past habit, not a counter
        others = [x for x in turned_down.get(col[h.signal], []) if x != i and not lexicon.ADMISSION_RE.search(norms[x])]
        plan = h.via == "cue" and i is not None and lexicon.first_person_plan(norms[i])
        greens = (
            []
            if plan
            else [
                g
                for gid in by_id[h.signal].contradicted_by
                for g in greens_at.get((gid, h.section), [])
                if g.sentence != h.sentence
            ]
        )
        turned = {sentences[x].index for x in turned_down.get(col[h.signal], [])}
        # another reading of the same flag corroborates only where it quotes other words: a
        # reading whose quote runs into the next sentence is not corroborated by that sentence
        same = [x for x in reds_at.get(h.signal, []) if x.sentence not in turned and not _overlap(x, h)]
        if by_id[h.signal].answered_by_cost and i is not None and lexicon.CONCESSIVE_COST_RE.search(norms[i]):
            out.append(replace(h, p=p, sure=False, concern="contradicted", counter=sentences[i].text))
        elif others or greens:
            counter = sentences[others[0]].text if others else greens[0].quote
            out.append(replace(h, p=p, sure=False, concern="contradicted", counter=counter))
        elif i is not None and any(
            lexicon.ADMISSION_RE.search(norms[x])
            for x in range(i, min(i + 3, len(sentences)))
            if sentences[x].block == sentences[i].block
        ):
            out.append(replace(h, p=p, sure=False, concern="admission"))
        elif not by_id[h.signal].ask_is_the_flag and i is not None and others_wish(i):
            out.append(replace(h, p=p, sure=False, concern="weak"))
        elif (
            same
            or (h.via == "cue" and p >= SURE_CUE)
            or (h.via == "learned" and p >= SURE_LEARNED and _content_words(norms[i]) >= SURE_MIN_WORDS)
        ):
            out.append(replace(h, p=p))
        else:
            out.append(replace(h, p=p, sure=False, concern="weak"))
    return out


def _overlap(a: Hit, b: Hit) -> bool:
    """Whether two readings quote any of the same characters of the packet."""
    return a.start < b.start + len(b.quote) and b.start < a.start + len(a.quote)


_CACHE: OrderedDict[str, list[Hit]] = OrderedDict()
_LOCK = threading.Lock()
_INFLIGHT: dict[str, threading.Lock] = {}


def detect_cached(text: str, signals: list[Signal], exclude: tuple[tuple[int, int], ...] = ()) -> list[Hit]:
    """`detect_signals` memoised per (text, signal library, learned model, exclusions)
    for the process.
    Single-flight: parallel reviews of one packet wait for one detection pass instead
    of each running their own."""
    key = (
        hashlib.sha256(text.encode()).hexdigest()
        + fingerprint(signals)
        + repr(exclude)
        + hashlib.sha256(
            repr(
                [
                    (s.id, s.polarity, s.dimension, s.cues, s.blockers, s.window, s.contradicted_by)
                    + (s.ask_is_the_flag, s.answered_by_cost)
                    for s in signals
                ]
            ).encode()
        ).hexdigest()
        + learned.model_key(signals)
    )  # a corpus edited while the process runs (the UI) means new hits
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        gate = _INFLIGHT.setdefault(key, threading.Lock())
    with gate:
        with _LOCK:
            if key in _CACHE:
                return _CACHE[key]
        hits = detect_signals(text, signals, exclude)
        with _LOCK:
            _CACHE[key] = hits
            _INFLIGHT.pop(key, None)
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return hits
