"""Debrief turns built from real disagreements between the blind reviews.

One turn per call, for `req.speaker`, from what the protocol lets it see:

1. answer a challenge addressed to it and not yet answered: **concede** (vote moves
   one step toward the challenger) only when the challenger's evidence bears on a
   dimension the speaker weighs above its own mean weight, or on a signal in its
   `signal_weights`/`hard_lines`, or is a firm red reading on a must-pass dimension
   (`weighs`), and when weighing that signal EMPHASIS times more
   would carry the speaker's own score past its current vote toward the challenger
   (a marginal vote moves on strong evidence it weighs; a firm one holds); never
   across its own hard line or an integrity concern into hire-side, and at most once
   per debrief. Otherwise **hold**, saying why;
2. otherwise, if someone sits on the other side of hire/no-hire, **challenge** the one
   whose vote differs most among those who can move (a colleague held below hire by
   their own hard line, or who already held against this speaker, comes after the
   others; ties: the one not challenged yet, then persona id), citing evidence from
   the speaker's own review that bears on what the target weighs, a firm reading
   before a concern to check. Measured on the tuned sealed sets a-e
   (`bench/packet_sets.py`): these two rules raised final-vote agreement on packets
   whose blind reviews split from 0.55 to 0.64 on set d and left every other set's
   agreement as it was;
3. otherwise (everyone on one side) **open** in the first round, then **support** a
   colleague, restating evidence not yet cited.

Wording comes from the persona's `style` phrases, chosen deterministically from the
packet hash, the speaker, the round and the move, skipping phrases the speaker has
already used so that no two turns of a run read the same.
"""

from __future__ import annotations

import hashlib
import re

from committee.decision.rules import INTEGRITY_CAP, failed_dimensions
from committee.engines.offline.review import (
    analyse,
    crosses_hard_line,
    dim_name,
    fails_must_pass,
    label,
    meaning,
    reading,
    relevance,
    score,
)
from committee.intake.sentences import short_quote
from committee.models import Context, DebriefTurn, Evidence, Persona, Review, TurnRequest, Vote

ORDER = sorted(Vote, key=lambda v: v.points)  # lowest first
EMPHASIS = 2.0  # a challenge makes the persona weigh the cited signal this much more


def _seed(*keys: object) -> int:
    return int(hashlib.sha256("|".join(map(str, keys)).encode()).hexdigest()[:12], 16)


def weighs(persona: Persona, ev: Evidence, ctx: Context | None = None) -> bool:
    """Does `persona` weigh this evidence: its dimension above the persona's mean weight,
    or its signal among the persona's signal weights or hard lines; with `ctx`, also a
    firm red reading (no `concern`) on one of the scenario's must-pass dimensions, which
    fails a packet whoever weighs it, so every member of the committee answers to it."""
    weights = list(persona.weights.values())
    mean = sum(weights) / len(weights) if weights else 0.0
    return (
        persona.weights.get(ev.dimension or "", 0.0) > mean
        or ev.signal in persona.signal_weights
        or ev.signal in persona.hard_lines
        or (
            ctx is not None and ev.polarity == "red" and not ev.concern and ev.dimension in ctx.scenario.rules.must_pass
        )
    )


def hard_line_hits(ctx: Context, persona: Persona, review: Review | None) -> list[Evidence]:
    """The review's evidence that crosses one of the persona's hard lines, by the same
    rule the review applied (`review.crosses_hard_line`)."""
    if review is None:
        return []
    clear = {(h.signal, h.start) for h in analyse(ctx).hits if crosses_hard_line(persona, h)}
    return [e for e in review.evidence if (e.signal, e.start) in clear]


def standing_reds(persona: Persona, review: Review | None) -> list[Evidence]:
    """The review's firm red evidence (no `concern`) that the persona weighs (`weighs`):
    what put a no-hire vote where it is, and which no green evidence elsewhere buys back."""
    if review is None:
        return []
    return [e for e in review.evidence if e.polarity == "red" and not e.concern and weighs(persona, e)]


