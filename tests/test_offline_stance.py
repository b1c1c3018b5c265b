"""How the offline engine reads stance, and the packet-level rules that keep one
reading from deciding a verdict (issue: verdicts a candidate can trust)."""

from __future__ import annotations

import textwrap

import pytest

from committee.catalog import load_catalog
from committee.engines.base import Context
from committee.engines.offline.review import analyse, build_review
from committee.packets import parse_packet, read_packet
from conftest import EXAMPLES, ROOT

SHARED = ROOT.parent / "shared" / "eval" / "packets"
CAT = load_catalog()


def ctx_for(text: str, scenario: str = "safety-pm") -> Context:
    packet = parse_packet(text, name="stance-test")
    sc = CAT.scenario(packet.scenario or scenario)
    from committee.catalog import DEFAULT_PERSONAS
    from committee.integrity import find_injections

    return Context(packet, sc, {s: CAT.signals[s] for s in sc.signals}, {p: CAT.personas[p] for p in DEFAULT_PERSONAS},
                   find_injections(packet))


def hard_wrap(text: str, width: int = 76) -> str:
    """Prose lines hard-wrapped at `width` columns, as a plain-text editor or e-mail does."""
    out = []
    for line in text.splitlines():
        keep = not line.strip() or line.lstrip().startswith(("#", "-", "*", "---")) or line.rstrip().endswith(":")
        out.append(line if keep else textwrap.fill(line, width, break_on_hyphens=False))
    return "\n".join(out)


PACKETS = sorted(EXAMPLES.glob("*.md")) + (sorted(SHARED.glob("*.md")) if SHARED.is_dir() else [])


@pytest.mark.parametrize("path", PACKETS, ids=lambda p: p.name)
def test_line_breaks_inside_a_sentence_change_no_reading(path):
    text = path.read_text(encoding="utf-8")
    wrapped = hard_wrap(text)
    assert wrapped != text
    a, b = ctx_for(text), ctx_for(wrapped)
    ha, hb = analyse(a), analyse(b)
    assert {(h.signal, h.polarity) for h in ha.hits} == {(h.signal, h.polarity) for h in hb.hits}
    for p in a.panel.values():
        ra, rb = build_review(a, p, ha), build_review(b, p, hb)
        assert (ra.vote, ra.scores) == (rb.vote, rb.scores)
