"""Build small PDF and DOCX packets for the intake tests (no binary fixtures in git).

`pdf_bytes(pages)` writes a minimal PDF with a Helvetica text layer; each page is a
list of (text, style) lines, style one of normal | white | banner (white on a dark bar)
| tiny | invisible | offpage | covered (black, then a white box painted over it) |
onbox (green on a green box) | highlight (black on a yellow box) | struck (a thin
line drawn through it afterwards) | h (a 15 pt bold heading) | bold (11 pt bold) |
indent (a hanging-indent continuation line); an empty text is a blank line.
`pdf_from_markdown(md)` and `docx_from_markdown(md)` lay out a Markdown packet
(`## ` headings, `- ` bullets, paragraphs) as a word processor would: wrapped lines,
paragraph gaps, bigger (or bold) headings.
`scanned_pdf_bytes()` is a page with only an image (no text layer). `docx_bytes(blocks)`
writes a Word file from ("h2" | "p", text) blocks, where a paragraph may be a list of
(text, style) runs with style normal | hidden | white | tiny.
"""

from __future__ import annotations

import io
import zlib


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(lines: list[tuple[str, str]]) -> bytes:
    """Each line in its own text object, 14 pt apart from the top of the page (a
    heading 22 pt below the line before it)."""
    ops: list[str] = []
    y = 774
    for text, style in lines:
        y -= 22 if style == "h" else 14
        if not text:
            continue
        size, fill, mode, x, font = 11, "0 0 0 rg", 0, 72, "F1"
        if style == "h":
            size, font = 15, "F2"
        elif style == "bold":
            font = "F2"
        elif style == "indent":
            x = 84
        elif style == "white":
            fill = "1 1 1 rg"
        elif style == "banner":  # white text on a dark bar: visible
            ops.append(f"q 0.1 0.1 0.4 rg 66 {y - 4} 480 16 re f Q")
            fill = "1 1 1 rg"
        elif style == "onbox":
            ops.append(f"q 0.2 0.6 0.2 rg 66 {y - 4} 480 16 re f Q")
            fill = "0.2 0.6 0.2 rg"
        elif style == "highlight":
            ops.append(f"q 1 0.95 0.3 rg 66 {y - 4} 480 16 re f Q")
        elif style == "tiny":
            size = 0.5
        elif style == "invisible":
            mode = 3
        ty = y
        if style == "offpage":
            x, ty = 2000, 2000
        ops.append(f"BT /{font} {size} Tf {fill} {mode} Tr {x} {ty} Td ({_esc(text)}) Tj ET")
        if style == "covered":
            ops.append(f"q 1 1 1 rg 66 {y - 4} 480 16 re f Q")
        elif style == "struck":
            ops.append(f"q 0 0 0 rg 66 {y + 3} 480 0.8 re f Q")
    return "\n".join(ops).encode("cp1252")  # the fonts use WinAnsiEncoding


def _assemble(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)}{extra} >>\nstream\n".encode() + data + b"\nendstream"


def pdf_bytes(pages: list[list[tuple[str, str]]]) -> bytes:
    """A PDF whose pages show the given lines in Helvetica."""
    n = len(pages)
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        content_id = 6 + 2 * i  # the page object is 5 + 2 * i
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
            f"/F2 4 0 R >> >> /Contents {content_id} 0 R >>".encode()
        )
        objects.append(_stream(_content(lines)))
        assert len(objects) == content_id
    return _assemble(objects)


def _markdown_blocks(md: str) -> list[tuple[str, str]]:
    """("h" | "li" | "p", text) blocks of a simple Markdown packet (no front matter)."""
    blocks: list[tuple[str, str]] = []
    for para in md.strip().split("\n\n"):
        for line in para.split("\n"):
            line = line.strip()
            if line.startswith("## "):
                blocks.append(("h", line[3:]))
            elif line.startswith("- "):
                blocks.append(("li", line[2:]))
            elif blocks and blocks[-1][0] == "p" and not blocks[-1][1].endswith("\n"):
                blocks[-1] = ("p", blocks[-1][1] + " " + line)
            elif line:
                blocks.append(("p", line))
        if blocks and blocks[-1][0] == "p":
            blocks[-1] = ("p", blocks[-1][1] + "\n")  # the paragraph ends here
    return [(k, t.strip()) for k, t in blocks]


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]


