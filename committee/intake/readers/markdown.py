"""The Markdown reader: a `.md` file decoded (`encoding`), its text kept as written."""

from __future__ import annotations

from pathlib import Path

from committee.intake.readers.common import Extracted
from committee.intake.readers.encoding import decode_text


def read_markdown(data: bytes, path: Path) -> Extracted:
    """A Markdown packet file. Raises BadInput when it is not readable text."""
    text, enc = decode_text(data, str(path))
    return Extracted(text=text, format="markdown", encoding=enc)
