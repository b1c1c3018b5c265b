"""The options every LLM engine takes, a pydantic model apart from the engine code, so
that the engine registry (`committee.engines`) declares them without importing an
engine."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

OutputMode = Literal["auto", "native", "tool", "text"]


class LLMOptions(BaseModel):
    """Options every LLM engine takes (`--model`, `--timeout`, ...). Unknown options are
    rejected (`extra="forbid"`). `http_client` is for tests (an `httpx2.Client`) and is
    never stored with a run."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str | None = None
    timeout: float | None = Field(None, gt=0, le=3600, description="Seconds per request (at most an hour).")
    max_retries: int | None = Field(None, ge=0, le=20, description="SDK retries for 429/5xx/timeouts.")
    concurrency: int | None = Field(None, ge=1, le=64, description="Most simultaneous requests.")
    max_tokens: int | None = Field(None, ge=256, le=64_000, description="Most output tokens per reply.")
    output_mode: OutputMode | None = None
    http_client: Any = Field(None, exclude=True)
