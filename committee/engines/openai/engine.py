"""`OpenAIEngine`: personas on any OpenAI-compatible Chat Completions server, through
the official `openai` SDK, as a thin adapter on the provider-neutral `LLMEngine`.

- Server and key: `OPENAI_BASE_URL` (default the OpenAI API) and `OPENAI_API_KEY`. A
  local server needs no key (a placeholder is sent, as such servers ignore it); the
  OpenAI API without a key is BadInput before anything is stored.
- Request: one system message (shared brief, persona, blind reviews: the same bytes
  lead every request of a run, which is what these servers' prefix caches match), the
  task, then any repair exchange, to `/chat/completions`.
- Output modes: `native` sends `response_format` `json_schema` (strict) with the task's
  schema; `tool` declares every reply function (review, turn, question) and forces the
  task's one; `text` sends neither. The output limit is `max_completion_tokens` on the OpenAI API and
  `max_tokens` elsewhere (what local servers read).
- `finish_reason` `length` is a cut-off reply, `content_filter` or a `refusal` field a
  refusal; cached prompt tokens (`prompt_tokens_details.cached_tokens`) are cache reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from committee.engines.llm.engine import LLMEngine, ModeRejected, Sent
from committee.engines.llm.prompts import Prompt
from committee.errors import BadInput, EngineFailed

KEY_ENV = "OPENAI_API_KEY"
BASE_URL_ENV = "OPENAI_BASE_URL"
OPENAI_API = "https://api.openai.com/v1"
NO_KEY = "not-needed"  # sent to local servers, which ignore it; never stored
# A current small model in the installed SDK's model list; `--model` overrides (a local
# server needs its own model name, e.g. --model llama3.1).
DEFAULT_MODEL = "gpt-5.4-mini"
FUNCTION = {"review": "submit_review", "turn": "submit_turn", "question": "submit_question"}


def server_from_env() -> tuple[str, str | None]:
    """(base URL, key or None) from the environment. Raises BadInput when the OpenAI API
    itself is meant (no OPENAI_BASE_URL) and no key is set."""
    base = os.environ.get(BASE_URL_ENV, "").strip() or OPENAI_API
    key = os.environ.get(KEY_ENV, "").strip() or None
    if key is None and base.rstrip("/") == OPENAI_API:
        raise BadInput(
            f"the openai engine needs {KEY_ENV} for the OpenAI API, or {BASE_URL_ENV} for another "
            f"OpenAI-compatible server (no key needed), e.g. {BASE_URL_ENV}=http://localhost:11434/v1 for Ollama"
        )
    return base, key


class OpenAIEngine(LLMEngine):
    """Personas on an OpenAI-compatible server. Options: `LLMOptions`."""

    name = "openai"
    default_model = DEFAULT_MODEL
    prices = Path(__file__).with_name("pricing.yaml")
    mode_words = {"native": ("response_format", "json_schema", "structured output"), "tool": ("tool", "function")}

    def _build_client(self, timeout: float, max_retries: int, http_client: Any):
        base, key = server_from_env()
        try:
            import openai
        except ImportError:  # the optional extra is not installed
            raise BadInput("the openai engine needs the openai SDK: pip install 'committee[openai]'") from None
        kwargs: dict[str, Any] = {
            "api_key": key or NO_KEY,
            "base_url": base,
            "timeout": timeout,
            "max_retries": max_retries,
        }
        if http_client is not None:
            kwargs["http_client"] = http_client
        client = openai.OpenAI(**kwargs)
        _ = client.chat.completions  # load the SDK's resource now, not in the first parallel stage
        self._limit_param = "max_completion_tokens" if base.rstrip("/") == OPENAI_API else "max_tokens"
        self._openai = openai
        return client

    def _send(self, model: str, prompt: Prompt, turns: list[tuple[str, str]], mode: str, what: str) -> Sent:
        messages = [{"role": "system", "content": "\n\n".join(prompt.system_parts())}]
        messages += [{"role": r, "content": t} for r, t in turns]
        kwargs: dict[str, Any] = {self._limit_param: self.max_tokens}
        if mode == "native":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": f"{prompt.kind}_reply", "schema": prompt.schema, "strict": True},
            }
        elif mode == "tool":
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": FUNCTION[k],
                        "description": f"Submit your {k}.",
                        "parameters": s,
                        "strict": True,
                    },
                }
                for k, s in prompt.schemas.items()
            ]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": FUNCTION[prompt.kind]}}
        sdk = self._openai
        try:
            completion = self.client.chat.completions.create(model=model, messages=messages, **kwargs)
        except sdk.APIStatusError as exc:
            detail = _detail(exc)
            if self.rejects_mode(mode, exc.status_code, detail):
                raise ModeRejected(f"HTTP {exc.status_code}: {detail}") from exc
            retried = " after retries" if exc.status_code in (408, 409, 429) or exc.status_code >= 500 else ""
            raise EngineFailed(f"{what}: HTTP {exc.status_code}{retried}: {detail}") from exc
        except sdk.APITimeoutError as exc:
            raise EngineFailed(f"{what}: the request timed out after {self.timeout} s and retries") from exc
        except sdk.APIConnectionError as exc:
            raise EngineFailed(f"{what}: cannot reach {self.client.base_url} ({exc.__cause__ or exc})") from exc
        if not hasattr(completion, "choices"):  # a 200 that is not a completion (an HTML page, a proxy)
            raise EngineFailed(
                f"{what}: the server at {self.client.base_url} answered with something that is not a "
                "Chat Completions reply (is OPENAI_BASE_URL right?)"
            )
        return _sent(completion, mode)


def _detail(exc: Any) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error", body)
    message = err.get("message") if isinstance(err, dict) else None
    return str(message or exc.message)


def _as_text(value: Any) -> str:
    """A reply field as text: some servers send tool arguments as an object, or content
    as a list of parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(getattr(p, "text", p)) for p in value)
    return json.dumps(value)


def _sent(completion: Any, mode: str) -> Sent:
    """The normalised reply of a chat completion (stop `empty` when there is no choice)."""
    u = completion.usage
    cached = (getattr(u.prompt_tokens_details, "cached_tokens", 0) or 0) if u and u.prompt_tokens_details else 0
    tokens = {
        "input_tokens": max(0, (u.prompt_tokens or 0) - cached) if u else 0,
        "output_tokens": (u.completion_tokens or 0) if u else 0,
        "cache_read_input_tokens": cached,
    }
    if not completion.choices:
        return Sent(text="", stop="empty", tokens=tokens)
    choice = completion.choices[0]
    message = choice.message
    if message is None:
        return Sent(text="", stop="empty", tokens=tokens)
    text = _as_text(message.content)
    if mode == "tool" and message.tool_calls:
        text = _as_text(message.tool_calls[0].function.arguments)
    if getattr(message, "refusal", None) or choice.finish_reason == "content_filter":
        stop = "refusal"
    elif choice.finish_reason == "length":
        stop = "max_tokens"
    else:
        stop = "end"
    return Sent(text=text, stop=stop, tokens=tokens)
