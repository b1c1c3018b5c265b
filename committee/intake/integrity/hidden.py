"""Content a human reader of the rendered packet would not see: revealed Unicode tag
characters, HTML and Markdown comments, hidden HTML elements; markup inside code
(fenced or inline) is shown as text and does not count. `hidden_spans` gives these
spans so engines can ignore them."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from committee.intake.integrity.findings import MAX_FINDINGS

_HTML_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
# a Markdown link reference definition is never rendered: `[//]: # (comment)`, `[x]: <> "comment"`, `[label]: url 'title'`
_MD_COMMENT = re.compile(
    r"^[ \t]{0,3}\[(?P<label>[^\]\n]{1,200})\]:[ \t]*(?:<[^<>\n]*>|[^\s<>]+)"
    r"(?:[ \t]+(?:\((?P<p>[^\n]*)\)|\"(?P<q>[^\n]*)\"|'(?P<s>[^\n]*)'))?[ \t]*$",
    re.MULTILINE,
)
# a fenced code block (``` or ~~~, closed by the same fence or the end of the text): the
# one definition intake and the offline reader share (markdown-it finds closed ones too)
CODE_FENCE_RE = re.compile(
    r"^[ \t]{0,3}(?P<f>`{3,}|~{3,})[^\n]*(?:\n.*?(?:^[ \t]{0,3}(?P=f)[`~]*[ \t]*$|\Z)|\Z)", re.DOTALL | re.MULTILINE
)
_CODE_SPAN = re.compile(r"(?<!`)(?P<b>`+)(?!`)(?:[^`\n]|`(?!(?P=b)(?!`))|\n(?![ \t]*\n)){1,2000}?(?<!`)(?P=b)(?!`)")
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_INVISIBLE_TAGS = {"script", "style", "template", "noscript"}
_CSS_HIDES = re.compile(
    r"(?<![\w-])(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*(?:0+(?:\.0*)?|\.0+)\s*(?:;|!|$)|"
    r"font-size\s*:\s*(?:(?:0+(?:\.0*)?|\.0+)(?:px|pt|em|rem|%)?|(?:0*\.\d+|1)(?:px|pt))\s*(?:;|!|$)|"
    r"(?:text-indent|left|top|margin-left|margin-top)\s*:\s*-\d{3,}|clip-path\s*:\s*inset\(\s*50%|"
    r"(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:;|!|$)(?=.*\boverflow\s*:\s*hidden))",
    re.IGNORECASE | re.DOTALL,
)
_CSS_WHITE = re.compile(
    r"(?<![\w-])color\s*:\s*(?:white|#fff(?:f{3})?\b|rgba?\(\s*255\s*,\s*255\s*,\s*255\b|"
    r"transparent|rgba\([^)]*,\s*0(?:\.0+)?\s*\))",
    re.IGNORECASE,
)
_CSS_BACKGROUND = re.compile(
    r"(?<![\w-])background(?:-color|-image)?\s*:\s*(?!\s*(?:white|#fff(?:f{3})?\b|transparent|none|"
    r"rgba?\(\s*255\s*,\s*255\s*,\s*255\b|inherit|initial|unset)\s*(?:;|!|$))[^;]",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
#: hidden content of this many words is an integrity concern whatever it says
MIN_HIDDEN_WORDS = 5
_REVEALED = re.compile(r"⟦hidden text: .*?⟧", re.DOTALL)


def _in(spans: list[tuple[int, int]], pos: int) -> bool:
    """Whether `pos` falls inside one of the sorted, disjoint `spans`."""
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Code blocks (fenced with ``` or ~~~, or indented), as CommonMark reads them
    (markdown-it-py), and inline code: markup there is shown to the reader as text."""
    from markdown_it import MarkdownIt

    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    spans = []
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            spans.append((starts[first], starts[last] if last < len(starts) else len(text)))
    spans += [
        m.span() for m in CODE_FENCE_RE.finditer(text) if not _in(spans, m.start())
    ]  # an unclosed fence at the end
    inline = [m.span() for m in _CODE_SPAN.finditer(text) if not _in(spans, m.start())]
    return sorted(spans + inline)


def _style_hides(style: str) -> bool:
    if _CSS_HIDES.search(style):
        return True
    return bool(_CSS_WHITE.search(style)) and not _CSS_BACKGROUND.search(style)


