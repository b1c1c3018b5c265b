"""The `anthropic` engine: Claude personas through the official Anthropic SDK.

A thin adapter on `committee.engines.llm` (prompts, reply schemas, repair, concurrency,
usage): `client` (the one place the SDK client is built), `engine` (`AnthropicEngine`:
request layout per output mode) and `pricing.yaml` (its price table).
"""

from committee.engines.anthropic.engine import DEFAULT_MODEL, AnthropicEngine

__all__ = ["AnthropicEngine", "DEFAULT_MODEL"]
