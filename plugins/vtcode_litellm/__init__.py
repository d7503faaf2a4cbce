"""Cloud providers (OpenAI, Anthropic, Gemini, Bedrock...) through litellm, imported on first use only."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Provider, hookimpl

from .provider import LiteLLMProvider


@hookimpl
def register_providers(register: Callable[[Provider], None]) -> None:
    register(LiteLLMProvider())
