"""Packet- or engine-derived text made inert for Markdown: one line each, raw HTML
escaped, Markdown syntax backslash-escaped, bare URLs as code (`_md`); a verbatim code
span (`_code`); the packet as the lines of an indented code block (`packet_lines`)."""

from __future__ import annotations

import html
import re
from typing import Any

# a bare URL or e-mail address (GFM links them even without markup): shown as code
_MD_LINKISH = re.compile(
    r"(?:[a-z][a-z0-9+.-]{1,20}:/{1,3}|www\.)[^\s`<>|]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE
)
# Markdown's inline syntax: emphasis, code, links and images, tables, strikethrough, footnotes, escapes
_MD_INLINE = re.compile(r"([\\`*_\[\]()!#|~{}^])")
# what would start a block at the beginning of a line: list items, ordered lists, setext underlines
_MD_LINE_START = re.compile(r"^(?:([-+=>])|(\d{1,9})([.)]))")
# what could start raw HTML or a character reference; a lone '>' or '&' is plain text
_MD_HTML = re.compile(r"<|&(?=#?[A-Za-z0-9]+;)")


def _no_html(text: str) -> str:
    """`<` and entity-like `&` escaped: no tag, comment or character reference can form,
    while '>' (a blockquote only at a line start, see `_MD_LINE_START`) and 'R&D' stay
    readable in the raw file."""
    return _MD_HTML.sub(lambda m: "&lt;" if m.group(0) == "<" else "&amp;", text)


def _md(s: Any) -> str:
    """Packet- or engine-derived text for Markdown, inert: one line (no heading, list,
    quote or code block can start), raw HTML escaped, every inline construct (links,
    images, emphasis, code, tables) backslash-escaped, bare URLs and e-mail addresses
    shown as code so no renderer turns them into links."""
    text = " ".join(str(s).split())
    out: list[str] = []
    pos = 0
    for m in _MD_LINKISH.finditer(text):
        token = m.group(0)
        while token and (token[-1] in ".,;:!?'\"]}" or (token[-1] == ")" and token.count(")") > token.count("("))):
            token = token[:-1]  # trailing punctuation is the sentence's, not the address's
        if not token:
            continue
        out.append(_MD_INLINE.sub(r"\\\1", _no_html(text[pos : m.start()])))
        out.append(f"`{token}`")  # the token has no backtick, '<', '>' or '|': the span cannot break
        pos = m.start() + len(token)
    out.append(_MD_INLINE.sub(r"\\\1", _no_html(text[pos:])))
    line = "".join(out)
    return _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", line)


def _code(s: Any) -> str:
    """A Markdown code span holding `s` verbatim, whatever backticks it contains."""
    text = " ".join(str(s).split()).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def packet_lines(text: str) -> list[str]:
    """The packet's lines for an indented code block (the template indents every line,
    so nothing in the text can end the block), with `<` and `&` escaped."""
    return html.escape(text, quote=False).splitlines()
