"""The PDF reader (`pypdf` for the text layer, page by page; `pdf_hidden` for what is
not visible). A PDF without a text layer (a scan) is refused with a message saying
so; an encrypted PDF is refused. Line structure is kept (`layout`): a heading line
(bigger font, or a short title-like line ending no sentence) becomes a `## ` section,
a bullet line a `- ` item, paragraphs (a vertical gap, a short last line, an indent)
are separated by a blank line; only soft-wrapped lines are joined. Page numbers are
dropped."""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from committee.errors import BadInput
from committee.intake.readers.common import Extracted, short_error, sniff
from committee.intake.readers.layout import (
    BULLET_RE,
    HEADING_MAX_WORDS,
    TERMINAL_RE,
    bullet_item,
    heading_like,
    render_blocks,
)
from committee.intake.readers.pdf_hidden import hidden_runs

MAX_PDF_PAGES = 200
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
_PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)


def _join_wrapped(a: str, b: str) -> str:
    """Join a soft-wrapped line: a word hyphenated at the line end stays one word."""
    if re.search(r"[^\W\d_]-$", a) and b[:1].islower():
        return a + b
    return f"{a} {b}"


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
        if BULLET_RE.match(text) or _bigger(ln.size, body_size) != _bigger(prev.size, body_size):
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
            bullet = bool(BULLET_RE.match(text))
            blocks.append(
                ["li" if bullet else "p", bullet_item(text) if bullet else text, 1, _bigger(ln.size, body_size), ln]
            )
        prev = ln
    out: list[tuple[str, str]] = []
    for kind, text, n, big, _first in blocks:
        if kind == "p" and big and len(text.split()) <= 2 * HEADING_MAX_WORDS and not TERMINAL_RE.search(text):
            kind = "h"
        elif kind == "p" and n == 1 and heading_like(text):
            kind = "t"
        out.append((kind, text))
    return out


def _bigger(size: float, body: float) -> bool:
    return bool(size and body and size >= 1.15 * body)


def _mat_mul(m: list[float], n: list[float]) -> list[float]:
    """PDF matrices [a b c d e f]; returns m x n."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


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
    """A PDF packet file: its text layer as Markdown, and the runs a reader cannot see in
    `hidden`. Raises BadInput for a file that is not a readable PDF, has no text layer,
    is encrypted or has more than MAX_PDF_PAGES pages."""
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
                hidden = hidden_runs(data, MAX_PDF_PAGES)
            except Exception:  # noqa: BLE001 - hidden-text detection is best effort on damaged files
                hidden = []
        except BadInput:
            raise
        except RecursionError as exc:
            raise BadInput(f"{where}: not a readable PDF (nested too deeply)") from exc
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
            raise BadInput(f"{where}: not a readable PDF ({short_error(exc)})") from exc
    text = render_blocks(_pdf_blocks(lines)) if any(t.strip() for t in texts) else ""
    if not text.strip():
        raise BadInput(
            f"{where}: the PDF has no text layer (a scanned image?); export it with text, "
            "run OCR on it, or paste the text into a .md file"
        )
    return Extracted(text=text, format="pdf", hidden=[h for h in hidden if h.strip()])
