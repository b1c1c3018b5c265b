"""History and comparison of a packet's revisions (what `committee history`,
`committee compare` and the UI's Compare page show).

A revision is represented by its latest *finished* run (optionally of one scenario):
its final votes, the mean score of each rubric dimension across the personas'
reviews, and the signals the reviews cited. Comparing two revisions gives, per
persona, the vote in each and the change (in vote points: strong_no_hire -2 ..
strong_hire +2), per dimension the change of the mean score, which red flags were
removed or introduced and which green signals were added or lost, and a diff of the
packet text. Pure reads: one query for the runs of the key, one stored result per
revision; no checkpoint is loaded and no engine runs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from committee.errors import BadInput
from committee.intake.sentences import sentence_spans
from committee.models import Packet, RunResult, Vote
from committee.store.runs import RunRow, Store

MAX_RUNS_SCANNED = 10_000


@dataclass(frozen=True)
class RevisionRecord:
    """One revision of a packet and the latest finished run that reviewed it
    (`run_id` None when no run of it finished)."""

    key: str
    revision: int
    sha256: str
    candidate: str | None
    runs: int  # finished runs of this revision
    run_id: str | None = None
    scenario: str | None = None
    engine: str | None = None
    outcome: str | None = None
    rule: str | None = None
    votes: dict[str, str] = field(default_factory=dict)  # persona -> final vote
    sealed: dict[str, str] = field(default_factory=dict)  # persona -> blind vote
    scores: dict[str, float] = field(default_factory=dict)  # dimension -> mean score 1..4
    red: list[str] = field(default_factory=list)  # red flag ids cited
    green: list[str] = field(default_factory=list)  # green signal ids cited
    voices: dict[str, str] = field(default_factory=dict)  # persona -> "engine / model" that voiced it

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class VoteChange:
    persona: str
    before: str | None
    after: str | None
    change: int | None  # points after - points before; None when one side is missing

    @property
    def direction(self) -> str:
        if self.change is None:
            return "n/a"
        return "up" if self.change > 0 else "down" if self.change < 0 else "same"


@dataclass(frozen=True)
class ScoreChange:
    dimension: str
    before: float | None
    after: float | None
    change: float | None


@dataclass(frozen=True)
class Comparison:
    """Revision `before` -> revision `after` of packet `key`."""

    key: str
    before: RevisionRecord
    after: RevisionRecord
    votes: list[VoteChange]
    scores: list[ScoreChange]
    red_removed: list[str]
    red_introduced: list[str]
    green_added: list[str]
    green_lost: list[str]
    notes: list[str]
    diff: str  # unified diff of the packet text

    def as_json(self) -> dict:
        d = asdict(self)
        for v in d["votes"]:
            v["direction"] = VoteChange(**v).direction
        return d


def points(vote: str | None) -> int | None:
    return None if vote is None else Vote(vote).points


def _record(packet: Packet, finished: list[RunRow], result: RunResult | None) -> RevisionRecord:
    base = dict(
        key=packet.key,
        revision=packet.revision,
        sha256=packet.sha256,
        candidate=packet.candidate,
        runs=sum(1 for r in finished if not r.twin_of),  # an unanswered twin is shown, not counted
    )
    if result is None:
        return RevisionRecord(**base)
    dims: dict[str, list[int]] = {}
    for r in result.reviews:
        for d, s in r.scores.items():
            dims.setdefault(d, []).append(s)
    cited = [e for r in result.reviews for e in r.evidence]
    red = list(dict.fromkeys(e.signal for e in cited if e.polarity == "red"))
    green = list(dict.fromkeys(e.signal for e in cited if e.polarity == "green"))
    return RevisionRecord(
        **base,
        run_id=result.run_id,
        scenario=result.scenario,
        engine=result.engine.name,
        outcome=result.decision.outcome,
        rule=result.decision.rule,
        votes={p: v.value for p, v in result.votes.items()},
        sealed={r.persona: r.vote.value for r in result.reviews},
        scores={d: round(sum(s) / len(s), 2) for d, s in dims.items()},
        red=red,
        green=green,
        # runs stored before `persona_engines` existed were voiced by the run's engine
        voices={p: result.persona_engines.get(p, result.engine).label() for p in result.personas},
    )


def history(store: Store, key: str, *, scenario: str | None = None) -> list[RevisionRecord]:
    """Every revision of `key`, oldest first, each with its latest finished run (of
    `scenario` when given; what-if forks are left out; an unanswered twin, the run
    `answer` made of the revision without the answers, may stand for its revision but
    is not counted in `runs`). Raises BadInput for an unknown key."""
    revisions = store.revisions(key)
    # a what-if fork (`committee fork`) is never a revision's representative: it changed the committee
    rows = [
        r for r in store.list_runs(limit=MAX_RUNS_SCANNED, packet_key=key) if r.status == "done" and not r.parent_run_id
    ]
    if scenario:
        check_scenario(scenario, {r.scenario for r in rows})
        rows = [r for r in rows if r.scenario == scenario]
    by_rev: dict[int, list[RunRow]] = {}
    for r in rows:  # newest first
        by_rev.setdefault(r.revision, []).append(r)
    records = []
    for p in revisions:
        finished = by_rev.get(p.revision, [])
        result = store.get_result(finished[0].run_id) if finished else None
        records.append(_record(p, finished, result))
    return records


def check_scenario(scenario: str, stored: set[str] = frozenset()) -> None:
    """BadInput unless `scenario` is an installed scenario or one that stored runs used."""
    from committee.catalog import default_catalog
    from committee.errors import CommitteeError

    try:
        installed = set(default_catalog().scenarios)
    except CommitteeError:
        installed = set()
    known = installed | {s for s in stored if s}
    if scenario not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise BadInput(f"unknown scenario {scenario!r} (known: {listed})")


def _resolve(records: list[RevisionRecord], rev: int | None, default: int, what: str) -> RevisionRecord:
    if rev is None:
        rev = default
    elif rev < 0:  # -1 = latest, -2 = the one before, as in Python indexing
        if -rev > len(records):
            raise BadInput(f"--{what} {rev}: the packet has only {len(records)} revision(s)")
        rev = records[rev].revision
    for r in records:
        if r.revision == rev:
            return r
    known = ", ".join(str(r.revision) for r in records)
    raise BadInput(f"no revision {rev} of packet {records[0].key!r} (revisions: {known})")


def text_diff(
    before: str, after: str, *, before_name: str = "before", after_name: str = "after", width: int = 0
) -> str:
    """A unified diff of two packet texts. Packets hold one paragraph per line, so
    with `width` > 0 each paragraph is first split into sentences (one per line)
    which keeps a change to one sentence from showing as a whole new paragraph."""

    def lines(text: str) -> list[str]:
        if width <= 0:
            return text.splitlines()
        out: list[str] = []
        for line in text.splitlines():
            out += sentences(line) if len(line) > width else [line]
        return out

    return "\n".join(difflib.unified_diff(lines(before), lines(after), before_name, after_name, lineterm="", n=1))


def sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences (`committee.intake.sentences`), whitespace between them dropped."""
    parts = [paragraph[a:b].strip() for a, b in sentence_spans(paragraph)]
    return [p for p in parts if p] or [paragraph]


