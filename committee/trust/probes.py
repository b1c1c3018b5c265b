"""Counterfactual probes: would the verdict change if only the candidate's name, school,
employer or pronouns were different?

`build_variants` makes packets that each change ONE attribute (everything else is
byte-identical); `run_probe` runs the committee on the original and on every variant
and reports every sealed vote, final vote, rubric score, cited signal and decision
that moved against the original. The substitution lists are data
(`substitutions.yaml` beside this module, or `--substitutions FILE`).

- name: the front matter `candidate:` (else a `# Name` / `Name:` line at the top) is
  replaced in the front matter and in the text: the full name, and the first and
  last name on their own when it looks like a personal name.
- school / employer: every list entry found in the text (exact, whole phrase,
  longest first) is swapped for entries of the other tier first, then one of its own
  tier as a control.
- pronouns: the candidate's third-person set (the most used of she/he, or the front
  matter `pronouns:`) is swapped for the other sets with word-boundary rules,
  `her`/`his` read from the next word, verbs after a subject pronoun agreed.

Variants are stored under the key `KEY--probe` (never as revisions of `KEY`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from committee.catalog import load_yaml
from committee.errors import BadInput, pydantic_summary
from committee.models import Packet, RunResult
from committee.trust.common import (
    RunSpec,
    StudyProgress,
    derived_key,
    new_study_id,
    run_once,
    summarize,
    validate_spec,
    with_text,
)

ATTRIBUTES = ("name", "school", "employer", "pronouns")
DEFAULT_SUBSTITUTIONS = Path(__file__).with_name("substitutions.yaml")
DEFAULT_PER_SWAP = 6


# ------------------------------------------------------------------ substitution data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NameEntry(_Strict):
    name: str = Field(min_length=1)
    gender: str = ""
    origin: str = ""


class Entity(_Strict):
    """A school or employer: `name`, and optionally a `short` form also used in text."""

    name: str = Field(min_length=1)
    short: str | None = None


class PronounSet(_Strict):
    subject: str
    object: str
    determiner: str
    possessive: str
    reflexive: str
    label: str


def _entities(v):
    return [{"name": e} if isinstance(e, str) else e for e in (v or [])]


class _TierLists(_Strict):
    """Lists of entities by tier; an entry may be a plain name or a mapping."""

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, v):
        return {k: _entities(x) for k, x in v.items()} if isinstance(v, dict) else v


class Tiers(_TierLists):
    elite: list[Entity] = Field(default_factory=list)
    non_elite: list[Entity] = Field(default_factory=list)


class EmployerTiers(_TierLists):
    large: list[Entity] = Field(default_factory=list)
    small: list[Entity] = Field(default_factory=list)


class Substitutions(_Strict):
    names: list[NameEntry] = Field(min_length=1)
    pronouns: dict[str, PronounSet]
    schools: Tiers
    employers: EmployerTiers

    @field_validator("names", mode="before")
    @classmethod
    def _names(cls, v):
        return [{"name": n} if isinstance(n, str) else n for n in v]


def load_substitutions(path: str | Path | None = None) -> Substitutions:
    """Read and validate a substitutions file. Raises BadInput naming the file and field."""
    p = Path(path) if path else DEFAULT_SUBSTITUTIONS
    data = load_yaml(p)
    try:
        return Substitutions.model_validate(data)
    except ValidationError as exc:
        raise BadInput(f"{p}: {pydantic_summary(exc, limit=1, top='(top level)')}") from exc


def parse_swaps(spec: str) -> list[str]:
    """`name,school` -> ['name', 'school']. Raises BadInput for an unknown attribute."""
    items = [s.strip().lower() for s in spec.split(",") if s.strip()]
    if not items:
        raise BadInput(f"--swap needs at least one of: {', '.join(ATTRIBUTES)}")
    bad = [s for s in items if s not in ATTRIBUTES]
    if bad:
        raise BadInput(f"unknown --swap attribute {bad[0]!r} (choose from {', '.join(ATTRIBUTES)})")
    return list(dict.fromkeys(items))


# ------------------------------------------------------------------------ variants


@dataclass
class Variant:
    """One counterfactual packet: `attribute` changed from `before` to `after` in
    `replacements` places (the front matter counts as one place)."""

    attribute: str
    before: str
    after: str
    packet: Packet
    replacements: int
    note: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute,
            "from": self.before,
            "to": self.after,
            "replacements": self.replacements,
            **({"note": self.note} if self.note else {}),
            **self.meta,
        }


_PERSONAL_NAME = re.compile(r"^[A-Z][A-Za-z'’-]+(?: [A-Z][A-Za-z'’.-]*){1,3}$")
_H1_NAME = re.compile(r"\A\s*#[ \t]+([A-Z][A-Za-z'’-]+(?:[ \t]+[A-Z][A-Za-z'’.-]*){1,3})[ \t]*$", re.MULTILINE)
_NAME_LINE = re.compile(
    r"^(?:Name|Candidate)[ \t]*:[ \t]*([A-Z][A-Za-z'’-]+(?:[ \t]+[A-Z][A-Za-z'’.-]*){1,3})[ \t]*$", re.MULTILINE
)


def _phrase(s: str) -> re.Pattern:
    """Whole-phrase, case-sensitive, not inside a longer word (`Google-scale` and
    `Nadia's` match; `Googler` and `Ex-Meta` do not)."""
    return re.compile(r"(?<![\w-])" + re.escape(s) + r"(?!\w)")


def detect_name(packet: Packet) -> str | None:
    """The candidate's name: front matter `candidate:`, else a `# Name` heading or a
    `Name:` line at the top of the text."""
    if packet.candidate:
        return packet.candidate
    head = packet.text[:400]
    m = _H1_NAME.search(head) or _NAME_LINE.search(head)
    return m.group(1).strip() if m else None


def _name_parts(name: str) -> list[tuple[str, str]]:
    return [(name, "full")] + (
        [(name.split()[0], "first"), (name.split()[-1], "last")] if _PERSONAL_NAME.match(name) else []
    )


def swap_name(packet: Packet, new: str, *, key: str | None = None) -> tuple[Packet, int]:
    """Replace the candidate's name (front matter and text): full name first, then the
    first and last names on their own. Returns (variant, places changed)."""
    old = detect_name(packet)
    if not old:
        raise BadInput("no candidate name found (front matter `candidate:` or a `# Name` line)")
    old_parts, new_parts = _name_parts(old), _name_parts(new)
    new_of = {role: text for text, role in new_parts}
    text, count = packet.text, 0
    # one pass with all parts (longest first), so a replaced name is never re-matched
    parts = sorted(((t, new_of.get(role, new)) for t, role in old_parts if len(t) >= 2), key=lambda x: -len(x[0]))
    parts = list(dict((t, r) for t, r in parts).items())
    if parts:
        pattern = re.compile("|".join(_phrase(t).pattern for t, _ in parts))
        repl = dict(parts)

        def sub(m: re.Match) -> str:
            nonlocal count
            count += 1
            return repl[m.group(0)]

        text = pattern.sub(sub, text)
    candidate = new if packet.candidate else packet.candidate
    count += 1 if packet.candidate else 0
    return with_text(packet, text, key=key, candidate=candidate), count


def find_entities(text: str, tiers: dict[str, list[Entity]]) -> list[tuple[Entity, str]]:
    """List entries found in `text` (whole phrase, case-sensitive; a shorter entry that
    is part of a longer found one is not reported), with their tier."""
    found: list[tuple[Entity, str]] = []
    spans: list[tuple[int, int]] = []
    entries = sorted(((e, t) for t, es in tiers.items() for e in es), key=lambda x: -len(x[0].name))
    for e, tier in entries:
        hits = [m.span() for m in _phrase(e.name).finditer(text)]
        hits = [h for h in hits if not any(a <= h[0] < b for a, b in spans)]
        if hits:
            found.append((e, tier))
            spans += hits
    return found


def swap_entity(packet: Packet, old: Entity, new: Entity, *, key: str | None = None) -> tuple[Packet, int]:
    """Replace `old` (and its short form) by `new` (and its short form) everywhere."""
    pairs = [(old.name, new.name)]
    if old.short:
        pairs.append((old.short, new.short or new.name))
    pattern = re.compile("|".join(_phrase(a).pattern for a, _ in sorted(pairs, key=lambda x: -len(x[0]))))
    repl = dict(pairs)
    count = 0

    def sub(m: re.Match) -> str:
        nonlocal count
        count += 1
        return repl[m.group(0)]

    return with_text(packet, pattern.sub(sub, packet.text), key=key), count


# ----------------------------------------------------------------------- pronouns

_FORMS = {
    "she": {"she": "subject", "her": "object|determiner", "hers": "possessive", "herself": "reflexive"},
    "he": {"he": "subject", "him": "object", "his": "determiner|possessive", "himself": "reflexive"},
    "they": {
        "they": "subject",
        "them": "object",
        "their": "determiner",
        "theirs": "possessive",
        "themselves": "reflexive",
        "themself": "reflexive",
    },
}
# words after which `her` is an object and `his` a stand-alone possessive
_NOT_A_NOUN = set(
    """a an the and or but nor so yet to of in on at by for with from into onto about as than that this these
