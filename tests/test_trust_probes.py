"""Counterfactual probes: variants change only the chosen attribute; moves against the
original are reported (and nothing is reported for an engine that ignores them)."""

from __future__ import annotations

import re

import pytest

from committee.errors import BadInput
from committee.intake.packets import parse_packet, read_packet
from committee.trust.common import RunSpec
from committee.trust.probes import (
    build_variants,
    detect_name,
    detect_pronouns,
    find_entities,
    load_substitutions,
    parse_swaps,
    run_probe,
    swap_pronouns,
)
from tests.conftest import EXAMPLES
from tests.test_trust_fakes import PANEL, NameBiasedEngine, VaryingEngine, register  # noqa: F401

PACKET = """---
packet: probe-me
candidate: Nadia Ferrante
scenario: safety-pm
---
## Resume
Nadia Ferrante was a PM at Google for five years and at Lumenfold Health before that. MBA from Harvard Business School; BSc from Arizona State University.

## References
At Lumenfold she led the red team. Her manager says she is careful; the idea was hers. She has shipped twice. I gave her the plan. Ferrante's memo was clear.
"""

SUBS = load_substitutions()


def _p():
    return parse_packet(PACKET)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_parse_swaps():
    assert parse_swaps("name, school,name") == ["name", "school"]
    with pytest.raises(BadInput):
        parse_swaps("name,race")
    with pytest.raises(BadInput):
        parse_swaps(" , ")


def test_name_variants_change_the_name_and_nothing_else():
    p = _p()
    variants, skipped = build_variants(p, ["name"], SUBS, per_swap=4)
    assert len(variants) == 4 and not skipped
    genders = {v.meta["gender"] for v in variants}
    assert {"female", "male"} <= genders  # the list prefix is balanced
    for v in variants:
        new = v.after
        assert v.packet.candidate == new and detect_name(v.packet) == new
        assert "Nadia" not in v.packet.text and "Ferrante" not in v.packet.text
        assert f"{new} was a PM" in v.packet.text and f"{new.split()[-1]}'s memo" in v.packet.text
        assert v.replacements == 3  # the full name, the last name alone, the front matter
        # swapping back restores the original text exactly
        back = v.packet.text.replace(new, "Nadia Ferrante").replace(f"{new.split()[-1]}'s", "Ferrante's")
        assert back == p.text


def test_school_variants_cross_tiers_and_keep_a_same_tier_control():
    p = _p()
    tiers = {"elite": SUBS.schools.elite, "non_elite": SUBS.schools.non_elite}
    found = {e.name: t for e, t in find_entities(p.text, tiers)}
    assert found == {"Harvard Business School": "elite", "Arizona State University": "non_elite"}  # not "Harvard"
    variants, _ = build_variants(p, ["school"], SUBS, per_swap=3)
    assert len(variants) == 6
    for v in variants:
        assert v.replacements == 1
        assert v.packet.text == p.text.replace(v.before, v.after)
        assert v.packet.candidate == p.candidate
    hbs = [v for v in variants if v.before == "Harvard Business School"]
    assert [v.meta["to_tier"] for v in hbs] == ["non_elite", "non_elite", "elite"]
    assert all(v.after != "Arizona State University" for v in hbs)  # never a school already in the packet


def test_employer_variants_swap_the_short_form_too():
    p = _p()
    variants, _ = build_variants(p, ["employer"], SUBS, per_swap=2)
    lum = [v for v in variants if v.before == "Lumenfold Health"]
    assert lum and all("Lumenfold" not in v.packet.text for v in lum)
    assert lum[0].replacements == 2 and lum[0].meta == {"from_tier": "small", "to_tier": "large"}
    goog = [v for v in variants if v.before == "Google"]
    assert goog[0].meta["to_tier"] == "small" and "Google" not in goog[0].packet.text


