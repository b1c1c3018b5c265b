"""Reading packets into `Packet` models.

Formats are pluggable: `READERS` maps a file suffix to a function that turns the file's
bytes into an `Extracted` (or plain text): Markdown, plain text, PDF, DOCX and JSON
(see `committee.intake.readers`). The text is then normalised and parsed for optional YAML
front matter (`packet`, `candidate`, `scenario`, anything else kept in `meta`) and
`##` sections.

Normalisation (`normalize_text`): line endings to `\\n`, Unicode NFC, and invisible
characters removed: zero-width and bidi controls, other format (Cf) characters, C0/C1
controls. Unicode "tag" characters, which can smuggle ASCII text no reader sees, are
revealed as visible `⟦hidden text: ...⟧`. `Packet.text` is the normalised text:
what engines read and what evidence quotes are verbatim spans of. What intake saw
is kept in `Packet.meta["intake"]` (absent for UTF-8 Markdown that needed no
change): `format`, `encoding` (when not UTF-8), `normalized` (removed characters by
code point and their offsets in `text`, revealed spans), `hidden` (text a PDF/DOCX
hides from a human reader) and `original_text` (the decoded file, when
normalisation changed more than line endings).

Every failure raises `BadInput` with a one-line message; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import math
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from committee.errors import BadInput
from committee.intake.integrity.hidden import hidden_spans
from committee.intake.readers.common import BINARY_FACTOR, Extracted, sniff
from committee.intake.readers.docx import read_docx
from committee.intake.readers.json import read_json
from committee.intake.readers.markdown import read_markdown
from committee.intake.readers.pdf import read_pdf
from committee.intake.readers.text import read_text
from committee.models import Packet, Section

log = logging.getLogger("committee.intake.packets")

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
HEADING_RE = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
MAX_BYTES = 512 * 1024
MAX_BYTES_ENV = "COMMITTEE_MAX_PACKET_BYTES"

Reader = Callable[[bytes, Path], "Extracted | str"]

READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".text": read_text,
    "": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".json": read_json,
}
#: suffixes whose files are containers (their size limit is BINARY_FACTOR x the text limit)
CONTAINERS = {".pdf", ".docx"}


# ------------------------------------------------------------------ normalising

_KEEP_CF = {
    0x600,
    0x601,
    0x602,
    0x603,
    0x604,
    0x605,
    0x6DD,
    0x70F,
    0x890,
    0x891,
    0x8E2,
    0x110BD,
    0x110CD,
    *range(0x13430, 0x13439),
}
_INVISIBLE_EXTRA = {0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, *range(0xE0100, 0xE01F0)}
_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
_BLACK_FLAG = 0x1F3F4  # emoji flags of subdivisions are U+1F3F4 + tag characters: kept
MAX_OFFSETS = 2000
# Most `##` sections in one packet. A real packet has under 20; each section costs the
# offline engine about 5 ms of fixed work, so 11,000 tiny sections took a minute.
MAX_SECTIONS = 300


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def fix_surrogates(s: str) -> str:
    """Join UTF-16 surrogate pairs (YAML and JSON escapes can produce them) and replace
    lone surrogates with U+FFFD, so the text can be encoded as UTF-8."""
    if not _SURROGATE_RE.search(s):
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _invisible(ch: str) -> bool:
    cp = ord(ch)
    if ch in "\t\n":
        return False
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs"):
        return True
    if cat == "Cf":
        return cp not in _KEEP_CF
    return cp in _INVISIBLE_EXTRA


def normalize_text(raw: str) -> tuple[str, dict[str, Any]]:
    """Text for analysis and a report of what changed: `removed` ({"U+200B": n}),
    `removed_at` (offsets in the returned text where characters were removed),
    `revealed` ([start, end] spans of revealed tag-character text), `nfc` (whether
    NFC changed anything)."""
    text = fix_surrogates(raw).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    nfc = unicodedata.normalize("NFC", text)
    out: list[str] = []
    length = 0
    removed: Counter[str] = Counter()
    removed_at: list[int] = []
    revealed: list[list[int]] = []
    i, n = 0, len(nfc)
    while i < n:
        ch = nfc[i]
        cp = ord(ch)
        if _TAG_FIRST <= cp <= _TAG_LAST:
            j = i
            while j < n and _TAG_FIRST <= ord(nfc[j]) <= _TAG_LAST:
                j += 1
            if i > 0 and ord(nfc[i - 1]) == _BLACK_FLAG:  # an emoji flag sequence
                out.append(nfc[i:j])
                length += j - i
            else:
                hidden = "".join(chr(ord(c) - _TAG_FIRST) for c in nfc[i:j] if 0x20 <= ord(c) - _TAG_FIRST <= 0x7E)
                removed["tag characters"] += j - i
                if hidden.strip():
                    piece = f"⟦hidden text: {hidden.strip()}⟧"
                    revealed.append([length, length + len(piece)])
                    out.append(piece)
                    length += len(piece)
                elif len(removed_at) < MAX_OFFSETS:
                    removed_at.append(length)
            i = j
            continue
        if _invisible(ch):
            removed[f"U+{cp:04X}"] += 1
            if len(removed_at) < MAX_OFFSETS and (not removed_at or removed_at[-1] != length):
                removed_at.append(length)
        else:
            out.append(ch)
            length += len(ch)
        i += 1
    result = "".join(out)
    again = unicodedata.normalize("NFC", result)
    if again != result:  # removing a character let two others compose: offsets are approximate
        result = again
        removed_at = [min(o, len(result)) for o in removed_at]
    report: dict[str, Any] = {"nfc": nfc != text}
    if removed:
        report["removed"] = dict(removed)
        report["removed_at"] = removed_at
    if revealed:
        report["revealed"] = revealed
    return result, report


# ------------------------------------------------------------- front matter etc.


def slug(name: str) -> str:
    """A lineage key from a file name: lower case, runs of other characters -> '-'."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._").lower()
    return s[:200] or "packet"