def ceiling(ctx: Context, persona: Persona, review: Review | None, current: Vote, scores: dict[str, int]) -> Vote:
    """The highest vote this persona may reach in the debrief: a crossed hard line
    allows no upward move at all (not even out of a veto), an integrity concern
    nothing above no_hire, and neither does the persona's own failed must-pass dimension
    (in `scores`, its reading updated by the debrief's evidence). A member on the
    no-hire side whose own review holds firm red evidence it weighs (`standing_reds`)
    stays on that side: an alignment-first committee does not trade a red flag the
    packet commits against strengths elsewhere. Measured on the four earlier sealed
    sets (`bench/packet_sets.py`): of the four debrief moves from no-hire to hire over
    such evidence, three went against the label."""
    if hard_line_hits(ctx, persona, review):
        return current if current.points <= Vote.no_hire.points else Vote.no_hire
    if ctx.integrity:
        return INTEGRITY_CAP
    if fails_must_pass(ctx, scores):
        return Vote.no_hire
    if not current.is_hire and standing_reds(persona, review):
        return Vote.no_hire
    return Vote.strong_hire


def shared(req: TurnRequest, pid: str) -> frozenset[tuple[str, int]]:
    """Evidence the debrief puts before member `pid`, as (signal, start) pairs: what the
    colleagues whose sealed vote sits on the other side of its own cite in their reviews.
    It depends on the sealed reviews only, never on who happens to speak first, so a
    member's update is the same under any speaking order."""
    mine = req.reviews.get(pid)
    if mine is None:
        return frozenset()
    return frozenset(
        (e.signal, e.start)
        for q, r in req.reviews.items()
        if q != pid and r.vote.is_hire != mine.vote.is_hire
        for e in r.evidence
        if e.start is not None
    )


def updated(ctx: Context, persona: Persona, req: TurnRequest, ev: Evidence | None = None):
    """`persona`'s scoring once it takes in the debrief (`shared`: the other side's
    evidence, which its own reading may have missed and which then counts at face value)
    and, with `ev`, a piece of evidence it had already weighed, now weighed EMPHASIS times
    (it was asked to weigh it again). Returns `review.Scoring`."""
    full = analyse(ctx)
    before = {(h.signal, h.start) for h in reading(ctx, persona, full).hits}
    emphasis = {ev.signal: EMPHASIS} if ev is not None and (ev.signal, ev.start) in before else None
    return score(ctx, persona, reading(ctx, persona, full, shared(req, persona.id)), emphasis=emphasis)


def step_toward(current: Vote, target: Vote) -> Vote:
    i, j = ORDER.index(current), ORDER.index(target)
    if i == j:
        return current
    return ORDER[i + (1 if j > i else -1)]


def _name(ctx: Context, pid: str) -> str:
    p = ctx.panel.get(pid)
    return p.name if p else pid


def _fill(template: str, ctx: Context, to: str | None, their_vote: Vote | None) -> str:
    return template.replace("{to}", _name(ctx, to) if to else "everyone").replace(
        "{their_vote}", their_vote.label if their_vote else "that vote"
    )


def _attach(phrase: str, quote: str, ref: str | None = None) -> str:
    """Join a style phrase and a quote so that the sentence reads naturally; with `ref`
    (the quote was cited earlier in the debrief), a reference to it instead of the quote."""
    p = phrase.rstrip()
    q = f"{ref}." if ref else f"\u201c{short_quote(quote)}\u201d"
    if p.endswith(":"):
        return f"{p} {q}"
    if re.search(r"\b(because|since|given that|as)$", p):
        return f"{p} of {q}" if ref else f"{p} the packet says {q}"
    if re.search(r"\b(says|add|is|are|was|stress is|point to|to|that|be)$", p):
        return f"{p} {q}"
    if p.endswith((".", "!", "?")):
        return f"{p} The packet says {q}"
    return f"{p}: {q}"


def _ref(ctx: Context, req: TurnRequest, ev: Evidence) -> str | None:
    """When `ev` was already quoted in the visible debrief, a back-reference to it ("the
    line Dr. Mara Okafor quoted on values") so that no turn repeats a quote; else None."""
    for t in req.transcript:
        if any((e.signal, e.start) == (ev.signal, ev.start) for e in t.evidence):
            if t.speaker == req.speaker:
                return f"the line I quoted earlier on {dim_name(ctx, ev.dimension)}"
            return f"the line {_name(ctx, t.speaker)} already quoted on {dim_name(ctx, ev.dimension)}"
    return None


def _choose(options: list[str], used: set[str], seed: int) -> str:
    n = len(options)
    for k in range(n):
        cand = options[(seed + k) % n]
        if cand not in used:
            return cand
    return options[seed % n]


