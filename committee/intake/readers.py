"""Format readers: the bytes of a packet file -> text (plus what intake needs to know).

Each reader takes `(data, path)` and returns an `Extracted`; `committee.intake.packets`
registers them by suffix in `READERS` and turns the result into a `Packet`. Every
failure, however malformed the file, is a `BadInput` with a one-line message.

- Markdown and plain text: UTF-8 (with or without BOM), UTF-16/UTF-32 with a BOM,
  UTF-16 without a BOM when it is unambiguous, and legacy Windows-1252/Latin-1 when
  the bytes read as mostly-ASCII text; anything else is refused with a clear message.
- PDF (`pypdf` for the text layer, page by page; `pdfminer.six` for what is visible).
  A PDF without a text layer (a scan) is refused with a message saying so; an
  encrypted PDF is refused. Text a reader of the rendered page cannot see is reported
  in `hidden`: covered by a filled shape painted after it, in (nearly) the colour of
  what lies behind it (white on the white page, green on a green box; white on a dark
  bar is visible), tiny (< 2 pt), off the page, or invisible (render mode 3 without an
  image on the page: that is an OCR layer). Inside form XObjects too. Not detected:
  text clipped away, and shapes with transparency (pdfminer reports no alpha; they
  are taken as opaque).
  Line structure is kept (see "layout" below): a heading line (bigger font, or a
  short title-like line ending no sentence) becomes a `## ` section, a bullet line a
  `- ` item, paragraphs (a vertical gap, a short last line, an indent) are separated
  by a blank line; only soft-wrapped lines are joined. Page numbers are dropped.
- DOCX (`python-docx`): paragraphs and tables in document order, one block each;
  Heading/Title styles and short title-like paragraphs become `##` sections, list
  styles or numbering `- ` items, manual line breaks separate lines, table rows are
  one line each; text boxes follow the paragraph they are anchored in; the page
  headers and footers and the comments follow the body as sections of their own
  ("Page headers and footers", "Comments in the document"), so they are read and
  checked like the body. Runs that are hidden (`w:vanish`), white or tiny are
  reported in `hidden`, wherever they are.
- JSON: an object matching the `Packet` model (`key`, `candidate`, `scenario`,
  `text`, `meta`; `sections`, `revision` and `source` are accepted and recomputed).
"""

from __future__ import annotations

import codecs
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

from committee.errors import BadInput, error_location
from committee.models import Packet

#: container formats may be this many times larger on disk than the text limit
BINARY_FACTOR = 8
MAX_PDF_PAGES = 200
#: DOCX (zip) sanity limits, checked before python-docx opens the archive
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_ZIP_RATIO = 200
log = logging.getLogger("committee.intake.readers")


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


# A reader sees the topmost paint at each point: a glyph is hidden when a filled shape
# painted after it covers most of it, when its colour is (nearly) the colour of what
# lies behind it (the page is white), when it is tiny or off the page, or when it is
# drawn invisible (render mode 3/7) on a page without images (with images, that is an
# OCR layer over a scan). pdfminer.six interprets the drawing; these are the rules.
MIN_VISIBLE_PT = 2.0  # glyphs smaller than this are unreadable
COVERED_SHARE = 0.8  # a later shape covering this much of a glyph's box hides it
SAME_COLOUR = 0.08  # RGB distance (0-1 per channel, Euclidean) at which text matches its background
OFF_PAGE_PT = 36.0  # glyphs this far outside the media box are off the page
_WHITE = (1.0, 1.0, 1.0)


def _rgb(colour: Any, components: int | None = None) -> tuple[float, float, float] | None:
    """A device colour as RGB in 0-1 (gray, RGB or CMYK by its number of components),
    or None when it is not a plain device colour (a pattern, a spot colour)."""
    if isinstance(colour, (int, float)) and not isinstance(colour, bool):
        colour = (colour,)
    if not isinstance(colour, (tuple, list)) or not all(isinstance(v, (int, float)) for v in colour):
        return None
    v = [min(1.0, max(0.0, float(x))) for x in colour]
    if len(v) == 1 and components in (None, 1):
        return (v[0], v[0], v[0])
    if len(v) == 3:
        return (v[0], v[1], v[2])
    if len(v) == 4:
        c, m, y, k = v
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Share of box `a`'s area that box `b` covers (boxes are x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = max(a[2] - a[0], 0.1) * max(a[3] - a[1], 0.1)
    return 0.0 if w <= 0 or h <= 0 else w * h / area


