"""The one seam where the Anthropic SDK client is built.

- The key comes from `ANTHROPIC_API_KEY` only, and is handed straight to the SDK: it is
  never an engine option, so it can never reach the `runs.options` column, a
  checkpoint or the JSON output. A missing key is `BadInput` (exit 2) raised when the
  engine is built, i.e. in `runner.prepare()`, before anything is stored.
- `ANTHROPIC_BASE_URL` (any Anthropic-compatible server) is honoured by the SDK itself.
- Retries are the SDK's (429, 408/409, 5xx, 529 and timeouts, exponential backoff,
  `retry-after(-ms)` honoured); the graph adds no node retries on top, so they never
  multiply.
- Tests inject `http_client=httpx2.Client(transport=httpx2.MockTransport(handler))`
  (the SDK uses httpx2, which respx/pytest-httpx do not intercept).
"""

from __future__ import annotations

import os
from typing import Any

from committee.errors import BadInput

KEY_ENV = "ANTHROPIC_API_KEY"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


def api_key_from_env() -> str:
    """The API key, or BadInput with a one-line message when it is missing or blank."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise BadInput(
            f"the anthropic engine needs an API key: set {KEY_ENV} "
            f"(and {BASE_URL_ENV} for an Anthropic-compatible server), or use --engine offline"
        )
    return key


def build_client(*, timeout: float, max_retries: int, http_client: Any = None):
    """An `anthropic.Anthropic` client (thread-safe; one per engine). Raises BadInput
    when the key is missing. Ranges are checked by `LLMOptions`."""
    key = api_key_from_env()
    import anthropic

    kwargs: dict[str, Any] = {"api_key": key, "timeout": timeout, "max_retries": max_retries}
    if http_client is not None:
        kwargs["http_client"] = http_client
    return anthropic.Anthropic(**kwargs)