def _used_phrases(persona: Persona, transcript: list[DebriefTurn], speaker: str, ctx: Context) -> set[str]:
    """Style templates this speaker has already used in the visible transcript."""
    used = set()
    style = persona.style
    for t in transcript:
        if t.speaker != speaker:
            continue
        for template in style.openers + style.challenge + style.hold + style.concede + style.support:
            head = template.split("{")[0][:24]
            if head and t.text.startswith(head):
                used.add(template)
    return used


def _cited(transcript: list[DebriefTurn], speaker: str | None = None) -> set[tuple[str, int | None]]:
    return {(e.signal, e.start) for t in transcript if speaker is None or t.speaker == speaker for e in t.evidence}


def _supporting(review: Review, downward: bool) -> list[Evidence]:
    """Evidence in `review` that argues for a lower (downward) or higher vote."""
    return [e for e in review.evidence if e.polarity == ("red" if downward else "green")]


def _pending_challenges(req: TurnRequest) -> list[tuple[int, DebriefTurn]]:
    """Challenges addressed to the speaker, not yet answered, from someone whose vote is
    still on the other side of hire/no-hire."""
    out = []
    mine = req.votes.get(req.speaker)
    for i, t in enumerate(req.transcript):
        if t.move != "challenge" or t.to != req.speaker:
            continue
        theirs = req.votes.get(t.speaker, t.vote)
        if mine is not None and theirs.is_hire == mine.is_hire:
            continue
        answered = any(
            u.speaker == req.speaker and u.to == t.speaker and u.move in ("hold", "concede")
            for u in req.transcript[i + 1 :]
        )
        if not answered:
            out.append((i, t))
    return out


def _conceded_before(req: TurnRequest) -> bool:
    return any(t.speaker == req.speaker and t.move == "concede" for t in req.transcript)


# ------------------------------------------------------------------------- moves


def _respond(
    ctx: Context,
    req: TurnRequest,
    persona: Persona,
    review: Review,
    current: Vote,
    challenge: DebriefTurn,
    used: set[str],
    seed: int,
) -> DebriefTurn:
    challenger = challenge.speaker
    their = req.votes.get(challenger, challenge.vote)
    weighed = [e for e in challenge.evidence if weighs(persona, e, ctx)]
    target = step_toward(current, their)
    new = {(e.signal, e.start) for e in review.evidence}
    fresh_to_me = [e for e in weighed if (e.signal, e.start) not in new]
    cap = ceiling(
        ctx, persona, review, current, updated(ctx, persona, req, (fresh_to_me or weighed or [None])[0]).scores
    )
    if target.points > cap.points:
        target = current
    blocked_by_line = their.points > current.points and current.points >= cap.points
    reason: str
    # evidence this member's own reading had missed is news: it counts if it moves the
    # member's own weighted scoring; evidence it had already weighed moves it only when it
    # bears on what it weighs (re-weighed EMPHASIS times)
    moved = [
        e
        for e in challenge.evidence
        if (weighs(persona, e, ctx) or (e.signal, e.start) not in new)
        and _would_move(ctx, persona, current, their, e, req)
    ]
    if moved and target != current and not _conceded_before(req):
        ev = moved[0]
        why_dim = (
            f"{dim_name(ctx, ev.dimension)} carries real weight in my vote"
            if persona.weights.get(ev.dimension or "", 0) > sum(persona.weights.values()) / len(persona.weights)
            else "it is a signal I track"
            if weighs(persona, ev, ctx)
            else "my own reading had missed it, and it shifts my scoring"
        )
        reason = (
            f"{_name(ctx, challenger)} pointed to {label(ctx, ev.signal)} on {dim_name(ctx, ev.dimension)}, "
            f"and {why_dim}; that moves me from {current.label} to {target.label}."
        )
        phrase = _fill(_choose(persona.style.concede, used, seed), ctx, challenger, their)
        text = (
            f"{_attach(phrase, ev.quote, _ref(ctx, req, ev))} That is {label(ctx, ev.signal)}, and {why_dim}. "
            f"I move from {current.label} to {target.label}."
        )
        return _turn(req, current, "concede", challenger, text, [ev], vote=target, reason=reason)
    # hold: say why, with the speaker's own strongest counter-evidence
    if blocked_by_line:
        lines = hard_line_hits(ctx, persona, review)
        if lines:
            reason = (
                f"the packet crosses my hard line {label(ctx, lines[0].signal)}, "
                "and no argument about other dimensions buys that back"
            )
        elif ctx.integrity:
            reason = (
                "the packet tries to instruct its reviewers, and I will not vote to hire on a packet that does that"
            )
        elif (reds := standing_reds(persona, review)) and not fails_must_pass(ctx, review.scores if review else {}):
            reason = (
                f"the packet still reads as {label(ctx, reds[0].signal)} to me, and strengths elsewhere do not "
                "buy back a red flag on what I weigh"
            )
        else:
            failed = failed_dimensions(review.scores, ctx.scenario.rules) if review is not None else []
            reason = (
                f"I read {dim_name(ctx, failed[0]) if failed else 'a must-pass dimension'} as failed, "
                "and I will not vote to hire while a must-pass dimension reads as failed to me"
            )
    elif not challenge.evidence:
        top = max(persona.weights, key=persona.weights.get)
        reason = (
            f"a missing answer counts against the packet, and I have already scored it so; "
            f"my vote is decided by {dim_name(ctx, top)}, and the quote I rely on is still there"
        )
    elif not weighed:
        ev = challenge.evidence[0]
        reason = (
            f"{label(ctx, ev.signal)} bears on {dim_name(ctx, ev.dimension)}, which is not where my vote is decided, "
            f"and it is not a signal I track"
        )
    elif _conceded_before(req):
        reason = "I have already moved once in this debrief, and nothing new changes the balance"
    elif target != current:
        ev = weighed[0]
        reason = (
            f"I weighed {label(ctx, ev.signal)} again, and it counts, but even weighed double it does not "
            f"outweigh the rest of my evidence"
        )
    else:
        reason = "my vote already sits where that evidence points"
    downward = their.points > current.points  # they are higher: I defend the lower vote with reds
    own = sorted(_supporting(review, downward), key=lambda e: -relevance(persona, ctx, e.signal, e.dimension, 1.0))
    own = [e for e in own if (e.signal, e.start) not in _cited(req.transcript, req.speaker)] or own
    phrase = _fill(_choose(persona.style.hold, used, seed), ctx, challenger, their)
    if own:
        text = f"{_attach(phrase, own[0].quote, _ref(ctx, req, own[0]))} I hold at {current.label}: {reason}."
        evidence = [own[0]]
    else:
        text = f"{phrase.rstrip(':, ')} {reason}. I hold at {current.label}."
        evidence = []
    return _turn(req, current, "hold", challenger, text, evidence, reason=reason[0].upper() + reason[1:] + ".")