BAND_PT = 24.0  # paints are indexed by horizontal bands of this height (see `_paint_order`)


def _paint_order(layout) -> tuple[list, dict[int, list], bool]:
    """(glyphs, paints, has_images) of a pdfminer page in drawing order: glyphs as
    (order, LTChar); paints as (order, bbox, rgb, image) with rgb None when the fill
    colour is not a plain device colour (or for an image), indexed by the `BAND_PT`
    bands their height spans, so a glyph is compared only with the paints of the band
    its centre lies in (a paint covering most of a glyph always covers its centre)."""
    from pdfminer.layout import LTChar, LTCurve, LTImage

    glyphs: list = []
    paints: dict[int, list] = {}
    images = False
    order = 0

    def paint(bbox, rgb, image: bool) -> None:
        for band in range(int(bbox[1] // BAND_PT), int(bbox[3] // BAND_PT) + 1):
            paints.setdefault(band, []).append((order, bbox, rgb, image))

    def walk(item) -> None:
        nonlocal order, images
        for obj in item:
            order += 1
            if isinstance(obj, LTChar):
                glyphs.append((order, obj))
            elif isinstance(obj, LTImage):
                images = True
                paint(obj.bbox, None, True)
            elif isinstance(obj, LTCurve) and obj.fill:  # LTRect and LTLine are curves
                paint(obj.bbox, _rgb(obj.non_stroking_color), False)
            elif hasattr(obj, "__iter__"):
                walk(obj)  # a figure (form XObject): drawn here, in its own order

    walk(layout)
    return glyphs, paints, images


def _glyph_hidden(glyph, order: int, paints: dict[int, list], images: bool, box: tuple) -> bool:
    """Whether a reader of the rendered page cannot see this glyph (rules above). An
    image drawn over text does not hide it (a scan's text layer may lie under it)."""
    if 0 < glyph.size < MIN_VISIBLE_PT:
        return True
    x, y = (glyph.x0 + glyph.x1) / 2, (glyph.y0 + glyph.y1) / 2
    if not (box[0] - OFF_PAGE_PT <= x <= box[2] + OFF_PAGE_PT and box[1] - OFF_PAGE_PT <= y <= box[3] + OFF_PAGE_PT):
        return True
    if getattr(glyph, "render_mode", 0) in (3, 7) and not images:
        return True
    gbox = (glyph.x0, glyph.y0, glyph.x1, glyph.y1)
    behind: tuple[float, float, float] | None = _WHITE
    for p_order, p_box, p_rgb, image in paints.get(int(y // BAND_PT), ()):
        if p_order > order and not image and _overlap(gbox, p_box) >= COVERED_SHARE:
            return True  # painted over
        if p_order < order and p_box[0] <= x <= p_box[2] and p_box[1] <= y <= p_box[3]:
            behind = p_rgb  # the topmost paint under the glyph so far (None: an image or an unknown colour)
    colour = _rgb(glyph.graphicstate.ncolor, getattr(glyph.ncs, "ncomponents", None))
    if colour is None or behind is None:
        return False
    return math.dist(colour, behind) < SAME_COLOUR


def _pdf_hidden(data: bytes, max_pages: int) -> list[str]:
    """Runs of text in the PDF that a reader of the rendered pages cannot see, in page
    and drawing order (whitespace-normalised). Raises whatever pdfminer raises."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Device(PDFPageAggregator):
        """pdfminer keeps a glyph's colour but not its text render mode: record it."""

        def render_string(self, textstate, seq, ncs, graphicstate):
            self._render_mode = textstate.render
            return super().render_string(textstate, seq, ncs, graphicstate)

        def render_char(self, *args, **kwargs):
            adv = super().render_char(*args, **kwargs)
            self.cur_item._objs[-1].render_mode = getattr(self, "_render_mode", 0)
            return adv

    manager = PDFResourceManager()
    device = Device(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    runs: list[str] = []
    for index, page in enumerate(PDFPage.get_pages(io.BytesIO(data))):
        if index >= max_pages:
            break
        interpreter.process_page(page)
        layout = device.get_result()
        glyphs, paints, images = _paint_order(layout)
        current: list[str] = []
        last = None
        for order, glyph in glyphs:
            text = glyph.get_text()
            gap = last is not None and (
                abs(glyph.y0 - last.y0) > last.size / 2 or glyph.x0 - last.x1 > 0.3 * max(last.size, 1.0)
            )
            last = glyph
            if not text.strip():
                if current:
                    current.append(" ")
                continue
            if _glyph_hidden(glyph, order, paints, images, layout.bbox):
                current.append((" " if gap and current else "") + text)
            elif current:
                runs.append("".join(current))
                current = []
        if current:
            runs.append("".join(current))
    return [" ".join(r.split()) for r in runs if r.strip()]


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
            for index, page in enumerate(pages):
                full, page_lines = _page_lines(page, index)
                texts.append(full)
                lines += page_lines
            try:
                hidden = _pdf_hidden(data, MAX_PDF_PAGES)
            except Exception:  # noqa: BLE001 - hidden-text detection is best effort on damaged files
                hidden = []
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


_HEADING_STYLE_RE = re.compile(r"^(?:heading\s*\d*|title|subtitle)$", re.IGNORECASE)  # Word style names


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
    if _HEADING_STYLE_RE.match(style):
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


def _text_boxes(par, hidden: list[str]) -> list[tuple[str, str]]:
    """Blocks of the text boxes anchored in paragraph `par` (DrawingML or VML; the VML
    copy Word keeps as a fallback of a DrawingML box is read once)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    fallback = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
    blocks: list[tuple[str, str]] = []
    for box in par._p.iter(qn("w:txbxContent")):
        if any(a.tag == fallback for a in box.iterancestors()):
            continue
        for p in box.iter(qn("w:p")):
            _docx_paragraph(Paragraph(p, par), blocks, hidden)
    return blocks


def _margin_blocks(document, hidden: list[str]) -> list[tuple[str, str]]:
    """The page headers and footers (every section's, each distinct line once) and the
    comments, as trailing sections: a reader of the file sees them, so the committee
    reads them, and intake checks them like the body."""
    lines: list[tuple[str, str]] = []
    for section in document.sections:
        for part in (
            section.first_page_header,
            section.header,
            section.even_page_header,
            section.first_page_footer,
            section.footer,
            section.even_page_footer,
        ):
            if part.is_linked_to_previous:  # no definition of its own
                continue
            pars = list(part.paragraphs) + [
                p for t in part.tables for row in t.rows for c in row.cells for p in c.paragraphs
            ]
            for par in pars:
                for kind, text in _collected(par, hidden):
                    if (kind, text) not in lines:
                        lines.append(("p" if kind == "h" else kind, text))
    blocks = [("h", "Page headers and footers"), *lines] if lines else []
    comments = []
    for comment in getattr(document, "comments", None) or []:  # python-docx >= 1.2
        text = " ".join(t for par in comment.paragraphs for _, t in _collected(par, hidden))
        if text.strip():
            comments.append(("li", f"- {' '.join((comment.author or 'comment').split())}: {text}"))
    return blocks + ([("h", "Comments in the document"), *comments] if comments else [])


def _collected(par, hidden: list[str]) -> list[tuple[str, str]]:
    blocks: list[tuple[str, str]] = []
    _docx_paragraph(par, blocks, hidden)
    return blocks


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
                blocks += _text_boxes(block, hidden)
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
        blocks += _margin_blocks(document, hidden)
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
    loc = error_location(first, "(top level)")
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
