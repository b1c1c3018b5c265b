"""Reading packets into `Packet` models.

Formats are pluggable: `READERS` maps a file suffix to a function that turns the file's
bytes into text (Markdown and plain text here; more formats register the same way).
The text is then parsed for optional YAML front matter (`packet`, `candidate`,
`scenario`, anything else kept in `meta`) and `##` sections.

Every failure raises `BadInput` with a one-line message; nothing is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import yaml

from committee.errors import BadInput
from committee.models import Packet, Section

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
HEADING_RE = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
MAX_BYTES = 512 * 1024


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data:
        raise BadInput(f"{path}: looks like a binary file, not a text packet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not valid UTF-8 text (byte {exc.start}); save the packet as UTF-8") from exc


READERS: dict[str, Callable[[bytes, Path], str]] = {
    ".md": _decode,
    ".markdown": _decode,
    ".txt": _decode,
    "": _decode,
}


def slug(name: str) -> str:
    """A lineage key from a file name: lower case, runs of other characters -> '-'."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._").lower()
    return s[:200] or "packet"


def split_front_matter(text: str, where: str = "packet") -> tuple[dict, str]:
    """Return (front matter mapping, body). Raises BadInput on a front matter block
    that is unterminated, not YAML, or not a mapping."""
    if not text.startswith("---"):
        return {}, text
    m = FRONT_RE.match(text)
    if not m:
        raise BadInput(f"{where}: front matter starts with '---' but has no closing '---' line")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" (line {line + 2})" if line is not None else ""
        raise BadInput(f"{where}: malformed YAML front matter{at}") from exc
    if not isinstance(meta, dict):
        raise BadInput(f"{where}: front matter must be a mapping of key: value lines")
    return meta, text[m.end():]


def split_sections(body: str) -> list[Section]:
    """Split on `##` headings. Text before the first heading becomes a section titled
    'Preamble'; a body with no heading is one section titled 'Packet'. `start` offsets
    index into `body`."""
    heads = list(HEADING_RE.finditer(body))
    sections: list[Section] = []
    pre_end = heads[0].start() if heads else len(body)
    pre = body[:pre_end]
    if pre.strip():
        lead = len(pre) - len(pre.lstrip())
        sections.append(Section(title="Preamble" if heads else "Packet", text=pre.strip(), start=lead))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        chunk = body[h.end():end]
        lead = len(chunk) - len(chunk.lstrip())
        if chunk.strip():
            sections.append(Section(title=h.group(1).strip(), text=chunk.strip(), start=h.end() + lead))
    return sections


def _str_field(meta: dict, name: str, where: str) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadInput(f"{where}: front matter '{name}' must be text, got {type(value).__name__}")
    return str(value).strip() or None


def parse_packet(text: str, *, name: str = "packet", source: str | None = None) -> Packet:
    """Parse packet text (front matter optional). `name` gives the default key.
    Raises BadInput on an empty packet, bad front matter or an invalid key."""
    where = source or name
    meta, body = split_front_matter(text, where)
    if not body.strip():
        raise BadInput(f"{where}: the packet is empty (no text after the front matter)")
    key = _str_field(meta, "packet", where) or slug(name)
    if not KEY_RE.match(key):
        raise BadInput(f"{where}: packet key {key!r} may use only letters, digits, '.', '_' and '-'")
    candidate = _str_field(meta, "candidate", where)
    scenario = _str_field(meta, "scenario", where)
    extra = {k: v for k, v in meta.items() if k not in ("packet", "candidate", "scenario")}
    return Packet(
        key=key, candidate=candidate, scenario=scenario, text=body,
        sections=split_sections(body), meta=extra, source=source,
    )


def read_packet(path: str | Path, *, max_bytes: int = MAX_BYTES) -> Packet:
    """Read a packet file. Raises BadInput for a missing path, a directory, an
    unsupported suffix, a file over `max_bytes`, undecodable or empty content."""
    p = Path(path)
    if not p.exists():
        raise BadInput(f"{p}: no such file")
    if p.is_dir():
        raise BadInput(f"{p}: is a directory, not a packet file")
    reader = READERS.get(p.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(s for s in READERS if s))
        raise BadInput(f"{p}: unsupported packet format {p.suffix!r} (supported: {known})")
    size = p.stat().st_size
    if size > max_bytes:
        raise BadInput(f"{p}: {size} bytes is over the {max_bytes}-byte packet limit")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInput(f"{p}: cannot read ({exc.strerror})") from exc
    return parse_packet(reader(data, p), name=p.stem, source=str(p))