def _would_move(ctx: Context, persona: Persona, current: Vote, their: Vote, ev: Evidence, req: TurnRequest) -> bool:
    """Would `persona`'s own scoring reach a vote beyond `current`, toward `their`, once it
    takes in `ev` (`updated`: at face value when its reading had missed it, weighed
    EMPHASIS times when it had not)? A marginal vote moves on evidence it weighs; a firm
    one holds."""
    if ev.signal not in {h.signal for h in analyse(ctx).hits}:
        return False
    again = updated(ctx, persona, req, ev).vote
    if their.points > current.points:
        return again.points > current.points
    return again.points < current.points


def downward_of(req: TurnRequest, pid: str, current: Vote) -> bool:
    """True when `pid` votes above `current` (a challenge to them argues downward)."""
    return req.votes[pid].points > current.points


def _challenge(
    ctx: Context,
    req: TurnRequest,
    persona: Persona,
    review: Review,
    current: Vote,
    opponents: list[str],
    used: set[str],
    seed: int,
) -> DebriefTurn:
    recent = {t.to for t in req.transcript if t.speaker == req.speaker and t.move == "challenge"}
    # someone who has already answered my challenge with a hold has heard my evidence:
    # the next-widest disagreement comes first, and I come back to them later
    held = {t.speaker for t in req.transcript if t.move == "hold" and t.to == req.speaker}
    # a colleague held below hire by their own hard line cannot be argued up on other
    # evidence: the movable disagreements come first
    pinned = {
        pid
        for pid in opponents
        if not downward_of(req, pid, current)
        and ctx.panel.get(pid) is not None
        and hard_line_hits(ctx, ctx.panel[pid], req.reviews.get(pid))
    }

    def key(pid: str):
        # ties break on the persona id, not the speaking order, so shuffling who
        # speaks first cannot change who is challenged
        return (pid in pinned, pid in held, -abs(req.votes[pid].points - current.points), pid in recent, pid)

    # a challenge from silence is made once per colleague: saying it again adds nothing
    silent = {t.to for t in req.transcript if t.speaker == req.speaker and t.move == "challenge" and not t.evidence}
    ranked = sorted(opponents, key=key)
    ranked = [p for p in ranked if p not in silent or _supporting(review, req.votes[p].points > current.points)]
    if not ranked:
        return _nothing_new(ctx, req, current, sorted(opponents, key=key)[0])
    target = ranked[0]
    tp = ctx.panel.get(target)
    their = req.votes[target]
    downward = their.points > current.points
    pool = _supporting(review, downward)
    already = {
        (e.signal, e.start) for t in req.transcript if t.speaker == req.speaker and t.to == target for e in t.evidence
    }
    fresh = [e for e in pool if (e.signal, e.start) not in already] or pool
    if tp is not None:
        # evidence the colleague's own reading missed comes first: it is what the debrief adds
        theirs = {(e.signal, e.start) for e in (req.reviews[target].evidence if target in req.reviews else [])}
        fresh.sort(
            key=lambda e: (
                not weighs(tp, e, ctx),
                bool(e.concern),
                (e.signal, e.start) in theirs,
                -relevance(tp, ctx, e.signal, e.dimension, 1.0),
            )
        )
    phrases = persona.style.challenge if downward or not persona.style.champion else persona.style.champion
    phrase = _fill(_choose(phrases, used, seed), ctx, target, their)
    if fresh:
        ev = fresh[0]
        if tp is not None and weighs(tp, ev, ctx):
            gloss_options = [
                f"That is {label(ctx, ev.signal)} on {dim_name(ctx, ev.dimension)}, which you weigh heavily.",
                f"It bears on {dim_name(ctx, ev.dimension)}: {meaning(ctx, ev.signal)}.",
                f"You track {label(ctx, ev.signal)} yourself; this is it, on {dim_name(ctx, ev.dimension)}.",
            ]
        else:
            gloss_options = [
                f"That is {label(ctx, ev.signal)}, on {dim_name(ctx, ev.dimension)}.",
                f"On {dim_name(ctx, ev.dimension)}, this reads as {label(ctx, ev.signal)}.",
            ]
        gloss = gloss_options[seed % len(gloss_options)]
        side = "below" if downward else "above"
        text = f"{_attach(phrase, ev.quote, _ref(ctx, req, ev))} {gloss} My vote is {current.label}, {side} yours."
        evidence = [ev]
    else:
        text = _gap_text(ctx, review, tp, target, their, current, seed)
        evidence = []
    return _turn(req, current, "challenge", target, text, evidence)