those which who whom whose when where while if because since until after before over under through during up down
out off again also too very is was are were be been being has have had do does did will would can could should may
might must not no""".split()
)
_SING_TO_PLURAL = {
    "is": "are",
    "was": "were",
    "has": "have",
    "does": "do",
    "isn't": "aren't",
    "wasn't": "weren't",
    "hasn't": "haven't",
    "doesn't": "don't",
    "'s": "'re",
}
_PLURAL_TO_SING = {v: k for k, v in _SING_TO_PLURAL.items()} | {"'ve": "'s"}
_ADVERBS = set(
    "also always often never still then now usually quickly already rarely consistently once later then first".split()
)
_COMMON_VERBS = set(
    """lead build work ship own run manage write argue care think believe say want know focus push make
take bring understand explain prefer decide start plan hold keep set see ask need like use""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def detect_pronouns(packet: Packet) -> str | None:
    """The candidate's pronoun set: the front matter `pronouns:` if it names one, else
    whichever of she/he is used more in the text (they is too often about groups
    to be taken from text alone); None when neither occurs."""
    declared = str(packet.meta.get("pronouns") or "").lower()
    for key in ("she", "he", "they"):
        if re.match(rf"\s*{key}\b", declared):
            return key
    counts = {
        k: len(re.findall(r"\b(?:" + "|".join(_FORMS[k]) + r")\b", packet.text, re.IGNORECASE)) for k in ("she", "he")
    }
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _case(src: str, word: str) -> str:
    return word[:1].upper() + word[1:] if src[:1].isupper() else word


