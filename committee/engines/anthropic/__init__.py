"""The `anthropic` engine: Claude personas through the official Anthropic SDK.

Modules: `client` (the one place the SDK client is built), `prompts` (cache-ordered
requests, the packet enclosed as untrusted data), `schemas` (structured output and its
validation), `pricing` (+ `pricing.yaml`), `engine` (`AnthropicEngine`), and `fake`
(a scripted stand-in for the Messages API used by the tests and the benchmark).
"""

from committee.engines.anthropic.engine import DEFAULT_MODEL, AnthropicEngine

__all__ = ["AnthropicEngine", "DEFAULT_MODEL"]
