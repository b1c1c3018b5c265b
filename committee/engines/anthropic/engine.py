"""`AnthropicEngine`: the committee voiced by Claude through the official SDK.

One call = one Messages request (plus at most one repair request):
- the prompt is laid out for the cache (see `prompts`), the reply is a JSON object
  constrained by `output_config.format` and validated by pydantic (`schemas`);
- `stop_reason` `refusal`, `max_tokens` and `model_context_window_exceeded` stop the run
  with that reason (EngineFailed), before any parsing;
- an invalid reply gets one repair request that carries the validation error; a second
  invalid reply is EngineFailed;
- 429/5xx/529/timeouts are retried by the SDK (`max_retries`); what still fails is
  EngineFailed (exit 3, the run stays resumable). The graph adds no retries of its own;
- a semaphore caps simultaneous requests (`concurrency`) to protect rate limits;
- a call that fails is held by the graph (`committee.graph.FailLast`) until the calls
  running beside it have returned, so their results reach the checkpoint and `resume`
  does not repeat them; `call_limit_s` bounds that wait;
- usage per call: input, output, cache-write and cache-read tokens from the response,
  cost from `pricing.yaml`, and the number of evidence items dropped.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, TypeVar

import anthropic

from committee.engines.base import Context, Engine, TurnRequest
from committee.errors import BadInput, EngineFailed
from committee.models import DebriefTurn, Persona, Review, Usage

from . import prompts
from .client import build_client
from .pricing import cost_usd, price_table
from .schemas import InvalidReply, parse_reply, review_from, turn_from

log = logging.getLogger("committee.engines.anthropic")

# Current Sonnet in the installed SDK's model list (not deprecated); `--model` overrides,
# and a persona file's `model:` overrides both for that persona.
DEFAULT_MODEL = "claude-sonnet-5-5"
DEFAULT_MAX_TOKENS = 16_000   # room for adaptive thinking; under the SDK's non-streaming limit
DEFAULT_CONCURRENCY = 4
STOP_REASONS_THAT_FAIL = {
    "refusal": "the model refused",
    "max_tokens": "the reply was cut off by max_tokens",
    "model_context_window_exceeded": "the prompt and reply exceeded the model's context window",
}

T = TypeVar("T")


class AnthropicEngine(Engine):
    """Claude personas. Options: `model`, `timeout` (seconds per request), `max_retries`
    (SDK retries), `concurrency` (simultaneous requests), `max_tokens`, and
    `http_client` (an `httpx2.Client`, for tests). The key comes from ANTHROPIC_API_KEY."""

    name = "anthropic"

    def __init__(self, *, model: str | None = None, timeout: float | None = None, max_retries: int | None = None,
                 concurrency: int | None = None, max_tokens: int | None = None, http_client: Any = None):
        self.model = model or DEFAULT_MODEL
        self.max_tokens = DEFAULT_MAX_TOKENS if max_tokens is None else int(max_tokens)
        self.concurrency = DEFAULT_CONCURRENCY if concurrency is None else int(concurrency)
        if not 1 <= self.concurrency <= 64:
            raise BadInput(f"--concurrency must be between 1 and 64, got {self.concurrency}")
        if not 256 <= self.max_tokens <= 21_000:
            raise BadInput(f"max_tokens must be between 256 and 21000, got {self.max_tokens}")
        try:
            price_table()
        except Exception as exc:  # a broken data file is bad input, found before any work
            raise BadInput(f"pricing.yaml of the anthropic engine is invalid: {exc.__class__.__name__}") from exc
        self.client = build_client(timeout=timeout, max_retries=max_retries, http_client=http_client)
        per_request = self.client.timeout if isinstance(self.client.timeout, (int, float)) else 600.0
        self.call_limit_s = per_request * (self.client.max_retries + 1) * 2 + 5  # repair request included
        # load the SDK's messages resource and build the reply schema now, in prepare(),
        # rather than in the first (parallel) stage of the run
        _ = self.client.messages
        prompts.reply_schema()
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._unpriced: set[str] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------- interface
    def review(self, ctx: Context, persona: Persona) -> tuple[Review, Usage]:
        system, messages = prompts.review_request(ctx, persona)
        return self._call(persona, f"review by {persona.id}", system, messages, "review",
                          lambda reply: review_from(reply, ctx, persona.id))

    def speak(self, ctx: Context, req: TurnRequest) -> tuple[DebriefTurn, Usage]:
        persona = ctx.panel[req.speaker]
        system, messages = prompts.turn_request(ctx, req)
        return self._call(persona, f"round {req.round} turn by {req.speaker}", system, messages, "turn",
                          lambda reply: turn_from(reply, ctx, req))

    # ------------------------------------------------------------- plumbing
    def model_for(self, persona: Persona) -> str:
        return persona.model or self.model

    def _call(self, persona: Persona, what: str, system: list[dict], messages: list[dict], slot: str,
              convert: Callable[[Any], tuple[T, int]]) -> tuple[T, Usage]:
        """One engine call (the graph's `FailLast` holds a failure until sibling calls end)."""
        return self._attempts(persona, what, system, messages, slot, convert)

    def _attempts(self, persona: Persona, what: str, system: list[dict], messages: list[dict], slot: str,
                  convert: Callable[[Any], tuple[T, int]]) -> tuple[T, Usage]:
        model = self.model_for(persona)
        usage = Usage()
        for attempt in (1, 2):
            message = self._request(model, system, messages, what)
            usage = usage + self._usage(model, message)
            reason = message.stop_reason
            if reason in STOP_REASONS_THAT_FAIL:
                raise EngineFailed(f"{what}: {STOP_REASONS_THAT_FAIL[reason]} (stop_reason={reason}"
                                   + (f", max_tokens={self.max_tokens}" if reason == "max_tokens" else "") + ")")
            text = "".join(b.text for b in message.content if getattr(b, "type", None) == "text")
            try:
                value, dropped = convert(parse_reply(text))
            except InvalidReply as exc:
                if attempt == 2:
                    raise EngineFailed(f"{what}: invalid structured output after one repair request: {exc}") from exc
                log.info("%s: invalid reply, sending one repair request: %s", what, exc)
                messages = [*messages,
                            {"role": "assistant", "content": text.strip() or "(no text)"},
                            {"role": "user", "content": _repair(exc, slot)}]
                continue
            return value, usage.model_copy(update={"dropped_quotes": usage.dropped_quotes + dropped})
        raise AssertionError("unreachable")

    def _request(self, model: str, system: list[dict], messages: list[dict], what: str):
        """One Messages request (SDK retries included) under the concurrency limit."""
        try:
            with self._slots:
                return self.client.messages.create(
                    model=model, max_tokens=self.max_tokens, system=system, messages=messages,
                    output_config={"format": {"type": "json_schema", "schema": prompts.reply_schema()}},
                )
        except anthropic.APIStatusError as exc:
            retried = " after retries" if _retryable(exc.status_code) else ""
            detail = exc.api_message or exc.message
            raise EngineFailed(f"{what}: HTTP {exc.status_code}{f' {exc.type}' if exc.type else ''}{retried}: {detail}") from exc
        except anthropic.APITimeoutError as exc:
            raise EngineFailed(f"{what}: the request timed out after {self.client.timeout} s and retries") from exc
        except anthropic.APIConnectionError as exc:
            raise EngineFailed(f"{what}: cannot reach {self.client.base_url} ({exc.__cause__ or exc})") from exc

    def _usage(self, model: str, message) -> Usage:
        u = message.usage
        tokens = {
            "input_tokens": u.input_tokens or 0,
            "output_tokens": u.output_tokens or 0,
            "cache_creation_input_tokens": u.cache_creation_input_tokens or 0,
            "cache_read_input_tokens": u.cache_read_input_tokens or 0,
        }
        cost = cost_usd(model, **tokens)
        if cost is None:
            with self._lock:
                if model not in self._unpriced:
                    self._unpriced.add(model)
                    log.warning("no price for model %s in pricing.yaml: its cost is counted as 0", model)
            cost = 0.0
        return Usage(calls=1, cost_usd=cost, **tokens)


def _retryable(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _repair(exc: InvalidReply, slot: str) -> str:
    return (f"Your reply could not be used: {exc}\n"
            f"Reply again with the complete corrected JSON object following the reply schema. "
            f"Fill `{slot}` and set the other slot to null.")
