"""Follow-up answers as packet text: the candidate's answers to the committee's questions
become a delimited part of the packet, read like the rest of it.

The part is a `## Follow-up answers` section at the end of the packet text, with one
`### Answer to <persona name>, on <dimension name>` heading per answered question and
the answer beneath it. Only the answers are candidate text: the questions are not copied
into the packet (they are the committee's words, and an engine must never read them as
the candidate's), the headings name who asked and on what. The answered packet goes
through the same normalisation as any packet (`packets.build_packet`), and the graph
runs the same integrity checks on it at intake, so an answer that tries to instruct the
committee is an integrity concern like any other packet text.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from committee.catalog import load_yaml
from committee.errors import BadInput
from committee.intake.packets import MAX_BYTES_ENV, build_packet, max_packet_bytes, normalize_text
from committee.intake.readers.encoding import looks_binary
from committee.models import Packet, Question, Scenario

SECTION = "Follow-up answers"
MAX_ANSWER_CHARS = 4000  # about 600 words: a follow-up answer, not a second packet


def check_answers(questions: list[Question], answers: dict[str, object]) -> dict[str, str]:
    """The answers by question id, as packet text (`answer_text`); a question left out
    gets "". Raises BadInput for an id no question has, an answer that is not text,
    one that breaks packet text's control-character rule, or one longer than
    MAX_ANSWER_CHARS."""
    ids = [q.id for q in questions]
    unknown = sorted(set(answers) - set(ids))
    if unknown:
        raise BadInput(f"no question {unknown[0]!r} in this run (its questions: {', '.join(ids)})")
    out: dict[str, str] = {}
    for q in ids:
        value = answers.get(q)
        if value is not None and not isinstance(value, str):  # `read_answers` keeps scalars as typed text
            raise BadInput(f"the answer to {q} must be text, got {type(value).__name__}")
        text = answer_text(q, value or "")
        if len(text) > MAX_ANSWER_CHARS:
            raise BadInput(
                f"the answer to {q} is {len(text):,} characters; keep it to at most {MAX_ANSWER_CHARS:,} characters"
            )
        out[q] = text
    return out


def answer_text(qid: str, raw: str) -> str:
    """One answer as the packet will carry it: normalised like packet text
    (`normalize_text`: invisible characters, zero-width, bidi and other controls
    removed, NFC) and stripped, so an answer of only invisible characters is "" (no
    answer). Raises BadInput naming `qid` when `raw` breaks the control-character rule
    a packet file gets (`looks_binary`: a NUL, or over 1% control characters)."""
    if looks_binary(raw):
        raise BadInput(
            f"the answer to {qid} contains control characters (terminal escapes, NUL): give it as plain text"
        )
    return normalize_text(raw)[0].strip()


def answers_text(questions: list[Question], answers: dict[str, str], names: dict[str, str], scenario: Scenario) -> str:
    """The `## Follow-up answers` part for the non-empty answers ("" when there is none):
    one `### Answer to <persona name>, on <dimension name>` block each, or on the case
    prompt's title for a question about a case prompt (so the prompt reads as answered)."""
    blocks = []
    for q in questions:
        text = answers.get(q.id, "").strip()
        if not text:
            continue
        prompt = next((p for p in scenario.case_prompts if p.id == q.case_prompt), None) if q.case_prompt else None
        try:
            on = f"\u201c{prompt.title}\u201d" if prompt else scenario.dimension(q.dimension or "").name.lower()
        except KeyError:
            on = "the packet"
        blocks.append(f"### Answer to {names.get(q.persona, q.persona)}, on {on}\n\n{text}\n")
    return f"## {SECTION}\n\n" + "\n".join(blocks) if blocks else ""


def with_answers(
    packet: Packet,
    questions: list[Question],
    answers: dict[str, str],
    names: dict[str, str],
    scenario: Scenario,
    *,
    max_bytes: int | str | None = None,
) -> Packet:
    """`packet` with the answers appended as its `## Follow-up answers` part: a new
    revision of the same lineage (key, candidate, scenario and intake record kept,
    `meta.follow_up` listing the question ids answered; `revision` 0 until stored).
    Returns `packet` unchanged when every answer is empty. The answered packet has a
    packet file's limits: at most `max_packet_bytes(max_bytes)` bytes of UTF-8 text
    and MAX_SECTIONS sections. Raises BadInput over a limit, or when the answered text
    cannot be read as a packet."""
    part = answers_text(questions, answers, names, scenario)
    if not part:
        return packet
    text = packet.text.rstrip() + "\n\n" + part
    limit = max_packet_bytes(max_bytes)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise BadInput(
            f"with the answers the packet is {size:,} bytes, over the {limit:,}-byte packet limit "
            f"(shorten the answers, or raise it with --max-bytes or ${MAX_BYTES_ENV})"
        )
    built = build_packet(text, name=packet.key, key=packet.key, source=packet.source)
    answered = [q.id for q in questions if answers.get(q.id, "").strip()]
    return built.model_copy(
        update={
            "candidate": packet.candidate,
            "scenario": packet.scenario,
            "meta": {**packet.meta, **built.meta, "follow_up": {"answered": answered}},
            "revision": 0,
        }
    )


class _TypedText(yaml.BaseLoader):
    """YAML read as the user typed it: every scalar is the string written (`no`, `1:30`,
    `012`, `2024-05-01` stay text; PyYAML's BaseLoader resolves no types), sequences and
    mappings stay lists and dicts (refused as answers by `check_answers`). A mapping key
    given twice is a ConstructorError "KEY is given twice" at its second place."""

    def construct_mapping(self, node, deep=False):
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"{key} is given twice", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep)


def read_answers(path: str | Path) -> dict[str, object]:
    """The answers in a YAML file: a mapping of question id to answer text (`q1: ...`),
    each answer the text as typed (`_TypedText`: `q1: no` is "no", never False).
    Raises BadInput for a missing or unreadable file, YAML that does not parse (line,
    column and problem), a question id given twice, or anything but a mapping."""
    where = Path(path)
    if not where.is_file():
        raise BadInput(f"{where}: no such answers file")
    data = load_yaml(where, loader=_TypedText)
    if data is None or data == "":
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise BadInput(f"{where}: the answers file must map question ids to answers (q1: ..., q2: ...)")
    return data
