"""The `openai` engine: personas on any OpenAI-compatible server (OpenAI, Ollama, vLLM,
llama.cpp's server, LM Studio, gateways) through the official `openai` SDK, a thin
adapter on `committee.engines.llm`. Optional: `pip install 'committee[openai]'`.
"""

from committee.engines.openai.engine import DEFAULT_MODEL, OpenAIEngine

__all__ = ["OpenAIEngine", "DEFAULT_MODEL"]
