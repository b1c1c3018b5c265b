"""The bytes of a text file (Markdown, plain text, JSON) to text: UTF-8 (with or without
BOM), UTF-16/UTF-32 with a BOM, UTF-16 without a BOM when it is unambiguous, a few
stray Windows-1252 bytes in UTF-8, and legacy Windows-1252/Latin-1 when the bytes read
as mostly-ASCII text; anything else is refused with a clear message."""

from __future__ import annotations

import codecs
import logging
import unicodedata

from committee.errors import BadInput
from committee.intake.readers.common import sniff

log = logging.getLogger("committee.intake.readers")

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


def looks_binary(text: str) -> bool:
    """The control-character rule of packet text: a NUL, or more than 1% of the
    characters controls (C0/C1 but tab and line breaks), surrogates, private-use or
    unassigned code points. A packet file that breaks it "looks like a binary file";
    an answer that breaks it is refused too (`intake.answers.check_answers`)."""
    return "\x00" in text or _control_ratio(text) > 0.01


def _ascii_ratio(text: str) -> float:
    return sum(1 for ch in text if " " <= ch <= "~" or ch in "\t\n\r") / max(len(text), 1)


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
            if looks_binary(text):
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
        if looks_binary(text):
            raise BadInput(f"{where}: looks like a binary file, not a text packet")
        return text, "utf-8"
    mixed = _mostly_utf8(data)
    if mixed is not None:
        text, stray = mixed
        if looks_binary(text):
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
    if looks_binary(text):
        return None
    return text, enc