def test_pronoun_swaps_read_her_and_his_and_agree_verbs():
    p = _p()
    assert detect_pronouns(p) == "she"
    he, n = swap_pronouns(p.text, "she", "he", SUBS.pronouns)
    assert n == 6
    assert (
        "At Lumenfold he led the red team. His manager says he is careful; the idea was his. He has shipped twice. I gave him the plan."
        in he
    )
    they, _ = swap_pronouns(p.text, "she", "they", SUBS.pronouns)
    assert (
        "Their manager says they are careful; the idea was theirs. They have shipped twice. I gave them the plan."
        in they
    )
    back, _ = swap_pronouns(they, "they", "she", SUBS.pronouns)
    assert back == p.text  # she -> they -> she round-trips, verbs included
    # only pronoun tokens and agreed verbs differ
    diff = [(a, b) for a, b in zip(_tokens(p.text), _tokens(they)) if a != b]
    assert set(diff) <= {
        ("she", "they"),
        ("Her", "Their"),
        ("hers", "theirs"),
        ("She", "They"),
        ("her", "them"),
        ("is", "are"),
        ("has", "have"),
    }


def test_pronouns_from_front_matter_and_absent():
    p = parse_packet("---\npronouns: they/them\ncandidate: Sam Lee\n---\nThey lead the team. Their plan works.\n")
    assert detect_pronouns(p) == "they"
    variants, _ = build_variants(p, ["pronouns"], SUBS)
    she = next(v for v in variants if v.after == "she/her")
    assert she.packet.text == "She leads the team. Her plan works.\n" and she.packet.meta["pronouns"] == "she/her"
    none = parse_packet("I lead the team; we ship.\n")
    vs, skipped = build_variants(none, ["pronouns", "school", "name"], SUBS)
    assert vs == [] and set(skipped) == {"pronouns", "school", "name"}


def test_probe_reports_what_moved_with_a_biased_engine(store, register):  # noqa: F811
    eng = NameBiasedEngine(biased_against="Jamal Robinson")
    eng.deterministic = False  # stands in for a sampled LLM engine: the report must say moves may be noise
    rep = run_probe(store, _p(), ["name", "school"], spec=RunSpec(engine=register(eng)), per_swap=2)
    assert rep["original"]["decision"]["outcome"] == "hire"
    by_to = {v["to"]: v for v in rep["variants"]}
    jamal = by_to["Jamal Robinson"]
    whats = {(m["persona"], m["what"]) for m in jamal["moved"]}
    assert ("research-lead", "sealed_vote") in whats and ("research-lead", "final_vote") in whats
    assert (None, "decision") in whats
    assert ("research-lead", "score:values") in whats
    assert jamal["votes"]["research-lead"] == "strong_no_hire" and jamal["decision"]["outcome"] == "no_hire"
    assert by_to["Emily Walsh"]["moved"] == []
    assert all(v["moved"] == [] for v in rep["variants"] if v["attribute"] == "school")
    s = rep["summary"]
    assert s["invariant"] is False and s["moved"] == 1 and s["decision_changed"] == 1
    assert s["by_attribute"]["name"] == {"variants": 2, "moved": 1, "decision_changed": 1}
    assert store.get_study(rep["study_id"])["run_ids"][0] == rep["original"]["run_id"]
    assert rep["note"]  # a non-deterministic engine: moves may be sampling noise


def test_probe_of_an_attribute_blind_engine_is_invariant(store, register):  # noqa: F811
    eng = VaryingEngine({p: [0, 1, 0, 0] for p in PANEL})
    rep = run_probe(
        store, _p(), ["name", "school", "employer", "pronouns"], spec=RunSpec(engine=register(eng)), per_swap=2
    )
    assert rep["summary"]["invariant"] is True and rep["summary"]["variants"] == 2 + 4 + 4 + 2
    for v in rep["variants"]:  # variants and the original are stored runs of the study's key
        assert v["packet"]["key"] == "probe-me--probe"
    assert rep["original"]["packet"]["key"] == "probe-me--probe"
    assert store.list_runs(packet_key="probe-me") == []  # never a revision or a run of the candidate's packet


def test_probe_with_nothing_to_swap_is_bad_input_and_writes_nothing(store):
    p = read_packet(EXAMPLES / "strong-safety-pm.md")
    with pytest.raises(BadInput, match="nothing to probe"):
        run_probe(store, p, ["school"])
    assert store.list_runs() == []


def test_bad_substitutions_file(tmp_path):
    f = tmp_path / "subs.yaml"
    f.write_text(
        "names: [Ann Lee]\npronouns: {}\nschools: {elite: [], non_elite: []}\nemployers: {large: [], tiny: []}\n"
    )
    with pytest.raises(BadInput, match="tiny"):
        load_substitutions(f)
