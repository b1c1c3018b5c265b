"""`AnthropicEngine`: the committee voiced by Claude through the official SDK, as a thin
adapter on the provider-neutral `LLMEngine` (prompts, schemas, repair, concurrency and
usage live there).

Layout of one Messages request:
- `system`: the shared brief, the persona and (turns) the blind reviews as text blocks,
  in that order (`Prompt.system_parts`), each with a `cache_control` breakpoint;
- `messages`: the task, then any repair exchange;
- output modes: `native` sends `output_config.format` with the task's reply schema;
  `tool` declares every reply tool (`submit_review`, `submit_turn`, `submit_question`,
  so the tool list is the same in every request and stays in the cached prefix) and
  forces the task's one with `tool_choice`; `text` sends neither and parses the JSON in the text.
- `stop_reason` `refusal`, `max_tokens` and `model_context_window_exceeded` are
  normalised for the core; thinking blocks are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic

from committee.engines.llm.engine import LLMEngine, ModeRejected, Sent
from committee.engines.llm.prompts import Prompt
from committee.errors import EngineFailed

from .client import build_client

# Current Sonnet in the installed SDK's model list (not deprecated); `--model` overrides,
# and a persona file's `model:` overrides both for that persona.
DEFAULT_MODEL = "claude-sonnet-5-5"
CACHE = {"type": "ephemeral"}
TOOL = {"review": "submit_review", "turn": "submit_turn", "question": "submit_question"}
STOPS = {"refusal": "refusal", "max_tokens": "max_tokens", "model_context_window_exceeded": "context"}


class AnthropicEngine(LLMEngine):
    """Claude personas. Options: `LLMOptions` (model, timeout, max_retries, concurrency,
    max_tokens, output_mode, http_client for tests). The key comes from ANTHROPIC_API_KEY
    and the server from ANTHROPIC_BASE_URL (any Anthropic-compatible server)."""

    name = "anthropic"
    default_model = DEFAULT_MODEL
    prices = Path(__file__).with_name("pricing.yaml")
    mode_words = {"native": ("output_config", "output_format", "json_schema", "structured output"), "tool": ("tool",)}

    def _build_client(self, timeout: float, max_retries: int, http_client: Any):
        client = build_client(timeout=timeout, max_retries=max_retries, http_client=http_client)
        _ = client.messages  # load the SDK's resource now, not in the first parallel stage
        return client

    def _send(self, model: str, prompt: Prompt, turns: list[tuple[str, str]], mode: str, what: str) -> Sent:
        system = [{"type": "text", "text": part, "cache_control": CACHE} for part in prompt.system_parts()]
        kwargs: dict[str, Any] = {}
        if mode == "native":
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": prompt.schema}}
        elif mode == "tool":
            kwargs["tools"] = [
                {"name": TOOL[k], "description": f"Submit your {k}.", "input_schema": s}
                for k, s in prompt.schemas.items()
            ]
            kwargs["tool_choice"] = {"type": "tool", "name": TOOL[prompt.kind]}
        try:
            message = self.client.messages.create(
                model=model,
                max_tokens=self.max_tokens,
                system=system,
                messages=[{"role": r, "content": t} for r, t in turns],
                **kwargs,
            )
        except anthropic.APIStatusError as exc:
            detail = exc.api_message or exc.message
            if self.rejects_mode(mode, exc.status_code, str(detail)):
                raise ModeRejected(f"HTTP {exc.status_code}: {detail}") from exc
            retried = " after retries" if _retryable(exc.status_code) else ""
            raise EngineFailed(
                f"{what}: HTTP {exc.status_code}{f' {exc.type}' if exc.type else ''}{retried}: {detail}"
            ) from exc
        except anthropic.APITimeoutError as exc:
            raise EngineFailed(f"{what}: the request timed out after {self.timeout} s and retries") from exc
        except anthropic.APIConnectionError as exc:
            raise EngineFailed(f"{what}: cannot reach {self.client.base_url} ({exc.__cause__ or exc})") from exc
        content = getattr(message, "content", None)
        if not isinstance(content, list):  # a 200 that is not a Messages reply (an HTML page, a proxy)
            raise EngineFailed(
                f"{what}: the server at {self.client.base_url} answered with something that is not a "
                "Messages API reply (is ANTHROPIC_BASE_URL right?)"
            )
        text = "".join(b.text for b in content if getattr(b, "type", None) == "text")
        if mode == "tool":
            call = next((b for b in content if getattr(b, "type", None) == "tool_use"), None)
            if call is not None:
                text = json.dumps(call.input)
        u = message.usage  # some compatible servers send none: counted as 0 tokens
        fields = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
        tokens = {f: (getattr(u, f, 0) or 0) if u is not None else 0 for f in fields}
        return Sent(text=text, stop=STOPS.get(message.stop_reason or "", "end"), tokens=tokens)


def _retryable(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500