def _singular_verb(w: str) -> str:
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    if w.endswith(("s", "sh", "ch", "x", "z", "o")):
        return w + "es"
    return w + "s"


def _plural_verb(w: str) -> str | None:
    if len(w) < 4 or not w.endswith("s") or w.endswith("ss") or w in _NOT_A_NOUN or w in _ADVERBS:
        return None
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return w[:-2]
    return w[:-1]


def swap_pronouns(text: str, src: str, dst: str, sets: dict[str, PronounSet]) -> tuple[str, int]:
    """Swap the `src` third-person pronouns in `text` for `dst`'s (word boundaries,
    capitalisation kept), agreeing the verb after a subject pronoun when the number
    changes (she is -> they are). Returns (text, pronouns changed)."""
    forms = _FORMS[src]
    target = sets[dst]
    pattern = re.compile(r"\b(" + "|".join(sorted(forms, key=len, reverse=True)) + r")\b('s|'re|'ve)?", re.IGNORECASE)
    out: list[str] = []
    pos = count = 0
    number_changes = (src == "they") != (dst == "they")
    for m in pattern.finditer(text):
        word, clitic = m.group(1), m.group(2) or ""
        roles = forms[word.lower()].split("|")
        after = text[m.end() :]
        nxt = _WORD.match(after.lstrip(" \t"))
        next_word = nxt.group(0).lower() if nxt and after[:1] in " \t" else None
        if len(roles) > 1:  # her: object|determiner, his: determiner|possessive
            noun_follows = next_word is not None and next_word not in _NOT_A_NOUN
            role = (
                ("determiner" if noun_follows else "object")
                if word.lower() == "her"
                else ("determiner" if noun_follows else "possessive")
            )
        else:
            role = roles[0]
        out.append(text[pos : m.start()])
        out.append(_case(word, getattr(target, role)))
        pos = m.end()
        count += 1
        if role == "subject" and number_changes:
            table = _SING_TO_PLURAL if dst == "they" else _PLURAL_TO_SING
            if clitic:
                out.append(table.get(clitic.lower(), clitic))
                continue
            # agree the verb after the subject (one adverb may sit between)
            rest = text[pos:]
            between = "|".join([*_ADVERBS, "herself", "himself", "themselves", "themself"])
            mm = re.match(r"([ \t]+)((?:" + between + r")[ \t]+)?([A-Za-z'’]+)", rest, re.IGNORECASE)
            if mm:
                verb = mm.group(3)
                low = verb.lower()
                new = table.get(low)
                if new is None and dst == "they":
                    new = _plural_verb(low)
                elif new is None and low in _COMMON_VERBS:
                    new = _singular_verb(low)
                if new:
                    out.append(mm.group(1) + (mm.group(2) or "") + _case(verb, new))
                    pos += mm.end()
        else:
            out.append(clitic)
    out.append(text[pos:])
    return "".join(out), count


