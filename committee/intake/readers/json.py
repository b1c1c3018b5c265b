"""The JSON reader: an object matching the `Packet` model (`key`, `candidate`,
`scenario`, `text`, `meta`; `sections`, `revision` and `source` are accepted and
recomputed), strictly typed; its fields come from the file rather than front matter."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ConfigDict, Field, ValidationError

from committee.errors import BadInput, error_location
from committee.intake.readers.common import Extracted
from committee.intake.readers.encoding import decode_text
from committee.models import Packet


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
    """A JSON packet file: its text, and its key, candidate, scenario and meta in
    `fields`. Raises BadInput for invalid JSON or an object that is not a packet."""
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
