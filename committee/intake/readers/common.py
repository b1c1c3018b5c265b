"""What every reader shares: `Extracted` (what a reader got out of a file), `sniff`
(the container format bytes start with), the size factor of container formats and
the one-line reason of a library's failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: container formats may be this many times larger on disk than the text limit
BINARY_FACTOR = 8


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


def short_error(exc: BaseException) -> str:
    """`exc` in one short line (its class and message) for a BadInput message."""
    msg = " ".join(str(exc).split())[:120]
    return f"{exc.__class__.__name__}: {msg}" if msg else exc.__class__.__name__