def _nothing_new(ctx: Context, req: TurnRequest, current: Vote, to: str) -> DebriefTurn:
    """A member who has made its only point (a gap in the packet) to every colleague on
    the other side says so once and stays, instead of repeating itself."""
    text = (
        f"I have nothing new to add: I have put my point to {_name(ctx, to)} and the others, "
        f"and nothing said since answers it. I stay at {current.label}."
    )
    return _turn(req, current, "hold", None, text, [], reason="Nothing said in the debrief answers the gap I raised.")


def _gap_text(
    ctx: Context, review: Review, tp: Persona | None, target: str, their: Vote, current: Vote, seed: int
) -> str:
    """A challenge from silence: the dimension the packet leaves empty that matters most
    (must-pass first, then the target's weight), and what a strong answer would show."""
    covered = {e.dimension for e in review.evidence}
    empty = [d for d in ctx.scenario.dimensions if d.id not in covered] or list(ctx.scenario.dimensions)
    must = set(ctx.scenario.rules.must_pass)
    empty.sort(key=lambda d: (d.id not in must, -(tp.weights.get(d.id, 0.0) if tp else 0.0)))
    dim = empty[0]
    note = ", a dimension that fails a packet on its own" if dim.id in must else ""
    to = _name(ctx, target)
    options = [
        f"{to}, before we settle on {their.label}: the packet says nothing on {dim.name.lower()}{note}. "
        f"A strong answer would show {dim.strong_answer}. I stay at {current.label}.",
        f"{to}, where in this packet is the {dim.name.lower()}? I find nothing on it{note}, and a strong "
        f"answer would show {dim.strong_answer}. That keeps me at {current.label}.",
        f"{to}, {their.label} asks us to take {dim.name.lower()} on trust: the packet never addresses it{note}. "
        f"I'd want to see {dim.strong_answer}. I remain at {current.label}.",
    ]
    return options[seed % len(options)]