Op = Literal["same", "removed", "added"]


def word_diff(before: str, after: str) -> list[tuple[Op, str]]:
    """A readable inline diff: paragraphs (lines) are aligned first, then changed
    paragraphs are compared word by word (a paragraph mostly rewritten shows as
    removed then added). Returns (op, text) chunks whose `same` + `removed` parts
    rebuild `before` and whose `same` + `added` parts rebuild `after`."""
    a_par, b_par = before.splitlines(keepends=True), after.splitlines(keepends=True)
    chunks: list[tuple[Op, str]] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if chunks and chunks[-1][0] == op:
            chunks[-1] = (op, chunks[-1][1] + text)
        else:
            chunks.append((op, text))

    def words(s: str) -> list[str]:
        return re.findall(r"\s+|[^\s]+", s)

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_par, b_par, autojunk=False).get_opcodes():
        if tag == "equal":
            add("same", "".join(a_par[i1:i2]))
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for pa, pb in zip(a_par[i1:i2], b_par[j1:j2]):
                wa, wb = words(pa), words(pb)
                sm = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
                similar = difflib.SequenceMatcher(
                    None, [w for w in wa if not w.isspace()], [w for w in wb if not w.isspace()], autojunk=False
                ).ratio()
                if similar < 0.5:  # mostly rewritten: show as removed then added
                    add("removed", pa)
                    add("added", pb)
                    continue
                for t, x1, x2, y1, y2 in sm.get_opcodes():
                    if t == "equal":
                        add("same", "".join(wa[x1:x2]))
                    else:
                        add("removed", "".join(wa[x1:x2]))
                        add("added", "".join(wb[y1:y2]))
        else:
            add("removed", "".join(a_par[i1:i2]))
            add("added", "".join(b_par[j1:j2]))
    return chunks


