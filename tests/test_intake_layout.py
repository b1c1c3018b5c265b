"""PDF and DOCX keep the packet's line structure: headings become `## ` sections,
bullets stay separate lines, only soft-wrapped lines are joined. The same packet as
.md, .docx and .pdf gets the same decision and the same red signals offline."""

from __future__ import annotations

import re

import pytest

from committee.intake.packets import read_packet
from tests.conftest import EXAMPLES
from tests.data.intake.builders import docx_bytes, docx_from_markdown, pdf_bytes, pdf_from_markdown

# the tester's case: a values heading that used to run into its first sentence
SAM = """\
## Resume
Product manager, 6 years. Currently Senior PM at a mid-size SaaS company, owning the AI writing assistant (2M monthly active users). Before that, PM for search ranking at an e-commerce marketplace. BSc Computer Science.

- Launched the writing assistant; grew weekly active users 40% in a year
- Ran A/B tests on prompt templates; improved acceptance rate from 22% to 31%
- Partnered with trust & safety to put a harmful-content classifier in the serving path (adds about 80 ms at p50)

## Revenue up 20%, jailbreak detection down 1%
I would not ship it as designed. Safety is the boundary, not a number to trade: a 1% drop in jailbreak detection across millions of requests is thousands of harmful outputs a day. I'd ask the team to find the revenue without weakening detection, for example by improving the classifier first, and I'd accept a slower launch and lower revenue if that is what it costs.

## Launching a new reasoning capability
First the boundary: the capability must never produce working exploit code for systems the user doesn't own, or exfiltrate secrets. The threat model: prompt injection through repository files, users asking for malware, and the model running destructive commands. Each threat gets a control: an injection classifier on repository content, refusal training plus a red-team eval suite before launch, and no autonomous execution in the first release.

My north star is tasks completed without a harmful output; weekly active users is a secondary metric I watch but don't optimise. Access is gated: trusted testers first, then a staged rollout. When the classifier's confidence falls below 0.7, a human reviewer on the safety team takes over before the output is released.

## Values: a time I paid for safety
A large customer asked us to turn off our content classifier for their workspace. I said no, offered a configurable allow-list for their legitimate terms instead, and we accepted losing a renewal worth about 8% of my product's revenue. I would make the same call again.
"""


def _body(path) -> tuple[str, str]:
    text = path.read_text()
    scenario = re.search(r"^scenario: (\S+)", text, re.MULTILINE).group(1)
    return text.split("---\n", 2)[2], scenario


PACKETS = {"sam": (SAM, "safety-pm"), **{p.stem: _body(p) for p in sorted(EXAMPLES.glob("*.md"))}}


def _words(s: str) -> list[str]:
    return re.findall(r"[\w%&'.,;:()/-]+", s.replace("\u2022", "-"))


def _formats(tmp_path, name: str, md: str) -> dict[str, object]:
    paths = {
        "md": tmp_path / f"{name}.md",
        "docx": tmp_path / f"{name}.docx",
        "pdf": tmp_path / f"{name}.pdf",
        "pdf-bold": tmp_path / f"{name}-bold.pdf",
    }
    paths["md"].write_text(md)
    paths["docx"].write_bytes(docx_from_markdown(md))
    paths["pdf"].write_bytes(pdf_from_markdown(md))
    paths["pdf-bold"].write_bytes(pdf_from_markdown(md, headings="bold", lines_per_page=30))
    return {fmt: read_packet(p) for fmt, p in paths.items()}


@pytest.mark.parametrize("name", list(PACKETS))
def test_pdf_and_docx_keep_sections_bullets_and_sentences(tmp_path, name):
    from committee.engines.offline.text import split_sentences

    md, _ = PACKETS[name]
    packets = _formats(tmp_path, name, md)
    ref = packets["md"]
    ref_sentences = [" ".join(s.text.split()) for s in split_sentences(ref.text)]
    for fmt, p in packets.items():
        assert [s.title for s in p.sections] == [s.title for s in ref.sections], fmt
        assert _words(p.text.replace("## ", "")) == _words(ref.text.replace("## ", "")), fmt
        assert [" ".join(s.text.split()) for s in split_sentences(p.text)] == ref_sentences, fmt


def _decide(store, packet, scenario: str):
    from committee.graph.runner import prepare, start_run

    result = start_run(store, prepare(packet, scenario=scenario, engine="offline"))
    reds = {e.signal for r in result.reviews for e in r.evidence if e.polarity == "red"}
    return result.decision.outcome, reds, {p: v.value for p, v in result.votes.items()}


@pytest.mark.parametrize("name", list(PACKETS))
def test_same_packet_same_decision_in_every_format(store, tmp_path, name):
    md, scenario = PACKETS[name]
    packets = _formats(tmp_path, name, md)
    want = _decide(store, packets["md"], scenario)
    for fmt in ("docx", "pdf", "pdf-bold"):
        assert _decide(store, packets[fmt], scenario)[:2] == want[:2], fmt


def test_pdf_heading_line_never_runs_into_the_next_sentence(tmp_path):
    path = tmp_path / "v.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                [
                    ("Values: a time I paid for safety", "normal"),
                    (
                        "A large customer asked us to turn off our content classifier for their workspace, and I said",
                        "normal",
                    ),
                    ("no. We lost the renewal.", "normal"),
                    ("- Kept the classifier on", "normal"),
                    ("- Offered an allow-list", "normal"),
                ]
            ]
        )
    )
    p = read_packet(path)
    assert p.text.startswith("## Values: a time I paid for safety\n\nA large customer")
    assert "and I said no. We lost the renewal.\n\n- Kept the classifier on\n- Offered an allow-list" in p.text
    assert [s.title for s in p.sections] == ["Values: a time I paid for safety"]


def test_docx_plain_title_lines_and_line_breaks_end_sentences(tmp_path):
    path = tmp_path / "v.docx"
    path.write_bytes(
        docx_bytes(
            [
                ("p", "Values: a time I paid for safety"),
                ("p", "A large customer asked us to turn it off. I said no."),
                ("table", [["Metric", "Target"], ["Refusal accuracy", "99%"]]),
            ]
        )
    )
    p = read_packet(path)
    assert p.text.startswith("## Values: a time I paid for safety\n\nA large customer")
    assert "Metric | Target\n\nRefusal accuracy | 99%" in p.text


def test_short_lines_with_no_text_under_them_are_not_headings(tmp_path):
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(pdf_bytes([[("Metric Target", "normal"), ("Refusal accuracy 99%", "normal")]]))
    docx = tmp_path / "t.docx"
    docx.write_bytes(docx_bytes([("p", "Metric Target"), ("p", "Refusal accuracy 99%"), ("p", "Thanks for reading")]))
    for path in (pdf, docx):
        p = read_packet(path)
        assert "## " not in p.text and "Refusal accuracy 99%" in p.text, path.suffix
