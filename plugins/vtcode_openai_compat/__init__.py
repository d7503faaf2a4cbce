"""Any OpenAI-compatible server by base URL: Ollama, vLLM, llama.cpp's server, a gateway.

[providers.openai-compat]
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5-coder:7b"
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Provider, hookimpl

from .provider import OpenAICompatProvider


@hookimpl
def register_providers(register: Callable[[Provider], None]) -> None:
    register(OpenAICompatProvider())
