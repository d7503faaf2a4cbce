"""The `openai-compat` provider: a thin face over the core's OpenAI wire client."""

from __future__ import annotations

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

from vtcode.api import OpenAIWire

# Fields servers use for a model's window in /v1/models (vLLM: max_model_len; others: context_length).
_WINDOW_KEYS = ("context_length", "max_model_len", "context_window", "max_context_length")


class OpenAICompatProvider:
    name = "openai-compat"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings(name=self.name)
        self._wire: OpenAIWire | None = None

    def configure(self, settings: ProviderSettings) -> OpenAICompatProvider:
        return OpenAICompatProvider(settings)

    def wire(self) -> OpenAIWire:
        if self._wire is None:
            if not self.settings.base_url:
                raise ProviderError(
                    f"{self.settings.name}: no base_url: set [providers.{self.settings.name}] base_url, "
                    'e.g. "http://127.0.0.1:11434/v1" for Ollama, or pass --base-url',
                    kind="bad_request",
                )
            self._wire = OpenAIWire(self.settings, self.settings.base_url, label=self.settings.name)
        return self._wire

    def models(self) -> list[ModelInfo]:
        data = self.wire().get_json(f"{self.wire().base_url}/models")
        return [self._model(item) for item in _items(data)]

    def health(self) -> ProviderHealth:
        try:
            models = self.models()
        except ProviderError as exc:
            return ProviderHealth(ok=False, detail=str(exc))
        names = ", ".join(m.id for m in models[:5]) or "no models listed"
        return ProviderHealth(ok=True, detail=f"{self.wire().base_url}: {names}")

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        stream = bool(self.settings.options.get("stream", True))
        return self.wire().chat(request, stream=stream)

    def close(self) -> None:
        if self._wire is not None:
            self._wire.close()

    def _model(self, item: dict[str, Any]) -> ModelInfo:
        window = next((item[k] for k in _WINDOW_KEYS if isinstance(item.get(k), int)), None)
        if self.settings.context_length is not None and item.get("id") == self.settings.model:
            window = self.settings.context_length
        return ModelInfo(id=str(item.get("id")), context_length=window)


def _items(data: Any) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ProviderError("the server's /models answer has no `data` list", kind="protocol")
    return [item for item in items if isinstance(item, dict) and item.get("id")]
