"""Engine registry: the one seam where every back end is built, and where the rest of
the product (CLI, UI, runner, studies) learns what an engine is. Nothing outside the
engines checks an engine's name.

Each `EngineSpec` declares: a label and summary (pickers, `--help`), the options model (`extra="forbid"`), what it needs to run (a key, a
server, an optional package) and a `ready()` check of exactly that. Adding an engine
is its own module plus one entry in `ENGINES`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from committee.engines.llm.options import LLMOptions
from committee.errors import BadInput, pydantic_summary
from committee.models import Context, TurnRequest

if TYPE_CHECKING:  # the registry never imports an engine: the catalog reads it, and engines read the catalog
    from committee.engines.base import Engine

__all__ = ["Context", "TurnRequest", "ENGINES", "EngineSpec", "make_engine", "engine_spec", "ready_engines"]


class NoOptions(BaseModel):
    """Options of an engine that takes none."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class EngineSpec:
    """What an engine is. `target` is `module:Class`, imported only when built (or a
    callable taking the validated options, for engines defined elsewhere, e.g. tests);
    `options` the pydantic options model; `ready` returns None when the engine can run
    here, else the one-line reason it cannot (missing key, server or package)."""

    name: str
    label: str
    summary: str
    target: str | Callable[[BaseModel], Engine]
    options: type[BaseModel]
    needs: str
    ready: Callable[[], str | None]

    def takes(self, option: str) -> bool:
        """Whether the engine takes `option` (e.g. "model": an LLM engine)."""
        return option in self.option_names()

    def option_names(self) -> set[str]:
        """Option names this engine accepts (e.g. {"model", "timeout", ...})."""
        return set(self.options.model_fields)

    def validated(self, **options: Any) -> BaseModel:
        """The options model for `options` (None values dropped), without building the
        engine (no key or server needed). Raises BadInput for an option it does not take
        or a value out of range."""
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - self.option_names())
        if unknown and self.options.model_config.get("extra") != "allow":
            raise BadInput(
                f"the {self.name} engine takes no option {', '.join('--' + u.replace('_', '-') for u in unknown)}"
            )
        try:
            return self.options(**given)
        except ValidationError as exc:
            raise BadInput(f"{self.name} engine options: {pydantic_summary(exc)}") from None

    def build(self, **options: Any) -> Engine:
        """The engine with validated options (`validated`). Raises BadInput as that does,
        and whatever the engine raises for a missing key (BadInput)."""
        opts = self.validated(**options)
        if callable(self.target):
            return self.target(opts)
        module, cls = self.target.split(":")
        return getattr(importlib.import_module(module), cls)(opts)


def _anthropic_ready() -> str | None:
    return (
        None
        if os.environ.get("ANTHROPIC_API_KEY", "").strip()
        else "set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for another server)"
    )


def _openai_ready() -> str | None:
    if importlib.util.find_spec("openai") is None:
        return "install the extra: pip install 'committee[openai]'"
    from committee.engines.openai.engine import server_from_env

    try:
        server_from_env()
    except BadInput:
        return "set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server (e.g. http://localhost:11434/v1)"
    return None


ENGINES: dict[str, EngineSpec] = {
    "offline": EngineSpec(
        name="offline",
        label="offline (no key, deterministic)",
        summary="the rubric reader built in: no key, no network, same packet -> same run",
        target="committee.engines.offline:OfflineEngine",
        options=NoOptions,
        needs="nothing",
        ready=lambda: None,
    ),
    "anthropic": EngineSpec(
        name="anthropic",
        label="Claude (anthropic)",
        summary="Claude through the Anthropic API or any Anthropic-compatible server",
        target="committee.engines.anthropic:AnthropicEngine",
        options=LLMOptions,
        needs="ANTHROPIC_API_KEY (ANTHROPIC_BASE_URL for another server)",
        ready=_anthropic_ready,
    ),
    "openai": EngineSpec(
        name="openai",
        label="OpenAI-compatible server (openai)",
        summary="any OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp, LM Studio, gateways",
        target="committee.engines.openai:OpenAIEngine",
        options=LLMOptions,
        needs="OPENAI_API_KEY, or OPENAI_BASE_URL for a local server; the openai extra",
        ready=_openai_ready,
    ),
}


def engine_spec(name: str) -> EngineSpec:
    """The spec of engine `name`. Raises BadInput for an unknown name."""
    spec = ENGINES.get(name)
    if spec is None:
        raise BadInput(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    return spec


def make_engine(name: str, **options: Any) -> Engine:
    """Build engine `name` with its options (e.g. model, timeout; see its spec).
    Raises BadInput for an unknown engine, option or value, or a missing key."""
    return engine_spec(name).build(**options)


def ready_engines() -> dict[str, str | None]:
    """Every registered engine -> None when it can run here, else why not."""
    return {name: spec.ready() for name, spec in ENGINES.items()}
