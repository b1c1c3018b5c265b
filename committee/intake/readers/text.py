"""The plain-text reader: a `.txt` file decoded (`encoding`)."""

from __future__ import annotations

from pathlib import Path

from committee.intake.readers.common import Extracted
from committee.intake.readers.encoding import decode_text


def read_text(data: bytes, path: Path) -> Extracted:
    """A plain-text packet file. Raises BadInput when it is not readable text."""
    text, enc = decode_text(data, str(path))
    return Extracted(text=text, format="text", encoding=enc)