def compare(
    store: Store, key: str, *, before: int | None = None, after: int | None = None, scenario: str | None = None
) -> Comparison:
    """Compare two revisions of `key` (default: the latest and the one before it;
    negative numbers count from the latest, -1 being the latest). Runs are those of
    `scenario` when given, else of the scenario the `after` revision was last run
    with; a revision never run with that scenario falls back to its latest run (with a
    note saying so, per revision). Raises BadInput for an unknown key, revision or
    scenario, or a packet with a single revision when no revisions are given."""
    records = history(store, key)
    if len(records) < 2 and before is None and after is None:
        raise BadInput(
            f"packet {key!r} has only one revision: submit a changed packet with the same "
            f"`packet: {key}` line, then compare"
        )
    rec_after = _resolve(records, after, records[-1].revision, "to")
    default_before = max((r.revision for r in records if r.revision < rec_after.revision), default=records[0].revision)
    rec_before = _resolve(records, before, default_before, "from")
    notes: list[str] = []
    sc = scenario or rec_after.scenario
    if sc:
        same = {r.revision: r for r in history(store, key, scenario=sc)}
        picked = []
        for rec in (rec_before, rec_after):
            if same[rec.revision].run_id is None and rec.run_id is not None:
                notes.append(
                    f"revision {rec.revision} was never run with scenario {sc}; using its run with {rec.scenario}"
                )
                picked.append(rec)
            else:
                picked.append(same[rec.revision])
        rec_before, rec_after = picked
    for r in (rec_before, rec_after):
        if r.run_id is None:
            notes.append(f"revision {r.revision} has no finished run: review it to see its votes")
    personas = list(dict.fromkeys([*rec_before.votes, *rec_after.votes]))
    votes = []
    for p in personas:
        b, a = rec_before.votes.get(p), rec_after.votes.get(p)
        votes.append(VoteChange(p, b, a, None if a is None or b is None else points(a) - points(b)))
    dims = list(dict.fromkeys([*rec_before.scores, *rec_after.scores]))
    scores = []
    for d in dims:
        b, a = rec_before.scores.get(d), rec_after.scores.get(d)
        scores.append(ScoreChange(d, b, a, None if a is None or b is None else round(a - b, 2)))
    packets = {p.revision: p for p in store.revisions(key)}
    diff = text_diff(
        packets[rec_before.revision].text,
        packets[rec_after.revision].text,
        before_name=f"{key} revision {rec_before.revision}",
        after_name=f"{key} revision {rec_after.revision}",
        width=160,
    )
    both_run = rec_before.run_id is not None and rec_after.run_id is not None
    return Comparison(
        key=key,
        before=rec_before,
        after=rec_after,
        votes=votes,
        scores=scores,
        red_removed=[s for s in rec_before.red if s not in rec_after.red] if both_run else [],
        red_introduced=[s for s in rec_after.red if s not in rec_before.red] if both_run else [],
        green_added=[s for s in rec_after.green if s not in rec_before.green] if both_run else [],
        green_lost=[s for s in rec_before.green if s not in rec_after.green] if both_run else [],
        notes=notes,
        diff=diff,
    )