# ------------------------------------------------------------------------- build


def build_variants(
    packet: Packet,
    swaps: list[str],
    subs: Substitutions | None = None,
    *,
    per_swap: int = DEFAULT_PER_SWAP,
    key: str | None = None,
) -> tuple[list[Variant], dict[str, str]]:
    """Variants of `packet`, each changing one attribute in `swaps`, at most `per_swap`
    per attribute (and per found school/employer). Returns (variants, skipped), where
    `skipped` says why an attribute produced no variant (e.g. no school in the text)."""
    subs = subs or load_substitutions()
    key = key or derived_key(packet.key, "probe")
    variants: list[Variant] = []
    skipped: dict[str, str] = {}
    for attr in swaps:
        made: list[Variant] = []
        if attr == "name":
            old = detect_name(packet)
            if not old:
                skipped[attr] = "no candidate name (front matter `candidate:` or a `# Name` line at the top)"
                continue
            if not _phrase(old).search(packet.text) and not any(
                len(t) >= 2 and _phrase(t).search(packet.text) for t, _ in _name_parts(old)
            ):
                # engines read the packet text only (front matter is not sent to any engine)
                skipped[attr] = (
                    f"the name {old!r} appears only in the front matter, which no engine reads: "
                    "nothing to vary (name the candidate in the text to probe it)"
                )
                continue
            for entry in [n for n in subs.names if n.name != old][:per_swap]:
                v, n = swap_name(packet, entry.name, key=key)
                note = (
                    ""
                    if _PERSONAL_NAME.match(old)
                    else "the name is not a personal name; only exact occurrences swapped"
                )
                made.append(
                    Variant("name", old, entry.name, v, n, note, {"gender": entry.gender, "origin": entry.origin})
                )
        elif attr in ("school", "employer"):
            tiers = subs.schools.model_dump() if attr == "school" else subs.employers.model_dump()
            tiers = {t: [Entity.model_validate(e) for e in es] for t, es in tiers.items()}
            found = find_entities(packet.text, tiers)
            if not found:
                skipped[attr] = f"no {attr} from the substitution lists appears in the text"
                continue
            for ent, tier in found:
                others = [t for t in tiers if t != tier]
                present = {e.name for e, _ in found}
                pool = [(e, t) for t in others for e in tiers[t] if e.name not in present]
                control = [(e, tier) for e in tiers[tier] if e.name not in present][:1]  # same-tier control
                pool = pool[: max(per_swap - len(control), 1)] + control
                for target, t_tier in pool[:per_swap]:
                    v, n = swap_entity(packet, ent, target, key=key)
                    made.append(Variant(attr, ent.name, target.name, v, n, "", {"from_tier": tier, "to_tier": t_tier}))
        elif attr == "pronouns":
            src = detect_pronouns(packet)
            if not src:
                skipped[attr] = (
                    "no third-person pronouns for the candidate (she/he in the text or front matter `pronouns:`)"
                )
                continue
            for dst in [k for k in subs.pronouns if k != src][:per_swap]:
                text, n = swap_pronouns(packet.text, src, dst, subs.pronouns)
                v = with_text(packet, text, key=key)
                if "pronouns" in v.meta:
                    v.meta["pronouns"] = subs.pronouns[dst].label
                    n += 1
                if n:
                    made.append(
                        Variant(
                            "pronouns",
                            subs.pronouns[src].label if src in subs.pronouns else src,
                            subs.pronouns[dst].label,
                            v,
                            n,
                        )
                    )
            if not made:
                skipped[attr] = "no pronoun of the candidate's set occurs in the text"
        variants += [v for v in made if v.replacements]
    return variants, skipped


# ------------------------------------------------------------------------ compare


def _signals(result: RunResult) -> dict[str, list[str]]:
    return {r.persona: sorted({f"{e.polarity}:{e.signal}" for e in r.evidence}) for r in result.reviews}


