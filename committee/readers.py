"""Format readers: the bytes of a packet file -> text (plus what intake needs to know).

Each reader takes `(data, path)` and returns an `Extracted`; `committee.packets`
registers them by suffix in `READERS` and turns the result into a `Packet`. Every
failure, however malformed the file, is a `BadInput` with a one-line message.

- Markdown and plain text: UTF-8 (with or without BOM), UTF-16/UTF-32 with a BOM,
  UTF-16 without a BOM when it is unambiguous, and legacy Windows-1252/Latin-1 when
  the bytes read as mostly-ASCII text; anything else is refused with a clear message.
- PDF (`pypdf`): the text layer, page by page. A PDF without one (a scan) is refused
  with a message saying so; an encrypted PDF is refused. Text drawn white (unless over
  an area painted in a colour or with an image, like a white heading on a dark bar),
  invisible (render mode 3 without an image on the page: that is an OCR layer), tiny
  (< 2 pt) or off the page is reported in `hidden`. Best effort: text hidden under a
  shape drawn later, in the colour of a non-white box, clipped away, or inside form
  XObjects is not detected.
  Line structure is kept (see "layout" below): a heading line (bigger font, or a
  short title-like line ending no sentence) becomes a `## ` section, a bullet line a
  `- ` item, paragraphs (a vertical gap, a short last line, an indent) are separated
  by a blank line; only soft-wrapped lines are joined. Page numbers are dropped.
- DOCX (`python-docx`): paragraphs and tables in document order, one block each;
  Heading/Title styles and short title-like paragraphs become `##` sections, list
  styles or numbering `- ` items, manual line breaks separate lines, table rows are
  one line each; runs that are hidden (`w:vanish`), white or tiny are
  reported in `hidden`. Headers, footers, comments and text boxes are not read.
- JSON: an object matching the `Packet` model (`key`, `candidate`, `scenario`,
  `text`, `meta`; `sections`, `revision` and `source` are accepted and recomputed).
"""

from __future__ import annotations

import codecs
import difflib
import io
import json
import logging
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from committee.errors import BadInput
from committee.models import Packet

#: container formats may be this many times larger on disk than the text limit
BINARY_FACTOR = 8
MAX_PDF_PAGES = 200
#: DOCX (zip) sanity limits, checked before python-docx opens the archive
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_ZIP_RATIO = 200
log = logging.getLogger("committee.readers")


@dataclass
class Extracted:
    """What a reader got out of a file. `fields` is set by structured formats (JSON)
    whose key/candidate/scenario/meta come from the file rather than front matter;
    `hidden` lists text fragments a human reader of the file would not see."""

    text: str
    format: str
    encoding: str | None = None
    hidden: list[str] = field(default_factory=list)
    fields: dict[str, Any] | None = None


# ------------------------------------------------------------------------ text


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\t\n\r\f\v")
    return bad / len(text)


def _ascii_ratio(text: str) -> float:
    return sum(1 for ch in text if " " <= ch <= "~" or ch in "\t\n\r") / max(len(text), 1)


def sniff(data: bytes) -> str | None:
    """The container format the bytes start with, if any (`pdf`, `zip`, `ole`)."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


def decode_text(data: bytes, where: str) -> tuple[str, str]:
    """Decode a text file; returns (text, encoding). Raises BadInput for binary data
    or an encoding that cannot be recognised with confidence."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as exc:
                raise BadInput(
                    f"{where}: starts with a {enc.upper().replace('-SIG', '')} byte-order mark but is not valid "
                    f"{enc.upper().replace('-SIG', '')} (byte {exc.start})"
                ) from exc
            if text.startswith("\ufeff"):
                text = text[1:]
            if _control_ratio(text) > 0.01:
                raise BadInput(f"{where}: looks like a binary file, not a text packet")
            return text, enc.replace("-sig", "")
    kind = sniff(data)
    if kind == "pdf":
        raise BadInput(f"{where}: is a PDF file; give it a .pdf name")
    if kind == "zip":
        raise BadInput(f"{where}: is a ZIP archive (a .docx?); give a Word file a .docx name")
    if kind == "ole":
        raise BadInput(f"{where}: is an old binary Office file (.doc); save it as .docx or PDF")
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        raise BadInput(f"{where}: looks like a binary file, not a text packet")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _control_ratio(text) > 0.01:
            raise BadInput(f"{where}: looks like a binary file, not a text packet")
        return text, "utf-8"
    mixed = _mostly_utf8(data)
    if mixed is not None:
        text, stray = mixed
        if _control_ratio(text) > 0.01:
            raise BadInput(f"{where}: looks like a binary file, not a text packet")
        log.warning(
            "%s: %d stray byte(s) are not UTF-8; read them as Windows-1252 (save the packet as UTF-8 to silence this)",
            where,
            stray,
        )
        return text, "utf-8"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _control_ratio(text) <= 0.01 and _ascii_ratio(text) >= 0.7:
        return text, "cp1252"
    raise BadInput(
        f"{where}: not UTF-8 text and not in an encoding that can be recognised safely; save the packet as UTF-8"
    )