def revision_text(store: Store, key: str, revision: int) -> str:
    return store.get_revision(key, revision).text


# ------------------------------------------------------------- two runs side by side


def change_text(changed: dict | None, names: dict[str, str] | None = None) -> str:
    """A fork's `changed` (`graph.fork`) as a person reads it, e.g. "Dr. Lin muted",
    "protocol simultaneous -> round-robin"; "" for None."""
    if not changed:
        return ""
    nm = (names or {}).get
    parts = []
    for kind, v in changed.items():
        if kind == "mute":
            parts.append(f"{nm(v, v)} muted")
        elif kind == "persona_weight":
            p = v["persona"]
            parts.append(f"{nm(p, p)}'s weight on {v['dimension']} {v['before']:g} -> {v['after']:g}")
        elif kind == "swap_persona":
            parts.append(f"{nm(v['before'], v['before'])} swapped for {nm(v['after'], v['after'])}")
        elif kind == "order":
            parts.append("speaking order " + ", ".join(nm(p, p) for p in v["after"]) + _from_round(v))
        elif isinstance(v, dict) and "before" in v:
            parts.append(f"{kind} {v['before']} -> {v['after']}{_from_round(v)}")
        else:
            parts.append(f"{kind} {v}")
    return "; ".join(parts)


def _from_round(v: dict) -> str:
    """ " from round N" for a fork built from a replay step that kept N-1 rounds."""
    kept = v.get("from_round")
    return f" from round {kept + 1}" if kept else ""


def fork_start_step(steps: list, kind: str, kept_rounds: int, panel_size: int) -> int | None:
    """The 1-based replay step of the parent where a fork takes over (`graph.fork.start_of`):
    for a changed member's review (`persona_weight`, `swap_persona`), the step of the
    blind reviews the fork reads again (the last such step); with no debate round kept,
    the step that sealed the votes; with `kept_rounds` kept, the tally right after the
    step that completed the last kept round. `steps` are the parent's replay steps
    (`runner.Step`, oldest first). None when the parent has no such step."""
    if kind in ("persona_weight", "swap_persona"):
        found = [i for i, s in enumerate(steps) if "review_packet" in s.node.split(",")]
        return found[-1] + 1 if found else None
    if kept_rounds == 0:
        found = [i for i, s in enumerate(steps) if s.node == "seal_votes"]
        return found[-1] + 1 if found else None
    turns: list[dict] = []
    for i, s in enumerate(steps):
        turns.extend(s.new_turns)
        if sum(1 for t in turns if t.get("round") == kept_rounds) >= panel_size:
            return i + 2 if i + 1 < len(steps) else i + 1
    return None


@dataclass(frozen=True)
class RunSide:
    """One finished run of a side-by-side comparison."""

    run_id: str
    packet: str  # key
    revision: int
    protocol: str
    personas: list[str]
    outcome: str
    rule: str
    sealed: dict[str, str]  # persona -> blind vote
    votes: dict[str, str]  # persona -> final vote
    parent_run_id: str | None = None
    changed: dict | None = None


@dataclass(frozen=True)
class TurnDiff:
    """A debrief turn, keyed by (round, speaker), that differs between the two runs:
    `status` is "changed", "only_before" or "only_after"; `before`/`after` hold the
    turn's move, to, vote and text (None on the side that lacks it)."""

    round: int
    speaker: str
    status: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class RunComparison:
    """Run `before` -> run `after` (a parent and its fork, parent first): per persona
    the sealed and final vote on each side, both decisions, and the debrief turns that
    differ (`same_turns` counts the others). `changed` is the fork's change when `after`
    is a fork of `before`."""

    before: RunSide
    after: RunSide
    relation: str  # "fork" (after is a fork of before) or "runs" (any two runs)
    changed: dict | None
    votes: list[VoteChange]
    sealed: list[VoteChange]
    decision_changed: bool
    turns: list[TurnDiff]
    same_turns: int
    notes: list[str]

    def as_json(self) -> dict:
        """Every field as JSON data; each vote change also carries its `direction`."""
        d = asdict(self)
        for v in d["votes"] + d["sealed"]:
            v["direction"] = VoteChange(**v).direction
        return d