def split_front_matter(text: str, where: str = "packet") -> tuple[dict, str]:
    """Return (front matter mapping, body). The opening `---` may follow blank lines;
    the body is a suffix of `text`. Raises BadInput on a front matter block that is
    unterminated, not YAML, or not a mapping."""
    lead = re.match(r"(?:[ \t]*\r?\n)*", text).end()  # blank lines before the opening '---' are allowed
    rest = text[lead:]
    if not rest.startswith("---"):
        return {}, text
    m = FRONT_RE.match(rest)
    if not m:
        if re.match(r"\A---[ \t]*(?:\r?\n|\Z)", rest):
            raise BadInput(f"{where}: front matter starts with '---' but has no closing '---' line")
        return {}, text  # a line like '----' or '--- text' is not front matter
    try:
        meta = yaml.load(m.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # libyaml when there
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        at = f" (line {line + 2})" if line is not None else ""
        raise BadInput(f"{where}: malformed YAML front matter{at}") from exc
    except (RecursionError, ValueError, OverflowError) as exc:
        raise BadInput(f"{where}: malformed YAML front matter ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        raise BadInput(f"{where}: front matter must be a mapping of key: value lines")
    return meta, rest[m.end() :]


def _bounded(sections: list[Section], where: str) -> list[Section]:
    """`sections`, or BadInput when there are more than MAX_SECTIONS."""
    if len(sections) > MAX_SECTIONS:
        raise BadInput(
            f"{where}: {len(sections)} sections is more than a packet can have ({MAX_SECTIONS}); "
            f"merge the `##` headings into fewer sections"
        )
    return sections


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
        chunk = body[h.end() : end]
        lead = len(chunk) - len(chunk.lstrip())
        if chunk.strip():
            sections.append(Section(title=h.group(1).strip(), text=chunk.strip(), start=h.end() + lead))
    return sections


FRONT_MATTER_KEYS = ("packet", "candidate", "scenario")  # what the committee reads; other keys are kept as meta


def _warn_near_misses(meta: dict, where: str) -> None:
    """One warning line per front-matter key that looks like a misspelt key the
    committee reads (`scenaro:`), since it would otherwise be kept silently as meta
    (difflib similarity of at least 0.75)."""
    for k in meta:
        if isinstance(k, str) and k not in FRONT_MATTER_KEYS:
            near = difflib.get_close_matches(k.lower(), FRONT_MATTER_KEYS, n=1, cutoff=0.75)
            if near:
                log.warning(
                    "%s: front matter key %r is not one the committee reads; did you mean %r?", where, k, near[0]
                )


def _str_field(meta: dict, name: str, where: str) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadInput(f"{where}: front matter '{name}' must be text, got {type(value).__name__}")
    return normalize_text(str(value))[0].strip() or None


def _json_safe(value: Any, where: str, budget: list[int], depth: int = 0) -> Any:
    """Front matter values as plain JSON data (YAML can give dates, sets, bytes,
    non-string keys and aliases that repeat one node many times)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise BadInput(f"{where}: front matter is too large or too repetitive")
    if depth > 20:
        raise BadInput(f"{where}: front matter is nested too deeply")
    if isinstance(value, str):
        return fix_surrogates(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {fix_surrogates(str(k)): _json_safe(v, where, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [_json_safe(v, where, budget, depth + 1) for v in items]
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return str(value)


def _clean_hidden(fragments: list[str]) -> list[str]:
    out: list[str] = []
    for f in fragments[:50]:
        t = " ".join(normalize_text(f)[0].split())[:500]
        if t:
            out.append(t)
    return out


def build_packet(
    raw: str,
    *,
    name: str = "packet",
    source: str | None = None,
    fmt: str = "markdown",
    encoding: str | None = None,
    hidden: list[str] | None = None,
    fields: dict[str, Any] | None = None,
    key: str | None = None,
) -> Packet:
    """A `Packet` from decoded text: normalise, then (unless `fields` come from a
    structured format) split the front matter, then sections. `key`, when given,
    is the lineage key whatever the front matter says. Raises BadInput."""
    where = source or name
    text, report = normalize_text(raw)
    if fields is None:
        meta, body = split_front_matter(text, where)
        offset = len(text) - len(body)
        given = meta
    else:  # a structured format: the fields are given, the text has no front matter
        body, offset = text, 0
        given = dict(fields.get("meta") or {})
        meta = {"packet": fields.get("key"), "candidate": fields.get("candidate"), "scenario": fields.get("scenario")}
    if not body.strip():
        what = "no text after the front matter" if offset else "no text"
        raise BadInput(f"{where}: the packet is empty ({what})")
    _require_visible_text(body, where)
    given_key = _str_field(meta, "packet", where)  # validated even when `key` overrides it
    key = (key.strip() if key and key.strip() else None) or given_key or slug(name)
    if not KEY_RE.match(key):
        raise BadInput(f"{where}: packet key {key!r} may use only letters, digits, '.', '_' and '-'")
    candidate = _str_field(meta, "candidate", where)
    scenario = _str_field(meta, "scenario", where)
    if fields is None:
        _warn_near_misses(meta, where)
    skip = (*FRONT_MATTER_KEYS, "intake") if fields is None else ("intake",)
    extra = _json_safe({k: v for k, v in given.items() if k not in skip}, where, [10_000])
    if offset:
        report = _shift(report, offset)
    intake: dict[str, Any] = {"format": fmt}
    if encoding and encoding != "utf-8":
        intake["encoding"] = encoding
    if report.get("nfc") or report.get("removed") or report.get("revealed"):
        intake["normalized"] = report
    if hidden:
        intake["hidden"] = _clean_hidden(hidden)
    if text != raw.replace("\r\n", "\n"):
        intake["original_text"] = fix_surrogates(raw)
    if len(intake) > 1 or fmt != "markdown":  # plain UTF-8 Markdown that needed no change: nothing to record
        extra["intake"] = intake
    return Packet(
        key=key,
        candidate=candidate,
        scenario=scenario,
        text=body,
        sections=_bounded(split_sections(body), where),
        meta=extra,
        source=fix_surrogates(source) if source else source,
    )


# an ATX heading of any level as CommonMark reads it (indent up to 3, then 1-6 '#', then
# a space or the line's end); group 1 is its title. The one definition of "a heading":
# sections are the `##` ones (HEADING_RE above), and the offline reader's titles use this.
ATX_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+([^\n]*))?$", re.MULTILINE)


def _require_visible_text(body: str, where: str) -> None:
    """BadInput when nothing a reader can see is left once headings and hidden content
    (comments, hidden elements) are taken out: there is nothing to review."""
    spans = hidden_spans(body)
    visible = list(body)
    for a, b in spans:
        visible[a:b] = " " * (b - a)
    rest = ATX_HEADING_RE.sub(" ", "".join(visible))
    if re.search(r"[^\W_]", rest):
        return
    if ATX_HEADING_RE.search(body):
        raise BadInput(f"{where}: the packet has headings but no text")
    if spans:
        raise BadInput(f"{where}: the packet has no visible text (only hidden content)")
    raise BadInput(f"{where}: the packet is empty (no words, only punctuation or symbols)")


def _shift(report: dict[str, Any], offset: int) -> dict[str, Any]:
    """Offsets relative to the body after the front matter is cut off."""
    out = dict(report)
    if "removed_at" in out:
        out["removed_at"] = [o - offset for o in out["removed_at"] if o >= offset]
    if "revealed" in out:
        out["revealed"] = [[a - offset, b - offset] for a, b in out["revealed"] if a >= offset]
    return out


def parse_packet(
    text: str | Extracted, *, name: str = "packet", source: str | None = None, key: str | None = None
) -> Packet:
    """Parse packet text (front matter optional), or what a reader extracted from a
    file. `name` gives the default key; `key` overrides the front matter's. Raises
    BadInput on an empty packet, bad front matter or an invalid key."""
    if isinstance(text, Extracted):
        return build_packet(
            text.text,
            name=name,
            source=source,
            fmt=text.format,
            encoding=text.encoding,
            hidden=text.hidden,
            fields=text.fields,
            key=key,
        )
    return build_packet(text, name=name, source=source, key=key)


# section titles every packet has: no use as a key that tells candidates apart
_GENERIC_TITLE_RE = re.compile(
    r"^\W*(?:resume|résumé|cv|curriculum vitae|background|experience|about me|summary|"
    r"introduction|intro|overview|packet|preamble|product sense|technical design|technical|"
    r"values?|case|communication|alignment|answers?|questions?|notes?|contents)\b",
    re.IGNORECASE,
)


def default_key(text: str) -> tuple[str, str]:
    """The lineage key a pasted packet gets when the user names none, and where it
    came from: the front matter's `packet:`, else a slug of its `candidate:`, else of
    the first heading that is not a stock section title (or a short first line, like
    a name), else `pasted-` and the first 8 hex digits of the text's SHA-256. Never
    raises: unreadable front matter just falls through."""
    norm, _ = normalize_text(text or "")
    try:
        meta, body = split_front_matter(norm)
    except BadInput:
        meta, body = {}, norm
    given = meta.get("packet")
    if isinstance(given, (str, int)) and not isinstance(given, bool) and KEY_RE.match(str(given).strip()):
        return str(given).strip(), "the front matter's packet: line"
    cand = meta.get("candidate")
    if isinstance(cand, str) and cand.strip() and slug(cand) != "packet":
        return slug(cand)[:60].strip("-._") or "packet", "the candidate name"
    for line in body.splitlines()[:200]:
        t = line.strip()
        if not t or t.startswith("<!--"):
            continue
        h = ATX_HEADING_RE.match(t)
        title = (h.group(1) or "").strip().rstrip("#").strip() if h else t
        if h and _GENERIC_TITLE_RE.match(title):
            continue
        if h or (len(title) <= 60 and len(title.split()) <= 6 and not re.search(r"[.!?:;]$", title)):
            s_ = slug(title)[:60].strip("-._")
            if s_ and s_ != "packet" and re.search(r"[a-z]", s_):
                return s_, "the first heading" if h else "the first line"
        if not h:
            break  # the text starts with prose: no title to name it by
    digest = hashlib.sha256(norm.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"pasted-{digest}", "the text's hash"


# ----------------------------------------------------------------------- files


def parse_size(value: str | int, what: str = MAX_BYTES_ENV) -> int:
    """A byte count: `524288`, `512k`, `2m` (k = 1024). Raises BadInput."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        m = re.fullmatch(r"\s*(\d{1,12})\s*([kKmM]?)[bB]?\s*", str(value))
        if not m:
            raise BadInput(f"{what}: {value!r} is not a size in bytes (e.g. 524288, 512k, 2m)")
        n = int(m.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[m.group(2).lower()]
    if n <= 0:
        raise BadInput(f"{what}: the packet size limit must be positive, got {value!r}")
    return n


def max_packet_bytes(value: int | str | None = None) -> int:
    """The packet size limit: `value`, else `$COMMITTEE_MAX_PACKET_BYTES`, else MAX_BYTES."""
    if value is not None:
        return parse_size(value, "--max-bytes")
    env = os.environ.get(MAX_BYTES_ENV)
    return parse_size(env) if env else MAX_BYTES


def _file_limit(suffix: str, limit: int) -> int:
    """Bytes a file may have on disk: PDF and DOCX may be BINARY_FACTOR times the text limit."""
    return limit * BINARY_FACTOR if suffix in CONTAINERS else limit


def _checked_reader(suffix: str, size: int, limit: int, where: object) -> Reader:
    """The reader for `suffix`, once the file's `size` (bytes) is within the limit (PDF
    and DOCX may be BINARY_FACTOR times larger, their text may not). Raises BadInput."""
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(s for s in READERS if s))
        raise BadInput(f"{where}: unsupported packet format {suffix!r} (supported: {known})")
    file_limit = _file_limit(suffix, limit)
    if size > file_limit:
        raise BadInput(
            f"{where}: {size} bytes is over the {file_limit}-byte packet limit "
            f"(raise it with --max-bytes or ${MAX_BYTES_ENV})"
        )
    return reader


def packet_from_bytes(
    data: bytes, filename: str, *, max_bytes: int | str | None = None, source: str | None = None
) -> Packet:
    """A packet from a file's bytes and name (an upload): the reader is chosen by the
    name's suffix (sniffed when it has none) and the same limits as `read_packet` apply."""
    limit = max_packet_bytes(max_bytes)
    p = Path(filename)
    where = source or filename
    suffix = p.suffix.lower()
    reader = _checked_reader(suffix, len(data), limit, where)
    return _from_bytes(data, reader, suffix, limit, name=p.stem, where=Path(where), source=source or filename)


def _from_bytes(
    data: bytes, reader: Reader, suffix: str, limit: int, *, name: str, where: Path, source: str, key: str | None = None
) -> Packet:
    if not data.strip():
        raise BadInput(f"{where}: the packet is empty")
    if suffix == "":
        reader = {"pdf": read_pdf, "zip": read_docx}.get(sniff(data) or "", reader)
    got = reader(data, where)
    extracted = got if isinstance(got, Extracted) else Extracted(text=got, format=suffix.lstrip(".") or "text")
    if len(extracted.text.encode("utf-8", "surrogatepass")) > limit:
        raise BadInput(
            f"{where}: the extracted text is over the {limit}-byte packet limit "
            f"(raise it with --max-bytes or ${MAX_BYTES_ENV})"
        )
    return parse_packet(extracted, name=name, source=source, key=key)


def read_packet(path: str | Path, *, max_bytes: int | str | None = None, key: str | None = None) -> Packet:
    """Read a packet file; `key`, when given, is its lineage key whatever the front
    matter or the file name says. Raises BadInput for a missing path, a directory, an
    unsupported suffix, a file over the size limit (checked before parsing; PDF and
    DOCX files may be BINARY_FACTOR times larger on disk, their text may not exceed
    the limit), undecodable, malformed or empty content."""
    limit = max_packet_bytes(max_bytes)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{p}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    if stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{p}: is a directory, not a packet file")
    if not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{p}: not a regular file")
    suffix = p.suffix.lower()
    reader = _checked_reader(suffix, st.st_size, limit, p)
    file_limit = _file_limit(suffix, limit)  # read no more, should the file grow meanwhile
    try:
        with p.open("rb") as fh:
            data = fh.read(file_limit + 1)
    except OSError as exc:
        raise BadInput(f"{p}: cannot read ({exc.strerror or exc.__class__.__name__})") from None
    if len(data) > file_limit:
        raise BadInput(f"{p}: over the {file_limit}-byte packet limit")
    return _from_bytes(data, reader, suffix, limit, name=p.stem, where=p, source=str(p), key=key)