def _agree(
    ctx: Context, req: TurnRequest, persona: Persona, review: Review, current: Vote, used: set[str], seed: int
) -> DebriefTurn:
    spoken = any(t.speaker == req.speaker for t in req.transcript)
    cited = _cited(req.transcript)
    downward = not current.is_hire
    pool = sorted(
        _supporting(review, downward) or review.evidence,
        key=lambda e: -relevance(persona, ctx, e.signal, e.dimension, 1.0),
    )
    fresh = [e for e in pool if (e.signal, e.start) not in cited] or pool
    mine = _cited(req.transcript, req.speaker)
    fresh = [e for e in fresh if (e.signal, e.start) not in mine] or fresh
    ev = fresh[(seed % min(2, len(fresh)))] if len(fresh) > 1 and spoken else (fresh[0] if fresh else None)
    if not spoken or req.round == 1 and not req.transcript:
        phrase = _choose(persona.style.openers, used, seed)
        if ev is not None:
            ref = _ref(ctx, req, ev)
            line = ref if ref else f"\u201c{short_quote(ev.quote)}\u201d"
            text = (
                f"{phrase} I vote {current.label}. The line that settles it: {line} "
                f"({label(ctx, ev.signal)}, {dim_name(ctx, ev.dimension)})."
            )
        else:
            text = f"{phrase} I vote {current.label}; the packet gives me no quotable evidence either way."
        return _turn(req, current, "open", None, text, [ev] if ev else [])
    order = list(ctx.panel)
    same = [
        p
        for p in order
        if p != req.speaker and req.votes.get(p) is not None and req.votes[p].is_hire == current.is_hire
    ]
    supported = {t.to for t in req.transcript if t.speaker == req.speaker and t.move == "support"}
    same.sort(key=lambda p: (p in supported, abs(req.votes[p].points - current.points), p))
    to = same[0] if same else None
    phrase = _fill(_choose(persona.style.support, used, seed), ctx, to, req.votes.get(to) if to else None)
    if ev is not None:
        text = f"{_attach(phrase, ev.quote, _ref(ctx, req, ev))} ({label(ctx, ev.signal)}). Round {req.round}: I stay at {current.label}."
    else:
        text = f"{phrase.rstrip(':, ')} the same conclusion. Round {req.round}: I stay at {current.label}."
    return _turn(req, current, "support", to, text, [ev] if ev else [])


def _turn(
    req: TurnRequest,
    current: Vote,
    move: str,
    to: str | None,
    text: str,
    evidence: list[Evidence],
    *,
    vote: Vote | None = None,
    reason: str | None = None,
) -> DebriefTurn:
    """A turn by `req.speaker` in `req.round` that answers `to` (None: the room), moving the
    speaker from `current` to `vote` (default: no move)."""
    return DebriefTurn(
        round=req.round,
        speaker=req.speaker,
        move=move,
        to=to,
        text=text,
        evidence=evidence,
        vote=current if vote is None else vote,
        previous_vote=current,
        reason=reason,
    )


def plan_turn(ctx: Context, req: TurnRequest) -> DebriefTurn:
    """The next debrief turn for `req.speaker` (deterministic)."""
    persona = ctx.panel[req.speaker]
    review = req.reviews.get(req.speaker) or Review(
        persona=req.speaker, vote=req.votes[req.speaker], scores={}, summary=""
    )
    current = req.votes.get(req.speaker, review.vote)
    used = _used_phrases(persona, req.transcript, req.speaker, ctx)
    pending = _pending_challenges(req)
    if pending:
        # answer first the challenge it would concede to, else the widest disagreement
        def key(item):
            _, t = item
            moves = any(weighs(persona, e, ctx) for e in t.evidence)
            return (not moves, -abs(req.votes.get(t.speaker, t.vote).points - current.points), item[0])

        _, challenge = sorted(pending, key=key)[0]
        turn = _respond(
            ctx,
            req,
            persona,
            review,
            current,
            challenge,
            used,
            _seed(ctx.packet.sha256, req.speaker, req.round, "respond"),
        )
    else:
        opponents = [p for p, v in req.votes.items() if p != req.speaker and v.is_hire != current.is_hire]
        seed = _seed(ctx.packet.sha256, req.speaker, req.round, "challenge" if opponents else "agree")
        if opponents:
            turn = _challenge(ctx, req, persona, review, current, opponents, used, seed)
        else:
            turn = _agree(ctx, req, persona, review, current, used, seed)
    texts = {t.text for t in req.transcript}
    if turn.text in texts:  # never repeat a turn verbatim
        turn = turn.model_copy(update={"text": f"{turn.text} (Round {req.round}.)"})
    return turn
