"""The DOCX reader (`python-docx`): paragraphs and tables in document order, one block
each; Heading/Title styles and short title-like paragraphs become `##` sections, list
styles or numbering `- ` items, manual line breaks separate lines, table rows are one
line each; text boxes follow the paragraph they are anchored in; the page headers and
footers and the comments follow the body as sections of their own ("Page headers and
footers", "Comments in the document"), so they are read and checked like the body.
Runs that are hidden (`w:vanish`), white or tiny are reported in `hidden`, wherever
they are. The archive is checked before python-docx opens it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from committee.errors import BadInput
from committee.intake.readers.common import Extracted, short_error, sniff
from committee.intake.readers.layout import BULLET_RE, bullet_item, heading_like, render_blocks

#: DOCX (zip) sanity limits, checked before python-docx opens the archive
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_ZIP_RATIO = 200
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
        if BULLET_RE.match(line):
            blocks.append(("li", bullet_item(line)))
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
    """A Word (.docx) packet file: body, text boxes, headers, footers and comments as
    Markdown, and the runs a reader cannot see in `hidden`. Raises BadInput for a file
    that is not a readable .docx, or unpacks too large."""
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
        raise BadInput(f"{where}: not a readable .docx file ({short_error(exc)})") from exc
    text = render_blocks(blocks)
    return Extracted(text=text, format="docx", hidden=[h for h in hidden if h.strip()])
