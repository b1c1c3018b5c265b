"""Engine registry: `make_engine(name, **options)` is the one seam where every back end
is built (tests replace engines here, never by patching the network)."""

from __future__ import annotations

from typing import Any, Callable

from committee.engines.base import Context, Engine, TurnRequest
from committee.errors import BadInput

__all__ = ["Context", "Engine", "TurnRequest", "ENGINES", "make_engine"]


def _offline(**options: Any) -> Engine:
    from committee.engines.offline import OfflineEngine

    return OfflineEngine()


def _anthropic(**options: Any) -> Engine:
    """Options: model, timeout, max_retries, concurrency, max_tokens, http_client (tests).
    The key is read from ANTHROPIC_API_KEY (BadInput when missing), never passed here."""
    from committee.engines.anthropic import AnthropicEngine

    known = {"model", "timeout", "max_retries", "concurrency", "max_tokens", "http_client"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise BadInput(f"unknown option(s) for the anthropic engine: {', '.join(unknown)}")
    return AnthropicEngine(**{k: v for k, v in options.items() if v is not None})


ENGINES: dict[str, Callable[..., Engine]] = {"offline": _offline, "anthropic": _anthropic}


def make_engine(name: str, **options: Any) -> Engine:
    """Build engine `name` with engine-specific `options` (e.g. model, timeout).
    Raises BadInput for an unknown engine name."""
    factory = ENGINES.get(name)
    if factory is None:
        raise BadInput(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    return factory(**options)
