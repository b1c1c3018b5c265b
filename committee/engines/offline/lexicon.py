"""How a statement is framed: negation, distancing, rejection and questions.

A signal's concepts can appear in a sentence that rejects them ("I would not canary
this", "a disclaimer is not a mitigation", "some people suggest keyword filters, but
they are easy to evade"). These helpers decide, for a concept found at some offset,
whether the sentence asserts it or keeps it at a distance. All functions work on the
`normalise`d sentence text with offsets relative to the sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

# words that negate what follows them inside the same clause
NEGATOR_RE = re.compile(
    r"\b(not|no|never|nobody|none|nothing|neither|nor|without|cannot|can't|won't|wouldn't|shouldn't|"
    r"don't|doesn't|didn't|isn't|aren't|wasn't|weren't|mustn't|avoid(s|ed|ing)?|(argue[sd]?|arguing|voted|decided|advised?|recommend(s|ed)?|warn(s|ed)?) against|refus(e|es|ed|ing)|"
    r"reject(s|ed|ing)?|declin(e|es|ed|ing)|far from|less about|stop(ped)? (using|relying)|"
    r"(said|say|saying|says) no to|push(ed)? back (on|against)|veto(es|ed)?|ruled? out|rules out|talked \w+ out of|"
    r"turn(s|ed|ing)? down(?! (the |our |its |their |a |all )?(content |safety |abuse |spam |fraud )?(filter|classifier|moderation|"
    r"threshold|safeguard|check|guardrail|volume|sensitivity|detector|detection|jailbreak))|walk(s|ed|ing)? away from|"
    r"(kill|block|scrapp|shelv|resist|overrul)(ed|ing)|fought|"
    r"(a mistake|wrong|reckless|irresponsible|unacceptable|a bad idea|negligent) to)\b"
)
# a comparison that ranks what follows it lower ("the mission matters more to me than the
# base salary", "is more important than", "outranks"): what follows is set aside
COMPARATIVE = (
    r"(?:matters?|counts?|weighs?) (?:far |much )?more(?: to (?:me|us|her|him|them))? than|"
    r"(?:is|are|was|'s) (?:far |much )?more important(?: to (?:me|us|her|him|them))? than|outranks?"
)
# negators whose scope ends at the next comma ("rather than X, we do Y")
SHORT_NEGATOR_RE = re.compile(rf"\b(rather than|instead of|unlike|as opposed to|{COMPARATIVE})\b")
# a negation made conditional ("never used unless they opt in", "not shipped until ...")
CONDITIONAL_RE = re.compile(r"\b(unless|until|except (when|if)|only (if|when|after))\b")
# rejection predicates that follow the rejected thing in its clause
REJECTION_RE = re.compile(
    r"\b((is|are|was|were|would be|'s) (not|never|no longer)\b|isn't|aren't|does nothing|do nothing|"
    r"(doesn't|don't|won't|wouldn't|will not|would not|does not|do not) (work|help|scale|stop|hold|protect)|"
    r"fails?\b|falls? short|(easy|trivial|simple|cheap) to (evade|bypass|route around|get around|circumvent|defeat|game|break|trick)|"
    r"bypassed|evaded|routed around|(is|was|would be) a (mistake|trap|bad idea|false comfort)|not enough|insufficient|"
    r"theat(re|er)|is how people imagine|the mistake|the wrong|"
    r"(can't|cannot|can not|shouldn't|should not|mustn't|must not|won't|will not|wouldn't|would not) (be|become|serve as|count as|replace)|"
    r"(trivially|easily|cheaply|quickly) (evaded|bypassed|defeated|gamed|circumvented|broken|fooled|tricked|routed around)|"
    r"(is|are|was|would be|sounds?) (exactly |precisely |just )?(what|something|the (kind of |sort of )?thing) (i|we)('d| would| will)? "
    r"(refuse|never|not|won't|wouldn't|avoid|reject|would never|will never|don't|do not|rule out)|"
    r"(would be|is|are|was|sounds?|seems?|feels?) (reckless|irresponsible|dangerous|unacceptable|negligent|a non-starter|"
    r"out of the question|off the table|wrong|impossible|unrealistic|naive|indefensible)|"
    r"(a )?promise (that )?(no|nobody|no one) (model|system|team|vendor|one)? ?can (keep|make|deliver)|no model can\b"
    r")\b"
)
# an idea reported as someone's proposal and then turned down in the same sentence
# ("X was suggested, and I said no"): everything before the report is distanced
PROPOSAL_RE = re.compile(
    r"\b(was|were|got|had been|has been|have been|is being) (suggested|proposed|floated|raised|pitched|requested|"
    r"put forward|put on the table|on the table|asked for|demanded|tabled|considered)\b"
)
TURNED_DOWN_RE = re.compile(
    r"\b(i|we|the team|leadership|they|she|he) (quickly |firmly |politely )?(said no|refused|declined|rejected|vetoed|"
    r"pushed back|overruled|(turned|shot|voted|talked) (it|that|them|this) (down|out)|(blocked|killed|dropped|ruled out) (it|that|them|this))\b"
)
# framing that reports an idea in order to reject it
DISTANCING_RE = re.compile(
    r"^(some|many|most|a lot of|plenty of|several|a few) (of my |of our )?(people|teams|companies|candidates|folks|pms|"
    r"product managers|vendors|others|colleagues|engineers|stakeholders|executives|leaders|investors|founders|managers|"
    r"peers|competitors)\b|"
    r"\b(one|you|someone|others) (could|might|may) (argue|suggest|say|propose|think)\b|"
    r"\b(some|many|others) (argue|suggest|say|propose|think|would)\b|"
    r"\bthe (obvious|tempting|common|usual|easy|naive|standard|lazy|default|classic) (answer|move|approach|fix|reflex|idea|option|choice|instinct|response|mistake|trap)\b|"
    r"\b(it is|it's|it would be) tempting\b|\bthe temptation\b|\bpeople (often|usually|sometimes) (suggest|propose|say|reach for)\b|"
    r"\bthe idea that\b|\bcalling\b|\bso-called\b|\bis how people imagine\b|"
    r"\b(someone|somebody|people|everyone|the room|a colleague)( \w+){0,4} (propose|suggest|say|argue|ask|pitch)e?s\b"
)
# someone else's wish, reported: what follows in the clause is not the candidate's stance
ATTRIBUTION_RE = re.compile(
    r"\b(legal|sales|compliance|marketing|leadership|management|finance|the (client|customer|partner|board|ceo|team|company|buyer)|"
    r"(my|our|some|a few|several) (manager|boss|ceo|client|customer|partner|sales team|colleagues?|engineers?|"
    r"stakeholders?|executives?|leaders?|investors?|founders?|managers?|peers?|team)s?|the sales team|sales team|"
    r"(the |some )?(engineering|product|growth|leadership|board|executives|investors)|they|he|she) "
    r"((wanted|asked|proposed|pushed|suggested|demanded|tried|needed|planned) to|"
    r"(wanted|asked for|requested|proposed|pushed for|suggested|demanded|floated|pitched) (a|an|the|us|me|some|our))\b"
)
CONTRAST_RE = re.compile(r"\b(but|however|yet|instead|whereas)\b")
TOKEN_RE = re.compile(r"[a-z0-9']+")
QUOTE_RE = re.compile(r"\"[^\"]{2,200}\"|'[^']{2,200}'(?!\w)")

NEGATION_WINDOW = 10  # tokens before a concept that a negator may reach
REACH_CHARS = 400  # no framing word acts from further away than this (10 tokens fit easily)
REJECTION_REACH = 8  # tokens after a concept that its rejecting predicate may sit
# a new predicate starts here: "relaxed moderation so their jobs are never interrupted"
# does not reject the moderation
SUBORDINATE_RE = re.compile(r"\b(so|because|since|while|when|whereas|although|though|if|unless|which|who)\b")


def _predicate_end(sentence: str, start: int, clause_end: int) -> int:
    """Where a rejection of the concept ending at `start` may end: the clause end, the
    next subordinate clause, or REJECTION_REACH tokens, whichever comes first."""
    end = min(clause_end, start + REACH_CHARS)
    sub = SUBORDINATE_RE.search(sentence, start, end)
    if sub:
        end = sub.start()
    toks = list(TOKEN_RE.finditer(sentence, start, end))
    if len(toks) > REJECTION_REACH:
        end = toks[REJECTION_REACH].start()
    return end


def _overlaps(a: int, b: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < y and x < b for x, y in spans)


def negated(
    sentence: str, pos: int, clause: tuple[int, int], own: list[tuple[int, int]], requirement: bool = False
) -> bool:
    """True when the concept at `pos` (sentence-relative) is negated inside `clause`:
    a negator within NEGATION_WINDOW tokens before it (not part of the concept's own
    matches `own`, and not made conditional by "unless"/"until"), a "rather than" /
    "instead of" earlier in the same comma phrase, or a rejection predicate after it.

    "Never X without Y" negates X *without* Y, so it asserts Y; with `requirement`
    (a green signal: a control the plan insists on) it also asserts X as something
    that may only happen with Y ("never open an endpoint without identity checks")."""
    ca, cb = clause
    # only the last REACH_CHARS characters of the clause can hold a negator that reaches
    # this concept: bounding the text read keeps a long unpunctuated clause linear
    ca = max(ca, pos - REACH_CHARS)
    before = sentence[ca:pos]
    near = [(x, y) for x, y in own if y > ca and x < pos]
    tail = before[max(0, before.rfind(",") + 1) :]
    for m in SHORT_NEGATOR_RE.finditer(tail):
        if not _overlaps(ca + len(before) - len(tail) + m.start(), ca + len(before) - len(tail) + m.end(), near):
            return True
    tokens = list(TOKEN_RE.finditer(before))
    window_start = tokens[-NEGATION_WINDOW].start() if len(tokens) >= NEGATION_WINDOW else 0
    negators = [m for m in NEGATOR_RE.finditer(before) if not _overlaps(ca + m.start(), ca + m.end(), near)]
    # "never ... without X", "no launch ... without X": two negations assert X
    if negators and negators[-1].group(0) == "without" and len(negators) >= 2 and negators[-2].group(0) != "without":
        negators = []
    if requirement and negators and re.search(r"\bwithout\b", sentence[pos : min(cb, pos + REACH_CHARS)]):
        negators = []
    for m in negators:
        if m.start() < window_start:
            continue
        if CONDITIONAL_RE.search(sentence, ca + m.end(), min(cb, pos + REACH_CHARS)):
            continue
        return True
    # a rejection predicate after this concept ("X isn't our goal"), not after the
    # cue's other concepts
    end_own = max([b for a, b in own if a <= pos < b] + [pos])
    for m in REJECTION_RE.finditer(sentence, end_own, _predicate_end(sentence, end_own, cb)):
        if not _overlaps(m.start(), m.end(), own):
            return True
    return False


def distanced(sentence: str, pos: int, next_sentence: str = "") -> bool:
    """True when the concept at `pos` sits in a part of the sentence that reports an idea
    in order to reject it ("some people suggest X, but ...", 'calling X "mitigation" is
    a mistake'), or inside quotation marks in a sentence that rejects something."""
    proposal_end, distanced_until, quotes = _distance_profile(sentence, next_sentence)
    return pos < proposal_end or pos < distanced_until or any(a <= pos < b for a, b in quotes)


@lru_cache(maxsize=1024)
def _distance_profile(sentence: str, next_sentence: str) -> tuple[int, int, tuple[tuple[int, int], ...]]:
    """The sentence-level part of `distanced`, computed once per sentence: offsets before
    which a concept is distanced (a proposal turned down; a distancing frame up to its
    contrast word), and the spans of rejected quotations."""
    proposal_end = max(
        (p.end() for p in PROPOSAL_RE.finditer(sentence) if TURNED_DOWN_RE.search(sentence, p.end())), default=-1
    )
    d = DISTANCING_RE.search(sentence)
    negates = bool(NEGATOR_RE.search(sentence) or REJECTION_RE.search(sentence))
    rejects = negates or bool(
        CONTRAST_RE.search(sentence) or REJECTION_RE.search(next_sentence) or NEGATOR_RE.search(next_sentence[:80])
    )
    distanced_until = -1
    if d and rejects:
        c = CONTRAST_RE.search(sentence, d.end())
        distanced_until = len(sentence) + 1 if c is None else c.start()
    quotes = tuple((q.start(), q.end()) for q in QUOTE_RE.finditer(sentence)) if negates else ()
    return proposal_end, distanced_until, quotes


INDIRECT_QUESTION_RE = re.compile(
    r"\b(ask(ed|ing)?|wonder(ed|ing)?|want(ed)? to know)\b[^.;]{0,60}?"
    r"\b(which|whether|how (many|much|often)|what|why|where)\b"
)


def is_question(sentence: str) -> bool:
    """A direct question, or an indirect one ("I would ask the safety team which
    jailbreaks the detector misses"): it seeks a fact, it proposes nothing."""
    return sentence.rstrip().rstrip("\"')").endswith("?") or bool(INDIRECT_QUESTION_RE.search(sentence))


REJECTS_IDEA_RE = re.compile(
    r"\b((a mistake|wrong|reckless|irresponsible|unacceptable|a bad idea|negligent|dangerous) to|"
    r"(a )?promise (that )?(no|nobody|no one) (model|system|team|vendor|one)? ?can (keep|make|deliver)|"
    r"no (current |existing |language )?model (can|could)|"
    r"(dropped|abandoned|scrapped|shelved|killed|ditched) (the|that|this|our|my) (idea|plan|proposal|option)|"
    r"gave up on|walked back|decided against|argued against|advised against|voted against|"
    r"pushed back on|said no to|refused to|declined to|talked \w+ out of|"
    r"push(ed|ing)? back on|"
    r"(is|'s|was) not (a|the) (business|company|product|trade|deal|thing|place|game|bet) "
    r"(i|we|she|he|they)\b|"
    r"(does not|doesn't|won't|will not|would not|wouldn't|can't|cannot|should not|shouldn't) "
    r"(ship|launch|go out|go live|be released)|"
    r"turn(ed|s)? (it|that|this|them) down|turned down|walked away from)\b"
)
# a preference that demotes what the sentence is about ("the base salary matters less to
# me"), unless what it demotes is everything else ("everything else is secondary")
DEMOTES_RE = re.compile(
    r"\b((matters?|counts?) (less|least|far less|much less)|(comes?|came) (second|last)|is secondary|"
    r"takes? a back seat|(is|was|'s) the last thing|last on (my|the|our) list|"
    r"at the bottom of (my|the|our) list|an afterthought)\b"
)
ALL_ELSE_RE = re.compile(r"\b(else|the rest|others?|anything|everything)\s*$")


# "no X happens without Y", "nothing ships until Y": a double negation states a requirement
REQUIREMENT_RE = re.compile(
    r"\b(no|never|nothing|none|nobody|no one)\b[^.;]{0,80}\b(without|until|unless|"
    r"(ships?|launch(es)?|goes (out|live)|go (out|live)|releases?|is released) (if|when|while))\b"
)


# a sentence that names a risk in order to guard against it ("She sees the same risk
# here: a warmer persona is easier to talk round", "The danger is that ...")
RISK_FRAME_RE = re.compile(
    r"\b(the|a|same|main|real|biggest|obvious|first|second|other) (risk|danger|failure mode|worry|threat|trap|problem)s?"
    r"( here| i see| she sees| he sees| we see)? ?(is that|:)"
)
# a denial of weakening: a negator whose clause goes on to a weakening ("None of the tiers
# skips a classifier", "They never sell a lighter safety stack", "we don't discount anyone
# for skipping them"): the double negative states that the safeguard holds
WEAKEN_RE = re.compile(
    r"\b(skip(s|ped|ping)?|bypass(es|ed|ing)?|lighter|looser|weaker|relax(es|ed|ing)?|switch(es|ed|ing)? off|turn(s|ed|ing)? off|"
    r"disabl(e|es|ed|ing)|remov(e|es|ed|ing)|drop(s|ped|ping)?|strip(s|ped|ping)?|waiv(e|es|ed|ing)|exempt(s|ed|ing)?|"
    r"exception|less (filtering|moderation|safety)|unfiltered|without (the )?(filter|classifier|moderation|review|check))"
)
DENIAL_RE = re.compile(
    r"\b(no|none|nothing|never|nobody|no one|not one|not|don't|doesn't|won't|can't|cannot|isn't|aren't)\b"
)


def denies_weakening(sentence: str) -> bool:
    """A negator followed, in its clause, by a weakening of a safeguard: the sentence
    says the safeguard holds. Clauses end at ; : . and at "but", "so", "because", "which"."""
    for clause in re.split(r"[;:.]|\b(?:but|so|because|which)\b", sentence):
        neg = DENIAL_RE.search(clause)
        if neg and WEAKEN_RE.search(clause, neg.end()):
            return True
    return False


def demotes_its_subject(sentence: str) -> bool:
    """ "X matters less to me", "X comes second": a preference against X (not when X is
    "everything else")."""
    m = DEMOTES_RE.search(sentence)
    return bool(m) and not ALL_ELSE_RE.search(sentence[max(0, m.start() - 20) : m.start()].rstrip(" ,;"))


CONSEQUENCE_RE = re.compile(r",?\s+\b(so|therefore|which means|and so)\b\s+")


def rejects_an_idea(sentence: str) -> bool:
    """The sentence as a whole holds an idea at arm's length: "it would be a mistake to
    X", "X is a promise no model can keep", "I dropped the idea of X", "I declined to X",
    "no X happens without Y" (a requirement),
    "some teams suggest X", "X was proposed, and I said no". Used where no concept
    offset is known (the learned layer); plain negation is not enough, since many red
    flags are stated as absences ("no person ever reviews it")."""
    parts = CONSEQUENCE_RE.split(sentence)
    if len(parts) > 1 and parts[-1].strip() and not _rejects(parts[-1]):
        return False  # "it would be a mistake to lose the deal, so they can skip the filter": the consequence stands
    return _rejects(sentence)


def _rejects(sentence: str) -> bool:
    return bool(
        REJECTS_IDEA_RE.search(sentence)
        or REQUIREMENT_RE.search(sentence)
        or DISTANCING_RE.search(sentence)
        or RISK_FRAME_RE.search(sentence)
        or denies_weakening(sentence)
        or demotes_its_subject(sentence)
        or (PROPOSAL_RE.search(sentence) and TURNED_DOWN_RE.search(sentence))
    )


def reports_others_wish(sentence: str) -> bool:
    """The sentence reports what someone other than the candidate proposed or asked for
    ("someone in the planning doc proposed a priority tier ...", "a broker asked us to
    auto-approve claims"), not the candidate's own plan ("I proposed ...", "we pitched")."""
    for m in WISH_RE.finditer(sentence):
        before = sentence[max(0, m.start() - 12) : m.start()]
        if not re.search(r"\b(i|we|i'd|we'd|i'll|we'll|my team and i)\s*$", before) and not m.group(0).startswith(
            ("i ", "we ")
        ):
            return True
    return False


def attributed(sentence: str, pos: int, clause: tuple[int, int]) -> bool:
    """True when the concept at `pos` follows a reported wish of someone else in the same
    clause ("legal wanted to delay ..."): it describes them, not the candidate."""
    return any(m.end() <= pos for m in ATTRIBUTION_RE.finditer(sentence, max(clause[0], pos - REACH_CHARS), pos))


# a self-aware admission: a habit the candidate names in order to correct it ("I default
# to ship-and-measure, which I'd need to unlearn"); a concern to raise, not a stance held
ADMISSION_RE = re.compile(
    r"\b((which|that|something) (i|i'd|i would|i'll|i have|i've|i had|i'm|i am)( had| have| need| needed| still)? "
    r"(to )?(unlearn|unlearned|fight|resist|working on|work on|learning to (drop|stop|resist))|"
    r"(i've|i have|i had|i'd) (had to )?unlearn(ed)?|i'm (still )?working on (that|it|this)|"
    r"(i was|i have been|i've been) guilty of|my (old |first |default )?(instinct|reflex|habit|bias)\b[^.;]{0,60}?\b(is|was|used to be)\b|"
    r"i used to (think|believe|treat|default)|i learned the hard way|i('m| am) not proud)\b"
)

# a cost accepted to keep something: "..., even if it costs us the launch date", "even
# if the date moves", "even at the cost of the quarter". A sentence that pays a price
# for a safety property does not treat safety as negotiable or growth as the goal.
CONCESSIVE_COST_RE = re.compile(
    r"\b(even if|even though|even when|even at the (cost|price|expense) of)\b[^.;]{0,40}?\b("
    r"(costs?|loses?|lose|losing|miss|misses|missing|delays?|delaying) (us |me )?(the |a |our |that |this |some )?"
    r"(\w+ )?(launch|launch date|date|deadline|release|deal|quarter|revenue|customer|contract|renewal|account|weeks?|months?)|"
    r"(the |our |that )?(date|launch|release|deadline|timeline|roadmap) (moves?|slips?)|"
    r"(launch|date|deadline|release|deal|quarter|revenue|customer|contract|renewal|account)s?\b)"
)

# someone else's wish reported in one sentence, turned down in one of the next: "Sales
# wanted to switch off the fraud rule. ... I kept it."
TURN_RE = re.compile(
    r"\b(i|we|she|he|they|the candidate)( \w+)? (kept|held|left|restored) (the|our|my|that|this|its|their) "
    r"(\w+ )?(rule|policy|filter|filters|classifier|gate|check|checks|line|limit|limits|safeguard|safeguards|review|threshold|"
    r"control|controls|standard|position|ground)\b|"
    r"\b(i|we|she|he|they|the candidate)( \w+)? (said no|turned it down|stopped (it|that|this|them)\b|"
    r"walked away from (the|a|that|this|their) (deal|contract|client|customer|renewal|account|partnership)|"
    r"(did not|didn't|would not|wouldn't|won't|never) (do it|do that|allow|accept|agree|budge|sign|switch|launch it|ship it))\b|"
    # a strong turn verb after any subject: "Wei pushed back", "the board refused" is rare in a set-up
    r"\b(refused|declined|said no|pushed back|turned (it|that|this|them) down|stood firm|stood (my|her|his|their) ground|"
    r"held the line|overruled|vetoed|talked (them|him|her|it) out)\b|\b(nope|no way|not on my watch)\b|"
    r"\b(forbids?|prohibits?|does not allow|doesn't allow|won't allow|is not allowed|isn't allowed|rules? (it|that|this) out)\b"
)
# a next sentence that turns down what the one before it said: "The reflexes I built there
# are the wrong ones for triage.", "That is exactly the trap.", "No."
ANAPHORIC_REJECTION_RE = re.compile(
    r"^(no|nope|not here|not this time|wrong)[.!]?$|^((my |the )?(answer|response|reply|verdict|decision))\s*[:-]\s*no\b|"
    r"^(that's|that is|this is|here's|here is) (the|exactly the|precisely the) (problem|danger|trap|mistake)[.!]?$|"
    r"^(that|this|those|these|it|such|none of (that|this|it)|the (reflex|reflexes|instinct|habit|habits|idea|approach|"
    r"playbook|logic|argument|plan|pitch|proposal|temptation|shortcut)s?)\b[^.;]{0,60}?\b(is|are|was|were|would be|'s|'re)\b"
    r"[^.;]{0,30}?\b(wrong|a mistake|the mistake|a trap|the trap|backwards|dangerous|unacceptable|not (ok|okay|acceptable|"
    r"an option|the answer|how)|exactly what (i|we) (avoid|refuse|reject)|the opposite of|the wrong|bad)\b|"
    r"^(i|we) (don't|do not|won't|will not|wouldn't|would not|can't|cannot) (do|accept|buy|ship|support|go along with) (that|this|it)\b|"
    r"^(i|we) (have |'ve |had )?(deliberately |since |long since |consciously )?(dropped|unlearned|abandoned|stopped doing|"
    r"given up|let go of) (that|this|it)\b|"
    r"^(it|that|this|the (number|metric|plan|approach))\b[^.;]{0,50}?\b(meant nothing|means nothing|was meaningless|"
    r"backfired|was (a|the) (mistake|wrong (one|call|number|metric))|taught (me|us))\b"
)
WISH_RE = re.compile(
    ATTRIBUTION_RE.pattern
    + r"|"
    + PROPOSAL_RE.pattern
    + r"|\b(wanted|asked|pushed|lobbied|begged|pressed|pressured) (me|us)\b|\b(pitched|proposed|suggested)\b"
    r"|\b(pitch|ask|request|proposal|suggestion|argument) (will be|is|was|would be)\b"
    r"|\b(proposes|suggests|pitches)\b"
    r"|\b(one|an|the|a|their|his|her) (idea|suggestion|proposal|option|ask)( from [\w' ]{1,40})? (was|is) to\b"
    r"|\b(sales|legal|marketing|leadership|management|finance|compliance|they|he|she|(the|our|my|their) "
    r"(\w+ )?(team|client|customer|partner|board|ceo|cto|vp|boss|manager|director|lead|buyer))"
    r" wanted( \w+){1,4} to\b"
    r"|(?<!\bi )(?<!\bwe )\b(wants|wanted|demands|demanded|insists|insisted|is asking|are asking|asks|asked)"
    r"( us| me)? (the model |our model |it |them )?to\b"
    r"|\bwill (ask|push|pitch) for\b|\b(asked|asks) for\b"
)


def turns_down(sentence: str) -> bool:
    """The sentence tells the candidate turning an idea down or holding a line."""
    return bool(TURN_RE.search(sentence) or rejects_an_idea(sentence))


def rejects_the_previous(sentence: str) -> bool:
    """The sentence turns down what the sentence before it said ("Those reflexes are
    the wrong ones here.", "That is exactly the trap.", "No.")."""
    return bool(ANAPHORIC_REJECTION_RE.search(sentence.strip()))


# parts of a sentence it does not assert, for a reading with no concept offset (the
# learned layer): what a contrastive "not" or "rather than" sets aside, a reported wish,
# a distancing frame up to its contrast word, and quotations in a sentence that rejects
SET_ASIDE_RE = re.compile(
    r"(,|;|\bbut|\band)? ?\b(not|never|rather than|instead of|as opposed to|unlike|isn't|aren't|"
    + COMPARATIVE
    + r")\b(?! worth)[^,;:.]*"
)


RATHER_THAN_RE = re.compile(r"\brather\b[^,;:.]{1,80}?\b(than\b[^,;:.]*)")


def asserted_part(sentence: str) -> str:
    """`sentence` with the parts it sets aside blanked out (same length). "Jailbreak
    detection is a safety boundary, not a number to trade against revenue" keeps "jailbreak
    detection is a safety boundary"."""
    out = list(sentence)

    def blank(a: int, b: int) -> None:
        out[a:b] = " " * (b - a)

    for m in SET_ASIDE_RE.finditer(sentence):
        blank(m.start(), m.end())
    for m in RATHER_THAN_RE.finditer(sentence):  # "I'd rather spend my leverage on X than on the salary"
        blank(m.start(1), m.end())
    for m in ATTRIBUTION_RE.finditer(sentence):
        end = min([x for x in (sentence.find(c, m.end()) for c in ",;.") if x >= 0] or [len(sentence)])
        blank(m.start(), end)
    proposal_end, distanced_until, quotes = _distance_profile(sentence, "")
    blank(
        0,
        max(proposal_end, distanced_until, 0) if max(proposal_end, distanced_until) <= len(sentence) else len(sentence),
    )
    for a, b in quotes:
        blank(a, b)
    return "".join(out)


# a line that introduces a list of what the candidate turns down ("What I won't do:",
# "Options I rejected:", "Not on the table:")
REJECTING_HEADER_RE = re.compile(
    r"^[^.]{0,40}\b((won't|will not|wouldn't|would not|never|don't|do not|refuse to|not going to) (do|ship|build|accept|allow|"
    r"launch|offer|sell|agree to)|rejected|ruled out|i('d| would) avoid|to avoid|off the table|not on (the|my|our) (table|roadmap|list)|anti-patterns?|"
    r"what not to do)\b[^.]{0,30}:$"
)
# a transcript line spoken by someone other than the candidate ("Client: we need ...",
# "CTO: ..."); the candidate's own lines ("Me:", "A:", "Candidate:") are theirs
OTHER_SPEAKER_RE = re.compile(
    r"^\W{0,3}(q|question|interviewer|client|customer|prospect|buyer|partner|cto|ceo|coo|cfo|ciso|them|the client|"
    r"the customer|their \w+|(vp|head|director|svp|evp)( of \w+)?|\w+ lead|board member|"
    r"[a-z]+ \((client|customer|partner|cto|ceo|coo|vp)\))\W{0,3}:\s"
)


def rejecting_header(sentence: str) -> bool:
    """A line ending in ':' that introduces what the candidate turns down."""
    return bool(REJECTING_HEADER_RE.search(sentence.strip()))


def other_speaker(sentence: str) -> bool:
    """A transcript line of someone other than the candidate."""
    return bool(OTHER_SPEAKER_RE.search(sentence))


# the candidate stating their own plan ("To win share I would open every tier ..."): a
# control they propose elsewhere does not take such a statement back
PLAN_RE = re.compile(
    r"\b(i would|i'd|we would|we'd|i will|we will|i'll|we'll|my plan|our plan|i propose|we propose|"
    r"i'm going to|we're going to|i am going to|we are going to)\b"
)


def first_person_plan(sentence: str) -> bool:
    """The sentence states the candidate's own plan (first person, would/will)."""
    return bool(PLAN_RE.search(sentence))