def _cp1252_bytes(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: the undecodable bytes read as Windows-1252 (U+FFFD where even
    that fails)."""
    chunk = exc.object[exc.start : exc.end]
    return chunk.decode("cp1252", errors="replace"), exc.end


codecs.register_error("committee-cp1252", _cp1252_bytes)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """(text, number of stray byte runs) when `data` is UTF-8 apart from a few stray bytes
    (a Windows-1252 apostrophe pasted into a UTF-8 file): it holds valid multi-byte UTF-8
    sequences, and the bytes that fail are at most 8 or 5% of its non-ASCII characters.
    None otherwise (then the whole file may be Windows-1252)."""
    strict = data.decode("utf-8", errors="ignore")
    stray = data.decode("utf-8", errors="replace").count("\ufffd") - strict.count("\ufffd")
    text = data.decode("utf-8", errors="committee-cp1252")
    multibyte = sum(1 for ch in strict if ord(ch) > 127)
    if multibyte == 0 or stray > max(8, multibyte // 20):
        return None
    return text, stray


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a BOM shows NUL in every other byte for ASCII-heavy text."""
    if len(data) % 2 or len(data) < 4:
        return None
    even_nul = data[0::2].count(0) / (len(data) // 2)
    odd_nul = data[1::2].count(0) / (len(data) // 2)
    if odd_nul > 0.5 and even_nul < 0.05:
        enc = "utf-16-le"
    elif even_nul > 0.5 and odd_nul < 0.05:
        enc = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    if _control_ratio(text) > 0.01:
        return None
    return text, enc


def read_text(data: bytes, path: Path) -> Extracted:
    text, enc = decode_text(data, str(path))
    return Extracted(text=text, format="text", encoding=enc)


def read_markdown(data: bytes, path: Path) -> Extracted:
    text, enc = decode_text(data, str(path))
    return Extracted(text=text, format="markdown", encoding=enc)


# ---------------------------------------------------------------------- layout
#
# PDF and DOCX have no Markdown: their line structure is turned into it, so a heading
# or a bullet never runs into the next sentence. Blocks are ("h" | "t" | "li" | "p",
# text): headings ("t": title-like, a heading if text follows) become `## ` lines,
# bullets `- ` lines, paragraphs are separated by a blank line (engines split
# sentences at blank lines, headings and bullets).

_BULLET_RE = re.compile(r"^\s*(?:[-*+•●◦▪▫■□‣⁃∙·–—➢➤►▶✓✔]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)](?=\s))\s+(?=\S)")
_TERMINAL_RE = re.compile(r"[.!?;:,…][\"'”’)\]]*$")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
_PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 90


def heading_like(text: str) -> bool:
    """A short line that reads as a title: up to HEADING_MAX_WORDS words, starts with a
    capital or a digit, has a letter, and does not end like a sentence or a lead-in."""
    t = " ".join(text.split())
    if not t or len(t) > HEADING_MAX_CHARS or len(t.split()) > HEADING_MAX_WORDS or _TERMINAL_RE.search(t):
        return False
    if _BULLET_RE.match(t) or not re.search(r"[^\W\d_]", t):
        return False
    first = t.lstrip("\"'“‘(#*_")[:1]
    return first.isupper() or first.isdigit()


def _bullet_item(text: str) -> str:
    """`text` with its bullet glyph replaced by Markdown's `- ` (numbers are kept)."""
    m = _BULLET_RE.match(text)
    if not m:
        return text
    mark = m.group(0).strip()
    rest = text[m.end() :]
    return f"{mark} {rest}" if re.match(r"\(?\w{1,3}[.)]$", mark) else f"- {rest}"


def _join_wrapped(a: str, b: str) -> str:
    """Join a soft-wrapped line: a word hyphenated at the line end stays one word."""
    if re.search(r"[^\W\d_]-$", a) and b[:1].islower():
        return a + b
    return f"{a} {b}"


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


@dataclass
class _Line:
    """One visual line of a PDF page, with its dominant font size and its position."""

    text: str
    page: int
    size: float = 0.0
    x: float | None = None
    y: float | None = None


def _page_lines(page, index: int) -> tuple[str, list[_Line]]:
    """The page's text (as pypdf extracts it) and its lines with geometry when pypdf's
    visitor reports it consistently (otherwise lines without geometry)."""
    parts: list[tuple[str, Any, Any, float]] = []

    def visit(text, cm, tm, _font, size):
        parts.append((text, cm, tm, size))

    full = page.extract_text(visitor_text=visit) or ""
    if "".join(p[0] for p in parts) != full:
        return full, [_Line(t, index) for t in full.split("\n")]
    lines: list[_Line] = []
    buf: list[str] = []
    meta: dict[str, float] = {}
    weight: dict[float, int] = {}

    def finish() -> None:
        line = _Line("".join(buf), index, x=meta.get("x"), y=meta.get("y"))
        if weight:
            line.size = max(weight, key=lambda k: weight[k])
        lines.append(line)
        buf.clear()
        meta.clear()
        weight.clear()

    for text, cm, tm, size in parts:
        for k, piece in enumerate(text.split("\n")):
            if k:
                finish()
            buf.append(piece)
            if piece.strip():
                try:
                    m = _mat_mul([float(v) for v in tm], [float(v) for v in cm])
                    eff = round(abs(float(size)) * math.hypot(m[2], m[3]), 1)
                except (TypeError, ValueError):
                    continue
                if "y" not in meta:
                    meta["x"], meta["y"] = m[4], m[5]
                weight[eff] = weight.get(eff, 0) + len(piece.strip())
    finish()
    return full, lines


def _pdf_blocks(lines: list[_Line]) -> list[tuple[str, str]]:
    """Headings, bullets and paragraphs from the lines of a PDF: a line runs on into
    the next only when it is soft-wrapped (it fills the line, no paragraph gap, same
    font size); a short line, a gap, a bigger font, a bullet or an indent ends it."""
    body = [ln for ln in lines if ln.text.strip()]
    # page numbers alone on the first or last line of a page
    by_page: dict[int, list[_Line]] = {}
    for ln in body:
        by_page.setdefault(ln.page, []).append(ln)
    drop = {id(p[i]) for p in by_page.values() for i in {0, len(p) - 1} if _PAGE_NUMBER_RE.match(p[i].text.strip())}
    body = [ln for ln in body if id(ln) not in drop]
    if not body:
        return []
    sizes: dict[float, int] = {}
    for ln in body:
        if ln.size:
            sizes[ln.size] = sizes.get(ln.size, 0) + len(ln.text)
    body_size = max(sizes, key=lambda k: sizes[k]) if sizes else 0.0
    gaps = sorted(
        a.y - b.y
        for a, b in zip(body, body[1:])
        if a.page == b.page and a.y is not None and b.y is not None and a.y - b.y > 0.5
    )
    line_gap = gaps[len(gaps) // 4] if gaps else None
    normal = sorted(len(" ".join(ln.text.split())) for ln in body if not _bigger(ln.size, body_size))
    # the wrap width, in characters: a line much shorter than this ended on purpose
    full = (normal[-1] if len(normal) < 20 else normal[int(0.9 * (len(normal) - 1))]) if normal else 0

    def continues(prev: _Line, ln: _Line, kind: str, first: _Line) -> bool:
        ptext, text = " ".join(prev.text.split()), " ".join(ln.text.split())
        if _BULLET_RE.match(text) or _bigger(ln.size, body_size) != _bigger(prev.size, body_size):
            return False
        if ln.size and prev.size and abs(ln.size - prev.size) > 0.15 * max(ln.size, prev.size):
            return False
        if _SENTENCE_END_RE.search(ptext) and len(text) < 0.7 * full and heading_like(text):
            return False  # a short title-like line after a finished sentence: a heading
        if ln.page != prev.page:
            return not _SENTENCE_END_RE.search(ptext) and len(ptext) >= 0.7 * full
        if line_gap and prev.y is not None and ln.y is not None:
            gap = prev.y - ln.y
            if abs(gap) < 0.5 * line_gap:
                return True  # the same visual line, split by the extractor
            if gap < 0 or gap > 1.35 * line_gap:
                return False
        if len(ptext) < 0.7 * full:
            return False
        if (
            kind == "p"
            and ln.x is not None
            and first.x is not None
            and ln.x > first.x + 0.5 * (body_size or 10)
            and _SENTENCE_END_RE.search(ptext)
        ):
            return False  # a first-line indent starts a new paragraph
        return True

    blocks: list[list] = []  # [kind, text, n_lines, big, first line]
    prev: _Line | None = None
    for ln in body:
        text = " ".join(ln.text.split())
        if blocks and prev is not None and continues(prev, ln, blocks[-1][0], blocks[-1][4]):
            blocks[-1][1] = _join_wrapped(blocks[-1][1], text)
            blocks[-1][2] += 1
        else:
            bullet = bool(_BULLET_RE.match(text))
            blocks.append(
                ["li" if bullet else "p", _bullet_item(text) if bullet else text, 1, _bigger(ln.size, body_size), ln]
            )
        prev = ln
    out: list[tuple[str, str]] = []
    for kind, text, n, big, _first in blocks:
        if kind == "p" and big and len(text.split()) <= 2 * HEADING_MAX_WORDS and not _TERMINAL_RE.search(text):
            kind = "h"
        elif kind == "p" and n == 1 and heading_like(text):
            kind = "t"
        out.append((kind, text))
    return out


def _bigger(size: float, body: float) -> bool:
    return bool(size and body and size >= 1.15 * body)


# ------------------------------------------------------------------------- PDF


def _mat_mul(m: list[float], n: list[float]) -> list[float]:
    """PDF matrices [a b c d e f]; returns m x n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


def _nums(operands: list[Any]) -> list[float] | None:
    try:
        return [float(x) for x in operands]
    except (TypeError, ValueError):
        return None


class _PdfState:
    """Just enough of the PDF graphics/text state to decide whether shown text is
    visible: fill colour, render mode, font size, the two matrices, and the areas
    painted in a non-white colour or with an image (white text there is visible)."""

    def __init__(self, box: tuple[float, float, float, float], has_images: bool):
        self.box = box
        self.has_images = has_images
        self.stack: list[tuple] = []
        self.cm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        self.fill_white = False
        self.fill_space = "/DeviceGray"
        self.render = 0
        self.size = 12.0
        self.leading = 0.0
        self.tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        self.tlm = list(self.tm)
        self.path: list[tuple[float, float, float, float]] = []
        self.backgrounds: list[tuple[float, float, float, float]] = []

    def _bbox(self, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        pts = [
            _mat_mul([1, 0, 0, 1, px, py], self.cm)[4:] for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))
        ]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)

    def apply(self, op: bytes, operands: list[Any]) -> None:
        nums = _nums(operands) if op in (b"cm", b"Tr", b"TL", b"Td", b"TD", b"Tm") else None
        if op == b"q":
            self.stack.append((list(self.cm), self.fill_white, self.fill_space, self.render, self.size, self.leading))
        elif op == b"Q":
            if self.stack:
                self.cm, self.fill_white, self.fill_space, self.render, self.size, self.leading = self.stack.pop()
        elif op == b"cm" and nums and len(nums) == 6:
            self.cm = _mat_mul(nums, self.cm)
        elif op == b"BT":
            self.tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
            self.tlm = list(self.tm)
        elif op == b"Tf" and len(operands) >= 2:
            n = _nums(operands[1:2])
            if n:
                self.size = n[0]
        elif op == b"Tr" and nums:
            self.render = int(nums[0])
        elif op == b"TL" and nums:
            self.leading = nums[0]
        elif op in (b"Td", b"TD") and nums and len(nums) == 2:
            if op == b"TD":
                self.leading = -nums[1]
            self.tlm = _mat_mul([1, 0, 0, 1, nums[0], nums[1]], self.tlm)
            self.tm = list(self.tlm)
        elif op == b"Tm" and nums and len(nums) == 6:
            self.tlm = list(nums)
            self.tm = list(nums)
        elif op in (b"T*", b"'", b'"'):
            self.tlm = _mat_mul([1, 0, 0, 1, 0, -self.leading], self.tlm)
            self.tm = list(self.tlm)
        elif op == b"re" and len(operands) == 4:
            r = _nums(operands)
            if r:
                self.path.append(self._bbox(*r))
        elif op in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
            if not self.fill_white and len(self.backgrounds) < 5000:
                self.backgrounds += self.path
            self.path = []
        elif op in (b"n", b"S", b"s"):
            self.path = []
        elif op == b"Do" and len(self.backgrounds) < 5000:
            self.backgrounds.append(self._bbox(0, 0, 1, 1))  # an image or form fills the unit square
        elif op == b"cs" and operands:
            self.fill_space = str(operands[0])
            self.fill_white = False
        elif op in (b"g", b"rg", b"k", b"sc", b"scn"):
            vals = [float(o) for o in operands if isinstance(o, (int, float)) and not isinstance(o, bool)]
            space = {b"g": "/DeviceGray", b"rg": "/DeviceRGB", b"k": "/DeviceCMYK"}.get(op, self.fill_space)
            if op in (b"g", b"rg", b"k"):
                self.fill_space = space
            self.fill_white = self._white(space, vals)

    @staticmethod
    def _white(space: str, vals: list[float]) -> bool:
        """White in a device space (or a 3/4-component calibrated one); a 1-component
        named space may be a spot colour where 1 means full ink, so it never counts."""
        if len(vals) == 4:
            return all(v <= 0.05 for v in vals)
        if len(vals) == 3:
            return all(v >= 0.95 for v in vals)
        return len(vals) == 1 and space in ("/DeviceGray", "/CalGray", "/G") and vals[0] >= 0.95

    def hidden(self) -> bool:
        """Is text shown now invisible to a reader?"""
        m = _mat_mul(self.tm, self.cm)
        x, y = m[4], m[5]
        if self.fill_white:
            return not any(x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1 for x0, y0, x1, y1 in self.backgrounds)
        if self.render in (3, 7) and not self.has_images:
            return True
        scale = math.hypot(m[2], m[3])
        if 0 < abs(self.size) * scale < 2.0:
            return True
        x0, y0, x1, y1 = self.box
        margin = 36.0
        return not (x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin)


_SHOW_OPS = (b"Tj", b"TJ", b"'", b'"')


def _page_has_images(page) -> bool:
    try:
        xobjects = page.get("/Resources", {}).get_object().get("/XObject")
        if not xobjects:
            return False
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:  # noqa: BLE001 - best effort on malformed resources
        return False


def _visible_copy(page, reader):
    """A detached copy of `page` whose content stream omits hidden text, or None when
    nothing on the page is hidden."""
    from pypdf import PageObject
    from pypdf.generic import ContentStream, NameObject

    contents = page.get_contents()
    if contents is None:
        return None
    stream = ContentStream(contents, reader)
    box = page.mediabox
    state = _PdfState((float(box.left), float(box.bottom), float(box.right), float(box.top)), _page_has_images(page))
    kept: list = []
    dropped = 0
    for operands, op in stream.operations:
        if op in (b"'", b'"'):
            if op == b'"' and len(operands) >= 3:
                kept += [([operands[0]], b"Tw"), ([operands[1]], b"Tc")]
            state.apply(op, operands)
            kept.append(([], b"T*"))
            if state.hidden():
                dropped += 1
            else:
                kept.append((operands[-1:], b"Tj"))
            continue
        if op in _SHOW_OPS and state.hidden():
            dropped += 1
            continue
        state.apply(op, operands)
        kept.append((operands, op))
    if not dropped:
        return None
    stream.operations = kept
    copy = PageObject(reader)
    copy.update(page)
    copy[NameObject("/Contents")] = stream
    return copy


def _hidden_fragments(full: str, visible: str) -> list[str]:
    """Word runs present in `full` but not in `visible`."""
    a, b = visible.split(), full.split()
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace") and j2 > j1:
            out.append(" ".join(b[j1:j2]))
    return out


class _QuietPdfLogs:
    """pypdf logs warnings about sloppy files to stderr; the CLI promises one line."""

    def __enter__(self):
        self.logger = logging.getLogger("pypdf")
        self.level, self.logger.level = self.logger.level, logging.CRITICAL + 1
        self.warnings = warnings.catch_warnings()
        self.warnings.__enter__()
        warnings.simplefilter("ignore")
        return self

    def __exit__(self, *exc):
        self.warnings.__exit__(*exc)
        self.logger.level = self.level


def read_pdf(data: bytes, path: Path) -> Extracted:
    where = str(path)
    if sniff(data) != "pdf":
        raise BadInput(f"{where}: not a PDF file (no %PDF header)")
    with _QuietPdfLogs():
        try:
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except Exception as exc:  # noqa: BLE001 - missing crypto backend, bad key, ...
                    raise BadInput(f"{where}: the PDF is encrypted; export an unprotected copy") from exc
                if not ok:
                    raise BadInput(f"{where}: the PDF is password-protected; export an unprotected copy")
            pages = reader.pages
            if len(pages) > MAX_PDF_PAGES:
                raise BadInput(f"{where}: {len(pages)} pages is over the {MAX_PDF_PAGES}-page limit for a packet")
            texts: list[str] = []
            lines: list[_Line] = []
            hidden: list[str] = []
            for index, page in enumerate(pages):
                full, page_lines = _page_lines(page, index)
                texts.append(full)
                lines += page_lines
                try:
                    copy = _visible_copy(page, reader)
                    if copy is not None:
                        hidden += _hidden_fragments(full, copy.extract_text() or "")
                except Exception:  # noqa: BLE001 - hidden-text detection is best effort
                    pass
        except BadInput:
            raise
        except RecursionError as exc:
            raise BadInput(f"{where}: not a readable PDF (nested too deeply)") from exc
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
            raise BadInput(f"{where}: not a readable PDF ({_short(exc)})") from exc
    text = render_blocks(_pdf_blocks(lines)) if any(t.strip() for t in texts) else ""
    if not text.strip():
        raise BadInput(
            f"{where}: the PDF has no text layer (a scanned image?); export it with text, "
            "run OCR on it, or paste the text into a .md file"
        )
    return Extracted(text=text, format="pdf", hidden=[h for h in hidden if h.strip()])


def _short(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())[:120]
    return f"{exc.__class__.__name__}: {msg}" if msg else exc.__class__.__name__


# ------------------------------------------------------------------------ DOCX


_HEADING_RE = re.compile(r"^(?:heading\s*\d*|title|subtitle)$", re.IGNORECASE)


def _check_zip(data: bytes, where: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise BadInput(f"{where}: not a readable .docx file (damaged or not a ZIP archive)") from exc
    if "word/document.xml" not in names:
        raise BadInput(f"{where}: not a Word document (.docx): no word/document.xml inside")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise BadInput(f"{where}: the .docx unpacks to {total} bytes, too large for a packet")


def _run_hidden(run) -> bool:
    font = run.font
    try:
        if font.hidden:
            return True
        if font.size is not None and font.size.pt < 2:
            return True
        rgb = font.color.rgb if font.color is not None and font.color.type is not None else None
        if rgb is not None and str(rgb).upper() in ("FFFFFF", "FEFEFE", "FDFDFD"):
            return True
        style = run.style
        if style is not None and style.font is not None and style.font.hidden:
            return True
    except (ValueError, AttributeError, KeyError, TypeError):
        return False
    return False


def _docx_paragraph(par, blocks: list[tuple[str, str]], hidden: list[str]) -> None:
    """Append the paragraph as blocks: a Heading/Title style or a short title-like line
    is a heading, a list style or numbering a bullet, each manual line break a line."""
    text = par.text
    run_buf: list[str] = []
    for run in par.runs:
        if _run_hidden(run):
            run_buf.append(run.text)
        elif run_buf:
            hidden.append("".join(run_buf))
            run_buf = []
    if run_buf:
        hidden.append("".join(run_buf))
    if not text.strip():
        return
    style = ((par.style.name if par.style is not None else "") or "").strip()
    try:
        numbered = par._p.pPr is not None and par._p.pPr.numPr is not None
    except AttributeError:
        numbered = False
    if _HEADING_RE.match(style):
        blocks.append(("h", " ".join(text.split())))
        return
    listed = style.lower().startswith("list") or numbered
    for i, line in enumerate(ln for ln in re.split(r"[\n\v]", text) if ln.strip()):
        line = line.strip()
        if _BULLET_RE.match(line):
            blocks.append(("li", _bullet_item(line)))
        elif listed and i == 0:
            blocks.append(("li", "- " + line))
        elif heading_like(line) and not listed:
            blocks.append(("t", line))
        else:
            blocks.append(("p", line))


def read_docx(data: bytes, path: Path) -> Extracted:
    where = str(path)
    if sniff(data) == "ole":
        raise BadInput(f"{where}: is an old binary Word file (.doc); save it as .docx or PDF")
    _check_zip(data, where)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        blocks: list[tuple[str, str]] = []
        hidden: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                _docx_paragraph(block, blocks, hidden)
            elif isinstance(block, Table):
                for row in block.rows:  # a row per paragraph: a row never runs into the next
                    cells: list[str] = []
                    for cell in row.cells:
                        t = " ".join(cell.text.split())
                        if not cells or cells[-1] != t:  # merged cells repeat
                            cells.append(t)
                        for par in cell.paragraphs:
                            _docx_paragraph(par, [], hidden)
                    blocks.append(("p", " | ".join(cells)))
    except BadInput:
        raise
    except RecursionError as exc:
        raise BadInput(f"{where}: not a readable .docx file (nested too deeply)") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many types on damaged files
        raise BadInput(f"{where}: not a readable .docx file ({_short(exc)})") from exc
    text = render_blocks(blocks)
    return Extracted(text=text, format="docx", hidden=[h for h in hidden if h.strip()])


# ------------------------------------------------------------------------ JSON


class JsonPacket(Packet):
    """A packet given as JSON: the `Packet` model's fields, strictly typed, unknown keys
    an error, and `key` optional (the file name gives it otherwise)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    key: str | None = Field(None, min_length=1, max_length=200)


def validation_message(exc: ValidationError) -> str:
    """One line naming the first invalid field."""
    errors = exc.errors()
    first = errors[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field (a packet has key, candidate, scenario, text, meta)"
    return f"field {loc!r}: {msg}{more}"


def read_json(data: bytes, path: Path) -> Extracted:
    where = str(path)
    text, enc = decode_text(data, where)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise BadInput(f"{where}: not valid JSON (nested too deeply)") from exc
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: a JSON packet must be an object with at least a 'text' field")
    try:
        jp = JsonPacket.model_validate(raw)
    except ValidationError as exc:
        raise BadInput(f"{where}: {validation_message(exc)}") from exc
    fields = {"key": jp.key, "candidate": jp.candidate, "scenario": jp.scenario, "meta": jp.meta}
    return Extracted(text=jp.text, format="json", encoding=enc, fields=fields)