def _side(result: RunResult, row: RunRow) -> RunSide:
    return RunSide(
        run_id=result.run_id,
        packet=result.packet.key,
        revision=result.packet.revision,
        protocol=result.protocol,
        personas=list(result.personas),
        outcome=result.decision.outcome,
        rule=result.decision.rule,
        sealed={r.persona: r.vote.value for r in result.reviews},
        votes={p: v.value for p, v in result.votes.items()},
        parent_run_id=row.parent_run_id,
        changed=row.changed,
    )


def _turn(t) -> dict:
    return {"move": t.move, "to": t.to, "vote": t.vote.value, "text": " ".join(t.text.split())}


def _vote_changes(personas: list[str], before: dict[str, str], after: dict[str, str]) -> list[VoteChange]:
    out = []
    for p in personas:
        b, a = before.get(p), after.get(p)
        out.append(VoteChange(p, b, a, None if a is None or b is None else points(a) - points(b)))
    return out


def compare_runs(store: Store, a: str, b: str) -> RunComparison:
    """Two finished runs side by side (ids, unique prefixes or `latest`). When one is a
    what-if fork of the other, the parent comes first whichever order they are given
    in; otherwise `a` then `b`. Pure reads of the stored results. Raises BadInput for
    an unknown or unfinished run, or the same run twice."""
    ids = [store.resolve_run_id(a), store.resolve_run_id(b)]
    if ids[0] == ids[1]:
        raise BadInput(f"--runs needs two different runs (both are {ids[0]})")
    rows = [store.get_run(i) for i in ids]
    if rows[0].parent_run_id == ids[1]:
        ids.reverse()
        rows.reverse()
    results = []
    for i, row in zip(ids, rows):
        res = store.get_result(i)
        if res is None:
            raise BadInput(f"run {i} has not finished (status: {row.shown_status}); `{row.finish_command}` finishes it")
        results.append(res)
    before, after = (_side(r, row) for r, row in zip(results, rows))
    fork = after.parent_run_id == before.run_id
    notes = []
    if not fork and (before.packet, before.revision) != (after.packet, after.revision):
        notes.append(
            f"the runs reviewed different packets ({before.packet} rev {before.revision}, "
            f"{after.packet} rev {after.revision}); `committee compare KEY` compares revisions"
        )
    personas = list(dict.fromkeys([*before.personas, *after.personas]))
    turns_b = {(t.round, t.speaker): _turn(t) for t in results[0].debrief}
    turns_a = {(t.round, t.speaker): _turn(t) for t in results[1].debrief}
    keys = sorted(set(turns_b) | set(turns_a), key=lambda k: (k[0], personas.index(k[1]) if k[1] in personas else 99))
    diffs, same = [], 0
    for k in keys:
        tb, ta = turns_b.get(k), turns_a.get(k)
        if tb == ta:
            same += 1
            continue
        status = "changed" if tb and ta else "only_before" if tb else "only_after"
        diffs.append(TurnDiff(round=k[0], speaker=k[1], status=status, before=tb, after=ta))
    return RunComparison(
        before=before,
        after=after,
        relation="fork" if fork else "runs",
        changed=after.changed if fork else None,
        votes=_vote_changes(personas, before.votes, after.votes),
        sealed=_vote_changes(personas, before.sealed, after.sealed),
        decision_changed=before.outcome != after.outcome,
        turns=diffs,
        same_turns=same,
        notes=notes,
    )
