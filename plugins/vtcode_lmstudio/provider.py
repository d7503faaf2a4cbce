"""The `lmstudio` provider. Chat goes through the core's OpenAI wire client; what only LM Studio knows
(which models are loaded, and their context windows) comes from /api/v0/models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from vtcode_hookspecs import (
    ChatChunk,
    ChatRequest,
    ModelInfo,
    ProviderError,
    ProviderHealth,
    ProviderSettings,
)

from vtcode.providers.wire import OpenAIWire

DEFAULT_BASE_URL = "http://127.0.0.1:1234/v1"
NOT_RUNNING = (
    "is LM Studio running? Start it and its server (the app's Developer tab, or `lms server start`), "
    "then load a model (`lms load <model>`)"
)
_CHAT_TYPES = ("llm", "vlm")


class LMStudioProvider:
    name = "lmstudio"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings(name=self.name)
        # Config first, then LM Studio's own variable (the Rust vtcode's too), then its default port.
        base_url = self.settings.base_url or os.environ.get("LMSTUDIO_BASE_URL") or DEFAULT_BASE_URL
        self.wire = OpenAIWire(self.settings, base_url, label="LM Studio", hint=NOT_RUNNING)

    def configure(self, settings: ProviderSettings) -> LMStudioProvider:
        return LMStudioProvider(settings)

    @property
    def base_url(self) -> str:
        """The address in use (config, LMSTUDIO_BASE_URL or the default): cached windows are keyed on it."""
        return self.wire.base_url

    @property
    def root_url(self) -> str:
        return self.wire.base_url.removesuffix("/v1")

    def models(self) -> list[ModelInfo]:
        """Chat models, loaded ones first; LM Studio picks a loaded model when asked for an unloaded one
        only if JIT loading is on, so a loaded one is the safe default."""
        try:
            data = self.wire.get_json(f"{self.root_url}/api/v0/models")
        except ProviderError as exc:
            if exc.kind != "not_found":  # an older LM Studio without the REST API: plain /v1/models
                raise
            data = self.wire.get_json(f"{self.wire.base_url}/models")
        items = [i for i in _items(data) if i.get("type", "llm") in _CHAT_TYPES]
        items.sort(key=lambda item: item.get("state") != "loaded")
        return [self._model(item) for item in items]

    def health(self) -> ProviderHealth:
        try:
            models = self.models()
        except ProviderError as exc:
            return ProviderHealth(ok=False, detail=str(exc))
        if not models:
            return ProviderHealth(
                ok=False, detail=f"LM Studio at {self.root_url} has no chat model: `lms get <model>`"
            )
        return ProviderHealth(
            ok=True, detail=f"LM Studio at {self.root_url}: {', '.join(m.id for m in models[:5])}"
        )

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        return self.wire.chat(request, stream=True)

    def close(self) -> None:
        self.wire.close()

    def _model(self, item: dict[str, Any]) -> ModelInfo:
        if self.settings.context_length is not None and item["id"] == self.settings.model:
            return ModelInfo(id=item["id"], context_length=self.settings.context_length)
        # A loaded model's window is what it was loaded with, often smaller than the model's maximum.
        window = item.get("loaded_context_length") or item.get("max_context_length")
        return ModelInfo(id=str(item["id"]), context_length=window if isinstance(window, int) else None)


def _items(data: Any) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ProviderError("LM Studio's model list has no `data` list", kind="protocol")
    return [item for item in items if isinstance(item, dict) and item.get("id")]
