"""Layout: PDF and DOCX have no Markdown, so their line structure is turned into it,
and a heading or a bullet never runs into the next sentence. Blocks are ("h" | "t" |
"li" | "p", text): headings ("t": title-like, a heading if text follows) become `## `
lines, bullets `- ` lines, paragraphs are separated by a blank line (engines split
sentences at blank lines, headings and bullets)."""

from __future__ import annotations

import re

BULLET_RE = re.compile(r"^\s*(?:[-*+•●◦▪▫■□‣⁃∙·–—➢➤►▶✓✔]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)](?=\s))\s+(?=\S)")
TERMINAL_RE = re.compile(r"[.!?;:,…][\"'”’)\]]*$")
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 90


def heading_like(text: str) -> bool:
    """A short line that reads as a title: up to HEADING_MAX_WORDS words, starts with a
    capital or a digit, has a letter, and does not end like a sentence or a lead-in."""
    t = " ".join(text.split())
    if not t or len(t) > HEADING_MAX_CHARS or len(t.split()) > HEADING_MAX_WORDS or TERMINAL_RE.search(t):
        return False
    if BULLET_RE.match(t) or not re.search(r"[^\W\d_]", t):
        return False
    first = t.lstrip("\"'“‘(#*_")[:1]
    return first.isupper() or first.isdigit()


def bullet_item(text: str) -> str:
    """`text` with its bullet glyph replaced by Markdown's `- ` (numbers are kept)."""
    m = BULLET_RE.match(text)
    if not m:
        return text
    mark = m.group(0).strip()
    rest = text[m.end() :]
    return f"{mark} {rest}" if re.match(r"\(?\w{1,3}[.)]$", mark) else f"- {rest}"


def render_blocks(blocks: list[tuple[str, str]]) -> str:
    """Markdown text from ("h" | "t" | "li" | "p", text) blocks. A "t" block (a short
    title-like line, no heading style or bigger font) is a heading when a paragraph or
    a bullet follows it, else a paragraph (a table row, a closing line)."""
    blocks = [b for b in blocks if b[1].strip()]
    blocks = [
        (
            "h"
            if kind == "t" and i + 1 < len(blocks) and blocks[i + 1][0] in ("p", "li")
            else "p"
            if kind == "t"
            else kind,
            text,
        )
        for i, (kind, text) in enumerate(blocks)
    ]
    out: list[str] = []
    prev = None
    for kind, text in blocks:
        text = text.strip()
        if not text:
            continue
        if out:
            out.append("\n" if kind == "li" and prev == "li" else "\n\n")
        out.append("## " + " ".join(text.split()) if kind == "h" else text)
        prev = kind
    return "".join(out)