def _element_hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an HTML element with this tag and these attributes (as html.parser gives
    them) hides its content from a reader: an invisible element, the `hidden`
    attribute, `type=hidden`, or a style that hides."""
    if tag in _INVISIBLE_TAGS:
        return True
    for name, value in attrs:
        name, value = name.lower(), (value or "")
        if name == "hidden" or (name == "type" and value.strip().lower() == "hidden"):
            return True
        if name == "style" and _style_hides(value):
            return True
    return False


class _HiddenElements(HTMLParser):
    """The spans of HTML elements that hide their content, found by the standard
    library's HTML tokenizer as a browser reads the markup: quoted attribute values
    are opaque (a `</div>` or `>` inside one ends nothing), nested elements are
    counted, and an element never closed hides everything after it. Feed it the text
    with code and comments blanked (same length), then read `spans`."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.open: list[tuple[str, int, bool]] = []  # (tag, start offset, hides)
        self.spans: list[tuple[int, int]] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        hides = _element_hides(tag, attrs)
        raw = self.get_starttag_text() or ""
        if tag in _VOID_TAGS or raw.rstrip(">").rstrip().endswith("/"):
            if hides:
                self.spans.append((start, start + len(raw)))
            return
        self.open.append((tag, start, hides))

    def handle_endtag(self, tag):
        at = self._offset()
        close = re.match(r"</[^>]*>?", self.text[at:])
        end = at + (close.end() if close else 0)
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                for _, start, hides in self.open[i:]:  # closing an element closes those inside it
                    if hides:
                        self.spans.append((start, end))
                del self.open[i:]
                return

    def finish(self) -> list[tuple[int, int]]:
        """Close the input; elements still open run to the end of the text."""
        self.close()
        self.spans += [(start, len(self.text)) for _, start, hides in self.open if hides]
        self.open = []
        return sorted(self.spans)


@dataclass(frozen=True)
class Hidden:
    """One part of the text a reader cannot see: its kind, its span and what it says."""

    kind: str  # "tags" | "comment" | "markdown" | "element"
    start: int
    end: int
    content: str


def hidden_parts(text: str) -> list[Hidden]:
    """Content of `text` that a human reading the rendered packet would not see, in
    text order: revealed Unicode tag characters, HTML comments, Markdown comments (link
    reference definitions), hidden HTML elements (`hidden`, `display:none`, white or
    zero-size text, script/style/template/noscript). Markup inside code (fenced or
    inline) is shown as text and does not count. Parts may overlap (an element inside
    a comment is not listed; a comment inside a hidden element is)."""
    parts = [Hidden("tags", m.start(), m.end(), m.group(0)) for m in _REVEALED.finditer(text)]
    if "<" not in text and "]:" not in text:
        return parts
    code = _code_spans(text)
    comments = [m for m in _HTML_COMMENT.finditer(text) if not _in(code, m.start())]
    parts += [Hidden("comment", m.start(), m.end(), m.group(1)) for m in comments]
    skip = sorted(code + [m.span() for m in comments])
    for m in _MD_COMMENT.finditer(text):
        if not _in(skip, m.start()):
            label = m.group("label")
            content = " ".join(
                g
                for g in (
                    ("" if label.strip("/_ ").lower() in ("", "comment", "hidden", "note") else label),
                    m.group("p"),
                    m.group("q"),
                    m.group("s"),
                )
                if g
            )
            parts.append(Hidden("markdown", m.start(), m.end(), content))
    blanked = list(text)
    for a_, b_ in skip:
        blanked[a_:b_] = " " * (b_ - a_)
    walker = _HiddenElements("".join(blanked))
    walker.feed(walker.text)
    pos = elements = 0
    for start, end in walker.finish():
        if start < pos:
            continue  # inside a hidden element already listed
        inner = _HTML_COMMENT.sub(" ", text[start:end])
        parts.append(Hidden("element", start, end, re.sub(r"<[^<>]*>", " ", inner)))
        pos, elements = end, elements + 1
        if elements >= MAX_FINDINGS:
            break
    parts.sort(key=lambda h: (h.start, -h.end))
    return parts


def hidden_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` hidden from a human reader of the rendered packet (see
    `hidden_parts`), sorted and merged. Engines must not read these as evidence."""
    merged: list[tuple[int, int]] = []
    for h in hidden_parts(text):
        if merged and h.start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], h.end))
        else:
            merged.append((h.start, h.end))
    return merged


def word_count(s: str) -> int:
    """The words in `s` (runs of letters, with apostrophes and hyphens inside)."""
    return len(_WORD.findall(s))


def substantive(content: str) -> str | None:
    """Why hidden `content` is a concern whatever it says (MIN_HIDDEN_WORDS words or
    more: a reader cannot see it), or None."""
    n = word_count(content)
    return f"{n} words a human reader cannot see" if n >= MIN_HIDDEN_WORDS else None