def pdf_from_markdown(md: str, *, width: int = 88, headings: str = "h", lines_per_page: int = 48) -> bytes:
    """A PDF laid out from a simple Markdown packet: wrapped paragraphs with a blank
    line between them, bullets with a hanging indent, headings in style `headings`
    ("h": bigger and bold; "bold": body size, bold)."""
    lines: list[tuple[str, str]] = []
    prev = None
    for kind, text in _markdown_blocks(md):
        if lines and not (kind == "li" and prev == "li") and kind != "h":
            lines.append(("", "normal"))
        if kind == "h":
            lines.append((text, headings))
        elif kind == "li":
            first, *rest = _wrap("\u2022 " + text, width - 4)
            lines += [(first, "normal")] + [(r, "indent") for r in rest]
        else:
            lines += [(w, "normal") for w in _wrap(text, width)]
        prev = kind
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    return pdf_bytes(pages)


def docx_from_markdown(md: str) -> bytes:
    """A .docx from a simple Markdown packet: Heading 2 paragraphs, List Bullet items
    and Normal paragraphs."""
    import docx

    d = docx.Document()
    for kind, text in _markdown_blocks(md):
        if kind == "h":
            d.add_heading(text, level=2)
        elif kind == "li":
            d.add_paragraph(text, style="List Bullet")
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def scanned_pdf_bytes() -> bytes:
    """One page that only paints a grey image: what a scanner produces without OCR."""
    pixels = zlib.compress(bytes([128]) * 16)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        _stream(b"q 500 0 0 700 50 50 cm /Im1 Do Q"),
        _stream(
            pixels,
            " /Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray "
            "/BitsPerComponent 8 /Filter /FlateDecode",
        ),
    ]
    return _assemble(objects)


def encrypted_pdf_bytes(text: str = "A secret packet") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([[(text, "normal")]]))))
    writer.encrypt(user_password="letmein", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


_TEXT_BOX = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape style="width:200pt;height:40pt"><v:textbox>'
    "<w:txbxContent><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
)


def docx_bytes(
    blocks: list[tuple[str, object]],
    *,
    header: str | None = None,
    footer: str | None = None,
    comment: tuple[str, str] | None = None,
    text_box: str | None = None,
) -> bytes:
    """A .docx from ("h2"|"p"|"table", content) blocks; "p" content is a string or a
    list of (text, style) runs; "table" content is a list of rows (lists of str).
    Optionally a page `header` and `footer`, a `comment` (author, text) on the first
    paragraph and a VML `text_box` anchored in it."""
    from xml.sax.saxutils import escape

    import docx
    from docx.oxml import parse_xml
    from docx.shared import Pt, RGBColor

    d = docx.Document()
    if header is not None:
        d.sections[0].header.paragraphs[0].text = header
    if footer is not None:
        d.sections[0].footer.paragraphs[0].text = footer
    for kind, content in blocks:
        if kind == "h2":
            d.add_heading(str(content), level=2)
        elif kind == "table":
            rows = list(content)  # type: ignore[arg-type]
            table = d.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            par = d.add_paragraph()
            runs = [(content, "normal")] if isinstance(content, str) else content
            for text, style in runs:  # type: ignore[misc]
                run = par.add_run(text)
                if style == "hidden":
                    run.font.hidden = True
                elif style == "white":
                    run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                elif style == "tiny":
                    run.font.size = Pt(1)
    first = next((p for p in d.paragraphs if p.runs and not p.style.name.startswith("Heading")), None)
    if comment is not None and first is not None:
        d.add_comment(first.runs[0], text=comment[1], author=comment[0], initials=comment[0][:1])
    if text_box is not None and first is not None:
        first._p.append(parse_xml(_TEXT_BOX.format(escape(text_box))))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
