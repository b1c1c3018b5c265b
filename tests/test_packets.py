"""Packet parsing: front matter, sections, offsets, errors."""

from __future__ import annotations

import pytest

from committee.errors import BadInput
from committee.intake.packets import parse_packet, read_packet
from tests.conftest import EXAMPLES

MD = """---
packet: jane-safety-pm
candidate: Jane Doe
scenario: safety-pm
cohort: 2026
---
## Resume
Five years in ML infrastructure.

## Product sense: a coding assistant
Boundary first: no known vulnerability class.
"""


def test_front_matter_and_sections():
    p = parse_packet(MD, name="x")
    assert (p.key, p.candidate, p.scenario) == ("jane-safety-pm", "Jane Doe", "safety-pm")
    assert p.meta == {"cohort": 2026}
    assert [s.title for s in p.sections] == ["Resume", "Product sense: a coding assistant"]
    for s in p.sections:
        assert p.text[s.start : s.start + len(s.text)] == s.text
    assert len(p.sha256) == 64 and "---" not in p.text


def test_plain_text_is_one_section_and_key_from_name():
    p = parse_packet("Just some text.\nMore.", name="My Packet (v2)")
    assert p.key == "my-packet-v2"
    assert [s.title for s in p.sections] == ["Packet"]


def test_same_text_same_hash_and_different_text_different_hash():
    assert parse_packet(MD).sha256 == parse_packet(MD).sha256
    assert parse_packet(MD).sha256 != parse_packet(MD + "x").sha256


@pytest.mark.parametrize(
    "text,msg",
    [
        ("", "empty"),
        ("   \n\t\n", "empty"),
        ("---\npacket: a\n## no closing", "closing"),
        ("---\npacket: [a, b\n---\nbody", "malformed YAML"),
        ("---\n- a\n- b\n---\nbody", "mapping"),
        ("---\npacket: a\n---\n   \n", "empty"),
        ("---\npacket: 'bad key!'\n---\nbody", "packet key"),
        ("---\ncandidate: {a: 1}\n---\nbody", "candidate"),
    ],
)
def test_bad_packets_raise_bad_input(text, msg):
    with pytest.raises(BadInput, match=msg):
        parse_packet(text, name="t")


def test_read_packet_errors(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_packet(tmp_path / "missing.md")
    with pytest.raises(BadInput, match="directory"):
        read_packet(tmp_path)


def test_examples_parse():
    files = sorted(EXAMPLES.glob("*.md"))
    assert len(files) >= 3
    keys = {read_packet(f).key for f in files}
    assert len(keys) < len(files)  # a revision pair shares its key


def test_a_misspelt_front_matter_key_gets_a_warning_and_other_keys_are_kept(caplog):
    from committee.intake.packets import parse_packet as parse

    p = parse("---\nscenaro: api-pm\nteam: alpha\n---\n## Values\nI delayed a launch.\n", name="typo")
    assert "front matter key 'scenaro' is not one the committee reads; did you mean 'scenario'?" in caplog.text
    assert "team" not in caplog.text and p.meta["team"] == "alpha" and p.scenario is None