def compare_runs(base: RunResult, other: RunResult) -> list[dict[str, Any]]:
    """Everything that moved from `base` to `other`: per persona the sealed vote, the
    final vote, each rubric score and the set of cited signals; then the decision."""
    moved: list[dict[str, Any]] = []
    b_rev = {r.persona: r for r in base.reviews}
    o_rev = {r.persona: r for r in other.reviews}
    b_sig, o_sig = _signals(base), _signals(other)
    for p in base.personas:
        br, orv = b_rev.get(p), o_rev.get(p)
        if br and orv:
            if br.vote != orv.vote:
                moved.append({"persona": p, "what": "sealed_vote", "before": br.vote.value, "after": orv.vote.value})
            for dim in sorted(set(br.scores) | set(orv.scores)):
                if br.scores.get(dim) != orv.scores.get(dim):
                    moved.append(
                        {
                            "persona": p,
                            "what": f"score:{dim}",
                            "before": br.scores.get(dim),
                            "after": orv.scores.get(dim),
                        }
                    )
            added = sorted(set(o_sig[p]) - set(b_sig[p]))
            removed = sorted(set(b_sig[p]) - set(o_sig[p]))
            if added or removed:
                moved.append({"persona": p, "what": "signals", "before": removed, "after": added})
        if base.votes.get(p) != other.votes.get(p):
            moved.append(
                {
                    "persona": p,
                    "what": "final_vote",
                    "before": getattr(base.votes.get(p), "value", None),
                    "after": getattr(other.votes.get(p), "value", None),
                }
            )
    if base.decision.outcome != other.decision.outcome or base.decision.rule != other.decision.rule:
        moved.append(
            {
                "persona": None,
                "what": "decision",
                "before": f"{base.decision.outcome} ({base.decision.rule})",
                "after": f"{other.decision.outcome} ({other.decision.rule})",
            }
        )
    return moved


def run_probe(
    store,
    packet: Packet,
    swaps: list[str],
    *,
    spec: RunSpec | None = None,
    subs: Substitutions | None = None,
    per_swap: int = DEFAULT_PER_SWAP,
    progress: StudyProgress | None = None,
    catalog=None,
    save: bool = True,
) -> dict[str, Any]:
    """Run the committee on `packet` and on each counterfactual variant; store the runs
    and the study; return the report (JSON-able). Raises BadInput before writing when
    the request is invalid or no attribute produced a variant."""
    spec = spec or RunSpec()
    if per_swap < 1:
        raise BadInput(f"--per-swap must be at least 1, got {per_swap}")
    deterministic = validate_spec(packet, spec, catalog)
    variants, skipped = build_variants(packet, swaps, subs, per_swap=per_swap)
    if not variants:
        reasons = "; ".join(f"{a}: {r}" for a, r in skipped.items())
        raise BadInput(f"nothing to probe: {reasons}")
    panel = spec.panel
    total = len(variants) + 1
    if progress:
        progress(0, total, "original")
    # the original is run under the study's key too: a probe never adds a revision (or a
    # run) to the candidate's own packet history
    base = run_once(store, with_text(packet, packet.text, key=derived_key(packet.key, "probe")), spec, catalog=catalog)
    rows: list[dict[str, Any]] = []
    for i, v in enumerate(variants, start=1):
        if progress:
            progress(i, total, f"{v.attribute}: {v.before} → {v.after}")
        res = run_once(store, v.packet, spec, catalog=catalog)
        moved = compare_runs(base, res)
        rows.append({**v.describe(), **summarize(res, panel), "moved": moved})
    if progress:
        progress(total, total, "done")
    by_attr: dict[str, dict[str, int]] = {}
    for r in rows:
        a = by_attr.setdefault(r["attribute"], {"variants": 0, "moved": 0, "decision_changed": 0})
        a["variants"] += 1
        a["moved"] += bool(r["moved"])
        a["decision_changed"] += any(m["what"] == "decision" for m in r["moved"])
    report = {
        "study_id": new_study_id("probe"),
        "kind": "probe",
        "packet": {"key": packet.key, "sha256": packet.sha256, "candidate": packet.candidate},
        "engine": spec.engine,
        "spec": spec.as_json(),
        "panel": panel,
        "swaps": swaps,
        "per_swap": per_swap,
        "original": {**summarize(base, panel), "signals": _signals(base)},
        "variants": rows,
        "skipped": skipped,
        "summary": {
            "variants": len(rows),
            "moved": sum(bool(r["moved"]) for r in rows),
            "decision_changed": sum(a["decision_changed"] for a in by_attr.values()),
            "invariant": not any(r["moved"] for r in rows),
            "by_attribute": by_attr,
        },
        "note": ""
        if deterministic
        else (
            "LLM runs are samples: a move may be sampling noise. Compare with `committee stability` on the "
            "original packet before reading a move as an effect of the swapped attribute."
        ),
    }
    if save:
        store.save_study(
            report["study_id"],
            "probe",
            engine=spec.engine,
            packet_key=packet.key,
            params={"swaps": swaps, "per_swap": per_swap, "spec": spec.as_json()},
            summary=report,
            run_ids=[base.run_id] + [r["run_id"] for r in rows],
        )
    return report
