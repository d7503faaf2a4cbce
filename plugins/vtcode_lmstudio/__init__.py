"""LM Studio: its OpenAI-compatible server (default http://127.0.0.1:1234/v1), with model discovery (the
loaded model, context lengths, tool use) and loading from its own REST API: v1, else v0, else /v1/models."""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Provider, hookimpl

from .provider import LMStudioProvider


@hookimpl
def register_providers(register: Callable[[Provider], None]) -> None:
    register(LMStudioProvider())
